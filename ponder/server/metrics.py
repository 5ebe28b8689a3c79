"""Prometheus metrics of one server (its own registry, no globals), and a generator wrapper that counts
every backend call and token into them — the spend the server can prove, cancelled work included.

Under `ponder serve --workers N` every worker writes its values to files in $PROMETHEUS_MULTIPROC_DIR
(prometheus_client's multiprocess mode, chosen when that variable is set before the library is
imported) and `/metrics`, whichever worker answers it, sums them over all workers: counters and
histograms of every worker that ever ran, gauges of the live ones only.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

from ponder.generators.base import Forwarding, Generator, GeneratorError
from ponder.types import Generation, Message, SamplingParams


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("ponder_requests", "Chat requests answered", ["model", "mode", "status"], registry=r)
        self.in_flight = Gauge("ponder_requests_in_flight", "Chat requests being answered now", registry=r, multiprocess_mode="livesum")
        self.latency = Histogram(
            "ponder_request_seconds", "Time to answer a chat request", ["mode"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
        )
        self.disconnects = Counter("ponder_client_disconnects", "Requests whose client went away first", registry=r)
        self.backend_in_flight = Gauge("ponder_backend_calls_in_flight", "Generator calls running now", ["model"], registry=r,
                                       multiprocess_mode="livesum")
        self.backend_calls = Counter("ponder_backend_calls", "Generator calls by outcome", ["model", "outcome"], registry=r)
        self.tokens = Counter("ponder_tokens", "Tokens spent, by kind", ["model", "kind"], registry=r)
        self.candidates = Counter("ponder_candidates", "Candidate completions generated", ["model"], registry=r)

    def render(self) -> bytes:
        if not os.environ.get(MULTIPROCESS_ENV):
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker)
        return generate_latest(every_worker)


class MeteredGenerator(Forwarding):
    """The same generator, with every call and its tokens counted under the served model's name."""

    def __init__(self, inner: Generator, metrics: Metrics, model: str):
        super().__init__(inner)
        self._in_flight = metrics.backend_in_flight.labels(model)
        self._calls = {o: metrics.backend_calls.labels(model, o) for o in ("ok", "error", "cancelled")}
        self._prompt = metrics.tokens.labels(model, "prompt")
        self._completion = metrics.tokens.labels(model, "completion")
        self._candidates = metrics.candidates.labels(model)

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None, **extra: Any
    ) -> Generation:
        return await self._metered(self.inner.generate(messages, n, params, timeout, **extra))

    async def continue_final(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        stop: Sequence[str] = (), include_stop: bool = False,
    ) -> Generation:
        return await self._metered(self.inner.continue_final(messages, n, params, timeout, stop, include_stop))

    async def _metered(self, call) -> Generation:
        self._in_flight.inc()
        try:
            generation = await call
        except asyncio.CancelledError:
            self._calls["cancelled"].inc()
            raise
        except GeneratorError:
            self._calls["error"].inc()
            raise
        finally:
            self._in_flight.dec()
        self._calls["ok"].inc()
        self._prompt.inc(generation.prompt_tokens)
        self._completion.inc(generation.completion_tokens)
        self._candidates.inc(len(generation.completions))
        return generation
