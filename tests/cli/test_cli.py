"""The `ponder` command as a user runs it (a real process, the real embedded model)."""

import json

import pytest

from processes import run_cli


def test_solve_a_problem_in_words():
    done = run_cli("solve", "Use the numbers 3, 5, 7 and 11 to make 24.", "--max-candidates", "32", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["id"] == "cli" and record["strategy"] == "best_of_n" and isinstance(record["correct"], bool)
    assert record["usage"]["candidates"] <= 32


def test_json_output_has_one_object_per_problem(tmp_path):
    trace = tmp_path / "trace.jsonl"
    done = run_cli("solve", "--task", "arithmetic", "--count", "3", "--strategy", "majority", "--max-candidates", "4", "--json", "--trace", str(trace))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 3 and all({"id", "answer", "correct", "usage"} <= set(r) for r in records)
    shown = run_cli("trace", "show", str(trace))
    assert shown.returncode == 0 and "result:" in shown.stdout and "== arithmetic-0-0" in shown.stdout


def test_malformed_problems_are_reported_and_the_rest_solved(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "numbers": [3, 5, 7, 11], "target": 24}\nnot json\n{"id": "b", "numbers": [2, 9], "target": 11}\n')
    done = run_cli("solve", "--task", "countdown", "--input", str(path), "--max-candidates", "4", "--json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records if "answer" in r] == ["a", "b"] or {r["id"] for r in records if "answer" in r} == {"a", "b"}
    assert any(r.get("line") == 2 and "invalid JSON" in r["error"] for r in records)


def test_bad_input_gives_one_clear_line_and_nonzero_exit(tmp_path):
    cases = [
        ("solve", "--count", "2", "--model", "bogus"),
        ("solve", "--input", str(tmp_path / "missing.jsonl"), "--task", "jsonl"),
        ("solve", "--count", "2", "--max-tokens", "0"),
        ("solve", "--count", "2", "--max-dollars", "1"),
        ("solve",),
        ("trace", "show", str(tmp_path / "missing.jsonl")),
    ]
    for args in cases:
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ponder: error:") and "Traceback" not in done.stderr


def test_tasks_are_listed():
    done = run_cli("tasks")
    assert done.returncode == 0 and {"countdown", "arithmetic", "jsonl"} <= {line.split()[0] for line in done.stdout.splitlines()}


def test_demo_sweeps_both_tasks_and_writes_their_reports(tmp_path):
    done = run_cli("demo", "--problems", "10", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "== countdown" in done.stdout and "== arithmetic" in done.stdout and "coverage (pass@k)" in done.stdout
    for task in ("countdown", "arithmetic"):
        assert (tmp_path / task / "report.html").exists() and (tmp_path / task / "scaling.png").exists()


def test_scale_then_report_rerenders_without_generating(tmp_path):
    done = run_cli("scale", "--task", "arithmetic", "--problems", "6", "--max-candidates", "4", "--strategies", "single,majority",
                   "--max-new-tokens", "48", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "majority vote" in done.stdout and "efficiency ratio" in done.stdout
    curves = (tmp_path / "curves.csv").read_bytes()
    (tmp_path / "curves.csv").unlink()
    (tmp_path / "report.html").unlink()
    again = run_cli("report", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "curves.csv").read_bytes() == curves and (tmp_path / "report.html").exists()


@pytest.mark.parametrize("args, message", [
    (["scale", "--out", "OUT", "--strategies", "single,nope"], "unknown strategy: nope"),
    (["scale", "--out", "OUT", "--max-candidates", "0"], "--max-candidates must be at least 1"),
    (["scale", "--out", "OUT", "--task", "jsonl"], "no built-in problems"),
    (["report", "OUT"], "no sweep in"),
])
def test_scale_and_report_reject_bad_input_in_one_line(tmp_path, args, message):
    done = run_cli(*[str(tmp_path / "x") if a == "OUT" else a for a in args])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
