"""Session history store: migrations, idempotent add, day credits, duplicates, recompute, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import stat
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from history_helpers import fake

from hrzone import store
from hrzone.errors import StoreError
from hrzone.paths import history_path
from hrzone.profile import load_profile, set_value
from hrzone.zones import resolve_thresholds

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN)


@pytest.fixture
def db() -> sqlite3.Connection:
    conn = store.open_db()
    yield conn
    conn.close()


def test_open_creates_private_wal_db_with_migrations(db: sqlite3.Connection) -> None:
    assert stat.S_IMODE(history_path().stat().st_mode) == 0o600
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    assert names == [m.__name__ for m in store.MIGRATIONS] and names[0] == "m001_sessions"
    store.open_db().close()  # reopening applies nothing twice
    assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(names)


def test_new_migration_runs_once(db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def m999_extra(conn: sqlite3.Connection) -> None:
        calls.append(1)
        conn.execute("CREATE TABLE extra (x)")

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, m999_extra])
    store.open_db().close()
    store.open_db().close()
    assert calls == [1]


def test_not_a_database_is_a_store_error(hrzone_home: Path) -> None:
    history_path().write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="history.db: cannot open"):
        store.open_db()


def test_add_list_remove_and_idempotent_readd(db: sqlite3.Connection) -> None:
    s = fake(T0, (30, 120))
    r1 = store.add_summary(db, s, "a.jsonl", "hash-a", BERLIN)
    for side in ("-wal", "-shm"):  # SQLite gives its side files the database's mode
        p = history_path().with_name(history_path().name + side)
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    r2 = store.add_summary(db, s, "copy-of-a.jsonl", "hash-a", BERLIN)
    assert r1.created and not r2.created and r1.id == r2.id and r2.path == "a.jsonl"
    r3 = store.add_summary(db, fake(T0 + timedelta(days=1), (20, 150)), "b.jsonl", "hash-b", BERLIN)
    rows = store.list_sessions(db)
    assert [r.id for r in rows] == [r1.id, r3.id]
    assert rows[0].moderate_s == 1800 and rows[1].high_s == 1200
    assert rows[1].credited_min == pytest.approx(40.0)
    store.remove(db, r1.id)
    assert [r.id for r in store.list_sessions(db)] == [r3.id]
    assert store.day_totals(db) == {date(2026, 11, 19): store.DayTotal(date(2026, 11, 19), 0, 1200, 1)}
    with pytest.raises(StoreError, match="no session with id 99"):
        store.remove(db, 99)


def test_per_second_hr_is_stored_compactly(db: sqlite3.Connection) -> None:
    s = fake(T0, (60, 120), (5, 0), (55, 135))
    r = store.add_summary(db, s, "x", "h", BERLIN)
    assert np.array_equal(store.per_second(db, r.id), s.per_second_hr)
    blob = db.execute("SELECT per_second FROM sessions").fetchone()[0]
    assert len(blob) < s.per_second_hr.size / 20


def test_session_across_midnight_credits_each_day(db: sqlite3.Connection) -> None:
    start = datetime(2026, 11, 20, 23, 40, tzinfo=BERLIN)
    store.add_summary(db, fake(start, (20, 120), (30, 150)), "late.jsonl", "h", BERLIN)
    days = store.day_totals(db)
    assert days[date(2026, 11, 20)].moderate_s == 1200
    assert days[date(2026, 11, 21)].high_s == 1800


def test_overlapping_sources_are_credited_once(db: sqlite3.Connection) -> None:
    """A watch file (HR only) and a live recording (RR) of the same workout: one credit."""
    watch = store.add_summary(db, fake(T0, (45, 120), fmt="fit", has_rr=False), "w.fit", "h1", BERLIN)
    live = store.add_summary(db, fake(T0 + timedelta(seconds=40), (44, 121)), "l.jsonl", "h2", BERLIN)
    assert live.duplicate_of is None
    rows = {r.id: r for r in store.list_sessions(db)}
    assert rows[watch.id].duplicate_of == live.id and rows[live.id].duplicate_of is None
    assert store.day_totals(db)[T0.date()].moderate_s == 44 * 60
    detail = store.session_detail(db, live.id)
    assert detail["linked"] == [{"id": watch.id, "path": "w.fit", "format": "fit"}]
    # Adding a third copy (a GPX export) links it too; removing the primary promotes the next best.
    gpx = store.add_summary(db, fake(T0, (45, 120), fmt="gpx", has_rr=False), "w.gpx", "h3", BERLIN)
    assert gpx.duplicate_of == live.id
    store.remove(db, live.id)
    rows = {r.id: r for r in store.list_sessions(db)}
    primaries = [r for r in rows.values() if r.duplicate_of is None]
    assert len(primaries) == 1 and store.day_totals(db)[T0.date()].moderate_s == 45 * 60


def test_live_recording_beats_imported_file_without_rr(db: sqlite3.Connection) -> None:
    imp = store.add_summary(db, fake(T0, (30, 120), fmt="gpx", has_rr=False), "a.gpx", "h1", BERLIN)
    live = store.add_summary(db, fake(T0, (30, 120), has_rr=False), "a.jsonl", "h2", BERLIN)
    assert live.duplicate_of is None
    assert store.get_session(db, imp.id).duplicate_of == live.id


def test_back_to_back_sessions_are_not_duplicates(db: sqlite3.Connection) -> None:
    a = store.add_summary(db, fake(T0, (30, 120)), "a", "h1", BERLIN)
    b = store.add_summary(db, fake(T0 + timedelta(minutes=29), (30, 120)), "b", "h2", BERLIN)
    assert a.duplicate_of is None and b.duplicate_of is None
    assert store.day_totals(db)[T0.date()].moderate_s == 3600


def test_recompute_after_threshold_change(db: sqlite3.Connection) -> None:
    store.add_summary(db, fake(T0, (30, 120), (30, 145)), "a", "h1", BERLIN)
    assert store.day_totals(db)[T0.date()].moderate_s == 1800
    plan = store.recompute(db, resolve_thresholds("bpm", moderate=125, high=150), BERLIN)
    assert len(plan) == 1 and plan[0].changed and not plan[0].exact  # no file: per-second HR
    t = store.day_totals(db)[T0.date()]
    assert (t.moderate_s, t.high_s) == (1800, 0)
    row = store.list_sessions(db)[0]
    assert (row.low_s, row.moderate_s, row.high_s) == (1800, 1800, 0)
    assert row.thresholds["moderate_bpm"] == 125
    # Recompute in another time zone moves the credits to that zone's days.
    store.recompute(db, resolve_thresholds("bpm", moderate=125, high=150), ZoneInfo("Pacific/Auckland"))
    assert list(store.day_totals(db)) == [date(2026, 11, 18)]  # 19:00 in Auckland
    store.recompute(db, resolve_thresholds("bpm", moderate=125, high=150), ZoneInfo("Pacific/Honolulu"))
    assert list(store.day_totals(db)) == [date(2026, 11, 17)]  # 20:00 the evening before


def _add_many(home: str, worker: int, n: int) -> None:
    import os

    os.environ["HRZONE_HOME"] = home
    from history_helpers import fake as mk

    from hrzone import store as st

    conn = st.open_db()
    for i in range(n):
        s = mk(T0 + timedelta(days=worker * 1000 + i), (10, 120))
        st.add_summary(conn, s, f"w{worker}-{i}", f"w{worker}-{i}", BERLIN)
        st.add_summary(conn, mk(T0 - timedelta(days=i + 1), (10, 120)), f"shared-{i}", f"shared-{i}",
                       BERLIN)
    conn.close()


def test_concurrent_adds_from_two_processes_lose_nothing(hrzone_home: Path) -> None:
    ctx = mp.get_context("spawn")
    n = 25
    procs = [ctx.Process(target=_add_many, args=(str(hrzone_home), w, n)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    db = store.open_db()
    try:
        hashes = {r.content_hash for r in store.list_sessions(db)}
    finally:
        db.close()
    want = {f"w{w}-{i}" for w in (1, 2) for i in range(n)} | {f"shared-{i}" for i in range(n)}
    assert hashes == want


def test_week_view_with_dst_and_week_start(db: sqlite3.Connection) -> None:
    set_value("timezone", "Europe/Berlin")
    # The week of the autumn DST change (Sunday 2026-10-25 has 25 hours).
    late = datetime(2026, 10, 25, 23, 30, tzinfo=BERLIN)
    store.add_summary(db, fake(late, (60, 120)), "a", "h1", BERLIN)
    early = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
    store.add_summary(db, fake(early, (120, 120)), "b", "h2", BERLIN)  # through 02:00-03:00 twice
    prof = load_profile()
    rep = store.week_view(db, prof, date(2026, 10, 19), today=date(2026, 11, 21))
    assert rep["week"] == "2026-W43" and rep["end"] == "2026-10-25"
    assert rep["credited"] == 150.0  # 120 min on Sunday + the first 30 min of the late session
    assert rep["met"] is True and rep["streak"] == 1
    set_value("week_start", "sunday")
    prof = load_profile()
    rep = store.week_view(db, prof, date(2026, 10, 25), today=date(2026, 11, 21))
    assert rep["week"] == "2026-W44" and rep["credited"] == 180.0
    assert [d["credited"] for d in rep["days"]][:2] == [150.0, 30.0]
    rows = store.weeks_view(db, prof, 6, today=date(2026, 11, 21))
    assert [r["week"] for r in rows][-1] == "2026-W47" and len(rows) == 6
    assert [r["credited"] for r in rows if r["week"] == "2026-W44"] == [180.0]


def test_a_refused_write_is_a_store_error_and_changes_nothing(db: sqlite3.Connection) -> None:
    store.add_summary(db, fake(datetime(2026, 11, 2, 7, tzinfo=ZoneInfo("UTC")), (20, 120)),
                      "a", "ha", ZoneInfo("UTC"))
    db.execute("PRAGMA query_only = ON")  # SQLite refuses every write, as a full disk would
    with pytest.raises(StoreError, match="cannot write the session history"):
        store.add_summary(db, fake(datetime(2026, 11, 3, 7, tzinfo=ZoneInfo("UTC")), (20, 120)),
                          "b", "hb", ZoneInfo("UTC"))
    db.execute("PRAGMA query_only = OFF")
    assert [s.path for s in store.list_sessions(db)] == ["a"]
