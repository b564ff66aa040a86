"""Who is in a class, and who may still come: each participant's strap connected and their
session started, and a gentle listen for the straps of those not there yet.

    att = Attendance(members, air, monitor, room, profiles, origin="virtual")
    await att.connect(name, found)       # BleSource.open, as at the start of `hrzone live`
    att.start(name)                      # their run_session (a task)
    listener = att.listen()              # a coroutine: a scan window every LATE_EVERY_S
    await att.wait()                     # until every session started so far has ended

A late arrival is treated exactly as one on time: the same `group.match_straps` rule (a strap
already serving someone is never taken), the same BleSource, the same `run_session` with their
thresholds, cue setup, recording and sinks. Their session starts when their strap connects, so
nothing before that is recorded or credited. A failed connection leaves them absent with the
reason, and the next window tries again. Listening stops once everyone is present or the class
is over (`end()`: its duration, or cancellation).
"""

from __future__ import annotations

import asyncio

from hrzone.app.group import Air, Member, match_straps
from hrzone.app.monitor import ClassMonitor
from hrzone.app.room import Room, RoomSink
from hrzone.ble.clock import race
from hrzone.ble.scan import Found, scan
from hrzone.ble.source import BleSource
from hrzone.errors import DeviceError, HrzoneError
from hrzone.session import SessionResult, Sink, run_session
from hrzone.straps import FirmwareProfile

LATE_EVERY_S = 15.0     # a scan window for the absent starts every 15 s of the class clock
LATE_WINDOW_S = 5.0     # and lasts at most this long (the start scan's length if shorter)


class Attendance:
    """The participants of one running class: their sources, session tasks and helpers."""

    def __init__(self, members: list[Member], air: Air, monitor: ClassMonitor, room: Room,
                 profiles: dict[str, FirmwareProfile], origin: str = "device"):
        self.members = {m.person.name: m for m in members}
        self.air = air
        self.monitor = monitor
        self.room = room
        self.profiles = profiles
        self.origin = origin
        self.sources: dict[str, BleSource] = {}
        self.tasks: dict[str, asyncio.Task[SessionResult]] = {}
        self.helpers: list[asyncio.Task[None]] = []
        self.over = asyncio.Event()          # the class is ending: nobody joins any more
        self.t0_ns = air.clock.now_ns()      # the class clock's start (before the first scan)

    def elapsed_s(self) -> float:
        """Class-clock seconds since the class started."""
        return (self.air.clock.now_ns() - self.t0_ns) / 1e9

    def waiting(self) -> list[Member]:
        """Participants without a connected strap (roster order)."""
        return [m for n, m in self.members.items() if n not in self.sources]

    def taken(self) -> set[str]:
        """Addresses of the straps already serving someone."""
        return {s.found.address for s in self.sources.values() if s.found is not None}

    async def connect(self, name: str, found: Found) -> bool:
        """Connect `name`'s strap (BleSource.open); False, with them absent and the reason,
        when the connection fails. Cancelled, it leaves nothing open."""
        m = self.members[name]
        stop = asyncio.Event()
        src = BleSource(found.address, clock=self.air.clock,
                        client_backend=self.air.client_backend,
                        scanner_backend=self.air.scanner_backend, stop=stop,
                        straps=self.profiles,
                        source_name="virtual" if self.origin == "virtual" else "ble")
        self.sources[name] = src            # reserved: no one else takes this strap meanwhile
        try:
            await src.open(found)
        except DeviceError as e:
            del self.sources[name]
            await src.aclose()
            self.monitor.missing(name, m.person.id, str(e))
            return False
        except BaseException:
            del self.sources[name]
            await src.aclose()
            raise
        m.stop = stop
        return True

    async def join(self, name: str, found: Found) -> bool:
        """A late arrival: connect their strap and start their session at once (False when
        the connection fails or the class is over by then)."""
        if not await self.connect(name, found):
            return False
        if self.over.is_set():
            await self.sources.pop(name).aclose()
            self.members[name].stop = None
            return False
        self.monitor.late[name] = round(self.elapsed_s(), 1)
        self.start(name)
        return True

    async def close_unstarted(self) -> None:
        """Disconnect the straps connected but not started (a class stopped while starting)."""
        for name in [n for n in self.sources if n not in self.tasks]:
            await self.sources.pop(name).aclose()

    def start(self, name: str) -> None:
        """Start the session of `name` (connected): their thresholds, cue setup, recording,
        tile and room sinks, as `hrzone live` runs one (session.run_session)."""
        m, src = self.members[name], self.sources[name]
        p = m.person
        prefs = p.cue_prefs()
        tile = self.monitor.join(p.name, p.id, week_before_min=m.week_before_min,
                                 goal_min=float(prefs.weekly_goal_min), target=p.target)
        sinks: list[Sink] = [tile, RoomSink(p.name, self.room)]
        self.tasks[p.name] = asyncio.ensure_future(run_session(
            src, p.thresholds, record_to=m.record, sinks=sinks,
            cue_setup=(prefs, m.week_before_min)))
        strap = self.air.straps.get(p.name)
        if strap is not None and m.stop is not None:
            self.helpers.append(asyncio.ensure_future(_set_when(strap.finished, m.stop)))

    def end(self) -> None:
        """The class is over: nobody joins any more, and every session is told to stop."""
        self.over.set()
        for m in self.members.values():
            if m.stop is not None:
                m.stop.set()

    async def end_after(self, seconds: float) -> None:
        """end() after `seconds` of the class clock (`--for`, counted from the start of the
        sessions of those there at the start)."""
        await self.air.clock.sleep(seconds)
        self.end()

    async def listen(self) -> None:
        """While someone is absent and the class is not over: a scan window every
        LATE_EVERY_S class-clock seconds, and each absent person whose strap is heard joins."""
        clock = self.air.clock
        window_s = min(self.air.scan_s, LATE_WINDOW_S)
        k = int(self.elapsed_s() // LATE_EVERY_S)
        while self.waiting() and not self.over.is_set():
            k = max(k + 1, int(self.elapsed_s() // LATE_EVERY_S) + 1)
            if await race(clock.sleep(k * LATE_EVERY_S - self.elapsed_s()), self.over):
                return
            waiting = self.waiting()
            try:
                found = await scan(self.profiles, timeout_s=window_s, clock=clock,
                                   backend=self.air.scanner_backend)
            except DeviceError:
                continue                    # the adapter refused a scan: the next window
            matched, _ = match_straps([m.person for m in waiting], found, taken=self.taken())
            if matched and not self.over.is_set():
                await asyncio.gather(*(self.join(n, f) for n, f in matched.items()))

    async def wait(self) -> None:
        """Until every session started so far (late ones included) has ended."""
        while pending := [t for t in self.tasks.values() if not t.done()]:
            await asyncio.wait(pending)

    async def cancel_sessions(self, msg: str | None) -> None:
        """End every session as Ctrl-C does (the signal's name in msg) and wait for them."""
        for t in self.tasks.values():
            t.cancel(msg=msg)
        if self.tasks:
            await asyncio.wait(list(self.tasks.values()))

    def results(self) -> tuple[dict[str, SessionResult | BaseException], dict[str, int]]:
        """({name: SessionResult or the exception that ended it}, {name: reconnects})."""
        out: dict[str, SessionResult | BaseException] = {}
        for name, t in self.tasks.items():
            if t.cancelled():
                out[name] = HrzoneError("session cancelled before it started")
            else:
                out[name] = t.exception() or t.result()
        return out, {n: s.reconnects for n, s in self.sources.items()}


async def _set_when(done: asyncio.Event, stop: asyncio.Event) -> None:
    await done.wait()
    stop.set()
