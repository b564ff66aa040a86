"""A class of virtual straps on a virtual clock: every participant's session recorded,
summarised as the recording alone is, saved under the right person; one strap's dropout leaves
everyone else's data unchanged; Ctrl-C ends every session cleanly; the tiles agree."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from hrzone import roster, store
from hrzone.app.group import ClassRequest, parse_duration, prepare, run_class
from hrzone.app.monitor import ClassMonitor
from hrzone.app.roster import list_people
from hrzone.classtable import class_row
from hrzone.errors import HrzoneError
from hrzone.loader import load_workout
from hrzone.recording import read_recording
from hrzone.summary import summarise_workout
from hrzone.virtual.classroom import demo_people

CLASS_S = 300


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[object], Path]:
    """One class of 12 virtual straps (demo roster), run once for the tests below."""
    home = tmp_path_factory.mktemp("class_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HRZONE_HOME", str(home))
    try:
        monitor = ClassMonitor()
        seen: list[object] = []
        monitor.subscribe(seen.append)
        out = run_class(ClassRequest(virtual="12", speed=0, duration_s=CLASS_S), monitor)
        yield out, seen, home, monitor
    finally:
        mp.undo()


def _same(summary_json: dict, other: dict) -> None:
    assert {k: v for k, v in summary_json.items() if k != "file"} == \
        {k: v for k, v in other.items() if k != "file"}


def test_twelve_recordings_summaries_history_and_table(twelve, monkeypatch):
    out, _, home, _ = twelve
    monkeypatch.setenv("HRZONE_HOME", str(home))
    assert out.demo_roster and out.absent == {} and len(out.people) == 12
    people = list_people()
    assert [p.name for p in people] == [r.person.name for r in out.people]
    for pr in out.people:
        p, res = pr.person, pr.result
        assert pr.error is None and res is not None
        rec = res.recording
        assert rec.parent == roster.person_recordings(p.id)           # their own folder
        r = read_recording(rec)
        assert r.events[-1].kind == "stop" and len(r.notifications) >= CLASS_S - 40
        alone = summarise_workout(load_workout(rec), p.thresholds)
        _same(res.summary.to_json(), alone.to_json())                 # same pipeline
        db = store.open_db(roster.person_history(p.id))
        try:
            rows = store.list_sessions(db)
        finally:
            db.close()
        assert len(rows) == 1 and rows[0].path == str(rec) and rows[0].origin == "virtual"
        assert rows[0].content_hash == store.file_hash(rec)
        assert pr.row.to_json() == class_row(p.name, p.target, alone, reconnects=pr.reconnects,
                                             session_id=rows[0].id).to_json()
    dropped = [pr.person.name for pr in out.people if pr.reconnects]
    assert dropped == ["Chloé", "Hugo"]                    # every fifth strap drops once


def test_room_cues_follow_the_rules(twelve):
    out, _, _, _ = twelve
    assert out.room_cues, "the demo class takes some people over their ceiling"
    said = out.room_cues
    assert all(c.kind == "ceiling" and c.text.startswith(f"{c.person}, ease off") for c in said)
    times = [c.t_s for c in said]
    assert times == sorted(times)
    for who in {c.person for c in said}:
        mine = [c.t_s for c in said if c.person == who]
        assert all(b - a >= 60 for a, b in zip(mine, mine[1:]))


def test_tiles_agree_with_the_table(twelve):
    out, seen, _, monitor = twelve
    tiles = {t.name: t for t in monitor.tiles()}
    assert set(tiles) == {pr.person.name for pr in out.people}
    for pr in out.people:
        tile = tiles[pr.person.name]
        assert tile.reading.credited_min == pr.row.to_json()["credited_min"]
        assert tile.to_json()["target"] == pr.person.target
    assert {t.name for t in seen} == set(tiles)           # every person's updates were seen
    assert len(seen) >= 12 * (CLASS_S - 60)               # one per notification at least


def _class_with_plan(tmp_path: Path, drops: dict[str, list[list[float]]]) -> dict:
    plan = tmp_path / "plan.toml"
    plan.write_text("".join(
        f'[[strap]]\nperson = "{p.name}"\ndrops = {json.dumps(drops.get(p.name, []))}\n'
        for p in list_people()), encoding="utf-8")
    out = run_class(ClassRequest(virtual=str(plan), speed=0, duration_s=240, save=False))
    return {pr.person.name: pr for pr in out.people}


def test_one_strap_dropout_changes_no_other_participants_data(tmp_path: Path):
    db = store.open_db()
    try:
        roster.add(db, demo_people(5))
    finally:
        db.close()
    calm = _class_with_plan(tmp_path, {})
    rough = _class_with_plan(tmp_path, {"Ben": [[80, 30]]})
    assert rough["Ben"].reconnects == 1 and calm["Ben"].reconnects == 0
    assert rough["Ben"].result.summary.gaps > calm["Ben"].result.summary.gaps
    for name in ("Anna", "Chloé", "Dev", "Elif"):
        a, b = calm[name].result, rough[name].result
        notes = [(n.t_ns, n.payload) for n in read_recording(a.recording).notifications]
        assert notes == [(n.t_ns, n.payload) for n in read_recording(b.recording).notifications]
        ja, jb = a.summary.to_json(), b.summary.to_json()
        for j in (ja, jb):
            j.pop("file"), j.pop("start")
        assert ja == jb


def test_ctrl_c_ends_every_session_cleanly():
    async def go() -> dict:
        from hrzone.app.group import Room, class_session
        from hrzone.arbiter import RoomRules

        members, air, _ = prepare(ClassRequest(virtual="3", speed=0))
        monitor = ClassMonitor()
        room = Room(RoomRules(), lambda: air.clock.now_ns() / 1e9)
        task = asyncio.ensure_future(class_session(members, air, monitor, room,
                                                   origin="virtual"))
        await air.clock.sleep(90)
        task.cancel("SIGTERM")
        results, _ = await task
        await air.virtual.aclose()
        await air.clock.aclose()
        return results

    results = asyncio.run(go())
    assert len(results) == 3
    for res in results.values():
        stop = read_recording(res.recording).events[-1]
        assert stop.kind == "stop" and stop.data == {"reason": "signal", "signal": "SIGTERM"}
        assert 80 <= res.summary.duration_s <= 92


@pytest.mark.parametrize("text,seconds", [("90", 90), ("90s", 90), ("20m", 1200), ("1h", 3600),
                                          ("1h30m", 5400), ("1.5m", 90)])
def test_parse_duration(text: str, seconds: float):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "20 minutes", "0", "25h", "-5"])
def test_parse_duration_refuses(text: str):
    with pytest.raises(HrzoneError, match="--for"):
        parse_duration(text)
