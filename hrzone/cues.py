"""Cue engine: decides what to say, and when, from the classifier's cue events and running totals.

Pure, with explicit state and the clock injected (each input carries its session time):

    engine = CueEngine(CuePrefs())
    state = engine.initial(weekly_before_min=86)
    cues, state = engine.step(CueInput(t_s, valid, credited_s, events), state)
    cues, state = engine.finish(state)            # the spoken end summary

Rules (issue 5): every kind can be switched off; zone cues never during the first ``settle_s`` of
a session; at most one cue per ``min_gap_s`` except safety cues (ceiling), which pre-empt
everything and repeat every ``ceiling_repeat_s`` while above the ceiling; a cue that only repeats
what was last announced is dropped; a newer cue of a kind replaces a queued older one; no cue
while the signal is invalid except the signal and battery cues themselves; milestones and the
weekly goal are spoken exactly once. A kind switched off is still tracked silently, so returning
to the target zone after an unannounced dip is announced again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from hrzone.errors import ProfileError
from hrzone.credit import shown_min, spoken_min
from hrzone.phrases import DEFAULT_LANGUAGE, check_language, minutes, phrase
from hrzone.zones import HIGH, LOW, MODERATE, ZONE_NAMES, CueEvent

# Priorities: higher is more urgent. SAFETY cues bypass the minimum gap.
STATUS, INFO, ALERT, SAFETY = 0, 1, 2, 3
KINDS = ("start", "zone", "ceiling", "signal", "battery", "milestone", "goal", "end")
SOUNDS = ("up", "down", "ceiling", "alert", "info")
_ZONE_LEVEL = {f"zone:{ZONE_NAMES[z]}": z for z in (LOW, MODERATE, HIGH)}


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue to speak at session time t_s (seconds).

    key identifies what is said ("zone:moderate", "milestone:20") for de-duplication; sound is a
    hint for the tones fallback: up, down, ceiling, alert or info.
    """

    t_s: float
    kind: str
    priority: int
    text: str
    key: str
    sound: str = "info"

    def to_json(self) -> dict[str, Any]:
        return {"t_s": round(self.t_s, 3), "kind": self.kind, "priority": self.priority,
                "key": self.key, "text": self.text, "sound": self.sound}


@dataclass(frozen=True, slots=True)
class CuePrefs:
    """What the user wants to hear. Defaults suit someone with MS at moderate intensity.

    Switches (bool): zone_low, zone_moderate, zone_high, ceiling, signal, battery, milestones,
    goal, start, end. settle_s: no zone cue this long after the start (HR settling);
    min_gap_s: minimum seconds between cues; ceiling_repeat_s: 'ease off' repeat interval;
    battery_low_pct: battery level (%) below which 'battery low' is said once;
    milestone_every_min: credited minutes between milestone cues; weekly_goal_min: weekly goal
    in credited minutes (0: no goal).
    """

    language: str = DEFAULT_LANGUAGE
    zone_low: bool = True
    zone_moderate: bool = True
    zone_high: bool = True
    ceiling: bool = True
    signal: bool = True
    battery: bool = True
    milestones: bool = True
    goal: bool = True
    start: bool = True
    end: bool = True
    settle_s: float = 60.0
    min_gap_s: float = 30.0
    ceiling_repeat_s: float = 60.0
    battery_low_pct: int = 15
    milestone_every_min: int = 10
    weekly_goal_min: int = 150

    def __post_init__(self) -> None:
        check_language(self.language)
        for name, lo, hi in (("settle_s", 0, 3600), ("min_gap_s", 0, 3600),
                             ("ceiling_repeat_s", 10, 3600), ("battery_low_pct", 0, 100),
                             ("milestone_every_min", 1, 600), ("weekly_goal_min", 0, 10080)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ProfileError(f"cue setting {name} = {v!r} is out of range ({lo}-{hi})")

    def enabled(self, kind: str, key: str = "") -> bool:
        """Whether cues of this kind (and, for zones, this key) should be spoken."""
        if kind == "zone":
            return bool(getattr(self, "zone_" + key.split(":", 1)[1]))
        return bool(getattr(self, {"milestone": "milestones"}.get(kind, kind)))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], where: str = "cues") -> CuePrefs:
        """Preferences from a profile [cues] table ('voice' is accepted for 'language');
        unknown keys or wrong types raise ProfileError."""
        known = {f.name: f for f in fields(cls)}
        kw: dict[str, Any] = {}
        for k, v in obj.items():
            if k == "voice":  # the profile's documented spelling of the language
                k = "language"
            if k not in known:
                raise ProfileError(f"{where}: unknown cue setting {k!r} (known: {', '.join(known)})")
            default = getattr(cls(), k)
            if isinstance(default, bool) and not isinstance(v, bool):
                raise ProfileError(f"{where}.{k}: expected true or false, got {v!r}")
            if isinstance(default, str) and not isinstance(v, str):
                raise ProfileError(f"{where}.{k}: expected a string, got {v!r}")
            kw[k] = v
        try:
            return cls(**kw)
        except ProfileError as e:
            raise ProfileError(f"{where}: {e}") from None


@dataclass(frozen=True, slots=True)
class CueInput:
    """What happened at session time t_s (s): signal validity, weighted credited seconds so far
    in this session (moderate + 2 x vigorous), new classifier cue events, a battery level (%)."""

    t_s: float
    valid: bool = True
    credited_s: float = 0.0
    events: tuple[CueEvent, ...] = ()
    battery_pct: float | None = None


@dataclass(frozen=True, slots=True)
class EngineState:
    """Explicit state of the cue engine (see CueEngine.step)."""

    weekly_before_min: float = 0.0
    t0_s: float | None = None              # session start (time of the first input)
    t_s: float | None = None               # latest input time
    valid: bool = False
    credited_s: float = 0.0
    last_spoken_t: float | None = None
    zone_key: str = "zone:low"             # announced state; the baselines are not announced
    ceiling_key: str = "ceiling:below"
    signal_key: str = "signal:back"
    pending: tuple[Cue, ...] = ()
    next_milestone_min: int = 0
    goal_done: bool = False
    battery_done: bool = False
    above: bool = False
    last_ceiling_t: float | None = None
    finished: bool = False
    spoken: tuple[str, ...] = field(default=())  # keys of one-shot cues already spoken


_STATEFUL = {"zone": "zone_key", "ceiling": "ceiling_key", "signal": "signal_key"}


class CueEngine:
    """Pure cue engine: `step` and `finish` return (cues, new state) and never read a clock."""

    __slots__ = ("prefs",)

    def __init__(self, prefs: CuePrefs | None = None):
        self.prefs = prefs or CuePrefs()

    def initial(self, weekly_before_min: int = 0) -> EngineState:
        """Fresh state; weekly_before_min is the credited minutes of the week before this session."""
        if not isinstance(weekly_before_min, (int, float)) or weekly_before_min < 0:
            raise ProfileError(f"weekly minutes before the session must be >= 0, got {weekly_before_min!r}")
        every = self.prefs.milestone_every_min
        return EngineState(weekly_before_min=float(weekly_before_min), next_milestone_min=every,
                           goal_done=weekly_before_min >= self.prefs.weekly_goal_min > 0)

    def text(self, phrase_id: str, **params: object) -> str:
        return phrase(self.prefs.language, phrase_id, **params)

    def expected_texts(self, state: EngineState, max_minutes: int = 240) -> list[str]:
        """Every text this session may speak except the end summary (for pre-rendering)."""
        ids = ["start", "zone.low", "zone.moderate", "zone.high", "ceiling.above",
               "ceiling.below", "signal.lost", "signal.back", "battery.low", "goal"]
        out = [self.text(i) for i in ids]
        every = self.prefs.milestone_every_min
        out += [self._milestone_text(m) for m in range(every, max_minutes + 1, every)]
        return list(dict.fromkeys(out))

    def _milestone_text(self, n: int) -> str:
        return self.text("milestone", minutes=minutes(self.prefs.language, n))

    # -- the step ----------------------------------------------------------------------------

    def step(self, inp: CueInput, state: EngineState) -> tuple[list[Cue], EngineState]:
        """Advance to inp.t_s; return the cues to speak now (in order) and the new state."""
        if state.finished:
            return [], state
        p = self.prefs
        t = inp.t_s if state.t_s is None else max(inp.t_s, state.t_s)
        s = replace(state, t_s=t, valid=bool(inp.valid),
                    credited_s=max(state.credited_s, float(inp.credited_s)))
        out: list[Cue] = []
        if s.t0_s is None:
            s = replace(s, t0_s=t)
            if p.start:
                out.append(Cue(t, "start", STATUS, self.text("start"), "start"))
                s = replace(s, last_spoken_t=t)
        pending = list(s.pending)
        for ev in inp.events:
            s = self._offer_event(ev, t, s, pending)
        s = self._offer_totals(inp, t, s, pending)
        s, emitted = self._emit(t, s, pending)
        out += emitted
        return out, replace(s, pending=tuple(pending))

    def run(self, inputs: Iterable[CueInput], state: EngineState) -> tuple[list[Cue], EngineState]:
        """Step through many inputs; same result as stepping one by one."""
        out: list[Cue] = []
        for inp in inputs:
            cues, state = self.step(inp, state)
            out += cues
        return out, state

    def finish(self, state: EngineState, t_s: float | None = None) -> tuple[list[Cue], EngineState]:
        """End the session: drop queued cues and return the spoken end summary (if enabled)."""
        if state.finished:
            return [], state
        t = t_s if t_s is not None else (state.t_s if state.t_s is not None else 0.0)
        s = replace(state, pending=(), finished=True)
        if not self.prefs.end:
            return [], s
        # The numbers every screen shows (hrzone.credit): the week adds unrounded minutes.
        session_min = s.credited_s / 60.0
        shown = shown_min(session_min)
        said = minutes(self.prefs.language, int(shown) if shown == int(shown) else shown)
        goal = self.prefs.weekly_goal_min
        if goal > 0:
            text = self.text("end", session=said, goal=goal,
                             week=spoken_min(s.weekly_before_min + session_min))
        else:
            text = self.text("end.nogoal", session=said)
        return [Cue(t, "end", STATUS, text, "end")], replace(s, last_spoken_t=t)

    # -- internals ---------------------------------------------------------------------------

    def _offer(self, cue: Cue, s: EngineState, pending: list[Cue]) -> EngineState:
        """Queue a candidate cue: replace a queued one of the same kind, drop repeats."""
        pending[:] = [c for c in pending if c.kind != cue.kind]
        attr = _STATEFUL.get(cue.kind)
        if attr is not None:
            if cue.key == getattr(s, attr):
                return s  # says nothing new (e.g. HR hovered across a threshold and back)
            if not self.prefs.enabled(cue.kind, cue.key):
                return replace(s, **{attr: cue.key})  # tracked silently
        elif not self.prefs.enabled(cue.kind, cue.key) or cue.key in s.spoken:
            return s
        pending.append(cue)
        return s

    def _offer_event(self, ev: CueEvent, t: float, s: EngineState, pending: list[Cue]) -> EngineState:
        if ev.kind == "zone":
            name = ZONE_NAMES.get(ev.value)
            if ev.value not in (LOW, MODERATE, HIGH) or name is None:
                return s
            key = f"zone:{name}"
            if s.ceiling_key == "ceiling:above" and ev.value > _ZONE_LEVEL[s.zone_key]:
                pending[:] = [c for c in pending if c.kind != "zone"]
                return replace(s, zone_key=key)  # 'ease off' was said: going up is old news
            return self._offer(Cue(t, "zone", INFO, self.text(f"zone.{name}"), key), s, pending)
        if ev.kind == "ceiling":
            if ev.value:
                s = replace(s, above=True)
                return self._offer(Cue(t, "ceiling", SAFETY, self.text("ceiling.above"),
                                       "ceiling:above", "ceiling"), s, pending)
            s = replace(s, above=False)  # reassurance, promptly: ALERT outranks zone news
            return self._offer(Cue(t, "ceiling", ALERT, self.text("ceiling.below"), "ceiling:below"),
                               s, pending)
        if ev.kind == "signal":
            if ev.value:
                return self._offer(Cue(t, "signal", ALERT, self.text("signal.back"), "signal:back"),
                                   s, pending)
            return self._offer(Cue(t, "signal", ALERT, self.text("signal.lost"), "signal:lost",
                                   "alert"), s, pending)
        return s

    def _offer_totals(self, inp: CueInput, t: float, s: EngineState, pending: list[Cue]) -> EngineState:
        p = self.prefs
        if (inp.battery_pct is not None and not s.battery_done
                and float(inp.battery_pct) < p.battery_low_pct):
            s = replace(s, battery_done=True)
            s = self._offer(Cue(t, "battery", ALERT, self.text("battery.low"), "battery:low",
                                "alert"), s, pending)
        minutes = s.credited_s / 60.0 + 1e-9
        if minutes >= s.next_milestone_min:
            reached = int(minutes // p.milestone_every_min) * p.milestone_every_min
            s = replace(s, next_milestone_min=reached + p.milestone_every_min)
            s = self._offer(Cue(t, "milestone", INFO, self._milestone_text(reached),
                                f"milestone:{reached}"), s, pending)
        goal = p.weekly_goal_min
        if not s.goal_done and goal > 0 and s.weekly_before_min + minutes >= goal:
            s = replace(s, goal_done=True)
            # The goal says more than a milestone reached at the same time: say only the goal.
            pending[:] = [c for c in pending if c.kind != "milestone"]
            s = self._offer(Cue(t, "goal", INFO, self.text("goal"), f"goal:{goal}"), s, pending)
        return s

    def _emit(self, t: float, s: EngineState, pending: list[Cue]) -> tuple[EngineState, list[Cue]]:
        p = self.prefs
        out: list[Cue] = []
        # Safety first: a new ceiling cue, or the repeat while the user stays above it.
        for c in [c for c in pending if c.priority >= SAFETY]:
            pending.remove(c)
            s = self._spoken(c, t, s)
            out.append(replace(c, t_s=t))
            # 'Ease off' supersedes a queued 'you went up a zone': track that one silently.
            for z in [z for z in pending if z.kind == "zone"
                      and _ZONE_LEVEL[z.key] > _ZONE_LEVEL[s.zone_key]]:
                pending.remove(z)
                s = replace(s, zone_key=z.key)
        if (s.above and s.valid and p.ceiling and s.last_ceiling_t is not None
                and t - s.last_ceiling_t >= p.ceiling_repeat_s):
            c = Cue(t, "ceiling", SAFETY, self.text("ceiling.above"), "ceiling:above", "ceiling")
            s = self._spoken(c, t, s)
            out.append(c)
        if out or not pending:
            return s, out
        if s.last_spoken_t is not None and t - s.last_spoken_t < p.min_gap_s:
            return s, out
        settled = s.t0_s is not None and t - s.t0_s >= p.settle_s
        eligible = [c for c in pending
                    if (s.valid or c.kind in ("signal", "battery"))
                    and (c.kind != "zone" or settled)]
        if not eligible:
            return s, out
        best = max(eligible, key=lambda c: (c.priority, -c.t_s))
        pending.remove(best)
        sound = best.sound
        if best.kind == "zone":
            sound = "up" if _ZONE_LEVEL[best.key] > _ZONE_LEVEL[s.zone_key] else "down"
        s = self._spoken(best, t, s)
        out.append(replace(best, t_s=t, sound=sound))
        return s, out

    def _spoken(self, c: Cue, t: float, s: EngineState) -> EngineState:
        attr = _STATEFUL.get(c.kind)
        s = replace(s, last_spoken_t=t)
        if c.kind == "ceiling" and c.key == "ceiling:above":
            s = replace(s, last_ceiling_t=t)
        if attr is not None:
            return replace(s, **{attr: c.key})
        return replace(s, spoken=s.spoken + (c.key,))


def cue_inputs(t_s: Iterable[float], valid: Iterable[bool], credited_s: Iterable[float],
               events: Iterable[CueEvent] = (),
               battery: Iterable[tuple[float, float]] = ()) -> list[CueInput]:
    """Per-sample engine inputs from arrays (offline replay): each event goes to the first
    sample at or after its time; battery is (t_s, percent) pairs."""
    ts = list(t_s)
    ev = sorted(events, key=lambda e: e.t_s)
    bat = sorted(battery)
    out: list[CueInput] = []
    i = j = 0
    for t, v, c in zip(ts, valid, credited_s):
        mine: list[CueEvent] = []
        while i < len(ev) and ev[i].t_s <= t:
            mine.append(ev[i])
            i += 1
        level = None
        while j < len(bat) and bat[j][0] <= t:
            level = bat[j][1]
            j += 1
        out.append(CueInput(float(t), bool(v), float(c), tuple(mine), level))
    return out
