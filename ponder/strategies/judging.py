"""What the judge strategies share: asking the judge under the budget, a match judged in both orders, and the
distinct answers a judge chooses among.

Every question to the judge is one verifier call, charged as verifier tokens: what it reads (the prompt, as
the backend counted it, never more than ponder's own bound) and what it writes (counted). The call is granted
before it is sent, at the prompt's bound plus the reply's room, so a judge never spends past the budget; when
no grant is left the strategy answers with what it has (anytime). The judge is the generator itself unless
another model is given (`--judge MODEL`); it answers greedily, without thinking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

from ponder.generators.base import BackendUnavailable, Generator, GeneratorError
from ponder.strategies.base import Run
from ponder.strategies.voting import vote_key
from ponder.types import Candidate, Completion, Message, Result, SamplingParams, StopReason
from ponder.verifiers.judge import CHOICE_TOKENS, compare_prompt, read_side

log = logging.getLogger(__name__)


class NoRoom(Exception):
    """The budget has no room for the judge's next question: the strategy answers with what it has."""


async def ask(run: Run, judge: Generator, prompt: str, reply_tokens: int) -> str:
    """The judge's greedy reply to `prompt`, charged as one verifier call; raises NoRoom when the budget
    cannot grant it. A failed call is charged nothing but its call and reads as an empty reply."""
    reply = await ask_for(run, judge, prompt, reply_tokens)
    return reply.text if reply else ""


async def ask_for(run: Run, judge: Generator, prompt: str, reply_tokens: int, top_logprobs: int = 0) -> Completion | None:
    """`ask`, returning the whole reply (with its first token's most likely alternatives when `top_logprobs` asks
    for them and the backend returns them); None when the call failed."""
    messages = [Message("user", prompt)]
    bound = judge.prompt_tokens_bound(messages)
    grant = run.budget.request_verification(bound + reply_tokens)
    if grant is None:
        raise NoRoom
    params = SamplingParams(temperature=0.0, max_tokens=reply_tokens, top_logprobs=top_logprobs)
    try:
        generation = await judge.generate(messages, 1, params, timeout=grant.timeout)
    except BackendUnavailable:
        run.budget.settle_verifier_tokens(grant, 0)
        raise
    except GeneratorError as error:
        run.budget.settle_verifier_tokens(grant, 0)
        run.emit("error", f"the judge failed: {error}")
        log.warning("%s: the judge failed: %s", run.problem.id, error)
        return None
    reply = generation.completions[0] if generation.completions else None
    written = reply.completion_tokens if reply else 0  # as counted; more than the room asked for is logged by the budget
    run.budget.settle_verifier_tokens(grant, min(generation.prompt_tokens, bound) + written)  # the bound holds in any vocabulary
    return reply


@dataclass(frozen=True)
class Entrant:
    """One distinct answer: the first candidate that gave it, and how many candidates did."""

    candidate: Candidate
    votes: int

    @property
    def text(self) -> str:
        return self.candidate.completion.text


def entrants(candidates: Sequence[Candidate]) -> list[Entrant]:
    """The distinct answers, in order of first appearance (a judge compares each once, not each copy); the
    candidates with no answer only when no candidate has one."""
    answered = [c for c in candidates if c.answer is not None] or list(candidates)
    first: dict[str, Candidate] = {}
    votes: dict[str, int] = {}
    for candidate in answered:
        key = vote_key(candidate.answer) if candidate.answer is not None else f"#{candidate.index}"
        first.setdefault(key, candidate)
        votes[key] = votes.get(key, 0) + 1
    return [Entrant(first[key], votes[key]) for key in first]


def most_voted(field: Sequence[Entrant]) -> Entrant:
    """The entrant most candidates gave (the earliest among equals): every tie a judge leaves is broken so."""
    return max(field, key=lambda e: (e.votes, -e.candidate.index))


async def sample_all(run: Run) -> None:
    async for _ in run.batches():
        pass


async def judged_order(run: Run, judge: Generator, a: Entrant, b: Entrant) -> Entrant | None:
    """Which of `a` (shown as A) and `b` (shown as B) the judge picks; None when its reply names neither. One
    `judged` event records who was shown first and which side won. Raises NoRoom when the budget cannot pay."""
    side = read_side(await ask(run, judge, compare_prompt(run.problem.prompt, a.text, b.text), CHOICE_TOKENS))
    winner = None if side is None else (a if side == "A" else b)
    run.emit("judged", f"candidate {a.candidate.index} (A) vs {b.candidate.index} (B): {side or 'no verdict'}",
             node={"a": a.candidate.index, "b": b.candidate.index, "side": side,
                   "winner": None if winner is None else winner.candidate.index})
    return winner


async def match(run: Run, judge: Generator, first: Entrant, second: Entrant) -> Entrant:
    """The winner of one pairwise comparison, asked in both orders (A/B swapped) so that a judge that prefers a
    position cancels itself out; a split or unread verdict goes to the more voted answer. Raises NoRoom before any
    order the budget cannot pay."""
    points = {first.candidate.index: 0, second.candidate.index: 0}
    for a, b in ((first, second), (second, first)):
        winner = await judged_order(run, judge, a, b)
        if winner is not None:
            points[winner.candidate.index] += 1
    if points[first.candidate.index] != points[second.candidate.index]:
        return first if points[first.candidate.index] > points[second.candidate.index] else second
    return most_voted([first, second])


def judged_result(run: Run, chosen: Entrant | Candidate | None, note: str, stop: StopReason | None = None) -> Result:
    """The result for the chosen answer (None: no candidate), said as a decision."""
    if chosen is None:
        return run.result(None, run.stop_reason(False))
    candidate = chosen.candidate if isinstance(chosen, Entrant) else chosen
    run.emit("decision", f"candidate {candidate.index} chosen: {note}", candidate)
    return run.result(candidate.index, stop or run.stop_reason(False))
