"""The `ponder` command. One module per domain registers its subcommands (solving, scaling, serving,
games); each command parses its flags, calls one library function and prints. Only what a command
needs is imported, so `ponder --help` and `ponder tasks` load no model stack."""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from typing import Sequence

from ponder.cli.common import COMMANDS, CliError, quiet_transformers
from ponder.errors import PonderError

__all__ = ["CliError", "build_parser", "main"]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given the command line, only the module of the command it names is imported
    and registered (the others are listed by their summaries alone)."""
    parser = argparse.ArgumentParser(prog="ponder", description="Make models think longer under a budget.")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    parser.set_defaults(run=lambda args: parser.print_help() or 0)
    commands = parser.add_subparsers(title="commands")
    if argv is None:
        wanted = {module for module, _ in COMMANDS.values()}
    else:
        named = next((word for word in argv if not word.startswith("-")), None)
        wanted = {COMMANDS[named][0]} if named in COMMANDS else set()
    registered: set[str] = set()
    for name, (module, summary) in COMMANDS.items():  # in table order, so help lists commands the same way
        if module not in wanted:
            commands.add_parser(name, help=summary)
        elif module not in registered:
            registered.add(module)
            importlib.import_module(f"ponder.cli.{module}").register(commands)
    return parser


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the command itself: a job system's stop (SIGTERM) is handled as Ctrl-C — workers stopped, work kept
        signal.signal(signal.SIGTERM, _interrupted)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if getattr(args, "loads_models", False):
            quiet_transformers()
        return args.run(args)
    except PonderError as error:
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
