"""Beam search over steps with a process verifier: sample N first steps, keep the `beam_width` the PRM
scores best, extend them by N next steps in all (N / beam_width each; more each when fewer beams are
left, so every depth samples N steps), and so on until N solutions are finished (Snell et al. 2024,
"Scaling LLM Test-Time Compute Optimally ..."; Hugging Face's search-and-learn). The answer is the
finished solution the PRM scores best; an exact PRM's verified solution stops it early."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.step_search import DEFAULT_BEAM_WIDTH, DEFAULT_MAX_STEPS, Node, StepSearch, beams_kept
from ponder.types import Result
from ponder.verifiers.prm import ProcessVerifier


async def beam(run: Run, prm: ProcessVerifier | None = None, beam_width: int = DEFAULT_BEAM_WIDTH,
               max_steps: int = DEFAULT_MAX_STEPS) -> Result:
    search = StepSearch(run, prm, max_steps)
    total = run.target
    kept = beams_kept(beam_width, total)
    beams = [Node()]
    while beams and len(run.candidates) < total and not search.out_of_budget:
        children = []
        for node in beams:
            children += await search.expand(node, max(1, total // len(beams)))
        scored = await search.score(children)
        if search.solved:
            break
        live = sorted((node for node in scored if node.open), key=lambda node: -node.score)  # stable: earlier first among equals
        beams = live[:kept]
        run.emit("best", f"{len(beams)} beams at depth {beams[0].depth}, best score {beams[0].score:.2f}" if beams else "no beam left")
    return search.result()
