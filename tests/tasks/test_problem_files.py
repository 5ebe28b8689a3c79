import json

import pytest

from ponder.tasks import get_task
from ponder.tasks.base import TaskError, load_problems


def write(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_malformed_lines_are_reported_and_good_ones_kept(tmp_path):
    path = write(
        tmp_path / "p.jsonl",
        [
            {"id": "ok1", "numbers": [3, 5, 7, 11], "target": 24},
            "{not json",
            {"id": "bad-numbers", "numbers": "3 5", "target": 24},
            {"id": "no-target", "numbers": [1, 2]},
            {"numbers": [1, 2], "target": 3},
            [1, 2, 3],
            {"id": "ok1", "numbers": [1, 2], "target": 3},
            {"id": "ok2", "numbers": [1, 2], "target": 3},
        ],
    )
    problems, errors = load_problems(get_task("countdown"), path)
    assert [p.id for p in problems] == ["ok1", "ok2"]
    assert [e.line for e in errors] == [2, 3, 4, 5, 6, 7]
    assert "duplicate" in errors[-1].message and "'target'" in errors[2].message


def test_jsonl_task_requires_prompt_and_answer(tmp_path):
    path = write(tmp_path / "q.jsonl", [{"id": 1, "prompt": "2+2?", "answer": 4}, {"id": 2, "prompt": "", "answer": 1}])
    problems, errors = load_problems(get_task("jsonl"), path)
    assert [p.id for p in problems] == ["1"] and problems[0].data["answer"] == "4"
    assert "prompt" in errors[0].message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TaskError, match="cannot read"):
        load_problems(get_task("jsonl"), tmp_path / "missing.jsonl")
