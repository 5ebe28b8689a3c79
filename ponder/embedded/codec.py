"""The embedded model's own compact language, and the mapping from plain chat to it and back.

The tiny model is trained on compact strings only: countdown as ``C3 5 7 11>24:`` followed by an
expression, multiplication as ``M123*456:`` followed by a scratchpad of partial products and the
product, every number written least-significant digit first (digits in the order carries flow,
which a small transformer learns far more easily; Lee et al. 2023, "Teaching Arithmetic to Small
Transformers"). This module maps a plain-language problem to that form and renders the model's output
back to ordinary notation, so the embedded model speaks plain chat like any other generator.
"""

from __future__ import annotations

from typing import Sequence

from ponder.tasks import arithmetic, countdown
from ponder.types import Message

MAX_STATEMENT_CHARS = 10_000  # the embedded models read no longer message (reading is linear, but on the caller's loop)
COUNTDOWN_TAG = "C"
MULTIPLY_TAG = "M"
# No digits in it, so no answer can be extracted from it by mistake.
CAPABILITIES = (
    "Sorry, I am ponder's tiny embedded model and can only solve two kinds of problems: countdown "
    "(say 'Use the numbers ... to make ...') and multiplication of whole numbers "
    "(say 'What is ... × ...?'). Please ask me one of those."
)


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
