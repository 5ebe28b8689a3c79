"""`ponder demo`: the generator-verifier gap of the embedded model on held-out problems, in a minute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ponder.budget import Limits
from ponder.engine import Plan, solve_all
from ponder.generators.base import Generator
from ponder.tasks import get_task
from ponder.types import SamplingParams

DEMO_SEED = 20261122  # held-out problems: the test split is never trained on, whatever the seed


@dataclass(frozen=True)
class Setting:
    """One way of thinking about one task's problems."""

    task: str
    label: str
    strategy: str
    candidates: int
    temperature: float


@dataclass(frozen=True)
class Row:
    setting: Setting
    accuracy: float
    problems: int
    mean_tokens: float  # generated tokens per problem


DEMO_SETTINGS = (
    Setting("countdown", "answer at once (greedy)", "single", 1, 0.0),
    Setting("countdown", "answer at once (sampled)", "single", 1, 1.0),
    Setting("countdown", "best of 16, exact checker", "best_of_n", 16, 1.0),
    Setting("arithmetic", "answer at once (sampled)", "single", 1, 1.0),
    Setting("arithmetic", "majority of 16", "majority", 16, 1.0),
)


async def measure(
    generator: Generator,
    settings: Sequence[Setting],
    problems: int,
    seed: int = DEMO_SEED,
    on_problem: Callable[[], None] = lambda: None,
) -> list[Row]:
    """Accuracy and generated tokens per problem of each setting on the same held-out problems."""
    rows = []
    for setting in settings:
        task = get_task(setting.task)
        plan = Plan(
            strategy=setting.strategy,
            limits=Limits(max_candidates=setting.candidates),
            params=SamplingParams(temperature=setting.temperature, max_tokens=48),
            seed=seed,
        )
        correct = tokens = 0
        async for outcome in solve_all(task.generate(problems, seed), task, generator, plan):
            correct += bool(outcome.correct)
            tokens += outcome.result.usage.generated_tokens if outcome.result else 0
            on_problem()
        rows.append(Row(setting, correct / problems, problems, tokens / problems))
    return rows
