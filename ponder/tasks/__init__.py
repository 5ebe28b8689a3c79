"""The task registry: one line per task."""

from __future__ import annotations

from ponder.tasks.arithmetic import ArithmeticTask
from ponder.tasks.base import Task, TaskError
from ponder.tasks.countdown import CountdownTask
from ponder.tasks.jsonl import JsonlTask

TASKS: dict[str, type] = {"countdown": CountdownTask, "arithmetic": ArithmeticTask, "jsonl": JsonlTask}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise TaskError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return TASKS[name]()
