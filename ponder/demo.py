"""`ponder demo`: small scaling sweeps of the embedded models (how long they take is measured in the README). ponder-tiny on both
built-in tasks (thinking *wider*: many short answers, checked or voted), then ponder-think on countdown
problems from a generator it never trained on at several thinking budgets (thinking *longer* vs wider
vs both). It writes each sweep's report and plot (like `ponder scale`) and returns the analyses to print."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping

from ponder.errors import PonderError
from ponder.generators.base import Generator
from ponder.scaling.analysis import Analysis
from ponder.scaling.harness import scale
from ponder.scaling.longer_wider import write as write_longer_wider
from ponder.scaling.sweep import SweepProgress, SweepConfig, SweepSummary
from ponder.tasks import get_task

DEMO_SEED = 20261122  # held-out problems: the test split is never trained on, whatever the seed
DEMO_SWEEPS = (
    # countdown has an exact checker: best-of-N climbs with coverage while voting barely moves
    SweepConfig(task="countdown", model="ponder-tiny", samples=32, strategies=("single", "best_of_n", "majority", "revise"),
                seed=DEMO_SEED, max_new_tokens=48),
    # multiplication: sampled answers disagree, and the majority answer is right more often than one sample
    SweepConfig(task="arithmetic", model="ponder-tiny", samples=16, strategies=("single", "majority", "best_of_n"),
                seed=DEMO_SEED, max_new_tokens=48),
)
# ponder-think: k chains x L thinking tokens, on problems whose targets are uniform over everything reachable
THINK_SWEEP = SweepConfig(task="countdown-reachable", model="ponder-think", samples=4, strategies=("think", "best_of_n", "majority"),
                          seed=DEMO_SEED)
THINK_BUDGETS = (64, 256, 1024)
THINK_PROBLEMS = 24  # at most this many problems for the thinking sweeps (chains are long; `ponder scale` measures more)


async def demo(
    generators: Mapping[str, Generator], out: Path, problems: int,
    on_progress: Callable[[str, SweepProgress], None] = lambda name, progress: None,
) -> list[tuple[str, SweepConfig, SweepSummary, Analysis]]:
    """Run every demo sweep into out/NAME (resuming what is there); `generators` maps model names to generators."""
    results = []
    for config in DEMO_SWEEPS:
        task = get_task(config.task)
        summary, analysis = await scale(
            config, task.generate(problems, DEMO_SEED), task, generators[config.model], out / config.task,
            command=["ponder", "demo"], on_progress=lambda progress, name=config.task: on_progress(name, progress),
        )
        results.append((config.task, config, summary, _analysed(analysis, summary)))
    task = get_task(THINK_SWEEP.task)
    think_problems = task.generate(min(problems, THINK_PROBLEMS), DEMO_SEED)
    by_budget = {}
    for budget in THINK_BUDGETS:
        config, name = replace(THINK_SWEEP, thinking_tokens=budget), f"think-{budget}"
        summary, analysis = await scale(
            config, think_problems, task, generators[config.model], out / "think" / name,
            command=["ponder", "demo"], on_progress=lambda progress, name=name: on_progress(name, progress),
        )
        results.append((name, config, summary, _analysed(analysis, summary)))
        by_budget[budget] = _analysed(analysis, summary)
    write_longer_wider(out / "think", {b: a.points for b, a in by_budget.items()}, tables={b: a.table for b, a in by_budget.items()},
                       seed=DEMO_SEED)
    return results


def _analysed(analysis: Analysis | None, summary: SweepSummary) -> Analysis:
    if analysis is None:
        raise DemoError(f"every unit of a demo sweep failed (first: {summary.failed_units[0]}); re-run `ponder demo` to retry them")
    return analysis


class DemoError(PonderError):
    """A demo sweep produced nothing to show."""
