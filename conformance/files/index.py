"""The export-wide index of the cross-file rules, kept on disk so memory does not grow with the export.

Partitions send compact tuples (ids, references, identifier values); they are appended here in
partition order — so row order, and every "first occurrence", is the same whatever the number of
workers — into a SQLite file in a private temporary folder, with a small page cache. The joins
that find duplicates and dangling references run in SQLite after the per-file pass, streaming
their answers; only what is wrong comes back into Python.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence

from conformance.files.partials import PartitionIndex

CACHE_KIB = 8 * 1024  # SQLite page cache: what the index may hold in memory

_SCHEMA = """
CREATE TABLE ids(key TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL);
CREATE TABLE refs(target TEXT NOT NULL, raw TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL,
                  location TEXT NOT NULL, subject TEXT NOT NULL, general INTEGER NOT NULL);
CREATE TABLE idents(rule INTEGER NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL, file INTEGER NOT NULL,
                    line INTEGER NOT NULL, location TEXT NOT NULL);
"""


class ExportIndex:
    """Append partitions with `add`, then `finish` once and ask the questions."""

    def __init__(self, directory: str | None = None) -> None:
        self._folder = tempfile.mkdtemp(prefix="conformance-index-", dir=directory)
        self.db = sqlite3.connect(os.path.join(self._folder, "index.sqlite"))
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", f"cache_size=-{CACHE_KIB}"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(_SCHEMA)
        self.rows = 0

    def add(self, file: int, line_offset: int, index: PartitionIndex) -> None:
        """A partition's entries; its local lines become the file's lines."""
        if not len(index):
            return
        shift = line_offset
        self.db.executemany("INSERT INTO ids VALUES (?, ?, ?)",
                            ((key, file, line + shift if line else 0) for key, line in index.ids))
        self.db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?, ?)",
                            ((target, raw, file, line + shift if line else 0, location, subject, int(general))
                             for target, raw, line, location, subject, general in index.refs))
        self.db.executemany("INSERT INTO idents VALUES (?, ?, ?, ?, ?, ?)",
                            ((rule, value, owner, file, line + shift if line else 0, location)
                             for rule, value, owner, line, location in index.idents))
        self.rows += len(index)

    def finish(self) -> None:
        self.db.executescript("CREATE INDEX ids_key ON ids(key); CREATE INDEX idents_rule ON idents(rule, value);")
        self.db.commit()

    # -- questions -------------------------------------------------------------------------------------
    def duplicate_ids(self) -> Iterator[tuple[str, int, int, int, int]]:
        """(key, file, line, first file, first line) for every occurrence of a Type/id after its first."""
        query = """
            SELECT i.key, i.file, i.line, f.file, f.line FROM ids i
            JOIN (SELECT key, MIN(rowid) AS first FROM ids GROUP BY key HAVING COUNT(*) > 1) d ON d.key = i.key
            JOIN ids f ON f.rowid = d.first
            WHERE i.rowid != d.first ORDER BY i.rowid"""
        yield from self.db.execute(query)

    def unresolved(self, *, general: bool = False, subjects: Sequence[str] = ()) -> Iterator[tuple[str, int, int, str, str]]:
        """(reference, file, line, location, subject element) of references whose target is not in the export:
        the general ones, or those held by the named subject elements."""
        if general:
            where, params = "r.general = 1", []
        else:
            where, params = f"r.subject IN ({', '.join('?' * len(subjects))})", list(subjects)
        query = f"""
            SELECT r.raw, r.file, r.line, r.location, r.subject FROM refs r
            WHERE {where} AND NOT EXISTS (SELECT 1 FROM ids i WHERE i.key = r.target) ORDER BY r.rowid"""
        yield from self.db.execute(query, params)

    def shared_identifiers(self, rule: int) -> Iterator[tuple[str, str, int, int, str]]:
        """(value, owner, file, line, location) of every occurrence of an identifier value that more
        than one owner holds, in export order."""
        query = """
            SELECT value, owner, file, line, location FROM idents
            WHERE rule = ? AND value IN (SELECT value FROM idents WHERE rule = ? GROUP BY value
                                         HAVING COUNT(DISTINCT owner) > 1)
            ORDER BY rowid"""
        yield from self.db.execute(query, (rule, rule))

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> ExportIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
