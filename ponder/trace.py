"""Traces: every event of a solve and its result as JSON lines, and a readable rendering of them."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any, Iterator

from ponder.errors import PonderError
from ponder.jsonl import json_objects
from ponder.types import Event
from ponder.types import Candidate, Result


class TraceError(PonderError, ValueError):
    """A trace file cannot be read."""


def candidate_record(candidate: Candidate) -> dict[str, Any]:
    return {
        "index": candidate.index,
        "text": candidate.completion.text,
        "reasoning": candidate.completion.reasoning,
        "completion_tokens": candidate.completion.completion_tokens,
        "finish_reason": candidate.completion.finish_reason,
        "answer": candidate.answer,
        "verdict": asdict(candidate.verdict) if candidate.verdict else None,
    }


def event_record(event: Event) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "event",
        "kind": event.kind,
        "problem_id": event.problem_id,
        "strategy": event.strategy,
        "message": event.message,
        "usage": event.usage.to_dict(),
    }
    if event.candidate is not None and event.kind in ("candidate", "scored"):
        record["candidate"] = candidate_record(event.candidate)
    if event.node is not None:
        record["node"] = dict(event.node)
    return record


def result_record(result: Result, correct: bool | None = None) -> dict[str, Any]:
    return {
        "type": "result",
        "problem_id": result.problem_id,
        "strategy": result.strategy,
        "answer": result.answer,
        "text": result.text,
        "chosen": result.chosen,
        "correct": correct,
        "stop_reason": result.stop_reason,
        "candidates": len(result.candidates),
        "usage": result.usage.to_dict(),
    }


class TraceWriter:
    """Appends records to a JSONL file as they happen (nothing is lost if the run stops midway)."""

    def __init__(self, path: str | Path):
        try:
            self._file: IO[str] = open(path, "a", encoding="utf-8")
        except OSError as error:
            raise TraceError(f"cannot write a trace to {path}: {error.strerror or error}") from None

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read(path: str | Path) -> Iterator[dict[str, Any]]:
    for number, record in json_objects(Path(path), TraceError, "trace "):
        if "type" not in record:
            raise TraceError(f"{path}:{number}: not a ponder trace record")
        yield record


def tree_lines(nodes: list[dict[str, Any]]) -> Iterator[str]:
    """A step search's tree, depth first from the root, one node a line: its step, PRM score, and
    whether it finished ('done') or was closed ('x': dead end, hopeless).

    >>> list(tree_lines([{"id": 1, "parent": 0, "step": "7 - 3 = 4", "score": 1.0, "finished": False, "open": True},
    ...                  {"id": 2, "parent": 1, "step": "4 * 6 = 24", "score": 1.0, "finished": True, "open": False}]))
    ['   search tree:', '     - 7 - 3 = 4  (1.00)', '       - 4 * 6 = 24  (1.00, done)']
    """
    children: dict[Any, list[dict[str, Any]]] = {}
    for node in nodes:
        children.setdefault(node["parent"], []).append(node)
    yield "   search tree:"
    stack = [(child, 0) for child in reversed(children.get(0, []))]
    while stack:
        node, depth = stack.pop()
        mark = ", done" if node["finished"] else ("" if node["open"] else ", x")
        yield f"   {'  ' * (depth + 1)}- {node['step']}  ({node['score']:.2f}{mark})"
        stack.extend((child, depth + 1) for child in reversed(children.get(node["id"], [])))


def render(path: str | Path) -> Iterator[str]:
    """The trace as readable lines, one per event, grouped by problem; a step search's tree is drawn
    before its result."""
    current = None
    nodes: list[dict[str, Any]] = []
    for record in read(path):
        if record["problem_id"] != current:
            current = record["problem_id"]
            nodes = []
            yield f"== {current} ({record['strategy']})"
        if record.get("kind") == "step":
            nodes.append(record["node"])
            continue
        if record["type"] == "result" and nodes:
            yield from tree_lines(nodes)
        usage = record["usage"]
        counted = f"{usage['steps']} steps" if usage.get("steps") else f"{usage['candidates']} cand"
        spend = f"[{counted}, {usage['completion_tokens'] + usage['verifier_tokens']} tok, {usage['seconds']:.2f}s]"
        if record["type"] == "result":
            mark = {True: "correct", False: "wrong", None: "unchecked"}[record["correct"]]
            yield f"   result: {record['answer']!r} {mark}, stop: {record['stop_reason']} {spend}"
        elif record["kind"] == "candidate":
            c = record["candidate"]
            yield f"   #{c['index']:<3} {c['text']!r} -> {c['answer']!r} ({c['completion_tokens']} tok)"
        elif record["kind"] == "scored":
            verdict = record["candidate"]["verdict"]
            yield f"        score {verdict['score']:.2f}  {verdict['feedback']}"
        elif record["kind"] != "done":
            yield f"   {record['kind']}: {record['message']} {spend}"
