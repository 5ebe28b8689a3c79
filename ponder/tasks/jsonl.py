"""A user's own problems: JSONL lines {"id", "prompt", "answer"}, checked by math-answer equivalence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ponder.tasks.base import ProblemError, Split, TaskError, record_id
from ponder.types import Problem
from ponder.verifiers.math_answer import MathAnswerVerifier, equivalent, extract_final_answer

NAME = "jsonl"


@dataclass(frozen=True)
class JsonlTask:
    name: str = NAME
    description: str = 'your JSONL file of {"id", "prompt", "answer"} (math-answer equivalence)'
    verifier: MathAnswerVerifier = field(default_factory=MathAnswerVerifier)
    statement: None = None  # a text that states no known task becomes a problem of this kind

    def extract(self, text: str) -> str | None:
        return extract_final_answer(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        if "answer" not in problem.data:
            return None
        return equivalent(answer, str(problem.data["answer"]))

    def from_record(self, record: dict[str, Any]) -> Problem:
        prompt, answer = record.get("prompt"), record.get("answer")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ProblemError("'prompt' must be a non-empty string")
        if isinstance(answer, bool) or not isinstance(answer, (str, int, float)) or str(answer).strip() == "":
            raise ProblemError("'answer' must be a non-empty string or number")
        return Problem(id=record_id(record), task=self.name, prompt=prompt, data={"answer": str(answer)})

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        raise TaskError("the jsonl task has no built-in problems: pass a file with --input")
