"""The room's voice: one speaker for a whole class, fed by every participant's cue stage.

Each participant has their own cue engine (hrzone.cues, their own target and ceiling); this
arbiter decides which of their cues the room hears. Pure, with explicit state and the class
clock passed in (seconds since the class started):

    state = RoomState()
    state = offer("Anna", cue, t_s, state, rules)     # a cue Anna's engine said
    said, state = step(t_s, state, rules)             # what the speaker says now (0 or 1 cue)

Rules (issue 14): no zone chatter by default, only safety cues ("Anna, ease off. ..."); the
instructor may turn zone cues on for a small group (`RoomRules.zone_people`); one voice at a
time (a cue holds the room for `utterance_s`); safety first (highest priority, then the oldest);
each person at most once per `person_gap_s`. A queued 'ease off' is withdrawn when its person is
back below the ceiling before it was said; a zone cue waiting longer than `max_wait_s` is old
news and dropped; a safety cue waits as long as it must.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from hrzone.cues import SAFETY, Cue
from hrzone.errors import HrzoneError

MAX_ZONE_PEOPLE = 4   # zone cues for more people than this would be the chatter we avoid


@dataclass(frozen=True, slots=True)
class RoomRules:
    """What the room hears. zone_people: names (case-insensitive) whose zone cues are said;
    utterance_s: how long one cue holds the speaker; person_gap_s: at most one cue per person in
    this many seconds; max_wait_s: a zone cue not said within this is dropped."""

    zone_people: frozenset[str] = frozenset()
    utterance_s: float = 4.0
    person_gap_s: float = 60.0
    max_wait_s: float = 20.0

    def __post_init__(self) -> None:
        if len(self.zone_people) > MAX_ZONE_PEOPLE:
            raise HrzoneError(f"zone cues for {len(self.zone_people)} people: at most "
                              f"{MAX_ZONE_PEOPLE} in a room (one speaker), or none")
        object.__setattr__(self, "zone_people", frozenset(n.lower() for n in self.zone_people))


@dataclass(frozen=True, slots=True)
class RoomCue:
    """A cue for the room: class time t_s it was offered (s), whose it is, what is said."""

    t_s: float
    person: str
    kind: str
    priority: int
    key: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"t_s": round(self.t_s, 3), "person": self.person, "kind": self.kind,
                "key": self.key, "text": self.text}


@dataclass(frozen=True, slots=True)
class RoomState:
    """Queued cues (one per person and kind), when the speaker is free again (class s), and
    when each person was last named."""

    queue: tuple[RoomCue, ...] = ()
    free_at_s: float = -math.inf
    last_said: tuple[tuple[str, float], ...] = ()

    def said_at(self, person: str) -> float:
        return dict(self.last_said).get(person, -math.inf)


def wanted(person: str, cue: Cue, rules: RoomRules) -> bool:
    """Whether the room should hear this cue of this person at all."""
    if cue.priority >= SAFETY:
        return True
    return cue.kind == "zone" and person.lower() in rules.zone_people


def room_text(person: str, cue: Cue) -> str:
    """The cue addressed to the person by name: 'Anna, ease off. You are above your ceiling.'"""
    text = cue.text
    return f"{person}, {text[:1].lower()}{text[1:]}" if text else person


def offer(person: str, cue: Cue, t_s: float, state: RoomState, rules: RoomRules) -> RoomState:
    """Queue a participant's cue (said at class time t_s by their engine) if the room wants it;
    a newer cue of the same person and kind replaces the queued one."""
    queue = state.queue
    if cue.kind == "ceiling" and cue.priority < SAFETY:   # back below: withdraw 'ease off'
        queue = tuple(q for q in queue if not (q.person == person and q.kind == "ceiling"))
    if not wanted(person, cue, rules):
        return replace(state, queue=queue) if queue is not state.queue else state
    queue = tuple(q for q in queue if not (q.person == person and q.kind == cue.kind))
    item = RoomCue(float(t_s), person, cue.kind, cue.priority, cue.key, room_text(person, cue))
    return replace(state, queue=queue + (item,))


def step(t_s: float, state: RoomState, rules: RoomRules) -> tuple[list[RoomCue], RoomState]:
    """What the speaker says at class time t_s: nothing while it is busy, else the most urgent
    (then oldest) queued cue of someone not named within person_gap_s."""
    queue = tuple(q for q in state.queue
                  if q.priority >= SAFETY or t_s - q.t_s <= rules.max_wait_s)
    if t_s < state.free_at_s:
        return [], replace(state, queue=queue)
    ready = [q for q in queue if t_s - state.said_at(q.person) >= rules.person_gap_s]
    if not ready:
        return [], replace(state, queue=queue)
    best = max(ready, key=lambda q: (q.priority, -q.t_s))
    said = dict(state.last_said)
    said[best.person] = t_s
    return [best], RoomState(tuple(q for q in queue if q is not best), t_s + rules.utterance_s,
                             tuple(sorted(said.items())))


def next_due(state: RoomState, rules: RoomRules) -> float | None:
    """The earliest class time at which step() could say a queued cue (None: nothing queued)."""
    if not state.queue:
        return None
    return max(state.free_at_s,
               min(state.said_at(q.person) + rules.person_gap_s for q in state.queue))
