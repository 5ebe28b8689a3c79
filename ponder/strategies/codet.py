"""Visible tests, then the model's own: sample candidates, score each by the visible tests, and break the ties they
leave by the tests the model wrote itself (CodeT, Chen et al. 2022, "CodeT: Code Generation with Generated Tests",
whose generated tests' expected values are the model's guesses). One greedy request first asks the model for
tests (charged to the budget, not a candidate); only candidates tied at the best visible score run them, each run a
verifier call. Measured on HumanEval with Qwen2.5-Coder-1.5B (docs/code.md): the best selector there."""

from __future__ import annotations

from ponder.strategies.base import Run, StrategyError
from ponder.strategies.cluster import PROPOSAL_TOKENS
from ponder.types import Result, Verdict
from ponder.verifiers.base import Behaviour


async def codet(run: Run) -> Result:
    verifier = run.require_verifier()
    if not isinstance(verifier, Behaviour):
        raise StrategyError(f"strategy 'codet' runs candidates, which the {verifier.name!r} verifier cannot (use a code task)")
    request = verifier.probe_request(run.problem)
    proposal = await run.ask(request, PROPOSAL_TOKENS) if request else None
    tests = verifier.proposed_tests(run.problem, proposal)
    run.emit("decision", f"the model wrote {len(tests)} tests of its own")
    async for new in run.batches():
        for candidate in new:
            await run.score(candidate)
    scored = [c for c in run.candidates if c.verdict is not None]
    if not scored:
        return run.result(0 if run.candidates else None, run.stop_reason(False))
    best = max(c.verdict.score for c in scored)
    tied = [c for c in scored if c.verdict.score == best]
    chosen, chosen_share = tied[0], -1.0
    for candidate in tied if len(tied) > 1 and tests else ():
        grant = run.budget.request_verification(0)
        if grant is None:
            break
        share = await verifier.share_passed(run.problem, candidate.answer, tests)
        run.budget.settle_verification(grant, Verdict(score=share, correct=None, feedback="the model's own tests"))
        if share > chosen_share:
            chosen, chosen_share = candidate, share
    if chosen_share >= 0:
        run.emit("decision", f"candidate {chosen.index} passes {chosen_share:.0%} of the model's tests, best of {len(tied)} tied", chosen)
    return run.result(chosen.index, run.stop_reason(False))
