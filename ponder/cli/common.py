"""What several commands share: the usage error, model and sampling flags, price tables, problem files."""

from __future__ import annotations

import argparse
import logging
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, Sequence

from ponder.errors import PonderError

log = logging.getLogger("ponder")

# Every command: the module that registers it (ponder/cli/MODULE.py) and its one-line summary. `ponder --help`
# lists these without importing any command module; a command's module is imported only when it runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "solve": ("solving", "solve one problem or a file of problems"),
    "tasks": ("solving", "list the tasks"),
    "trace": ("solving", "read traces"),
    "scale": ("scaling", "measure accuracy vs inference compute: curves, fits, compute-optimal allocation, report"),
    "report": ("scaling", "re-render a sweep's curves, plots and report from its stored samples"),
    "demo": ("scaling", "small scaling sweeps of the embedded models: tables, plots and reports (the README says how long)"),
    "serve": ("serving", "an OpenAI-compatible server whose models think when asked (reasoning_effort)"),
    "games": ("games", "exact solvers for games (OpenSpiel rules): solve, cfr, exploit"),
    "arena": ("games", "round robin between game players: ratings with CIs, replays, report (resumable)"),
    "train": ("training", "RL on verifiable rewards (GRPO) for a local model: metrics, checkpoints, report (resumable)"),
    "monitor": ("training", "flag named behaviours in chains of thought (a trace, a run's rollouts)"),
    "recipe": ("training", "retrain one of the shipped models from its recipe (tiny-model, think-model, prm-model)"),
}


def add_command(commands: argparse._SubParsersAction, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=COMMANDS[name][1], **kwargs)


class CliError(PonderError):
    """A usage error with a message for the user."""


def default(config: type, name: str) -> Any:
    """A config dataclass's default for one field: the flags read it instead of restating it."""
    field = next(f for f in fields(config) if f.name == name)
    return field.default if field.default is not MISSING else field.default_factory()  # type: ignore[misc]


def add_model_flags(parser: argparse.ArgumentParser, timeout: float = 120.0) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", default="embedded", help="embedded (default: the embedded model best on the task, see `ponder tasks`), ponder-tiny, ponder-think, "
                            "openai:MODEL@BASE_URL (add ?thinking=continue|vllm|llama.cpp|field:NAME for thinking budgets, "
                            "?usage=count|bytes|reported for token counting) or hf:PATH (a checkpoint directory or a .gguf file)")
    group.add_argument("--few-shot", type=Path, metavar="FILE", help="a base model's prompt: worked examples with {prompt} where "
                            "the problem goes; sent as plain text (no chat template; openai: models use the completions endpoint)")
    group.add_argument("--timeout", type=float, default=timeout, help=f"seconds per backend request (default {timeout:g})")


def add_sampling_flags(parser: argparse.ArgumentParser, temperature: float, top_p: float | None, max_new_tokens: int | None) -> None:
    group = parser.add_argument_group("sampling")
    group.add_argument("--temperature", type=float, default=temperature, help="(default %(default)s)")
    group.add_argument("--top-p", type=float, default=top_p,
                       help="(default %(default)s)" if top_p is not None else "(default: the backend's own; 1.0 where ponder decodes)")
    shown = "256; a thinking model: its thinking tokens + 64" if max_new_tokens is None else "%(default)s"
    group.add_argument("--max-new-tokens", type=int, default=max_new_tokens, help=f"cap on each candidate's length (default {shown})")
    group.add_argument("--stop", action="append", default=[], metavar="TEXT", help="end each candidate at TEXT (repeatable; "
                            "left out of the answer; \\n and \\t are read as newline and tab)")


def stops(args: argparse.Namespace) -> tuple[str, ...]:
    """The --stop strings, with \\n and \\t written out.

    >>> stops(argparse.Namespace(stop=["\\n\\n", "Q:"]))
    ('\\n\\n', 'Q:')
    """
    found = tuple(text.replace("\\n", "\n").replace("\\t", "\t") for text in args.stop)
    if any(not text for text in found):
        raise CliError("--stop needs a non-empty text")
    return found


def check_sampling(args: argparse.Namespace) -> None:
    if args.temperature < 0:
        raise CliError("--temperature must be >= 0")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise CliError("--top-p must be in (0, 1]")
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        raise CliError("--max-new-tokens must be at least 1")


def model_for(spec: str, task: str | None) -> str:
    """The --model spec, with 'embedded' resolved to the embedded model that is best on the task."""
    from ponder.embedded import embedded_for

    if spec != "embedded":
        return spec
    embedded = embedded_for(task)
    if embedded is None:
        if task in ("code", "humaneval"):
            raise CliError(f"no embedded model writes code, which --task {task} needs: name a code model with "
                           "--model openai:MODEL@URL (Qwen2.5-Coder served by llama.cpp: see docs/code.md)")
        raise CliError(f"no embedded model reads --task {task}'s problems: name a model with --model openai:MODEL@URL "
                       "(an instruct model served by llama.cpp, vLLM, ...: see docs/real_models.md)")
    return embedded


def load_model(spec: str, timeout: float, task: str | None = None, few_shot: str | None = None):
    """The generator a --model spec names ('embedded': the best embedded model for `task`), behind a
    few-shot prompt when one is given (the template's text)."""
    from ponder.loading import load_generator
    from ponder.generators.few_shot import with_few_shot

    return with_few_shot(load_generator(model_for(spec, task), timeout=timeout), few_shot)


def few_shot_text(args: argparse.Namespace) -> str | None:
    from ponder.generators.few_shot import load_few_shot

    return None if args.few_shot is None else load_few_shot(args.few_shot)


def price_of(path: Path, generator: Any, spec: str):
    """The model's entry in a --price-table: under the generator's name, else the bare model name."""
    from ponder.budget import load_price
    from ponder.generators.spec import parse_model_spec

    return load_price(path, [generator.name, parse_model_spec(spec).model])


def warn_malformed(errors: Sequence[Any]) -> None:
    for error in errors:
        log.warning("line %d (%s): %s", error.line, error.id or "no id", error.message)


def quiet_transformers() -> None:
    """Hugging Face's own logs and download bars are noise for ponder's users (only where it is loaded), and so
    is the deprecation of the `past_key_values` argument that ponder's decoders pass (the older transformers
    releases ponder supports know no other name for it)."""
    import warnings

    from transformers.utils import logging as hf_logging

    warnings.filterwarnings("ignore", message=r".*`past_key_values`.* is deprecated", category=FutureWarning)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
