"""`ponder serve`. Flags override the config file; defaults and the file/environment merge live in
ponder.server.config (so `create_app()` from Python resolves the same config)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ponder.cli.common import CliError, add_command, quiet_transformers
from ponder.server.config import CONFIG_ENV, JUDGE_STRATEGIES, KEYS_ENV, ServerConfig

# Flags that set a ServerConfig field of the same name; None (not given) keeps the file's or the default.
FIELD_FLAGS = {
    "max_concurrency": (int, "chat requests in flight before 429"),
    "backend_timeout": (float, "seconds per backend request"),
    "backend_retries": (int, "retries after a backend failure"),
    "shutdown_timeout": (float, "seconds in-flight requests get on shutdown"),
    "max_request_bytes": (int, "larger request bodies get 413"),
    "header_timeout": (float, "seconds a client has to send its request's headers"),
    "judge": (str, "requests without a checker are decided by a judge: 'self' (the request's own model) or a served model's name"),
    "judge_strategy": (str, "how the judge decides: " + ", ".join(JUDGE_STRATEGIES)),
}


def register(commands: argparse._SubParsersAction) -> None:
    defaults = ServerConfig()
    serve = add_command(
        commands, "serve",
        description="Serve the embedded model and any configured backends over the OpenAI Chat Completions API. "
        "Requests with reasoning_effort (or extra_body ponder options) think under a budget; others pass through.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", type=Path, help=f"JSON or TOML file of server settings (default: ${CONFIG_ENV}); flags override it")
    serve.add_argument("--backend", action="append", default=[], metavar="NAME=SPEC",
                       help="serve a backend under NAME: SPEC is 'openai:MODEL@URL' or 'hf:PATH' (repeatable)")
    serve.add_argument("--no-embedded", action="store_true", help="do not serve the embedded model")
    serve.add_argument("--api-key", action="append", default=[], metavar="KEY",
                       help=f"require this bearer key (repeatable; also ${KEYS_ENV}, comma-separated)")
    for name, (kind, text) in FIELD_FLAGS.items():
        serve.add_argument("--" + name.replace("_", "-"), type=kind, help=f"{text} (default {getattr(defaults, name)})")
    serve.add_argument("--docs", action="store_true", help="publish /docs, /redoc and /openapi.json even with API keys "
                                                       "(behind the key; without keys they are always published)")
    serve.add_argument("--effort-config", type=Path, help="JSON of effort presets, as for solve")
    serve.add_argument("--trace-dir", type=Path, help="write one JSONL trace per thinking request here")
    serve.add_argument("--no-n", action="store_true", help="refuse n > 1 on raw requests, like some backends")
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes on the one port (SO_REUSEPORT), each loading its own models, sharing the request "
                            "limit and /metrics (default %(default)s)")
    serve.set_defaults(run=run_serve, loads_models=True)


def run_serve(args: argparse.Namespace) -> int:
    from ponder.budget import load_effort_presets
    from ponder.server.app import log_requests_to_stderr, serve
    from ponder.server.config import parse_backend, resolve_config

    overrides = {name: getattr(args, name) for name in FIELD_FLAGS}
    overrides.update(
        backends=dict(parse_backend(b) for b in args.backend),
        api_keys=frozenset(args.api_key),
        embedded=False if args.no_embedded else None,
        support_n=False if args.no_n else None,
        efforts=load_effort_presets(args.effort_config) if args.effort_config else None,
        trace_dir=args.trace_dir,
        docs=True if args.docs else None,
    )
    config = resolve_config(args.config, overrides)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server handles SIGTERM itself: requests in flight finish first
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    print(f"ponder: serving {', '.join(config.served_names)} on http://{args.host}:{args.port}/v1"
          + (f" with {args.workers} worker processes" if args.workers > 1 else ""), file=sys.stderr, flush=True)
    if args.workers > 1:
        from ponder.server.app import warn_if_open
        from ponder.server.workers import serve_workers

        warn_if_open(config, args.host)
        serve_workers(config, args.host, args.port, args.workers, log_requests=not args.quiet, prepare=quiet_transformers)
        return 0
    if not args.quiet:
        log_requests_to_stderr()
    serve(config, args.host, args.port)
    return 0
