"""What a task is: a source of problems, a verifier, and how to read a final answer from a reply."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Protocol

from ponder.errors import PonderError
from ponder.jsonl import LineError, lines, parse_object
from ponder.types import Problem
from ponder.verifiers.base import Verifier

Split = Literal["train", "test"]
MAX_STATEMENT_CHARS = 10_000  # a longer message is not read for a statement (reading is linear, but on the caller's loop)
MAX_STATEMENT_DIGITS = 100  # a longer number in a statement in words is not read (int() refuses over 4,300 digits)
HELD_OUT_BUCKETS = 10  # one bucket in ten of every generated task is reserved for evaluation


class ProblemError(PonderError, ValueError):
    """One problem record is malformed; the message says what is wrong with it."""


class TaskError(PonderError, ValueError):
    """The task cannot do what was asked (unknown task, no built-in problems, unreadable file)."""


def split_of(key: str) -> Split:
    """The split a generated problem belongs to, decided by a stable hash of its content, so held-out
    problems are never trained on whatever seeds are used."""
    return "test" if zlib.crc32(key.encode()) % HELD_OUT_BUCKETS == 0 else "train"


@dataclass(frozen=True)
class Statement:
    """How a task recognises one of its problems stated in words: chat and `ponder solve "..."` loop over
    the task registry (`tasks.recognise`), so a task that declares one is recognised everywhere."""

    example: str  # what a statement looks like, for the error that asks for one: "a countdown problem like '...'"
    read: Callable[[str, str], Problem | None]  # (text, problem id) -> the problem the text states, or None
    describe: Callable[[Problem], str]  # how it was read, said back to the user (the rule it is graded by included)


class Task(Protocol):
    name: str
    description: str
    verifier: Verifier  # what strategies may consult while thinking
    statement: Statement | None  # how its problems are recognised in words; None: they are not

    def extract(self, text: str) -> str | None:
        """The final answer in a reply, or None when none can be read."""
        ...

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        """Ground truth for evaluation (not charged to any budget); None when unknown."""
        ...

    def from_record(self, record: dict[str, Any]) -> Problem:
        """A problem from one JSONL record; raises ProblemError when it is malformed."""
        ...

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        """Built-in problems; raises TaskError when the task has none."""
        ...


@dataclass(frozen=True)
class ItemError:
    """A problem that could not be used, with where it came from and why."""

    line: int
    id: str | None
    message: str


def load_problems(task: Task, path: str | Path) -> tuple[list[Problem], list[ItemError]]:
    """Read a JSONL problem file, streamed (`ponder.jsonl`). Bad lines become ItemErrors; the good ones
    are still returned."""
    problems: list[Problem] = []
    errors: list[ItemError] = []
    seen: set[str] = set()
    for number, line in lines(Path(path), TaskError, "problem file "):
        if isinstance(line, LineError):
            errors.append(ItemError(number, None, str(line)))
            continue
        if not line.strip():
            continue
        record_id = None
        try:
            record = parse_object(line)
            record_id = str(record["id"])[:100] if "id" in record else None
            problem = task.from_record(record)
            if problem.id in seen:
                raise ProblemError(f"duplicate id {problem.id!r}")
        except (LineError, ProblemError) as error:
            errors.append(ItemError(number, record_id, str(error)))
            continue
        seen.add(problem.id)
        problems.append(problem)
    return problems, errors


def require_int(record: dict[str, Any], key: str, low: int | None = None, high: int | None = None) -> int:
    value = record.get(key)
    if type(value) is not int:
        raise ProblemError(f"{key!r} must be an integer, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ProblemError(f"{key!r} must be between {low} and {high}, got {value}")
    return value


def record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise ProblemError("every problem needs an 'id' (string or integer)")
    return str(value)
