"""The embedded model's own compact language, and the mapping from plain chat to it and back.

The tiny model is trained on compact strings only: countdown as ``C3 5 7 11>24:`` followed by an
expression, multiplication as ``M123*456:`` followed by a scratchpad of partial products and the
product, every number written least-significant digit first (digits in the order carries flow,
which a small transformer learns far more easily; Lee et al. 2023, "Teaching Arithmetic to Small
Transformers"). This module maps a plain-language problem to that form and renders the model's output
back to ordinary notation, so the embedded model speaks plain chat like any other generator.
"""

from __future__ import annotations

import re
from typing import Sequence

from ponder.tasks import arithmetic, countdown
from ponder.tasks.base import MAX_STATEMENT_CHARS
from ponder.tasks.countdown import NUMBER_RANGE, TARGET_RANGE
from ponder.types import Message

COUNTDOWN_TAG = "C"
MULTIPLY_TAG = "M"
# No digits in it, so no answer can be extracted from it by mistake.
CAPABILITIES = (
    "Sorry, I am ponder's tiny embedded model and can only solve two kinds of problems: countdown "
    "(say 'Use the numbers ... to make ...') and multiplication of whole numbers "
    "(say 'What is ... × ...?'). Please ask me one of those."
)


# What the embedded models were trained on (`training.recipes`): a problem outside it gets a plain refusal
# (no tokens spent), never a guess. Multiplication: a two- to four-digit number by a two- or three-digit one.
MULTIPLY_TRAINED = ((10, 9999), (10, 999))
OUTSIDE = ("Sorry, this problem is outside what I was trained on (multiplying a two- to four-digit number by a two- "
           "or three-digit one; countdown with three or four numbers from one to twenty-five and a target from one to "
           "one hundred), so I will not guess.")


def countdown_trained(numbers: Sequence[int], target: int, sizes: tuple[int, int] = (3, 4)) -> bool:
    """Whether a countdown problem is of the kind the embedded models were trained on.

    >>> countdown_trained([25, 4, 7, 3], 100), countdown_trained([250, 4, 7], 100), countdown_trained([3, 5], 8)
    (True, False, False)
    """
    return (sizes[0] <= len(numbers) <= sizes[1] and all(NUMBER_RANGE[0] <= n <= NUMBER_RANGE[1] for n in numbers)
            and TARGET_RANGE[0] <= target <= TARGET_RANGE[1])


def multiply_trained(a: int, b: int) -> bool:
    """Whether ponder-tiny was trained on multiplications of this size.

    >>> multiply_trained(482, 913), multiply_trained(7, 8)
    (True, False)
    """
    (a_low, a_high), (b_low, b_high) = MULTIPLY_TRAINED
    return a_low <= a <= a_high and b_low <= b <= b_high


def refusal(prompt: str | None) -> str | None:
    """What ponder-tiny says instead of answering its compact `prompt`: what it can do when no problem was
    stated (None), that the problem is outside its training when it is; None when it can answer.

    >>> refusal("M482*913:") is None, refusal("M7*8:") == OUTSIDE, refusal(None) == CAPABILITIES
    (True, True, True)
    """
    if prompt is None:
        return CAPABILITIES
    numbers = [int(n) for n in re.findall(r"\d+", prompt)]
    if prompt.startswith(MULTIPLY_TAG):
        return None if multiply_trained(*numbers) else OUTSIDE
    return None if countdown_trained(numbers[:-1], numbers[-1]) else OUTSIDE


def countdown_prompt(numbers: Sequence[int], target: int) -> str:
    return f"{COUNTDOWN_TAG}{' '.join(str(n) for n in numbers)}>{target}:"


def multiply_prompt(a: int, b: int) -> str:
    return f"{MULTIPLY_TAG}{a}*{b}:"


def multiply_scratchpad(a: int, b: int) -> str:
    """The training target for a x b: partial products of a with each digit of b (shifted), then the
    product, least-significant digit first. Numbers keep their natural lengths, so adding the partials
    means finding digits at varying distances: the step the tiny model gets wrong often enough for
    voting to matter (a fixed-width layout made it near perfect; see the model card).

    >>> multiply_scratchpad(123, 456)
    '837+0516+00294=88065'
    """
    partials = [str(a * int(d) * 10**i)[::-1] for i, d in enumerate(str(b)[::-1])]
    return "+".join(partials) + "=" + str(a * b)[::-1]


def compact_prompt(messages: Sequence[Message]) -> str | None:
    """The compact prompt for the first user message that states a problem the model knows (a message
    longer than MAX_STATEMENT_CHARS is not read: the model's problems are a sentence long)."""
    for message in messages:
        if message.role != "user" or len(message.content) > MAX_STATEMENT_CHARS:
            continue
        stated = countdown.parse_statement(message.content)
        if stated is not None:
            return countdown_prompt(*stated)
        factors = arithmetic.parse_statement(message.content)
        if factors is not None:
            return multiply_prompt(*factors)
    return None


def render(prompt: str, raw: str) -> str:
    """The model's raw output in ordinary notation (multiplication digits put back in reading order).

    >>> render("M123*456:", "837+0516+00294=88065")
    '738 + 6150 + 49200 = 56088'
    """
    if not prompt.startswith(MULTIPLY_TAG):
        return raw
    head, equals, product = raw.partition("=")
    partials = " + ".join(_unpad(part[::-1]) for part in head.split("+"))
    return f"{partials} = {_unpad(product[::-1])}" if equals else partials


def _unpad(number: str) -> str:
    stripped = number.lstrip("0")
    return stripped if stripped or not number else "0"
