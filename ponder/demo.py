"""`ponder demo`: a small scaling sweep of the embedded model on both built-in tasks, in about a minute.
It writes each task's report and plot (like `ponder scale`) and returns the analyses to print."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ponder.generators.base import Generator
from ponder.scaling.analysis import Analysis
from ponder.scaling.harness import scale
from ponder.scaling.sweep import Progress, SweepConfig, SweepSummary
from ponder.tasks import get_task

DEMO_SEED = 20261122  # held-out problems: the test split is never trained on, whatever the seed
DEMO_SWEEPS = (
    # countdown has an exact checker: best-of-N climbs with coverage while voting barely moves
    SweepConfig(task="countdown", model="embedded", samples=32, strategies=("single", "best_of_n", "majority", "revise"),
                seed=DEMO_SEED, max_new_tokens=48),
    # multiplication: sampled answers disagree, and the majority answer is right more often than one sample
    SweepConfig(task="arithmetic", model="embedded", samples=16, strategies=("single", "majority", "best_of_n"),
                seed=DEMO_SEED, max_new_tokens=48),
)


async def demo(
    generator: Generator, out: Path, problems: int, on_progress: Callable[[str, Progress], None] = lambda task, progress: None
) -> list[tuple[SweepConfig, SweepSummary, Analysis]]:
    """Run every demo sweep into out/TASK (resuming what is there)."""
    results = []
    for config in DEMO_SWEEPS:
        task = get_task(config.task)
        summary, analysis = await scale(
            config, task.generate(problems, DEMO_SEED), task, generator, out / config.task,
            command=["ponder", "demo"], on_progress=lambda progress, name=config.task: on_progress(name, progress),
        )
        results.append((config, summary, analysis))
    return results
