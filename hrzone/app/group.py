"""A group class: every participant's strap at once, each a whole live session of its own.

    outcome = run_class(ClassRequest(virtual="12", speed=20, duration_s=1200))
    outcome.rows                        # the class table (hrzone.classtable.ClassRow)

One scan finds everyone's strap (matched by address or advertised name, like a sign-in); the
straps of those not heard are listened for while the class runs, and each joins when heard
(hrzone.app.attendance). Each participant gets a BleSource (its own watchdog and reconnect) driving session.run_session
with their own thresholds, cue engine and recording, concurrently on one event loop: nothing a
participant's strap does (a dropout, a reconnect, silence) waits on anyone else's. Their cues go
to the room's arbiter (hrzone.arbiter: safety only by default, named, one at a time); their
status goes to a ClassMonitor (hrzone.app.monitor: the class screen's tiles). At the end each
summary is saved into the participant's own history and becomes a row of the class table.

Front ends: `run_class` (blocking; Ctrl-C/SIGTERM end the class as they end a live session,
hrzone.runner) or `class_session` (a coroutine, for a front end with its own event loop); both
take the ClassMonitor to watch.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hrzone import roster, store
from hrzone.app.monitor import ClassMonitor
from hrzone.app.room import Room, room_voice
from hrzone.arbiter import RoomCue, RoomRules
from hrzone.classtable import ClassRow, class_row
from hrzone.errors import HrzoneError, PlanError
from hrzone.roster import Person
from hrzone.session import SessionResult, Sink

DEFAULT_VIRTUAL_S = 20 * 60     # a virtual class without --for lasts 20 minutes
SCAN_S = 10.0                   # the one scan at the start (clock seconds)
VIRTUAL_SCAN_S = 1.0


class ClassError(HrzoneError):
    """A class cannot start (nobody on the roster, no strap found, a bad --virtual)."""


def parse_duration(text: str) -> float:
    """Seconds from '90', '90s', '20m', '1h', '1h30m'; HrzoneError on anything else."""
    t = text.strip().lower()
    m = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", t)
    if not t or m is None or not any(m.groups()):
        raise HrzoneError(f"--for {text!r}: give seconds or a duration like 20m, 1h, 1h30m")
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    total = h * 3600 + mi * 60 + s
    if not 1 <= total <= 24 * 3600:
        raise HrzoneError(f"--for {text!r}: between 1 second and 24 hours")
    return total


@dataclass(slots=True)
class ClassRequest:
    """What the instructor asked for. virtual: None (real straps), "N" (N virtual straps; a
    demo roster of N people when the roster is empty) or a ROSTER_PLAN file; speed: virtual
    time factor (0 = as fast as possible); duration_s: end the class after this (None: when
    the straps' plans end, or Ctrl-C); zone_cues: names whose zone cues the room hears;
    audio/cue_log: the room's voice; save: put each session in its person's history."""

    virtual: str | None = None
    speed: float = 1.0
    duration_s: float | None = None
    zone_cues: tuple[str, ...] = ()
    audio: str = "off"
    cue_log: Path | None = None
    save: bool = True
    seed: int = 0


@dataclass(slots=True)
class PersonResult:
    """One participant after class: their session, recording, history entry and table row."""

    person: Person
    result: SessionResult | None
    row: ClassRow | None
    saved: store.AddResult | None = None
    reconnects: int = 0
    error: str | None = None


@dataclass(slots=True)
class ClassOutcome:
    """The class: each participant's result (roster order), who was absent and why, the cues
    the room said, whether a demo roster was created for it, and who arrived late (class-clock
    seconds into the class when their strap connected)."""

    people: list[PersonResult]
    absent: dict[str, str]
    room_cues: list[RoomCue]
    demo_roster: bool = False
    origin: str = "device"
    notes: list[str] = field(default_factory=list)
    late: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> list[ClassRow]:
        return [p.row for p in self.people if p.row is not None]

    def to_json(self) -> list[dict[str, Any]]:
        """`class run --json`: one object per person (the class table row)."""
        return [r.to_json() for r in self.rows]


@dataclass(slots=True)
class Member:
    """A participant ready to join: their person, recording path, cue setup and strap stop."""

    person: Person
    record: Path
    week_before_min: float = 0.0
    stop: asyncio.Event | None = None


@dataclass(slots=True)
class Air:
    """Where the straps are: the clock, bleak backends (None for the real adapter), the
    virtual straps by participant name (to end each session when its strap's plan ends)."""

    clock: Any
    client_backend: Any = None
    scanner_backend: Any = None
    straps: dict[str, Any] = field(default_factory=dict)
    virtual: Any = None
    scan_s: float = SCAN_S


def match_straps(people: list[Person], found: list[Any], *, taken: Iterable[str] = ()
                 ) -> tuple[dict[str, Any], dict[str, str]]:
    """Each participant's strap among those heard (address, else advertised name; each strap
    serves one person, and a strap whose address is in `taken` already serves someone):
    ({name: Found}, {name: why absent})."""
    busy = {a.lower() for a in taken}
    found = [f for f in found if f.address.lower() not in busy]
    by_addr = {f.address.lower(): f for f in found}
    by_name: dict[str, Any] = {}
    for f in found:
        by_name.setdefault((f.name or "").lower(), f)
    used: set[str] = set()
    matched, absent = {}, {}
    for p in people:
        f = by_addr.get(p.strap.lower()) or by_name.get(p.strap.lower())
        if f is None or f.address in used:
            absent[p.name] = f"strap {p.strap} not heard"
            continue
        used.add(f.address)
        matched[p.name] = f
    return matched, absent


async def class_session(members: list[Member], air: Air, monitor: ClassMonitor, room: Room, *,
                        duration_s: float | None = None, origin: str = "device"
                        ) -> tuple[dict[str, SessionResult | BaseException], dict[str, int]]:
    """Scan, connect everyone heard, run every session concurrently until each ends (its
    strap's plan, duration_s, or cancellation: Ctrl-C ends every session cleanly); meanwhile
    listen for the straps of the absent, who join when heard (hrzone.app.attendance).
    ClassError when nobody's strap is connected at the start.

    Returns ({name: SessionResult or the exception that ended that session}, {name:
    reconnects}); those never connected are in monitor.absent, late arrivals in monitor.late.
    """
    from hrzone.app.attendance import Attendance
    from hrzone.ble.scan import scan
    from hrzone.straps import load_straps

    profiles = load_straps()
    for m in members:
        monitor.ids[m.person.name] = m.person.id
    att = Attendance(members, air, monitor, room, profiles, origin)
    try:
        found = await scan(profiles, timeout_s=air.scan_s, clock=air.clock,
                           backend=air.scanner_backend)
        matched, absent = match_straps([m.person for m in members], found)
        for m in members:
            if m.person.name in absent:
                monitor.missing(m.person.name, m.person.id, absent[m.person.name])
        await asyncio.gather(*(att.connect(n, f) for n, f in matched.items()))
    except asyncio.CancelledError:
        await att.close_unstarted()         # stopped while starting: nothing was recorded
        raise
    if not att.sources:
        raise ClassError("no participant's strap was found: " + "; ".join(
            f"{n}: {w}" for n, w in monitor.absent.items()))
    for m in members:
        if m.person.name in att.sources:
            att.start(m.person.name)
    if duration_s is not None:
        att.helpers.append(asyncio.ensure_future(att.end_after(duration_s)))
    listener = asyncio.ensure_future(att.listen())
    try:
        await att.wait()
    except asyncio.CancelledError as e:
        # Ctrl-C / a signal: nobody joins any more; end every session with the signal's name
        att.over.set()
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await att.cancel_sessions(e.args[0] if e.args else None)
    finally:
        att.over.set()
        for h in [listener, *att.helpers]:
            h.cancel()
        await asyncio.gather(listener, *att.helpers, return_exceptions=True)
        monitor.close()
    return att.results()


# -- assembling a class ------------------------------------------------------------------------

def class_people(req: ClassRequest) -> tuple[list[Person], bool]:
    """The participants of this class and whether a demo roster was just created for it.

    With --virtual N and an empty roster, N demo people are added (hrzone.virtual.classroom);
    with a roster, the first N people take part.
    """
    from hrzone.app.roster import list_people

    everyone = list_people()
    if req.virtual is None or not req.virtual.isdigit():
        if not everyone:
            raise ClassError("the roster is empty: add people with `hrzone class roster add` "
                             "or `roster import` (or try `hrzone class run --virtual 12`)")
        return everyone, False
    n = int(req.virtual)
    if n < 1:
        raise ClassError(f"--virtual {n}: give at least 1 virtual strap")
    if everyone:
        if n > len(everyone):
            raise ClassError(f"--virtual {n}: the roster has {len(everyone)} people; give at "
                             f"most {len(everyone)}")
        return everyone[:n], False
    from hrzone.virtual.classroom import demo_people

    demo = demo_people(n)
    db = store.open_db()
    try:
        return roster.add(db, demo), True
    finally:
        db.close()


def virtual_air(req: ClassRequest, people: list[Person], duration_s: float | None
                ) -> tuple[Air, list[Person]]:
    """The virtual straps of a virtual class (one VirtualAir) and who has one."""
    from hrzone.ble.clock import ScaledClock, VirtualClock
    from hrzone.virtual import VirtualAir
    from hrzone.virtual.classroom import read_roster_plan, strap_for

    assert req.virtual is not None
    length = int(round(duration_s or DEFAULT_VIRTUAL_S))
    straps: dict[str, Any] = {}
    if req.virtual.isdigit():
        for i, p in enumerate(people):
            straps[p.name] = strap_for(p, i, length, seed=req.seed)
    else:
        by_name = {p.name.lower(): (i, p) for i, p in enumerate(people)}
        for sp in read_roster_plan(req.virtual):
            if sp.person.lower() not in by_name:
                raise PlanError(f"{req.virtual}: {sp.person!r} is not on the roster")
            i, p = by_name[sp.person.lower()]
            straps[p.name] = strap_for(p, i, length, plan=sp.plan, seed=sp.seed,
                                       drops=None if sp.drops is None else list(sp.drops),
                                       arrive_s=sp.arrive_s)
        people = [p for p in people if p.name in straps]
    clock = VirtualClock() if req.speed == 0 else ScaledClock(req.speed)
    air = VirtualAir(clock, list(straps.values()))
    client, scanner = air.backends()
    return Air(clock, client, scanner, straps, air, VIRTUAL_SCAN_S), people


def _record_path(person: Person, stamp: str) -> Path:
    assert person.id is not None
    folder = roster.person_recordings(person.id)
    p = folder / f"class-{stamp}.jsonl"
    n = 1
    while p.exists():
        n += 1
        p = folder / f"class-{stamp}-{n}.jsonl"
    return p


def _week_before(person: Person, prof: Any) -> float:
    """Credited minutes in the person's own history this week (unrounded)."""
    from hrzone.week import week_credited_min, week_start_of

    assert person.id is not None
    db = store.open_db(roster.person_history(person.id))
    try:
        start = week_start_of(datetime.now(prof.tz()).date(), prof.week_start_day)
        return week_credited_min(store.day_totals(db, first=start), start)
    finally:
        db.close()


def prepare(req: ClassRequest) -> tuple[list[Member], Air, bool]:
    """Participants with their recording paths and week so far, and the air they are in."""
    from hrzone.ble.clock import RealClock
    from hrzone.profile import load_profile

    duration_s = req.duration_s
    people, demo = class_people(req)
    if req.virtual is not None:
        air, people = virtual_air(req, people, duration_s)
    else:
        air = Air(RealClock())
    prof = load_profile()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    members = [Member(p, _record_path(p, stamp), _week_before(p, prof)) for p in people]
    return members, air, demo


def save_results(members: list[Member], results: dict[str, SessionResult | BaseException],
                 reconnects: dict[str, int], *, origin: str, save: bool,
                 late: dict[str, float] | None = None) -> list[PersonResult]:
    """Each finished session into its person's own history; one PersonResult per member
    (late: class-clock seconds at which late arrivals joined, for their rows)."""
    from hrzone.profile import load_profile

    tz = load_profile().tz()
    out = []
    for m in members:
        p = m.person
        res = results.get(p.name)
        if res is None:
            continue
        if isinstance(res, BaseException):
            out.append(PersonResult(p, None, None, error=str(res) or type(res).__name__))
            continue
        saved, error = None, res.recording_error
        if save and res.summary.samples and m.record.exists():
            assert p.id is not None
            db = store.open_db(roster.person_history(p.id))
            try:
                saved = store.add_summary(db, res.summary, m.record, store.file_hash(m.record),
                                          tz, origin)
            except HrzoneError as e:
                error = str(e)
            finally:
                db.close()
        row = class_row(p.name, p.target, res.summary, reconnects=reconnects.get(p.name, 0),
                        session_id=None if saved is None else saved.id,
                        joined_s=(late or {}).get(p.name))
        out.append(PersonResult(p, res, row, saved, reconnects.get(p.name, 0), error))
    return out


def room_for(req: ClassRequest, members: list[Member], air: Air, monitor: ClassMonitor,
             on_say: Callable[[RoomCue], None] | None = None) -> tuple[Room, Sink | None]:
    """The room of this class (its rules from req.zone_cues, checked against who takes part)
    and its speaker (None when silent; close it after the class)."""
    rules = zone_rules(req.zone_cues, members)
    voice = room_voice(req)
    t0 = air.clock.now_ns()
    room = Room(rules, lambda: (air.clock.now_ns() - t0) / 1e9, monitor=monitor, voice=voice,
                on_say=on_say)
    return room, voice


def zone_rules(names: tuple[str, ...] | list[str], members: list[Member],
               what: str = "--zone-cues") -> RoomRules:
    """The room's rules with zone cues for `names` (ClassError for someone not in the class;
    the arbiter refuses more than a small group); `what` names the option in the error."""
    known = {m.person.name.lower() for m in members}
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        raise ClassError(f"{what}: {', '.join(unknown)} not in this class")
    return RoomRules(frozenset(names))


async def class_in_air(req: ClassRequest, members: list[Member], air: Air, monitor: ClassMonitor,
                       room: Room) -> tuple[dict[str, SessionResult | BaseException],
                                            dict[str, int]]:
    """class_session for this request, then the virtual straps and clock closed."""
    try:
        return await class_session(members, air, monitor, room, duration_s=req.duration_s,
                                   origin=class_origin(req))
    finally:
        if air.virtual is not None:
            await air.virtual.aclose()
        closer = getattr(air.clock, "aclose", None)
        if closer is not None:
            await closer()


def class_origin(req: ClassRequest) -> str:
    """'virtual' for a virtual class, else 'device' (the history's origin)."""
    return "virtual" if req.virtual is not None else "device"


def demo_notes(demo: bool, members: list[Member]) -> list[str]:
    """What to tell the instructor before the class (a demo roster was just created)."""
    if not demo:
        return []
    return [f"the roster was empty: created a demo roster of {len(members)} people "
            "(`hrzone class roster list`; `roster rm NAME` removes one)"]


def run_class(req: ClassRequest, monitor: ClassMonitor | None = None, *,
              on_say: Callable[[RoomCue], None] | None = None,
              on_ready: Callable[[ClassOutcome], None] | None = None) -> ClassOutcome:
    """Run a class to its end (or Ctrl-C/SIGTERM) and save everyone's session.

    monitor: where the tiles go (a new one by default); on_say: each cue the room says;
    on_ready: called before the class starts with an outcome holding its notes (e.g. that a
    demo roster was created).
    """
    from hrzone.runner import run_cancellable

    RoomRules(frozenset(req.zone_cues))      # too many people fails before anything is made
    members, air, demo = prepare(req)
    monitor = monitor or ClassMonitor()
    room, voice = room_for(req, members, air, monitor, on_say)
    origin = class_origin(req)
    notes = demo_notes(demo, members)
    if on_ready is not None:
        on_ready(ClassOutcome([], {}, [], demo, origin, notes))
    started = time.monotonic()
    try:
        results, reconnects = run_cancellable(class_in_air(req, members, air, monitor, room))
    finally:
        if voice is not None:
            voice.close(None)  # type: ignore[arg-type]
    people = save_results(members, results, reconnects, origin=origin, save=req.save,
                          late=dict(monitor.late))
    notes.append(f"class ran {time.monotonic() - started:.1f} s (wall clock)")
    return ClassOutcome(people, dict(monitor.absent), room.said, demo, origin, notes,
                        dict(monitor.late))
