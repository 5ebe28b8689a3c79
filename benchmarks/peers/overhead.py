"""Proxy overhead, head to head: what `ponder serve` (pass-through), the LiteLLM proxy and optillm (its `none`
approach, a pass-through) add in front of the same microsecond backend, measured in one run.

The backend is `ponder.testing_backend` (a scripted OpenAI-compatible server on loopback), so what remains is each
proxy's own cost. Each is measured at 1, 64 and 256 concurrent clients (keep-alive HTTP/1.1, one connection per
client, the bare asyncio client of `benchmarks/serve_overhead.py`), right after the same load sent straight to
the backend: added latency p50 / p99 (through the proxy minus direct, percentile by percentile) and requests/s.
Every proxy gets the same worker count (`--workers`: ponder's `--workers`, LiteLLM's `--num_workers`; optillm
has none and runs its Flask server as it ships, threaded). Client, proxy and backend share this machine's cores.

Peers come from their own virtual environments (`bash benchmarks/peers/setup.sh`); a peer not installed is skipped
with a line saying so. Everything binds to 127.0.0.1; nothing leaves the machine (LiteLLM is told to use its
local model cost map and no telemetry).

    python benchmarks/peers/overhead.py [--quick] [--requests 2000] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from processes import free_port  # noqa: E402
from serve_overhead import run_load  # noqa: E402

PEERS = Path(os.environ.get("PONDER_PEERS", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ponder" / "peers"))
CHAT = {"model": "scripted", "messages": [{"role": "user", "content": "Say the answer."}], "max_tokens": 16}
PATH = "/v1/chat/completions"


class Process:
    """A server process on loopback, ready once `health` answers 200."""

    def __init__(self, name: str, command: list[str], port: int, health: str, env: dict | None = None, startup_s: float = 180):
        self.name, self.port = name, port
        self.log = tempfile.NamedTemporaryFile(prefix=f"peer-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                        cwd=tempfile.gettempdir())
        deadline = time.monotonic() + startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited at start: {Path(self.log.name).read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{health}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{name} did not start within {startup_s:.0f} s; log: {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_backend() -> Process:
    port = free_port()
    return Process("backend", [sys.executable, "-m", "ponder.testing_backend", "--port", str(port)], port, "/health")


def start_ponder(backend: str, workers: int) -> Process:
    port = free_port()
    return Process("ponder", [sys.executable, "-m", "ponder.cli", "serve", "--port", str(port), "--no-embedded", "--quiet",
                              "--backend", f"scripted=openai:scripted@{backend}", "--max-concurrency", "4096",
                              "--workers", str(workers)], port, "/health", env={"OMP_NUM_THREADS": "1"})


def start_litellm(backend: str, workers: int) -> Process | None:
    binary = PEERS / "litellm" / "bin" / "litellm"
    if not binary.exists():
        return None
    config = Path(tempfile.mkdtemp(prefix="litellm-")) / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: scripted\n    litellm_params:\n      model: openai/scripted\n"
        f"      api_base: {backend}\n      api_key: none\n"
        "litellm_settings:\n  telemetry: false\n  drop_params: true\n"
    )
    port = free_port()
    return Process("litellm", [str(binary), "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
                               "--num_workers", str(workers)], port, "/health/liveliness",
                   env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR", "DISABLE_SCHEMA_UPDATE": "true",
                        # no key: loopback only, and no proxy pays for checking one
                        "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"})


def start_optillm(backend: str) -> Process | None:
    binary = PEERS / "optillm" / "bin" / "optillm"
    if not binary.exists():
        return None
    port = free_port()
    return Process("optillm", [str(binary), "--base-url", backend, "--port", str(port), "--host", "127.0.0.1",
                               "--approach", "none", "--log", "error"], port, "/health", env={"OPENAI_API_KEY": "none"},
                   startup_s=300)


def version(name: str) -> str:
    python = PEERS / name / "bin" / "python"
    if not python.exists():
        return "not installed"
    package = {"its_hub": "its-hub"}.get(name, name)
    out = subprocess.run([str(python), "-c", f"import importlib.metadata as m; print(m.version('{package}'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests: a few minutes on two cores")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement (concurrency 1 uses a fifth)")
    parser.add_argument("--seconds", type=float, default=60, help="deadline for any one request")
    parser.add_argument("--workers", type=int, default=1, help="worker processes for every proxy that has them")
    parser.add_argument("--only", default="ponder,litellm,optillm", help="which proxies to measure")
    args = parser.parse_args()
    total = 400 if args.quick else args.requests
    print(f"machine: {os.cpu_count()} cores, shared by the load client, the proxy and the backend; workers {args.workers}")
    print(f"peers: litellm {version('litellm')}, optillm {version('optillm')}; ponder from this checkout")
    backend = start_backend()
    url = f"http://127.0.0.1:{backend.port}/v1"
    starters = {"ponder": lambda: start_ponder(url, args.workers), "litellm": lambda: start_litellm(url, args.workers),
                "optillm": lambda: start_optillm(url)}
    rows = []
    try:
        for name in args.only.split(","):
            try:
                proxy = starters[name]()
            except RuntimeError as error:
                print(f"{name}: could not start ({error})")
                continue
            if proxy is None:
                print(f"{name}: not installed (bash benchmarks/peers/setup.sh {name}); skipped")
                continue
            try:
                asyncio.run(run_load(proxy.port, PATH, CHAT, 8, 200, args.seconds))  # warm pools and caches
                for concurrency in (1, 64, 256):
                    count = max(100, total // 5) if concurrency == 1 else total
                    direct = asyncio.run(run_load(backend.port, PATH, CHAT, concurrency, count, args.seconds))
                    through = asyncio.run(run_load(proxy.port, PATH, CHAT, concurrency, count, args.seconds))
                    rows.append((name, concurrency, direct, through))
                    print(f"  {name} at {concurrency}: direct p50 {direct.percentile(0.5):.2f} ms, through {through.percentile(0.5):.2f} ms",
                          file=sys.stderr, flush=True)
            finally:
                proxy.stop()
    finally:
        backend.stop()
    print("\nlatency in ms; added = through the proxy - direct (same run, same percentile); lost = failed or hung requests")
    print(f"{'proxy':<8} {'conc':>5} | {'direct p50':>10} {'p99':>7} {'req/s':>7} | {'through p50':>11} {'p99':>8} {'req/s':>7} | "
          f"{'added p50':>9} {'p99':>8} | {'lost':>4}")
    for name, concurrency, direct, through in rows:
        print(f"{name:<8} {concurrency:>5} | {direct.percentile(0.5):>10.2f} {direct.percentile(0.99):>7.2f} {direct.rate:>7.0f} | "
              f"{through.percentile(0.5):>11.2f} {through.percentile(0.99):>8.2f} {through.rate:>7.0f} | "
              f"{through.percentile(0.5) - direct.percentile(0.5):>9.2f} {through.percentile(0.99) - direct.percentile(0.99):>8.2f} | "
              f"{through.lost + through.hung:>4}")
    added = {(n, c): (t.percentile(0.5) - d.percentile(0.5), t.percentile(0.99) - d.percentile(0.99)) for n, c, d, t in rows}
    if ("ponder", 64) in added and ("litellm", 64) in added:
        (p50, p99), (l50, l99) = added[("ponder", 64)], added[("litellm", 64)]
        print(f"\nat 64 concurrent: ponder adds {p50:.2f} / {p99:.2f} ms (p50 / p99), LiteLLM {l50:.2f} / {l99:.2f} ms: "
              f"ratio {p50 / l50:.2f} / {p99 / l99:.2f} (goal <= 0.5)")


if __name__ == "__main__":
    main()
