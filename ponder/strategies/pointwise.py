"""Pointwise judging: the judge is asked of each distinct answer on its own "is it correct? yes or no", and the
answer it is most confident in wins, ties to the more voted. Its confidence is P(yes) / (P(yes) + P(no)) read from
the first reply token's log-probabilities where the backend returns them (a generative verifier's score: Zhang et
al. 2024), else its word (yes 1, no 0, neither ½). Judged as candidates come, so the strategy is anytime: out of
budget, the most confident so far (or the most voted) is the answer. (LLM-as-a-judge, single-answer grading:
Zheng et al. 2023.)"""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, ask_for, entrants, judged_result, most_voted
from ponder.types import Result
from ponder.verifiers.judge import TOP_LOGPROBS, VERDICT_TOKENS, p_yes, read_verdict, verify_prompt


async def pointwise(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    confidence: dict[int, float] = {}
    try:
        async for _ in run.batches():
            for entrant in entrants(run.candidates):
                if entrant.candidate.index in confidence:
                    continue
                reply = await ask_for(run, judge, verify_prompt(run.problem.prompt, entrant.text), VERDICT_TOKENS, TOP_LOGPROBS)
                score = None if reply is None else p_yes(reply.first_logprobs)
                if score is None:
                    verdict = None if reply is None else read_verdict(reply.text)
                    score = 0.5 if verdict is None else float(verdict)
                confidence[entrant.candidate.index] = score
                run.emit("judged", f"candidate {entrant.candidate.index}: P(yes) {score:.2f}", entrant.candidate,
                         node={"a": entrant.candidate.index, "p_yes": score})
    except NoRoom:
        pass
    field = entrants(run.candidates)
    if not field:
        return judged_result(run, None, "")
    judged = [e for e in field if e.candidate.index in confidence]
    if not judged:
        return judged_result(run, most_voted(field), "the most voted (nothing judged)")
    top = max(confidence[e.candidate.index] for e in judged)
    best = most_voted([e for e in judged if confidence[e.candidate.index] == top])
    return judged_result(run, best, f"the judge's P(yes) {top:.2f}")
