"""Measure the embedded model's accuracy on held-out problems through the engine: greedy, sampled
single answers, best-of-N with the exact checker (countdown), majority vote (arithmetic). The numbers go
in the model card and the closing notes.

    python scripts/evaluate_embedded.py [--problems 200] [--seed 777]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from ponder.budget import Limits
from ponder.engine import Plan, solve_all
from ponder.loading import load_generator
from ponder.generators.base import Generator
from ponder.tasks import get_task
from ponder.types import SamplingParams


@dataclass(frozen=True)
class Setting:
    """One way of thinking about one task's problems."""

    task: str
    label: str
    strategy: str
    candidates: int
    temperature: float


async def measure(generator: Generator, setting: Setting, problems: int, seed: int) -> tuple[float, float]:
    """Accuracy and generated tokens per problem of one setting on held-out problems."""
    task = get_task(setting.task)
    plan = Plan(strategy=setting.strategy, limits=Limits(max_candidates=setting.candidates),
                params=SamplingParams(temperature=setting.temperature, max_tokens=48), seed=seed)
    correct = tokens = 0
    async for outcome in solve_all(task.generate(problems, seed), task, generator, plan):
        correct += bool(outcome.correct)
        tokens += outcome.result.usage.generated_tokens if outcome.result else 0
    return correct / problems, tokens / problems


SETTINGS = (
    Setting("countdown", "greedy", "single", 1, 0.0),
    Setting("countdown", "single (sampled, T=1)", "single", 1, 1.0),
    Setting("countdown", "best_of_n, 64 candidates", "best_of_n", 64, 1.0),
    Setting("arithmetic", "greedy", "single", 1, 0.0),
    Setting("arithmetic", "single (sampled, T=1)", "single", 1, 1.0),
    Setting("arithmetic", "majority, 16 candidates", "majority", 16, 1.0),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--seed", type=int, default=777, help="problem seed (held-out split, never trained on)")
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    generator = load_generator("embedded")
    for setting in SETTINGS:
        started = time.monotonic()
        accuracy, mean_tokens = asyncio.run(measure(generator, setting, args.problems, args.seed))
        print(f"{setting.task:<11} {setting.label:<26} {accuracy:7.1%}  {mean_tokens:6.1f} tok/problem  "
              f"{time.monotonic() - started:5.1f}s", flush=True)


if __name__ == "__main__":
    main()
