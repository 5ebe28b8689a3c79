"""How many chat requests may be in flight: one counter in one process, or one shared by every worker
process of `ponder serve --workers N`.

The shared form keeps one slot per worker in shared memory (a `multiprocessing.Array` with its lock),
each worker counting only its own requests in its slot; admission sums the slots under the lock. A
worker that dies mid-request leaves its slot to the supervisor, which zeroes it before starting the
worker's replacement, so a crash never leaks the capacity it held.
"""

from __future__ import annotations

from typing import Any, Protocol


class Admission(Protocol):
    limit: int

    def enter(self) -> bool:
        """Take a place if one is free (False: the limit is reached)."""
        ...

    def leave(self) -> None: ...


class LocalAdmission:
    """The limit of one process."""

    def __init__(self, limit: int):
        self.limit = limit
        self.in_flight = 0

    def enter(self) -> bool:
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1


class SharedAdmission:
    """The limit of all worker processes together; `slots` is shared, `index` this worker's slot."""

    def __init__(self, limit: int, slots: Any, index: int):
        self.limit, self.slots, self.index = limit, slots, index

    def enter(self) -> bool:
        with self.slots.get_lock():
            if sum(self.slots) >= self.limit:
                return False
            self.slots[self.index] += 1
            return True

    def leave(self) -> None:
        with self.slots.get_lock():
            self.slots[self.index] -= 1
