"""A sample its request's timeout cut off is a failure of its unit — reported, retried on resume, never
graded as a wrong answer — so a sweep's numbers do not depend on how loaded the machine was."""

import asyncio
import json

from ponder.scaling.config import SweepConfig
from ponder.scaling.store import Store
from ponder.scaling.sweep import UnitError, draw_chunk
from ponder.tasks import get_task
from ponder.types import Completion, Generation
from processes import run_cli

ANSWERS = {"a": "42", "b": "41", "c": "42"}  # the scripted backend always answers 42


def test_a_stalling_backend_fails_units_and_a_resume_gives_the_unstalled_curves(tmp_path, scripted_backend):
    problems = tmp_path / "problems.jsonl"
    problems.write_text("".join(json.dumps({"id": i, "prompt": f"What is {a}?", "answer": a}) + "\n" for i, a in ANSWERS.items()))
    common = ("scale", "--task", "jsonl", "--input", str(problems), "--samples", "4", "--strategies", "single,majority",
              "--retries", "0", "--timeout", "1")
    clean = run_cli(*common, "--model", f"openai:scripted@{scripted_backend.base_url}", "--out", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    stalled_args = (*common, "--model", f"openai:stall-once-3@{scripted_backend.base_url}", "--out", str(tmp_path / "stalled"))
    stalled = run_cli(*stalled_args)  # the backend stalls past the timeout on the first request of each problem
    assert stalled.returncode == 1 and "3 work unit(s) still failed" in stalled.stderr
    store = Store(tmp_path / "stalled" / "sweep.sqlite")
    assert len(store.failures()) == 3 and not store.samples()  # reported, and nothing graded
    store.close()
    resumed = run_cli(*stalled_args)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "stalled" / "curves.csv").read_text() == (tmp_path / "clean" / "curves.csv").read_text()


class _LateGenerator:
    """Completions as a local model returns them when its request's deadline passed mid-decoding."""

    name, parameter_count = "late", None

    async def generate(self, messages, n, params, timeout=None):
        return Generation(completions=(Completion(text="", completion_tokens=3, finish_reason="deadline"),) * n, prompt_tokens=5)


def test_a_local_completion_cut_off_by_its_deadline_fails_the_chunk():
    task = get_task("arithmetic")
    config = SweepConfig(task="arithmetic", model="late", samples=2, strategies=("single",), timeout=0.5)
    try:
        asyncio.run(draw_chunk(task.generate(1, seed=0)[0], task, _LateGenerator(), config, 0, 2))
    except UnitError as error:
        assert "2 of 2 samples hit the 0.5 s request timeout" in str(error)
    else:
        raise AssertionError("a chunk with cut-off samples was stored")
