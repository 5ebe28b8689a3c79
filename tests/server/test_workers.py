"""`ponder serve --workers 2`: two real processes on one port, one request limit and one /metrics over
both, and a worker killed mid-request replaced without leaking the capacity it held."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from processes import Server


def chat(model: str) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "Say the answer."}], "max_tokens": 8}


async def concurrent(server: Server, payload: dict, count: int) -> list[int]:
    """`count` requests at once, each on its own connection (so the kernel spreads them over workers);
    each one's status, or 0 when the connection broke."""
    async def one() -> int:
        async with httpx.AsyncClient(timeout=30) as client:
            try:
                return (await client.post(f"{server.base_url}/chat/completions", json=payload)).status_code
            except httpx.TransportError:
                return 0
    return list(await asyncio.gather(*(one() for _ in range(count))))


@pytest.fixture(scope="module")
def workers(scripted_backend):
    url = scripted_backend.base_url
    server = Server("--workers", "2", "--no-embedded", "--max-concurrency", "3",
                    "--backend", f"fast=openai:scripted@{url}", "--backend", f"slow=openai:slow-2@{url}")
    yield server
    assert server.stop() == 0  # SIGTERM: every worker finished and the supervisor exited cleanly


def served_by(server: Server) -> set[int]:
    return {record["pid"] for record in server.requests()}


def worker_pids(server: Server) -> list[int]:
    """The supervisor's spawned worker processes (not multiprocessing's resource tracker)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.mark.slow
def test_two_workers_answer_on_one_port_and_metrics_count_both(workers):
    before = workers.metric("ponder_requests_total")
    for _ in range(40):
        with httpx.Client(timeout=30) as client:  # a new connection each time
            assert client.post(f"{workers.base_url}/chat/completions", json=chat("fast")).status_code == 200
    assert served_by(workers) == set(worker_pids(workers))  # both processes answered (all 40 on one: odds 2^-39)
    readings = {workers.metric("ponder_requests_total") - before for _ in range(10)}  # whichever worker answers /metrics
    assert readings == {40.0}


@pytest.mark.slow
def test_the_request_limit_holds_across_workers(workers):
    statuses = asyncio.run(concurrent(workers, chat("slow"), 12))
    assert sorted(statuses) == [200] * 3 + [429] * 9  # a limit per process would have let up to 6 through
    assert workers.metric("ponder_requests_in_flight") == 0


@pytest.mark.slow
def test_workers_killed_mid_request_are_replaced_and_their_places_freed(workers):
    async def kill_mid_request() -> list[int]:
        requests = asyncio.ensure_future(concurrent(workers, chat("slow"), 3))
        await asyncio.sleep(1.0)  # all three admitted, waiting on the slow backend
        for pid in worker_pids(workers):  # every worker, since which ones hold the requests is the kernel's choice
            os.kill(pid, signal.SIGKILL)
        return await requests

    assert asyncio.run(kill_mid_request()) == [0] * 3  # the requests broke with their workers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the replacement serves too
        statuses = asyncio.run(concurrent(workers, chat("slow"), 3))
        if statuses == [200] * 3:
            break
        time.sleep(1)
    assert statuses == [200] * 3  # the dead workers' places were given back
