"""Generators from a model spec: 'embedded', 'openai:MODEL@BASE_URL' or 'hf:PATH'."""

from __future__ import annotations

from ponder.generators.base import Generator, GeneratorError

MODEL_SPECS = "'embedded', 'openai:MODEL@BASE_URL' (or 'openai:MODEL' for api.openai.com) or 'hf:PATH'"


def load_generator(spec: str, *, timeout: float = 120.0, max_retries: int = 2) -> Generator:
    """The generator a model spec names."""
    if spec in ("embedded", "ponder-tiny"):
        from ponder.generators.embedded import EmbeddedGenerator

        return EmbeddedGenerator()
    kind, _, rest = spec.partition(":")
    if kind == "hf" and rest:
        from ponder.generators.hf_local import HFLocalGenerator

        return HFLocalGenerator(rest)
    if kind == "openai" and rest:
        from ponder.generators.openai_http import OpenAIGenerator

        model, _, base_url = rest.partition("@")
        if not model:
            raise GeneratorError(f"model spec {spec!r} names no model; use {MODEL_SPECS}")
        return OpenAIGenerator(model, base_url or None, timeout=timeout, max_retries=max_retries)
    raise GeneratorError(f"unknown model spec {spec!r}; use {MODEL_SPECS}")


__all__ = ["Generator", "GeneratorError", "MODEL_SPECS", "load_generator"]
