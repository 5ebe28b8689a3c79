"""An LLM as process verifier: any chat model behind an OpenAI-compatible endpoint grades the steps of a
partial solution from 0 to 10 (prompted step grading, as in Zheng et al. 2023's LLM-as-a-judge applied
to steps; plug in a real reward model served by vLLM the same way).

Each grading is one request (greedy, at most `MAX_GRADE_TOKENS` generated). It is charged what it
reads and writes: the prompt at its bound (UTF-8 bytes plus chat overhead: at least its tokens in any
vocabulary, so the reservation always covers it) and the reply's tokens as counted (never the backend's
word alone). A reply without a grade scores 0 and says so.
"""

from __future__ import annotations

import re
from typing import Sequence

from ponder.generators.base import GeneratorError
from ponder.types import Message, Problem, SamplingParams, Verdict
from ponder.verifiers.prm import PartialSolution

MAX_GRADE_TOKENS = 8
_GRADE = re.compile(r"\b(10|[0-9])\b")


def grading_prompt(problem: Problem, partial: PartialSolution) -> str:
    steps = "\n".join(f"Step {i}: {step}" for i, step in enumerate(partial.steps, start=1)) or "(no steps yet)"
    state = "This is the whole solution." if partial.finished else "The solution is not finished yet."
    return (f"Problem: {problem.prompt}\n\nA solution so far:\n{steps}\n{state}\n\n"
            "Grade it: is every step correct, and can it still lead to a correct answer? "
            "Reply with one whole number from 0 (hopeless) to 10 (certainly right), nothing else.")


def read_grade(text: str) -> float | None:
    """The first grade 0-10 in a reply, as a score in [0, 1].

    >>> read_grade("8"), read_grade("Grade: 10/10"), read_grade("no idea")
    (0.8, 1.0, None)
    """
    match = _GRADE.search(text)
    return None if match is None else int(match.group(1)) / 10


class LLMPRM:
    def __init__(self, model: str, base_url: str | None, *, timeout: float = 120.0, generator=None):
        from ponder.generators.openai_http import OpenAIGenerator

        self.generator = generator or OpenAIGenerator(model, base_url, timeout=timeout)
        self.name = self.generator.name

    def _messages(self, problem: Problem, partial: PartialSolution) -> list[Message]:
        return [Message("user", grading_prompt(problem, partial))]

    def cost_bound(self, problem: Problem, partial: PartialSolution) -> int:
        return self.generator.prompt_tokens_bound(self._messages(problem, partial)) + MAX_GRADE_TOKENS

    async def score(self, problem: Problem, partials: Sequence[PartialSolution]) -> list[Verdict]:
        import asyncio

        return list(await asyncio.gather(*(self._grade(problem, partial) for partial in partials)))

    async def _grade(self, problem: Problem, partial: PartialSolution) -> Verdict:
        messages = self._messages(problem, partial)
        read = self.generator.prompt_tokens_bound(messages)
        try:
            generation = await self.generator.generate(messages, 1, SamplingParams(temperature=0.0, max_tokens=MAX_GRADE_TOKENS))
        except GeneratorError as error:
            return Verdict(0.0, None, f"the grader failed: {error}", tokens=read)
        reply = generation.completions[0]
        tokens = read + reply.completion_tokens
        grade = read_grade(reply.text)
        if grade is None:
            return Verdict(0.0, None, f"the grader gave no grade: {reply.text[:60]!r}", tokens=tokens)
        return Verdict(grade, None, f"graded {grade * 10:.0f}/10 by {self.name}", tokens=tokens)
