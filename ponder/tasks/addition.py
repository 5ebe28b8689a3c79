"""Two-digit addition for real pretrained models: a task a 270M-parameter base model can sometimes
solve from a few-shot prompt, so what sampling more buys can be measured on it.

Two independent generators, as every evaluation here has (a model can learn a generator instead of the
task): `addition` states sums plainly ("What is 47 + 38?"); `addition-words` writes one-step word
problems with sums and differences from its own templates and number ranges. Both grade the final number
against the reference answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ponder.tasks.base import Split, record_id, require_int, split_of
from ponder.types import Problem
from ponder.verifiers.math_answer import MathAnswerVerifier, equivalent, extract_final_answer

NAME = "addition"
WORDS = "addition-words"


def make_problem(problem_id: str, a: int, b: int) -> Problem:
    return Problem(id=problem_id, task=NAME, prompt=f"What is {a} + {b}?", data={"a": a, "b": b, "answer": str(a + b)})


@dataclass(frozen=True)
class ReferenceAnswer:
    """What both tasks share: the final number in a reply, graded against the reference answer."""

    verifier: MathAnswerVerifier = field(default_factory=MathAnswerVerifier)
    statement: None = None  # not recognised in words (chat is)

    def extract(self, text: str) -> str | None:
        return extract_final_answer(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        return equivalent(answer, str(problem.data["answer"]))


@dataclass(frozen=True)
class AdditionTask(ReferenceAnswer):
    name: str = NAME
    description: str = "two-digit addition, stated plainly (for real pretrained models; reference-answer verifier)"

    def from_record(self, record: dict[str, Any]) -> Problem:
        return make_problem(record_id(record), require_int(record, "a", 0), require_int(record, "b", 0))

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"addition:{seed}")
        problems: list[Problem] = []
        while len(problems) < count:
            a, b = rng.randint(10, 99), rng.randint(10, 99)
            if split_of(f"{a}+{b}") == split:
                problems.append(make_problem(f"addition-{seed}-{len(problems)}", a, b))
        return problems


# The second generator: its own templates, operations and number ranges (shared with nothing above).
_TEMPLATES = (
    ("{name} has {a} {things}. {pronoun} gets {b} more. How many {things} does {name} have now?", "+"),
    ("A box holds {a} {things} and another holds {b}. How many {things} are there in all?", "+"),
    ("{name} had {a} {things} and gave away {b}. How many {things} are left?", "-"),
    ("There were {a} {things} on a shelf. {b} were sold. How many {things} remain?", "-"),
)
_NAMES = (("Ana", "She"), ("Ben", "He"), ("Chloe", "She"), ("Dev", "He"), ("Eva", "She"), ("Femi", "He"))
_THINGS = ("apples", "stamps", "marbles", "books", "coins", "shells")


def word_problem(problem_id: str, rng: random.Random) -> Problem:
    template, operation = rng.choice(_TEMPLATES)
    name, pronoun = rng.choice(_NAMES)
    a = rng.randint(12, 95) if operation == "+" else rng.randint(30, 95)
    b = rng.randint(11, 95) if operation == "+" else rng.randint(11, a - 1)
    answer = a + b if operation == "+" else a - b
    prompt = template.format(name=name, pronoun=pronoun, a=a, b=b, things=rng.choice(_THINGS))
    return Problem(id=problem_id, task=WORDS, prompt=prompt, data={"answer": str(answer)})


@dataclass(frozen=True)
class WordAdditionTask(ReferenceAnswer):
    name: str = WORDS
    description: str = "one-step word problems (sums and differences), a generator independent of 'addition'"

    def from_record(self, record: dict[str, Any]) -> Problem:
        from ponder.tasks.base import ProblemError

        prompt = record.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ProblemError("'prompt' must be a non-empty string")
        return Problem(id=record_id(record), task=WORDS, prompt=prompt, data={"answer": str(require_int(record, "answer"))})

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"word-problems/{seed}")
        return [word_problem(f"{WORDS}-{seed}-{i}", rng) for i in range(count)]
