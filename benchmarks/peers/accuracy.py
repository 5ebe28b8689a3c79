"""Accuracy per token, head to head: ponder's strategies, optillm's approaches and its_hub's algorithms on one
OpenAI-compatible backend (llama.cpp serving Qwen2.5-Coder-1.5B-Instruct), on the same problems, graded the same way.

Every system reaches the backend through one counting proxy (`counting_proxy.py`), which counts, per system and
problem, the requests and the tokens the backend generated — by ponder's own counter from the returned text, for
everyone alike, never from a system's report. Each system is sent the same user message (the task's prompt) with
the same `max_tokens` and temperature where it passes them on. Answers are graded by the task's hidden tests
(HumanEval, in the sandbox) or hidden answers (word problems); nothing graded is shown to any system unless its
row says so ("visible tests": HumanEval's docstring examples, used by ponder's `best_of_n` and `codet`).

Peers run from their own virtual environments (`benchmarks/peers/setup.sh`): optillm 0.4.0 as its proxy server
(approach by model-name prefix), its_hub 1.2.0 as a library in a subprocess (`its_hub_runner.py`).
Results are stored one line per (task, arm, problem) in OUT/results.jsonl, so a run resumes where it stopped and
more problems or arms can be added later; the table and figure are made from whatever is stored.

    python benchmarks/peers/accuracy.py --backend http://127.0.0.1:8081/v1 [--problems 10] [--arms ARM,...]
    python benchmarks/peers/accuracy.py --report-only     # the table and figure from what is stored
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from counting_proxy import CountingProxy, serve  # noqa: E402

from ponder.budget import Limits  # noqa: E402
from ponder.engine import make_plan, solve  # noqa: E402
from ponder.loading import load_generator  # noqa: E402
from ponder.scaling.estimators import bootstrap_ci  # noqa: E402
from ponder.tasks import get_task  # noqa: E402
from ponder.types import SamplingParams  # noqa: E402

HERE = Path(__file__).resolve().parent
PEERS = Path(os.environ.get("PONDER_PEERS", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ponder" / "peers"))
TASKS = ("humaneval", "word-problems")
FINAL_ANSWER = r"Final answer:\s*\$?\s*(-?[\d,]+(?:\.\d+)?)"  # what the word problems' prompt asks for


@dataclass(frozen=True)
class Arm:
    system: str  # ponder | optillm | its_hub
    method: str  # a ponder strategy, an optillm approach, an its_hub algorithm
    budget: int = 1  # samples (N) where the method takes one; 1 where it does not
    tasks: tuple[str, ...] = TASKS
    options: tuple[tuple[str, object], ...] = ()
    note: str = ""  # what the row is shown (visible tests) or why it is set as it is

    @property
    def name(self) -> str:
        return f"{self.system}:{self.method}" + (f"@{self.budget}" if self.budget > 1 else "")


# Cheapest first: a run that stops early has the baselines. optillm's approaches run at their defaults
# (bon: 3 samples; self_consistency: 5; moa: 3 + critique + final; genselect 4; majority_voting 8), the budgets they
# ship with. Not run: optillm's decoding approaches (cot_decoding, entropy_decoding, thinkdeeper, autothink,
# deepconf) need the logits of a model optillm loads itself, not an HTTP backend; its_hub's beam search and particle
# filtering/Gibbs need a process reward model, and the only one it ships is served by vLLM. optillm's cepo takes no
# request setting (tens of calls of up to 4,096 tokens per problem); its z3 runs model-written code with exec() in
# its own process, and model-written code runs only in a sandbox here.
ARMS = (
    Arm("ponder", "single"),
    Arm("optillm", "none", note="pass-through"),
    Arm("optillm", "re2"),
    Arm("ponder", "majority", 4),
    Arm("its_hub", "self_consistency", 4),
    Arm("ponder", "best_of_n", 4, ("humaneval",), note="visible tests"),
    Arm("ponder", "cluster", 4, ("humaneval",), (("propose_inputs", True),), note="runs programs on inputs the model proposes"),
    Arm("optillm", "bon"),
    Arm("optillm", "self_consistency"),
    Arm("optillm", "genselect", note="plugin: 4 candidates, the model picks one"),
    Arm("optillm", "majority_voting", note="plugin: 8 samples, vote on the extracted answer"),
    Arm("its_hub", "best_of_n_judge", 4),
    Arm("ponder", "usc", 4),
    Arm("optillm", "cot_reflection"),
    Arm("ponder", "reflect", note="one sample: think, check, answer (optillm's cot_reflection, ported)"),
    Arm("ponder", "program", tasks=("word-problems",), note="one sample: the model's program, run in the sandbox, prints the answer"),
    Arm("optillm", "moa"),
    Arm("ponder", "majority", 8),
    Arm("its_hub", "self_consistency", 8),
    Arm("ponder", "codet", 4, ("humaneval",), note="visible tests, then the model's asserts"),
    Arm("ponder", "self_test", 2, note="no test: the model's own tests (code) or program (words), run in the sandbox"),
    Arm("ponder", "self_test", 4, note="no test: the model's own tests (code) or program (words), run in the sandbox"),
    Arm("ponder", "self_test", 8, note="no test: the model's own tests (code) or program (words), run in the sandbox"),
    Arm("optillm", "plansearch"),
    Arm("optillm", "leap"),
    Arm("optillm", "rto"),
    Arm("optillm", "pvg"),
    Arm("optillm", "mcts"),
    Arm("optillm", "mars", note="2 agents, 2 rounds, verification (its light setting, chosen by max_tokens <= 4,000)"),
    Arm("optillm", "rstar", note="5 rollouts of depth 3, a discriminator"),
)


@dataclass
class Outcome:
    text: str = ""
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Context:
    proxy: CountingProxy
    proxy_url: str
    model: str
    max_tokens: int
    temperature: float
    in_flight: int
    tags: dict[str, int] = field(default_factory=dict)

    def tag(self, key: str) -> str:
        return str(self.tags.setdefault(key, len(self.tags) + 1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


Done = Callable[[int, Outcome], Awaitable[None]]  # a problem's outcome, stored as soon as it is known


async def each(problems, tags, one: Callable[[int, Any, str], Awaitable[Outcome]], done: Done) -> None:
    """Run `one` on every problem together, handing each outcome to `done` as it comes."""
    async def finish(index, problem, tag) -> None:
        await done(index, await one(index, problem, tag))

    await asyncio.gather(*(finish(i, p, t) for i, (p, t) in enumerate(zip(problems, tags))))


async def run_ponder(ctx: Context, arm: Arm, task, problems, tags, done: Done) -> None:
    plan = make_plan(strategy=arm.method, overrides=Limits(max_candidates=arm.budget),
                     params=SamplingParams(temperature=ctx.temperature, max_tokens=ctx.max_tokens),
                     options=dict(arm.options), verified=task.verifier is not None)
    slots = asyncio.Semaphore(ctx.in_flight)

    async def one(index, problem, tag) -> Outcome:
        async with slots:
            generator = load_generator(f"openai:{ctx.model}~{tag}@{ctx.proxy_url}/v1", timeout=3600)
            started = time.perf_counter()
            try:
                result = await solve(problem, task, generator, plan, index=index)
            except Exception as error:  # kept in the results; the other problems go on
                return Outcome(error=f"{type(error).__name__}: {error}", seconds=time.perf_counter() - started)
            return Outcome(result.text or "", result.error, time.perf_counter() - started)

    await each(problems, tags, one, done)


class Optillm:
    """optillm's proxy server from its venv, in front of the counting proxy."""

    def __init__(self, ctx: Context):
        self.port = free_port()
        binary = PEERS / "optillm" / "bin" / "optillm"
        if not binary.exists():
            raise SystemExit(f"optillm is not installed at {binary}: run bash benchmarks/peers/setup.sh optillm")
        self.log = open(PEERS / "optillm.log", "ab")
        self.process = subprocess.Popen(
            [str(binary), "--base-url", f"{ctx.proxy_url}/v1", "--port", str(self.port), "--host", "127.0.0.1", "--log", "warning"],
            env={**os.environ, "OPENAI_API_KEY": "none"}, stdout=self.log, stderr=subprocess.STDOUT, cwd=PEERS)
        self.url = f"http://127.0.0.1:{self.port}/v1"

    async def ready(self) -> None:
        import httpx

        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if self.process.poll() is not None:
                    raise SystemExit(f"optillm exited ({self.process.returncode}); see {PEERS / 'optillm.log'}")
                try:
                    if (await client.get(self.url.removesuffix("/v1") + "/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise SystemExit("optillm did not start within 300 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


async def run_optillm(ctx: Context, arm: Arm, optillm: Optillm, problems, tags, done: Done) -> None:
    import openai

    client = openai.AsyncOpenAI(base_url=optillm.url, api_key="none", timeout=3600, max_retries=0)
    slots = asyncio.Semaphore(ctx.in_flight)

    async def one(_, problem, tag) -> Outcome:
        async with slots:
            started = time.perf_counter()
            try:
                response = await client.chat.completions.create(
                    model=f"{arm.method}-{ctx.model}~{tag}", messages=[{"role": "user", "content": problem.prompt}],
                    max_tokens=ctx.max_tokens, temperature=ctx.temperature)
            except Exception as error:
                return Outcome(error=f"{type(error).__name__}: {error}"[:500], seconds=time.perf_counter() - started)
            text = response.choices[0].message.content if response.choices else ""
            return Outcome(text or "", None, time.perf_counter() - started)

    await each(problems, tags, one, done)


async def run_its_hub(ctx: Context, arm: Arm, task, problems, tags, done: Done) -> None:
    python = PEERS / "its_hub" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"its_hub is not installed at {python}: run bash benchmarks/peers/setup.sh its_hub")
    jobs = [{"key": i, "algorithm": arm.method, "budget": arm.budget, "base_url": f"{ctx.proxy_url}/v1", "model": f"{ctx.model}~{tag}",
             "prompt": p.prompt, "max_tokens": ctx.max_tokens, "temperature": ctx.temperature,
             "answer_pattern": FINAL_ANSWER if task.name == "word-problems" else None}
            for i, (p, tag) in enumerate(zip(problems, tags))]
    started = time.perf_counter()
    # Problems in flight: as many as keep the backend's slots busy (its_hub's aiohttp client gives up on a request
    # after 300 s, so a longer queue at the backend would count as its failures, not its accuracy).
    in_flight = str(max(1, ctx.in_flight // arm.budget))
    process = await asyncio.create_subprocess_exec(str(python), str(HERE / "its_hub_runner.py"), in_flight, stdin=subprocess.PIPE,
                                                   stdout=subprocess.PIPE, stderr=open(PEERS / "its_hub.log", "ab"))
    process.stdin.write("".join(json.dumps(j) + "\n" for j in jobs).encode())
    process.stdin.close()
    answered = set()
    async for line in process.stdout:
        try:
            answer = json.loads(line)
        except ValueError:  # something else the library printed; kept in its log
            with open(PEERS / "its_hub.log", "ab") as log:
                log.write(b"stdout: " + line)
            continue
        answered.add(answer["key"])
        await done(answer["key"], Outcome(answer.get("text", ""), answer.get("error"), time.perf_counter() - started))
    await process.wait()
    for key in sorted(set(range(len(jobs))) - answered):
        await done(key, Outcome(error="no answer from its_hub_runner"))


async def settle(ctx: Context, tags: list[str]) -> None:
    """Wait until the proxy has charged every request of these tags (it counts after answering)."""
    while any(ctx.proxy.pending.get(t, 0) for t in tags):
        await asyncio.sleep(0.05)


def load_results(path: Path) -> dict[tuple[str, str, str], dict]:
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                done[(row["task"], row["arm"], row["problem"])] = row
    return done


async def measure(args) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = load_results(results)
    proxy = CountingProxy(args.backend, args.model)
    port = free_port()
    server = await serve(proxy, port)
    run = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, run.cancel)  # stop: the finally below stops optillm
    ctx = Context(proxy, f"http://127.0.0.1:{port}", args.model, args.max_tokens, args.temperature, args.in_flight)
    wanted = set(args.arms.split(",")) if args.arms else None
    arms = [a for a in ARMS if wanted is None or a.name in wanted or a.system in wanted]
    optillm = None
    try:
        tasks = {name: get_task(name) for name in args.tasks.split(",")}
        problem_sets = {name: task.generate(args.problems, seed=0, split="test") for name, task in tasks.items()}
        for arm in arms:  # each arm on every task before the next arm: a run cut short has whole rows
            for task_name, task in tasks.items():
                problems = problem_sets[task_name]
                if task_name not in arm.tasks:
                    continue
                todo = [p for p in problems if (task_name, arm.name, p.id) not in done]
                if not todo:
                    continue
                if arm.system == "optillm" and optillm is None:
                    optillm = Optillm(ctx)
                    await optillm.ready()
                tags = [ctx.tag(f"{task_name}|{arm.name}|{p.id}|{time.time()}") for p in todo]
                print(f"{task_name} {arm.name}: {len(todo)} problems ...", file=sys.stderr, flush=True)
                started = time.perf_counter()

                async def store(index: int, outcome: Outcome) -> None:  # each problem kept as it finishes: a stopped run loses none
                    problem, tag = todo[index], tags[index]
                    await settle(ctx, [tag])
                    tally = proxy.tallies[tag]
                    answer = task.extract(outcome.text) if outcome.text else None
                    correct = bool(task.grade(problem, answer)) if outcome.text else False
                    row = {"task": task_name, "arm": arm.name, "system": arm.system, "method": arm.method, "budget": arm.budget,
                           "note": arm.note, "problem": problem.id, "correct": correct, "answer": (answer or "")[:200],
                           "error": outcome.error, "generated": tally.generated, "prompt": tally.prompt,
                           "requests": tally.requests, "failed_requests": tally.failed, "seconds": round(outcome.seconds, 2),
                           "arm_wall": round(time.perf_counter() - started, 2), "arm_problems": len(todo)}
                    with results.open("a") as sink:
                        sink.write(json.dumps(row) + "\n")
                    done[(task_name, arm.name, problem.id)] = row
                    print(f"  {arm.name} {problem.id}: {'correct' if correct else 'wrong'}, {tally.generated} tokens "
                          f"({sum(k[:2] == (task_name, arm.name) for k in done)} of {len(problems)})", file=sys.stderr, flush=True)

                if arm.system == "ponder":
                    await run_ponder(ctx, arm, task, todo, tags, store)
                elif arm.system == "optillm":
                    await run_optillm(ctx, arm, optillm, todo, tags, store)
                else:
                    await run_its_hub(ctx, arm, task, todo, tags, store)
                wall = time.perf_counter() - started
                rows = [done[(task_name, arm.name, p.id)] for p in problems]
                print(f"  {arm.name}: {sum(r['correct'] for r in rows)}/{len(rows)} correct, "
                      f"{np.mean([r['generated'] for r in rows]):.0f} generated tokens/problem, {wall:.0f} s", file=sys.stderr, flush=True)
    finally:
        if optillm is not None:
            optillm.stop()
        server.should_exit = True
        await asyncio.sleep(0.2)


def report(out: Path, problems: int | None) -> None:
    done = load_results(out / "results.jsonl")
    rng = np.random.default_rng(0)
    lines = []
    points: dict[str, list[tuple[str, float, float, str]]] = {}
    for task_name in TASKS:
        arms = sorted({(r["arm"], r["system"], r["note"]) for (t, _, _), r in done.items() if t == task_name},
                      key=lambda a: [x.name for x in ARMS].index(a[0]) if a[0] in [x.name for x in ARMS] else 99)
        if not arms:
            continue
        ids = sorted({p for (t, _, p) in done if t == task_name})
        common = [p for p in ids if all((task_name, a, p) in done for a, _, _ in arms)]
        if problems:
            common = common[:problems]
        lines += table(done, task_name, arms, common, rng, points.setdefault(task_name, []), "every arm has answered")
        # Arms run on more problems than the rest: their own table over the problems they all answered.
        answered = {a: {p for p in ids if (task_name, a, p) in done} for a, _, _ in arms}
        most = max(len(s) for s in answered.values())
        wide = [arm for arm in arms if len(answered[arm[0]]) == most]
        if len(wide) > 1 and most > len(common):
            lines += table(done, task_name, wide, sorted(set.intersection(*(answered[a] for a, _, _ in wide))), rng, [],
                           "the arms run on more answered")
    text = "\n".join(lines)
    print(text)
    (out / "table.txt").write_text(text + "\n")
    if points:
        figure(points, out / "accuracy_per_token.png")


def table(done, task_name: str, arms, common: list[str], rng: np.random.Generator, points: list, which: str) -> list[str]:
    """One task's table over `common` problems, then the goal check on them; appends the figure's points."""
    lines = [f"\n{task_name}: {len(common)} problems {which} (95% bootstrap CIs over problems)",
             f"{'arm':<34} {'accuracy':>8} {'95% CI':>15} {'gen tok/problem':>15} {'prompt tok':>10} {'requests':>8} "
             f"{'s/problem':>9}  note"]
    for arm, system, note in arms:
        rows = [done[(task_name, arm, p)] for p in common]
        if not rows:
            continue
        correct = [float(r["correct"]) for r in rows]
        low, high = bootstrap_ci(correct, rng)
        tokens = float(np.mean([r["generated"] for r in rows]))
        lines.append(f"{arm:<34} {100 * np.mean(correct):>7.1f}% {100 * low:>6.1f}–{100 * high:>5.1f}% {tokens:>15.0f} "
                     f"{np.mean([r['prompt'] for r in rows]):>10.0f} {np.mean([r['requests'] for r in rows]):>8.1f} "
                     f"{np.mean([r['seconds'] for r in rows]):>9.1f}  {note}"
                     + (f" [{sum(1 for r in rows if r['error'])} errors]" if any(r["error"] for r in rows) else ""))
        points.append((arm, tokens, 100 * float(np.mean(correct)), system, 100 * low, 100 * high))
    return lines + head_to_head([(arm, system, note, [done[(task_name, arm, p)] for p in common]) for arm, system, note in arms], rng)


def head_to_head(arms: list[tuple[str, str, str, list[dict]]], rng: np.random.Generator) -> list[str]:
    """The goal, arm by arm: against each peer arm, ponder's most accurate arm (no test shown) among those that spend
    no more tokens per problem than the peer, on the same problems: the accuracy difference with a paired bootstrap
    95% CI."""
    def tokens(rows: list[dict]) -> float:
        return float(np.mean([r["generated"] for r in rows]))

    ours = [(a, rows) for a, system, note, rows in arms if system == "ponder" and "visible tests" not in note and rows]
    lines = ["ponder (no test shown) against each peer arm at equal or fewer tokens, same problems (paired bootstrap):"]
    for arm, system, _, rows in arms:
        if system == "ponder" or not rows:
            continue
        cheaper = [(a, r) for a, r in ours if tokens(r) <= tokens(rows)]
        if not cheaper:
            lines.append(f"  vs {arm:<32} no ponder arm spends as few tokens ({tokens(rows):.0f}/problem)")
            continue
        best, best_rows = max(cheaper, key=lambda item: (np.mean([r["correct"] for r in item[1]]), -tokens(item[1])))
        difference = np.array([float(a["correct"]) - float(b["correct"]) for a, b in zip(best_rows, rows)])
        low, high = bootstrap_ci(list(difference), rng)
        verdict = "at or above" if difference.mean() >= 0 else "below"
        lines.append(f"  vs {arm:<32} {best:<24} {100 * difference.mean():+6.1f} points ({100 * low:+.1f} to {100 * high:+.1f}) "
                     f"at {tokens(best_rows):.0f} vs {tokens(rows):.0f} tokens: {verdict}")
    return lines


def figure(points, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"ponder": "tab:blue", "optillm": "tab:orange", "its_hub": "tab:green"}
    fig, axes = plt.subplots(1, len(points), figsize=(7 * len(points), 5.2), squeeze=False)
    for ax, (task_name, rows) in zip(axes[0], points.items()):
        for number, (arm, tokens, accuracy, system, low, high) in enumerate(rows):
            ax.errorbar(tokens, accuracy, yerr=[[accuracy - low], [high - accuracy]], color=colours.get(system, "gray"),
                        fmt="o", ms=5, capsize=2, alpha=0.8, lw=0.8)
            ax.annotate(arm.split(":", 1)[1], (tokens, accuracy), fontsize=7, xytext=(4, -3 + 7 * (number % 3 - 1)),
                        textcoords="offset points", color=colours.get(system, "gray"))
        ax.set_xscale("log")
        ax.set_ylim(-2, 102)
        ax.set_xlabel("generated tokens per problem (counted by ponder at the backend)")
        ax.set_ylabel("accuracy (%), 95% CI")
        ax.set_title(f"{task_name} (Qwen2.5-Coder-1.5B, llama.cpp)")
        for system, colour in colours.items():
            ax.scatter([], [], color=colour, label=system)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"figure: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", help="the OpenAI-compatible backend every system uses, e.g. http://127.0.0.1:8081/v1")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct", help="the model name sent to the backend")
    parser.add_argument("--problems", type=int, default=10, help="problems per task (HumanEval's first N; held-out word problems)")
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--arms", help="arms to run (names like ponder:majority@4, or a system name); default all")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--in-flight", type=int, default=4, help="problems in flight at once within an arm")
    parser.add_argument("--out", default="runs/peers", help="where results.jsonl, table.txt and the figure go")
    parser.add_argument("--report-only", action="store_true", help="print the table and draw the figure from stored results")
    args = parser.parse_args()
    if not args.report_only:
        if not args.backend:
            parser.error("--backend URL is needed (or --report-only)")
        try:
            asyncio.run(measure(args))
        except (KeyboardInterrupt, asyncio.CancelledError):
            raise SystemExit(f"stopped; every finished problem is kept in {Path(args.out) / 'results.jsonl'} (run again to resume)")
    report(Path(args.out), args.problems)


if __name__ == "__main__":
    main()
