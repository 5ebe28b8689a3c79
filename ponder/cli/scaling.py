"""`ponder scale`, `ponder report`, `ponder demo`. Flag defaults are SweepConfig's."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from ponder.cli.common import CliError, add_command, add_model_flags, add_sampling_flags, default, load_model, price_of, warn_malformed
from ponder.scaling.config import SweepConfig
from ponder.tasks import TASKS


def register(commands: argparse._SubParsersAction) -> None:
    d = lambda name: default(SweepConfig, name)  # noqa: E731
    scale = add_command(commands, "scale")
    scale.add_argument("--task", choices=list(TASKS), default=d("task"))
    scale.add_argument("--input", type=Path, help="JSONL file of problems of --task (default: built-in held-out problems)")
    scale.add_argument("--problems", type=int, default=100, help="how many built-in problems (without --input)")
    scale.add_argument("--problem-seed", type=int, default=0, help="which built-in problems")
    add_model_flags(scale, timeout=d("timeout"))
    scale.add_argument("--strategies", default=",".join(d("strategies")),
                       help="comma-separated; pool strategies are estimated at every budget, the others run per budget (default %(default)s)")
    scale.add_argument("--samples", type=int, default=None, help=f"N: samples per problem, the largest budget (default {d('samples')})")
    scale.add_argument("--max-candidates", type=int, default=None, help=argparse.SUPPRESS)  # the old name of --samples
    scale.add_argument("--seed", type=int, default=d("seed"))
    scale.add_argument("--out", type=Path, required=True, help="output folder; re-running with the same arguments resumes it")
    add_sampling_flags(scale, d("temperature"), d("top_p"), d("max_new_tokens"))
    run = scale.add_argument_group("running")
    run.add_argument("--concurrency", type=int, default=d("concurrency"), help="generator requests in flight (default %(default)s)")
    run.add_argument("--retries", type=int, default=d("retries"), help="retries of a failed request, with exponential backoff (default %(default)s)")
    run.add_argument("--backoff", type=float, default=d("backoff"), help="seconds before the first retry, doubling (default %(default)s)")
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
    values["strategies"] = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    values["samples"] = default(SweepConfig, "samples") if samples is None else samples
    return SweepConfig(**values)


def run_scale(args: argparse.Namespace) -> int:
    from ponder.cli.progress import Progress
    from ponder.scaling.harness import run_scale as scale
    from ponder.tasks import get_task
    from ponder.tasks.base import load_problems

    config = sweep_config(args)
    task = get_task(args.task)
    if args.input is not None:
        problems, errors = load_problems(task, args.input)
        warn_malformed(errors)
        if errors:
            raise CliError(f"{len(errors)} malformed problem(s) in {args.input} (first: line {errors[0].line}: {errors[0].message}); fix them first")
    elif args.problems < 1:
        raise CliError("--problems must be at least 1")
    else:
        problems = task.generate(args.problems, args.problem_seed)
    generator = load_model(args.model, args.timeout)
    price = price_of(args.price_table, generator, args.model) if args.price_table else None
    bar = Progress("sweep", "sample")

    def on_progress(progress) -> None:
        spend = {"tokens": f"{progress.tokens:,}"}
        if price is not None:
            spend["spent"] = f"${price.cost(progress.prompt_tokens, progress.tokens):.4f}"
        if progress.failed_units:
            spend["failed"] = progress.failed_units
        bar.update(progress.done, total=progress.total, postfix=spend)

    try:
        summary, analysis = scale(config, problems, task, generator, args.out, command=["ponder", *sys.argv[1:]], on_progress=on_progress)
    except KeyboardInterrupt:
        bar.close()
        print(f"ponder: stopped; everything finished so far is stored in {args.out / 'sweep.sqlite'}. "
              "Re-run the same command to resume.", file=sys.stderr)
        return 130
    bar.close()
    print_analysis(analysis, args.out)
    for reason in summary.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    if summary.failed_units:
        print(f"ponder: {len(summary.failed_units)} work unit(s) still failed after {config.retries} retries "
              f"(first: {summary.failed_units[0]}); re-run the same command to retry them", file=sys.stderr)
        return 1
    return 0


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
    from ponder.demo import demo
    from ponder.generators import load_generator

    if args.problems < 2:
        raise CliError("--problems must be at least 2 (the allocation is cross-validated over two halves)")
    started = time.monotonic()
    generator = load_generator("embedded")
    bars: dict[str, Progress] = {}

    def on_progress(task: str, progress) -> None:
        if task not in bars:  # the demo sweeps its tasks one after another
            for done in bars.values():
                done.close()
            bars[task] = Progress(task, "sample")
        bar = bars[task]
        bar.update(progress.done, total=progress.total, postfix={"tokens": f"{progress.tokens:,}"})

    try:
        results = asyncio.run(demo(generator, args.out, args.problems, on_progress))
    finally:
        for bar in bars.values():
            bar.close()
    print(f"\nponder demo: {generator.name} ({generator.parameter_count:,} parameters), {args.problems} held-out problems per task")
    for config, _, analysis in results:
        print(f"\n== {config.task}: N = {config.samples} samples per problem, every budget estimated from them ==")
        print_analysis(analysis, args.out / config.task)
    print(f"\nSpending more inference compute, checked by a verifier or a vote, buys accuracy; open "
          f"{args.out}/*/report.html for the curves. ({time.monotonic() - started:.0f}s)")
    return 0
