"""Hostile or broken input to the CLI: one clear line about the bad part, the rest still done, never a
traceback, never unbounded memory or time."""

import json

from processes import run_cli


def test_bad_lines_of_a_problem_file_are_skipped_with_their_reason_and_the_rest_solved(tmp_path):
    path = tmp_path / "problems.jsonl"
    with path.open("wb") as file:
        file.write(json.dumps({"id": "ok", "prompt": "What is 12 × 34?", "answer": "408"}).encode() + b"\n")
        file.write(b'{"id": "long", "prompt": "' + b"x" * (2 << 20) + b'"}\n')  # over the 1 MiB line limit
        file.write(b"[" * 100_000 + b"]" * 100_000 + b"\n")  # RecursionError in json before
        file.write(b'{"id": "big", "prompt": "p", "answer": ' + b"7" * 5000 + b"}\n")  # past int()'s 4,300 digits
        file.write(b'{"id": "latin", "prompt": "\xff"}\n')
        file.write(json.dumps({"id": "bomb", "prompt": "What is 3 × 4?", "answer": "9**9**8"}).encode() + b"\n")  # hung sympy
    result = run_cli("solve", "--task", "jsonl", "--input", str(path), "--strategy", "single", "--json", timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    records = {r.get("id") or r.get("line"): r for r in map(json.loads, result.stdout.splitlines())}
    assert records["ok"]["correct"] is True and records["bomb"]["correct"] is False
    errors = {r["line"]: r["error"] for r in records.values() if "error" in r}
    assert "longer than 1,048,576 bytes" in errors[2] and "nested too deeply" in errors[3]
    assert "invalid JSON" in errors[4] and "not UTF-8" in errors[5]
    assert "2 problems, 4 malformed, 0 failed" in result.stderr


def test_an_endless_input_stops_with_one_line(tmp_path):
    result = run_cli("solve", "--task", "countdown", "--input", "/dev/zero", timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "not a JSON-lines file" in result.stderr


def test_unusable_paths_are_one_line_errors(tmp_path):
    trace = run_cli("solve", "What is 12 × 34?", "--trace", str(tmp_path), timeout=120)
    assert trace.returncode == 2 and "cannot write a trace to" in trace.stderr and "Traceback" not in trace.stderr
    (tmp_path / "empty").mkdir()
    model = run_cli("solve", "What is 12 × 34?", "--model", f"hf:{tmp_path / 'empty'}", timeout=120)
    assert model.returncode == 2 and model.stderr.count("\n") == 1 and "no model in" in model.stderr
