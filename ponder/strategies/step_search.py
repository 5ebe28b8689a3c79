"""What beam search, DVTS and MCTS over steps share: nodes (partial solutions), expanding a node by
sampling next steps, scoring nodes with a process verifier, and keeping finished solutions.

Everything is charged to the run's budget: each expansion is one generator call for n steps (its
tokens, the tool's output after each step, its request), each scoring reserves the PRM's bound first
and is settled with what it spent. Steps count in `Usage.steps`; finished solutions become the run's
candidates (scored by the PRM), so the result reads like any other strategy's. Anytime: when the
budget runs out the best finished solution so far is returned (by PRM score).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ponder.generators.base import BackendUnavailable, GeneratorError
from ponder.strategies.base import Run
from ponder.strategies.registry import StrategyError
from ponder.thinking.budget import cost  # forced text is charged as its UTF-8 bytes, as in remote thinking
from ponder.thinking.steps import Piece, StepFormat
from ponder.types import Candidate, Completion, Generation, Message, Result, Verdict
from ponder.verifiers.prm import PartialSolution, ProcessVerifier

DEFAULT_BEAM_WIDTH = 4  # beams kept (HF search-and-learn's default M)
DEFAULT_MAX_STEPS = 40  # deepest partial solution a search extends


@dataclass(frozen=True)
class Node:
    """A partial solution and what is known of it."""

    pieces: tuple[Piece, ...] = ()
    id: int = 0  # the root is 0; ids grow as nodes are made
    parent: int | None = None
    tokens: int = 0  # generated tokens on its path (model and tool)
    finished: bool = False
    dead: bool = False  # cannot be extended (the model ended without finishing, or the depth limit)
    verdict: Verdict | None = None  # the PRM's, once scored

    @property
    def score(self) -> float:
        return self.verdict.score if self.verdict is not None else 0.0

    @property
    def depth(self) -> int:
        return len(self.pieces)

    @property
    def hopeless(self) -> bool:
        """The PRM knows this partial solution cannot be completed (an exact PRM's 0)."""
        return self.verdict is not None and self.verdict.correct is False and not self.finished

    @property
    def open(self) -> bool:
        """Worth extending: neither finished, dead nor hopeless."""
        return not (self.finished or self.dead or self.hopeless)


class StepSearch:
    """One run's step-level search machinery (the strategy decides which nodes to expand)."""

    def __init__(self, run: Run, prm: ProcessVerifier | None, max_steps: int = DEFAULT_MAX_STEPS, format: StepFormat | None = None):
        if prm is None:
            raise StrategyError(f"strategy {run.strategy!r} needs a process verifier (--prm exact|learned|openai:MODEL@URL)")
        if not run.generator.capabilities.continues:
            raise StrategyError(f"{run.generator.name} cannot continue a partial solution, so {run.strategy!r} cannot extend steps")
        if max_steps < 1:
            raise StrategyError("max_steps must be at least 1")
        self.run, self.prm, self.max_steps = run, prm, max_steps
        self.format = format or run.generator.capabilities.steps_for(run.problem.task)
        self.calls = 0  # generator calls so far (seeds each one differently)
        self.nodes = 0  # nodes made so far, the root included
        self.out_of_budget = False
        self._finished: dict[str, int] = {}  # a finished solution's text -> its candidate index
        self._verified: set[int] = set()  # candidates the step format's tool checked (ponder-think's calculator hits)

    # -- expanding -------------------------------------------------------------------------------
    async def expand(self, node: Node, n: int, siblings: Sequence[Node] = ()) -> list[Node]:
        """Up to n children of `node` (one generator call), without duplicates among themselves, of
        `siblings` (its children so far), of the node itself or of any node on its path (a step back to
        an earlier state is the search's job, not the model's); [] when the budget is out."""
        run, fmt = self.run, self.format
        messages = [*run.messages(), Message("assistant", fmt.text(node.pieces))]
        grant = run.budget.request(n, fmt.max_step_tokens + fmt.tool_room, run.generator.prompt_tokens_bound(messages),
                                   run.generator.calls_for, steps=True)
        if grant is None or grant.max_tokens_each - fmt.tool_room < 1:
            if grant is not None:
                run.budget.release(grant)
            self.out_of_budget = True
            return []
        seed = None if run.params.seed is None else run.params.seed + 7919 * self.calls
        self.calls += 1
        params = replace(run.params, max_tokens=grant.max_tokens_each - fmt.tool_room, seed=seed, thinking=None, stop=())
        try:
            generation = await run.generator.continue_final(messages, grant.candidates, params, timeout=grant.timeout,
                                                            stop=fmt.stops, include_stop=True)
        except BackendUnavailable:
            run.budget.settle(grant, None)
            raise
        except GeneratorError as error:
            run.budget.settle(grant, None)
            run.failures.append(str(error))
            run.emit("error", str(error))
            return []
        pieces, completions = [], []
        for completion in generation.completions[: grant.candidates]:
            tool = fmt.tool(run.problem, node.pieces, completion.text) if fmt.tool is not None else ""
            tool = tool.encode()[: fmt.tool_room].decode(errors="ignore")
            ended = completion.finish_reason == "stop" and not completion.text.endswith(fmt.stops)
            pieces.append(Piece(completion.text, tool, ended))
            completions.append(replace(completion, completion_tokens=completion.completion_tokens + cost(tool), tool_tokens=cost(tool)))
        run.budget.settle(grant, Generation(tuple(completions), generation.prompt_tokens, generation.calls))
        path = [replace(node, pieces=node.pieces[:k], finished=False) for k in range(node.depth)]
        seen = {self._key(other) for other in (*path, node, *siblings)}
        children = []
        for piece, completion in zip(pieces, completions):
            child = self._child(node, piece, completion.completion_tokens)
            key = self._key(child)
            if key not in seen:
                seen.add(key)
                children.append(child)
        run.emit("decision", f"expanded a node at depth {node.depth} into {len(children)} new steps")
        return children

    def _child(self, node: Node, piece: Piece, tokens: int) -> Node:
        pieces = (*node.pieces, piece)
        finished = self.format.finished(self.run.problem, pieces)
        dead = not finished and (piece.ended or len(pieces) >= self.max_steps or not piece.text)
        self.nodes += 1
        return Node(pieces, self.nodes, node.id, node.tokens + tokens, finished, dead)

    def _key(self, node: Node) -> tuple:
        return (node.finished, tuple(self.format.plain(self.run.problem, node.pieces)))

    # -- scoring ---------------------------------------------------------------------------------
    def partial(self, node: Node) -> PartialSolution:
        return PartialSolution(tuple(self.format.plain(self.run.problem, node.pieces)), node.finished)

    async def score(self, nodes: Sequence[Node]) -> list[Node]:
        """The nodes the budget lets the PRM score, with their verdicts (in order; fewer when it ran out)."""
        budget, problem = self.run.budget, self.run.problem
        grants, partials = [], []
        for node in nodes:
            partial = self.partial(node)
            grant = budget.request_verification(self.prm.cost_bound(problem, partial))
            if grant is None:
                self.out_of_budget = True
                break
            grants.append(grant)
            partials.append(partial)
        verdicts = await self.prm.score(problem, partials) if partials else []
        for grant, verdict in zip(grants, verdicts):
            budget.settle_verification(grant, verdict)
        scored = [replace(node, verdict=verdict) for node, verdict in zip(nodes, verdicts)]
        for node in scored:
            self._show(node)
            if node.finished:
                self.keep(node)
        return scored

    def _show(self, node: Node) -> None:
        """A "step" event: what a trace needs to draw the search tree."""
        steps = self.format.plain(self.run.problem, node.pieces)
        piece = node.pieces[-1] if node.pieces else Piece("")
        step = steps[-1] if steps and len(steps) >= node.depth else (piece.text + piece.tool)
        self.run.emit("step", f"node {node.id} (from {node.parent}): {step!r} scored {node.score:.2f}", node={
            "id": node.id, "parent": node.parent, "depth": node.depth, "step": step, "score": node.score,
            "finished": node.finished, "open": node.open,
        })

    # -- finished solutions ----------------------------------------------------------------------
    def keep(self, node: Node) -> Candidate:
        """A finished node as one of the run's candidates (once per distinct solution text)."""
        run = self.run
        text = self.format.completion(run.problem, node.pieces)
        if text in self._finished:
            return run.candidates[self._finished[text]]
        completion = Completion(text=text, completion_tokens=node.tokens, finish_reason="stop",
                                reasoning="\n".join(self.partial(node).steps))
        candidate = Candidate(len(run.candidates), completion, run.extract(text), node.verdict)
        run.candidates.append(candidate)
        self._finished[text] = candidate.index
        if self.format.verified(run.problem, node.pieces):
            self._verified.add(candidate.index)
        run.emit("candidate", f"solution {candidate.index}: {candidate.answer!r}", candidate)
        if node.verdict is not None:
            run.emit("scored", f"solution {candidate.index} scored {node.verdict.score:.2f}: {node.verdict.feedback}", candidate)
        return candidate

    def _known_right(self, candidate: Candidate) -> bool:
        return candidate.index in self._verified or (candidate.verdict is not None and candidate.verdict.correct is True)

    @property
    def solved(self) -> bool:
        """A finished solution known to be right: its tool checked it, or an exact PRM did."""
        return any(self._known_right(c) for c in self.run.candidates)

    def result(self) -> Result:
        """A finished solution known to be right, else the best by PRM score (the earliest among equals)."""
        run = self.run
        best = None
        for candidate in run.candidates:
            rank = (self._known_right(candidate), candidate.verdict.score)
            if best is None or rank > (self._known_right(best), best.verdict.score):
                best = candidate
        if self.solved:
            return run.result(best.index, "solved")
        stop = run.stop_reason(False) if not run.candidates else "budget" if self.out_of_budget or run.budget.exhausted else "done"
        return run.result(None if best is None else best.index, stop)


def beams_kept(width: int, total: int) -> int:
    """How many partial solutions a beam (or DVTS subtree step) keeps: `width`, at most the N it samples.

    >>> beams_kept(4, 16), beams_kept(4, 2)
    (4, 2)
    """
    if width < 1:
        raise StrategyError("beam_width must be at least 1")
    return min(width, total)
