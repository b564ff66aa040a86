"""A workout ready for the signal core, whatever file or device it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hrzone.recording import Event, Header
from hrzone.series import Series
from hrzone.signal.config import SignalConfig


@dataclass(slots=True)
class Workout:
    """One session's samples plus what is known about it.

    start: aware datetime of t_s == 0; fmt: "recording", "fit", "tcx", "gpx", "csv", ...;
    signal: the signal-core rules suited to the source (e.g. a longer gap_s for smart recording);
    malformed: notifications that could not be decoded; warnings: non-fatal problems (one line each);
    header: the raw recording header (own recordings only); events: recording events;
    meta: source details (device, sport, timer time, ...);
    start_trusted: False when the start date cannot be believed (device power-on times, a
    clock before 2000 or in the future, relative times without a date): history then needs a
    start from the user.
    """

    path: Path
    fmt: str
    start: datetime
    series: Series
    signal: SignalConfig
    malformed: int = 0
    warnings: list[str] = field(default_factory=list)
    header: Header | None = None
    events: list[Event] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    start_trusted: bool = True
