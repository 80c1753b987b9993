"""SQLite persistence of rules, ``last_executed`` and EVENT counters.

The layout follows the original's tables (rules, triggers, targets and a separate
trigger_state with one counter per trigger id, cascade-deleted with its trigger).
Ids are AUTOINCREMENT so a deleted trigger's id is never given to a new one.

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

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    description TEXT NOT NULL,
    action TEXT NOT NULL,
    last_executed REAL
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


_UPDATE_LAST = "UPDATE rules SET last_executed = ? WHERE id = ?"
_UPSERT_COUNTER = (
    "INSERT INTO trigger_state (trigger_id, counter) VALUES (?, ?) "
    "ON CONFLICT(trigger_id) DO UPDATE SET counter = excluded.counter"
)


class Store:
    """Thin wrapper over one ``sqlite3`` connection. The engine serialises access with its lock."""

    def __init__(self, database: str | os.PathLike[str], synchronous: str = "NORMAL") -> None:
        self.database = os.fspath(database)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly one engine call.
        self.conn = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys = ON")
        if self.database != ":memory:" and not self.database.startswith("file::memory:"):
            self.conn.execute("PRAGMA journal_mode = WAL")
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous={synchronous!r}: use 'NORMAL' (default), 'FULL', 'EXTRA' or 'OFF'")
        self.conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._depth = 0
        self.conn.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS); executescript manages its own commit
        with self.transaction():
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
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
            "rules": q("SELECT id, description, action, last_executed FROM rules ORDER BY id").fetchall(),
            "triggers": q("SELECT id, rule_id, type, settings FROM triggers ORDER BY rule_id, position, id").fetchall(),
            "targets": q("SELECT id, rule_id, type, expr FROM targets ORDER BY rule_id, position, id").fetchall(),
            "states": q("SELECT trigger_id, counter FROM trigger_state").fetchall(),
            "event_types": [r[0] for r in q("SELECT name FROM event_types ORDER BY name")],
        }

    # -- writes (call inside transaction())
    def insert_rule(self, description: str, action: str, last_executed: float | None) -> int:
        cur = self.conn.execute(
            "INSERT INTO rules (description, action, last_executed) VALUES (?, ?, ?)", (description, action, last_executed)
        )
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

    def set_last_executed(self, rows: Iterable[tuple[float | None, int]]) -> None:
        """rows: (last_executed, rule_id)."""
        self.conn.executemany(_UPDATE_LAST, rows)

    def set_last_executed_one(self, last_executed: float | None, rule_id: int) -> None:
        """One statement outside BEGIN/COMMIT: SQLite runs it as its own (atomic, committed) transaction."""
        self.conn.execute(_UPDATE_LAST, (last_executed, rule_id))

    def set_counter_one(self, trigger_id: int, counter: int) -> None:
        """One upsert as its own transaction (see :meth:`set_last_executed_one`)."""
        self.conn.execute(_UPSERT_COUNTER, (trigger_id, counter))

    def set_counters(self, rows: Iterable[tuple[int, int]]) -> None:
        """rows: (trigger_id, counter); upsert, as the original creates the state row on first save."""
        self.conn.executemany(_UPSERT_COUNTER, rows)

    def write_batch(self, rule_rows: list[tuple[float | None, int]], counter_rows: list[tuple[int, int]]) -> None:
        """last_executed rows and counter rows in one transaction (the hot path of publish and run_due)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executemany pays a setup cost; a few single statements are cheaper
            if len(rule_rows) > 8:
                conn.executemany(_UPDATE_LAST, rule_rows)
            else:
                for row in rule_rows:
                    conn.execute(_UPDATE_LAST, row)
            if len(counter_rows) > 8:
                conn.executemany(_UPSERT_COUNTER, counter_rows)
            else:
                for row in counter_rows:
                    conn.execute(_UPSERT_COUNTER, row)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def add_event_type(self, name: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO event_types (name) VALUES (?)", (name,))

    def close(self) -> None:
        self.conn.close()
