"""SQLite persistence of rules, ``last_executed`` and EVENT counters.

The layout follows the original's tables (rules, triggers, targets and a separate
trigger_state with one counter per trigger id, cascade-deleted with its trigger), except
that ``last_executed`` lives in its own narrow table too (rule_state): it changes on every
fire, and rewriting the wide rules rows (description, action) for it multiplied the bytes
each commit writes. Ids are AUTOINCREMENT so a deleted trigger's id is never given to a
new one.

Only the values that change are written (``last_executed`` of one rule, one counter),
never a whole-rule snapshot: the original's stale ``Save(&rule)`` cannot happen here.
Every write goes through :meth:`Store.transaction`, committed before the engine's call
returns. File databases use WAL with ``synchronous=NORMAL``: a process crash loses
nothing committed; pass ``synchronous="FULL"`` to survive power loss as well.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from typing import Iterable, Iterator

__all__ = ["Store"]

SCHEMA_VERSION = "2"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    description TEXT NOT NULL,
    action TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rule_state (
    rule_id INTEGER PRIMARY KEY REFERENCES rules(id) ON DELETE CASCADE,
    last_executed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS triggers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    settings TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    expr TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trigger_state (
    trigger_id INTEGER PRIMARY KEY REFERENCES triggers(id) ON DELETE CASCADE,
    counter INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event_types (name TEXT PRIMARY KEY);
CREATE INDEX IF NOT EXISTS triggers_rule ON triggers(rule_id);
CREATE INDEX IF NOT EXISTS targets_rule ON targets(rule_id);
"""


# Upserts, as the original creates a state row on its first save. "{}" is one "(?, ?)" per row:
# many rows in one statement are bound by SQLite in C, not one Python round trip per row.
_UPSERT_LAST = (
    "INSERT INTO rule_state (rule_id, last_executed) VALUES {} "
    "ON CONFLICT(rule_id) DO UPDATE SET last_executed = excluded.last_executed"
)
_UPSERT_COUNTER = (
    "INSERT INTO trigger_state (trigger_id, counter) VALUES {} "
    "ON CONFLICT(trigger_id) DO UPDATE SET counter = excluded.counter"
)


def _open_error(database: str, error: sqlite3.DatabaseError) -> Exception:
    """What to tell when ``database`` cannot be opened as a rules database."""
    folder = os.path.dirname(os.path.abspath(database))
    if not os.path.isdir(folder):
        return FileNotFoundError(
            f"rules database {database!r}: the folder {folder} does not exist; create it or choose another path "
            "(the default ':memory:' keeps the rules in memory)"
        )
    if os.path.isfile(database):
        return ValueError(
            f"rules database {database!r} is not an SQLite database ({error}): choose a new file name "
            "(kit creates it) or a file a kit platform wrote"
        )
    return OSError(f"rules database {database!r} cannot be opened ({error}): choose a path kit can write to")


class Store:
    """Thin wrapper over one ``sqlite3`` connection. The engine serialises access with its lock."""

    def __init__(self, database: str | os.PathLike[str], synchronous: str = "NORMAL") -> None:
        self.database = os.fspath(database)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly one engine call.
            self.conn = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA foreign_keys = ON")
            if self.database != ":memory:" and not self.database.startswith("file::memory:"):
                self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            raise _open_error(self.database, error) from None
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous={synchronous!r}: use 'NORMAL' (default), 'FULL', 'EXTRA' or 'OFF'")
        self.conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._depth = 0
        self.conn.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS); executescript manages its own commit
        with self.transaction():
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif row[0] == "1":  # last_executed was a column of rules: move it (the old column stays, unused)
                self.conn.execute(
                    "INSERT INTO rule_state SELECT id, last_executed FROM rules WHERE last_executed IS NOT NULL"
                )
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise RuntimeError(
                    f"rules database {self.database!r} has schema version {row[0]}, this kit reads {SCHEMA_VERSION}: "
                    "use a new file"
                )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error). Nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    # -- loading
    def load(self) -> dict[str, list[tuple]]:
        """Every stored row, ordered, for the engine to rebuild its in-memory state."""
        q = self.conn.execute
        return {
            "rules": q(
                "SELECT id, description, action, rule_state.last_executed FROM rules LEFT JOIN rule_state ON rule_id = id "
                "ORDER BY id"
            ).fetchall(),
            "triggers": q("SELECT id, rule_id, type, settings FROM triggers ORDER BY rule_id, position, id").fetchall(),
            "targets": q("SELECT id, rule_id, type, expr FROM targets ORDER BY rule_id, position, id").fetchall(),
            "states": q("SELECT trigger_id, counter FROM trigger_state").fetchall(),
            "event_types": [r[0] for r in q("SELECT name FROM event_types ORDER BY name")],
        }

    # -- writes (call inside transaction())
    def insert_rule(self, description: str, action: str) -> int:
        """A new rule, never executed (no rule_state row yet)."""
        cur = self.conn.execute("INSERT INTO rules (description, action) VALUES (?, ?)", (description, action))
        return int(cur.lastrowid)

    def update_rule(self, rule_id: int, description: str, action: str) -> None:
        self.conn.execute("UPDATE rules SET description = ?, action = ? WHERE id = ?", (description, action, rule_id))

    def delete_rule(self, rule_id: int) -> None:
        self.conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))

    def insert_trigger(self, rule_id: int, ttype: str, settings: str, position: int) -> int:
        cur = self.conn.execute(
            "INSERT INTO triggers (rule_id, type, settings, position) VALUES (?, ?, ?, ?)", (rule_id, ttype, settings, position)
        )
        return int(cur.lastrowid)

    def update_trigger(self, trigger_id: int, ttype: str, settings: str, position: int) -> None:
        self.conn.execute(
            "UPDATE triggers SET type = ?, settings = ?, position = ? WHERE id = ?", (ttype, settings, position, trigger_id)
        )

    def delete_triggers(self, ids: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM triggers WHERE id = ?", [(i,) for i in ids])

    def insert_target(self, rule_id: int, ttype: str, expr: str, position: int) -> int:
        cur = self.conn.execute(
            "INSERT INTO targets (rule_id, type, expr, position) VALUES (?, ?, ?, ?)", (rule_id, ttype, expr, position)
        )
        return int(cur.lastrowid)

    def update_target(self, target_id: int, ttype: str, expr: str, position: int) -> None:
        self.conn.execute("UPDATE targets SET type = ?, expr = ?, position = ? WHERE id = ?", (ttype, expr, position, target_id))

    def delete_targets(self, ids: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM targets WHERE id = ?", [(i,) for i in ids])

    def write_state(self, last_rows: list[tuple[int, float]], counter_rows: list[tuple[int, int]]) -> None:
        """``(rule_id, last_executed)`` and ``(trigger_id, counter)`` rows, committed before it returns.

        One row is one statement, which SQLite runs as its own transaction (the common case
        of one ``publish()``); more are written in one explicit transaction.
        """
        conn = self.conn
        if len(last_rows) + len(counter_rows) == 1:
            sql = _UPSERT_LAST if last_rows else _UPSERT_COUNTER
            conn.execute(sql.format("(?, ?)"), (last_rows or counter_rows)[0])
            return
        # rows per statement: two parameters each, within this SQLite's limit (32,766; 999 before 3.32)
        size = max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 2)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in ((_UPSERT_LAST, last_rows), (_UPSERT_COUNTER, counter_rows)):
                for i in range(0, len(rows), size):
                    chunk = rows[i:i + size]
                    conn.execute(sql.format(", ".join(["(?, ?)"] * len(chunk))), [v for row in chunk for v in row])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def add_event_type(self, name: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO event_types (name) VALUES (?)", (name,))

    def close(self) -> None:
        self.conn.close()
