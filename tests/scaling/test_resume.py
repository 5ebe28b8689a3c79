"""A sweep killed with SIGKILL and re-run gives byte-identical curves to an uninterrupted one."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from processes import ROOT, run_cli

ARGS = ["scale", "--task", "countdown", "--model", "ponder-tiny", "--problems", "30", "--max-candidates", "16", "--seed", "5",
        "--strategies", "single,best_of_n,majority,weighted_majority,revise", "--max-new-tokens", "48", "--concurrency", "1"]
POOL = 30 * 16
RUNS = 30 * 5  # revise at budgets 1, 2, 4, 8, 16


def stored(store) -> tuple[int, int]:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM samples").fetchone()[0], db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0, 0


@pytest.mark.slow
def test_sigkill_then_resume_gives_byte_identical_curves(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert run_cli(*ARGS, "--out", str(whole)).returncode == 0

    env = dict(os.environ, OMP_NUM_THREADS="1")
    process = subprocess.Popen([sys.executable, "-m", "ponder.cli", *ARGS, "--out", str(killed)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored(killed / "sweep.sqlite")[0] < 5 * 16 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    samples, runs = stored(killed / "sweep.sqlite")
    assert 0 < samples and (samples, runs) != (POOL, RUNS), "the sweep finished before it could be killed"

    resumed = run_cli(*ARGS, "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert stored(killed / "sweep.sqlite") == (POOL, RUNS)  # nothing lost, nothing duplicated
    assert (killed / "curves.csv").read_bytes() == (whole / "curves.csv").read_bytes()
    assert (killed / "samples.jsonl").read_bytes() == (whole / "samples.jsonl").read_bytes()
