"""Session history: an SQLite database in the user data folder (hrzone.paths.history_path).

- WAL mode, a 30 s busy timeout and ``BEGIN IMMEDIATE`` for every write, so several processes
  (``log add`` twice, ``live`` while ``week`` reads) can share it without losing anything.
- Schema changes are numbered migrations (``@migration def m001_...``), their names recorded in
  ``_migrations`` (the pattern of simonw/llm's migrations.py).
- A session's key is the SHA-256 of its file's bytes: adding the same file twice gives one session.
- Each session keeps its per-second HR (zlib-compressed uint8, 0 = not credited), so days can be
  re-credited with new thresholds (``recompute``) and a session across midnight credits each
  local day with its own seconds (table ``credits``).
- The same workout from two sources (a watch FIT and its Strava GPX; a live recording and the
  watch file) overlaps in time: one session is kept as primary (RR over HR-only, live recording
  over imported, then more valid time) and the others are linked to it (``duplicate_of``) and
  credit nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hrzone.credit import credited_min, shown_min
from hrzone.errors import StoreError
from hrzone.paths import create_private, history_path
from hrzone.profile import Profile
from hrzone.week import (
    DayCredit,
    DayTotal,
    credit_days,
    streak,
    week_report,
    week_start_of,
    weekly_totals,
    weeks_table,
)
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds, classify

BUSY_TIMEOUT_MS = 30_000
OVERLAP_FRACTION = 0.5  # overlap of at least half the shorter session = the same workout
MAX_SESSION_S = 24 * 3600  # longer is not a plausible workout: never linked as a duplicate
ORIGINS = ("device", "virtual", "simulated")
LIVE_FORMATS = frozenset({"recording"})

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register a schema migration; they run once each, in definition order."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            fmt TEXT NOT NULL,
            start TEXT NOT NULL,              -- ISO 8601 with the recording's offset
            start_epoch REAL NOT NULL,        -- seconds since 1970 UTC
            end_epoch REAL NOT NULL,
            duration_s REAL NOT NULL,
            valid_s REAL NOT NULL,
            low_s INTEGER NOT NULL,
            moderate_s INTEGER NOT NULL,
            high_s INTEGER NOT NULL,
            has_rr INTEGER NOT NULL,
            thresholds TEXT NOT NULL,         -- JSON of zones.Thresholds used for the credits
            summary TEXT NOT NULL,            -- JSON of Summary.to_json() when added
            per_second BLOB NOT NULL,         -- zlib(uint8 HR per second), 0 = not credited
            duplicate_of INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
            added TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX sessions_time ON sessions(start_epoch, end_epoch)")
    db.execute("""
        CREATE TABLE credits (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            day TEXT NOT NULL,                -- local calendar day, YYYY-MM-DD
            moderate_s INTEGER NOT NULL,
            high_s INTEGER NOT NULL,
            valid_s INTEGER NOT NULL,
            PRIMARY KEY (session_id, day)
        )""")
    db.execute("CREATE INDEX credits_day ON credits(day)")


@migration
def m002_origin(db: sqlite3.Connection) -> None:
    # Where a session came from: "device" (a strap or a workout file), "virtual" (live
    # --virtual) or "simulated" (a simulator recording). Only an explicit --save or `log add`
    # puts the last two in the history, and they are shown as such.
    db.execute("ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'device'")


@migration
def m003_kind(db: sqlite3.Connection) -> None:
    # What a session was (hrzone.activities.KINDS): heart-rate sessions are cardio unless their
    # file says strength; `log strength|stretch|balance` adds sessions without heart rate.
    db.execute("ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'cardio'")


@migration
def m004_feel(db: sqlite3.Connection) -> None:
    # How a session felt (hrzone.feel.Feel, via hrzone.journal), stored with the session;
    # feel_scale is NULL until a note is made.
    for col in ("rpe REAL", "feel_scale TEXT", "fatigue_before INTEGER", "fatigue_after INTEGER",
                "warm INTEGER NOT NULL DEFAULT 0", "feel_note TEXT NOT NULL DEFAULT ''"):
        db.execute(f"ALTER TABLE sessions ADD COLUMN {col}")


@migration
def m005_hints(db: sqlite3.Connection) -> None:
    # Hints said once (the blunted-response hint): their key and when they were said.
    db.execute("CREATE TABLE hints (key TEXT PRIMARY KEY, said TEXT NOT NULL) WITHOUT ROWID")


@migration
def m010_imported_files(db: sqlite3.Connection) -> None:
    # Files that hold many sessions (an Apple Health export): the file's content hash and the
    # sessions it gave, so that adding the same export again is recognised without reading it.
    db.execute("""
        CREATE TABLE imported_files (
            content_hash TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            fmt TEXT NOT NULL,
            session_ids TEXT NOT NULL,        -- JSON list of the sessions it holds
            added TEXT NOT NULL
        )""")


@migration
def m020_people(db: sqlite3.Connection) -> None:
    # The class roster (hrzone.roster): each participant's strap, thresholds, target and cue
    # settings. Their sessions live in their own history (paths.person_dir), not in this one.
    db.execute("""
        CREATE TABLE people (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: it names the person's folder
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            strap TEXT NOT NULL,
            thresholds TEXT NOT NULL,              -- JSON of zones.Thresholds
            options TEXT NOT NULL,                 -- JSON of the threshold options given
            target TEXT NOT NULL,
            cues TEXT NOT NULL,                    -- JSON of the cue settings given
            added TEXT NOT NULL
        )""")


def _apply_migrations(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    for fn in MIGRATIONS:
        if fn.__name__ not in done:
            fn(db)
            db.execute("INSERT INTO _migrations (name, applied) VALUES (?, ?)",
                       (fn.__name__, _now_iso()))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_db(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating, 0o600, and migrating) the history database; StoreError if impossible."""
    p = Path(path) if path is not None else history_path()
    try:
        if not p.exists():
            try:  # 0o600 whatever the umask; SQLite gives its -wal/-shm files the same mode
                os.close(create_private(p))
            except FileExistsError:
                pass  # another hrzone created it a moment ago
        db = _connect_and_migrate(p)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{p}: cannot open the session history: {e}") from None
    except OSError as e:
        raise StoreError(f"{p}: cannot create the session history: {e.strerror}") from None
    return db


def _connect_and_migrate(p: Path) -> sqlite3.Connection:
    # Switching a brand-new file to WAL needs an exclusive lock, and SQLite does not always wait
    # for it through the busy handler when two processes open the file at the same moment:
    # retry "locked"/"busy" for up to the busy timeout.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        db = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            with transaction(db):
                _apply_migrations(db)
            return db
        except sqlite3.OperationalError as e:
            db.close()
            msg = str(e).lower()
            if ("locked" not in msg and "busy" not in msg) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken with BEGIN IMMEDIATE (waits up to the busy timeout).

    A write the disk refuses (full, read-only, file-size limit) becomes a one-line StoreError
    and leaves the history as it was before the transaction.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.OperationalError as e:
        if db.in_transaction:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise StoreError(f"{_db_file(db)}: cannot write the session history: {e}") from None


def _db_file(db: sqlite3.Connection) -> str:
    try:
        return str(db.execute("PRAGMA database_list").fetchone()[2] or "history")
    except sqlite3.Error:
        return "history"


def file_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of a file's bytes: the session key."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise StoreError(f"{path}: cannot read: {e.strerror}") from None
    return h.hexdigest()


def pack_hr(per_second_hr: np.ndarray) -> bytes:
    """Compress per-second HR (uint8 bpm) for storage."""
    return zlib.compress(np.asarray(per_second_hr, np.uint8).tobytes(), 6)


def unpack_hr(blob: bytes) -> np.ndarray:
    """Per-second HR (uint8 bpm) from pack_hr's bytes."""
    return np.frombuffer(zlib.decompress(blob), np.uint8)


class SummaryLike(Protocol):
    """What the store needs of hrzone.summary.Summary."""

    fmt: str
    start: datetime
    duration_s: float
    valid_s: float
    low_s: float
    moderate_s: float
    high_s: float
    has_rr: bool
    thresholds: Thresholds
    per_second_hr: np.ndarray

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of adding a session: its id, whether it was new, and the primary it is linked to."""

    id: int
    created: bool
    duplicate_of: int | None
    path: str


def zones_per_second(per_second_hr: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Zone per second (INVALID where HR is 0) by zones.classify, no hysteresis."""
    return classify(per_second_hr.astype(np.float64), per_second_hr > 0, thresholds)


def add_summary(db: sqlite3.Connection, summary: SummaryLike, path: str | os.PathLike[str],
                content_hash: str, tz: tzinfo, origin: str = "device") -> AddResult:
    """Add one summarised session (idempotent on content_hash) and credit its local days in `tz`.

    The session keeps the summary's own seconds per zone (the numbers `summary` shows); the
    per-second HR says on which local day they fell (week.credit_days). Overlapping sessions
    are grouped: the richest stays primary, the others are linked to it.
    """
    if summary.start.tzinfo is None:
        raise StoreError(f"{path}: session start time has no time zone")
    if origin not in ORIGINS:
        raise StoreError(f"{path}: unknown session origin {origin!r}")
    hr = np.asarray(summary.per_second_hr, np.uint8)
    start_epoch = summary.start.timestamp()
    end_epoch = start_epoch + float(summary.duration_s)
    days = credit_days(summary.start, zones_per_second(hr, summary.thresholds), tz,
                       summary.moderate_s, summary.high_s, summary.valid_s)
    with transaction(db):
        row = db.execute("SELECT id, duplicate_of, path FROM sessions WHERE content_hash = ?",
                         (content_hash,)).fetchone()
        if row is not None:
            return AddResult(row["id"], False, row["duplicate_of"], row["path"])
        cur = db.execute(
            "INSERT INTO sessions (content_hash, path, fmt, start, start_epoch, end_epoch, "
            "duration_s, valid_s, low_s, moderate_s, high_s, has_rr, thresholds, summary, "
            "per_second, added, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (content_hash, str(path), summary.fmt, summary.start.isoformat(), start_epoch,
             end_epoch, float(summary.duration_s), float(summary.valid_s),
             float(summary.low_s), float(summary.moderate_s), float(summary.high_s),
             int(bool(summary.has_rr)), json.dumps(summary.thresholds.to_json()),
             json.dumps(summary.to_json()), pack_hr(hr), _now_iso(), origin))
        sid = int(cur.lastrowid or 0)
        _write_credits(db, sid, days)
        primary = _regroup(db, sid)
    return AddResult(sid, True, None if primary == sid else primary, str(path))


def _write_credits(db: sqlite3.Connection, sid: int, days: list[DayCredit]) -> None:
    db.execute("DELETE FROM credits WHERE session_id = ?", (sid,))
    db.executemany("INSERT INTO credits (session_id, day, moderate_s, high_s, valid_s) "
                   "VALUES (?,?,?,?,?)",
                   [(sid, d.day.isoformat(), d.moderate_s, d.high_s, d.valid_s) for d in days])


def _rank(r: sqlite3.Row) -> tuple[int, int, float, int]:
    # RR over HR-only, a live recording over an imported file, then more valid time, then older.
    return (int(r["has_rr"]), int(r["fmt"] in LIVE_FORMATS), float(r["valid_s"]), -int(r["id"]))


def _plausible(r: sqlite3.Row) -> bool:
    # Only a real workout can be the same workout as another: at most 24 h, some credited time.
    return 0 < r["end_epoch"] - r["start_epoch"] <= MAX_SESSION_S and r["valid_s"] > 0


def _overlaps(a: sqlite3.Row, b: sqlite3.Row) -> bool:
    """The same workout: two plausible sessions overlapping by at least half the shorter one."""
    if not (_plausible(a) and _plausible(b)):
        return False
    ov = min(a["end_epoch"], b["end_epoch"]) - max(a["start_epoch"], b["start_epoch"])
    shorter = min(a["end_epoch"] - a["start_epoch"], b["end_epoch"] - b["start_epoch"])
    return ov > 0 and ov >= OVERLAP_FRACTION * max(shorter, 1.0)


_COLS = "id, fmt, start_epoch, end_epoch, valid_s, has_rr, duplicate_of"


def _regroup(db: sqlite3.Connection, sid: int) -> int:
    """Link the group of sessions overlapping `sid` to its richest member; return that id."""
    group = {sid: db.execute(f"SELECT {_COLS} FROM sessions WHERE id = ?", (sid,)).fetchone()}
    todo = [sid]
    while todo:
        r = group[todo.pop()]
        near = db.execute(f"SELECT {_COLS} FROM sessions WHERE start_epoch < ? AND end_epoch > ? "
                          "AND id != ?", (r["end_epoch"], r["start_epoch"], r["id"])).fetchall()
        for o in near:
            if o["id"] not in group and _overlaps(r, o):
                group[o["id"]] = o
                todo.append(o["id"])
    best = max(group.values(), key=_rank)["id"]
    for gid, r in group.items():
        want = None if gid == best else best
        if r["duplicate_of"] != want:
            db.execute("UPDATE sessions SET duplicate_of = ? WHERE id = ?", (want, gid))
    return int(best)


def remove(db: sqlite3.Connection, sid: int) -> list[int]:
    """Delete a session; sessions linked to it are regrouped. Returns the ids regrouped."""
    with transaction(db):
        if db.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None:
            raise StoreError(f"no session with id {sid} (see `hrzone log list`)")
        linked = [r[0] for r in db.execute(
            "SELECT id FROM sessions WHERE duplicate_of = ?", (sid,))]
        db.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        done: set[int] = set()
        for lid in linked:
            if lid not in done:
                db.execute("UPDATE sessions SET duplicate_of = NULL WHERE id = ?", (lid,))
                done.add(_regroup(db, lid))
    return linked


@dataclass(frozen=True, slots=True)
class Recredit:
    """What re-crediting one session with new thresholds gives (seconds), and how it is split
    over local days. `exact`: re-summarised from its unchanged file (the numbers `summary` gives);
    otherwise re-credited from the stored per-second HR (the file is gone or changed)."""

    id: int
    old_moderate_s: float
    old_high_s: float
    low_s: float
    moderate_s: float
    high_s: float
    valid_s: float
    days: list[DayCredit]
    exact: bool

    @property
    def changed(self) -> bool:
        """Whether the session's credited seconds change (beyond float noise)."""
        return (abs(self.moderate_s - self.old_moderate_s) > 1e-6
                or abs(self.high_s - self.old_high_s) > 1e-6)


def _recredit(r: sqlite3.Row, thresholds: Thresholds, tz: tzinfo) -> Recredit:
    start = datetime.fromisoformat(r["start"])
    hr = unpack_hr(r["per_second"])
    z = zones_per_second(hr, thresholds)
    if json.loads(r["thresholds"]) == thresholds.to_json():
        secs = (r["low_s"], r["moderate_s"], r["high_s"], r["valid_s"])  # already credited so
        exact = True
    else:
        secs, exact = _resummarise(r, thresholds), True
        if secs is None:
            secs = (float(np.count_nonzero(z == LOW)), float(np.count_nonzero(z == MODERATE)),
                    float(np.count_nonzero(z == HIGH)), float(r["valid_s"]))
            exact = False
    low, mod, high, valid = (float(x) for x in secs)
    return Recredit(int(r["id"]), float(r["moderate_s"]), float(r["high_s"]), low, mod, high,
                    valid, credit_days(start, z, tz, mod, high, valid), exact)


def _resummarise(r: sqlite3.Row, thresholds: Thresholds) -> tuple[float, ...] | None:
    """Zone seconds of the session's own file summarised again, if it is there unchanged."""
    from hrzone.errors import HrzoneError
    from hrzone.loader import load_workout
    from hrzone.summary import summarise_workout

    p = Path(r["path"])
    try:
        if not p.is_file() or file_hash(p) != r["content_hash"]:
            return None
        s = summarise_workout(load_workout(p, r["fmt"]), thresholds)
    except (HrzoneError, OSError):
        return None
    return (s.low_s, s.moderate_s, s.high_s, s.valid_s)


def plan_recompute(db: sqlite3.Connection, thresholds: Thresholds, tz: tzinfo) -> list[Recredit]:
    """What `recompute` would write for every session (nothing is written)."""
    rows = db.execute("SELECT id, path, fmt, start, content_hash, per_second, thresholds, "
                      "low_s, moderate_s, high_s, valid_s FROM sessions ORDER BY id").fetchall()
    return [_recredit(r, thresholds, tz) for r in rows]


def recompute(db: sqlite3.Connection, thresholds: Thresholds, tz: tzinfo) -> list[Recredit]:
    """Re-credit every session with `thresholds` and split its days in `tz`: the explicit,
    documented re-credit after a threshold change. Returns what was written per session."""
    plan = plan_recompute(db, thresholds, tz)
    with transaction(db):
        for c in plan:
            db.execute("UPDATE sessions SET low_s = ?, moderate_s = ?, high_s = ?, valid_s = ?, "
                       "thresholds = ? WHERE id = ?",
                       (c.low_s, c.moderate_s, c.high_s, c.valid_s,
                        json.dumps(thresholds.to_json()), c.id))
            _write_credits(db, c.id, c.days)
    return plan


def session_days(db: sqlite3.Connection, first: date, last: date) -> dict[int, list[DayCredit]]:
    """Stored day credits in [first, last] of primary sessions, by session id."""
    out: dict[int, list[DayCredit]] = {}
    for r in db.execute(
            "SELECT c.session_id, c.day, c.moderate_s, c.high_s, c.valid_s FROM credits c "
            "JOIN sessions s ON s.id = c.session_id WHERE s.duplicate_of IS NULL "
            "AND c.day >= ? AND c.day <= ?", (first.isoformat(), last.isoformat())):
        out.setdefault(int(r[0]), []).append(
            DayCredit(date.fromisoformat(r[1]), float(r[2]), float(r[3]), float(r[4])))
    return out


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored session as listed (seconds; start as an aware datetime)."""

    id: int
    path: str
    fmt: str
    start: datetime
    duration_s: float
    valid_s: float
    low_s: float
    moderate_s: float
    high_s: float
    has_rr: bool
    duplicate_of: int | None
    content_hash: str
    thresholds: dict[str, Any]
    origin: str = "device"
    kind: str = "cardio"

    @property
    def credited_min(self) -> float:
        """Moderate-equivalent minutes, unrounded (0 for a linked duplicate: it is credited via
        its primary)."""
        if self.duplicate_of is not None:
            return 0.0
        return credited_min(self.moderate_s, self.high_s)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "format": self.fmt, "origin": self.origin,
                "kind": self.kind,
                "start": self.start.isoformat(), "duration_s": round(self.duration_s, 1),
                "valid_s": round(self.valid_s, 1),
                "zones": {"low_s": round(self.low_s, 1), "moderate_s": round(self.moderate_s, 1),
                          "high_s": round(self.high_s, 1)},
                "minutes": {"moderate": shown_min(self.moderate_s / 60),
                            "vigorous": shown_min(self.high_s / 60),
                            "credited": shown_min(self.credited_min)},
                "has_rr": self.has_rr, "duplicate_of": self.duplicate_of,
                "content_hash": self.content_hash}


_ROW_COLS = ("id, path, fmt, start, duration_s, valid_s, low_s, moderate_s, high_s, has_rr, "
             "duplicate_of, content_hash, thresholds, origin, kind")


def _session(r: sqlite3.Row) -> SessionRow:
    return SessionRow(r["id"], r["path"], r["fmt"], datetime.fromisoformat(r["start"]),
                      r["duration_s"], r["valid_s"], float(r["low_s"]), float(r["moderate_s"]),
                      float(r["high_s"]), bool(r["has_rr"]), r["duplicate_of"],
                      r["content_hash"], json.loads(r["thresholds"]), r["origin"], r["kind"])


def list_sessions(db: sqlite3.Connection, since: datetime | None = None,
                  until: datetime | None = None) -> list[SessionRow]:
    """Sessions ordered by start time, optionally those starting in [since, until)."""
    q = f"SELECT {_ROW_COLS} FROM sessions"
    args: list[float] = []
    if since is not None or until is not None:
        q += " WHERE start_epoch >= ? AND start_epoch < ?"
        args = [since.timestamp() if since else float("-inf"),
                until.timestamp() if until else float("inf")]
    return [_session(r) for r in db.execute(q + " ORDER BY start_epoch, id", args)]


def get_session(db: sqlite3.Connection, sid: int) -> SessionRow:
    """One stored session; StoreError if there is none with that id."""
    r = db.execute(f"SELECT {_ROW_COLS} FROM sessions WHERE id = ?", (sid,)).fetchone()
    if r is None:
        raise StoreError(f"no session with id {sid} (see `hrzone log list`)")
    return _session(r)


def session_detail(db: sqlite3.Connection, sid: int) -> dict[str, Any]:
    """Everything `log show` prints: the row, its stored summary, days credited, linked sessions."""
    s = get_session(db, sid)
    summary = json.loads(db.execute("SELECT summary FROM sessions WHERE id = ?", (sid,)).fetchone()[0])
    days = [{"day": r["day"], "moderate_s": round(r["moderate_s"], 1),
             "high_s": round(r["high_s"], 1), "valid_s": round(r["valid_s"], 1),
             "credited": shown_min(credited_min(r["moderate_s"], r["high_s"]))}
            for r in db.execute(
        "SELECT day, moderate_s, high_s, valid_s FROM credits WHERE session_id = ? ORDER BY day",
        (sid,))]
    linked = [{"id": r["id"], "path": r["path"], "format": r["fmt"]} for r in db.execute(
        "SELECT id, path, fmt FROM sessions WHERE duplicate_of = ? ORDER BY id", (sid,))]
    return {**s.to_json(), "thresholds": s.thresholds, "days": days, "linked": linked,
            "summary": summary}


def per_second(db: sqlite3.Connection, sid: int) -> np.ndarray:
    """The stored per-second HR of a session (uint8 bpm, 0 = not credited)."""
    r = db.execute("SELECT per_second FROM sessions WHERE id = ?", (sid,)).fetchone()
    if r is None:
        raise StoreError(f"no session with id {sid} (see `hrzone log list`)")
    return unpack_hr(r[0])


def day_totals(db: sqlite3.Connection, first: date | None = None,
               last: date | None = None) -> dict[date, DayTotal]:
    """Credited seconds per local day over primary sessions (duplicates excluded)."""
    q = ("SELECT c.day, SUM(c.moderate_s), SUM(c.high_s), COUNT(*) FROM credits c "
         "JOIN sessions s ON s.id = c.session_id WHERE s.duplicate_of IS NULL")
    args: list[str] = []
    if first is not None:
        q += " AND c.day >= ?"
        args.append(first.isoformat())
    if last is not None:
        q += " AND c.day <= ?"
        args.append(last.isoformat())
    out: dict[date, DayTotal] = {}
    for day, mod, high, n in db.execute(q + " GROUP BY c.day", args):
        d = date.fromisoformat(day)
        out[d] = DayTotal(d, float(mod), float(high), int(n))
    return out


def sessions_on_days(db: sqlite3.Connection, first: date, last: date) -> list[SessionRow]:
    """Primary sessions that credit any day in [first, last], by start time."""
    q = (f"SELECT {', '.join('s.' + c.strip() for c in _ROW_COLS.split(','))} FROM sessions s "
         "WHERE s.duplicate_of IS NULL AND s.id IN (SELECT session_id FROM credits "
         "WHERE day >= ? AND day <= ?) ORDER BY s.start_epoch, s.id")
    return [_session(r) for r in db.execute(q, (first.isoformat(), last.isoformat()))]


def find_hash(db: sqlite3.Connection, content_hash: str) -> AddResult | None:
    """The session already stored under this content hash, if any."""
    r = db.execute("SELECT id, duplicate_of, path FROM sessions WHERE content_hash = ?",
                   (content_hash,)).fetchone()
    return None if r is None else AddResult(r["id"], False, r["duplicate_of"], r["path"])


def known_hashes(db: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Content hashes already in the history -> (session id, path): every session's, and every
    many-session file's whose sessions are all still there (bulk import skips them unread)."""
    out = {r[0]: (int(r[1]), str(r[2]))
           for r in db.execute("SELECT content_hash, id, path FROM sessions")}
    ids = {v[0] for v in out.values()}
    for h, path, sids in db.execute("SELECT content_hash, path, session_ids FROM imported_files"):
        held = [int(x) for x in json.loads(sids)]
        if held and all(i in ids for i in held):
            out.setdefault(h, (held[0], str(path)))
    return out


def record_imported_file(db: sqlite3.Connection, content_hash: str, path: str, fmt: str,
                         session_ids: list[int]) -> None:
    """Remember that a many-session file was imported whole, with these sessions."""
    with transaction(db):
        db.execute("INSERT OR REPLACE INTO imported_files (content_hash, path, fmt, session_ids, "
                   "added) VALUES (?,?,?,?,?)", (content_hash, path, fmt,
                                                 json.dumps(sorted(set(session_ids))), _now_iso()))


def save_session(summary: SummaryLike, path: str | os.PathLike[str],
                 origin: str = "device") -> AddResult:
    """Add a finished session to the user's history (for `live` and `replay --save`).

    Uses the default database and the profile's time zone; the key is the file's content hash.
    """
    from hrzone.profile import load_profile

    db = open_db()
    try:
        return add_summary(db, summary, path, file_hash(path), load_profile().tz(), origin)
    finally:
        db.close()


def _tz_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


def week_view(db: sqlite3.Connection, profile: Profile, start: date,
              today: date | None = None, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """`hrzone week` data for the user's week starting on `start` (see week.week_report).

    With the user's current `thresholds`, "other_thresholds" counts the week's sessions credited with
    different ones (`hrzone log recompute` re-credits them).
    """
    tz = profile.tz()
    today = today or datetime.now(tz).date()
    end = start + timedelta(days=6)
    all_days = day_totals(db)
    weeks = weekly_totals(all_days.values(), profile.week_start_day)
    current = week_start_of(today, profile.week_start_day)
    n = streak(weeks, profile.goal_for_week, start, current)
    rows = sessions_on_days(db, start, end)
    rep = week_report(start, all_days, [s.to_json() for s in rows], profile.goal_for_week(start),
                      n, _tz_name(tz))
    rep["other_thresholds"] = 0 if thresholds is None else sum(
        1 for s in rows if s.thresholds != thresholds.to_json() and s.valid_s > 0)
    return rep


def weeks_view(db: sqlite3.Connection, profile: Profile, last: int,
               today: date | None = None) -> list[dict[str, Any]]:
    """`hrzone weeks --last N`: the last N weeks up to the one holding `today`, oldest first."""
    tz = profile.tz()
    today = today or datetime.now(tz).date()
    current = week_start_of(today, profile.week_start_day)
    starts = [current - timedelta(days=7 * i) for i in range(last - 1, -1, -1)]
    days = day_totals(db, starts[0], current + timedelta(days=6)) if starts else {}
    weeks = weekly_totals(days.values(), profile.week_start_day)
    return weeks_table(starts, weeks, days, profile.goal_for_week)
