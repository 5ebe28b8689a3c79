"""`ponder serve --workers N`: N server processes on one port.

Each worker is a spawned process with its own socket bound with SO_REUSEPORT, so the kernel spreads
new connections over the workers evenly (a shared accept socket favours whichever process wakes first).
Each loads its own models (the embedded one included: memory grows per worker), shares one
request limit with the others (`admission.SharedAdmission`), and writes its metrics where every worker's
`/metrics` sums them (`metrics`, Prometheus multiprocess mode). The supervisor (this process) restarts
a worker that dies, zeroing the requests it held, and on SIGINT/SIGTERM asks every worker to finish its
in-flight requests within `shutdown_timeout` seconds.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import tempfile
import time
from multiprocessing import get_context
from typing import Any, Callable

from ponder.errors import PonderError
from ponder.server.config import ServerConfig
from ponder.server.metrics import MULTIPROCESS_ENV

log = logging.getLogger(__name__)

RESTART_WINDOW_S = 10.0  # a worker that dies sooner than this after starting, twice in a row, stops the server
POLL_S = 0.2


class ServeError(PonderError):
    """The workers cannot serve (the port is taken, workers keep dying at start-up)."""


def bind(host: str, port: int) -> socket.socket:
    """A socket on (host, port) that other workers may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(config: ServerConfig, host: str, port: int, slots: Any, index: int, log_requests: bool,
            prepare: Callable[[], None] | None) -> None:
    import uvicorn

    from ponder.server.admission import SharedAdmission
    from ponder.server.app import create_app, log_requests_to_stderr, settle_heap, uvicorn_config

    if prepare is not None:
        prepare()
    if log_requests:
        log_requests_to_stderr()
    sock = bind(host, port)
    app = create_app(config, admission=SharedAdmission(config.max_concurrency, slots, index))
    settle_heap()
    uvicorn.Server(uvicorn_config(app, config)).run(sockets=[sock])


def serve_workers(
    config: ServerConfig, host: str, port: int, workers: int, log_requests: bool = True, prepare: Callable[[], None] | None = None
) -> None:
    """Serve with `workers` processes until SIGINT/SIGTERM; each worker first calls `prepare` (picklable)."""
    from prometheus_client import multiprocess

    if workers < 2:
        raise ServeError("serve_workers needs at least 2 workers; one is `serve`")
    if port == 0:
        raise ServeError("--workers needs a fixed --port: each worker binds the same one")
    try:
        bind(host, port).close()  # a taken port fails here, once, with a clear message
    except OSError as error:
        raise ServeError(f"cannot bind {host}:{port}: {error.strerror}") from None
    context = get_context("spawn")
    slots = context.Array("q", workers)
    metrics_dir = tempfile.mkdtemp(prefix="ponder-metrics-")
    previous = os.environ.get(MULTIPROCESS_ENV)
    os.environ[MULTIPROCESS_ENV] = metrics_dir  # spawned workers inherit it before importing prometheus_client
    stopping = []

    def start(index: int):
        process = context.Process(target=_worker, args=(config, host, port, slots, index, log_requests, prepare), name=f"ponder-serve-{index}", daemon=False)
        process.start()
        return process, time.monotonic()

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    handlers = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start(i) for i in range(workers)]
    early_deaths = [0] * workers
    try:
        while not stopping:
            time.sleep(POLL_S)
            for index, (process, started) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                multiprocess.mark_process_dead(process.pid, metrics_dir)
                with slots.get_lock():
                    slots[index] = 0  # the requests it held died with it
                early_deaths[index] = early_deaths[index] + 1 if time.monotonic() - started < RESTART_WINDOW_S else 0
                if early_deaths[index] >= 2:
                    raise ServeError(f"worker {index} exited with code {process.exitcode} twice within {RESTART_WINDOW_S:.0f} s of starting")
                log.warning("worker %d (pid %d) exited with code %s; starting another", index, process.pid, process.exitcode)
                running[index] = start(index)
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes in-flight requests, then exits
        deadline = time.monotonic() + config.shutdown_timeout + 5
        for process, _ in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if previous is None:
            os.environ.pop(MULTIPROCESS_ENV, None)
        else:
            os.environ[MULTIPROCESS_ENV] = previous
        shutil.rmtree(metrics_dir, ignore_errors=True)
