"""Final-answer extraction and equivalence for math replies.

Extraction follows the GSM8K convention (Cobbe et al. 2021: the answer follows '####') and the common
'\\boxed{...}' / 'the answer is ...' forms, falling back to the last number in the reply. Equivalence is
exact for integers, decimals and fractions, and by value for short expressions (`bounded_math`: exact for
rational ones, to 40 digits with sqrt and pi). Model output is untrusted: every pattern here runs in time
linear in the reply, and no expression is evaluated beyond a bounded size, so no reply can hang a check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ponder.offload import CHECK_SECONDS, off_loop
from ponder.types import Problem, Verdict
from ponder.verifiers.base import UNPARSABLE
from ponder.verifiers.bounded_math import MAX_CHARS, TooLarge, Unevaluable, same_value, value_of

MAX_ANSWER_CHARS = MAX_CHARS
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_MARKERS = (
    re.compile(r"####\s*(.+)"),
    re.compile(r"\\boxed\{([^{}]+)\}"),
    re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:)\s*(.+)", re.IGNORECASE),
)


def extract_final_answer(text: str) -> str | None:
    """The final answer in a reply.

    >>> extract_final_answer("She has 3 + 4 = 7 apples.\\n#### 7")
    '7'
    >>> extract_final_answer("So the answer is $1,234.")
    '1234'
    """
    for marker in _MARKERS:
        matches = marker.findall(text)
        if matches:
            return _clean(matches[-1])
    numbers = _NUMBER.findall(text)
    return _clean(numbers[-1]) if numbers else None


def _clean(answer: str) -> str | None:
    answer = answer.strip().strip("$").strip()
    answer = answer.splitlines()[0] if answer else answer
    answer = answer.rstrip(".").replace("$", "").strip()
    if re.fullmatch(r"-?[\d,]+(?:\.\d+)?", answer):
        answer = answer.replace(",", "")
    return answer or None


def as_fraction(answer: str) -> Fraction | None:
    """Exact value of an integer, decimal or fraction; None for anything else (or a number too long to read)."""
    text = answer.replace(",", "").replace(" ", "")
    if len(text) <= MAX_ANSWER_CHARS and re.fullmatch(r"-?\d+(?:\.\d+)?|-?\.\d+|-?\d+/\d+", text):
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def compare(answer: str | None, reference: str) -> bool | None:
    """Whether two answers denote the same number or expression; None when that cannot be checked
    (an expression too large to evaluate, such as 9**9**8)."""
    if answer is None:
        return False
    a, b = as_fraction(answer), as_fraction(reference)
    if a is not None and b is not None:
        return a == b
    if answer.strip() == reference.strip():
        return True
    try:
        left, right = value_of(answer.strip()), value_of(reference.strip())
    except TooLarge:
        return None
    except Unevaluable:
        return False
    return same_value(left, right)


def equivalent(answer: str | None, reference: str) -> bool:
    """Whether two answers are shown to denote the same number or expression."""
    return compare(answer, reference) is True


@dataclass(frozen=True)
class MathAnswerVerifier:
    """Compares the extracted answer with the problem's reference answer (an oracle verifier:
    best-of-N with it measures coverage, pass@k)."""

    name: str = "math_answer"
    max_tokens: int = 0
    seconds: float = CHECK_SECONDS  # an answer not checked within this is scored unverifiable

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        if "answer" not in problem.data:
            return Verdict(score=0.0, correct=None, feedback="no reference answer to check against")
        if answer is None:
            return UNPARSABLE
        reference = str(problem.data["answer"])
        try:  # two plain numbers compare at once; an expression's value may take milliseconds: off the event loop
            plain = as_fraction(answer) is not None and as_fraction(reference) is not None
            same = compare(answer, reference) if plain else await off_loop(compare, answer, reference, seconds=self.seconds)
        except TimeoutError:
            same = None
        if same is None:
            return Verdict(score=0.0, correct=None, feedback=f"{answer[:40]} cannot be checked (too large, or not within {self.seconds:g} s)")
        if same:
            return Verdict(score=1.0, correct=True, feedback=f"{answer} is correct")
        return Verdict(score=0.0, correct=False, feedback=f"{answer} is not the right answer")
