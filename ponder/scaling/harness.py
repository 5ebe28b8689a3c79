"""`ponder scale` end to end: open (or resume) the store in the output folder, sweep, render the
report, and keep manifest.json saying what ran, with what, when."""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

from ponder.generators.base import Generator
from ponder.scaling.analysis import Analysis, fold_allocations
from ponder.scaling.report import render
from ponder.scaling.store import STORE_NAME, Store
from ponder.scaling.sweep import SweepProgress, SweepConfig, SweepSummary, run_sweep
from ponder.tasks.base import Task
from ponder.types import Problem
from ponder.workers.base import Workers

PACKAGES = ("ponder", "torch", "transformers", "numpy", "matplotlib", "openai", "mpmath")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_commit() -> str | None:
    """The commit of the ponder checkout running (with '+dirty' for local changes); None outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def write_manifest(out: Path, record: dict[str, Any]) -> None:
    path = out / "manifest.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2) + "\n")
    temporary.replace(path)  # atomic: a killed sweep never leaves half a manifest


async def scale(
    config: SweepConfig,
    problems: Sequence[Problem],
    task: Task,
    generator: Generator,
    out: Path,
    *,
    command: Sequence[str] = (),
    on_progress: Callable[[SweepProgress], None] = lambda progress: None,
    workers: Workers | None = None,
) -> tuple[SweepSummary, Analysis | None]:
    """Sweep into `out` (resuming what is stored there) on `workers` (default: this process), then write every output
    (None, and no output, when every unit failed and nothing is stored yet)."""
    out.mkdir(parents=True, exist_ok=True)
    with Store(out / STORE_NAME) as store:
        new = store.claim(config.identity(problems))
        store.put("settings", {**asdict(config), "strategies": list(config.strategies)})
        manifest = store.get("manifest") or {"started": now(), "sessions": []}
        manifest["sessions"].append({"started": now(), "command": list(command), "finished": None})
        manifest.update(
            command=list(command) or manifest.get("command"), model=config.model, generator=generator.name, task=config.task,
            problems=len(problems), seeds={"seed": config.seed}, settings=asdict(config), versions=versions(),
            git_commit=git_commit(), resumed=not new, finished=None,
        )
        store.put("manifest", manifest)
        write_manifest(out, manifest)

        order = [p.id for p in problems]
        pool: list = []

        def allocations(budget: int):
            if not pool:  # called only once the pool is complete: read it once for every budget
                pool.extend(s.sample for s in store.samples(order))
            return fold_allocations(pool, order, config.strategies, config.samples, config.seed, config.bins, budget)

        summary = await run_sweep(config, problems, task, generator, store, allocations=allocations, on_progress=on_progress, workers=workers)
        finished = now()
        manifest["sessions"][-1].update(finished=finished, samples_drawn=summary.samples_drawn, runs_done=summary.runs_done,
                                        failed_units=len(summary.failed_units))
        manifest["finished"] = finished if not summary.failed_units else None
        store.put("manifest", manifest)
        write_manifest(out, manifest)
        nothing_stored = not store.sample_counts() and not store.run_keys()
    if summary.failed_units and nothing_stored:
        return summary, None  # every unit failed: nothing to render yet; the caller reports the failures
    return summary, render(out)
