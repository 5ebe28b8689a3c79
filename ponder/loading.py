"""Build what a spec names: a generator from a model spec (parsed by `generators.spec`), a thinking
format by its name, a process verifier from a PRM spec. The one place that knows every kind, the
embedded models included, so no lower layer imports them; heavy libraries are imported only for the
kind asked for."""

from __future__ import annotations

from pathlib import Path

from ponder.generators.base import Generator, GeneratorError
from ponder.generators.spec import THINK_NAME, ModelSpec, parse_model_spec
from ponder.thinking.formats import THINK_TAGS, FormatError, ThinkFormat
from ponder.verifiers.prm import ExactPRM, PRMError, ProcessVerifier

FORMATS = ("think-tags", "ponder-think", "python")
PRM_SPECS = "'exact', 'learned' (ponder's shipped value model) or 'openai:MODEL@BASE_URL' (a chat model grading the steps)"


def load_generator(spec: str | ModelSpec, *, timeout: float = 120.0, max_retries: int = 2) -> Generator:
    """The generator a model spec names."""
    parsed = parse_model_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "embedded" and parsed.model == THINK_NAME:
        from ponder.embedded.think import EmbeddedThinkGenerator

        return EmbeddedThinkGenerator()
    if parsed.kind == "embedded":
        from ponder.embedded.tiny import EmbeddedGenerator

        return EmbeddedGenerator()
    if parsed.kind == "hf":
        from ponder.generators.checkpoint import THINK_FAMILY, family_of

        if family_of(Path(parsed.model)) == THINK_FAMILY:  # a ponder-think checkpoint (`ponder train` wrote it)
            from ponder.embedded.think import EmbeddedThinkGenerator

            return EmbeddedThinkGenerator(parsed.model, name=f"hf:{parsed.model}")
        from ponder.generators.hf_local import HFLocalGenerator

        try:
            fmt = think_format(parsed.format) if parsed.format is not None else None
        except FormatError as error:
            raise GeneratorError(str(error)) from None
        return HFLocalGenerator(parsed.model, dtype=parsed.dtype, think_format=fmt)
    from ponder.embedded.steps import BY_MODEL
    from ponder.generators.openai_http import OpenAIGenerator

    backend = OpenAIGenerator(parsed.model, parsed.base_url, timeout=timeout, max_retries=max_retries, usage=parsed.usage,
                              step_formats=BY_MODEL.get(parsed.served_name))
    if parsed.thinking is None:
        if parsed.format is not None:
            raise GeneratorError(f"model spec for {parsed.model!r} names a thinking format but no ?thinking= control")
        return backend
    from ponder.generators.remote_thinking import RemoteThinking

    try:
        return RemoteThinking(backend, parsed.thinking, think_format(parsed.format, parsed))
    except (FormatError, ValueError) as error:
        raise GeneratorError(str(error)) from None


def think_format(name: str | None, spec: ModelSpec | None = None) -> ThinkFormat:
    """The named thinking format; None: ponder-think's for a served ponder-think, else think tags."""
    if name is None:
        name = "ponder-think" if spec is not None and spec.served_name == THINK_NAME else "think-tags"
    if name == "think-tags":
        return THINK_TAGS
    if name == "ponder-think":
        from ponder.embedded.think import search_format

        return search_format()
    if name == "python":
        from ponder.thinking.formats import python_tool

        return python_tool()
    raise FormatError(f"unknown thinking format {name!r}; use one of: {', '.join(FORMATS)}")


def load_prm(spec: str, timeout: float = 120.0) -> ProcessVerifier:
    """The process verifier a spec names."""
    if spec == "exact":
        return ExactPRM()
    if spec == "learned":
        from ponder.embedded.prm import LearnedPRM

        return LearnedPRM()
    if spec.startswith("openai:"):
        from ponder.verifiers.llm_prm import LLMPRM

        model = parse_model_spec(spec)
        return LLMPRM(model.model, model.base_url, timeout=timeout)
    raise PRMError(f"unknown process verifier {spec!r}; use {PRM_SPECS}")
