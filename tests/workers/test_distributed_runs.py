"""Sweeps and tournaments through a local Ray instance (2 CPUs) and a process pool give byte-identical
results to the same runs in one process; a driver killed with SIGKILL resumes to the same files; a
worker killed mid-unit is re-run and nothing is lost or duplicated."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from processes import ROOT, run_cli

pytest.importorskip("ray")

SWEEP = ["scale", "--task", "countdown", "--model", "ponder-tiny", "--problems", "12", "--samples", "8", "--seed", "5",
         "--strategies", "single,best_of_n,majority,revise", "--max-new-tokens", "48"]
ARENA = ["arena", "--game", "tic_tac_toe", "--players", "random,mcts:32,mcts:128", "--games", "6", "--seed", "1"]
SWEEP_FILES = ("curves.csv", "samples.jsonl", "allocation.json")


def games(folder: Path) -> list[dict]:
    """The stored games without each move's wall-clock seconds (the one thing no two runs share)."""
    records = [json.loads(line) for line in (folder / "replays.jsonl").read_text().splitlines()]
    for record in records:
        for move in record["moves"]:
            move.pop("seconds", None)
    return records


def stored_samples(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The reference runs: one process, no pool, no Ray."""
    out = tmp_path_factory.mktemp("one-process")
    assert run_cli(*SWEEP, "--out", str(out / "sweep")).returncode == 0
    assert run_cli(*ARENA, "--workers", "1", "--out", str(out / "arena")).returncode == 0
    return out


@pytest.mark.slow
def test_a_sweep_through_ray_writes_byte_identical_results(one_process, tmp_path):
    result = run_cli(*SWEEP, "--ray", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in SWEEP_FILES:
        assert (tmp_path / name).read_bytes() == (one_process / "sweep" / name).read_bytes(), name


@pytest.mark.slow
def test_a_tournament_through_ray_and_through_a_process_pool_plays_the_same_games(one_process, tmp_path):
    for flags in (["--ray"], ["--workers", "2"]):
        out = tmp_path / flags[0]
        result = run_cli(*ARENA, *flags, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert (out / "ratings.json").read_bytes() == (one_process / "arena" / "ratings.json").read_bytes()
        assert games(out) == games(one_process / "arena")


@pytest.mark.slow
def test_a_driver_killed_mid_sweep_on_ray_resumes_to_the_same_files(one_process, tmp_path):
    command = [sys.executable, "-m", "ponder.cli", *SWEEP, "--ray", "--out", str(tmp_path)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while stored_samples(tmp_path / "sweep.sqlite") < 16 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert 0 < stored_samples(tmp_path / "sweep.sqlite") < 12 * 8, "the sweep finished before it could be killed"
    resumed = run_cli(*SWEEP, "--ray", "--out", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert stored_samples(tmp_path / "sweep.sqlite") == 12 * 8  # nothing lost, nothing duplicated
    for name in SWEEP_FILES:
        assert (tmp_path / name).read_bytes() == (one_process / "sweep" / name).read_bytes(), name


class DiesOnce:
    """A generator that SIGKILLs its own process the first time any worker calls it (a marker file
    remembers), then is the generator it wraps."""

    def __init__(self, inner, marker: str):
        self.inner, self.marker = inner, marker
        self.name, self.parameter_count = inner.name, inner.parameter_count

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def generate(self, *args, **kwargs):
        if not Path(self.marker).exists():
            Path(self.marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return await self.inner.generate(*args, **kwargs)


def dying_state(config, marker: str):
    from ponder.scaling.sweep import sweep_state

    state = sweep_state(config)
    return replace(state, generator=DiesOnce(state.generator, marker))


@pytest.mark.slow
def test_a_ray_worker_killed_mid_chunk_is_rerun_and_nothing_is_lost_or_duplicated(tmp_path):
    import ray

    from ponder.loading import load_generator
    from ponder.scaling.config import SweepConfig
    from ponder.scaling.store import Store
    from ponder.scaling.sweep import run_sweep
    from ponder.tasks import get_task
    from ponder.workers.ray_actors import RayWorkers

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray's workers cannot import this test module
    config = SweepConfig(task="countdown", model="ponder-tiny", samples=8, chunk=4, seed=5, strategies=("single", "best_of_n"),
                         max_new_tokens=32, retries=0)
    task = get_task("countdown")
    problems = task.generate(6, 0)
    with Store(tmp_path / "here.sqlite") as store:
        asyncio.run(run_sweep(config, problems, task, load_generator("ponder-tiny"), store))
        here = store.samples()
    marker = tmp_path / "died"
    with RayWorkers(partial(dying_state, config, str(marker)), workers=2) as workers, Store(tmp_path / "ray.sqlite") as store:
        pids = set(workers.pids())
        summary = asyncio.run(run_sweep(config, problems, task, None, store, workers=workers))
        assert int(marker.read_text()) in pids  # a worker died mid-chunk ...
        assert summary.failed_units == () and store.failures() == []  # ... Ray re-ran the chunk: no retry of ours was needed
        assert store.samples() == here  # nothing lost, nothing duplicated, the same samples
    ray.shutdown()
