"""Late arrivals in a class of virtual straps on a virtual clock: a strap first heard minutes
into the class joins (tile, history, class-table row, credited only from joining); one never
heard stays absent with the reason; a refused connection is retried; Ctrl-C ends a late
joiner's session as everyone else's; the listening stops once everyone is here and is never
more than one scan window every LATE_EVERY_S."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from hrzone import roster, store
from hrzone.app.attendance import LATE_EVERY_S
from hrzone.app.group import ClassRequest, Room, class_session, prepare, run_class
from hrzone.app.monitor import ClassMonitor
from hrzone.arbiter import RoomRules
from hrzone.classtable import table_csv
from hrzone.errors import PlanError
from hrzone.loader import load_workout
from hrzone.recording import read_recording
from hrzone.summary import summarise_workout
from hrzone.virtual.classroom import demo_address, demo_people, read_roster_plan

CLASS_S = 300
ARRIVE_S = 120


def _roster(n: int) -> None:
    db = store.open_db()
    try:
        roster.add(db, demo_people(n))
    finally:
        db.close()


def _plan(tmp_path: Path, arrive: dict[str, float]) -> str:
    """A ROSTER_PLAN for everyone on the roster, no link drops, `arrive` seconds per name."""
    from hrzone.app.roster import list_people

    p = tmp_path / "plan.toml"
    p.write_text("".join(
        f'[[strap]]\nperson = "{x.name}"\ndrops = []\narrive_s = {arrive.get(x.name, 0)}\n'
        for x in list_people()), encoding="utf-8")
    return str(p)


def _created_s(rec: Path) -> float:
    return datetime.fromisoformat(read_recording(rec).header.created).timestamp()


def test_a_late_strap_joins_and_one_never_heard_stays_absent(tmp_path: Path):
    _roster(4)
    plan = _plan(tmp_path, {"Chloé": ARRIVE_S, "Dev": 10 * CLASS_S})
    monitor = ClassMonitor()
    seen = []
    monitor.subscribe(seen.append)
    absent_seen: list[dict[str, str]] = []
    monitor.watch_presence(lambda: absent_seen.append(dict(monitor.absent)))
    out = run_class(ClassRequest(virtual=plan, speed=0, duration_s=CLASS_S), monitor)

    dev_strap = demo_address(3)
    assert out.absent == {"Dev": f"strap {dev_strap} not heard"}
    assert absent_seen[1] == {"Chloé": f"strap {demo_address(2)} not heard",
                              "Dev": f"strap {dev_strap} not heard"}
    assert absent_seen[-1] == {"Dev": f"strap {dev_strap} not heard"}
    assert set(out.late) == {"Chloé"}
    joined = out.late["Chloé"]
    assert ARRIVE_S <= joined <= ARRIVE_S + LATE_EVERY_S + 2       # the next window hears her

    people = {pr.person.name: pr for pr in out.people}
    assert set(people) == {"Anna", "Ben", "Chloé"}                  # Dev has no session
    assert [r["name"] for r in out.to_json()] == ["Anna", "Ben", "Chloé"]
    chloe, anna = people["Chloé"], people["Anna"]
    assert chloe.error is None and chloe.row is not None and chloe.saved is not None
    rec = chloe.result.recording
    r = read_recording(rec)
    assert r.events[-1].kind == "stop"
    # her recording starts when her strap connected, so nothing before is credited
    start_gap = _created_s(rec) - _created_s(anna.result.recording)
    assert joined - 12 <= start_gap <= joined + 1
    s = chloe.result.summary
    assert CLASS_S - joined - 12 <= s.duration_s <= CLASS_S - joined + 1
    assert s.low_s + s.moderate_s + s.high_s <= CLASS_S - joined + 1
    assert s.moderate_min + s.vigorous_min > 0
    alone = summarise_workout(load_workout(rec), chloe.person.thresholds)
    assert {k: v for k, v in s.to_json().items() if k != "file"} == \
        {k: v for k, v in alone.to_json().items() if k != "file"}
    # her history has the session; her table row is computed from it
    db = store.open_db(roster.person_history(chloe.person.id))
    try:
        rows = store.list_sessions(db)
    finally:
        db.close()
    assert len(rows) == 1 and rows[0].path == str(rec) and rows[0].id == chloe.row.session_id
    # her tile: absent at first, then present with the table's minutes
    mine = [t for t in seen if t.name == "Chloé"]
    assert mine and all(t.present for t in mine)
    tiles = {t.name: t for t in monitor.tiles()}
    assert tiles["Chloé"].present and not tiles["Dev"].present
    assert tiles["Chloé"].reading.credited_min == chloe.row.to_json()["credited_min"]
    # her row says when she joined (those on time: None), in the JSON and the CSV
    assert chloe.row.to_json()["joined_min"] == round(joined / 60, 1)
    assert anna.row.to_json()["joined_min"] is None
    csv_rows = list(csv.DictReader(io.StringIO(table_csv([anna.row, chloe.row]))))
    assert [r["joined_min"] for r in csv_rows] == ["", str(round(joined / 60, 1))]
    assert tiles["Chloé"].start == r.header.created


def _run(plan: str, *, cancel_at_s: float | None = None, duration_s: float | None = None,
         refusals: dict[str, int] | None = None) -> tuple[dict, ClassMonitor, list[int], int,
                                                          list[dict[str, str]], set]:
    """class_session in its own loop: (results, monitor, scan start times (ns, from the class
    start), tasks left over afterwards, absent snapshots, asyncio tasks left)."""
    async def go() -> tuple:
        members, air, _ = prepare(ClassRequest(virtual=plan, speed=0))
        for name, n in (refusals or {}).items():
            air.straps[name].refusals = n
        monitor = ClassMonitor()
        absent: list[dict[str, str]] = []
        monitor.watch_presence(lambda: absent.append(dict(monitor.absent)))
        room = Room(RoomRules(), lambda: air.clock.now_ns() / 1e9)
        t0 = air.clock.now_ns()
        task = asyncio.ensure_future(class_session(members, air, monitor, room,
                                                   duration_s=duration_s, origin="virtual"))
        if cancel_at_s is not None:
            await air.clock.sleep(cancel_at_s)
            task.cancel("SIGTERM")
        results, _ = await task
        await air.virtual.aclose()
        await air.clock.aclose()
        left = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        return results, monitor, [t - t0 for t in air.virtual.scan_starts], absent, left

    return asyncio.run(go())


def test_ctrl_c_ends_a_late_joiner_cleanly_and_listening_stopped_when_all_here(tmp_path: Path):
    _roster(2)
    plan = _plan(tmp_path, {"Ben": 60})
    results, monitor, scans, absent, left = _run(plan, cancel_at_s=200, refusals={"Ben": 1})
    assert left == set()                                   # no stray task
    assert set(results) == {"Anna", "Ben"} and monitor.absent == {}
    # Ben's strap was heard at 60-75 s but refused the first connection: absent with the
    # reason, tried again at the next window
    assert any("connection refused" in a.get("Ben", "") for a in absent)
    joined = monitor.late["Ben"]
    assert 60 + LATE_EVERY_S <= joined <= 60 + 2 * LATE_EVERY_S + 2
    for name, res in results.items():
        stop = read_recording(res.recording).events[-1]
        assert stop.kind == "stop" and stop.data == {"reason": "signal", "signal": "SIGTERM"}
    assert 200 - joined - 5 <= results["Ben"].summary.duration_s <= 200 - joined + 1
    # the start scan, then one window every LATE_EVERY_S until Ben joined, then none
    assert scans[0] == 0
    windows = [s / 1e9 for s in scans[1:]]
    assert windows == pytest.approx([LATE_EVERY_S * k for k in range(1, len(windows) + 1)])
    assert windows[-1] <= joined


def test_a_strap_never_heard_is_listened_for_gently_until_the_class_ends(tmp_path: Path):
    _roster(2)
    plan = _plan(tmp_path, {"Ben": 10_000})
    results, monitor, scans, absent, left = _run(plan, duration_s=120)
    assert left == set() and set(results) == {"Anna"}
    assert monitor.absent == {"Ben": f"strap {demo_address(1)} not heard"} and monitor.late == {}
    windows = [s / 1e9 for s in scans[1:]]
    # 15, 30, ... s: one window every LATE_EVERY_S until the class ends at 120 s
    assert len(windows) in (7, 8)
    assert windows == pytest.approx([LATE_EVERY_S * k for k in range(1, len(windows) + 1)])
    assert 115 <= results["Anna"].summary.duration_s <= 121


def test_nobody_heard_at_the_start_is_still_an_error(tmp_path: Path):
    from hrzone.app.group import ClassError

    _roster(2)
    plan = _plan(tmp_path, {"Anna": 60, "Ben": 60})
    with pytest.raises(ClassError, match="no participant's strap was found"):
        run_class(ClassRequest(virtual=plan, speed=0, duration_s=120))


def test_roster_plan_arrive_s(tmp_path: Path):
    p = tmp_path / "plan.toml"
    p.write_text('[[strap]]\nperson = "Anna"\narrive_s = 90.5\n[[strap]]\nperson = "Ben"\n',
                 encoding="utf-8")
    assert [s.arrive_s for s in read_roster_plan(p)] == [90.5, 0.0]
    for bad in ("-1", "true", '"soon"'):
        p.write_text(f'[[strap]]\nperson = "Anna"\narrive_s = {bad}\n', encoding="utf-8")
        with pytest.raises(PlanError, match="strap 1: arrive_s must be a number of seconds"):
            read_roster_plan(p)


def test_presence_changes_are_announced_once():
    monitor = ClassMonitor()
    calls: list[dict[str, str]] = []
    stop = monitor.watch_presence(lambda: calls.append(dict(monitor.absent)))
    tiles = []
    monitor.subscribe(tiles.append)
    monitor.missing("Ben", 2, "strap X not heard")
    monitor.missing("Ben", 2, "strap X not heard")              # no change, no call
    monitor.missing("Ben", 2, "connecting to X: refused")
    monitor.join("Ben", 2)
    assert calls == [{"Ben": "strap X not heard"}, {"Ben": "connecting to X: refused"}, {}]
    assert [t.present for t in tiles] == [True] and monitor.tile("Ben").present
    stop()
    monitor.missing("Cora", 3, "strap Y not heard")
    assert len(calls) == 3
    assert json.dumps(monitor.tile("Cora").to_json())       # an absent tile is still JSON


def test_a_strap_serving_someone_is_never_taken():
    from types import SimpleNamespace

    from hrzone.app.group import match_straps
    from hrzone.roster import person_from_options

    ben = person_from_options("Ben", "Polar H10 0001", {"moderate": 100, "high": 120})
    one = SimpleNamespace(address="A0:00:00:00:00:01", name="Polar H10 0001")
    two = SimpleNamespace(address="A0:00:00:00:00:02", name="Polar H10 0001")
    assert match_straps([ben], [one], taken={"a0:00:00:00:00:01"}) == \
        ({}, {"Ben": "strap Polar H10 0001 not heard"})
    assert match_straps([ben], [one, two], taken={"A0:00:00:00:00:01"})[0] == {"Ben": two}
