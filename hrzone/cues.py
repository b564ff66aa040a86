"""The cue stage: decides what to say, and when, after the signal core.

Pure, with explicit state and the clock injected (each output sample carries its session time):

    state = cues.initial(CuePrefs(), weekly_before_min=86)
    said, state = cues.process(out, state)        # out: the core's Output for a chunk
    said, state = cues.battery(t_s, percent, state)
    said, state = cues.finish(state, summary)     # the spoken end summary

Any split of a session into chunks gives the same cues. hrzone.session.LiveSession runs it and
hands each cue to its sinks (Sink.on_cue); the audio sink only plays what it is given.

The core's cue tracker (hrzone.zones.track_cues) decides when the person has *sustained* a new
zone; this stage decides what is *said* and keeps the zone last spoken. Rules (issues 5, 10):
every kind can be switched off; zone cues never during the first ``settle_s`` of a session; at
most one cue per ``min_gap_s``, except that a zone cue is never held back by a milestone or
status cue, and safety cues (ceiling) pre-empt everything and repeat every
``ceiling_repeat_s`` while above the ceiling; a cue that only repeats what was last said is
dropped; a newer cue of a kind replaces a queued older one; no cue while the signal is invalid
except the signal and battery cues themselves; milestones and the weekly goal are spoken exactly
once. Zone cues speak in talk-test terms relative to the target zone; a zone cue is not taken
back within ``quiet_return_s``: a return to the zone it left that soon is tracked silently (the
person eased off as told, or the change was too short to matter), a later return to the target
gets one short confirmation. A kind switched off is still tracked silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from hrzone import credit, heat
from hrzone.errors import ProfileError
from hrzone.phrases import DEFAULT_LANGUAGE, check_language, minutes, phrase
from hrzone.zones import HIGH, LOW, MODERATE, ZONE_NAMES, CueEvent

if TYPE_CHECKING:
    from hrzone.signal.pipeline import Output

# Priorities: higher is more urgent. SAFETY cues bypass the minimum gap; a STATUS cue (start,
# milestone, goal, end) never holds back a more urgent one.
STATUS, INFO, ALERT, SAFETY = 0, 1, 2, 3
KINDS = ("start", "zone", "ceiling", "signal", "battery", "milestone", "goal", "end", "heat")
SOUNDS = ("up", "down", "ceiling", "alert", "info")
_ZONE_LEVEL = {f"zone:{ZONE_NAMES[z]}": z for z in (LOW, MODERATE, HIGH)}
TARGETS = ("low", "moderate", "high")


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
    goal, start, end. target: the zone the person aims for (low, moderate, high); zone cues say
    what to do relative to it. say_hr: add the current heart rate to zone cues.
    quiet_return_s: a return to the zone a zone cue just left, this soon after that cue, is not
    said.
    settle_s: no zone cue this long after the start (HR settling);
    min_gap_s: minimum seconds between cues; ceiling_repeat_s: 'ease off' repeat interval;
    battery_low_pct: battery level (%) below which 'battery low' is said once;
    milestone_every_min: credited minutes between milestone cues; weekly_goal_min: weekly goal
    in credited minutes (0: no goal).
    heat: say once, calmly, to cool down and drink when the heart rate drifts up by
    heat_drift_bpm over heat_window_min at an unchanged zone, at most every heat_every_min
    (hrzone.heat; docs/cues.md).
    """

    language: str = DEFAULT_LANGUAGE
    target: str = "moderate"
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
    say_hr: bool = False
    quiet_return_s: float = 60.0
    settle_s: float = 60.0
    min_gap_s: float = 30.0
    ceiling_repeat_s: float = 60.0
    battery_low_pct: int = 15
    milestone_every_min: int = 10
    weekly_goal_min: int = 150
    heat: bool = True
    heat_drift_bpm: float = 10.0
    heat_window_min: float = 20.0
    heat_every_min: float = 10.0

    def __post_init__(self) -> None:
        check_language(self.language)
        if self.target not in TARGETS:
            raise ProfileError(f"cue setting target = {self.target!r} is not a zone "
                               f"(use one of {', '.join(TARGETS)})")
        for name, lo, hi in (("settle_s", 0, 3600), ("min_gap_s", 0, 3600),
                             ("quiet_return_s", 0, 3600),
                             ("ceiling_repeat_s", 10, 3600), ("battery_low_pct", 0, 100),
                             ("milestone_every_min", 1, 600), ("weekly_goal_min", 0, 10080)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ProfileError(f"cue setting {name} = {v!r} is out of range ({lo}-{hi})")
        for name, lo, hi in (("heat_drift_bpm", 3, 60), ("heat_window_min", 10, 120),
                             ("heat_every_min", 10, 600)):  # never more often than 10 min
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
    last_priority: int = STATUS            # priority of the cue spoken last
    zone_key: str = "zone:low"             # zone last spoken; the resting start is not announced
    zone_said_t: float | None = None       # when the last zone cue was spoken
    left_key: str | None = None            # the zone that cue left
    target_said: bool = False              # the target zone was spoken in this session
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

    def initial(self, weekly_before_min: float = 0) -> EngineState:
        """Fresh state; weekly_before_min is the credited minutes of the week before this session."""
        if (isinstance(weekly_before_min, bool) or not isinstance(weekly_before_min, (int, float))
                or not weekly_before_min >= 0):
            raise ProfileError(f"weekly minutes before the session must be >= 0, got {weekly_before_min!r}")
        every = self.prefs.milestone_every_min
        return EngineState(weekly_before_min=float(weekly_before_min), next_milestone_min=every,
                           goal_done=weekly_before_min >= self.prefs.weekly_goal_min > 0)

    def text(self, phrase_id: str, **params: object) -> str:
        return phrase(self.prefs.language, phrase_id, **params)

    def expected_texts(self, state: EngineState, max_minutes: int = 240) -> list[str]:
        """Every text this session may speak except the end summary (for pre-rendering)."""
        ids = ["start", "ceiling.above", "ceiling.below", "signal.lost", "signal.back",
               "battery.low", "goal", "heat"]
        out = [self.text(i) for i in ids]
        if not self.prefs.say_hr:  # with the heart rate in it a zone cue is rendered when said
            out += [self._zone_text(z, back) for z in (LOW, MODERATE, HIGH) for back in (0, 1)]
        every = self.prefs.milestone_every_min
        out += [self._milestone_text(m) for m in range(every, max_minutes + 1, every)]
        return list(dict.fromkeys(out))

    def _milestone_text(self, n: int) -> str:
        return self.text("milestone", minutes=minutes(self.prefs.language, n))

    def _zone_text(self, zone: int, back: bool, hr_bpm: float = float("nan")) -> str:
        """Where the person is and what to do, relative to the target (talk-test terms)."""
        name, target = ZONE_NAMES[zone], self.prefs.target
        goal = TARGETS.index(target)
        if zone == goal:
            text = self.text(f"zone.{name}.back" if back else f"zone.{name}.target")
        else:
            where = "above" if zone > goal else "below"
            text = self.text(f"zone.{name}.{where}", target=self.text(f"name.{target}"))
        if self.prefs.say_hr and hr_bpm == hr_bpm:
            text += " " + self.text("hr", bpm=int(round(hr_bpm)))
        return text

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

    def finish(self, state: EngineState, t_s: float | None = None,
               session_min: float | None = None) -> tuple[list[Cue], EngineState]:
        """End the session: drop queued cues and return the spoken end summary (if enabled).

        session_min: the session's credited minutes (unrounded; by default from the running
        total); the spoken numbers are rounded by credit.shown_min, as every screen shows them.
        """
        if state.finished:
            return [], state
        t = t_s if t_s is not None else (state.t_s if state.t_s is not None else 0.0)
        s = replace(state, pending=(), finished=True)
        if not self.prefs.end:
            return [], s
        if session_min is None:
            session_min = s.credited_s / 60.0
        lang = self.prefs.language
        session = credit.shown_min(session_min)
        goal = self.prefs.weekly_goal_min
        if goal > 0:
            week = credit.shown_min(s.weekly_before_min + session_min)
            text = self.text("end", session=_minutes(lang, session), week=_number(week), goal=goal)
        else:
            text = self.text("end.nogoal", session=_minutes(lang, session))
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
            if (key == s.left_key and key != s.zone_key and s.zone_said_t is not None
                    and t - s.zone_said_t < self.prefs.quiet_return_s):
                # Straight back where the last zone cue left: a cue is not taken back within
                # quiet_return_s (most such returns end an excursion too short to matter).
                pending[:] = [c for c in pending if c.kind != "zone"]
                return replace(s, zone_key=key, zone_said_t=None, left_key=None)
            text = self._zone_text(ev.value, s.target_said, ev.hr_bpm)
            return self._offer(Cue(t, "zone", INFO, text, key), s, pending)
        if ev.kind == "ceiling":
            if ev.value:
                s = replace(s, above=True)
                return self._offer(Cue(t, "ceiling", SAFETY, self.text("ceiling.above"),
                                       "ceiling:above", "ceiling"), s, pending)
            s = replace(s, above=False)  # reassurance, promptly: ALERT outranks zone news
            return self._offer(Cue(t, "ceiling", ALERT, self.text("ceiling.below"), "ceiling:below"),
                               s, pending)
        if ev.kind == "heat":  # one calm suggestion per drift event (hrzone.heat limits them)
            n = sum(1 for k in s.spoken if k.startswith("heat:"))
            return self._offer(Cue(t, "heat", INFO, self.text("heat"), f"heat:{n + 1}"), s,
                               pending)
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
            s = self._offer(Cue(t, "milestone", STATUS, self._milestone_text(reached),
                                f"milestone:{reached}"), s, pending)
        goal = p.weekly_goal_min
        if not s.goal_done and goal > 0 and s.weekly_before_min + minutes >= goal:
            s = replace(s, goal_done=True)
            # The goal says more than a milestone reached at the same time: say only the goal.
            pending[:] = [c for c in pending if c.kind != "milestone"]
            s = self._offer(Cue(t, "goal", STATUS, self.text("goal"), f"goal:{goal}"), s, pending)
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
        gap_ok = s.last_spoken_t is None or t - s.last_spoken_t >= p.min_gap_s
        settled = s.t0_s is not None and t - s.t0_s >= p.settle_s
        eligible = [c for c in pending
                    if (s.valid or c.kind in ("signal", "battery"))
                    and (c.kind != "zone" or settled)
                    and (gap_ok or (s.last_priority == STATUS and c.priority > STATUS))]
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
        s = replace(s, last_spoken_t=t, last_priority=c.priority)
        if c.kind == "zone":
            goal = f"zone:{self.prefs.target}"
            s = replace(s, zone_said_t=t, left_key=s.zone_key,
                        target_said=s.target_said or c.key == goal)
        if c.kind == "ceiling" and c.key == "ceiling:above":
            s = replace(s, last_ceiling_t=t)
        if attr is not None:
            return replace(s, **{attr: c.key})
        return replace(s, spoken=s.spoken + (c.key,))


def _number(x: float) -> str:
    """A shown number as spoken: 32.0 -> '32', 32.4 -> '32.4'."""
    return f"{x:.1f}".removesuffix(".0")


def _minutes(language: str, shown: float) -> str:
    """'1 minute', '32 minutes', '32.4 minutes' for a number already rounded for display."""
    if shown == int(shown):
        return minutes(language, int(shown))
    return phrase(language, "minutes", n=_number(shown))


# -- the stage: the core's output in, cues out ------------------------------------------------

@dataclass(frozen=True, slots=True)
class StageState:
    """Everything the cue stage remembers between chunks: the preferences (fixed for the
    session), the engine's state, the seconds in the moderate and high zones so far and the
    heat-drift detector's state."""

    prefs: CuePrefs
    engine: EngineState
    moderate_s: float = 0.0
    high_s: float = 0.0
    heat: heat.HeatState = heat.HeatState()

    @property
    def credited_s(self) -> float:
        return credit.credited_s(self.moderate_s, self.high_s)


def initial(prefs: CuePrefs | None = None, weekly_before_min: float = 0) -> StageState:
    """The stage before the first sample; weekly_before_min: credited minutes of the week so far."""
    prefs = prefs or CuePrefs()
    return StageState(prefs, CueEngine(prefs).initial(weekly_before_min))


def process(out: Output, state: StageState) -> tuple[list[Cue], StageState]:
    """The cues to say for a chunk of the core's output (one engine step per sample).

    Each cue event goes to the sample at its time; the credited total is summed sample by sample,
    so any chunking of a session gives the same cues.
    """
    n = len(out)
    if n == 0 or state.engine.finished:
        return [], state
    engine = CueEngine(state.prefs)
    es = state.engine
    mod, high = state.moderate_s, state.high_s
    said: list[Cue] = []
    warm, heat_state = heat.detect(out, state.heat, _heat_config(state.prefs))
    events = sorted([*out.events, *warm], key=lambda e: e.t_s)
    i = 0
    ts, valid = out.t_s.tolist(), out.valid.tolist()
    zone, cred = out.intensity.tolist(), out.credit_s.tolist()
    for k in range(n):
        if zone[k] == MODERATE:
            mod += cred[k]
        elif zone[k] == HIGH:
            high += cred[k]
        mine: list[CueEvent] = []
        while i < len(events) and (events[i].t_s <= ts[k] or k == n - 1):
            mine.append(events[i])
            i += 1
        cues, es = engine.step(CueInput(ts[k], bool(valid[k]), credit.credited_s(mod, high),
                                        tuple(mine)), es)
        said += cues
    return said, replace(state, engine=es, moderate_s=mod, high_s=high, heat=heat_state)


def _heat_config(prefs: CuePrefs) -> heat.HeatConfig:
    return heat.HeatConfig(float(prefs.heat_drift_bpm), 60.0 * prefs.heat_window_min,
                           60.0 * prefs.heat_every_min)


def battery(t_s: float, percent: float, state: StageState) -> tuple[list[Cue], StageState]:
    """A battery level (%) reported at session time t_s ('battery low' is said once)."""
    es = state.engine
    if es.finished:
        return [], state
    t = t_s if es.t_s is None else max(t_s, es.t_s)
    cues, es = CueEngine(state.prefs).step(
        CueInput(t, es.valid, state.credited_s, (), float(percent)), es)
    return cues, replace(state, engine=es)


def finish(state: StageState, summary: Any = None) -> tuple[list[Cue], StageState]:
    """End of session: the spoken end summary. With the session's Summary, its minutes are the
    summary's (credit.credited_min of its moderate and high seconds), as every screen shows."""
    session_min = None
    if summary is not None:
        session_min = credit.credited_min(summary.moderate_s, summary.high_s)
    cues, es = CueEngine(state.prefs).finish(state.engine, session_min=session_min)
    return cues, replace(state, engine=es)
