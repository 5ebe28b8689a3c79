"""What a judge buys where nothing checks: replay one stored pool of samples (a `ponder scale` sweep) through the judge
strategies themselves — judge (pointwise), pairwise, knockout, round_robin, usc, self_verify — with a real model
judging, and grade each choice by the hidden answers (hidden tests for code) stored with the samples.

    python scripts/evaluate_judges.py --pool runs/q15-n8 --task humaneval --judge "openai:qwen@http://127.0.0.1:8081/v1" \\
        --selectors usc,judge,self_verify,knockout --ks 1,2,4,8 --concurrency 4 --out runs/q15-n8/judges.json

At budget k each strategy gets the first k stored samples of a problem, in order (one subset per problem, the same
for every selector), through a generator that replays them; the judge is asked live and charged under the budget
like any verifier (its tokens read and written are `verifier_tokens`). Beside them, from the same k samples:
random choice (their mean correctness), majority (normalised answers; identical code), the oracle (pass@k: some
sample is right) and, where the pool was scored by visible tests (code), best-of-k by them (ties to the earliest).
Only the problems whose k samples disagree in correctness are judged (elsewhere every selector gets the same grade,
which is counted as such): judge tokens are reported per judged problem. Results are cached per (selector, k, problem)
in `--out`'s folder, so a rerun resumes. 95% bootstrap CIs over problems.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ponder.budget import Budget, Limits
from ponder.generators.base import PLAIN
from ponder.loading import load_generator
from ponder.scaling.estimators import bootstrap_ci
from ponder.strategies import get_strategy
from ponder.strategies.base import Run
from ponder.strategies.voting import leader_index
from ponder.tasks import get_task
from ponder.types import Completion, Generation, SamplingParams


@dataclass(frozen=True)
class Stored:
    index: int
    text: str
    answer: str | None
    correct: bool
    score: float | None
    prompt_tokens: int
    completion_tokens: int


class Replay:
    """A generator that hands out one problem's stored samples in their stored order (then nothing)."""

    name = "replay"
    parameter_count = None
    capabilities = PLAIN

    def __init__(self, samples: list[Stored]):
        self.samples, self.next = samples, 0

    async def generate(self, messages, n, params, timeout=None) -> Generation:
        out = self.samples[self.next:self.next + n]
        self.next += len(out)
        completions = tuple(Completion(s.text, s.completion_tokens, "stop") for s in out)
        return Generation(completions, prompt_tokens=sum(s.prompt_tokens for s in out), calls=1)

    def prompt_tokens_bound(self, messages) -> int:
        return sum(len(m.content.encode()) for m in messages) + 16

    def calls_for(self, n: int) -> int:
        return 1


def load(folder: Path) -> dict[str, list[Stored]]:
    pools: dict[str, list[Stored]] = defaultdict(list)
    with sqlite3.connect(folder / "sweep.sqlite") as db:
        rows = db.execute("SELECT problem_id, sample_index, text, answer, correct, score, prompt_tokens, completion_tokens "
                          "FROM samples ORDER BY problem_id, sample_index")
        for pid, index, text, answer, correct, score, prompt, completion in rows:
            pools[pid].append(Stored(index, text, answer, bool(correct), score, prompt, completion))
    full = max(len(p) for p in pools.values())
    return {pid: pool for pid, pool in pools.items() if len(pool) == full}


def majority_pick(samples: list[Stored]) -> int:
    picked = leader_index([s.answer for s in samples])
    return 0 if picked is None else picked


def visible_pick(samples: list[Stored]) -> int | None:
    scores = [s.score for s in samples]
    if any(score is None for score in scores):
        return None
    return max(range(len(samples)), key=lambda i: (scores[i], -i))


async def judged(selector: str, problem, task, samples: list[Stored], judge) -> dict:
    events = []
    run = Run(problem=problem, strategy=selector, generator=Replay(samples), budget=Budget(Limits(max_candidates=len(samples))),
              extract=task.extract, params=SamplingParams(temperature=0.8, max_tokens=1024), batch_size=len(samples), on_event=events.append)
    started = time.perf_counter()
    result = await get_strategy(selector)(run, judge=judge)
    orders = [dict(e.node) for e in events if e.kind == "judged" and e.node and "side" in e.node]
    return {"chosen": result.chosen, "correct": bool(result.chosen is not None and samples[result.chosen].correct),
            "candidates": len(result.candidates), "verifier_tokens": result.usage.verifier_tokens,
            "verifier_calls": result.usage.verifier_calls, "seconds": time.perf_counter() - started,
            "generator_tokens": sum(s.prompt_tokens + s.completion_tokens for s in samples[:len(result.candidates)]),
            "orders": orders, "judge_errors": [e.message for e in events if e.kind == "error"]}


def position_bias(records: list[dict]) -> dict:
    """From every pair asked in both orders: how often the verdicts agree on the winner, and how often A is named."""
    sides = [o["side"] for r in records for o in r.get("orders", [])]
    by_pair: dict[tuple, dict] = {}
    for r in records:
        for o in r.get("orders", []):
            by_pair.setdefault((r["problem"], min(o["a"], o["b"]), max(o["a"], o["b"])), {})[(o["a"], o["b"])] = o["winner"]
    both = [list(v.values()) for v in by_pair.values() if len(v) == 2]
    consistent = sum(1 for w in both if w[0] is not None and w[0] == w[1])
    return {"verdicts": len(sides), "named_A": sides.count("A"), "named_B": sides.count("B"), "unread": sides.count(None),
            "pairs_both_orders": len(both), "consistent_pairs": consistent,
            "share_A": sides.count("A") / max(1, len(sides) - sides.count(None)),
            "consistency": consistent / max(1, len(both))}


def summary(values: list[float]) -> dict:
    low, high = bootstrap_ci(values, np.random.default_rng(0))
    return {"mean": float(np.mean(values)), "ci": [low, high], "n": len(values)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=Path, required=True, nargs="+", help="one or more sweeps of the same model (their problems pooled)")
    parser.add_argument("--task", required=True)
    parser.add_argument("--judge", required=True, help="the judging model's spec")
    parser.add_argument("--selectors", default="usc,judge,self_verify,knockout,pairwise,round_robin")
    parser.add_argument("--ks", default="1,2,4,8")
    parser.add_argument("--max-k", type=int, default=None, help="judge no budget above this for --slow selectors")
    parser.add_argument("--slow", default="round_robin", help="selectors judged only up to --max-k")
    parser.add_argument("--plan", default=None, help="selector:k pairs to judge, in this order (default: every selector at every k)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--problems", type=int, default=None, help="the first N problems of the pool only")
    parser.add_argument("--every-problem", action="store_true",
                        help="judge every problem, not only those whose samples disagree (for selectors that stop early, "
                             "e.g. self_test: then tokens per problem, generator's and judge's, compare at equal spend)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    task = get_task(args.task)
    pools = {pid: samples for folder in args.pool for pid, samples in load(folder).items()}
    order = sorted(pools, key=lambda pid: int(pid.rsplit("/", 1)[-1].rsplit("-", 1)[-1]))[: args.problems]
    problems = {p.id: p for p in task.generate(max(len(order) * 2, 200) if args.task != "humaneval" else 164, 0)}
    missing = [pid for pid in order if pid not in problems]
    if missing:
        sys.exit(f"{len(missing)} pool problems are not among the task's (first: {missing[0]})")
    judge = load_generator(args.judge, timeout=1200)
    ks = [int(k) for k in args.ks.split(",")]
    selectors = [s for s in args.selectors.split(",") if s]
    slow = set(args.slow.split(","))
    cache_path = args.out.with_suffix(".cache.jsonl")
    cache: dict[tuple, dict] = {}
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            record = json.loads(line)
            cache[(record["selector"], record["k"], record["problem"])] = record
    gate = asyncio.Semaphore(args.concurrency)
    done = [0]

    async def one(selector: str, k: int, pid: str) -> dict:
        key = (selector, k, pid)
        if key in cache:
            return cache[key]
        async with gate:
            record = {"selector": selector, "k": k, "problem": pid, **await judged(selector, problems[pid], task, pools[pid][:k], judge)}
        cache[key] = record
        with cache_path.open("a") as f:
            f.write(json.dumps(record) + "\n")
        done[0] += 1
        if done[0] % 10 == 0:
            print(f"judged {done[0]} runs ({selector} k={k})", file=sys.stderr, flush=True)
        return record

    plan = ([(pair.split(":")[0], int(pair.split(":")[1])) for pair in args.plan.split(",")] if args.plan
            else [(selector, k) for k in ks for selector in selectors if not (selector in slow and args.max_k is not None and k > args.max_k)])
    jobs = []
    for selector, k in plan:  # in this order: a run cut short has the first pairs whole
        contested = [pid for pid in order if args.every_problem or 0 < sum(s.correct for s in pools[pid][:k]) < k]
        jobs.extend(one(selector, k, pid) for pid in contested)
    print(f"{len(jobs)} judged runs to do ({len(cache)} cached)", file=sys.stderr, flush=True)
    await asyncio.gather(*jobs)

    results: dict = {"pool": [str(folder) for folder in args.pool], "task": args.task, "judge": args.judge, "problems": len(order), "ks": ks, "selectors": {}}
    for k in ks:
        rows: dict[str, list[float]] = defaultdict(list)
        picked: dict[str, list[float]] = defaultdict(list)
        spent: dict[str, list[float]] = defaultdict(list)  # tokens per problem (read and written), where every problem ran
        for pid in order:
            samples = pools[pid][:k]
            right = [s.correct for s in samples]
            rows["random choice"].append(float(np.mean(right)))
            rows["majority"].append(float(right[majority_pick(samples)]))
            rows["oracle (pass@k)"].append(float(any(right)))
            spent["majority"].append(sum(s.prompt_tokens + s.completion_tokens for s in samples))
            visible = visible_pick(samples) if args.task in ("humaneval", "code") else None
            if visible is not None:
                rows["best-of-k, visible tests"].append(float(right[visible]))
            if any(right):
                picked["random choice"].append(float(np.mean(right)))
                picked["majority"].append(float(right[majority_pick(samples)]))
                if visible is not None:
                    picked["best-of-k, visible tests"].append(float(right[visible]))
        for selector in selectors:
            records = [cache.get((selector, k, pid)) for pid in order]
            if any(r is None and 0 < sum(s.correct for s in pools[pid][:k]) < k for r, pid in zip(records, order)):
                continue  # not judged at this k
            for r, pid in zip(records, order):
                right = [s.correct for s in pools[pid][:k]]
                value = float(r["correct"]) if r is not None else float(all(right))
                rows[selector].append(value)
                if r is not None and len(records) == sum(x is not None for x in records):
                    spent[selector].append(r["generator_tokens"] + r["verifier_tokens"])
                if any(right):
                    picked[selector].append(value)
        for name, values in rows.items():
            entry = results["selectors"].setdefault(name, {})
            entry[str(k)] = {"accuracy": summary(values), "selection": summary(picked[name]) if picked[name] else None}
            if len(spent[name]) == len(order):
                entry[str(k)]["tokens_per_problem"] = float(np.mean(spent[name]))
            judged_here = [cache[(name, k, pid)] for pid in order if (name, k, pid) in cache]
            if judged_here:
                judge_tokens = sum(r["verifier_tokens"] for r in judged_here)
                generator_tokens = sum(r["generator_tokens"] for r in judged_here)
                entry[str(k)].update(
                    judged_problems=len(judged_here), judge_tokens_per_problem=judge_tokens / len(judged_here),
                    judge_calls_per_problem=sum(r["verifier_calls"] for r in judged_here) / len(judged_here),
                    generator_tokens_per_problem=generator_tokens / len(judged_here),
                    judge_share=judge_tokens / max(1, judge_tokens + generator_tokens),
                    judge_seconds_per_problem=sum(r["seconds"] for r in judged_here) / len(judged_here),
                    judge_errors=sum(len(r.get("judge_errors", [])) for r in judged_here),
                    position_bias=position_bias(judged_here) if any(r["orders"] for r in judged_here) else None)
    args.out.write_text(json.dumps(results, indent=1))
    for k in ks:
        print(f"\nk = {k}")
        for name, entry in results["selectors"].items():
            if str(k) not in entry:
                continue
            e = entry[str(k)]
            acc, sel = e["accuracy"], e["selection"]
            extra = (f"  judge {e['judge_tokens_per_problem']:.0f} tok/judged problem ({e['judge_share']:.0%} of its tokens), "
                     f"{e['judge_calls_per_problem']:.1f} calls" if "judge_tokens_per_problem" in e else "")
            print(f"  {name:28s} {acc['mean']:.1%} ({acc['ci'][0]:.1%}-{acc['ci'][1]:.1%})"
                  + (f"  selection {sel['mean']:.1%} of {sel['n']}" if sel else "")
                  + (f"  {e['tokens_per_problem']:.0f} tok/problem" if "tokens_per_problem" in e else "") + extra)


if __name__ == "__main__":
    asyncio.run(main())
