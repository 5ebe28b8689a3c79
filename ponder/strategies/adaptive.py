"""Adaptive: spend compute where it helps. A cheap probe estimates how hard the problem is, then a
policy picks the strategy and number of candidates for that difficulty (compute-optimal scaling,
Snell et al. 2024, with a run-time difficulty estimate instead of their oracle bins).

`ponder scale` fits the policy on measured samples and writes it as `allocation.json`; without one,
a default spends the whole budget when the probe looks hard and stops at the probe when it looks easy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ponder.strategies import registry
from ponder.strategies.base import Run, StrategyError, best_scored, is_solved
from ponder.strategies.majority import vote_result
from ponder.strategies.voting import tally, winner
from ponder.types import Result

PROBE = 2  # candidates drawn to estimate difficulty


@dataclass(frozen=True)
class Allocation:
    """Difficulty bins and what to spend in each. Bin i holds estimates in (edges[i-1], edges[i]]."""

    edges: tuple[float, ...]  # upper edges of all bins but the last, increasing
    choices: tuple[tuple[str, int | None], ...]  # (strategy, total candidates incl. the probe); None = the budget's
    probe: int = PROBE

    def __post_init__(self) -> None:
        if len(self.choices) != len(self.edges) + 1:
            raise StrategyError("an allocation needs one choice per difficulty bin (one more than edges)")
        if list(self.edges) != sorted(self.edges):
            raise StrategyError("allocation edges must increase")
        if self.probe < 1:
            raise StrategyError("an allocation's probe must draw at least one candidate")
        for strategy, candidates in self.choices:
            if strategy not in registry.SPECS or registry.SPECS[strategy].options or (candidates is not None and candidates < 1):
                raise StrategyError(f"invalid allocation choice ({strategy!r}, {candidates!r})")

    def choose(self, difficulty: float) -> tuple[str, int | None]:
        return self.choices[sum(difficulty > edge for edge in self.edges)]

    @classmethod
    def load(cls, path: str | Path) -> Allocation:
        """An allocation from `ponder scale`'s allocation.json."""
        try:
            record = json.loads(Path(path).read_text())
            bins = record["bins"]
            return cls(
                edges=tuple(float(b["up_to"]) for b in bins[:-1]),
                choices=tuple((str(b["strategy"]), int(b["candidates"])) for b in bins),
                probe=int(record.get("probe", PROBE)),
            )
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise StrategyError(f"cannot read an allocation from {path}: {error}") from None


def default_allocation(verified: bool) -> Allocation:
    """Hard-looking problems (probe mostly wrong, or answers disagreeing) get the whole budget."""
    strategy = "best_of_n" if verified else "majority"
    return Allocation(edges=(0.5,), choices=((strategy, None), (strategy, PROBE)))


def probe_difficulty(answers: Sequence[str | None], scores: Sequence[float] | None) -> float:
    """The estimated chance that one sample is right (higher = easier): the probe's mean verifier
    score when it was scored, else the share of the probe agreeing with its most common answer.

    >>> probe_difficulty(["12", "12", "7", None], None), probe_difficulty(["1", "2"], [1.0, 0.0])
    (0.5, 0.5)
    """
    if not answers:
        return 0.0
    if scores is not None:
        return sum(scores) / len(scores)
    totals = tally(answers)
    leader = winner(totals)
    return 0.0 if leader is None else totals[leader] / len(answers)


async def adaptive(run: Run, allocation: Allocation | None = None) -> Result:
    """`allocation` is the difficulty policy (from `ponder scale`'s allocation.json); None: the default."""
    if allocation is None:
        allocation = default_allocation(run.verifier is not None)
    probe = await run.sample(min(allocation.probe, run.target))
    if not probe:
        return run.result(None, run.stop_reason(False))
    scores = None
    if run.verifier is not None:
        probe = [await run.score(c) for c in probe]
        solved = next((c for c in probe if is_solved(c)), None)
        if solved is not None:
            run.emit("decision", f"probe candidate {solved.index} verified correct; stopping", solved)
            return run.result(solved.index, "solved")
        if all(c.verdict is not None for c in probe):
            scores = [c.verdict.score for c in probe]
    difficulty = probe_difficulty([c.answer for c in probe], scores)
    strategy, candidates = allocation.choose(difficulty)
    spec = registry.get_spec(strategy)
    if spec.needs_verifier and run.verifier is None:
        strategy, spec = registry.DEFAULT_UNVERIFIED, registry.get_spec(registry.DEFAULT_UNVERIFIED)
    run.cap = candidates
    run.emit("decision", f"probe difficulty {difficulty:.2f}: {strategy} with {run.target} candidates in all")
    if strategy == "single" or len(run.candidates) >= run.target:
        return _settle(run, spec)
    return await spec(run)


def _settle(run: Run, spec: registry.StrategySpec) -> Result:
    """Answer from the probe alone: its best-scored candidate when the chosen strategy verifies, else its majority answer."""
    best = best_scored(run.candidates)
    if spec.needs_verifier and best is not None:
        return run.result(best.index, "done")
    return vote_result(run, "done")
