"""`--judge MODEL` end to end: `ponder solve` and `ponder scale` on word problems, the generator and the judge both
real HTTP backends on loopback (the scripted backend: candidates that differ, a judge that always says the same)."""

from __future__ import annotations

import json
import sqlite3

from processes import run_cli

PROBLEM = {"id": "w1", "prompt": "A box holds 2 rows of 4 eggs. How many eggs? End with 'Final answer: N'.", "answer": "8"}


def model(backend, name: str) -> str:
    return f"openai:{name}@{backend.base_url}"


def test_usc_picks_the_response_the_judge_names_over_the_majority(scripted_backend, tmp_path):
    problems = tmp_path / "words.jsonl"
    problems.write_text(json.dumps(PROBLEM) + "\n")
    generator = model(scripted_backend, r"cycle-usc\nFinal answer: 7|||usc\nFinal answer: 8|||usc\nFinal answer: 7")
    run = run_cli("solve", "--task", "word-problems", "--input", str(problems), "--model", generator,
                  "--judge", model(scripted_backend, "say-The most consistent response is Response 2"),
                  "--strategy", "usc", "--max-candidates", "3", "--temperature", "0.8", "--json", timeout=120)
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout.splitlines()[0])
    assert record["answer"] == "8" and record["correct"] is True  # majority would have said 7
    assert record["usage"]["verifier_calls"] == 1 and record["usage"]["verifier_tokens"] > 0


def test_self_test_accepts_the_candidate_the_judges_own_program_agrees_with(scripted_backend, tmp_path):
    problems = tmp_path / "words.jsonl"
    problems.write_text(json.dumps(PROBLEM) + "\n")
    generator = model(scripted_backend, r"cycle-st\nFinal answer: 7|||st\nFinal answer: 7|||st\nFinal answer: 8|||st\nFinal answer: 7")
    run = run_cli("solve", "--task", "word-problems", "--input", str(problems), "--model", generator,
                  "--judge", model(scripted_backend, "say-```python\nrows, eggs = 2, 4\nprint(rows * eggs)\n```"),
                  "--strategy", "self_test", "--max-candidates", "4", "--temperature", "0.8", "--json", timeout=120)
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout.splitlines()[0])
    assert record["answer"] == "8" and record["correct"] is True  # the vote would have said 7
    assert record["usage"]["candidates"] == 3  # drawn until one agreed
    assert record["usage"]["verifier_calls"] == 2  # the judge writing its program, then the sandbox running it


def test_a_judge_that_always_says_b_splits_every_match_so_knockout_keeps_the_vote(scripted_backend, tmp_path):
    problems = tmp_path / "words.jsonl"
    problems.write_text(json.dumps(PROBLEM) + "\n")
    generator = model(scripted_backend, r"cycle-ko\nFinal answer: 8|||ko\nFinal answer: 7|||ko\nFinal answer: 8")
    trace = tmp_path / "trace.jsonl"
    run = run_cli("solve", "--task", "word-problems", "--input", str(problems), "--model", generator,
                  "--judge", model(scripted_backend, "say-B"), "--strategy", "knockout", "--max-candidates", "3",
                  "--trace", str(trace), "--json", timeout=120)
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout.splitlines()[0])
    assert record["answer"] == "8" and record["usage"]["verifier_calls"] == 2  # 2 distinct answers: one match, both orders
    judged = [json.loads(line) for line in trace.read_text().splitlines() if json.loads(line).get("kind") == "judged"]
    assert [(j["node"]["a"], j["node"]["b"], j["node"]["side"]) for j in judged] == [(0, 1, "B"), (1, 0, "B")]


def test_a_judge_for_a_strategy_that_takes_none_is_refused_in_words(scripted_backend):
    run = run_cli("solve", "--task", "word-problems", "--count", "1", "--model", model(scripted_backend, "say-7"),
                  "--judge", model(scripted_backend, "say-B"), "--strategy", "majority", timeout=120)
    assert run.returncode == 2 and "takes no option(s) judge" in run.stderr and "Traceback" not in run.stderr


def test_best_of_n_on_a_task_with_no_checker_is_refused_in_words(scripted_backend, tmp_path):
    run = run_cli("scale", "--task", "word-problems", "--problems", "2", "--samples", "2", "--model", model(scripted_backend, "say-7"),
                  "--strategies", "best_of_n", "--out", str(tmp_path / "s"), timeout=120)
    assert run.returncode == 2 and "has no verifier" in run.stderr and "Traceback" not in run.stderr


def test_scale_runs_a_judge_per_budget_beside_majority(scripted_backend, tmp_path):
    out = tmp_path / "sweep"
    run = run_cli("scale", "--task", "word-problems", "--problems", "2", "--samples", "2", "--temperature", "0.8",
                  "--model", model(scripted_backend, r"cycle-sc\nFinal answer: 1|||sc\nFinal answer: 2"),
                  "--judge", model(scripted_backend, "say-A"), "--strategies", "majority,pairwise", "--out", str(out), timeout=300)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(out / "sweep.sqlite") as db:
        rows = db.execute("SELECT budget, verifier_tokens FROM runs WHERE strategy = 'pairwise' ORDER BY budget").fetchall()
    assert [b for b, _ in rows] == [1, 1, 2, 2]  # 2 problems at budgets 1 and 2
    assert [tokens > 0 for _, tokens in rows] == [False, False, True, True]  # one answer: nothing to judge; two: judged, charged
