"""Admission and the books of each request: the concurrency limit, the metrics, and one JSON log line
when a request ends, however it ends."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Container

from ponder.server.admission import Admission
from ponder.server.errors import ApiError
from ponder.server.metrics import Metrics

log = logging.getLogger("ponder.server.requests")
RETRY_AFTER_SECONDS = 1


@dataclass
class Record:
    """One request's log line, filled in as it is answered."""

    id: str
    model: str
    mode: str  # thinking, proxy, generate or continue (raw until the model is known)
    stream: bool
    effort: str | None = None
    strategy: str | None = None
    status: int = 200
    outcome: str = "ok"  # ok, error, disconnected
    usage: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


class Ledger:
    def __init__(self, admission: Admission, metrics: Metrics, limit: int, served: Container[str]):
        self.admission, self.metrics, self.limit, self.served = admission, metrics, limit, served

    def admit(self, record: Record) -> None:
        """Count the request in, or refuse it with 429 (its log line written) when the server is full."""
        if not self.admission.enter():
            record.status, record.outcome = 429, "refused"
            self.account(record, 0.0)
            raise ApiError(429, f"the server is answering its limit of {self.limit} requests; retry shortly",
                           code="rate_limit_exceeded", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        self.metrics.in_flight.inc()

    def finish(self, record: Record) -> None:
        self.admission.leave()
        self.metrics.in_flight.dec()
        seconds = time.perf_counter() - record.started
        self.metrics.latency.labels(record.mode).observe(seconds)
        if record.outcome == "disconnected":
            self.metrics.disconnects.inc()
        self.account(record, seconds)

    def account(self, record: Record, seconds: float) -> None:
        """Count the request in the metrics and write its log line."""
        label = record.model if record.model in self.served else ""  # unknown names must not grow the metric without bound
        self.metrics.requests.labels(label, record.mode, str(record.status)).inc()
        log.info(json.dumps({
            "event": "chat", "id": record.id, "model": record.model, "mode": record.mode, "stream": record.stream,
            "effort": record.effort, "strategy": record.strategy, "status": record.status, "outcome": record.outcome,
            "usage": record.usage, "latency_ms": round(seconds * 1000, 3), "pid": os.getpid(),
        }))


def status_of(error: BaseException) -> tuple[int, str]:
    if isinstance(error, ApiError):
        return error.status, "error"
    if isinstance(error, asyncio.CancelledError):
        return 499, "disconnected"
    return 500, "error"
