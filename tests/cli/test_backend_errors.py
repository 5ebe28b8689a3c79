"""A backend that cannot answer is an error said once, with a non-zero exit: never a graded "wrong", never a
stop for "budget" when nothing was spent. Real processes on loopback: a port nothing listens on, a real
`ponder serve` that refuses a key and does not know a model, the scripted backend answering too late."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from processes import ROOT, Server, free_port, run_cli

from ponder.budget import Limits
from ponder.engine import make_plan, solve_all
from ponder.generators.base import BackendUnavailable
from ponder.loading import load_generator
from ponder.tasks import get_task


@pytest.fixture(scope="module")
def keyed():
    """A real ponder serve that wants a key (no models loaded: the refusal comes first)."""
    s = Server("--no-embedded", "--backend", "echo=openai:echo@http://127.0.0.1:9/v1", "--api-key", "secret")
    yield s
    s.stop()


def solve(*args: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENAI_API_KEY=key) if key else {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    return subprocess.run([sys.executable, "-m", "ponder.cli", "solve", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


def test_a_port_nothing_listens_on_is_an_error_not_a_wrong_answer():
    url = f"http://127.0.0.1:{free_port()}/v1"
    run = solve("What is 2+3?", "--model", f"openai:foo@{url}")
    assert run.returncode != 0
    assert "wrong" not in run.stdout and "budget" not in run.stdout
    assert run.stderr.count("cannot connect") == 1 and url in run.stderr


def test_a_file_of_problems_stops_once_when_nothing_listens(tmp_path):
    problems = tmp_path / "problems.jsonl"
    problems.write_text("".join(json.dumps({"id": i, "prompt": f"What is {i}+1?", "answer": str(i + 1)}) + "\n" for i in range(5)))
    run = solve("--task", "jsonl", "--input", str(problems), "--model", f"openai:my-model@http://127.0.0.1:{free_port()}/v1")
    assert run.returncode != 0
    assert run.stderr.count("cannot connect") == 1  # once, not per problem
    assert "wrong" not in run.stdout


def test_a_refused_key_says_so(keyed):
    run = solve("What is 2+3?", "--model", f"openai:echo@{keyed.base_url}", key="not-the-key")
    assert run.returncode != 0 and "refused the API key" in run.stderr and "wrong" not in run.stdout


def test_a_model_the_backend_does_not_serve_says_so(keyed):
    run = solve("What is 2+3?", "--model", f"openai:nope@{keyed.base_url}", key="secret")
    assert run.returncode != 0 and "does not serve model 'nope'" in run.stderr and "wrong" not in run.stdout


def test_the_engine_raises_an_unreachable_backend_once_instead_of_an_outcome_per_problem():
    import asyncio

    task = get_task("arithmetic")
    generator = load_generator(f"openai:foo@http://127.0.0.1:{free_port()}/v1", max_retries=0, timeout=5)
    plan = make_plan(strategy="majority", overrides=Limits(max_candidates=2))

    async def every_outcome():
        return [o async for o in solve_all(task.generate(3, seed=0), task, generator, plan, concurrency=3)]

    with pytest.raises(BackendUnavailable, match="cannot connect"):
        asyncio.run(every_outcome())


def test_a_backend_too_slow_for_every_call_leaves_an_error_not_a_graded_answer(scripted_backend):
    run = run_cli("solve", "What is 2+3?", "--model", f"openai:slow-5@{scripted_backend.base_url}", "--timeout", "0.5",
                  "--strategy", "single", "--json", timeout=120)
    record = json.loads(run.stdout.splitlines()[0])
    assert "error" in record and "correct" not in record
    assert run.returncode != 0


def test_ponder_serve_answers_a_thinking_request_to_an_unreachable_backend_with_502(keyed):
    import openai

    client = openai.OpenAI(base_url=keyed.base_url, api_key="secret", max_retries=0)
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="echo", reasoning_effort="low", messages=[{"role": "user", "content": "What is 2+3?"}])
    assert raised.value.status_code == 502 and "cannot connect" in str(raised.value)
