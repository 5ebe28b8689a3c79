"""Ray actors as workers: one actor per CPU of the cluster (or `workers`), each building its state once
(a model loaded once per worker), units dispatched to the least busy actor.

`address` None starts a local Ray instance on this machine's cores; `auto` or `HOST:PORT`
(`ray://HOST:PORT` for Ray Client) joins a running cluster, whose nodes need ponder installed. Ray's own
ports listen on the node's address, never loopback only (Ray maps 127.0.0.1 to the node's IP); Ray's
token authentication (on by default in Ray 2.60, the version pinned here) is what guards them.
Ray restarts an actor whose process died and re-runs the unit it was running (`max_restarts`,
`max_task_retries`); a unit that still cannot finish raises `WorkerLost`. An exception a unit raises is
re-raised here as itself, so callers' retry rules are the same as in one process.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any, Callable

from ponder.workers.base import Closing, Unit, WorkerLost, WorkersError
from ponder.workers.pool import build_state

RESTARTS = 3  # restarts of one actor, and retries of the unit it was running when it died


def _ray():
    try:
        import ray
    except ImportError:
        raise WorkersError("--ray needs Ray: pip install 'ray>=2.40' (or install ponder[ray])") from None
    return ray


def reachable(address: str, timeout: float = 5.0) -> bool:
    """Whether HOST:PORT accepts a TCP connection (Ray itself waits minutes on a dead address)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def connect(address: str | None) -> bool:
    """Join (or start) Ray; True when this call started it (and so should shut it down)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    if address not in (None, "auto") and not reachable(address):
        raise WorkersError(f"cannot reach Ray at {address}: nothing accepts connections there (start it with `ray start --head`)")
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address is None:
            ray.init(address="local", num_cpus=os.cpu_count(), **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        hint = ""
        if "InvalidAuthToken" in _chain_text(error):
            hint = ("; the cluster wants its token: set RAY_AUTH_MODE=token and put the token in ~/.ray/auth_token "
                    "(or RAY_AUTH_TOKEN)")
        raise WorkersError(f"cannot reach Ray at {address or 'a new local instance'}: {error}{hint}") from None
    return True


def _chain_text(error: BaseException) -> str:
    """The messages of an exception and of every exception behind it."""
    texts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        texts.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(texts)


class PonderWorker:
    """The actor: holds one state, runs units against it (concurrently, on its own event loop)."""

    def __init__(self, setup: Callable[[], Any], threads: int):
        self.state = build_state(setup, threads)

    async def run(self, unit: Unit, args: tuple[Any, ...]) -> Any:
        return await unit(self.state, *args)

    def pid(self) -> int:
        return os.getpid()


class RayWorkers(Closing):
    def __init__(self, setup: Callable[[], Any], address: str | None = None, workers: int | None = None, threads: int = 1):
        ray = _ray()
        self._started = connect(address)
        count = workers if workers is not None else int(ray.cluster_resources().get("CPU", 1))
        if count < 1:
            raise WorkersError("--workers must be at least 1")
        actor = ray.remote(num_cpus=1, max_restarts=RESTARTS, max_task_retries=RESTARTS)(PonderWorker)
        self._actors = [actor.remote(setup, threads) for _ in range(count)]
        self._busy = [0] * count
        self.slots = count

    def pids(self) -> list[int]:
        """Each actor's process id (waits for the actors to start)."""
        return _ray().get([a.pid.remote() for a in self._actors])

    async def submit(self, unit: Unit, *args: Any) -> Any:
        ray = _ray()
        index = min(range(len(self._actors)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await self._actors[index].run.remote(unit, args)
        except ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, Exception):
                raise error.cause from None
            raise
        except ray.exceptions.RayActorError as error:
            raise WorkerLost(f"a Ray worker died {RESTARTS + 1} times running this unit: {error}") from None
        finally:
            self._busy[index] -= 1

    def close(self) -> None:
        ray = _ray()
        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._started:
            ray.shutdown()
