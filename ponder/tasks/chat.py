"""Chat: any message that states no known task. Nothing can check the reply, so thinking means
strategies that need no verifier (majority over extracted final answers); the answer read from a reply
is its final answer when it states one, else its whole text, normalised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ponder.tasks.base import Split, TaskError
from ponder.types import Problem
from ponder.verifiers.math_answer import extract_final_answer

NAME = "chat"
MAX_ANSWER_CHARS = 200


def extract(text: str) -> str | None:
    """The reply's final answer, or its normalised text when it states none.

    >>> extract("Paris is the capital. The answer is 42.")
    '42'
    >>> extract("  Paris,  of course ")
    'paris, of course'
    """
    answer = extract_final_answer(text)
    if answer is not None:
        return answer
    normalised = " ".join(text.split()).lower()
    return normalised[:MAX_ANSWER_CHARS] or None


@dataclass(frozen=True)
class ChatTask:
    name: str = NAME
    description: str = "free-form chat (no verifier: majority over final answers)"
    verifier: None = None
    statement: None = None

    def extract(self, text: str) -> str | None:
        return extract(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        return None

    def from_record(self, record: dict[str, Any]) -> Problem:
        raise TaskError("the chat task reads no problem files")

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        raise TaskError("the chat task has no built-in problems")
