"""A group class run as a task inside an event loop that is already running (the web server's
class screen), watched through its ClassMonitor's tiles.

    classes = Classes(ClassRequest(virtual="20", speed=5))   # in the running loop
    run = classes.start()            # prepare, scan, connect, run (app.group, as `class run`)
    q = run.subscribe()              # ("tile", {...}), ("cue", {...}), ("class", {...}), ("end", {...})
    run.set_view(hide_bpm=True)      # every screen shows zones only
    run.set_zone_cues(["Anna"])      # the room also says Anna's zone cues (the arbiter's rules)
    await classes.stop()             # as Ctrl-C: every session ends, is summarised and saved

The class is assembled, run and saved by the same functions as `hrzone class run`
(app.group.prepare, room_for, class_in_air, save_results); only the loop differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from hrzone.app.broadcast import Broadcast, Watched
from hrzone.app.group import (
    ClassError, ClassOutcome, ClassRequest, Member, class_in_air, class_origin, demo_notes,
    prepare, room_for, save_results, zone_rules)
from hrzone.app.monitor import ClassMonitor, Tile
from hrzone.app.room import Room
from hrzone.arbiter import RoomCue
from hrzone.errors import HrzoneError

QUEUE_MAX = 1024       # a subscriber this far behind loses its oldest messages
CUES_SHOWN = 5         # the room's latest cues in a snapshot


class ClassRun(Watched):
    """One class running as a task: its tiles, view settings, subscribers and outcome."""

    def __init__(self, run_id: str, req: ClassRequest, hide_bpm: bool = False):
        self.id = run_id
        self.req = req
        self.monitor = ClassMonitor()
        self.hide_bpm = hide_bpm
        self.members: list[Member] = []
        self.room: Room | None = None
        self.outcome: ClassOutcome | None = None
        self.notes: list[str] = []
        self.error: str | None = None
        self.ended = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._watchers = Broadcast(QUEUE_MAX)
        self.monitor.subscribe(lambda t: self.publish("tile", t.to_json()))
        self.monitor.watch_presence(lambda: self.publish("class"))   # the absent list changed

    def connected(self) -> bool:
        return bool(self.monitor.sinks)

    @property
    def zone_cues(self) -> list[str]:
        """Whose zone cues the room says (names as on the roster)."""
        if self.room is None:
            return list(self.req.zone_cues)
        names = self.room.rules.zone_people
        return [m.person.name for m in self.members if m.person.name.lower() in names]

    def tiles(self) -> list[Tile]:
        """Every participant's tile now (ClassMonitor.tiles)."""
        return self.monitor.tiles()

    def snapshot(self) -> dict[str, Any]:
        """The class now: id, state, view settings, tiles, the room's latest cues and, once
        ended, the class table (`class run --json`), the absent, late arrivals (seconds into
        the class) and any error."""
        said = self.room.said[-CUES_SHOWN:] if self.room is not None else []
        d: dict[str, Any] = {
            "id": self.id, "state": self.state, "hide_bpm": self.hide_bpm,
            "zone_cues": self.zone_cues, "virtual": self.req.virtual is not None,
            "tiles": [t.to_json() for t in self.tiles()],
            "cues": [c.to_json() for c in said], "notes": list(self.notes),
            "absent": dict(self.monitor.absent), "late": dict(self.monitor.late),
            "error": self.error, "table": None}
        if self.outcome is not None:
            d["table"] = self.outcome.to_json()
        return d

    def set_view(self, hide_bpm: bool) -> None:
        """Show heart rates on every screen, or zones only."""
        self.hide_bpm = hide_bpm
        self.publish("class")

    def set_zone_cues(self, names: Iterable[str]) -> None:
        """The room also says zone cues for these people (ClassError for someone not in the
        class; the arbiter refuses more than a small group); safety cues are always said."""
        if self.room is None or self.ended.is_set():
            raise ClassError("the class is not running: zone cues can be set once it has started")
        self.room.rules = replace(zone_rules(tuple(names), self.members, "zone cues"),
                                  utterance_s=self.room.rules.utterance_s,
                                  person_gap_s=self.room.rules.person_gap_s,
                                  max_wait_s=self.room.rules.max_wait_s)
        self.publish("class")

    def _said(self, cue: RoomCue) -> None:
        self.publish("cue", cue.to_json())

    async def run(self) -> None:
        """Assemble the class (in a worker thread: the roster and histories are read), run it
        in this loop, save everyone's session (in a worker thread)."""
        voice = None
        try:
            members, air, demo = await asyncio.to_thread(prepare, self.req)
            self.members = members
            self.notes = demo_notes(demo, members)
            self.room, voice = room_for(self.req, members, air, self.monitor, self._said)
            self.publish("class")
            results, reconnects = await class_in_air(self.req, members, air, self.monitor,
                                                     self.room)
            people = await asyncio.to_thread(save_results, members, results, reconnects,
                                             origin=class_origin(self.req), save=self.req.save,
                                             late=dict(self.monitor.late))
            self.outcome = ClassOutcome(people, dict(self.monitor.absent), self.room.said, demo,
                                        class_origin(self.req), self.notes,
                                        dict(self.monitor.late))
        except asyncio.CancelledError:
            self.error = "stopped before the straps were connected; nothing was recorded"
            raise
        except HrzoneError as e:
            self.error = str(e)
        except Exception as e:  # shown on the screen; the server goes on
            self.error = f"unexpected {type(e).__name__}: {e}"
        finally:
            if voice is not None:
                voice.close(None)  # type: ignore[arg-type]
            self.monitor.close()
            self.ended.set()
            self.publish("end")


class Classes:
    """The classes of one event loop (one at a time), started with one request (`class run
    --serve`'s options, or real straps and the roster). Create and use it inside the loop."""

    def __init__(self, req: ClassRequest | None = None, hide_bpm: bool = False):
        self.req = req or ClassRequest()
        self.hide_bpm = hide_bpm
        self.runs: dict[str, ClassRun] = {}
        self._ids = itertools.count(1)

    def latest(self) -> ClassRun | None:
        """The latest class (running or ended), else None."""
        return self.runs[max(self.runs, key=int)] if self.runs else None

    def start(self) -> ClassRun:
        """Start a class (ClassError while one runs); it keeps the view of the one before."""
        last = self.latest()
        if last is not None and not last.ended.is_set():
            raise ClassError("a class is already running: stop it first")
        run = ClassRun(str(next(self._ids)), self.req,
                       self.hide_bpm if last is None else last.hide_bpm)
        run.task = asyncio.get_running_loop().create_task(run.run())
        self.runs[run.id] = run
        return run

    async def stop(self, timeout_s: float = 60.0) -> ClassRun | None:
        """End the running class as Ctrl-C does and wait until everyone is saved; the latest
        class (None before any)."""
        run = self.latest()
        if run is not None and run.task is not None and not run.ended.is_set():
            run.task.cancel(msg="stop")
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(run.task), timeout_s)
            await asyncio.wait_for(run.ended.wait(), timeout_s)
        return run
