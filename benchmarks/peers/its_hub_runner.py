"""Runs its_hub's algorithms on problems read from stdin, one JSON object per line, and writes one answer per line.
Runs inside its_hub's own virtual environment (benchmarks/peers/setup.sh); it imports nothing of ponder.

In:  {"key", "algorithm": "self_consistency"|"best_of_n_judge", "budget": N, "base_url", "model", "prompt",
      "max_tokens", "temperature", "answer_pattern": regex or null}
Out: {"key", "text"} or {"key", "error"}

`self_consistency` votes over each response's projection: the first match of `answer_pattern` (its_hub's regex
projection, as its docs show for final answers), else the whole response (its default, exact content).
`best_of_n_judge` is its_hub's BestOfN with its LLMJudge (0–10 score, JSON output) on the same model as judge.
"""

from __future__ import annotations

import asyncio
import json
import sys

from its_hub.core.algorithms.bon import BestOfN
from its_hub.core.algorithms.self_consistency import SelfConsistency, create_regex_projection_function
from its_hub.core.lms.openai_lm import OpenAICompatibleLanguageModel
from its_hub.core.reward_models.llm_judge import LLMJudge



async def one(job: dict) -> dict:
    lm = OpenAICompatibleLanguageModel(endpoint=job["base_url"], api_key="none", model_name=job["model"],
                                       max_tokens=job["max_tokens"], temperature=job["temperature"])
    try:
        if job["algorithm"] == "self_consistency":
            pattern = job.get("answer_pattern")
            algorithm = SelfConsistency(create_regex_projection_function(pattern) if pattern else None)
        elif job["algorithm"] == "best_of_n_judge":
            judge = OpenAICompatibleLanguageModel(endpoint=job["base_url"], api_key="none", model_name=job["model"],
                                                  max_tokens=256, temperature=0.0)
            algorithm = BestOfN(LLMJudge(judge))
        else:
            return {"key": job["key"], "error": f"unknown algorithm {job['algorithm']!r}"}
        response = await algorithm.ainfer(lm, job["prompt"], budget=job["budget"])
        return {"key": job["key"], "text": response.get("content") or ""}
    except Exception as error:  # one failed problem is reported, the others go on
        return {"key": job["key"], "error": f"{type(error).__name__}: {error}"}


async def main() -> None:
    jobs = [json.loads(line) for line in sys.stdin if line.strip()]
    slots = asyncio.Semaphore(int(sys.argv[1]) if len(sys.argv) > 1 else 2)  # problems in flight

    async def limited(job: dict) -> None:
        async with slots:
            answer = await one(job)
        print(json.dumps(answer), flush=True)

    await asyncio.gather(*(limited(job) for job in jobs))


if __name__ == "__main__":
    asyncio.run(main())
