"""Chains to monitor, read from a `ponder solve --trace` file (every candidate, scored or not: the chains of
`think` and of any strategy run without a verifier too) or a `ponder train` run's rollouts.jsonl (every
sampled chain)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ponder.errors import PonderError
from ponder.jsonl import json_objects
from ponder.monitor.rules import ChainView


class MonitorError(PonderError, ValueError):
    """A file of chains cannot be read."""


@dataclass(frozen=True)
class ChainRecord:
    source: str  # "file:line"
    problem_id: str | None
    view: ChainView


def read_chains(path: Path) -> list[ChainRecord]:
    """Every chain in `path` (a file, or a folder of them such as `ponder serve --trace-dir`'s); a
    MonitorError names the first line that is not JSON."""
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise MonitorError(f"{path}: no .jsonl traces in this folder")
        return [chain for file in files for chain in _read_file(file, quiet=True)]
    return _read_file(path)


def _read_file(path: Path, quiet: bool = False) -> list[ChainRecord]:
    chains: dict[tuple, ChainRecord] = {}  # one per candidate: its scored event replaces its candidate event
    lines = 0
    for number, record in json_objects(path, MonitorError):
        lines += 1
        view = chain_of(record)
        if view is None:
            continue
        candidate = record.get("candidate")
        key = (record.get("problem_id"), record.get("choice"), candidate.get("index")) if isinstance(candidate, dict) else (number,)
        if key not in chains or record.get("kind") == "scored":
            chains[key] = ChainRecord(f"{path.name}:{number}", record.get("problem_id"), view)
    if not chains and lines and not quiet:
        raise MonitorError(f"{path}: no chains (expected a `ponder solve --trace` file or a `ponder train` rollouts.jsonl)")
    return list(chains.values())


def chain_of(record: dict) -> ChainView | None:
    if "thought" in record and "answer" in record:  # a rollout
        numbers = (record.get("data") or {}).get("numbers")
        return ChainView(record["thought"] or "", record["answer"] or "", record.get("correct"), tuple(numbers) if numbers else None)
    candidate = record.get("candidate")
    if record.get("type") == "event" and record.get("kind") in ("candidate", "scored") and isinstance(candidate, dict):
        verdict = candidate.get("verdict") or {}
        correct = verdict.get("correct") if isinstance(verdict, dict) else None
        return ChainView(candidate.get("reasoning") or "", candidate.get("text") or "", correct)
    return None
