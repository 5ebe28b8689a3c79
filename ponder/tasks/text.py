"""A problem typed on the command line: which task it is, and the Problem it becomes."""

from __future__ import annotations

from ponder.tasks import arithmetic, countdown
from ponder.tasks.base import ProblemError
from ponder.types import Problem


def problem_from_text(text: str, task_name: str | None = None, problem_id: str = "cli") -> Problem:
    """Recognise a countdown or multiplication problem in plain words (or the named task's form).
    Any other text becomes a problem without a reference answer (nothing can verify it)."""
    if task_name in (None, "countdown"):
        stated = countdown.parse_statement(text)
        if stated is not None:
            return countdown.make_problem(problem_id, *stated)
        if task_name == "countdown":
            raise ProblemError("state a countdown problem like 'Use the numbers 3, 5, 7 and 11 to make 24.'")
    if task_name in (None, "arithmetic"):
        factors = arithmetic.parse_statement(text)
        if factors is not None:
            return arithmetic.make_problem(problem_id, *factors)
        if task_name == "arithmetic":
            raise ProblemError("state a multiplication like 'What is 123 × 456?'")
    if not text.strip():
        raise ProblemError("the problem text is empty")
    return Problem(id=problem_id, task="jsonl", prompt=text, data={})
