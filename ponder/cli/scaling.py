"""`ponder scale`, `ponder report`, `ponder demo`. Flag defaults are SweepConfig's."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from ponder.cli.common import (
    CliError, add_command, add_model_flags, add_sampling_flags, default, few_shot_text, load_model, model_for, stops, price_of, warn_malformed,
)
from ponder.scaling.config import SweepConfig
from ponder.tasks import TASKS
from ponder.workers.choose import add_worker_flags


def register(commands: argparse._SubParsersAction) -> None:
    d = lambda name: default(SweepConfig, name)  # noqa: E731
    scale = add_command(commands, "scale")
    scale.add_argument("--task", choices=list(TASKS), default=d("task"))
    scale.add_argument("--input", type=Path, help="JSONL file of problems of --task (default: built-in held-out problems)")
    scale.add_argument("--problems", type=int, default=100, help="how many built-in problems (without --input)")
    scale.add_argument("--problem-seed", type=int, default=0, help="which built-in problems")
    add_model_flags(scale, timeout=d("timeout"))
    scale.add_argument("--strategies", default=None,
                       help=f"comma-separated; pool strategies are estimated at every budget, the others run per budget (default {','.join(d('strategies'))}; "
                            f"with --thinking-budgets: {','.join(THINKING_STRATEGIES)})")
    scale.add_argument("--thinking-budgets", help="comma-separated thinking budgets L (tokens per chain): one sweep per L, then "
                                                  "think longer vs wider vs both (longer_vs_wider.*) in --out")
    scale.add_argument("--compare", type=Path, action="append", default=[], metavar="DIR",
                       help="with --thinking-budgets: a finished sweep of another model on the same problems (e.g. ponder-tiny), "
                            "drawn as another think-wider curve and offered to the (k, L) allocator (repeatable)")
    scale.add_argument("--samples", type=int, default=None, help=f"N: samples per problem, the largest budget (default {d('samples')})")
    scale.add_argument("--max-candidates", type=int, default=None, help=argparse.SUPPRESS)  # the old name of --samples
    scale.add_argument("--seed", type=int, default=d("seed"))
    scale.add_argument("--out", type=Path, required=True, help="output folder; re-running with the same arguments resumes it")
    add_sampling_flags(scale, d("temperature"), d("top_p"), d("max_new_tokens"))
    run = scale.add_argument_group("running")
    run.add_argument("--concurrency", type=int, default=d("concurrency"), help="generator requests in flight (default %(default)s)")
    run.add_argument("--retries", type=int, default=d("retries"), help="retries of a failed request, with exponential backoff (default %(default)s)")
    run.add_argument("--backoff", type=float, default=d("backoff"), help="seconds before the first retry, doubling (default %(default)s)")
    add_worker_flags(run, "work units (sample chunks, per-budget runs)", default="1 (this process)")
    scale.add_argument("--prm", default=d("prm"), help="process verifier for the step-search strategies (beam, dvts, step_mcts): "
                                                        "exact, learned or openai:MODEL@BASE_URL")
    scale.add_argument("--judge", default=d("judge"), help="the model that judges for judge, pairwise, knockout, round_robin, usc and "
                                                            "self_verify (any model spec; default: the generator itself)")
    scale.add_argument("--bins", type=int, default=d("bins"), help="difficulty bins for compute-optimal allocation (default %(default)s)")
    scale.add_argument("--price-table", type=Path, help="show running spend in dollars (see solve --price-table)")
    scale.set_defaults(run=run_scale, loads_models=True)

    report = add_command(commands, "report")
    report.add_argument("dir", type=Path)
    report.set_defaults(run=run_report)

    demo = add_command(commands, "demo")
    demo.add_argument("--problems", type=int, default=100, help="held-out problems per task")
    demo.add_argument("--out", type=Path, default=Path("ponder-demo"), help="where the reports go (default: ./ponder-demo)")
    demo.set_defaults(run=run_demo, loads_models=True)


THINKING_STRATEGIES = ("think", "best_of_n", "majority", "weighted_majority")


def thinking_budgets(args: argparse.Namespace) -> list[int]:
    if not args.thinking_budgets:
        return []
    try:
        budgets = sorted({int(b) for b in args.thinking_budgets.split(",") if b.strip()})
    except ValueError:
        raise CliError(f"--thinking-budgets takes whole numbers separated by commas, got {args.thinking_budgets!r}") from None
    if not budgets or budgets[0] < 1:
        raise CliError("--thinking-budgets must be whole numbers of at least 1")
    return budgets


def sweep_config(args: argparse.Namespace) -> SweepConfig:
    """The sweep the flags ask for (every SweepConfig field has a flag of the same name)."""
    samples = args.samples
    if args.max_candidates is not None:
        print("ponder: warning: `ponder scale --max-candidates` is deprecated; it is the pool size, now --samples "
              "(in `ponder solve`, --max-candidates stays a limit)", file=sys.stderr)
        if args.max_candidates < 1:
            raise CliError("--max-candidates must be at least 1")
        samples = args.max_candidates if samples is None else samples
    values = {f.name: getattr(args, f.name) for f in fields(SweepConfig) if hasattr(args, f.name)}
    if args.strategies is None:
        values["strategies"] = THINKING_STRATEGIES if thinking_budgets(args) else default(SweepConfig, "strategies")
    else:
        values["strategies"] = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    values["samples"] = default(SweepConfig, "samples") if samples is None else samples
    values["model"] = model_for(args.model, args.task)  # the store records the model that really ran
    values["stop"] = stops(args)
    values["few_shot"] = few_shot_text(args)
    return SweepConfig(**values)


def run_scale(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace
    from functools import partial

    from ponder.cli.progress import Progress
    from ponder.scaling.harness import scale
    from ponder.scaling.sweep import SweepState, needed_judge, needed_prm, sweep_state
    from ponder.tasks import get_task
    from ponder.tasks.base import load_problems
    from ponder.workers.choose import open_workers

    config = sweep_config(args)
    budgets = thinking_budgets(args)
    others = compared(args, budgets)
    task = get_task(args.task)
    config = checked_for(task, config, named=args.strategies is not None)
    if args.input is not None:
        problems, errors = load_problems(task, args.input)
        warn_malformed(errors)
        if errors:
            raise CliError(f"{len(errors)} malformed problem(s) in {args.input} (first: line {errors[0].line}: {errors[0].message}); fix them first")
    elif args.problems < 1:
        raise CliError("--problems must be at least 1")
    else:
        problems = task.generate(args.problems, args.problem_seed)
    generator = load_model(config.model, args.timeout, few_shot=config.few_shot)
    price = price_of(args.price_table, generator, args.model) if args.price_table else None
    bar = Progress("sweep", "sample")

    def on_progress(progress) -> None:
        spend = {"tokens": f"{progress.tokens:,}"}
        if price is not None:
            spend["spent"] = f"${price.cost(progress.prompt_tokens, progress.tokens):.4f}"
        if progress.failed_units:
            spend["failed"] = progress.failed_units
        bar.update(progress.done, total=progress.total, postfix=spend)

    runs = [(config, args.out)] if not budgets else [(replace(config, thinking_tokens=b), args.out / f"thinking-{b}") for b in budgets]
    analyses = {}
    workers = open_workers(partial(sweep_state, config), 1 if args.workers is None and args.ray is None else args.workers, args.ray,
                           here=lambda: SweepState(task, generator, needed_prm(config), needed_judge(config)))
    with workers:
        for run_config, out in runs:
            try:
                summary, analysis = asyncio.run(scale(run_config, problems, task, generator, out, command=["ponder", *sys.argv[1:]],
                                                      on_progress=on_progress, workers=workers))
            except KeyboardInterrupt:
                bar.close()
                print(f"ponder: stopped; everything finished so far is stored in {out / 'sweep.sqlite'}. "
                      "Re-run the same command to resume.", file=sys.stderr)
                return 130
            if budgets:
                print(f"\n== thinking budget {run_config.thinking_tokens} tokens per chain ==", file=sys.stderr)
            if analysis is not None:
                print_analysis(analysis, out)
                analyses[run_config.thinking_tokens] = analysis
            if summary.failed_units:
                break
    bar.close()
    if budgets and len(analyses) == len(budgets):
        from ponder.scaling.longer_wider import write

        record = write(args.out, {b: a.points for b, a in analyses.items()}, tables={b: a.table for b, a in analyses.items()},
                       bins=args.bins, seed=args.seed, others=others)
        print((args.out / "longer_vs_wider.md").read_text())
        print(f"wrote {args.out}/longer_vs_wider.png/.svg/.md/.json ({len(record['points'])} points)")
    for reason in summary.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    if summary.failed_units:
        print(f"ponder: {len(summary.failed_units)} work unit(s) still failed after {config.retries} retries "
              f"(first: {summary.failed_units[0]}); re-run the same command to retry them", file=sys.stderr)
        return 1
    return 0


def checked_for(task, config: SweepConfig, named: bool) -> SweepConfig:
    """A task with no verifier (word-problems, chat) takes only strategies that need none: the default list drops
    the others, a named one is refused."""
    from dataclasses import replace

    from ponder.strategies import get_strategy

    if task.verifier is not None:
        return config
    needing = [s for s in config.strategies if get_strategy(s).needs_verifier]
    if needing and named:
        raise CliError(f"task {task.name!r} has no verifier, and {', '.join(needing)} need{'s' if len(needing) == 1 else ''} one; "
                       "choose strategies that need none (single, majority, judge, pairwise, knockout, round_robin, usc, self_verify)")
    return replace(config, strategies=tuple(s for s in config.strategies if s not in needing))


def compared(args: argparse.Namespace, budgets: list[int]) -> list:
    """The --compare sweeps, read now so a wrong folder fails before any sampling."""
    from ponder.scaling.longer_wider import Other
    from ponder.scaling.report import ReportError, stored_analysis

    if args.compare and not budgets:
        raise CliError("--compare needs --thinking-budgets (it adds another model's curve to think longer vs wider)")
    others = []
    for folder in args.compare:
        try:
            analysis, settings, _, _ = stored_analysis(folder)
        except ReportError as error:
            raise CliError(f"--compare {folder}: {error}") from None
        if settings["task"] != args.task:
            raise CliError(f"--compare {folder} is a sweep of {settings['task']}, not {args.task}")
        others.append(Other(settings["model"], analysis.points, analysis.table))
    return others


def run_report(args: argparse.Namespace) -> int:
    from ponder.scaling.report import render

    print_analysis(render(args.dir), args.dir)
    return 0


def print_analysis(analysis, out: Path) -> None:
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


def run_demo(args: argparse.Namespace) -> int:
    import asyncio
    import time

    from ponder.cli.progress import Progress
    from ponder.demo import DEMO_SWEEPS, THINK_SWEEP, demo
    from ponder.loading import load_generator

    if args.problems < 2:
        raise CliError("--problems must be at least 2 (the allocation is cross-validated over two halves)")
    started = time.monotonic()
    generators = {name: load_generator(name) for name in {c.model for c in DEMO_SWEEPS} | {THINK_SWEEP.model}}
    bars: dict[str, Progress] = {}

    def on_progress(name: str, progress) -> None:
        if name not in bars:  # the demo sweeps one after another
            for done in bars.values():
                done.close()
            bars[name] = Progress(name, "sample")
        bar = bars[name]
        bar.update(progress.done, total=progress.total, postfix={"tokens": f"{progress.tokens:,}"})

    try:
        results = asyncio.run(demo(generators, args.out, args.problems, on_progress))
    finally:
        for bar in bars.values():
            bar.close()
    for name, config, _, analysis in results:
        generator = generators[config.model]
        thinking = f", thinking budget {config.thinking_tokens} tokens per chain" if config.thinking_tokens is not None else ""
        print(f"\n== {config.task} with {generator.name} ({generator.parameter_count:,} parameters){thinking}: "
              f"N = {config.samples} samples per problem, every budget estimated from them ==")
        print_analysis(analysis, args.out / (config.task if config.thinking_tokens is None else f"think/{name}"))
    print("\n== think longer vs think wider vs both (ponder-think, countdown with uniformly drawn reachable targets) ==")
    print((args.out / "think" / "longer_vs_wider.md").read_text())
    print(f"Spending more inference compute, checked by a verifier or a vote, buys accuracy. Open {args.out}/*/report.html "
          f"and {args.out}/think/longer_vs_wider.png for the curves. ({time.monotonic() - started:.0f}s)")
    return 0
