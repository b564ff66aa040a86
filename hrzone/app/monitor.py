"""What a class screen shows: one tile per participant, kept up to date during a class.

Each participant's session has a `TileSink` (a display.StatusSink: the same LiveStatus and
Reading as the single-person panel, so the same numbers and the same "no signal"); every change
notifies the `ClassMonitor`, which front ends read without any logic of their own:

    monitor.tiles()                      # every tile now, roster order (a snapshot)
    unsubscribe = monitor.subscribe(fn)  # fn(tile) on each change, in the class's event loop
    async for tile in monitor.updates(): # the same as an async iterator (ends with the class)
        ...
    monitor.absent, monitor.late         # who is not here (and why), who arrived late (when)
    monitor.watch_presence(fn)           # fn() when someone is marked absent or arrives
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from hrzone.arbiter import RoomCue
from hrzone.display import Reading, StatusSink
from hrzone.recording import Event, Header
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.zones import Thresholds


@dataclass(frozen=True, slots=True)
class Tile:
    """One participant at one moment: their Reading (relative to *their* thresholds and target;
    hr_bpm None without valid data), the strap's battery (%), link and contact, the last cue
    the room said to them, `present` (False: their strap was not found at the start) and the
    wall clock of their connection (`start`, ISO; elapsed_s counts from it)."""

    name: str
    person_id: int | None
    reading: Reading
    battery: int | None
    link: str
    contact: bool | None
    device: str
    room_cue: str | None = None
    present: bool = True
    seq: int = 0
    start: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The tile as JSON: what the class screen renders (bpm, zone word, minutes, alert)."""
        r = self.reading
        return {"name": self.name, "person_id": self.person_id, "present": self.present,
                "hr_bpm": None if r.hr_bpm is None else round(r.hr_bpm),
                "zone": r.zone, "target": r.target, "target_hint": r.target_hint,
                "in_target_s": round(r.target_s, 1), "credited_min": r.credited_min,
                "signal": "ok" if r.ok else "no signal", "signal_reason": r.reason,
                "above_ceiling": r.above_ceiling, "ceiling_bpm": r.ceiling_bpm,
                "battery": self.battery, "link": self.link, "contact": self.contact,
                "device": self.device, "elapsed_s": round(r.elapsed_s, 1),
                "room_cue": self.room_cue, "seq": self.seq, "start": self.start}


class TileSink(StatusSink):
    """A participant's status (display.StatusSink) that tells the monitor of every change."""

    def __init__(self, name: str, monitor: ClassMonitor, **kw: Any):
        super().__init__(**kw)
        self.name = name
        self.monitor = monitor
        self.start: str | None = None

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        self.start = header.created
        self.monitor.changed(self.name)

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        if len(out):
            self.monitor.changed(self.name, data=True)

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        self.monitor.changed(self.name)


class ClassMonitor:
    """Every participant's live status (see module docstring). clock: monotonic seconds, for
    "no data for N s" when a strap goes quiet (injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.sinks: dict[str, TileSink] = {}
        self.ids: dict[str, int | None] = {}
        self.absent: dict[str, str] = {}
        self.late: dict[str, float] = {}      # a late arrival: class-clock seconds at joining
        self.room_cues: dict[str, str] = {}
        self.seq = 0
        self._data_at: dict[str, float] = {}
        self._subscribers: list[Callable[[Tile], None]] = []
        self._queues: list[asyncio.Queue[Tile | None]] = []
        self._presence: list[Callable[[], None]] = []

    def join(self, name: str, person_id: int | None, **status: Any) -> TileSink:
        """The tile sink of a participant (status: StatusSink's week/goal/target keywords);
        someone absent until now arrives: their tile turns present."""
        sink = TileSink(name, self, **status)
        self.sinks[name] = sink
        self.ids[name] = person_id
        if self.absent.pop(name, None) is not None:
            self._presence_changed()
            self.changed(name)
        return sink

    def missing(self, name: str, person_id: int | None, why: str) -> None:
        """A participant whose strap could not be connected (yet): shown as absent, why."""
        self.ids[name] = person_id
        if self.absent.get(name) != why:
            self.absent[name] = why
            self._presence_changed()

    def watch_presence(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call fn() whenever `absent` changes; returns the function that stops it."""
        self._presence.append(fn)
        return lambda: self._presence.remove(fn) if fn in self._presence else None

    def _presence_changed(self) -> None:
        for fn in list(self._presence):
            fn()

    def said(self, cue: RoomCue) -> None:
        """The room said a cue to a participant (shown on their tile)."""
        self.room_cues[cue.person] = cue.text
        self.changed(cue.person)

    def tile(self, name: str) -> Tile:
        """The participant's tile now."""
        sink = self.sinks.get(name)
        if sink is None:
            from hrzone.display import LiveStatus
            r = LiveStatus().reading()
            return Tile(name, self.ids.get(name), r, None, "absent", None, "?",
                        present=False, seq=self.seq)
        s = sink.status
        seen = self._data_at.get(name)
        idle = 0.0 if seen is None else max(0.0, self.clock() - seen)
        return Tile(name, self.ids.get(name), s.reading(idle), s.battery, s.link, s.contact,
                    s.device, self.room_cues.get(name), True, self.seq, sink.start)

    def tiles(self) -> list[Tile]:
        """Every participant's tile now, in roster order (absent ones included)."""
        return [self.tile(n) for n in self.ids]

    def changed(self, name: str, data: bool = False) -> None:
        """A participant's status changed: tell subscribers and iterators."""
        self.seq += 1
        if data:
            self._data_at[name] = self.clock()
        if not self._subscribers and not self._queues:
            return
        tile = self.tile(name)
        for fn in list(self._subscribers):
            fn(tile)
        for q in self._queues:
            q.put_nowait(tile)

    def subscribe(self, fn: Callable[[Tile], None]) -> Callable[[], None]:
        """Call fn(tile) on every change; returns the function that stops it."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn) if fn in self._subscribers else None

    async def updates(self) -> AsyncIterator[Tile]:
        """Tiles as they change, until the class ends (close())."""
        q: asyncio.Queue[Tile | None] = asyncio.Queue()
        self._queues.append(q)
        try:
            while (t := await q.get()) is not None:
                yield t
        finally:
            self._queues.remove(q)

    def close(self) -> None:
        """The class ended: end every updates() iterator."""
        for q in self._queues:
            q.put_nowait(None)
