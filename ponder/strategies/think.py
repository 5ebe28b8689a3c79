"""Think: one chain of thought, as long as its thinking budget allows, then its answer (system 2
inside one sample). Wider strategies compose with it: best-of-N, majority and weighted majority over
chains, each chain with its own thinking budget ("k chains x L tokens"). With a model that does not
think it is one sample, like `single`."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.types import Result


async def think(run: Run) -> Result:
    new = await run.sample(1)
    if new:
        completion = new[0].completion
        run.emit("decision", f"thought {completion.thinking_tokens} tokens ({completion.tool_tokens} from tools), then answered", new[0])
    return run.result(0 if new else None, "done" if new and not run.refused else run.stop_reason(False))
