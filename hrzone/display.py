"""Live display sinks: a rich panel on a terminal, timestamped lines otherwise, JSON per second.

All three read one LiveStatus, updated from the session's outputs and events, so they always
agree. Credited minutes are moderate + 2 x vigorous, as in the summary.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

import numpy as np

from hrzone.credit import credited_min, shown_min
from hrzone.recording import Event, Header, Notification
from hrzone.session import Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.summary import Summary
from hrzone.zones import HIGH, INVALID, LOW, MODERATE, ZONE_NAMES, Thresholds

ZONE_STYLE = {"low": "blue", "moderate": "green", "high": "red", "invalid": "dim"}


@dataclass(slots=True)
class LiveStatus:
    """What the display shows (seconds unless named)."""

    device: str = "?"
    start: datetime | None = None
    t_s: float = 0.0
    hr_bpm: float | None = None
    zone: str = "invalid"
    zone_s: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    contact: bool | None = None
    battery: int | None = None
    link: str = "connected"
    malformed: int = 0
    marks: int = 0

    @property
    def credited_min(self) -> float:
        return credited_min(self.zone_s[MODERATE], self.zone_s[HIGH])

    def update(self, out: Output) -> None:
        if len(out) == 0:
            return
        self.t_s = float(out.t_s[-1])
        for z in (LOW, MODERATE, HIGH):
            self.zone_s[z] += float(out.credit_s[out.intensity == z].sum())
        hr = out.hr_bpm[-1]
        self.hr_bpm = float(hr) if np.isfinite(hr) else None
        z = int(out.zone[-1])
        self.zone = ZONE_NAMES.get(z, "invalid") if z != INVALID else "invalid"
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
        elif e.kind == "mark":
            self.marks += 1

    def clock(self) -> str:
        if self.start is None:
            return f"+{self.t_s:7.1f}s"
        return (self.start + timedelta(seconds=self.t_s)).strftime("%H:%M:%S")

    def to_json(self) -> dict[str, Any]:
        return {"t_s": round(self.t_s, 3), "hr_bpm": None if self.hr_bpm is None else
                round(self.hr_bpm, 1), "zone": self.zone,
                "low_s": round(self.zone_s[LOW], 1), "moderate_s": round(self.zone_s[MODERATE], 1),
                "high_s": round(self.zone_s[HIGH], 1),
                "credited_min": shown_min(self.credited_min), "contact": self.contact,
                "battery": self.battery, "link": self.link, "malformed": self.malformed}


class StatusSink(Sink):
    """Keeps a LiveStatus up to date; subclasses render it."""

    def __init__(self) -> None:
        self.status = LiveStatus()

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        d = header.device
        self.status.device = str(d.get("name") or d.get("address") or "?")
        self.status.start = header.start()

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self.status.update(out)

    def on_event(self, event: Event) -> None:
        self.status.event(event)

    def on_malformed(self, item: Notification, error: str) -> None:
        self.status.malformed += 1


class JsonSink(StatusSink):
    """One JSON object per second of session time (the status at the latest sample)."""

    def __init__(self, out: TextIO | None = None):
        super().__init__()
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
        super().on_event(event)
        self._emit({"type": "event", "t_s": round(event.t_ns / 1e9, 3), "event": event.kind,
                    **event.data})

    def close(self, summary: Summary) -> None:
        self._emit({"type": "summary", **summary.to_json()})


class LineSink(StatusSink):
    """Plain timestamped lines: zone changes, link events, and a status line every `every_s`."""

    def __init__(self, out: TextIO | None = None, every_s: float = 30.0):
        super().__init__()
        self.out = out or sys.stdout
        self.every_s = every_s
        self._next = 0.0
        self._zone = "invalid"

    def _line(self, text: str) -> None:
        self.out.write(f"{self.status.clock()}  {text}\n")
        self.out.flush()

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        self._line(f"connected to {self.status.device} (profile {header.profile}); moderate from "
                   f"{thresholds.moderate_bpm:g} bpm, high from {thresholds.high_bpm:g} bpm")

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        s = self.status
        if s.zone != self._zone:
            self._zone = s.zone
            hr = "--" if s.hr_bpm is None else f"{s.hr_bpm:.0f}"
            self._line(f"zone {s.zone} ({hr} bpm)")
        if s.t_s >= self._next:
            self._next = s.t_s + self.every_s
            hr = "--" if s.hr_bpm is None else f"{s.hr_bpm:.0f}"
            self._line(f"HR {hr} bpm, {s.zone}, credited {shown_min(s.credited_min):.1f} min")

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        if event.kind in ("disconnect", "reconnect", "silent", "contact", "mark", "note"):
            extra = " ".join(f"{k}={v}" for k, v in event.data.items())
            self._line(f"{event.kind} {extra}".rstrip())
        elif event.kind == "battery":
            self._line(f"battery {event.data.get('level')}%")


class PanelSink(StatusSink):
    """A rich Live panel, refreshed as samples arrive (at most `fps` times a second)."""

    def __init__(self, console: Any = None, fps: float = 4.0):
        super().__init__()
        from rich.console import Console
        from rich.live import Live
        self.console = console or Console()
        self.live = Live(self._render(), console=self.console, auto_refresh=False,
                         transient=False)
        self._min_dt = 1.0 / fps
        self._last = -1e9
        self._started = False

    def _render(self) -> Any:
        from rich.panel import Panel
        from rich.table import Table
        s = self.status
        t = Table.grid(padding=(0, 2))
        t.add_column(justify="right")
        t.add_column()
        hr = "--" if s.hr_bpm is None else f"{s.hr_bpm:.0f} bpm"
        style = ZONE_STYLE.get(s.zone, "")
        t.add_row("Heart rate", f"[bold]{hr}[/]")
        t.add_row("Zone", f"[bold {style}]{s.zone.upper()}[/]")
        t.add_row("Time", f"low {_mmss(s.zone_s[LOW])}  moderate {_mmss(s.zone_s[MODERATE])}  "
                          f"high {_mmss(s.zone_s[HIGH])}")
        t.add_row("Credited", f"{shown_min(s.credited_min):.1f} min")
        contact = {None: "n/a", True: "ok", False: "[red]lost[/]"}[s.contact]
        link = "[yellow]reconnecting…[/]" if s.link != "connected" else "connected"
        bat = "?" if s.battery is None else f"{s.battery}%"
        t.add_row("Signal", f"{link}  contact {contact}  battery {bat}"
                            + (f"  malformed {s.malformed}" if s.malformed else ""))
        return Panel(t, title=f"hrzone live · {s.device}", subtitle=s.clock())

    def _refresh(self, force: bool = False) -> None:
        import time
        now = time.monotonic()
        if force or now - self._last >= self._min_dt:
            self._last = now
            self.live.update(self._render(), refresh=True)

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        self.live.start()
        self._started = True
        self._refresh(True)

    def on_output(self, out: Output, state: pipeline.State) -> None:
        super().on_output(out, state)
        self._refresh()

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        self._refresh(True)

    def close(self, summary: Summary) -> None:
        if self._started:
            self._refresh(True)
            self.live.stop()
            self._started = False


def _mmss(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}:{s:02d}"


def make_display(as_json: bool, stream: TextIO | None = None) -> StatusSink:
    """JSON lines with --json, a panel on a terminal, plain lines otherwise."""
    stream = stream or sys.stdout
    if as_json:
        return JsonSink(stream)
    if stream.isatty():
        return PanelSink()
    return LineSink(stream)
