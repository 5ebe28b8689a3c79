"""What a scaling sweep draws and how (`ponder scale`'s settings): a frozen dataclass whose defaults the
CLI reads, importable without the sweep's machinery."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from typing import TYPE_CHECKING

from ponder.errors import PonderError
from ponder.strategies.registry import SPECS as STRATEGIES

if TYPE_CHECKING:
    from ponder.types import Problem, SamplingParams

class SweepError(PonderError, ValueError):
    """The sweep cannot run as asked (bad settings, problems without a reference answer)."""


@dataclass(frozen=True)
class SweepConfig:
    task: str = "countdown"
    model: str = "embedded"  # a model spec (see ponder.generators.spec)
    samples: int = 64  # N: samples drawn per problem; every budget k <= N is estimated from them
    strategies: tuple[str, ...] = ("single", "best_of_n", "majority", "weighted_majority", "revise")
    seed: int = 0  # seeds sampling (per chunk), subset resampling, bootstrap and cross-validation folds
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    chunk: int = 16  # samples per generator call; part of what is sampled, so a resume must keep it
    concurrency: int = 4  # work units in flight at once
    retries: int = 3  # further attempts after a failed unit
    backoff: float = 1.0  # seconds before the first retry, doubling each time (at most MAX_BACKOFF)
    timeout: float = 120.0  # seconds per generator request
    bins: int = 4  # difficulty bins for compute-optimal allocation
    thinking_tokens: int | None = None  # cap on each sample's chain of thought (models that think); None: model default
    stop: tuple[str, ...] = ()  # each sample ends at the first of these
    few_shot: str | None = None  # a base model's few-shot prompt template (generators.few_shot); None: chat messages
    prm: str | None = None  # the process verifier of step-search strategies (beam, dvts, step_mcts): exact, learned, openai:MODEL@URL
    judge: str | None = None  # the model that judges for the judge strategies (a model spec); None: the generator itself

    def __post_init__(self) -> None:
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            raise SweepError(f"unknown strateg{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}; choose from {', '.join(STRATEGIES)}")
        if not self.strategies:
            raise SweepError("name at least one strategy")
        checks = [
            (self.samples >= 1, "--samples (formerly --max-candidates) must be at least 1"),
            (self.chunk >= 1, "the chunk size must be at least 1"),
            (self.concurrency >= 1, "--concurrency must be at least 1"),
            (self.retries >= 0, "--retries must be at least 0"),
            (self.backoff >= 0, "--backoff must be at least 0"),
            (self.temperature >= 0, "--temperature must be >= 0"),
            (0 < self.top_p <= 1, "--top-p must be in (0, 1]"),
            (self.max_new_tokens >= 1, "--max-new-tokens must be at least 1"),
            (self.bins >= 1, "--bins must be at least 1"),
            (self.thinking_tokens is None or self.thinking_tokens >= 0, "thinking budgets must be at least 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise SweepError(message)
        searching = [s for s in self.strategies if STRATEGIES[s].searches_steps]
        if searching and self.prm is None:
            raise SweepError(f"{', '.join(searching)} search over steps and need --prm (exact, learned or openai:MODEL@URL)")

    @property
    def params(self) -> SamplingParams:
        from ponder.thinking.budget import thinking_budget, with_thinking
        from ponder.types import SamplingParams

        params = SamplingParams(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_new_tokens, stop=tuple(self.stop))
        if self.thinking_tokens is None:
            return params
        return with_thinking(params, thinking_budget(self.thinking_tokens))

    def identity(self, problems: Sequence[Problem]) -> dict[str, Any]:
        """What decides the samples drawn; a store only resumes a sweep with the same identity."""
        digest = hashlib.sha256("\n".join(f"{p.id}\t{p.prompt}" for p in problems).encode()).hexdigest()
        keep = ("task", "model", "samples", "seed", "temperature", "top_p", "max_new_tokens", "chunk", "thinking_tokens", "stop", "few_shot", "prm", "judge")
        optional = {"thinking_tokens": None, "stop": (), "few_shot": None, "prm": None, "judge": None}  # older stores have none: left out when unset
        chosen = {k: v for k, v in asdict(self).items() if k in keep and not (k in optional and v == optional[k])}
        if "stop" in chosen:
            chosen["stop"] = list(chosen["stop"])
        if "few_shot" in chosen:
            chosen["few_shot"] = hashlib.sha256(chosen["few_shot"].encode()).hexdigest()
        return {**chosen, "problems": len(problems), "problems_sha256": digest}
