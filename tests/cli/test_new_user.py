"""What a new user meets first, end to end on the real embedded models: the rule a statement asks for, said
and graded; a problem outside what the embedded model learnt, refused in plain words instead of a guess;
the monitor reading the chains of `think`."""

from __future__ import annotations

import json

from processes import COUNTDOWN, run_cli

from ponder.tasks.countdown import extract
from ponder.verifiers.countdown import check


def test_the_24_game_statement_is_read_and_graded_as_every_number():
    run = run_cli("solve", COUNTDOWN, "--seed", "1")
    assert run.returncode == 0, run.stderr
    assert "read as countdown: make 24 from 3, 5, 7 and 11, every number exactly once" in run.stderr
    answer = run.stdout.splitlines()[0].removeprefix("answer: ").split(" [")[0]
    assert answer.endswith(" correct"), run.stdout  # the README's first example is solved under the rule
    assert check([3, 5, 7, 11], 24, extract(answer.removesuffix(" correct")), every_number=True).correct


def test_a_multiplication_outside_the_tiny_models_training_is_refused_in_words(tmp_path):
    run = run_cli("solve", "What is 7 * 8?", "--json")
    record = json.loads(run.stdout.splitlines()[0])
    assert record["stop_reason"] == "refused" and record["answer"] is None
    assert "outside what I was trained on" in record["text"] and record["usage"]["completion_tokens"] == 0


def test_a_refusal_in_a_file_of_problems_is_shown_on_its_line(tmp_path):
    problems = tmp_path / "products.jsonl"
    problems.write_text('{"id": "small", "a": 7, "b": 8}\n{"id": "trained", "a": 123, "b": 456}\n')
    run = run_cli("solve", "--task", "arithmetic", "--input", str(problems))
    small = next(line for line in run.stdout.splitlines() if line.startswith("small:"))
    assert "outside what I was trained on" in small and "refused" in small


def test_the_monitor_reads_every_chain_of_a_think_trace(tmp_path):
    trace = tmp_path / "think.jsonl"
    solved = run_cli("solve", "--task", "countdown", "--count", "3", "--model", "ponder-think", "--strategy", "think",
                     "--thinking-tokens", "64", "--trace", str(trace))
    assert solved.returncode in (0, 1), solved.stderr
    read = run_cli("monitor", str(trace))
    assert read.returncode == 0, read.stderr
    assert read.stdout.startswith(f"3 chains in {trace}")


def test_code_tasks_without_a_model_say_to_name_one_instead_of_running_the_tiny_model():
    done = run_cli("solve", "--task", "humaneval", "--count", "1")
    assert done.returncode == 2 and "no embedded model writes code" in done.stderr and "--model openai:" in done.stderr
    assert "Traceback" not in done.stderr
    listed = run_cli("tasks")
    assert "[embedded: none, name a --model]" in listed.stdout
