"""Beam search through the OpenAI-compatible path: ponder serve continues partial solutions (the final
assistant message) and stops at each step's delimiter; the client is the official openai SDK."""

import asyncio

from ponder.budget import Limits
from ponder.engine import make_plan, solve
from ponder.loading import load_generator
from ponder.tasks import get_task
from ponder.types import SamplingParams
from ponder.verifiers.prm import ExactPRM


def test_beam_over_ponder_serve_solves_products_and_is_charged_what_the_server_generated(server):
    task = get_task("arithmetic")
    problems = task.generate(4, seed=11)
    generator = load_generator(f"openai:ponder-tiny@{server.base_url}")  # a served ponder-tiny: its step language
    before = {kind: server.metric("ponder_tokens_total", kind=kind) for kind in ("prompt", "completion")}
    requests_before = server.metric("ponder_requests_total")
    plan = make_plan(strategy="beam", overrides=Limits(max_candidates=8, max_tokens=600), params=SamplingParams(max_tokens=64),
                     seed=5, options={"prm": ExactPRM(), "beam_width": 2})

    async def solve_all():
        return [await solve(p, task, generator, plan, index=i) for i, p in enumerate(problems)]

    results = asyncio.run(solve_all())
    served = {kind: server.metric("ponder_tokens_total", kind=kind) - before[kind] for kind in before}
    assert sum(r.usage.completion_tokens for r in results) == served["completion"]
    assert sum(r.usage.calls for r in results) == server.metric("ponder_requests_total") - requests_before
    assert all(r.usage.completion_tokens + r.usage.verifier_tokens <= 600 for r in results)
    solved = [(p, r) for p, r in zip(problems, results) if r.stop_reason == "solved"]
    assert solved and all(r.answer == str(p.data["a"] * p.data["b"]) for p, r in solved)
    steps = [c.completion.reasoning for r in results for c in r.candidates]
    assert all(s.count("\n") == 3 for s in steps)  # three partial products and the product, one step each
