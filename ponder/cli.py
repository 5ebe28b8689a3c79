"""The `ponder` command. Each subcommand parses arguments, calls one library function, prints."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

from ponder.budget import EFFORT_LEVELS, BudgetError, Limits, Price, load_effort_presets, DEFAULT_EFFORTS
from ponder.generators.base import GeneratorError
from ponder.strategies import STRATEGIES
from ponder.scaling.report import ReportError
from ponder.storage import StoreError
from ponder.scaling.sweep import SweepError
from ponder.strategies.adaptive import Allocation
from ponder.strategies.base import StrategyError
from ponder.tasks import TASKS, get_task
from ponder.tasks.base import ProblemError, TaskError, load_problems
from ponder.games.errors import GameError
from ponder.server.config import ConfigError
from ponder.trace import TraceError
from ponder.types import SamplingParams

log = logging.getLogger("ponder")
USER_ERRORS = (GameError, ConfigError, BudgetError, GeneratorError, ProblemError, StrategyError, TaskError, TraceError, ReportError, StoreError, SweepError)


class CliError(Exception):
    """A usage error with a message for the user."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries()
    try:
        return args.run(args)
    except USER_ERRORS + (CliError,) as error:
        print(f"ponder: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ponder: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line for the user, the traceback with --debug
        if args.debug:
            raise
        print(f"ponder: internal error: {type(error).__name__}: {error} (run with --debug for details)", file=sys.stderr)
        return 1


def _quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ponder", description="Make models think longer under a budget.")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    parser.set_defaults(run=lambda args: parser.print_help() or 0)
    commands = parser.add_subparsers(title="commands")

    solve = commands.add_parser("solve", help="solve one problem or a file of problems")
    solve.add_argument("text", nargs="?", help="a problem in words, e.g. 'Use the numbers 3, 5, 7 and 11 to make 24.'")
    solve.add_argument("--task", choices=list(TASKS), help="task of the problems (default: recognised from the text; countdown for --count)")
    solve.add_argument("--input", type=Path, help="JSONL file of problems of --task")
    solve.add_argument("--count", type=int, help="solve this many built-in held-out problems of --task")
    solve.add_argument("--problem-seed", type=int, default=0, help="which built-in problems (with --count)")
    solve.add_argument("--model", default="embedded", help="embedded (default), openai:MODEL@BASE_URL or hf:PATH")
    solve.add_argument("--strategy", choices=list(STRATEGIES), help="default: best_of_n (single for --effort none)")
    solve.add_argument("--effort", choices=EFFORT_LEVELS, help="budget preset (default: medium)")
    solve.add_argument("--effort-config", type=Path, help="JSON file overriding effort presets")
    solve.add_argument("--max-candidates", type=int)
    solve.add_argument("--max-tokens", type=int, help="generated tokens, generator and verifier together")
    solve.add_argument("--max-calls", type=int, help="generator requests")
    solve.add_argument("--max-seconds", type=float)
    solve.add_argument("--max-dollars", type=float, help="needs --price-table")
    solve.add_argument("--price-table", type=Path, help='JSON {"MODEL": {"prompt": $/Mtok, "completion": $/Mtok}}')
    solve.add_argument("--temperature", type=float, default=1.0)
    solve.add_argument("--top-p", type=float, default=1.0)
    solve.add_argument("--max-new-tokens", type=int, default=256, help="cap on each candidate's length")
    solve.add_argument("--seed", type=int, default=0)
    solve.add_argument("--concurrency", type=int, default=1, help="problems solved at once")
    solve.add_argument("--timeout", type=float, default=120.0, help="seconds per backend request")
    solve.add_argument("--trace", type=Path, help="append a JSONL trace of every event here")
    solve.add_argument("--json", action="store_true", help="one JSON object per problem on stdout")
    solve.set_defaults(run=run_solve)

    solve.add_argument("--allocation", type=Path, help="the adaptive strategy's policy (allocation.json from `ponder scale`)")

    scale = commands.add_parser("scale", help="measure accuracy vs inference compute: curves, fits, compute-optimal allocation, report")
    scale.add_argument("--task", choices=list(TASKS), default="countdown")
    scale.add_argument("--input", type=Path, help="JSONL file of problems of --task (default: built-in held-out problems)")
    scale.add_argument("--problems", type=int, default=100, help="how many built-in problems (without --input)")
    scale.add_argument("--problem-seed", type=int, default=0, help="which built-in problems")
    scale.add_argument("--model", default="embedded", help="embedded (default), openai:MODEL@BASE_URL or hf:PATH")
    scale.add_argument("--strategies", default="single,best_of_n,majority,weighted_majority,revise",
                       help="comma-separated; pool strategies are estimated at every budget, revise and adaptive run per budget")
    scale.add_argument("--max-candidates", type=int, default=64, help="N: samples per problem (the largest budget)")
    scale.add_argument("--seed", type=int, default=0)
    scale.add_argument("--out", type=Path, required=True, help="output folder; re-running with the same arguments resumes it")
    scale.add_argument("--temperature", type=float, default=1.0)
    scale.add_argument("--top-p", type=float, default=1.0)
    scale.add_argument("--max-new-tokens", type=int, default=256, help="cap on each sample's length")
    scale.add_argument("--concurrency", type=int, default=4, help="generator requests in flight")
    scale.add_argument("--retries", type=int, default=3, help="retries of a failed request, with exponential backoff")
    scale.add_argument("--backoff", type=float, default=1.0, help="seconds before the first retry (doubling)")
    scale.add_argument("--timeout", type=float, default=120.0, help="seconds per backend request")
    scale.add_argument("--bins", type=int, default=4, help="difficulty bins for compute-optimal allocation")
    scale.add_argument("--price-table", type=Path, help="show running spend in dollars (see solve --price-table)")
    scale.set_defaults(run=run_scale)

    report = commands.add_parser("report", help="re-render a sweep's curves, plots and report from its stored samples")
    report.add_argument("dir", type=Path)
    report.set_defaults(run=run_report)

    tasks = commands.add_parser("tasks", help="list the tasks")
    tasks.set_defaults(run=run_tasks)

    demo = commands.add_parser("demo", help="a small scaling sweep of the embedded model: table, plots and report, in about a minute")
    demo.add_argument("--problems", type=int, default=100, help="held-out problems per task")
    demo.add_argument("--out", type=Path, default=Path("ponder-demo"), help="where the reports go (default: ./ponder-demo)")
    demo.set_defaults(run=run_demo)

    serve = commands.add_parser(
        "serve",
        help="an OpenAI-compatible server whose models think when asked (reasoning_effort)",
        description="Serve the embedded model and any configured backends over the OpenAI Chat Completions API. "
        "Requests with reasoning_effort (or extra_body ponder options) think under a budget; others pass through.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", type=Path, help="JSON or TOML file of server settings (flags override it)")
    serve.add_argument("--backend", action="append", default=[], metavar="NAME=SPEC",
                       help="serve a backend under NAME: SPEC is 'openai:MODEL@URL' or 'hf:PATH' (repeatable)")
    serve.add_argument("--no-embedded", action="store_true", help="do not serve the embedded model")
    serve.add_argument("--api-key", action="append", default=[], metavar="KEY",
                       help="require this bearer key (repeatable; also PONDER_API_KEYS, comma-separated)")
    serve.add_argument("--max-concurrency", type=int, help="chat requests in flight before 429 (default 256)")
    serve.add_argument("--effort-config", type=Path, help="JSON of effort presets, as for solve")
    serve.add_argument("--trace-dir", type=Path, help="write one JSONL trace per thinking request here")
    serve.add_argument("--backend-timeout", type=float, help="seconds per backend request (default 60)")
    serve.add_argument("--backend-retries", type=int, help="retries after a backend failure (default 2)")
    serve.add_argument("--shutdown-timeout", type=float, help="seconds in-flight requests get on shutdown (default 10)")
    serve.add_argument("--no-n", action="store_true", help="refuse n > 1 on raw requests, like some backends")
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.set_defaults(run=run_serve)

    games = commands.add_parser("games", help="exact solvers for games (OpenSpiel rules)")
    game_commands = games.add_subparsers(title="games commands", required=True)
    solve_game = game_commands.add_parser("solve", help="each player's value under perfect play (small perfect-information games)")
    solve_game.add_argument("game", help="an OpenSpiel game name, e.g. tic_tac_toe")
    solve_game.add_argument("--history", default="", help="OpenSpiel action ids played so far, space-separated")
    solve_game.add_argument("--json", action="store_true")
    solve_game.set_defaults(run=run_games_solve)
    cfr = game_commands.add_parser("cfr", help="CFR+ equilibrium of a two-player zero-sum game: value and exploitability")
    cfr.add_argument("game", help="an OpenSpiel game name, e.g. kuhn_poker, leduc_poker")
    cfr.add_argument("--iterations", type=int, default=1000)
    cfr.add_argument("--json", action="store_true")
    cfr.add_argument("--policy-out", type=Path, help="write the average policy as {infostate: {action: probability}}")
    cfr.set_defaults(run=run_games_cfr)
    exploit = game_commands.add_parser("exploit", help="exact exploitability of any player in a two-player zero-sum poker game (Kuhn, Leduc)")
    exploit.add_argument("game", help="an OpenSpiel game name, e.g. kuhn_poker, leduc_poker")
    exploit.add_argument("--player", required=True, help="a player spec, e.g. random, cfr:1000, llm:embedded?mode=listed")
    exploit.add_argument("--seed", type=int, default=0, help="seeds the player's sampling")
    exploit.add_argument("--json", action="store_true")
    exploit.set_defaults(run=run_games_exploit)

    arena = commands.add_parser(
        "arena", help="round robin between game players: ratings with CIs, replays, report (resumable)",
        description="Play every pair of players (seats swapped), rate them, write a report. "
        "Player specs: random, mcts:SIMULATIONS, solver, cfr:ITERATIONS, llm:MODEL?mode=none|listed|tool, "
        "pikl:SIMULATIONS?lambda=L&anchor=SPEC. `ponder arena replay DIR` prints stored games.",
    )
    arena.add_argument("--game", help="an OpenSpiel game name: tic_tac_toe, connect_four, kuhn_poker, leduc_poker, "
                       "'repeated_game(stage_game=matrix_pd(),num_repetitions=10)', ...")
    arena.add_argument("--players", help="player specs, comma-separated")
    arena.add_argument("--scale", help="one player at several budgets, e.g. mcts:1,4,16,64,256,1024 (strength vs budget)")
    arena.add_argument("--games", type=int, default=20, help="games per pair, seats alternating (default 20)")
    arena.add_argument("--seed", type=int, default=0)
    arena.add_argument("--out", type=Path, help="output folder (default ponder-arena/GAME); re-run to resume")
    arena.set_defaults(run=run_arena)
    arena_commands = arena.add_subparsers(title="arena commands", dest="arena_command")
    replay_games = arena_commands.add_parser("replay", help="re-apply stored games on the rules and print them")
    replay_games.add_argument("path", type=Path, help="an arena output folder or a replays.jsonl file")
    replay_games.add_argument("--index", type=int, help="only this game (0-based; default: all)")
    replay_games.set_defaults(run=run_arena_replay)

    trace = commands.add_parser("trace", help="read traces")
    trace_commands = trace.add_subparsers(title="trace commands", required=True)
    show = trace_commands.add_parser("show", help="print a trace readably")
    show.add_argument("file", type=Path)
    show.set_defaults(run=run_trace_show)
    return parser


# -- solve ---------------------------------------------------------------------------------------
def run_solve(args: argparse.Namespace) -> int:
    from ponder.engine import make_plan
    from ponder.generators import load_generator

    task, problems, errors = _problems(args)
    if not problems and not errors:
        raise CliError("no problems to solve")
    for error in errors:
        log.warning("line %d (%s): %s", error.line, error.id or "no id", error.message)
    presets = load_effort_presets(args.effort_config) if args.effort_config else DEFAULT_EFFORTS
    overrides = Limits(
        max_candidates=args.max_candidates,
        max_tokens=args.max_tokens,
        max_calls=args.max_calls,
        max_seconds=args.max_seconds,
        max_dollars=args.max_dollars,
    )
    _check_sampling(args)
    generator = load_generator(args.model, timeout=args.timeout)
    plan = make_plan(
        strategy=args.strategy,
        effort=args.effort,
        overrides=overrides,
        params=SamplingParams(temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_new_tokens),
        seed=args.seed,
        presets=presets,
        price=_price(args.price_table, generator.name) if args.price_table else None,
        options={"allocation": Allocation.load(args.allocation)} if args.allocation else None,
    )
    summary = asyncio.run(_solve(args, task, problems, generator, plan))
    for error in errors:
        _emit(args, {"id": error.id, "line": error.line, "error": error.message})
    checked = summary["checked"]
    print(
        f"{len(problems)} problem{'' if len(problems) == 1 else 's'}, {len(errors)} malformed, {summary['failed']} failed"
        + (f"; accuracy {summary['correct'] / checked:.1%} ({summary['correct']}/{checked})" if checked else "")
        + f"; {summary['tokens']} generated tokens",
        file=sys.stderr,
    )
    return 1 if summary["failed"] else 0


def _check_sampling(args: argparse.Namespace) -> None:
    if args.temperature < 0:
        raise CliError("--temperature must be >= 0")
    if not 0 < args.top_p <= 1:
        raise CliError("--top-p must be in (0, 1]")
    if args.max_new_tokens < 1:
        raise CliError("--max-new-tokens must be at least 1")
    if args.concurrency < 1:
        raise CliError("--concurrency must be at least 1")


def _problems(args: argparse.Namespace):
    from ponder.tasks.text import problem_from_text

    sources = sum(x is not None for x in (args.text, args.input, args.count))
    if sources != 1:
        raise CliError("give exactly one of: a problem text, --input FILE, --count N")
    if args.text is not None:
        problem = problem_from_text(args.text, args.task)
        return get_task(problem.task), [problem], []
    task = get_task(args.task or "countdown")
    if args.input is not None:
        problems, errors = load_problems(task, args.input)
        return task, problems, errors
    if args.count < 1:
        raise CliError("--count must be at least 1")
    return task, task.generate(args.count, args.problem_seed), []


def _price(path: Path, model: str) -> Price:
    try:
        table = json.loads(path.read_text())
        entry = table[model] if model in table else table[model.split("@")[0].removeprefix("openai:")]
        return Price(prompt=float(entry["prompt"]), completion=float(entry["completion"]))
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(f"cannot read price table {path}: {error}") from None
    except (KeyError, TypeError, ValueError):
        raise CliError(f"price table {path} has no valid entry for model {model!r}") from None


async def _solve(args, task, problems, generator, plan) -> dict[str, Any]:
    from tqdm import tqdm

    from ponder.engine import solve_all
    from ponder.trace import TraceWriter, event_record, result_record

    writer = TraceWriter(args.trace) if args.trace else None
    summary = {"correct": 0, "checked": 0, "failed": 0, "tokens": 0}
    bar = tqdm(total=len(problems), desc="solving", unit="problem", file=sys.stderr, disable=len(problems) < 2)
    single = len(problems) == 1 and not args.json

    def on_event(event) -> None:
        if writer:
            writer.write(event_record(event))
        if single and event.kind in ("candidate", "scored", "decision", "error"):
            print(f"  {event.message}", file=sys.stderr)

    try:
        async for outcome in solve_all(problems, task, generator, plan, concurrency=args.concurrency, on_event=on_event):
            bar.update()
            record: dict[str, Any] = {"id": outcome.problem.id}
            if outcome.result is None:
                summary["failed"] += 1
                record["error"] = outcome.error
            else:
                result = outcome.result
                if writer:
                    writer.write(result_record(result, outcome.correct))
                summary["tokens"] += result.usage.generated_tokens
                if outcome.correct is not None:
                    summary["checked"] += 1
                    summary["correct"] += outcome.correct
                record.update(
                    answer=result.answer,
                    correct=outcome.correct,
                    strategy=result.strategy,
                    stop_reason=result.stop_reason,
                    candidates=len(result.candidates),
                    usage=result.usage.to_dict(),
                )
                if single:
                    record["text"] = result.text
            _emit(args, record)
            if summary["checked"]:
                bar.set_postfix(accuracy=f"{summary['correct'] / summary['checked']:.0%}", tokens=summary["tokens"])
    finally:
        bar.close()
        if writer:
            writer.close()
    return summary


def _emit(args: argparse.Namespace, record: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(record, ensure_ascii=False), flush=True)
    elif "error" in record:
        print(f"{record['id']}: error: {record['error']}")
    else:
        mark = {True: " correct", False: " wrong", None: ""}[record["correct"]]
        shown = record["answer"] if record["answer"] is not None else repr(record.get("text"))
        tokens = record["usage"]["completion_tokens"] + record["usage"]["verifier_tokens"]
        print(f"{record['id']}: {shown}{mark} [{record['candidates']} candidates, {tokens} tokens, {record['stop_reason']}]")


# -- scale, report -------------------------------------------------------------------------------
def run_scale(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ponder.generators import load_generator
    from ponder.scaling.harness import run_scale as scale
    from ponder.scaling.sweep import SweepConfig

    config = SweepConfig(
        task=args.task, model=args.model, samples=args.max_candidates,
        strategies=tuple(s.strip() for s in args.strategies.split(",") if s.strip()), seed=args.seed,
        temperature=args.temperature, top_p=args.top_p, max_new_tokens=args.max_new_tokens, concurrency=args.concurrency,
        retries=args.retries, backoff=args.backoff, timeout=args.timeout, bins=args.bins,
    )
    task = get_task(args.task)
    if args.input is not None:
        problems, errors = load_problems(task, args.input)
        for error in errors:
            log.warning("line %d (%s): %s", error.line, error.id or "no id", error.message)
        if errors:
            raise CliError(f"{len(errors)} malformed problem(s) in {args.input} (first: line {errors[0].line}: {errors[0].message}); fix them first")
    elif args.problems < 1:
        raise CliError("--problems must be at least 1")
    else:
        problems = task.generate(args.problems, args.problem_seed)
    generator = load_generator(args.model, timeout=args.timeout)
    price = _price(args.price_table, generator.name) if args.price_table else None
    bar = tqdm(desc="sweep", unit="sample", file=sys.stderr, dynamic_ncols=True)

    def on_progress(progress) -> None:
        bar.total = progress.total
        bar.n = progress.done
        spend = {"tokens": f"{progress.tokens:,}"}
        if price is not None:
            spend["spent"] = f"${price.cost(progress.prompt_tokens, progress.tokens):.4f}"
        if progress.failed_units:
            spend["failed"] = progress.failed_units
        bar.set_postfix(spend, refresh=False)
        bar.refresh()

    try:
        summary, analysis = scale(config, problems, task, generator, args.out, command=["ponder", *sys.argv[1:]], on_progress=on_progress)
    except KeyboardInterrupt:
        bar.close()
        print(f"ponder: stopped; everything finished so far is stored in {args.out / 'sweep.sqlite'}. "
              "Re-run the same command to resume.", file=sys.stderr)
        return 130
    bar.close()
    _print_analysis(analysis, args.out)
    for reason in summary.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    if summary.failed_units:
        print(f"ponder: {len(summary.failed_units)} work unit(s) still failed after {args.retries} retries "
              f"(first: {summary.failed_units[0]}); re-run the same command to retry them", file=sys.stderr)
        return 1
    return 0


def run_report(args: argparse.Namespace) -> int:
    from ponder.scaling.report import render

    _print_analysis(render(args.dir), args.dir)
    return 0


def _print_analysis(analysis, out: Path) -> None:
    from ponder.scaling.plot import LABELS
    from ponder.scaling.report import estimate_of, summary_lines

    print(f"{'strategy':<28} {'k':>4} {'tokens/problem':>15} {'accuracy':>9} {'95% CI':>17}  estimate")
    for p in analysis.points:
        print(f"{LABELS.get(p.strategy, p.strategy):<28} {p.candidates:>4} {p.mean_tokens:>15,.1f} {p.accuracy:>9.1%} "
              f"{f'{p.ci_low:.1%}–{p.ci_high:.1%}':>17}  {estimate_of(p, analysis.sequential)}")
    print()
    for line in summary_lines(analysis):
        print(line)
    print(f"\nwrote {out}/: report.html, scaling.png/.svg, frontier.png/.svg, curves.csv, samples.jsonl, allocation.json, manifest.json")


# -- tasks, demo, trace --------------------------------------------------------------------------
def run_tasks(args: argparse.Namespace) -> int:
    for name in TASKS:
        print(f"{name:<12} {get_task(name).description}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from ponder.demo import demo
    from ponder.generators.embedded import EmbeddedGenerator

    if args.problems < 2:
        raise CliError("--problems must be at least 2 (the allocation is cross-validated over two halves)")
    started = time.monotonic()
    generator = EmbeddedGenerator()
    bars: dict[str, tqdm] = {}

    def on_progress(task: str, progress) -> None:
        bar = bars.get(task) or bars.setdefault(task, tqdm(desc=task, unit="sample", file=sys.stderr))
        bar.total, bar.n = progress.total, progress.done
        bar.set_postfix(tokens=f"{progress.tokens:,}", refresh=False)
        bar.refresh()

    try:
        results = asyncio.run(demo(generator, args.out, args.problems, on_progress))
    finally:
        for bar in bars.values():
            bar.close()
    print(f"\nponder demo: {generator.name} ({generator.parameter_count:,} parameters), {args.problems} held-out problems per task")
    for config, _, analysis in results:
        print(f"\n== {config.task}: N = {config.samples} samples per problem, every budget estimated from them ==")
        _print_analysis(analysis, args.out / config.task)
    print(f"\nSpending more inference compute, checked by a verifier or a vote, buys accuracy; open "
          f"{args.out}/*/report.html for the curves. ({time.monotonic() - started:.0f}s)")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import os
    from dataclasses import replace

    from ponder.server.app import serve
    from ponder.server.config import ServerConfig, load_config, parse_backend

    config = load_config(args.config) if args.config else ServerConfig()
    keys = [k.strip() for k in os.environ.get("PONDER_API_KEYS", "").split(",") if k.strip()] + args.api_key
    changes: dict[str, Any] = {
        "backends": {**config.backends, **dict(parse_backend(b) for b in args.backend)},
        "api_keys": config.api_keys | frozenset(keys),
    }
    if args.no_embedded:
        changes["embedded"] = False
    if args.no_n:
        changes["support_n"] = False
    if args.effort_config:
        changes["efforts"] = load_effort_presets(args.effort_config)
    for name in ("max_concurrency", "trace_dir", "backend_timeout", "backend_retries", "shutdown_timeout"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    config = replace(config, **changes)
    if not config.embedded and not config.backends:
        raise CliError("nothing to serve: give --backend NAME=SPEC or drop --no-embedded")
    if args.host not in ("127.0.0.1", "localhost", "::1") and not config.api_keys:
        log.warning("serving on %s without API keys: anyone who can reach it can spend its compute", args.host)
    requests_log = logging.getLogger("ponder.server.requests")
    if not args.quiet:  # one JSON line per request on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        requests_log.addHandler(handler)
        requests_log.setLevel(logging.INFO)
        requests_log.propagate = False
    print(f"ponder: serving {', '.join((['ponder-tiny'] if config.embedded else []) + list(config.backends))} "
          f"on http://{args.host}:{args.port}/v1", file=sys.stderr, flush=True)
    serve(config, args.host, args.port)
    return 0


def run_games_solve(args: argparse.Namespace) -> int:
    from ponder.games.rules.openspiel import load
    from ponder.games.solvers.exact import exact_values, state_after

    try:
        history = [int(a) for a in args.history.split()]
    except ValueError:
        raise CliError(f"--history takes OpenSpiel action ids (integers), got {args.history!r}") from None
    values = exact_values(state_after(load(args.game), history))
    if args.json:
        print(json.dumps({"game": args.game, "history": history, "values": values}))
    else:
        print(f"{args.game} after [{' '.join(map(str, history))}]: " + ", ".join(f"player {p} {v:+g}" for p, v in enumerate(values)))
    return 0


def run_games_cfr(args: argparse.Namespace) -> int:
    from ponder.games.solvers.cfr import run_cfr_plus
    from ponder.games.solvers.passes import exploitability, game_value
    from ponder.games.rules.tree import build, policy_dict

    if args.iterations < 1:
        raise CliError("--iterations must be at least 1")
    tree = build(args.game)
    with _progress(args.iterations, "CFR+ iterations") as bar:
        solution = run_cfr_plus(tree, args.iterations, on_progress=lambda done: bar.update(done - bar.n))
    value = game_value(tree, solution.average)
    report = {
        "game": args.game,
        "iterations": solution.iterations,
        "seconds": solution.seconds,
        "iterations_per_second": solution.iterations / solution.seconds,
        "values": [value, -value],
        "exploitability": exploitability(tree, solution.average),
    }
    if args.policy_out:
        args.policy_out.write_text(json.dumps(policy_dict(tree, solution.average), indent=1))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.game}: {tree.num_infosets} information sets, {solution.iterations} iterations in "
              f"{solution.seconds:.2f} s ({report['iterations_per_second']:.0f}/s)")
        print(f"value: player 0 {value:+.6f}, player 1 {-value:+.6f}; exploitability {report['exploitability']:.2e}")
    return 0


def run_games_exploit(args: argparse.Namespace) -> int:
    from ponder.games.arena.exploit import exploitability_of
    from ponder.games.rules.openspiel import load
    from ponder.games.players.registry import load_player

    player = load_player(args.player, args.game, load(args.game))
    with _progress(None, "information sets") as bar:
        result = asyncio.run(exploitability_of(args.game, player, args.seed, on_progress=lambda done: bar.update(done - bar.n)))
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(f"{args.game}, {result.player}: exploitability {result.exploitability:.6g} (a best responder's mean win per game over both seats)")
        print(f"value in seat 0 against itself {result.value:+.6f}; {result.infosets} information sets queried once each, "
              f"{result.fallbacks} decided by its invalid-move fallback")
    return 0


def run_arena(args: argparse.Namespace) -> int:
    from ponder.games.arena.tournament import ArenaConfig, load_players, scale_players
    from ponder.games.arena.tournament import run_arena as play
    from ponder.games.arena.report import table_lines, write_report
    from ponder.games.arena.store import STORE_NAME

    if not args.game:
        raise CliError("--game is required, e.g. --game connect_four")
    if bool(args.players) == bool(args.scale):
        raise CliError("give either --players P1,P2,... or --scale KIND:B1,B2,...")
    players = scale_players(args.scale)[0] if args.scale else [p.strip() for p in args.players.split(",") if p.strip()]
    config = ArenaConfig(args.game, tuple(players), args.games, args.seed, args.scale)
    out = args.out or Path("ponder-arena") / re.sub(r"[^A-Za-z0-9_.-]+", "_", args.game)
    loaded = load_players(config)
    with _progress(None, "games") as bar:
        def on_progress(progress) -> None:
            bar.total, bar.n = progress.total, progress.done
            if progress.failed:
                bar.set_postfix(failed=progress.failed, refresh=False)
            bar.refresh()

        try:
            progress = asyncio.run(play(config, out, loaded, on_progress))
        except KeyboardInterrupt:
            print(f"ponder: stopped; every finished game is stored in {out / STORE_NAME}. Re-run the same command to resume.", file=sys.stderr)
            return 130
    analysis = write_report(config, out)
    for line in table_lines(analysis):
        print(line)
    if progress.failed:
        print(f"{progress.failed} game(s) failed; re-run the same command to play them", file=sys.stderr)
    print(f"report: {out / 'report.html'}; replays: {out / 'replays.jsonl'}")
    return 0 if progress.done == progress.total else 1


def run_arena_replay(args: argparse.Namespace) -> int:
    from ponder.games.arena.replay import describe, read_replays

    records = read_replays(args.path)
    if args.index is not None and not 0 <= args.index < len(records):
        raise CliError(f"--index must be between 0 and {len(records) - 1}")
    chosen = range(len(records)) if args.index is None else [args.index]
    for index in chosen:
        for line in describe(records[index], index):
            print(line)
    return 0


def _progress(total: int | None, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=unit, disable=not sys.stderr.isatty(), leave=False)


def run_trace_show(args: argparse.Namespace) -> int:
    from ponder.trace import render

    for line in render(args.file):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
