"""A problem typed on the command line: which task it is, and the Problem it becomes."""

from __future__ import annotations

from ponder.tasks import get_task, recognise
from ponder.tasks.base import ProblemError
from ponder.types import Problem


def problem_from_text(text: str, task_name: str | None = None, problem_id: str = "cli") -> Problem:
    """The problem a task recognises in plain words (`Task.statement`; the named task's, when one is
    named). Any other text becomes a problem without a reference answer (nothing can verify it)."""
    if task_name is None:
        problem = recognise(text, problem_id)
        if problem is not None:
            return problem
    else:
        statement = get_task(task_name).statement
        if statement is not None:
            problem = statement.read(text, problem_id)
            if problem is None:
                raise ProblemError(f"state {statement.example}")
            return problem
    if not text.strip():
        raise ProblemError("the problem text is empty")
    return Problem(id=problem_id, task="jsonl", prompt=text, data={})
