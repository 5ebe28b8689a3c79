"""What `ponder serve` adds on the way to a backend, measured on loopback in one run.

Peer: the same requests sent straight to the backend. The backend is `ponder.testing_backend` (a
scripted OpenAI-compatible server answering in microseconds), so what remains is ponder's own cost:
parsing and validating the request, admission, metrics, the pass-through HTTP call, the answer.

1. Pass-through overhead at concurrency 1, 64 and 256: p50 / p99 latency (ms) and requests/s, direct
   vs through ponder, for each `--workers` count (`ponder serve --workers N`). Overhead = through -
   direct, percentile by percentile.
2. Streaming under load: 256 concurrent streaming requests through ponder (pass-through, then thinking
   on the embedded model), counting requests that ended without `data: [DONE]` (lost) or ran past
   the deadline (hung).
3. Memory: resident set of each process of `ponder serve` (the embedded models loaded) with 1 and with
   N workers, after one thinking request.

The load client is a bare keep-alive HTTP/1.1 client on asyncio (one connection per concurrent
worker), so it costs little next to the servers. Client, ponder and backend share this machine's
cores: that contention is part of what the numbers show (report the core count with them).

    python benchmarks/serve_overhead.py [--requests 3000] [--seconds 20] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from processes import Server  # noqa: E402  (starts real processes on loopback and waits for /health)

COUNTDOWN = "Use the numbers 3, 5, 7 and 11 to make 24."


@dataclass
class Load:
    latencies: list[float]
    seconds: float
    lost: int = 0
    hung: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


async def _read_response(reader: asyncio.StreamReader) -> tuple[bytes, bool]:
    """One HTTP/1.1 response body (content-length or chunked), and whether the server closes the connection after it."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    if status != 200:
        raise RuntimeError(f"status {status}: {body[:200]!r}")
    return body, headers.get("connection", "").lower() == "close"


async def run_load(port: int, path: str, payload: dict, concurrency: int, total: int, deadline_s: float) -> Load:
    body = json.dumps(payload).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    lost = hung = 0
    remaining = total

    async def worker() -> None:
        nonlocal remaining, lost, hung
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                if writer.is_closing():  # the server closed the last one (HTTP/1.0 style): connecting is part of the latency
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                try:
                    answer, closes = await asyncio.wait_for(_read_response(reader), deadline_s)
                except asyncio.TimeoutError:
                    hung += 1
                    return
                except (RuntimeError, asyncio.IncompleteReadError, ConnectionError):
                    lost += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                if closes:
                    writer.close()
                if payload.get("stream") and not answer.endswith(b"data: [DONE]\n\n"):
                    lost += 1
                    continue
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Load(latencies, time.perf_counter() - started, lost, hung)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per measurement (concurrency 1 uses a third)")
    parser.add_argument("--seconds", type=float, default=30, help="deadline for any one request")
    parser.add_argument("--workers", default="1,2", help="`ponder serve --workers` counts to compare")
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]

    backend = Server(module="ponder.testing_backend", command=())
    thinker = Server("--quiet", "--max-concurrency", "2048")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; the load client, ponder and the backend share them")
    try:
        chat = {"model": "scripted", "messages": [{"role": "user", "content": "Say the answer."}], "max_tokens": 16}
        path = "/v1/chat/completions"
        print("\npass-through overhead (non-streaming); latency ms, overhead = through ponder - direct")
        print(f"{'workers':>7} {'conc':>5} {'direct p50':>10} {'p99':>7} {'req/s':>7} | {'ponder p50':>10} {'p99':>7} {'req/s':>7} | "
              f"{'overhead p50':>12} {'p99':>7} {'lost':>5}")
        cpu_ms: dict[int, float] = {}
        for workers in worker_counts:
            ponder = Server("--no-embedded", "--backend", f"scripted=openai:scripted@{backend.base_url}", "--quiet",
                            "--max-concurrency", "2048", "--workers", str(workers))
            try:
                asyncio.run(run_load(ponder.port, path, chat, 8 * workers, 400, args.seconds))  # warm the servers and pools
                asyncio.run(run_load(backend.port, path, chat, 8, 200, args.seconds))
                for concurrency in (1, 64, 256):
                    total = args.requests // 3 if concurrency == 1 else args.requests
                    direct = asyncio.run(run_load(backend.port, path, chat, concurrency, total, args.seconds))
                    before = cpu_seconds(ponder.process.pid)
                    through = asyncio.run(run_load(ponder.port, path, chat, concurrency, total, args.seconds))
                    if concurrency == 64:
                        cpu_ms[workers] = (cpu_seconds(ponder.process.pid) - before) / len(through.latencies) * 1000
                    print(
                        f"{workers:>7} {concurrency:>5} {direct.percentile(0.5):>10.2f} {direct.percentile(0.99):>7.2f} {direct.rate:>7.0f} | "
                        f"{through.percentile(0.5):>10.2f} {through.percentile(0.99):>7.2f} {through.rate:>7.0f} | "
                        f"{through.percentile(0.5) - direct.percentile(0.5):>12.2f} {through.percentile(0.99) - direct.percentile(0.99):>7.2f} "
                        f"{direct.lost + through.lost + direct.hung + through.hung:>5}"
                    )
            finally:
                ponder.stop()
        print("\nponder's own CPU per pass-through request at concurrency 64 (all its processes), and a projection:")
        for workers, ms in cpu_ms.items():
            print(f"  --workers {workers}: {ms:.3f} CPU-ms per request")
        ms = cpu_ms[worker_counts[0]]
        print(f"  each worker's event loop serves its requests one at a time, so with 64 in flight over W workers a request\n"
              f"  waits for about 64/W of them: p50 overhead <= 1 ms needs W >= 64 x {ms:.3f} ms = {64 * ms:.0f} workers, each on a\n"
              f"  core of its own (plus cores for the clients and the backend)")
        ponder = Server("--no-embedded", "--backend", f"scripted=openai:scripted@{backend.base_url}", "--quiet", "--max-concurrency", "2048")

        print("\n256 concurrent streaming requests")
        streamed = {**chat, "stream": True, "stream_options": {"include_usage": True}}
        for label, server, payload, total in (
            ("pass-through", ponder, streamed, args.requests),
            ("thinking, embedded, effort=low", thinker,
             {"model": "ponder-tiny", "messages": [{"role": "user", "content": COUNTDOWN}], "reasoning_effort": "low", "stream": True}, 512),
        ):
            load = asyncio.run(run_load(server.port, path, payload, 256, total, args.seconds))
            print(
                f"  {label}: {len(load.latencies)} of {total} complete with [DONE], lost {load.lost}, hung {load.hung}; "
                f"p50 {load.percentile(0.5):.1f} ms, p99 {load.percentile(0.99):.1f} ms, {load.rate:.0f} req/s"
            )
        print("\nmemory (resident set, MB) of `ponder serve` with the embedded models, after one thinking request")
        thinking = {"model": "ponder-think", "messages": [{"role": "user", "content": COUNTDOWN}], "reasoning_effort": "low"}
        for workers in worker_counts:
            server = thinker if workers == 1 else Server("--quiet", "--workers", str(workers))
            asyncio.run(run_load(server.port, path, thinking, workers * 2, workers * 4, args.seconds * 4))
            sizes = [resident_mb(pid) for pid in [server.process.pid, *spawned(server.process.pid)]]
            parts = "" if workers == 1 else f" (supervisor {sizes[0]:.0f}, workers {', '.join(f'{s:.0f}' for s in sizes[1:])})"
            print(f"  --workers {workers}: {sum(sizes):.0f} MB in all{parts}")
            if server is not thinker:
                server.stop()
    finally:
        for server in (thinker, ponder, backend):
            server.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its spawned workers so far."""
    total = 0.0
    for one in [pid, *spawned(pid)]:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def spawned(pid: int) -> list[int]:
    """`ponder serve --workers`' worker processes (children running multiprocessing's spawn_main)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


if __name__ == "__main__":
    main()
