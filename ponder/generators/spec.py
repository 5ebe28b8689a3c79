"""Model specs: the one place where the text naming a model is parsed.

'embedded' (or its served name 'ponder-tiny'), 'ponder-think' (the embedded model that thinks), 'openai:MODEL@BASE_URL' (or 'openai:MODEL' for the
OpenAI API itself) and 'hf:PATH'. The CLI, the server's backends and the games' LLM players all read
specs through `parse_model_spec`; `ponder.loading.load_generator` turns one into a generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ponder.generators.base import GeneratorError

EMBEDDED_NAME = "ponder-tiny"  # what the embedded model is called when served and in usage records
THINK_NAME = "ponder-think"  # the embedded model that searches in a chain of thought (countdown)
EMBEDDED_NAMES = (EMBEDDED_NAME, THINK_NAME)
OPENAI_URL = "https://api.openai.com/v1"  # where 'openai:MODEL' without '@BASE_URL' goes
MODEL_SPECS = ("'embedded' ('ponder-tiny'), 'ponder-think', 'openai:MODEL@BASE_URL' (or 'openai:MODEL' for api.openai.com; "
               "add '?thinking=continue|vllm|llama.cpp|field:NAME' for thinking budgets, '?usage=count|bytes|reported' for "
               "how tokens are counted) or 'hf:PATH' (a checkpoint directory or a .gguf file; '?dtype=auto|fp32|bf16')")
# openai specs: how thinking budgets reach the backend, the thought's format, how generated tokens are counted
SPEC_OPTIONS = ("thinking", "format", "usage")
HF_OPTIONS = ("dtype", "format")  # hf specs: the dtype weights are loaded in; a thinking format (python: the Python tool)


@dataclass(frozen=True)
class ModelSpec:
    kind: Literal["embedded", "openai", "hf"]
    model: str  # the model's name at its backend (openai), its checkpoint path (hf), or one of EMBEDDED_NAMES
    base_url: str | None = None  # openai only: as given (None: the OpenAI API)
    thinking: str | None = None  # openai only: how a thinking budget is kept (generators.remote_thinking), None: it cannot be
    format: str | None = None  # the thought's format (thinking.formats), None: from the model's name (hf: its template)
    usage: str = "count"  # openai only: how generated tokens are counted (generators.usage_count)
    dtype: str = "auto"  # hf only: the dtype weights are loaded in (generators.checkpoint)

    @property
    def url(self) -> str:
        """The OpenAI-compatible endpoint an 'openai' spec reaches."""
        return self.base_url or OPENAI_URL

    @property
    def served_name(self) -> str:
        """The model's own name, without an organisation or path: what says which model a backend serves.

        >>> parse_model_spec("openai:ponder/ponder-think@http://127.0.0.1:8001/v1").served_name
        'ponder-think'
        """
        return self.model.rsplit("/", 1)[-1]


def parse_model_spec(text: str) -> ModelSpec:
    """What a model spec names; a GeneratorError says what is wrong with a bad one.

    >>> parse_model_spec("openai:Qwen/Qwen3-8B@http://127.0.0.1:8001/v1")
    ModelSpec(kind='openai', model='Qwen/Qwen3-8B', base_url='http://127.0.0.1:8001/v1', thinking=None, format=None, usage='count', dtype='auto')
    >>> parse_model_spec("openai:gpt-4o").url
    'https://api.openai.com/v1'
    >>> parse_model_spec("openai:ponder-think@http://127.0.0.1:8001/v1?thinking=continue").thinking
    'continue'
    >>> parse_model_spec("hf:/models/gemma-3-270m-q4_k_m.gguf?dtype=bf16").dtype
    'bf16'
    """
    if text in ("embedded", EMBEDDED_NAME):
        return ModelSpec("embedded", EMBEDDED_NAME)
    if text == THINK_NAME:
        return ModelSpec("embedded", THINK_NAME)
    kind, _, rest = text.partition(":")
    if kind == "hf" and rest:
        path, _, query = rest.partition("?")
        options = _options(text, query, HF_OPTIONS)
        return ModelSpec("hf", path, format=options.get("format"), dtype=options.get("dtype", "auto"))
    if kind == "openai" and rest:
        rest, _, query = rest.partition("?")
        model, _, base_url = rest.partition("@")
        if not model:
            raise GeneratorError(f"model spec {text!r} names no model; use {MODEL_SPECS}")
        options = _options(text, query, SPEC_OPTIONS)
        return ModelSpec("openai", model, base_url or None, options.get("thinking"), options.get("format"), options.get("usage", "count"))
    raise GeneratorError(f"unknown model spec {text!r}; use {MODEL_SPECS}")


def _options(text: str, query: str, known: tuple[str, ...]) -> dict[str, str]:
    from urllib.parse import parse_qsl

    options = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise GeneratorError(f"model spec {text!r}: unknown option {unknown[0]!r}; options are {', '.join(known)}")
    return options
