"""An arena's games on disk (SQLite): each finished game is written in one transaction, so an arena
killed at any moment keeps every whole game and re-running plays exactly the missing ones."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ponder.games.errors import GameError
from ponder.games.play import GameRecord

STORE_NAME = "arena.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS games (
    first INTEGER NOT NULL, second INTEGER NOT NULL, round INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (first, second, round));
CREATE TABLE IF NOT EXISTS failures (first INTEGER, second INTEGER, round INTEGER, error TEXT, at REAL);
"""


class ArenaStoreError(GameError):
    """The store cannot be used for this arena (other settings, unreadable file)."""


class ArenaStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise ArenaStoreError(f"cannot use {self.path} as an arena store: {error}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ArenaStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def claim(self, identity: dict[str, Any]) -> None:
        """Record the arena's settings, or refuse settings other than the stored ones."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('identity', ?)", (json.dumps(identity, sort_keys=True),))
            return
        stored = json.loads(row[0])
        if stored != identity:
            changed = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
            raise ArenaStoreError(
                f"{self.path} holds an arena with other settings (different: {', '.join(changed)}); "
                "re-run with the same arguments to resume it, or choose another --out"
            )

    def add(self, first: int, second: int, round_: int, record: GameRecord) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO games VALUES (?, ?, ?, ?)", (first, second, round_, json.dumps(record.to_dict())))

    def done(self) -> set[tuple[int, int, int]]:
        return set(self.db.execute("SELECT first, second, round FROM games"))

    def games(self) -> list[tuple[int, int, int, GameRecord]]:
        rows = self.db.execute("SELECT first, second, round, record FROM games ORDER BY first, second, round")
        return [(a, b, r, GameRecord.from_dict(json.loads(text))) for a, b, r, text in rows]

    def add_failure(self, first: int, second: int, round_: int, error: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?)", (first, second, round_, error, time.time()))

    def failures(self) -> list[tuple[int, int, int, str]]:
        return [tuple(r) for r in self.db.execute("SELECT first, second, round, error FROM failures ORDER BY rowid")]
