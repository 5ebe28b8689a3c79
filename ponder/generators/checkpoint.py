"""Where a local checkpoint is, which dtype to load it in, and whether it fits in memory — decided before
transformers spends minutes loading it.

A checkpoint is a directory (config, tokenizer, safetensors) or one GGUF file, which transformers
de-quantizes into the chosen dtype. bf16 halves the memory and is fast only on CPUs with bf16
arithmetic (AVX512-BF16 or AMX); elsewhere fp32 is both faster and exact, so 'auto' picks by the CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

from ponder.generators.base import GeneratorError

DTYPES = ("auto", "fp32", "bf16")
BYTES_PER_PARAMETER = {"float32": 4, "bfloat16": 2}
LOAD_HEADROOM = 1.5  # loading holds some tensors twice (read buffers, de-quantization), measured ~1.3x for Gemma 3 270M


def locate(path: Path) -> tuple[Path, str | None]:
    """(directory for from_pretrained, GGUF file name or None)."""
    if path.is_file() and path.suffix == ".gguf":
        return path.parent, path.name
    if path.is_dir():
        if not (path / "config.json").is_file() or not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")):
            raise GeneratorError(f"no model in {path}: a checkpoint directory holds config.json and the weights "
                                 "(*.safetensors or *.bin); or give a .gguf file")
        return path, None
    raise GeneratorError(f"no model at {path}: give a checkpoint directory or a .gguf file")


def bf16_native(flags: str | None = None) -> bool:
    """Whether this CPU does bf16 arithmetic in hardware (Linux /proc/cpuinfo flags).

    >>> bf16_native("fpu avx2 avx512f"), bf16_native("avx512f avx512_bf16"), bf16_native("amx_bf16 amx_tile")
    (False, True, True)
    """
    if flags is None:
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def choose_dtype(name: str):
    import torch

    if name not in DTYPES:
        raise GeneratorError(f"unknown dtype {name!r}; use one of {', '.join(DTYPES)}")
    if name == "bf16" or (name == "auto" and bf16_native()):
        return torch.bfloat16
    return torch.float32


def parameter_count(path: Path) -> int | None:
    """Parameters in a checkpoint without loading it (GGUF tensor shapes, or safetensors headers)."""
    if path.is_file() and path.suffix == ".gguf":
        try:
            from gguf import GGUFReader
        except ImportError:
            raise GeneratorError(f"loading {path.name} needs the 'gguf' package: pip install gguf accelerate") from None
        return sum(int(t.n_elements) for t in GGUFReader(path).tensors)
    files = sorted(path.glob("*.safetensors")) if path.is_dir() else []
    if not files:
        return None
    from safetensors import safe_open

    total = 0
    for file in files:
        with safe_open(file, "pt") as tensors:
            for key in tensors.keys():
                shape = tensors.get_slice(key).get_shape()
                count = 1
                for size in shape:
                    count *= size
                total += count
    return total


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (None where there is none)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(path: Path, dtype, available: int | None = None) -> None:
    """A GeneratorError naming the sizes when the checkpoint cannot fit in the memory left."""
    parameters = parameter_count(path)
    available = available_bytes() if available is None else available
    if parameters is None or available is None:
        return
    needed = parameters * BYTES_PER_PARAMETER.get(str(dtype).removeprefix("torch."), 4) * LOAD_HEADROOM
    if os.environ.get("PONDER_SKIP_MEMORY_CHECK") != "1" and needed > available:
        raise GeneratorError(
            f"{path} has {parameters / 1e9:.2f} B parameters: about {needed / 2**30:.1f} GiB to load in "
            f"{str(dtype).removeprefix('torch.')}, but only {available / 2**30:.1f} GiB of memory is available; "
            "use a smaller or quantized model, bf16 (hf:PATH?dtype=bf16), or a serving engine (openai:MODEL@URL)"
        )


FAMILY_FILE = "ponder.json"  # marks a checkpoint `ponder train` wrote with the family of generator that reads it
THINK_FAMILY = "ponder-think"


def family_of(path: Path) -> str | None:
    """'ponder-think' for a checkpoint of that family (marked by `ponder train`, and in the shipped weights), else None."""
    import json

    marker = path / FAMILY_FILE
    if marker.is_file():
        try:
            family = json.loads(marker.read_text()).get("family")
        except (OSError, ValueError, AttributeError):
            return None
        return family if isinstance(family, str) else None
    return None


def mark_family(directory: Path, family: str) -> None:
    import json

    (directory / FAMILY_FILE).write_text(json.dumps({"family": family}) + "\n")

