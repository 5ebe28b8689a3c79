"""Program: one sample in which the model answers a question by writing a program that computes the answer; the
sandbox runs it, and what the program prints is the candidate's answer (the program is kept as the completion's
reasoning).

Sources: program-aided language models (Gao et al., 2022, arXiv:2211.10435) and program-of-thoughts prompting
(Chen et al., 2022, arXiv:2211.12588): the model writes its reasoning as code and the interpreter does the
arithmetic. The request is the one `self_test` uses for its check (`verifiers.program_check`); here the program's
output is the answer itself, not a check on sampled answers.

Every token of the reply is charged as the candidate's; the run of the program is a verifier call, made only
while the budget has time left and cut at the time left. Model-written code runs only in the sandbox. On a code
task the answer already is a program (its verifier runs it): there the strategy is one sample of the task's own
request, as `single`.
"""

from __future__ import annotations

from dataclasses import replace

from ponder.strategies.base import Run
from ponder.strategies.single import single
from ponder.types import Message, Result, Verdict
from ponder.verifiers.base import Behaviour
from ponder.verifiers.program_check import LIMITS, program_answer, program_prompt


async def program(run: Run) -> Result:
    if isinstance(run.verifier, Behaviour):
        run.emit("decision", "a code task: the answer is itself a program, so one sample of the task's request")
        return await single(run)
    new = await run.sample(1, [Message("user", program_prompt(run.problem.prompt))])
    if not new:
        return run.result(None, run.stop_reason(False))
    candidate = new[0]
    printed = await printed_in_budget(run, candidate.completion.text)
    if printed is None:
        run.candidates[candidate.index] = replace(candidate, answer=None)
        run.emit("decision", "the program failed, printed nothing or did not run: no answer", run.candidates[candidate.index])
    else:
        reasoning = "\n".join(part for part in (candidate.completion.reasoning, candidate.completion.text) if part)
        completion = replace(candidate.completion, text=printed, reasoning=reasoning)
        run.candidates[candidate.index] = replace(candidate, completion=completion, answer=run.extract(printed))
        run.emit("decision", f"the program printed {printed[:80]!r}", run.candidates[candidate.index])
    return run.result(0, "done" if not run.refused else run.stop_reason(False))


async def printed_in_budget(run: Run, reply: str) -> str | None:
    """What the reply's program prints (its last line), run in the sandbox as one verifier call within the time left."""
    grant = run.budget.request_verification(0)
    if grant is None:
        return None
    limits = LIMITS if grant.timeout is None else replace(LIMITS, wall_seconds=min(LIMITS.wall_seconds, grant.timeout))  # > 0 when granted
    try:
        return await program_answer(reply, limits)
    finally:
        run.budget.settle_verification(grant, Verdict(score=0.0, correct=None, feedback="ran the model's program"))
