"""The room's voice around the pure arbiter (hrzone.arbiter): every participant's cue stage
offers its cues, the class clock ticks it, and what it says goes to the class monitor (the
tiles), the speaker (a CueSink: speech, tones, cue log) and any listener."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hrzone import arbiter
from hrzone.app.monitor import ClassMonitor
from hrzone.arbiter import RoomCue, RoomRules, RoomState
from hrzone.cues import Cue
from hrzone.session import Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output

if TYPE_CHECKING:
    from hrzone.app.group import ClassRequest


class Room:
    """The room's voice around the pure arbiter: participants' cue stages offer, the class
    clock ticks it, and what it says goes to the monitor and the speaker (a CueSink)."""

    def __init__(self, rules: RoomRules, now_s: Callable[[], float], *,
                 monitor: ClassMonitor | None = None, voice: Sink | None = None,
                 on_say: Callable[[RoomCue], None] | None = None):
        self.rules = rules
        self.now_s = now_s
        self.state = RoomState()
        self.monitor = monitor
        self.voice = voice
        self.on_say = on_say
        self.said: list[RoomCue] = []

    def offer(self, person: str, cue: Cue) -> None:
        """A participant's cue stage said `cue`: queue it for the room (if wanted), tick."""
        self.state = arbiter.offer(person, cue, self.now_s(), self.state, self.rules)
        self.tick()

    def tick(self) -> None:
        """Say what the arbiter allows now (called on every participant's output)."""
        if not self.state.queue:
            return
        t = self.now_s()
        said, self.state = arbiter.step(t, self.state, self.rules)
        for c in said:
            self.said.append(c)
            if self.monitor is not None:
                self.monitor.said(c)
            if self.voice is not None:
                self.voice.on_cue(Cue(t, c.kind, c.priority, c.text, f"{c.person}:{c.key}",
                                      "ceiling" if c.kind == "ceiling" else "info"))
            if self.on_say is not None:
                self.on_say(c)


class RoomSink(Sink):
    """Hands one participant's cues to the room; each of their outputs ticks the room."""

    def __init__(self, name: str, room: Room):
        self.name = name
        self.room = room

    def on_cue(self, cue: object) -> None:
        assert isinstance(cue, Cue)
        self.room.offer(self.name, cue)

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self.room.tick()


def room_voice(req: ClassRequest) -> Sink | None:
    """The room's speaker (and cue log): a CueSink, or None when silent."""
    if req.audio == "off" and req.cue_log is None:
        return None
    from hrzone.audio.sink import CueSink

    return CueSink(audio=req.audio, play=req.audio != "off", cue_log=req.cue_log)
