"""The sweep's progress on disk (SQLite): every stored sample and per-budget run, and every failure.

A work unit (one chunk of samples of one problem, or one sequential run at one budget) is written in
one transaction, so a sweep killed at any moment — even by SIGKILL — leaves only whole units behind;
re-running redoes exactly the missing ones (see `ponder.storage`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ponder.scaling.curves import Sample
from ponder.storage import SQLiteStore

STORE_NAME = "sweep.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    problem_id TEXT NOT NULL, sample_index INTEGER NOT NULL, answer TEXT, correct INTEGER NOT NULL,
    score REAL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
    verifier_tokens INTEGER NOT NULL, finish_reason TEXT, text TEXT NOT NULL,
    PRIMARY KEY (problem_id, sample_index));
CREATE TABLE IF NOT EXISTS runs (
    strategy TEXT NOT NULL, budget INTEGER NOT NULL, problem_id TEXT NOT NULL, answer TEXT,
    correct INTEGER NOT NULL, candidates INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL, verifier_tokens INTEGER NOT NULL, stop_reason TEXT NOT NULL,
    PRIMARY KEY (strategy, budget, problem_id));
CREATE TABLE IF NOT EXISTS failures (
    unit TEXT NOT NULL, attempt INTEGER NOT NULL, error TEXT NOT NULL, at REAL NOT NULL);
"""


@dataclass(frozen=True)
class StoredSample:
    """A sample as stored: what the estimators need, plus its text for auditing."""

    sample: Sample
    finish_reason: str | None
    text: str


@dataclass(frozen=True)
class RunRecord:
    """One sequential strategy's result on one problem at one budget."""

    strategy: str
    budget: int
    problem_id: str
    answer: str | None
    correct: bool
    candidates: int
    prompt_tokens: int
    completion_tokens: int
    verifier_tokens: int
    stop_reason: str


class Store(SQLiteStore):
    """One sweep's SQLite file. Opening it with settings checks they match the stored ones."""

    kind = "sweep"

    def __init__(self, path: str | Path):
        super().__init__(path, _SCHEMA)

    # -- samples ---------------------------------------------------------------------------------
    def add_samples(self, rows: Sequence[StoredSample]) -> None:
        """Store one chunk of samples atomically; a chunk stored before is left as it was."""
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (s.sample.problem_id, s.sample.sample_index, s.sample.answer, int(s.sample.correct), s.sample.score,
                     s.sample.prompt_tokens, s.sample.completion_tokens, s.sample.verifier_tokens, s.finish_reason, s.text)
                    for s in rows
                ],
            )

    def sample_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT problem_id, COUNT(*) FROM samples GROUP BY problem_id"))

    def stored_indices(self) -> set[tuple[str, int]]:
        return set(self.db.execute("SELECT problem_id, sample_index FROM samples"))

    def samples(self, problem_order: Iterable[str] | None = None) -> list[StoredSample]:
        """Every stored sample, ordered by problem (in `problem_order` when given) then index."""
        rows = self.db.execute("SELECT * FROM samples ORDER BY problem_id, sample_index").fetchall()
        result = [
            StoredSample(Sample(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7]), r[8], r[9]) for r in rows
        ]
        if problem_order is not None:
            rank = {pid: i for i, pid in enumerate(problem_order)}
            result.sort(key=lambda s: (rank.get(s.sample.problem_id, len(rank)), s.sample.sample_index))
        return result

    # -- sequential runs -------------------------------------------------------------------------
    def add_run(self, record: RunRecord) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.strategy, record.budget, record.problem_id, record.answer, int(record.correct), record.candidates,
                 record.prompt_tokens, record.completion_tokens, record.verifier_tokens, record.stop_reason),
            )

    def runs(self) -> list[RunRecord]:
        rows = self.db.execute("SELECT * FROM runs ORDER BY strategy, budget, problem_id").fetchall()
        return [RunRecord(r[0], r[1], r[2], r[3], bool(r[4]), *r[5:]) for r in rows]

    def run_keys(self) -> set[tuple[str, int, str]]:
        return set(self.db.execute("SELECT strategy, budget, problem_id FROM runs"))

    # -- failures --------------------------------------------------------------------------------
    def add_failure(self, unit: str, attempt: int, error: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO failures VALUES (?, ?, ?, ?)", (unit, attempt, error, time.time()))

    def failures(self) -> list[tuple[str, int, str]]:
        return [tuple(r) for r in self.db.execute("SELECT unit, attempt, error FROM failures ORDER BY rowid")]
