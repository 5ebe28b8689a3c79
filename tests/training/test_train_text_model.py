"""`ponder train` on any Hugging Face causal LM: a tiny Qwen3-architecture model built here (random
weights, nothing downloaded), trained through its chat template on a text task."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from processes import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "thinking"))
from tiny_think_model import build  # noqa: E402

pytestmark = pytest.mark.slow


def test_a_text_model_trains_on_a_text_task_and_its_checkpoint_loads_back(tmp_path):
    from safetensors.torch import load_file

    model = build(tmp_path / "tiny")
    out = tmp_path / "run"
    result = run_cli("train", "--task", "arithmetic", "--model", f"hf:{model}", "--steps", "3", "--group", "4", "--prompts", "2",
                     "--thinking", "12", "--format-reward", "0.5", "--kl", "0", "--learning-rate", "0.01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with (out / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and all(float(r["mean_thinking_tokens"]) <= 12 for r in rows)
    assert json.loads((out / "checkpoint" / "ponder.json").read_text())["family"] == "hf"
    before, after = load_file(model / "model.safetensors"), load_file(out / "checkpoint" / "model.safetensors")
    rollouts = [json.loads(line) for line in (out / "rollouts.jsonl").read_text().splitlines()]
    groups = [[r["reward"] for r in rollouts[i : i + 4]] for i in range(0, len(rollouts), 4)]
    contrasted = any(len(set(g)) > 1 for g in groups)  # GRPO learns only from groups whose chains differ in reward
    assert contrasted == any(not (before[k] == after[k]).all() for k in before)
    solved = run_cli("solve", "What is 12 times 3?", "--task", "arithmetic", "--model", f"hf:{out / 'checkpoint'}",
                     "--strategy", "single", "--max-new-tokens", "8", "--json")
    assert solved.returncode == 0, solved.stderr
