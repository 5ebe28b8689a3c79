"""The strategy registry: one spec per strategy, the one place where facts about strategies live.

The engine, the scaling harness, the server and the games all ask it: which strategies exist, which
need or consult a verifier, which can be estimated from a pool of independent samples (and with which
estimator), and which must be run once per budget. A spec names its function as 'module:function' and
imports it on first use, so reading the registry costs no imports (the CLI's help lists strategies
without loading a model stack), and strategies that call others (adaptive) can read it without a cycle.

Adding a strategy: write `ponder/strategies/NAME.py` with `async def NAME(run: Run, **options) -> Result`
and add one `StrategySpec` line below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Mapping

from ponder.lazy import resolve
from ponder.strategies.base import Run, StrategyError
from ponder.types import Result

Strategy = Callable[..., Awaitable[Result]]  # async (run, **options) -> Result
# needs / uses: the task's outcome verifier; process: a process verifier (PRM) over steps, given as the `prm` option
# runs: a verifier that also runs candidates (`verifiers.base.Behaviour`: code tasks)
VerifierUse = Literal["needs", "uses", "none", "process", "runs"]


@dataclass(frozen=True)
class PoolEstimate:
    """How a strategy's accuracy at k candidates is estimated from a pool of n >= k independent samples."""

    function: str  # 'module:function' taking (pool: ponder.scaling.curves.Pool, k, rng) -> expected correctness
    exact: bool = True  # an exact expectation over all size-k subsets (else seeded resampling, which reports say)
    budgets: Literal["all", "one"] = "all"  # "one": only k = 1 means anything (a single sample)


@dataclass(frozen=True)
class StrategySpec:
    name: str
    function: str  # 'module:function' of the strategy
    label: str  # how tables and plots name it
    verifier: VerifierUse = "none"  # needs: refused without one; uses: consults one when the task has one
    pool: PoolEstimate | None = None  # None: cannot be subsampled from a pool, so sweeps run it once per budget
    options: frozenset[str] = field(default_factory=frozenset)  # strategy-specific options (Plan.options) it takes

    @property
    def needs_verifier(self) -> bool:
        return self.verifier in ("needs", "runs")

    @property
    def uses_verifier(self) -> bool:
        return self.verifier in ("needs", "uses", "runs")

    @property
    def searches_steps(self) -> bool:
        """Searches over steps with a process verifier (the `prm` option)."""
        return self.verifier == "process"

    @property
    def per_budget(self) -> bool:
        """Cannot be subsampled from a pool: a sweep runs it once per budget."""
        return self.pool is None

    @property
    def fitted_on_pool(self) -> bool:
        """Takes an allocation that a sweep fits on the sample pool (a policy over the other strategies)."""
        return "allocation" in self.options

    def load(self) -> Strategy:
        return resolve(self.function)

    def check_options(self, options: Mapping[str, Any]) -> None:
        unknown = set(options) - self.options
        if unknown:
            raise StrategyError(f"strategy {self.name!r} takes no option(s) {', '.join(sorted(unknown))}")

    async def __call__(self, run: Run, **options: Any) -> Result:
        self.check_options(options)
        return await self.load()(run, **options)


_CURVES = "ponder.scaling.curves"
_STEP_OPTIONS = frozenset({"prm", "max_steps"})  # step-level search: its process verifier, its deepest partial solution
_JUDGE = frozenset({"judge"})  # a model that judges candidates (a Generator; default: the generator itself)
SPECS: dict[str, StrategySpec] = {spec.name: spec for spec in (
    StrategySpec("single", "ponder.strategies.single:single", "single sample",
                 pool=PoolEstimate(f"{_CURVES}:single_value", budgets="one")),
    StrategySpec("think", "ponder.strategies.think:think", "think (one chain)",
                 pool=PoolEstimate(f"{_CURVES}:single_value", budgets="one")),
    StrategySpec("reflect", "ponder.strategies.reflect:reflect", "reflect (think, check, answer; one sample)"),
    StrategySpec("program", "ponder.strategies.program:program", "program (the model's program, run in the sandbox; one sample)"),
    StrategySpec("best_of_n", "ponder.strategies.best_of_n:best_of_n", "best-of-N (verifier)", "needs",
                 pool=PoolEstimate(f"{_CURVES}:best_of_k_value")),
    StrategySpec("majority", "ponder.strategies.majority:majority", "majority vote",
                 pool=PoolEstimate(f"{_CURVES}:majority_value")),
    StrategySpec("weighted_majority", "ponder.strategies.weighted_majority:weighted_majority", "weighted majority", "needs",
                 pool=PoolEstimate(f"{_CURVES}:weighted_majority_value", exact=False)),
    StrategySpec("revise", "ponder.strategies.revise:revise", "revise (run per budget)", "needs"),
    StrategySpec("cluster", "ponder.strategies.cluster:cluster", "behaviour clustering (code; run per budget)", "runs",
                 options=frozenset({"propose_inputs"})),
    StrategySpec("codet", "ponder.strategies.codet:codet", "visible tests, then the model's own (code; run per budget)", "runs"),
    StrategySpec("judge", "ponder.strategies.pointwise:pointwise", "judge: pointwise grades (run per budget)", options=_JUDGE),
    StrategySpec("pairwise", "ponder.strategies.pairwise:pairwise", "judge: pairwise, king of the hill (run per budget)", options=_JUDGE),
    StrategySpec("knockout", "ponder.strategies.knockout:knockout", "judge: knockout tournament (run per budget)", options=_JUDGE),
    StrategySpec("round_robin", "ponder.strategies.round_robin:round_robin", "judge: round robin, Bradley–Terry (run per budget)",
                 options=_JUDGE),
    StrategySpec("usc", "ponder.strategies.usc:usc", "universal self-consistency (run per budget)", options=_JUDGE),
    StrategySpec("self_verify", "ponder.strategies.self_verify:self_verify", "self-verification (run per budget)", options=_JUDGE),
    StrategySpec("self_test", "ponder.strategies.self_test:self_test", "self-test: the model's own tests or program (run per budget)",
                 "uses", options=_JUDGE),
    StrategySpec("adaptive", "ponder.strategies.adaptive:adaptive", "adaptive (run per budget)", "uses",
                 options=frozenset({"allocation"})),
    StrategySpec("beam", "ponder.strategies.beam:beam", "beam search over steps (PRM)", "process",
                 options=_STEP_OPTIONS | {"beam_width"}),
    StrategySpec("dvts", "ponder.strategies.dvts:dvts", "DVTS over steps (PRM)", "process",
                 options=_STEP_OPTIONS | {"beam_width"}),
    StrategySpec("step_mcts", "ponder.strategies.step_mcts:step_mcts", "MCTS over steps (PRM)", "process",
                 options=_STEP_OPTIONS | {"expansions", "exploration", "simulations"}),
)}
NAMES = tuple(SPECS)
DEFAULT = "best_of_n"  # what thinking uses when no strategy is named and there is a verifier
DEFAULT_UNVERIFIED = "majority"  # ... and when there is none


def get_spec(name: str) -> StrategySpec:
    if name not in SPECS:
        raise StrategyError(f"unknown strategy {name!r}; choose one of: {', '.join(SPECS)}")
    return SPECS[name]


def default_strategy(verified: bool) -> str:
    return DEFAULT if verified else DEFAULT_UNVERIFIED


def needing_no_verifier() -> list[str]:
    """Strategies that run with no verifier of any kind (neither an outcome verifier nor a PRM)."""
    return [name for name, spec in SPECS.items() if not spec.needs_verifier and not spec.searches_steps]
