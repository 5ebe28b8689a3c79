"""The judge strategies' control flow and accounting, on scripted candidates and a judge that knows the answer
(or one that always names the same position): known answers, every judge token charged, never past the budget."""

from __future__ import annotations

import asyncio
import math
import random
import re
from dataclasses import dataclass, field

import pytest

from ponder.budget import Budget, Limits
from ponder.strategies import get_strategy
from ponder.strategies.base import Run
from ponder.testing import ScriptedGenerator
from ponder.types import Completion, Generation, Message, Problem, SamplingParams
from ponder.generators.base import Capabilities

PROBLEM = Problem(id="p", task="fake", prompt="What is 1 + 2?")
JUDGES = ("judge", "pairwise", "knockout", "round_robin", "usc", "self_verify")


@dataclass
class KeyedJudge:
    """A judge that knows the right answer is `key`: it picks the side that shows it,
    names the response that shows it, says yes to it. `position`: always name this side instead (a judge that is
    all position bias). Each reply costs `tokens`; each prompt `prompt_tokens`."""

    key: str = "3"
    position: str | None = None
    tokens: int = 1
    prompt_tokens: int = 20
    name: str = "keyed-judge"
    parameter_count: int | None = None
    capabilities: Capabilities = Capabilities()
    prompts: list[str] = field(default_factory=list)

    async def generate(self, messages, n, params, timeout=None) -> Generation:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        shown = re.split(r"\n\n(?:Answer [AB]|Response \d+):\n", prompt)
        if "Answer A:" in prompt:
            a, b = shown[1], shown[2].split("\n\n")[0]
            reply = self.position or ("A" if a.strip() == self.key else "B" if b.strip() == self.key else "A")
        elif "Response 1:" in prompt:
            bodies = [s.split("\n\n")[0].strip() for s in shown[1:]]
            reply = f"The most consistent response is Response {bodies.index(self.key) + 1 if self.key in bodies else 1}"
        else:
            answer = prompt.split("A proposed answer:\n")[1].split("\n\n")[0].strip()
            reply = "yes" if answer == self.key else "no"
        return Generation((Completion(reply, min(self.tokens, params.max_tokens), "stop"),), self.prompt_tokens, 1)

    def prompt_tokens_bound(self, messages) -> int:
        return self.prompt_tokens

    def calls_for(self, n: int) -> int:
        return 1


def solve(strategy, texts, judge, candidates=8, limits=None, events=None):
    generator = ScriptedGenerator(texts)
    run = Run(problem=PROBLEM, strategy=strategy, generator=generator,
              budget=Budget(limits or Limits(max_candidates=candidates)), extract=lambda text: None if text == "?" else text,
              params=SamplingParams(), rng=random.Random(0), batch_size=4,
              on_event=(events.append if events is not None else lambda e: None))
    return asyncio.run(get_strategy(strategy)(run, judge=judge)), generator


@pytest.mark.parametrize("strategy", JUDGES)
def test_a_judge_that_knows_the_answer_picks_it_out_of_a_minority(strategy):
    result, _ = solve(strategy, ["5", "5", "3", "5", "7", "5", "?", "5"], KeyedJudge())
    assert result.answer == "3"  # majority would say 5


@pytest.mark.parametrize("strategy", JUDGES)
def test_every_judge_question_is_charged_as_a_verifier_call(strategy):
    judge = KeyedJudge(tokens=1, prompt_tokens=20)
    result, generator = solve(strategy, ["5", "3", "7", "9"], judge, candidates=4)
    usage = result.usage
    assert usage.verifier_calls == len(judge.prompts) > 0
    assert usage.verifier_tokens == 21 * len(judge.prompts)  # what it read plus what it wrote
    assert usage.completion_tokens == generator.generated  # the judge's tokens are not the generator's


def test_pairwise_asks_both_orders_so_a_judge_that_always_says_a_defers_to_the_vote():
    events = []
    result, _ = solve("pairwise", ["5", "3", "5"], KeyedJudge(position="A"), candidates=3, events=events)
    judged = [e.node for e in events if e.kind == "judged"]
    assert [(n["a"], n["b"]) for n in judged] == [(0, 1), (1, 0)]  # one match, both orders, each in the trace
    assert [n["side"] for n in judged] == ["A", "A"]
    assert result.answer == "5"  # a split verdict goes to the more voted answer


def test_knockout_plays_one_match_per_distinct_answer_but_one():
    judge = KeyedJudge()
    result, _ = solve("knockout", ["1", "2", "3", "4", "5", "1"], judge, candidates=6)
    assert result.answer == "3" and len(judge.prompts) == 2 * (5 - 1)  # 5 distinct answers: 4 matches, 2 orders each


def test_round_robin_judges_every_ordered_pair_once():
    judge = KeyedJudge()
    result, _ = solve("round_robin", ["1", "2", "3", "4"], judge, candidates=4)
    assert result.answer == "3" and len(judge.prompts) == 4 * 3


def test_usc_asks_once_with_every_candidate_shown():
    judge = KeyedJudge()
    result, _ = solve("usc", ["5", "3", "5", "5"], judge, candidates=4)
    assert result.answer == "3" and len(judge.prompts) == 1 and judge.prompts[0].count("Response ") >= 4


def test_self_verify_stops_at_the_first_accepted_answer_and_asks_once_per_answer():
    judge = KeyedJudge()
    result, _ = solve("self_verify", ["5", "5", "3", "9"], judge, candidates=8)
    assert result.answer == "3" and len(result.candidates) == 3 and result.stop_reason == "done"
    assert len(judge.prompts) == 2  # "5" was asked about once


def test_self_verify_with_nothing_accepted_returns_the_most_voted():
    result, _ = solve("self_verify", ["5", "7", "5"], KeyedJudge(key="0"), candidates=3)
    assert result.answer == "5"


@pytest.mark.parametrize("strategy", JUDGES)
def test_a_judge_never_spends_past_the_token_budget_and_still_answers(strategy):
    limits = Limits(max_candidates=4, max_tokens=4 * 10 + 50)  # the candidates (10 tokens each) leave room for two questions
    result, _ = solve(strategy, ["5", "3", "7", "9"], KeyedJudge(prompt_tokens=20), limits=limits)
    assert result.usage.generated_tokens <= limits.max_tokens
    assert result.answer is not None


@pytest.mark.parametrize("strategy", JUDGES)
def test_the_judge_defaults_to_the_generator_itself(strategy):
    generator = ScriptedGenerator(["5", "A", "yes", "7"])
    run = Run(problem=PROBLEM, strategy=strategy, generator=generator, budget=Budget(Limits(max_candidates=2)),
              extract=lambda text: text, params=SamplingParams(), rng=random.Random(0))
    result = asyncio.run(get_strategy(strategy)(run))
    assert result.usage.verifier_calls >= 1
    assert any(m[-1].content.startswith(("Problem:", "I have generated")) for m in generator.conversations)  # asked as judge


def test_message_roles_of_a_judge_question_are_one_user_turn():
    judge = KeyedJudge()
    seen: list = []

    async def spy(messages, n, params, timeout=None):
        seen.append(list(messages))
        return await KeyedJudge.generate(judge, messages, n, params, timeout)

    judge.generate = spy  # type: ignore[method-assign]
    solve("judge", ["5", "3"], judge, candidates=2)
    assert all(len(m) == 1 and isinstance(m[0], Message) and m[0].role == "user" for m in seen)


def test_pointwise_ranks_by_the_judges_p_yes_when_the_backend_returns_log_probabilities():
    class Unsure(KeyedJudge):
        """Says "yes" to every answer, but is surer of 3 (0.9) than of the rest (0.6)."""

        async def generate(self, messages, n, params, timeout=None):
            self.prompts.append(messages[-1].content)
            answer = messages[-1].content.split("A proposed answer:\n")[1].split("\n\n")[0].strip()
            sure = 0.9 if answer == self.key else 0.6
            first = (("yes", math.log(sure)), ("no", math.log(1 - sure))) if params.top_logprobs else None
            return Generation((Completion("yes", 1, "stop", first_logprobs=first),), self.prompt_tokens, 1)

    events = []
    result, _ = solve("judge", ["5", "5", "3", "7"], Unsure(), candidates=4, events=events)
    assert result.answer == "3"  # its word ("yes" to all) would have tied them, and the vote said 5
    assert sorted(round(e.node["p_yes"], 2) for e in events if e.kind == "judged") == [0.6, 0.6, 0.9]
