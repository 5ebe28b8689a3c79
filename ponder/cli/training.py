"""`ponder train` (GRPO on a task's verifier, `training.rl`) and `ponder monitor` (`monitor`)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import fields
from pathlib import Path

from ponder.cli.common import CliError, add_command, default
from ponder.training.recipes import RECIPES
from ponder.training.rl import RLConfig


def register(commands: argparse._SubParsersAction) -> None:
    d = lambda name: default(RLConfig, name)  # noqa: E731
    train = add_command(commands, "train", description="GRPO with outcome-only rewards from the task's verifier; "
                        "re-running the same command resumes from the last checkpoint.")
    train.add_argument("--task", default=d("task"), help="a task with a grader and built-in problems (default %(default)s)")
    train.add_argument("--model", default=d("model"), help="ponder-think (default) or hf:PATH (a checkpoint; one `ponder train` "
                                                           "wrote keeps its family)")
    train.add_argument("--steps", type=int, default=d("steps"), help="optimisation steps (default %(default)s)")
    train.add_argument("--out", type=Path, required=True, help="run folder: metrics.csv, checkpoint/, report.html")
    train.add_argument("--seed", type=int, default=d("seed"))
    train.add_argument("--group", type=int, default=d("group"), help="chains per problem, G (default %(default)s)")
    train.add_argument("--prompts", type=int, default=d("prompts"), help="problems per step (default %(default)s)")
    train.add_argument("--learning-rate", type=float, default=d("learning_rate"), help="AdamW, constant (default %(default)s)")
    train.add_argument("--kl", type=float, default=d("kl"), help="beta: weight of KL to the starting model (default %(default)s; 0 skips it)")
    train.add_argument("--epsilon", type=float, default=d("epsilon"), help="PPO clip range (default %(default)s)")
    train.add_argument("--loss", dest="loss_type", choices=("grpo", "bnpo", "dr_grpo"), default=d("loss_type"),
                       help="token aggregation, as TRL names it (default %(default)s)")
    train.add_argument("--no-scale-rewards", dest="scale_rewards", action="store_false", help="advantages not divided by the group's std (Dr. GRPO)")
    train.add_argument("--thinking", type=int, default=d("thinking"), help="thinking-token cap per chain while training (default %(default)s)")
    train.add_argument("--temperature", type=float, default=d("temperature"))
    train.add_argument("--format-reward", type=float, default=d("format_reward"), help="added for any readable answer (default 0: outcome only)")
    train.add_argument("--save-every", type=int, default=d("save_every"), help="resumable checkpoint every N steps (default %(default)s)")
    train.add_argument("--keep-every", type=int, default=d("keep_every"), help="also keep checkpoints/step-N every N steps")
    train.add_argument("--micro-batch", type=int, default=d("micro_batch"), help="sequences per forward/backward pass")
    train.add_argument("--no-monitor", dest="monitor", action="store_false", help="skip the CoT monitor (it never enters the reward)")
    train.add_argument("--sft", help="supervised warm-up first, from a JSONL of traces (see README)")
    train.add_argument("--sft-steps", type=int, default=100, help="warm-up steps with --sft (default %(default)s)")
    train.add_argument("--threads", type=int, default=d("threads"))
    train.set_defaults(run=run_train, loads_models=True)

    monitor = add_command(commands, "monitor", description="Flag named behaviours in chains: a `ponder solve --trace` "
                          "file or a run's rollouts.jsonl. Flags are reports; nothing trains on them.")
    monitor.add_argument("trace", type=Path, help="a trace or rollouts JSONL file, or a folder of traces (`ponder serve --trace-dir`)")
    monitor.add_argument("--json", action="store_true", help="one JSON record per chain")
    monitor.add_argument("--judge", help="also ask a model (openai:MODEL@BASE_URL) to flag each chain")
    monitor.set_defaults(run=run_monitor)

    recipe = add_command(commands, "recipe", description="Retrain a shipped model from scratch, as its card says it was trained.")
    recipes = recipe.add_subparsers(title="recipes", dest="recipe", required=True)
    for name, spec in RECIPES.items():
        config = getattr(importlib.import_module(spec.module), spec.config)
        one = recipes.add_parser(name, help=spec.summary, description=spec.summary)
        one.add_argument("--out", type=Path, required=True, help="directory for the checkpoint")
        for field in fields(config):
            kind = next((t for t in (float, int, str) if t.__name__ in str(field.type)), None)
            if kind is not None and "bool" not in str(field.type):
                one.add_argument("--" + field.name.replace("_", "-"), type=kind, default=default(config, field.name),
                                 help="(default %(default)s)")
        one.set_defaults(run=run_recipe, config_class=config, module=spec.module, loads_models=True)


def run_recipe(args: argparse.Namespace) -> int:
    import logging

    from ponder.cli.progress import Bars

    logging.getLogger("ponder").setLevel(logging.INFO)
    values = {f.name: getattr(args, f.name) for f in fields(args.config_class) if hasattr(args, f.name)}
    try:
        config = args.config_class(**values)
    except (TypeError, ValueError) as error:
        raise CliError(str(error)) from None
    with Bars(interval=30.0) as bars:
        summary = importlib.import_module(args.module).train(config, args.out, on_progress=bars)
    print(json.dumps(summary, indent=2))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from ponder.cli.progress import Bars
    from ponder.training.report import write_report
    from ponder.training.rl import TrainError, config_from, train

    names = ("task", "model", "steps", "seed", "group", "prompts", "learning_rate", "kl", "epsilon", "loss_type", "scale_rewards",
             "thinking", "temperature", "format_reward", "save_every", "keep_every", "micro_batch", "monitor", "threads")
    values = {name: getattr(args, name) for name in names}
    if args.sft:
        if not Path(args.sft).is_file():
            raise CliError(f"--sft {args.sft}: no such file")
        values.update(sft=str(Path(args.sft).resolve()), sft_steps=args.sft_steps)
    try:
        with Bars() as bars:
            summary = train(config_from(values), args.out, on_progress=bars)
    except (TrainError, ValueError) as error:
        raise CliError(str(error)) from None
    report = write_report(args.out)
    print(f"{args.steps} steps in {args.out} ({summary['train_seconds']:.0f} s of training): checkpoint {summary['checkpoint']}, "
          f"report {report}", file=sys.stderr)
    print(json.dumps(summary))
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    from ponder.monitor.read import MonitorError, read_chains
    from ponder.monitor.rules import BEHAVIOURS, flags

    try:
        chains = read_chains(args.trace)
    except MonitorError as error:
        raise CliError(str(error)) from None
    judge = None
    if args.judge:
        from openai import OpenAIError

        from ponder.monitor.judge import Judge

        try:
            judge = Judge(args.judge)
        except ValueError as error:
            raise CliError(str(error)) from None
    counts = {name: 0 for name in BEHAVIOURS}
    for record in chains:
        found = flags(record.view)
        if judge is not None:
            try:
                judged = judge.flags(record.view)
            except OpenAIError as error:
                raise CliError(f"the judge {args.judge} failed at {record.source}: {error}") from None
            found = found + [f"judge:{name}" for name in judged]
        for name in found:
            counts[name] = counts.get(name, 0) + 1
        if args.json:
            print(json.dumps({"source": record.source, "problem_id": record.problem_id, "correct": record.view.correct, "flags": found}))
    if not args.json:
        total = len(chains)
        print(f"{total} chains in {args.trace}")
        for name, count in counts.items():
            print(f"  {name:16} {count:6}  ({count / max(total, 1):.1%})")
    return 0
