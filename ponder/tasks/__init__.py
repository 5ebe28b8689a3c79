"""The task registry: one line per task, 'module:Class', imported when the task is first asked for
(so listing task names, as the CLI's help does, imports none of them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.lazy import resolve

if TYPE_CHECKING:
    from ponder.tasks.base import Task
    from ponder.types import Problem

TASKS: dict[str, str] = {
    "countdown": "ponder.tasks.countdown:CountdownTask",
    "countdown-reachable": "ponder.tasks.countdown_reachable:CountdownReachableTask",
    "arithmetic": "ponder.tasks.arithmetic:ArithmeticTask",
    "arithmetic-carries": "ponder.tasks.arithmetic_carries:CarryingArithmeticTask",
    "addition": "ponder.tasks.addition:AdditionTask",
    "addition-words": "ponder.tasks.addition:WordAdditionTask",
    "jsonl": "ponder.tasks.jsonl:JsonlTask",
    "code": "ponder.tasks.code:CodeTask",
    "humaneval": "ponder.tasks.code:HumanEvalTask",
    "word-problems": "ponder.tasks.word_problems:WordProblemsTask",
}


def get_task(name: str) -> Task:
    if name not in TASKS:
        from ponder.tasks.base import TaskError

        raise TaskError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return resolve(TASKS[name])()


def recognise(text: str, problem_id: str) -> Problem | None:
    """The problem `text` states in words, read by the first task in the registry that recognises it;
    None when no task does."""
    for name in TASKS:
        statement = get_task(name).statement
        problem = None if statement is None else statement.read(text, problem_id)
        if problem is not None:
            return problem
    return None
