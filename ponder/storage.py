"""Progress on disk for long resumable runs (a scaling sweep, an arena): one SQLite file whose `meta`
table holds the settings that decide the work, so a re-run with the same settings resumes and one with
other settings is refused. WAL with synchronous=NORMAL survives a killed process (not a power cut)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from ponder.errors import PonderError

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"


class StoreError(PonderError, ValueError):
    """The store cannot be used for this run (other settings, unreadable file)."""


class SQLiteStore:
    kind = "run"  # what the store holds, for messages

    def __init__(self, path: str | Path, schema: str):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_META + schema)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot use {self.path} as a {self.kind} store: {error}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, sort_keys=True)))

    def claim(self, identity: dict[str, Any]) -> bool:
        """Record the settings that decide the work; on a store that already has settings, refuse
        different ones. Returns True when the store was new."""
        stored = self.get("identity")
        if stored is None:
            self.put("identity", identity)
            return True
        if stored != json.loads(json.dumps(identity, sort_keys=True)):
            changed = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
            raise StoreError(
                f"{self.path} holds a {self.kind} with other settings (different: {', '.join(changed)}); "
                "re-run with the same arguments to resume it, or choose another --out"
            )
        return False
