"""Diverse verifier tree search (DVTS): N / beam_width independent subtrees, each a greedy search that
extends its current partial solution by `beam_width` sampled steps and keeps the one the PRM scores
best (Beeching, Tunstall & Rush 2024, Hugging Face's "Scaling test-time compute"; it beats beam search
at large N because no single early favourite takes every beam). Subtrees advance one step each in
turn, so a budget that runs out leaves all of them about equally deep."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.step_search import DEFAULT_BEAM_WIDTH, DEFAULT_MAX_STEPS, Node, StepSearch, beams_kept
from ponder.types import Result
from ponder.verifiers.prm import ProcessVerifier


async def dvts(run: Run, prm: ProcessVerifier | None = None, beam_width: int = DEFAULT_BEAM_WIDTH,
               max_steps: int = DEFAULT_MAX_STEPS) -> Result:
    search = StepSearch(run, prm, max_steps)
    width = beams_kept(beam_width, run.target)
    subtrees = max(1, run.target // width)
    current = [Node() for _ in range(subtrees)]
    while current and not search.out_of_budget:
        following = []
        for node in current:
            scored = await search.score(await search.expand(node, width))
            if search.solved or search.out_of_budget:
                return search.result()
            if scored:
                best = max(scored, key=lambda child: child.score)  # the earliest among equals
                if best.open:
                    following.append(best)
        current = following
    return search.result()
