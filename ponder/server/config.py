"""What a server serves and the limits it keeps: one frozen config. `resolve_config` builds it the one
way `ponder serve` and `create_app()` both use: a JSON/TOML file, then the environment, then overrides."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ponder.budget import DEFAULT_EFFORTS, DEFAULT_THINKING_EFFORTS, EFFORT_LEVELS, TOKENS_PER_CANDIDATE, BudgetError, Limits
from ponder.errors import PonderError
from ponder.generators.base import GeneratorError
from ponder.generators.spec import EMBEDDED_NAMES, parse_model_spec
from ponder.strategies.registry import SPECS

CONFIG_ENV = "PONDER_CONFIG"  # path of a config file, when none is given
KEYS_ENV = "PONDER_API_KEYS"  # comma-separated bearer keys, added to the configured ones

JUDGE_STRATEGIES = tuple(name for name, spec in SPECS.items() if "judge" in spec.options)  # the strategies that take a judge
DEFAULT_CAP = Limits(max_candidates=256, max_tokens=256 * TOKENS_PER_CANDIDATE, max_seconds=300)


class ConfigError(PonderError, ValueError):
    """The server configuration is invalid; the message says which field and why."""


def _unpickle(values: dict, proxies: list[str]) -> ServerConfig:
    return ServerConfig(**{k: MappingProxyType(v) if k in proxies else v for k, v in values.items()})


@dataclass(frozen=True)
class ServerConfig:
    backends: Mapping[str, str] = field(default_factory=dict)  # served name -> model spec ('openai:MODEL@URL', 'hf:PATH')
    embedded: bool = True  # also serve the embedded models ('ponder-tiny' and 'ponder-think')
    api_keys: frozenset[str] = frozenset()  # bearer keys accepted; empty: no authentication
    max_concurrency: int = 256  # chat requests in flight; more are refused with 429 and Retry-After
    budget_cap: Limits = DEFAULT_CAP  # no request may ask for more than this, whatever its effort or budget
    efforts: Mapping[str, Limits] = field(default_factory=lambda: DEFAULT_EFFORTS)  # what each reasoning_effort level stands for
    max_tokens_per_candidate: int = 256  # default and cap for one candidate's completion when thinking
    max_thinking_n: int = 8  # most independent thought-through answers (n) in one request
    backend_timeout: float = 60.0  # seconds per backend request before it is retried
    backend_retries: int = 2  # retries (with exponential backoff) after a backend fails or times out
    trace_dir: Path | None = None  # write one JSONL trace per thinking request here
    support_n: bool = True  # False: refuse n > 1 on raw requests, as some backends do
    shutdown_timeout: float = 10.0  # seconds in-flight requests get to finish on shutdown
    max_request_bytes: int = 2 * 1024 * 1024  # larger request bodies are refused with 413 before they are read
    thinking_efforts: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_THINKING_EFFORTS))  # models that think: reasoning_effort -> thinking tokens of the chain
    header_timeout: float = 10.0  # seconds a client has to send a request's line and headers before its connection is closed
    docs: bool | None = None  # publish /docs, /redoc and /openapi.json; None: only when no api_keys are set (with keys, they need one)
    judge: str | None = None  # requests without a checker are decided by a judge: 'self' (the request's own model) or a served model's name
    judge_strategy: str = "usc"  # how the judge decides: one of JUDGE_STRATEGIES

    def __reduce__(self) -> tuple:
        """Pickle (for `serve --workers`' spawned processes): read-only mappings travel as dicts."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        proxies = [name for name, value in values.items() if isinstance(value, MappingProxyType)]
        return _unpickle, ({k: dict(v) if k in proxies else v for k, v in values.items()}, proxies)

    def __post_init__(self) -> None:
        for name in ("max_concurrency", "max_tokens_per_candidate", "max_thinking_n", "max_request_bytes"):
            if type(getattr(self, name)) is not int or getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if any(not isinstance(key, str) or not key.strip() for key in self.api_keys):
            raise ConfigError("an API key must be a non-empty string (an empty one would let a bare 'Bearer' in)")
        if self.backend_timeout <= 0 or self.header_timeout <= 0 or self.backend_retries < 0 or self.shutdown_timeout < 0:
            raise ConfigError("backend_timeout and header_timeout must be positive; backend_retries and shutdown_timeout not negative")
        for name, spec in self.backends.items():
            try:
                if not name or not isinstance(spec, str):
                    raise GeneratorError(f"model spec {spec!r} is not text")
                parse_model_spec(spec)
            except GeneratorError:
                raise ConfigError(f"backend {name!r}: give a model spec like 'openai:MODEL@URL' or 'hf:PATH', got {spec!r}") from None
        for name in EMBEDDED_NAMES:
            if self.embedded and name in self.backends:
                raise ConfigError(f"backend name {name!r} is an embedded model's; pick another or turn the embedded models off")
        if self.judge is not None and self.judge != "self" and self.judge not in self.served_names:
            raise ConfigError(f"judge must be 'self' or a served model ({', '.join(self.served_names)}), got {self.judge!r}")
        if self.judge_strategy not in JUDGE_STRATEGIES:
            raise ConfigError(f"judge_strategy must be one of {', '.join(JUDGE_STRATEGIES)}, got {self.judge_strategy!r}")
        if set(self.thinking_efforts) != set(DEFAULT_THINKING_EFFORTS) or any(
            type(v) is not int or v < 0 for v in self.thinking_efforts.values()
        ):
            raise ConfigError(f"thinking_efforts must give every level ({', '.join(DEFAULT_THINKING_EFFORTS)}) a whole number of tokens >= 0")

    @property
    def publishes_docs(self) -> bool:
        return not self.api_keys if self.docs is None else self.docs

    @property
    def served_names(self) -> list[str]:
        return (list(EMBEDDED_NAMES) if self.embedded else []) + list(self.backends)


def parse_backend(text: str) -> tuple[str, str]:
    """'NAME=SPEC' from the command line.

    >>> parse_backend("qwen=openai:Qwen/Qwen3-8B@http://127.0.0.1:8001/v1")
    ('qwen', 'openai:Qwen/Qwen3-8B@http://127.0.0.1:8001/v1')
    """
    name, equals, spec = text.partition("=")
    if not equals or not name.strip() or not spec.strip():
        raise ConfigError(f"--backend takes NAME=SPEC (e.g. qwen=openai:Qwen3-8B@http://127.0.0.1:8001/v1), got {text!r}")
    return name.strip(), spec.strip()


def _limits(value: Any, where: str) -> Limits:
    allowed = {f.name for f in fields(Limits)} - {"max_dollars"}
    if not isinstance(value, dict) or set(value) - allowed:
        raise ConfigError(f"{where} must map limits among: {', '.join(sorted(allowed))}")
    try:
        return Limits(**value)
    except BudgetError as error:
        raise ConfigError(f"{where}: {error}") from None


def load_config(path: str | Path, base: ServerConfig = ServerConfig()) -> ServerConfig:
    """A config from a JSON or TOML file whose keys are ServerConfig's fields, over `base`."""
    import tomllib

    path = Path(path)
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read server config {path}: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be an object of settings")
    known = {f.name for f in fields(ServerConfig)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = dict(data)
    if "backends" in values:
        if not isinstance(values["backends"], dict):
            raise ConfigError(f"{path}: backends must map served names to model specs")
        values["backends"] = {**base.backends, **values["backends"]}
    if "api_keys" in values:
        if not isinstance(values["api_keys"], list) or not all(isinstance(k, str) and k for k in values["api_keys"]):
            raise ConfigError(f"{path}: api_keys must be a list of non-empty strings")
        values["api_keys"] = base.api_keys | frozenset(values["api_keys"])
    if "budget_cap" in values:
        values["budget_cap"] = _limits(values["budget_cap"], f"{path}: budget_cap")
    if "efforts" in values:
        if not isinstance(values["efforts"], dict) or set(values["efforts"]) - set(EFFORT_LEVELS):
            raise ConfigError(f"{path}: efforts must map levels among {', '.join(EFFORT_LEVELS)} to limits")
        efforts = dict(base.efforts)
        efforts.update({level: _limits(limits, f"{path}: efforts.{level}") for level, limits in values["efforts"].items()})
        values["efforts"] = MappingProxyType(efforts)
    if "thinking_efforts" in values:
        if not isinstance(values["thinking_efforts"], dict):
            raise ConfigError(f"{path}: thinking_efforts must map levels to thinking tokens")
        values["thinking_efforts"] = {**base.thinking_efforts, **values["thinking_efforts"]}
    if "trace_dir" in values:
        values["trace_dir"] = Path(values["trace_dir"])
    try:
        return replace(base, **values)
    except TypeError as error:
        raise ConfigError(f"{path}: {error}") from None


def resolve_config(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """The config a server runs with: the file at `path` (else $PONDER_CONFIG, else the defaults), plus the
    keys in $PONDER_API_KEYS, then `overrides` (ServerConfig fields; None values are ignored, `backends`
    and `api_keys` add to the file's). Raises ConfigError when the result serves nothing."""
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_ENV) or None
    config = load_config(path) if path else ServerConfig()
    changes = {name: value for name, value in (overrides or {}).items() if value is not None}
    unknown = set(changes) - {f.name for f in fields(ServerConfig)}
    if unknown:
        raise ConfigError(f"unknown settings {', '.join(sorted(unknown))}")
    keys = frozenset(k.strip() for k in environ.get(KEYS_ENV, "").split(",") if k.strip())
    changes["api_keys"] = config.api_keys | keys | frozenset(changes.get("api_keys", ()))
    changes["backends"] = {**config.backends, **changes.get("backends", {})}
    config = replace(config, **changes)
    if not config.served_names:
        raise ConfigError("nothing to serve: give a backend (--backend NAME=SPEC, or backends in the config) or serve the embedded model")
    return config
