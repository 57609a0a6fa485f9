"""SQLite storage: every version of every resource, and the search index of the current ones.

One connection shared by the server's threads behind a lock: the reference server is for
conformance runs, not for load, and a single writer keeps version numbers exact.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.reference.search import IndexRow

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (type, id, version));
CREATE TABLE IF NOT EXISTS current (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (type, id));
CREATE TABLE IF NOT EXISTS search_index (
    type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, norm TEXT NOT NULL, raw TEXT NOT NULL,
    low TEXT, high TEXT);
CREATE INDEX IF NOT EXISTS search_by_value ON search_index (type, param, norm);
CREATE INDEX IF NOT EXISTS search_by_resource ON search_index (type, id);
"""


@dataclass(frozen=True, slots=True)
class Record:
    type: str
    id: str
    version: int
    last_updated: str
    resource: dict[str, Any]

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class VersionConflict(Exception):
    """The version a writer expected (If-Match) is not the current one."""

    def __init__(self, current: int | None) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


def now_instant() -> str:
    """The current time as a FHIR instant in UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM current LIMIT 1").fetchone() is None

    def exists(self, resource_type: str, resource_id: str) -> bool:
        with self._lock:
            return self._current_version(resource_type, resource_id) is not None

    def read(self, resource_type: str, resource_id: str, version: int | None = None) -> Record | None:
        with self._lock:
            if version is None:
                version = self._current_version(resource_type, resource_id)
                if version is None:
                    return None
            row = self._db.execute(
                "SELECT version, last_updated, body FROM versions WHERE type = ? AND id = ? AND version = ?",
                (resource_type, resource_id, version)).fetchone()
        return None if row is None else Record(resource_type, resource_id, row[0], row[1], json.loads(row[2]))

    def write(self, resource_type: str, resource_id: str, resource: dict[str, Any], index: Sequence[IndexRow],
              if_match: int | None = None, must_be_new: bool = False) -> tuple[Record, bool]:
        """Store a new version (meta.versionId and meta.lastUpdated set here); True when it was created.

        Raises VersionConflict when `if_match` is not the current version, or when `must_be_new`
        and the resource exists.
        """
        with self._lock, self._db:
            current = self._current_version(resource_type, resource_id)
            if (if_match is not None and current != if_match) or (must_be_new and current is not None):
                raise VersionConflict(current)
            version = (current or 0) + 1
            stamp = now_instant()
            given = resource.get("meta")
            meta = {**(given if isinstance(given, dict) else {}), "versionId": str(version), "lastUpdated": stamp}
            stored = {"resourceType": resource_type, "id": resource_id, "meta": meta,
                      **{k: v for k, v in resource.items() if k not in ("resourceType", "id", "meta")}}
            self._db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?)",
                             (resource_type, resource_id, version, stamp, json.dumps(stored)))
            self._db.execute("INSERT OR REPLACE INTO current VALUES (?, ?, ?)", (resource_type, resource_id, version))
            self._db.execute("DELETE FROM search_index WHERE type = ? AND id = ?", (resource_type, resource_id))
            self._db.executemany("INSERT INTO search_index VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [(resource_type, resource_id, *row) for row in index])
        return Record(resource_type, resource_id, version, stamp, stored), current is None

    def search(self, resource_type: str, where: str, args: Sequence[Any], limit: int,
               offset: int) -> tuple[int, list[Record]]:
        """The number of current resources matching `where` (over alias `c`), and one page of them by id."""
        condition = f"WHERE c.type = ? AND ({where})"
        joined = "FROM current c JOIN versions v ON v.type = c.type AND v.id = c.id AND v.version = c.version"
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM current c {condition}", (resource_type, *args)).fetchone()[0]
            rows = self._db.execute(f"SELECT c.id, v.version, v.last_updated, v.body {joined} {condition} "
                                    "ORDER BY c.id LIMIT ? OFFSET ?", (resource_type, *args, limit, offset)).fetchall()
        return total, [Record(resource_type, r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def current(self, resource_type: str) -> list[Record]:
        """Every current resource of a type, by id: for API behaviours that search their records themselves."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, v.version, v.last_updated, v.body FROM current c JOIN versions v ON v.type = c.type "
                "AND v.id = c.id AND v.version = c.version WHERE c.type = ? ORDER BY c.id", (resource_type,)).fetchall()
        return [Record(resource_type, r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def _current_version(self, resource_type: str, resource_id: str) -> int | None:
        row = self._db.execute("SELECT version FROM current WHERE type = ? AND id = ?",
                               (resource_type, resource_id)).fetchone()
        return None if row is None else int(row[0])
