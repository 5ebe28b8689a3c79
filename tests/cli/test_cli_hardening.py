"""Hostile or broken input to the CLI: one clear line about the bad part, the rest still done, never a
traceback, never unbounded memory or time."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def state_and_parent(stat: Path) -> tuple[str, int] | None:
    """A process's state letter and parent pid from /proc (None once it is gone)."""
    try:
        fields = stat.read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    return [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
            if (found := state_and_parent(stat)) and found[1] == pid and found[0] != "Z"]


def test_a_job_systems_stop_ends_the_arena_like_ctrl_c_with_its_workers_and_its_games_kept(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "ponder.cli", "arena", "--game", "tic_tac_toe", "--players",
                                "mcts:3000,mcts:2000", "--games", "40", "--workers", "2", "--out", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:  # the pool's workers (and its manager)
        time.sleep(0.2)
    workers = children(process.pid)
    time.sleep(3)  # some games played
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "stopped; every finished game is stored" in stderr
    assert (tmp_path / "arena.sqlite").exists()
    time.sleep(1)
    assert len(workers) >= 2 and not [pid for pid in workers if (found := state_and_parent(Path(f"/proc/{pid}/stat"))) and found[0] != "Z"]
