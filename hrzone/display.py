"""Live display sinks: a rich panel on a terminal, timestamped lines otherwise, JSON per second.

All three keep one LiveStatus, updated from the session's outputs, events and spoken cues, and
show it through one Reading, so they give the same numbers and the same "no signal". Minutes go
through hrzone.credit (the crediting rule and the one rounding rule for shown minutes).

During a talk test (make_calibration_display) the sinks show heart rate and marks only: zones
from thresholds that are about to be replaced would mislead.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

import numpy as np

from hrzone.bigtext import BigText
from hrzone.calibrate import MARK_KINDS, Mark, MarkLog, clock_text
from hrzone.credit import credited_min, shown_min
from hrzone.errors import ProfileError
from hrzone.recording import Event, Header, Notification
from hrzone.session import Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import CONTACT, OK, RANGE, SETTLE, SPIKE, STALE, Output
from hrzone.summary import Summary
from hrzone.zones import HIGH, INVALID, LOW, MODERATE, ZONE_NAMES, Thresholds

ZONE_STYLE = {"low": "bold blue", "moderate": "bold green", "high": "bold dark_orange"}
ALERT_STYLE = "bold red"          # red is kept for the ceiling alert alone
NO_SIGNAL_STYLE = "bold yellow"
DASH = "—"
TARGETS = ("low", "moderate", "high")
NO_DATA_S = 3.0   # panel: wall seconds without a notification before it says "no signal"
HOLD_S = 3.0      # a lone rejected sample (spike) keeps the last valid HR this long (session s)
PANEL_MAX_WIDTH = 88
_ZONE_INDEX = {"low": LOW, "moderate": MODERATE, "high": HIGH}
_REASONS = {CONTACT: "contact lost", STALE: "stale data", SETTLE: "settling",
            RANGE: "out of range", SPIKE: "artefact"}


class CueLike(Protocol):
    """What a sink needs of a spoken cue (hrzone.cues.Cue)."""

    text: str
    t_s: float
    kind: str


@dataclass(frozen=True, slots=True)
class Reading:
    """What every display shows at one moment (seconds and bpm unless named).

    ok is False when there is no valid data (reason says why); then hr_bpm and zone are None,
    never a frozen last value. Minutes are already rounded for display (credit.shown_min).
    """

    ok: bool
    reason: str | None
    hr_bpm: float | None
    zone: str | None
    target: str
    elapsed_s: float
    target_s: float
    credited_min: float
    week_min: float
    goal_min: float
    above_ceiling: bool
    ceiling_bpm: float | None
    last_cue: str | None
    last_cue_t_s: float | None
    show_zones: bool

    @property
    def hr_text(self) -> str:
        return DASH if self.hr_bpm is None else f"{self.hr_bpm:.0f} bpm"

    @property
    def signal_text(self) -> str:
        return "ok" if self.ok else f"no signal ({self.reason})"

    @property
    def target_hint(self) -> str:
        """'in target', 'below target' or 'above target' ('' without a zone)."""
        if self.zone is None:
            return ""
        z, t = _ZONE_INDEX[self.zone], _ZONE_INDEX[self.target]
        return "in target" if z == t else "below target" if z < t else "above target"

    @property
    def ceiling_text(self) -> str:
        bpm = "" if self.ceiling_bpm is None else f" of {self.ceiling_bpm:.0f} bpm"
        return f"You are above your ceiling{bpm}"


@dataclass(slots=True)
class LiveStatus:
    """The session as the displays know it, updated from outputs, events and cues."""

    target: str = "moderate"
    week_before_min: float = 0.0
    goal_min: float = 150.0
    show_zones: bool = True
    device: str = "?"
    start: datetime | None = None
    ceiling_bpm: float | None = None
    t_s: float = 0.0
    got_data: bool = False
    hr_bpm: float | None = None        # the last valid HR, and when it was measured
    hr_t_s: float = -math.inf
    last_status: int = OK
    zone: str | None = None            # the announced zone (hysteresis and dwell)
    zone_s: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    above_ceiling: bool = False
    contact: bool | None = None
    battery: int | None = None
    link: str = "connected"
    malformed: int = 0
    marks: list[str] = field(default_factory=list)
    last_cue: str | None = None
    last_cue_t_s: float | None = None

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ProfileError(f"target zone {self.target!r} is not one of {', '.join(TARGETS)}")

    @property
    def credited_min(self) -> float:
        """Credited minutes of this session, unrounded (hrzone.credit)."""
        return credited_min(self.zone_s[MODERATE], self.zone_s[HIGH])

    def update(self, out: Output) -> None:
        if len(out) == 0:
            return
        self.got_data = True
        self.t_s = float(out.t_s[-1])
        for z in (LOW, MODERATE, HIGH):
            self.zone_s[z] += float(out.credit_s[out.intensity == z].sum())
        ok = np.flatnonzero(out.valid & np.isfinite(out.hr_bpm))
        if ok.size:
            self.hr_bpm, self.hr_t_s = float(out.hr_bpm[ok[-1]]), float(out.t_s[ok[-1]])
        self.last_status = int(out.status[-1])
        # The announced zone and ceiling state (hysteresis and dwell), as the voice says them.
        z = int(out.zone[-1])
        self.zone = ZONE_NAMES.get(z) if z != INVALID else None
        for e in out.events:
            if e.kind == "ceiling":
                self.above_ceiling = bool(e.value)
        self.link = "connected"

    def event(self, e: Event) -> None:
        self.t_s = max(self.t_s, e.t_ns / 1e9)
        if e.kind == "battery":
            self.battery = e.data.get("level")
        elif e.kind == "contact":
            self.contact = bool(e.data.get("contact"))
        elif e.kind in ("disconnect", "silent"):
            self.link = "reconnecting"
        elif e.kind in ("connect", "reconnect"):
            self.link = "connected"

    def cue(self, cue: CueLike) -> None:
        self.last_cue, self.last_cue_t_s = cue.text, float(cue.t_s)

    def clock(self, t_s: float | None = None) -> str:
        """Wall-clock time of session time t_s (default: the latest item)."""
        t_s = self.t_s if t_s is None else t_s
        if self.start is None:
            return f"+{t_s:7.1f}s"
        return (self.start + timedelta(seconds=t_s)).strftime("%H:%M:%S")

    def reason(self, idle_s: float = 0.0) -> str | None:
        """Why there is no valid data now, or None. idle_s: wall seconds since the last data."""
        if not self.got_data:
            return "waiting for the strap"
        if self.link != "connected":
            return "reconnecting"
        if idle_s >= NO_DATA_S:
            return f"no data for {idle_s:.0f} s"
        if self.last_status in (CONTACT, STALE, SETTLE):
            return _REASONS[self.last_status]
        if self.hr_bpm is None or self.t_s - self.hr_t_s > HOLD_S:
            return _REASONS.get(self.last_status, "no valid data")
        return None

    def reading(self, idle_s: float = 0.0, elapsed_s: float | None = None) -> Reading:
        """What to show now (see Reading); idle_s as in reason()."""
        why = self.reason(idle_s)
        ok = why is None
        credited = self.credited_min
        return Reading(
            ok=ok, reason=why, hr_bpm=self.hr_bpm if ok else None,
            zone=self.zone if ok and self.show_zones else None, target=self.target,
            elapsed_s=self.t_s if elapsed_s is None else max(self.t_s, elapsed_s),
            target_s=self.zone_s[_ZONE_INDEX[self.target]], credited_min=shown_min(credited),
            week_min=shown_min(self.week_before_min + credited), goal_min=self.goal_min,
            above_ceiling=ok and self.above_ceiling and self.show_zones,
            ceiling_bpm=self.ceiling_bpm, last_cue=self.last_cue, last_cue_t_s=self.last_cue_t_s,
            show_zones=self.show_zones)

    def to_json(self, idle_s: float = 0.0) -> dict[str, Any]:
        r = self.reading(idle_s)
        d: dict[str, Any] = {
            "t_s": round(self.t_s, 3), "hr_bpm": None if r.hr_bpm is None else round(r.hr_bpm, 1),
            "signal": "ok" if r.ok else "no signal", "signal_reason": r.reason}
        if self.show_zones:
            d.update(zone=r.zone or "invalid", target=r.target,
                     low_s=round(self.zone_s[LOW], 1), moderate_s=round(self.zone_s[MODERATE], 1),
                     high_s=round(self.zone_s[HIGH], 1), target_s=round(r.target_s, 1),
                     credited_min=r.credited_min, week_min=r.week_min, goal_min=r.goal_min,
                     above_ceiling=r.above_ceiling)
        else:
            d["marks"] = len(self.marks)
        d.update(last_cue=r.last_cue, contact=self.contact, battery=self.battery, link=self.link,
                 malformed=self.malformed)
        return d


class StatusSink(Sink):
    """Keeps a LiveStatus up to date; subclasses render it.

    week_before_min: credited minutes this week before the session; goal_min: the weekly goal;
    target: the zone the person aims for; marks: a MarkLog during a talk test (zones hidden).
    """

    def __init__(self, *, week_before_min: float = 0.0, goal_min: float = 150.0,
                 target: str = "moderate", marks: MarkLog | None = None) -> None:
        self.status = LiveStatus(target=target, week_before_min=float(week_before_min),
                                 goal_min=float(goal_min), show_zones=marks is None)
        self.mark_log = marks

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        d = header.device
        self.status.device = str(d.get("name") or d.get("address") or "?")
        self.status.start = header.start()
        self.status.ceiling_bpm = thresholds.ceiling_bpm

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self.status.update(out)
        if self.mark_log is not None and len(out):
            self.mark_log.add(out.t_s, np.where(out.valid, out.hr_bpm, np.nan))

    def on_event(self, event: Event) -> None:
        self.status.event(event)
        kind = event.data.get("mark")
        if event.kind == "mark" and self.mark_log is not None and kind in MARK_KINDS:
            found = self.mark_log.mark(Mark(event.t_ns / 1e9, str(kind)))
            self.status.marks.append(self.mark_log.confirmation(found))

    def on_cue(self, cue: CueLike) -> None:
        self.status.cue(cue)

    def on_malformed(self, item: Notification, error: str) -> None:
        self.status.malformed += 1


class JsonSink(StatusSink):
    """One JSON object per second of session time (the status at the latest sample), one per
    event and spoken cue, a status at once when the signal is lost, and the summary at the end."""

    def __init__(self, out: TextIO | None = None, **kw: Any):
        super().__init__(**kw)
        self.out = out or sys.stdout
        self._last_sec: int | None = None

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.out.flush()

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        sec = int(self.status.t_s)
        if len(out) and sec != self._last_sec:
            self._last_sec = sec
            self._emit({"type": "status", **self.status.to_json()})

    def on_event(self, event: Event) -> None:
        was_ok = self.status.reason() is None
        super().on_event(event)
        obj = {"type": "event", "t_s": round(event.t_ns / 1e9, 3), "event": event.kind,
               **event.data}
        if event.kind == "mark" and self.mark_log is not None and self.status.marks:
            obj["confirmation"] = self.status.marks[-1]
        self._emit(obj)
        if was_ok and self.status.reason() is not None:
            self._emit({"type": "status", **self.status.to_json()})

    def on_cue(self, cue: CueLike) -> None:
        super().on_cue(cue)
        self._emit({"type": "cue", "t_s": round(float(cue.t_s), 3), "kind": cue.kind,
                    "text": cue.text})

    def close(self, summary: Summary) -> None:
        self._emit({"type": "summary", **summary.to_json()})


class LineSink(StatusSink):
    """Plain timestamped lines: zone, signal and ceiling changes, link events, marks, cues, and a
    status line every `every_s`."""

    def __init__(self, out: TextIO | None = None, every_s: float = 30.0, **kw: Any):
        super().__init__(**kw)
        self.out = out or sys.stdout
        self.every_s = every_s
        self._next = 0.0
        self._zone: str | None = None
        self._ok = True
        self._alert = False

    def _line(self, text: str) -> None:
        self.out.write(f"{self.status.clock()}  {text}\n")
        self.out.flush()

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        text = f"connected to {self.status.device} (profile {header.profile})"
        if self.status.show_zones:
            text += (f"; moderate from {thresholds.moderate_bpm:g} bpm, high from "
                     f"{thresholds.high_bpm:g} bpm; target {self.status.target}")
        self._line(text)

    def _changes(self) -> None:
        r = self.status.reading()
        if r.ok != self._ok:
            self._ok = r.ok
            self._line(f"signal back ({r.hr_text})" if r.ok else r.signal_text)
        if r.zone is not None and r.zone != self._zone:
            self._zone = r.zone
            self._line(f"zone {r.zone} ({r.hr_text}, {r.target_hint})")
        if r.above_ceiling != self._alert:
            self._alert = r.above_ceiling
            self._line(f"CEILING: {r.ceiling_text.upper()}" if r.above_ceiling
                       else "back below your ceiling")

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        self._changes()
        s = self.status
        if len(out) and s.t_s >= self._next:
            self._next = s.t_s + self.every_s
            self._line(status_line(s.reading()))

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        if event.kind == "mark" and self.mark_log is not None and self.status.marks:
            self._line(self.status.marks[-1])
        elif event.kind in ("disconnect", "reconnect", "silent", "contact", "mark"):
            extra = " ".join(f"{k}={v}" for k, v in event.data.items())
            self._line(f"{event.kind} {extra}".rstrip())
        elif event.kind == "battery":
            self._line(f"battery {event.data.get('level')}%")
        self._changes()

    def on_cue(self, cue: CueLike) -> None:
        super().on_cue(cue)
        self._line(f"cue: {cue.text}")


def status_line(r: Reading) -> str:
    """One line of status (LineSink): HR, zone and target, minutes, week toward the goal."""
    if not r.show_zones:
        return f"HR {r.hr_text}, signal {r.signal_text}"
    zone = r.zone or DASH
    return (f"HR {r.hr_text}, {zone} (target {r.target}), in target {_mmss(r.target_s)}, "
            f"credited {r.credited_min:.1f} min, week {r.week_min:.1f} of {r.goal_min:g} min"
            + ("" if r.ok else f", {r.signal_text}"))


class PanelSink(StatusSink):
    """A rich Live panel that refreshes on its own clock (`fps` times a second), so a stalled
    strap shows "no signal" instead of a frozen value. `clock` (monotonic seconds) is injectable
    for tests; with auto_refresh=False nothing draws until close (or refresh())."""

    def __init__(self, console: Any = None, fps: float = 4.0, *,
                 clock: Callable[[], float] = time.monotonic, auto_refresh: bool = True,
                 **kw: Any):
        super().__init__(**kw)
        from rich.console import Console
        from rich.live import Live
        self.console = console or Console()
        self.clock = clock
        self._start_wall: float | None = None
        self._data_wall: float | None = None
        self.live = Live(get_renderable=self.render, console=self.console,
                         auto_refresh=auto_refresh, refresh_per_second=fps, transient=False)
        self._started = False

    def reading(self) -> Reading:
        """The status as of now on this sink's clock."""
        now = self.clock()
        idle = 0.0 if self._data_wall is None else now - self._data_wall
        since = None if self._start_wall is None else now - self._start_wall
        return self.status.reading(idle, since)

    def render(self) -> Any:
        """The panel as a rich renderable (what the person sees now)."""
        return render_panel(self.status, self.reading(), self.console.width)

    def refresh(self) -> None:
        """Draw now (a mark or a link change is confirmed at once, not at the next tick)."""
        if self._started:
            self.live.refresh()

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        self._start_wall = self.clock()
        self.live.start()
        self._started = True

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        if len(out):
            self._data_wall = self.clock()

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        self.refresh()

    def on_cue(self, cue: CueLike) -> None:
        super().on_cue(cue)
        self.refresh()

    def close(self, summary: Summary) -> None:
        # Live.stop draws the last frame once and moves below it; drawing here too would leave
        # a second panel on terminals that are not cursor-addressable.
        if self._started:
            self._started = False
            self.live.stop()


def render_panel(s: LiveStatus, r: Reading, width: int) -> Any:
    """The live panel for a status and its reading (see docs/live.md for a capture)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    if r.above_ceiling:
        parts += [BigText("EASE OFF", ALERT_STYLE), Text(r.ceiling_text, style=ALERT_STYLE), ""]
    top = Table.grid(padding=(0, 4))
    if r.show_zones:
        if r.zone is not None:
            word = BigText(r.zone.upper(), ZONE_STYLE[r.zone])
        else:  # no signal, or the first zone is not announced yet
            word = BigText("NO SIGNAL", NO_SIGNAL_STYLE) if not r.ok else BigText(DASH, "dim")
        top.add_row(word, BigText("—" if r.hr_bpm is None else f"{r.hr_bpm:.0f}", "bold"))
    else:
        top.add_row(BigText("—" if r.hr_bpm is None else f"{r.hr_bpm:.0f}", "bold"),
                    "" if r.ok else BigText("NO SIGNAL", NO_SIGNAL_STYLE))
    parts.append(top)
    if r.show_zones:
        head = Text(f"target {r.target}", style="bold")
        if r.ok:
            head.append("".join(f"  ·  {x}" for x in (r.target_hint, r.hr_text) if x))
        else:
            head.append(f"  ·  {r.signal_text}", style=NO_SIGNAL_STYLE)
    else:
        head = Text(f"heart rate {r.hr_text}", style="bold")
        if not r.ok:
            head.append(f"  ·  {r.signal_text}", style=NO_SIGNAL_STYLE)
    parts += [head, ""]

    t = Table.grid(padding=(0, 2))
    t.add_column(justify="right", style="dim")
    t.add_column()
    t.add_row("Elapsed", clock_text(r.elapsed_s))
    if r.show_zones:
        t.add_row("In target", f"{clock_text(r.target_s)} in {r.target}")
        t.add_row("Credited", f"{r.credited_min:.1f} min this session")
        t.add_row("Week", f"{r.week_min:.1f} of {r.goal_min:g} min  {_bar(r.week_min, r.goal_min)}")
        cue = DASH if r.last_cue is None else f"“{r.last_cue}” ({clock_text(r.last_cue_t_s or 0)})"
        t.add_row("Last cue", cue)
    else:
        for i, m in enumerate(s.marks or [DASH]):
            t.add_row("Marks" if i == 0 else "", m)
    contact = {None: "", True: " · contact ok", False: " · contact lost"}[s.contact]
    bat = "" if s.battery is None else f" · battery {s.battery}%"
    bad = f" · {s.malformed} malformed" if s.malformed else ""
    t.add_row("Signal", f"{r.signal_text}{contact}{bat}{bad}")
    parts.append(t)
    what = "live" if r.show_zones else "talk test"
    return Panel(Group(*parts), title=f"hrzone {what} · {s.device}",
                 subtitle=s.clock(r.elapsed_s),
                 width=max(20, min(width - 2, PANEL_MAX_WIDTH)))


def _bar(value: float, total: float, cells: int = 20) -> str:
    if total <= 0:
        return ""
    frac = min(max(value / total, 0.0), 1.0)
    full = int(frac * cells)
    return "█" * full + "░" * (cells - full) + f" {value / total:.0%}"


def _mmss(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}:{s:02d}"


def make_display(as_json: bool, stream: TextIO | None = None, *, week_before_min: float = 0.0,
                 goal_min: float = 150.0, target: str = "moderate") -> StatusSink:
    """JSON lines with --json, a panel on a terminal, plain lines otherwise.

    week_before_min: credited minutes this week before the session (the week line adds this
    session's); goal_min: the weekly goal; target: the zone aimed for (low, moderate, high).
    """
    kw: dict[str, Any] = dict(week_before_min=week_before_min, goal_min=goal_min, target=target)
    return _pick(as_json, stream, kw)


def make_calibration_display(as_json: bool, stream: TextIO | None = None, *,
                             window_s: float = 30.0) -> StatusSink:
    """The display for a talk test: heart rate and confirmed marks, no zones (see MarkLog)."""
    return _pick(as_json, stream, {"marks": MarkLog(window_s)})


def _pick(as_json: bool, stream: TextIO | None, kw: dict[str, Any]) -> StatusSink:
    stream = stream or sys.stdout
    if as_json:
        return JsonSink(stream, **kw)
    if stream.isatty():
        from rich.console import Console
        return PanelSink(Console(file=stream), **kw)
    return LineSink(stream, **kw)
