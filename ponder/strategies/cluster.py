"""Behaviour clustering: draw the candidates, run each on probe inputs, and answer with a member of the
largest group that behaves alike — a vote over what programs do rather than how they are written
(AlphaCode, Li et al. 2022, "Competition-Level Code Generation with AlphaCode"; CodeT, Chen et al. 2022).
For code without a trustworthy test: the expected outputs are never consulted. The inputs are the problem's own
and, as CodeT has the model write tests, calls the model proposes in one greedy request made first (charged to the
budget, not a candidate; `options["propose_inputs"] = False` skips it). Each run is a verifier call."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ponder.strategies.base import Run, StrategyError
from ponder.types import Candidate, Result, Verdict
from ponder.verifiers.base import Behaviour


PROPOSAL_TOKENS = 256  # the most the model may write proposing inputs


def behaviour_verifier(run: Run) -> Behaviour:
    verifier = run.require_verifier()
    if not isinstance(verifier, Behaviour):
        raise StrategyError(f"strategy {run.strategy!r} runs candidates, which the {verifier.name!r} verifier cannot (use a code task)")
    return verifier


async def largest_group(run: Run, verifier: Behaviour, candidates: Sequence[Candidate], inputs: Sequence[str]) -> list[Candidate]:
    """The members of the largest group of `candidates` that behave alike on `inputs`, in their order (programs
    that fail do not vote); empty when none ran. Each run is a verifier call, made while the budget has room."""
    signatures: dict[int, str] = {}
    for candidate in candidates:
        grant = run.budget.request_verification(0)
        if grant is None:
            break
        signature = await verifier.behaviour(run.problem, candidate.answer, inputs)
        run.budget.settle_verification(grant, Verdict(score=0.0, correct=None, feedback="ran on the probe inputs"))
        if signature is not None and not signature.startswith("failed"):
            signatures[candidate.index] = signature
    if not signatures:
        return []
    sizes = Counter(signatures.values())
    most = max(sizes.values())
    largest = next(signature for signature in signatures.values() if sizes[signature] == most)
    run.emit("decision", f"{sizes[largest]} of {len(signatures)} that ran behave alike ({len(sizes)} behaviours)")
    return [candidate for candidate in candidates if signatures.get(candidate.index) == largest]


async def cluster(run: Run, propose_inputs: bool = True) -> Result:
    verifier = behaviour_verifier(run)
    request = verifier.probe_request(run.problem) if propose_inputs else None
    proposal = await run.ask(request, PROPOSAL_TOKENS) if request else None
    inputs = verifier.probe_inputs(run.problem, proposal)
    run.emit("decision", f"probing with {len(inputs)} inputs" + (" (some proposed by the model)" if proposal else ""))
    async for _ in run.batches():
        pass
    group = await largest_group(run, verifier, run.candidates, inputs)
    chosen = group[0].index if group else (0 if run.candidates else None)
    return run.result(chosen, run.stop_reason(False))
