"""Stop strings: where a candidate ends (torch-free, shared by every generator)."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence


def stopped(text: str, stop: Sequence[str]) -> bool:
    return any(s in text for s in stop)


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    r"""The text before the first stop string in it (the OpenAI API leaves the stop string out).

    >>> cut_at_stop("12 + 3 = 15\nQ: next", ["\nQ:", "\n\n"])
    '12 + 3 = 15'
    """
    found = [at for at in (text.find(s) for s in stop if s) if at >= 0]
    return text[: min(found)] if found else text


def cut_answers(completions, stop: Sequence[str]) -> tuple:
    """Completions whose answers end before the first stop string (for generators that decode answers
    past one, as thinking models do; their tokens stay charged as generated)."""
    return tuple(replace(c, text=cut_at_stop(c.text, stop)) for c in completions) if stop else tuple(completions)
