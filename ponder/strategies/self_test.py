"""Self-verification by execution: the model writes its own check, the sandbox runs it, and the check chooses —
no given test, no reference answer, nothing but the model and the sandbox.

- On code (a task whose verifier runs candidates): the model writes tests of the function (their expected values
  its guesses); the candidates passing most of them win, ties to the largest group that behaves alike
  (`codet.select_by_tests`, CodeT without the visible tests).
- On answers (any other task): the model writes a program that computes the answer; candidates are drawn one at a
  time and the first whose answer is what the program prints is accepted (`program_check`); none agreeing, the
  program's answer stands (on the word problems the program alone is right 85% of the time, a worded answer
  22.5%: docs/peers.md). A program that fails or prints nothing leaves the vote to decide.

The check is written by the judge (`--judge MODEL`; default the generator itself), greedily, once per problem,
charged as a verifier call (its tokens read and written as verifier tokens); each sandbox run (of candidates, or of
the program) is a verifier call too, made only while the budget has time left and cut at it. Measured (docs/judges.md): the only selector here that beats voting without a checker.
"""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.cluster import PROPOSAL_TOKENS
from ponder.strategies.codet import select_by_tests
from ponder.strategies.judging import NoRoom, ask, entrants, judged_result, most_voted, sample_all
from ponder.strategies.program import printed_in_budget
from ponder.strategies.voting import vote_key
from ponder.types import Result
from ponder.verifiers.base import Behaviour
from ponder.verifiers.program_check import PROGRAM_TOKENS, program_prompt


async def self_test(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    if isinstance(run.verifier, Behaviour):
        request = run.verifier.probe_request(run.problem)
        proposal = await _written(run, judge, request[-1].content if request else None, PROPOSAL_TOKENS)
        return await select_by_tests(run, run.verifier, proposal, visible=False)
    reply = await _written(run, judge, program_prompt(run.problem.prompt), PROGRAM_TOKENS)
    printed = await printed_in_budget(run, reply) if reply else None
    expected = run.extract(printed) if printed is not None else None
    run.emit("decision", "the model's program printed nothing readable: the vote decides" if expected is None
             else f"the model's program computes {expected!r}")
    while expected is not None and len(run.candidates) < run.target and not run.refused:
        new = await run.sample(1)
        if not new:
            break
        if new[0].answer is not None and vote_key(new[0].answer) == vote_key(expected):
            return judged_result(run, new[0], "agrees with the model's program", stop="done")
    if expected is None:
        await sample_all(run)
        field = entrants(run.candidates)
        return judged_result(run, most_voted(field) if field else None, "no program answer: the most voted")
    run.emit("decision", f"no candidate agrees with the model's program: its answer {expected!r} stands")
    return run.result(None, "done" if not run.refused else run.stop_reason(False), answer=expected, text=printed)


async def _written(run: Run, judge: Generator, prompt: str | None, tokens: int) -> str | None:
    """The judge's check (tests or a program), or None when there is no prompt or no room for it."""
    if prompt is None:
        return None
    try:
        return await ask(run, judge, prompt, tokens) or None
    except NoRoom:
        return None
