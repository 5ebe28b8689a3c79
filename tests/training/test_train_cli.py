"""`ponder train` end to end on the real ponder-think (a few tiny steps): the run folder, loading the
checkpoint back, resuming (also after SIGKILL) to the same metrics and weights, the monitor kept out of
the reward, and clear errors."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import COUNTDOWN, ROOT, run_cli

pytestmark = pytest.mark.slow
TINY = ("--task", "countdown", "--model", "ponder-think", "--group", "2", "--prompts", "2", "--thinking", "48", "--seed", "3")


def train(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("train", *TINY, "--out", str(out), *extra)


def rows(out: Path) -> list[dict]:
    with (out / "metrics.csv").open() as handle:
        return list(csv.DictReader(handle))


def without_time(metrics: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in metrics]


def weights(path: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(path / "model.safetensors")


def same_weights(a: Path, b: Path) -> bool:
    wa, wb = weights(a), weights(b)
    return wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("train") / "run"
    result = train(out, "--steps", "4", "--save-every", "2", "--keep-every", "2")
    assert result.returncode == 0, result.stderr
    return out


def test_a_run_writes_metrics_a_loadable_checkpoint_and_a_report(run):
    metrics = rows(run)
    assert [int(r["step"]) for r in metrics] == [0, 1, 2, 3]
    assert {"step", "reward", "accuracy", "mean_thinking_tokens", "kl", "seconds"} <= set(metrics[0])
    assert all(0 <= float(r["accuracy"]) <= 1 and float(r["mean_thinking_tokens"]) <= 48 for r in metrics)
    assert float(metrics[0]["kl"]) == 0.0 and float(metrics[-1]["kl"]) > 0  # the first step starts at the reference
    assert "ponder train" in (run / "report.html").read_text() and (run / "training.png").is_file()
    assert (run / "checkpoints" / "step-2" / "model.safetensors").is_file()
    solved = run_cli("solve", COUNTDOWN, "--model", f"hf:{run / 'checkpoint'}", "--strategy", "single", "--json")
    assert solved.returncode == 0, solved.stderr
    assert json.loads(solved.stdout.splitlines()[-1])["usage"]["completion_tokens"] > 0


def test_re_running_the_same_command_resumes_and_adds_nothing(run):
    before = rows(run)
    again = train(run, "--steps", "4", "--save-every", "2", "--keep-every", "2")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.splitlines()[-1])["resumed_at"] == 4
    assert rows(run) == before


def test_a_run_killed_mid_way_resumes_to_the_uninterrupted_runs_metrics_and_weights(run, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "ponder.cli", "train", *TINY, "--out", str(out), "--steps", "4", "--save-every", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = out / "checkpoint" / "trainer_state.pt"
    deadline = time.monotonic() + 240
    while not state.is_file() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL and state.is_file()
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert without_time(rows(out)) == without_time(rows(run))
    assert same_weights(out / "checkpoint", run / "checkpoint")


def test_the_monitor_never_changes_the_reward(run, tmp_path):
    out = tmp_path / "unmonitored"
    result = train(out, "--steps", "2", "--no-monitor")
    assert result.returncode == 0, result.stderr
    monitored, unmonitored = rows(run)[:2], rows(out)
    assert [r["reward"] for r in unmonitored] == [r["reward"] for r in monitored]
    assert all(r["flagged"] == "" for r in unmonitored) and all(r["flagged"] != "" for r in monitored)
    assert same_weights(out / "checkpoint", run / "checkpoints" / "step-2")


def test_resuming_with_other_settings_is_refused_in_one_line(run):
    result = train(run, "--steps", "4", "--learning-rate", "0.001")
    assert result.returncode == 2
    assert "other settings (learning_rate)" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flags, message", [(("--group", "1"), "--group must be at least 2"),
                                            (("--model", "openai:m@http://127.0.0.1:9/v1"), "trains local models"),
                                            (("--sft", "/no/such/file.jsonl"), "no such file")])
def test_bad_options_are_one_line_errors(tmp_path, flags, message):
    result = train(tmp_path / "bad", "--steps", "1", *flags)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_warm_up_from_traces_runs_once_and_becomes_the_starting_point(run, tmp_path):
    traces = tmp_path / "traces.jsonl"
    correct = [line for line in (run / "rollouts.jsonl").read_text().splitlines() if json.loads(line)["correct"]]
    assert correct  # a few of the real model's own correct chains (STaR-style)
    traces.write_text("\n".join(correct) + "\n")
    out = tmp_path / "warm"
    result = train(out, "--steps", "1", "--sft", str(traces), "--sft-steps", "3")
    assert result.returncode == 0, result.stderr
    assert (out / "sft" / "model.safetensors").is_file() and len(rows(out)) == 1
    assert not same_weights(out / "sft", ROOT / "ponder" / "embedded" / "think_model")
    again = train(out, "--steps", "2", "--sft", str(traces), "--sft-steps", "3")  # resumes: the warm-up is not redone
    assert again.returncode == 0 and "sft warm-up" not in again.stderr and len(rows(out)) == 2
