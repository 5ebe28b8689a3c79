"""Generators (system 1) from a model spec: 'embedded', 'openai:MODEL@BASE_URL' or 'hf:PATH' (see spec.py)."""

from __future__ import annotations

from pathlib import Path

from ponder.generators.base import Generator, GeneratorError
from ponder.generators.spec import EMBEDDED_NAME, MODEL_SPECS, THINK_NAME, ModelSpec, parse_model_spec


def load_generator(spec: str | ModelSpec, *, timeout: float = 120.0, max_retries: int = 2) -> Generator:
    """The generator a model spec names (heavy libraries are imported only for the kind asked for)."""
    parsed = parse_model_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "embedded" and parsed.model == THINK_NAME:
        from ponder.generators.embedded_think import EmbeddedThinkGenerator

        return EmbeddedThinkGenerator()
    if parsed.kind == "embedded":
        from ponder.generators.embedded import EmbeddedGenerator

        return EmbeddedGenerator()
    if parsed.kind == "hf":
        from ponder.generators.checkpoint import THINK_FAMILY, family_of
        from ponder.generators.hf_local import HFLocalGenerator

        if family_of(Path(parsed.model)) == THINK_FAMILY:  # a ponder-think checkpoint (`ponder train` wrote it)
            from ponder.generators.embedded_think import EmbeddedThinkGenerator

            return EmbeddedThinkGenerator(parsed.model, name=f"hf:{parsed.model}")

        return HFLocalGenerator(parsed.model, dtype=parsed.dtype)
    from ponder.generators.openai_http import OpenAIGenerator

    backend = OpenAIGenerator(parsed.model, parsed.base_url, timeout=timeout, max_retries=max_retries, usage=parsed.usage)
    if parsed.thinking is None:
        if parsed.format is not None:
            raise GeneratorError(f"model spec for {parsed.model!r} names a thinking format but no ?thinking= control")
        return backend
    from ponder.thinking.formats import FormatError, think_format
    from ponder.thinking.remote import RemoteThinking

    try:
        return RemoteThinking(backend, parsed.thinking, think_format(parsed.format, parsed.model))
    except (FormatError, ValueError) as error:
        raise GeneratorError(str(error)) from None


__all__ = ["EMBEDDED_NAME", "Generator", "GeneratorError", "MODEL_SPECS", "ModelSpec", "load_generator", "parse_model_spec", "THINK_NAME"]
