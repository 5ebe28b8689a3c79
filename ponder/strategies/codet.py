"""Selection by the tests the model writes itself (CodeT, Chen et al. 2022, "CodeT: Code Generation with Generated
Tests", whose generated tests' expected values are the model's guesses): one greedy request first asks the model for
tests (charged to the budget, not a candidate); the candidates are drawn; those passing the largest share of the
model's tests are kept, and ties go to the largest group that behaves alike on the problem's inputs and the model's
(AlphaCode's clustering, `cluster.largest_group`). Every program runs only in the sandbox, each run a verifier call.

The visible tests come first (best-of-N); the model's tests only decide among the candidates they leave tied.
`self_test` (no given test at all) selects the same way without them. Measured on HumanEval with
Qwen2.5-Coder-1.5B (docs/code.md): the best selector there."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.cluster import PROPOSAL_TOKENS, behaviour_verifier, largest_group
from ponder.types import Candidate, Result, Verdict
from ponder.verifiers.base import Behaviour


async def codet(run: Run) -> Result:
    verifier = behaviour_verifier(run)
    request = verifier.probe_request(run.problem)
    proposal = await run.ask(request, PROPOSAL_TOKENS) if request else None
    return await select_by_tests(run, verifier, proposal, visible=True)


async def select_by_tests(run: Run, verifier: Behaviour, proposal: str | None, visible: bool) -> Result:
    """Draw the candidates and choose by the tests in the model's `proposal`, after the visible tests if `visible`."""
    tests = verifier.proposed_tests(run.problem, proposal)
    run.emit("decision", f"the model wrote {len(tests)} tests of its own")
    async for new in run.batches():
        for candidate in new if visible else ():
            await run.score(candidate)
    if visible:
        scored = [c for c in run.candidates if c.verdict is not None]
        best = max((c.verdict.score for c in scored), default=None)
        tied = [c for c in scored if c.verdict.score == best]
    else:
        tied = [c for c in run.candidates if c.answer is not None]
    if not tied:
        return run.result(0 if run.candidates else None, run.stop_reason(False))
    if len(tied) > 1 and tests:
        tied = await _passing_most(run, verifier, tied, tests)
    if len(tied) > 1:
        tied = await largest_group(run, verifier, tied, verifier.probe_inputs(run.problem, proposal)) or tied
    return run.result(tied[0].index, run.stop_reason(False))


async def _passing_most(run: Run, verifier: Behaviour, candidates: list[Candidate], tests: list[str]) -> list[Candidate]:
    """The candidates passing the largest share of `tests` (each run a verifier call, while the budget has room;
    those not run are dropped, and if none ran all are kept)."""
    shares: dict[int, float] = {}
    for candidate in candidates:
        grant = run.budget.request_verification(0)
        if grant is None:
            break
        shares[candidate.index] = await verifier.share_passed(run.problem, candidate.answer, tests)
        run.budget.settle_verification(grant, Verdict(score=shares[candidate.index], correct=None, feedback="the model's own tests"))
    if not shares:
        return candidates
    best = max(shares.values())
    kept = [c for c in candidates if shares.get(c.index) == best]
    run.emit("decision", f"{len(kept)} of {len(shares)} pass {best:.0%} of the model's tests", kept[0])
    return kept
