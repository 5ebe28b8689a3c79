"""`ponder recipe`: one entry point retrains a shipped model from its recipe's config, flag by flag."""

from __future__ import annotations

import json

from processes import run_cli

from ponder.loading import load_generator


def test_a_recipe_run_from_its_flags_writes_a_checkpoint_that_loads_as_that_model(tmp_path):
    out = tmp_path / "tiny"
    run = run_cli("recipe", "tiny-model", "--out", str(out), "--steps", "4", "--stop-after", "2", "--batch-size", "4",
                  "--hidden-size", "16", "--layers", "1", "--heads", "2", "--mlp-size", "32")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["steps_run"] == 2 and summary["config"]["hidden_size"] == 16
    assert json.loads((out / "training.json").read_text())["steps_run"] == 2
    generator = load_generator(f"hf:{out}")
    assert generator.parameter_count == summary["parameters"]


def test_an_unknown_recipe_is_refused_with_the_ones_there_are(tmp_path):
    run = run_cli("recipe", "huge-model", "--out", str(tmp_path))
    assert run.returncode != 0
    assert "tiny-model" in run.stderr and "think-model" in run.stderr and "prm-model" in run.stderr
