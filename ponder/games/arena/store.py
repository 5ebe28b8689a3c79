"""An arena's games on disk (SQLite): each finished game is written in one transaction, so an arena
killed at any moment keeps every whole game and re-running plays exactly the missing ones."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ponder.games.arena.play import GameRecord, MatchRecord
from ponder.storage import SQLiteStore

STORE_NAME = "arena.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    first INTEGER NOT NULL, second INTEGER NOT NULL, round INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (first, second, round));
CREATE TABLE IF NOT EXISTS failures (first INTEGER, second INTEGER, round INTEGER, error TEXT, at REAL);
"""


class ArenaStore(SQLiteStore):
    kind = "arena"

    def __init__(self, path: str | Path):
        super().__init__(path, _SCHEMA)

    def claim(self, identity: dict) -> bool:
        stored = self.get("identity")
        if stored is not None and "games" in stored and "games" not in identity:  # stored when --games could not grow
            self.put("identity", {k: v for k, v in stored.items() if k != "games"})
        return super().claim(identity)

    def add(self, first: int, second: int, round_: int, record: GameRecord | MatchRecord) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO games VALUES (?, ?, ?, ?)", (first, second, round_, json.dumps(record.to_dict())))

    # `rounds`: only rounds below it (a re-run with fewer --games sees the first ones); None: every stored round.
    def done(self, rounds: int | None = None) -> set[tuple[int, int, int]]:
        return set(self.db.execute("SELECT first, second, round FROM games WHERE round < ?", (_below(rounds),)))

    def games(self, rounds: int | None = None) -> list[tuple[int, int, int, GameRecord]]:
        """The stored single games (an arena of matches has none)."""
        return [(a, b, r, GameRecord.from_dict(data)) for a, b, r, data in self._records(rounds) if data.get("kind") != "match"]

    def matches(self, rounds: int | None = None) -> list[tuple[int, int, int, MatchRecord]]:
        """The stored matches of `ponder arena --hands`."""
        return [(a, b, r, MatchRecord.from_dict(data)) for a, b, r, data in self._records(rounds) if data.get("kind") == "match"]

    def _records(self, rounds: int | None) -> list[tuple[int, int, int, dict]]:
        rows = self.db.execute("SELECT first, second, round, record FROM games WHERE round < ? ORDER BY first, second, round",
                               (_below(rounds),))
        return [(a, b, r, json.loads(text)) for a, b, r, text in rows]

    def add_failure(self, first: int, second: int, round_: int, error: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?)", (first, second, round_, error, time.time()))

    def failures(self) -> list[tuple[int, int, int, str]]:
        """Every failed attempt, in order (a game retried later keeps its failures here)."""
        return [tuple(r) for r in self.db.execute("SELECT first, second, round, error FROM failures ORDER BY rowid")]

    def missing(self, rounds: int | None = None) -> set[tuple[int, int, int]]:
        """The games whose attempts failed and that are still not stored: left for a re-run."""
        return {(a, b, r) for a, b, r, _ in self.failures() if r < _below(rounds)} - self.done(rounds)


def _below(rounds: int | None) -> int:
    return rounds if rounds is not None else 2**62
