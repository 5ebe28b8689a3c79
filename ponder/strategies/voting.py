"""Vote counting over extracted final answers: pure functions.

Self-consistency (Wang et al. 2022, "Self-Consistency Improves Chain of Thought Reasoning in Language
Models"): sample several reasoning paths and take the most common final answer; the weighted variant
sums verifier scores instead of counts (Li et al. 2023, "Making Large Language Models Better
Reasoners with Step-Aware Verifier").
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ponder.verifiers.math_answer import as_fraction


def vote_key(answer: str) -> str:
    """Answers that denote the same number vote together ('1,000', '1000.0' and '1000').

    >>> vote_key("1,000.0") == vote_key("1000")
    True
    """
    value = as_fraction(answer)
    if value is not None:
        return str(value) if value.denominator != 1 else str(value.numerator)
    return " ".join(answer.split())


def tally(answers: Iterable[str | None], weights: Iterable[float] | None = None) -> dict[str, float]:
    """Total weight per answer key, in order of first appearance; unparsable answers (None) don't vote."""
    totals: dict[str, float] = {}
    weight_list = list(weights) if weights is not None else None
    for i, answer in enumerate(answers):
        if answer is None:
            continue
        key = vote_key(answer)
        totals[key] = totals.get(key, 0.0) + (1.0 if weight_list is None else weight_list[i])
    return totals


def winner(totals: dict[str, float]) -> str | None:
    """The answer with the most weight; ties go to the one seen first. None when nobody voted.

    >>> winner({"12": 2.0, "7": 3.0, "9": 3.0})
    '7'
    """
    best: str | None = None
    for key, weight in totals.items():
        if best is None or weight > totals[best]:
            best = key
    return best


def decided(counts: Sequence[float], remaining: int) -> bool:
    """Whether `remaining` more unit votes can no longer change the leader (so sampling may stop).

    >>> decided([5, 1], remaining=3)
    True
    >>> decided([5, 3], remaining=2)
    False
    """
    ordered = sorted(counts, reverse=True)
    if not ordered:
        return remaining == 0
    runner_up = ordered[1] if len(ordered) > 1 else 0
    return ordered[0] > runner_up + remaining


def leader_index(answers: Sequence[str | None], weights: Sequence[float] | None = None) -> int | None:
    """The position of the first answer voting for the winner; None when nobody voted.

    >>> leader_index([None, "7", "12", "12.0"])
    2
    """
    leader = winner(tally(answers, weights))
    return next((i for i, a in enumerate(answers) if a is not None and vote_key(a) == leader), None)

