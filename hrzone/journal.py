"""The history's journal: sessions without heart rate (strength, stretching, balance), the kind
of each session, how it felt (hrzone.feel.Feel) and hints already said. SQL over the
connection hrzone.store opens (tables from its migrations m003-m005).

A logged activity is a session like any other (it shows in `log list`, can be removed with
`log rm`) with format "manual", no heart rate and no credited seconds; its one row in
``credits`` (all zeros) puts it on its local day.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import date, datetime, tzinfo

import numpy as np

from hrzone import store
from hrzone.activities import DayKind
from hrzone.feel import Feel, Rated
from hrzone.week import credit_days

MANUAL_FORMAT = "manual"


def add_activity(db: sqlite3.Connection, kind: str, start: datetime, duration_s: float,
                 tz: tzinfo) -> int:
    """Store a session without heart rate of `kind` starting at aware `start`; its id."""
    summary = {"kind": kind, "duration_s": duration_s, "start": start.isoformat()}
    days = credit_days(start, np.zeros(0, np.int8), tz)
    with store.transaction(db):
        cur = db.execute(
            "INSERT INTO sessions (content_hash, path, fmt, start, start_epoch, end_epoch, "
            "duration_s, valid_s, low_s, moderate_s, high_s, has_rr, thresholds, summary, "
            "per_second, added, origin, kind) VALUES (?,?,?,?,?,?,?,0,0,0,0,0,?,?,?,?,?,?)",
            (f"manual:{uuid.uuid4().hex}", f"(logged {kind})", MANUAL_FORMAT, start.isoformat(),
             start.timestamp(), start.timestamp() + duration_s, float(duration_s),
             json.dumps(None), json.dumps(summary), store.pack_hr(np.zeros(0, np.uint8)),
             datetime.now(start.tzinfo).isoformat(timespec="seconds"), "device", kind))
        sid = int(cur.lastrowid or 0)
        db.executemany("INSERT INTO credits (session_id, day, moderate_s, high_s, valid_s) "
                       "VALUES (?,?,0,0,0)", [(sid, d.day.isoformat()) for d in days])
    return sid


def set_kind(db: sqlite3.Connection, sid: int, kind: str) -> None:
    """Mark a stored session as `kind` (a strength FIT file)."""
    with store.transaction(db):
        db.execute("UPDATE sessions SET kind = ? WHERE id = ?", (kind, sid))


def kinds_on_days(db: sqlite3.Connection, first: date, last: date) -> list[DayKind]:
    """Every (day, kind) of primary sessions crediting a day in [first, last]."""
    from hrzone.credit import credited_s

    return [DayKind(date.fromisoformat(r[0]), r[1], credited_s(r[2], r[3]))
            for r in db.execute(
                "SELECT c.day, s.kind, c.moderate_s, c.high_s FROM credits c "
                "JOIN sessions s ON s.id = c.session_id WHERE s.duplicate_of IS NULL "
                "AND c.day >= ? AND c.day <= ? ORDER BY c.day, s.start_epoch",
                (first.isoformat(), last.isoformat()))]


_FEEL = "id, valid_s, high_s, rpe, feel_scale, fatigue_before, fatigue_after, warm, feel_note"


def _feel(r: sqlite3.Row) -> Feel:
    return Feel(rpe=r["rpe"], scale=r["feel_scale"], fatigue_before=r["fatigue_before"],
                fatigue_after=r["fatigue_after"], warm=bool(r["warm"]), text=r["feel_note"] or "")


def get_feel(db: sqlite3.Connection, sid: int) -> Feel | None:
    """The note of session `sid`, if it has one."""
    r = db.execute(f"SELECT {_FEEL} FROM sessions WHERE id = ? AND feel_scale IS NOT NULL",
                   (sid,)).fetchone()
    return None if r is None else _feel(r)


def feels(db: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Feel]:
    """Notes of these sessions, by id (sessions without one are left out)."""
    ids = list(ids)
    if not ids:
        return {}
    q = (f"SELECT {_FEEL} FROM sessions WHERE feel_scale IS NOT NULL "
         f"AND id IN ({','.join('?' * len(ids))})")
    return {int(r["id"]): _feel(r) for r in db.execute(q, ids)}


def set_feel(db: sqlite3.Connection, sid: int, feel: Feel) -> None:
    """Store (replace) the note of session `sid`; StoreError if there is no such session."""
    store.get_session(db, sid)
    with store.transaction(db):
        db.execute("UPDATE sessions SET rpe = ?, feel_scale = ?, fatigue_before = ?, "
                   "fatigue_after = ?, warm = ?, feel_note = ? WHERE id = ?",
                   (feel.rpe, feel.scale, feel.fatigue_before, feel.fatigue_after,
                    int(feel.warm), feel.text, sid))


def rated_sessions(db: sqlite3.Connection) -> list[Rated]:
    """Primary heart-rate sessions with an RPE, oldest first, for feel.blunted_check."""
    return [Rated(int(r["id"]), _feel(r), float(r["valid_s"]), float(r["high_s"]))
            for r in db.execute(
                f"SELECT {_FEEL} FROM sessions WHERE duplicate_of IS NULL AND rpe IS NOT NULL "
                "AND valid_s > 0 ORDER BY start_epoch, id")]


def hint_said(db: sqlite3.Connection, key: str) -> bool:
    """Whether the hint `key` was said already."""
    return db.execute("SELECT 1 FROM hints WHERE key = ?", (key,)).fetchone() is not None


def mark_hint(db: sqlite3.Connection, key: str) -> None:
    """Remember that the hint `key` was said."""
    with store.transaction(db):
        db.execute("INSERT OR IGNORE INTO hints (key, said) VALUES (?, ?)",
                   (key, datetime.now().astimezone().isoformat(timespec="seconds")))

