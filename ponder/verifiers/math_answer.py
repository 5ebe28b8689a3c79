"""Final-answer extraction and equivalence for math replies.

Extraction follows the GSM8K convention (Cobbe et al. 2021: the answer follows '####') and the common
'\\boxed{...}' / 'the answer is ...' forms, falling back to the last number in the reply. Equivalence is
exact for integers, decimals and fractions, and symbolic (sympy) for simple expressions. Model output
is untrusted, so only a whitelisted alphabet ever reaches sympy's parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ponder.types import Problem, Verdict
from ponder.verifiers.base import UNPARSABLE

MAX_ANSWER_CHARS = 100
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_MARKERS = (
    re.compile(r"####\s*(.+)"),
    re.compile(r"\\boxed\{([^{}]+)\}"),
    re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:)\s*(.+)", re.IGNORECASE),
)
_SAFE = re.compile(r"^(?:[0-9.+\-*/^() ]|sqrt|pi)*$")


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
    """Exact value of an integer, decimal or fraction; None for anything else."""
    text = answer.replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(?:\.\d+)?|-?\.\d+|-?\d+/\d+", text):
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def equivalent(answer: str | None, reference: str) -> bool:
    """Whether two answers denote the same number or expression."""
    if answer is None:
        return False
    a, b = as_fraction(answer), as_fraction(reference)
    if a is not None and b is not None:
        return a == b
    if answer.strip() == reference.strip():
        return True
    return _symbolically_equal(answer, reference)


def _symbolically_equal(answer: str, reference: str) -> bool:
    if any(len(s) > MAX_ANSWER_CHARS or not _SAFE.match(s) or s.count("^") > 1 for s in (answer, reference)):
        return False
    from sympy import simplify
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    try:
        left = parse_expr(answer.replace("^", "**"), transformations=standard_transformations)
        right = parse_expr(reference.replace("^", "**"), transformations=standard_transformations)
        return bool(simplify(left - right) == 0)
    except Exception:  # sympy raises many types on odd input; any failure means "not shown equal"
        return False


@dataclass(frozen=True)
class MathAnswerVerifier:
    """Compares the extracted answer with the problem's reference answer (an oracle verifier:
    best-of-N with it measures coverage, pass@k)."""

    name: str = "math_answer"
    max_tokens: int = 0

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        if "answer" not in problem.data:
            return Verdict(score=0.0, correct=None, feedback="no reference answer to check against")
        if answer is None:
            return UNPARSABLE
        reference = str(problem.data["answer"])
        if equivalent(answer, reference):
            return Verdict(score=1.0, correct=True, feedback=f"{answer} is correct")
        return Verdict(score=0.0, correct=False, feedback=f"{answer} is not the right answer")
