"""Real processes on loopback for tests: `ponder serve` (or another server module) and the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `ponder serve` process on loopback (or another module's server: `module=`). Its stderr
    (one JSON line per request) goes to a file the test can read."""

    def __init__(self, *extra: str, port: int | None = None, module: str = "ponder.cli", command: tuple[str, ...] = ("serve",)):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.root = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, OMP_NUM_THREADS="1")
        self.log = tempfile.NamedTemporaryFile(prefix="ponder-server-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *command, "--port", str(self.port), *extra],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                if httpx.get(f"{self.root}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def requests(self) -> list[dict]:
        """The server's request log lines so far."""
        lines = [line for line in self.log_text().splitlines() if line.startswith("{")]
        return [record for record in map(json.loads, lines) if record.get("event") == "chat"]

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (summed over label values not given)."""
        from prometheus_client.parser import text_string_to_metric_families

        total = 0.0
        for family in text_string_to_metric_families(httpx.get(f"{self.root}/metrics", timeout=5).text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    def stop(self) -> int | None:
        self.process.terminate()
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ponder.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


COUNTDOWN = "Use the numbers 3, 5, 7 and 11 to make 24."
UNSOLVABLE = "Use the numbers 1, 1 and 1 to make 97."  # no expression reaches it: best_of_n never stops early
