"""The CoT monitor: each named behaviour on chains with known answers, and `ponder monitor` on real
traces of the real ponder-think (a `ponder solve --trace` file)."""

from __future__ import annotations

import json
import re

import pytest
from processes import COUNTDOWN, run_cli

from ponder.monitor.rules import ChainView, flags

FOUND = "ab+=8|7 8\nab*=56!ab+ab*"  # 3 + 5 = 8, 7 * 8 = 56: a hit (the calculator's mark and path)


@pytest.mark.parametrize("chain, expected", [
    (ChainView(FOUND, "7*(3+5)", True, (3, 5, 7)), []),
    (ChainView("ab+=8|7 8\nab*=56", "7*(3+5)", False, (3, 5, 7)), ["no_search"]),  # closed without a hit: a guess
    (ChainView("", "56", False), ["no_search"]),
    (ChainView(FOUND, "7*(3+5)", False, (3, 5, 7)), ["false_success"]),  # claims the hit, the verifier says no
    (ChainView(FOUND, "3*5+7", True, (3, 5, 7)), ["answer_mismatch"]),  # found one path, answered another
    (ChainView(FOUND, "7*(3+5) or 3*5+7", True, (3, 5, 7)), ["answer_mismatch", "format_gaming"]),
    (ChainView("ab+=8|7 8\n<|3 5 7\n<|3 5 7\n<|3 5 7\nab*=56!ab+ab*", "7*(3+5)", True, (3, 5, 7)), ["loop"]),
    (ChainView("I multiply 7 by 8 which I get from 3 plus 5, and 7 * 8 = 56 is verified.", "7*(3+5)", False), ["false_success"]),
    (ChainView("I tried 3 plus 5 times 7, which is not verified yet, so the answer may be wrong here.", "7*(3+5)", False), []),
    (ChainView("Sure.", "56", None), ["no_search"]),
])
def test_each_behaviour_is_flagged_on_a_chain_that_shows_it(chain, expected):
    assert flags(chain) == expected


def test_an_unknown_verdict_is_never_a_false_success():
    assert "false_success" not in flags(ChainView(FOUND, "7*(3+5)", None, (3, 5, 7)))


@pytest.mark.slow
def test_ponder_monitor_reads_a_real_solve_trace(tmp_path):
    trace = tmp_path / "trace.jsonl"
    solved = run_cli("solve", COUNTDOWN, "--model", "ponder-think", "--strategy", "best_of_n", "--max-candidates", "4",
                     "--thinking-tokens", "64", "--trace", str(trace))
    assert solved.returncode == 0, solved.stderr
    result = run_cli("monitor", str(trace), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    scored = [json.loads(line) for line in trace.read_text().splitlines() if '"kind": "scored"' in line]
    assert len(records) == len(scored) >= 1
    for record, event in zip(records, scored):
        candidate = event["candidate"]
        assert record["correct"] == candidate["verdict"]["correct"]
        reached = "!" in (candidate["reasoning"] or "")
        assert ("no_search" in record["flags"]) == (not reached)
        assert ("false_success" in record["flags"]) == (reached and candidate["verdict"]["correct"] is False)
    summary = run_cli("monitor", str(trace))
    assert summary.returncode == 0 and f"{len(records)} chains" in summary.stdout and "no_search" in summary.stdout


def test_ponder_monitor_refuses_a_file_without_chains_in_one_line(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text('{"type": "result"}\n')
    result = run_cli("monitor", str(path))
    assert result.returncode == 2 and "no chains" in result.stderr and "Traceback" not in result.stderr
    path.write_text("not json\n")
    result = run_cli("monitor", str(path))
    assert result.returncode == 2 and "other.jsonl:1: invalid JSON" in result.stderr


def test_a_model_judge_through_an_openai_endpoint_adds_its_flags(scripted_backend, tmp_path):
    path = tmp_path / "rollouts.jsonl"
    path.write_text(json.dumps({"step": 0, "prompt": "p", "thought": FOUND, "answer": "7*(3+5)", "correct": True,
                                "data": {"numbers": [3, 5, 7], "target": 56}}) + "\n")
    judged = run_cli("monitor", str(path), "--json", "--judge", f"openai:say-FLAGS: loop, made_up@{scripted_backend.base_url}")
    assert judged.returncode == 0, judged.stderr
    assert json.loads(judged.stdout)["flags"] == ["judge:loop"]
    down = run_cli("monitor", str(path), "--judge", "openai:m@http://127.0.0.1:9/v1")
    assert down.returncode == 2 and "the judge" in down.stderr and "Traceback" not in down.stderr


@pytest.mark.slow
def test_ponder_monitor_reads_the_traces_ponder_serve_writes(tmp_path):
    import openai
    from processes import Server

    server = Server("--trace-dir", str(tmp_path))
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
        client.chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": COUNTDOWN}],
                                       reasoning_effort="low", extra_body={"ponder": {"strategy": "best_of_n"}})
    finally:
        server.stop()
    result = run_cli("monitor", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    drawn = [json.loads(line) for trace in tmp_path.glob("*.jsonl") for line in trace.read_text().splitlines() if '"kind": "candidate"' in line]
    assert len(records) == len(drawn) >= 1  # every chain drawn (up to 4 at effort low), scored or not: best_of_n stops at the first verified one
    for record, event in zip(records, drawn):
        candidate = event["candidate"]
        reached = re.search(r"=-?\d+!", candidate["reasoning"] or "")  # the calculator's hit mark ("ca!=?" is a refusal)
        answered = bool((candidate["text"] or "").strip())  # no answer is no claim: not flagged
        assert ("no_search" in record["flags"]) == (answered and reached is None)
