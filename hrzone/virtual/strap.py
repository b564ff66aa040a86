"""A virtual heart-rate strap: what it advertises, what its GATT table holds, and when it talks.

The strap plays a timeline of notifications (from a recording, the simulator, or a test) on a
Clock, starting when a client first subscribes to 0x2A37. Faults are part of the timeline:
`drop` windows (the link is lost and the strap cannot be reached), `silent` windows (still
connected, nothing sent) and malformed payloads (just bytes in the timeline). Notifications due
while nobody is subscribed, the link is down, or the strap is silent are lost, as on a real strap.
Two faults come before the timeline: a strap can be asleep for `wakes_s` clock seconds after it
joins the air (a late arrival: it neither advertises nor accepts a connection until then), and
it can refuse its first `refusals` connection attempts (still busy with a watch, say).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hrzone.ble.clock import Clock, cancel_and_wait
from hrzone.recording import Event, Notification, read_recording

if TYPE_CHECKING:
    from hrzone.virtual.backend import VirtualClientBackend

BODY_LOCATIONS = {0: "other", 1: "chest", 2: "wrist", 3: "finger", 4: "hand", 5: "ear lobe",
                  6: "foot"}


@dataclass(frozen=True, slots=True)
class Window:
    """A fault from start_s to start_s + duration_s on the strap's timeline (seconds)."""

    start_s: float
    duration_s: float

    def contains(self, t_s: float) -> bool:
        return self.start_s <= t_s < self.start_s + self.duration_s


@dataclass(slots=True)
class StrapInfo:
    """Identity of a virtual strap: advertisement, Device Information, battery, location."""

    name: str = "Virtual HR 0001"
    address: str = "F0:00:00:00:00:01"
    rssi: int = -60
    advertise_hr_service: bool = True
    manufacturer: str | None = "hrzone"
    model: str | None = "Virtual Strap"
    firmware: str | None = "1.0"
    body_location: int | None = 1
    battery: int | None = 87
    battery_drain_per_h: float = 0.0


@dataclass(slots=True)
class StrapStats:
    """What happened to the strap (tests read these)."""

    sent: int = 0
    lost: int = 0
    connects: int = 0
    refused_connects: int = 0
    bare_address_connects: int = 0
    drops: int = 0


class VirtualStrap:
    """One virtual strap. `timeline` yields (t_ns, payload) in time order, t from 0."""

    def __init__(self, timeline: Iterable[tuple[int, bytes]], info: StrapInfo | None = None, *,
                 drops: Iterable[Window] = (), silences: Iterable[Window] = (),
                 power_off_at_end: bool = False, wakes_s: float = 0.0, refusals: int = 0):
        self.info = info or StrapInfo()
        self.wakes_s = wakes_s
        self.refusals = refusals
        self._timeline: Iterator[tuple[int, bytes]] = iter(timeline)
        self.drops = sorted(drops, key=lambda w: w.start_s)
        self.silences = sorted(silences, key=lambda w: w.start_s)
        self.power_off_at_end = power_off_at_end
        self.stats = StrapStats()
        self.finished = asyncio.Event()
        self.clients: list[VirtualClientBackend] = []
        self.on_emit: Callable[[int, bytes], None] | None = None   # benchmarks hook in here
        self._clock: Clock | None = None
        self._bound_ns: int | None = None
        self._t0: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._off = False

    # --- time and state -------------------------------------------------------------------

    def bind(self, clock: Clock) -> None:
        """Put the strap on this clock (its air's); `wakes_s` counts from now."""
        self._clock = clock
        self._bound_ns = clock.now_ns()

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            raise RuntimeError("virtual strap is not bound to a clock (use VirtualAir)")
        return self._clock

    def t_s(self) -> float:
        """Seconds on the strap's timeline (0 before the first subscription)."""
        return 0.0 if self._t0 is None else (self.clock.now_ns() - self._t0) / 1e9

    def awake(self) -> bool:
        """Past its `wakes_s` (a strap not yet awake neither advertises nor connects)."""
        if self.wakes_s <= 0 or self._bound_ns is None:
            return True
        return self.clock.now_ns() - self._bound_ns >= self.wakes_s * 1e9

    def reachable(self) -> bool:
        """Advertising and accepting connections (awake, not in a drop window, not powered
        off)."""
        t = self.t_s()
        return self.awake() and not self._off and not any(w.contains(t) for w in self.drops)

    def refuse(self) -> bool:
        """Whether to refuse this connection attempt (one of the first `refusals`)."""
        if self.refusals <= 0:
            return False
        self.refusals -= 1
        return True

    def silent(self) -> bool:
        t = self.t_s()
        return any(w.contains(t) for w in self.silences)

    def battery_level(self) -> int | None:
        b = self.info.battery
        if b is None:
            return None
        return max(0, int(round(b - self.info.battery_drain_per_h * self.t_s() / 3600)))

    # --- client side ----------------------------------------------------------------------

    def attach(self, client: VirtualClientBackend) -> None:
        self.stats.connects += 1
        self.clients.append(client)

    def detach(self, client: VirtualClientBackend) -> None:
        if client in self.clients:
            self.clients.remove(client)

    def subscribed(self, client: VirtualClientBackend) -> None:
        """A client enabled 0x2A37 notifications: start the timeline on first use."""
        if self._task is None:
            self._t0 = self.clock.now_ns()
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                name=f"strap {self.info.name}")

    async def aclose(self) -> None:
        await cancel_and_wait(self._task)

    # --- the strap's own loop -------------------------------------------------------------

    async def _run(self) -> None:
        assert self._t0 is not None
        clock = self.clock
        drops = list(self.drops)
        for t_ns, payload in self._timeline:
            due = self._t0 + t_ns
            # a drop that starts before this notification happens first
            while drops and drops[0].start_s * 1e9 + self._t0 <= due:
                w = drops.pop(0)
                await _sleep_until(clock, self._t0 + int(w.start_s * 1e9))
                self._drop_link()
            await _sleep_until(clock, due)
            self._emit(payload)
        self.finished.set()
        if self.power_off_at_end:
            self._off = True
            self._drop_link()

    def _drop_link(self) -> None:
        self.stats.drops += 1
        for c in list(self.clients):
            c.link_lost()

    def _emit(self, payload: bytes) -> None:
        if not self.reachable() or self.silent():
            self.stats.lost += 1
            return
        targets = [c for c in self.clients if c.notifying]
        if not targets:
            self.stats.lost += 1
            return
        if self.on_emit is not None:
            self.on_emit(self.clock.now_ns(), payload)
        self.stats.sent += 1
        for c in targets:
            c.deliver(payload)


async def _sleep_until(clock: Clock, t_ns: int) -> None:
    until = getattr(clock, "sleep_until", None)
    if until is not None:
        await until(t_ns)
    else:
        await clock.sleep((t_ns - clock.now_ns()) / 1e9)


def timeline_from_recording(path: str | Path) -> tuple[list[tuple[int, bytes]], list[Window]]:
    """Notifications of a recording (t from the first one) and its disconnect windows.

    A recorded disconnect becomes a drop window lasting until the next connect/reconnect event
    (or the next notification), so the virtual strap reproduces the outage.
    """
    rec = read_recording(path)
    if not rec.notifications:
        return [], []
    t0 = rec.notifications[0].t_ns
    notes = [(n.t_ns - t0, n.payload) for n in rec.notifications]
    windows: list[Window] = []
    items: list[Notification | Event] = sorted([*rec.notifications, *rec.events],
                                               key=lambda x: x.t_ns)
    down_at: int | None = None
    for it in items:
        if isinstance(it, Event) and it.kind == "disconnect" and down_at is None:
            down_at = it.t_ns
        elif down_at is not None and (isinstance(it, Notification)
                                      or it.kind in ("connect", "reconnect")):
            windows.append(Window((down_at - t0) / 1e9, (it.t_ns - down_at) / 1e9))
            down_at = None
    return notes, [w for w in windows if w.start_s >= 0 and w.duration_s > 0]


def strap_from_recording(path: str | Path, info: StrapInfo | None = None) -> VirtualStrap:
    """A virtual strap replaying a recording (identity from its header unless `info` given)."""
    rec_header = read_recording(path).header
    notes, windows = timeline_from_recording(path)
    if info is None:
        d = rec_header.device
        info = StrapInfo(name=str(d.get("name") or "Virtual HR 0001"),
                         model=d.get("model") or "Virtual Strap",
                         manufacturer=d.get("manufacturer") or "hrzone",
                         firmware=d.get("firmware") or "1.0")
    return VirtualStrap(notes, info, drops=windows)


@dataclass(slots=True)
class VirtualAir:
    """The radio environment the virtual backends see: straps and a shared clock;
    `scan_starts` is the clock time (ns) of every scan started in it (tests read it)."""

    clock: Clock
    straps: list[VirtualStrap] = field(default_factory=list)
    advert_interval_s: float = 0.1
    scan_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for s in self.straps:
            s.bind(self.clock)

    def add(self, strap: VirtualStrap) -> VirtualStrap:
        strap.bind(self.clock)
        self.straps.append(strap)
        return strap

    def find(self, address: str) -> VirtualStrap | None:
        a = address.lower()
        return next((s for s in self.straps if s.info.address.lower() == a), None)

    def backends(self) -> tuple[type, type]:
        """(client backend, scanner backend) classes bound to this air, for bleak's backend=."""
        from hrzone.virtual.backend import bind_backends
        return bind_backends(self)

    async def aclose(self) -> None:
        for s in self.straps:
            await s.aclose()


def strap_from_plan(plan: str | Path, seed: int = 0, info: StrapInfo | None = None) -> VirtualStrap:
    """A virtual strap playing a simulator plan (built-in name or plan file)."""
    from hrzone.simulator import load_plan, simulate

    result = simulate(load_plan(plan), seed=seed)
    notes = result.notifications
    t0 = notes[0].t_ns if notes else 0
    if info is None:
        d = result.header.device
        info = StrapInfo(name=str(d.get("name") or "Virtual HR 0001"),
                         model=d.get("model") or "Virtual Strap")
    return VirtualStrap(((n.t_ns - t0, n.payload) for n in notes), info)
