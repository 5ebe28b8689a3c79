"""The models a server serves: each is a generator (metered) and, for OpenAI-compatible backends, a
raw pass-through proxy used when the request asks for no thinking."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from ponder.generators.spec import EMBEDDED_NAME, EMBEDDED_NAMES, parse_model_spec
from ponder.loading import load_generator
from ponder.generators.base import Generator
from ponder.server.config import ServerConfig
from ponder.server.metrics import MeteredGenerator, Metrics
from ponder.server.proxy import Proxy


@dataclass(frozen=True)
class ServedModel:
    name: str
    generator: Generator  # what thinking (and raw local generation) calls
    proxy: Proxy | None = None  # raw requests go straight to the backend when it is OpenAI-compatible


def build_models(config: ServerConfig, metrics: Metrics, embedded: Generator | None = None) -> Mapping[str, ServedModel]:
    """Every configured model, loaded now so a bad spec fails at start-up, not on the first request."""
    models: dict[str, ServedModel] = {}
    if config.embedded:
        for name in EMBEDDED_NAMES:
            generator = embedded if name == EMBEDDED_NAME and embedded is not None else load_generator(name)
            models[name] = ServedModel(name, MeteredGenerator(generator, metrics, name))
    for name, spec in config.backends.items():
        parsed = parse_model_spec(spec)
        generator = load_generator(parsed, timeout=config.backend_timeout, max_retries=config.backend_retries)
        proxy = None
        if parsed.kind == "openai":
            proxy = Proxy(
                parsed.url,
                parsed.model,
                api_key=os.environ.get("OPENAI_API_KEY"),
                timeout=config.backend_timeout,
                retries=config.backend_retries,
            )
        models[name] = ServedModel(name, MeteredGenerator(generator, metrics, name), proxy)
    return models
