"""`ponder solve`, `ponder tasks`, `ponder trace show`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ponder.budget import EFFORT_LEVELS
from ponder.cli.common import (
    CliError, add_command, add_model_flags, add_sampling_flags, check_sampling, few_shot_text, load_model, stops, model_for, price_of, warn_malformed,
)
from ponder.strategies.registry import NAMES as STRATEGY_NAMES
from ponder.tasks import TASKS


def register(commands: argparse._SubParsersAction) -> None:
    solve = add_command(commands, "solve")
    solve.add_argument("text", nargs="?", help="a problem in words, e.g. 'Use the numbers 3, 5, 7 and 11 to make 24.'")
    solve.add_argument("--task", choices=list(TASKS), help="task of the problems (default: recognised from the text; countdown for --count)")
    solve.add_argument("--input", type=Path, help="JSONL file of problems of --task")
    solve.add_argument("--count", type=int, help="solve this many built-in held-out problems of --task")
    solve.add_argument("--problem-seed", type=int, default=0, help="which built-in problems (with --count)")
    add_model_flags(solve)
    solve.add_argument("--strategy", choices=STRATEGY_NAMES, help="default: best_of_n (single for --effort none)")
    solve.add_argument("--allocation", type=Path, help="the adaptive strategy's policy (allocation.json from `ponder scale`)")
    solve.add_argument("--judge", help="the model that judges for judge, pairwise, knockout, round_robin, usc and self_verify "
                                       "(any --model spec; default: the generator itself)")
    steps = solve.add_argument_group("search over steps (beam, dvts, step_mcts)")
    steps.add_argument("--prm", help="the process verifier that scores partial solutions: exact, learned (the shipped value "
                                     "model) or openai:MODEL@BASE_URL (a chat model grading the steps)")
    steps.add_argument("--beam-width", type=int, help="beams kept (beam) or steps sampled per subtree step (dvts); default 4")
    budget = solve.add_argument_group("budget (an effort preset, then explicit limits overriding it)")
    budget.add_argument("--effort", choices=EFFORT_LEVELS, help="budget preset (default: medium)")
    budget.add_argument("--effort-config", type=Path, help="JSON file overriding effort presets")
    budget.add_argument("--max-candidates", type=int, help="most candidates per problem")
    budget.add_argument("--max-tokens", type=int, help="generated tokens, generator and verifier together")
    budget.add_argument("--max-calls", type=int, help="generator requests")
    budget.add_argument("--max-seconds", type=float)
    budget.add_argument("--max-dollars", type=float, help="needs --price-table")
    budget.add_argument("--price-table", type=Path, help='JSON {"MODEL": {"prompt": $/Mtok, "completion": $/Mtok}}')
    add_sampling_flags(solve, temperature=1.0, top_p=None, max_new_tokens=None)
    thinking = solve.add_argument_group("thinking (models that think: ponder-think, ...)")
    thinking.add_argument("--thinking-tokens", type=int, help="cap on each chain of thought; at the cap the thought is closed and the model answers (ponder-think default: 1024)")
    thinking.add_argument("--min-thinking-tokens", type=int, help="an earlier end of thought is suppressed and thinking goes on")
    thinking.add_argument("--no-tools", action="store_true", help="no tool calls inside the thought (the model writes every result itself)")
    thinking.add_argument("--show-thinking", action="store_true", help="print the chosen chain of thought (one problem)")
    solve.add_argument("--seed", type=int, default=0)
    solve.add_argument("--concurrency", type=int, default=1, help="problems solved at once")
    solve.add_argument("--trace", type=Path, help="append a JSONL trace of every event here")
    solve.add_argument("--json", action="store_true", help="one JSON object per problem on stdout")
    solve.set_defaults(run=run_solve, loads_models=True)

    tasks = add_command(commands, "tasks")
    tasks.set_defaults(run=run_tasks)

    trace = add_command(commands, "trace")
    trace_commands = trace.add_subparsers(title="trace commands", required=True)
    show = trace_commands.add_parser("show", help="print a trace readably")
    show.add_argument("file", type=Path)
    show.set_defaults(run=run_trace_show)


def run_solve(args: argparse.Namespace) -> int:
    import asyncio

    from ponder.budget import DEFAULT_EFFORTS, Limits, load_effort_presets
    from ponder.engine import make_plan

    task, problems, errors = _problems(args)
    if not problems and not errors:
        raise CliError("no problems to solve")
    warn_malformed(errors)
    check_sampling(args)
    if args.concurrency < 1:
        raise CliError("--concurrency must be at least 1")
    overrides = Limits(max_candidates=args.max_candidates, max_tokens=args.max_tokens, max_calls=args.max_calls,
                       max_seconds=args.max_seconds, max_dollars=args.max_dollars)
    args.model = model_for(args.model, task.name)
    generator = load_model(args.model, args.timeout, few_shot=few_shot_text(args))
    if args.text is not None and task.statement is not None:  # how the words were read, and the rule graded by: said once
        print(f"read as {task.statement.describe(problems[0])}", file=sys.stderr)
    plan = make_plan(
        strategy=args.strategy,
        effort=args.effort,
        overrides=overrides,
        params=_sampling(args, generator),
        seed=args.seed,
        presets=load_effort_presets(args.effort_config) if args.effort_config else DEFAULT_EFFORTS,
        price=price_of(args.price_table, generator, args.model) if args.price_table else None,
        options=_options(args),
        verified=task.verifier is not None,
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


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The strategy's own options from the flags (make_plan refuses those the strategy does not take)."""
    from ponder.strategies.adaptive import Allocation
    from ponder.loading import load_prm

    options: dict[str, Any] = {}
    if args.allocation:
        options["allocation"] = Allocation.load(args.allocation)
    if args.prm:
        options["prm"] = load_prm(args.prm, args.timeout)
    if args.beam_width is not None:
        options["beam_width"] = args.beam_width
    if args.judge:
        options["judge"] = load_model(args.judge, args.timeout)
    return options


def _sampling(args: argparse.Namespace, generator):
    """Sampling parameters; a thinking budget when one is asked for or the model thinks."""
    from ponder.thinking.budget import thinking_budget, with_thinking
    from ponder.types import SamplingParams

    params = SamplingParams(temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_new_tokens or 256, stop=stops(args))
    asked = args.thinking_tokens is not None or args.min_thinking_tokens is not None or args.no_tools
    if not asked and not generator.capabilities.thinks:
        return params
    budget = thinking_budget(args.thinking_tokens, args.min_thinking_tokens, tools=not args.no_tools)
    return with_thinking(params, budget, args.max_new_tokens)


def _problems(args: argparse.Namespace):
    from ponder.tasks import get_task
    from ponder.tasks.base import load_problems
    from ponder.tasks.text import problem_from_text

    sources = sum(x is not None for x in (args.text, args.input, args.count))
    if sources != 1:
        raise CliError("give exactly one of: a problem text, --input FILE, --count N")
    if args.text is not None:
        problem = problem_from_text(args.text, args.task)
        return get_task(problem.task), [problem], []
    task = get_task(args.task or "countdown")
    if args.input is not None:
        return (task, *load_problems(task, args.input))
    if args.count < 1:
        raise CliError("--count must be at least 1")
    return task, task.generate(args.count, args.problem_seed), []


async def _solve(args, task, problems, generator, plan) -> dict[str, Any]:
    from ponder.cli.progress import Progress
    from ponder.engine import solve_all
    from ponder.trace import TraceWriter, event_record, result_record

    writer = TraceWriter(args.trace) if args.trace else None
    summary = {"correct": 0, "checked": 0, "failed": 0, "tokens": 0}
    single = len(problems) == 1 and not args.json
    text_problem = args.text is not None

    def on_event(event) -> None:
        if writer:
            writer.write(event_record(event))
        if single and event.kind in ("candidate", "scored", "decision", "error"):
            print(f"  {event.message}", file=sys.stderr)

    bar = Progress("solving", "problem", len(problems)) if len(problems) > 1 else None
    live = _live_thinking if single and args.show_thinking else None
    try:
        async for outcome in solve_all(problems, task, generator, plan, concurrency=args.concurrency, on_event=on_event, on_text=live):
            record: dict[str, Any] = {"id": outcome.problem.id}
            if outcome.error is not None:  # it failed, or no candidate came back: never graded
                summary["failed"] += 1
                record["error"] = outcome.error
                if writer and outcome.result is not None:
                    writer.write(result_record(outcome.result, None))
            else:
                result = outcome.result
                if writer:
                    writer.write(result_record(result, outcome.correct))
                summary["tokens"] += result.usage.generated_tokens
                if outcome.correct is not None:
                    summary["checked"] += 1
                    summary["correct"] += outcome.correct
                record.update(answer=result.answer, correct=outcome.correct, strategy=result.strategy, stop_reason=result.stop_reason,
                              candidates=len(result.candidates), usage=result.usage.to_dict())
                if single or (result.answer is None and result.text):  # a refusal, or a reply with no answer in it: say what it said
                    record["text"] = result.text if single else result.text[:MAX_SHOWN_TEXT]
                    if args.show_thinking and generator.capabilities.streams_thought:
                        print(file=sys.stderr)
                    elif args.show_thinking and result.chosen is not None:  # a model that does not stream its thought
                        thought = result.candidates[result.chosen].completion.reasoning
                        print(f"thinking:\n{thought}\n" if thought else "(no thought)", file=sys.stderr)
            _emit(args, record, label="answer" if text_problem else None)
            figures = {"accuracy": f"{summary['correct'] / summary['checked']:.0%}"} if summary["checked"] else {}
            if bar is not None:
                bar.update(advance=1, postfix={**figures, "tokens": summary["tokens"]})
    finally:
        if bar is not None:
            bar.close()
        if writer:
            writer.close()
    return summary


def _live_thinking(choice: int, channel: str, text: str) -> None:
    """--show-thinking: each chain's thought on stderr as it is decoded (ponder-think ends a step with ';')."""
    if channel == "answer":
        return
    if channel == "close":
        text = f" [{text}: thought closed at its budget]"
    sys.stderr.write(text.replace(";", f"\n[{choice}] " if channel != "close" else "\n"))
    sys.stderr.flush()


MAX_SHOWN_TEXT = 300  # characters of a reply shown on a line of its own when no answer could be read from it


def _emit(args: argparse.Namespace, record: dict[str, Any], label: str | None = None) -> None:
    """One problem's outcome: JSON, or a line led by its id (or `label`, for a problem typed as text)."""
    if args.json:
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return
    name = label or record["id"]
    if "error" in record:
        print(f"{name}: error: {record['error']}")
        return
    mark = {True: " correct", False: " wrong", None: ""}[record["correct"]]
    shown = record["answer"] if record["answer"] is not None else repr(record.get("text"))
    tokens = record["usage"]["completion_tokens"] + record["usage"]["verifier_tokens"]
    print(f"{name}: {shown}{mark} [{record['candidates']} candidates, {tokens} tokens, {record['stop_reason']}]")


def run_tasks(args: argparse.Namespace) -> int:
    from ponder.tasks import get_task

    from ponder.embedded import embedded_for

    for name in TASKS:
        print(f"{name:<20} {get_task(name).description} [embedded: {embedded_for(name) or 'none, name a --model'}]")
    return 0


def run_trace_show(args: argparse.Namespace) -> int:
    from ponder.trace import render

    for line in render(args.file):
        print(line)
    return 0
