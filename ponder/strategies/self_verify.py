"""Generative self-verification: sample one candidate, ask the judge (by default the generator itself) whether
it is correct; accept it, or sample again, until the budget or the candidate target runs out (Weng et al. 2023,
"Large Language Models are Better Reasoners with Self-Verification"; rejection sampling with the model as its
own checker). An answer already judged is not asked about twice. None accepted: the most voted answer."""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, ask, entrants, judged_result, most_voted
from ponder.strategies.voting import vote_key
from ponder.types import Result
from ponder.verifiers.judge import VERDICT_TOKENS, read_verdict, verify_prompt


async def self_verify(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    verdicts: dict[str, bool | None] = {}
    try:
        while len(run.candidates) < run.target and not run.refused:
            new = await run.sample(1)
            if not new:
                break
            candidate = new[0]
            if candidate.answer is None:
                continue
            key = vote_key(candidate.answer)
            if key not in verdicts:
                verdicts[key] = read_verdict(await ask(run, judge, verify_prompt(run.problem.prompt, candidate.completion.text), VERDICT_TOKENS))
                run.emit("judged", f"candidate {candidate.index}: {'accepted' if verdicts[key] else 'rejected'}", candidate,
                         node={"a": candidate.index, "accepted": verdicts[key]})
            if verdicts[key]:
                return judged_result(run, candidate, "accepted by the verifier", stop="done")
    except NoRoom:
        pass
    field = entrants(run.candidates)
    return judged_result(run, most_voted(field) if field else None, "none accepted: the most voted")
