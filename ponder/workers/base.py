"""The one contract every place of work meets, and the trivial one: this process."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Protocol

from ponder.errors import PonderError

Unit = Callable[..., Awaitable[Any]]  # async def unit(state, *args) -> result; module-level, so it pickles


class WorkerLost(RuntimeError):
    """The worker running a unit died (killed, out of memory) and the unit could not finish there;
    retry it: units are pure functions of their arguments, so a retry cannot duplicate anything."""


class WorkersError(PonderError):
    """The workers cannot start as asked (Ray missing or unreachable, a bad worker count)."""


class Workers(Protocol):
    slots: int  # units worth keeping in flight to keep every worker busy

    async def submit(self, unit: Unit, *args: Any) -> Any:
        """`await unit(state, *args)` on some worker; its exception is raised here as it was there."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Workers: ...

    def __exit__(self, *exc: object) -> None: ...


class Closing:
    """`with workers:` closes them: waiting for work in flight when the block ends, stopping it at once when an error or
    an interrupt ends it (`abort`)."""

    def close(self) -> None:
        pass

    def abort(self) -> None:
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.abort() if kind is not None else self.close()


class InProcess(Closing):
    """Units run here, on the caller's event loop, with state the caller already holds."""

    slots = 1

    def __init__(self, state: Any):
        self.state = state

    async def submit(self, unit: Unit, *args: Any) -> Any:
        return await unit(self.state, *args)
