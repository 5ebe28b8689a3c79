"""`ponder scale`'s sweep on the real embedded model: what it stores, resumes, retries and writes."""

import asyncio
import csv
import json

import pytest

from ponder.generators.openai_http import OpenAIGenerator
from ponder.scaling.harness import scale
from ponder.scaling.store import Store
from ponder.storage import StoreError
from ponder.scaling.sweep import SweepConfig, SweepError, run_sweep
from ponder.tasks import get_task
from processes import Server, free_port

TASK = get_task("countdown")
PROBLEMS = TASK.generate(6, seed=7)


def config(**overrides):
    settings = dict(task="countdown", model="embedded", samples=4, strategies=("single", "best_of_n", "majority", "revise"),
                    seed=3, max_new_tokens=48, concurrency=2)
    return SweepConfig(**{**settings, **overrides})


def test_a_sweep_stores_every_sample_once_and_writes_every_output(tmp_path, embedded):
    summary, analysis = asyncio.run(scale(config(), PROBLEMS, TASK, embedded, tmp_path, command=["ponder", "scale"]))
    assert summary.samples_drawn == 6 * 4 and not summary.failed_units
    lines = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert sorted((s["problem_id"], s["sample_index"]) for s in lines) == sorted((p.id, i) for p in PROBLEMS for i in range(4))
    assert all(s["correct"] == TASK.grade(next(p for p in PROBLEMS if p.id == s["problem_id"]), s["answer"]) for s in lines)
    rows = list(csv.DictReader((tmp_path / "curves.csv").open()))
    assert {(r["strategy"], r["candidates"]) for r in rows} >= {("single", "1"), ("best_of_n", "4"), ("majority", "2"), ("pass_at_k", "4"), ("revise", "4")}
    for r in rows:
        assert 0 <= float(r["ci_low"]) <= float(r["accuracy"]) <= float(r["ci_high"]) <= 1
    coverage = {r["candidates"]: float(r["accuracy"]) for r in rows if r["strategy"] == "pass_at_k"}
    best = {r["candidates"]: float(r["accuracy"]) for r in rows if r["strategy"] == "best_of_n"}
    assert best == pytest.approx(coverage)  # an exact checker makes best-of-N reach coverage
    report = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in report and "http://" not in report and "https://" not in report
    for name in ("scaling.png", "scaling.svg", "frontier.png", "allocation.json", "manifest.json"):
        assert (tmp_path / name).stat().st_size > 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seeds"] == {"seed": 3} and manifest["task"] == "countdown" and manifest["finished"]
    assert manifest["versions"]["torch"] and manifest["command"] == ["ponder", "scale"]


def test_rerunning_a_finished_sweep_draws_nothing_and_reproduces_the_curves(tmp_path, embedded):
    asyncio.run(scale(config(strategies=("majority",)), PROBLEMS, TASK, embedded, tmp_path))
    first = (tmp_path / "curves.csv").read_bytes()
    summary, _ = asyncio.run(scale(config(strategies=("majority",)), PROBLEMS, TASK, embedded, tmp_path))
    assert summary.samples_drawn == 0 and (tmp_path / "curves.csv").read_bytes() == first


def test_a_store_refuses_a_sweep_with_other_settings(tmp_path, embedded):
    asyncio.run(scale(config(strategies=("single",)), PROBLEMS[:2], TASK, embedded, tmp_path))
    with pytest.raises(StoreError, match="different: seed"):
        asyncio.run(scale(config(strategies=("single",), seed=4), PROBLEMS[:2], TASK, embedded, tmp_path))


def test_bad_settings_are_clear_errors():
    with pytest.raises(SweepError, match="unknown strategy: nope"):
        config(strategies=("nope",))
    with pytest.raises(SweepError, match="--max-candidates"):
        config(samples=0)


def test_failed_requests_are_recorded_retried_with_backoff_and_filled_on_resume(tmp_path):
    port = free_port()
    generator = OpenAIGenerator("ponder-tiny", f"http://127.0.0.1:{port}/v1", timeout=10, max_retries=0)
    delays = []

    async def sleep(seconds):
        delays.append(seconds)

    sweep = config(strategies=("majority",), retries=2, backoff=0.5, concurrency=1)
    with Store(tmp_path / "sweep.sqlite") as store:  # nothing listens on the port yet
        summary = asyncio.run(run_sweep(sweep, PROBLEMS[:2], TASK, generator, store, sleep=sleep))
        assert len(summary.failed_units) == 2 and store.sample_counts() == {}
        assert delays == [0.5, 1.0] * 2
        assert [attempt for _, attempt, _ in store.failures()] == [0, 1, 2] * 2
    server = Server(port=port)
    try:
        with Store(tmp_path / "sweep.sqlite") as store:
            summary = asyncio.run(run_sweep(sweep, PROBLEMS[:2], TASK, generator, store, sleep=sleep))
            assert not summary.failed_units and store.sample_counts() == {p.id: 4 for p in PROBLEMS[:2]}
    finally:
        server.stop()
