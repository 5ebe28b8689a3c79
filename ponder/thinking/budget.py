"""Sampling parameters for thinking: a thinking budget, and a completion length that leaves room for the
answer after the longest thought (so the completion cap never cuts a chain the thinking budget allows)."""

from __future__ import annotations

from dataclasses import replace

from ponder.errors import PonderError
from ponder.types import SamplingParams, ThinkingBudget

ANSWER_ROOM = 64  # tokens allowed after the thought: the closing text and the answer
DEFAULT_THINKING_TOKENS = 1024  # a thinking model's thought when no budget is given


class ThinkingError(PonderError, ValueError):
    """A thinking budget is invalid."""


def thinking_budget(cap: int | None, minimum: int | None = None, tools: bool = True) -> ThinkingBudget:
    """A checked thinking budget."""
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        raise ThinkingError(f"thinking tokens must be a whole number >= 0, got {cap!r}")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0):
        raise ThinkingError(f"minimum thinking tokens must be a whole number >= 0, got {minimum!r}")
    if cap is not None and minimum is not None and minimum > cap:
        raise ThinkingError(f"minimum thinking tokens ({minimum}) exceed the thinking tokens ({cap})")
    return ThinkingBudget(cap=cap, minimum=minimum or 0, tools=tools)


def with_thinking(params: SamplingParams, budget: ThinkingBudget, max_tokens: int | None = None) -> SamplingParams:
    """`params` with a thinking budget; each candidate may be its thought plus ANSWER_ROOM tokens
    unless `max_tokens` says otherwise."""
    thought = DEFAULT_THINKING_TOKENS if budget.cap is None else budget.cap
    return replace(params, thinking=budget, max_tokens=max_tokens or thought + ANSWER_ROOM)


def cost(text: str) -> int:
    """Tokens forced text (a tool's output, a cue, a closing text) may take: its UTF-8 bytes (every BPE
    token is at least one byte), so charging it never undercounts."""
    return len(text.encode())
