"""What every importer shares: the sample builder, the gap rule and one-line errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from hrzone.errors import ImportFormatError
from hrzone.series import CONTACT_UNKNOWN, Series
from hrzone.signal.config import SignalConfig
from hrzone.workout import Workout

DEFAULT_MAX_GAP_S = 20.0
IMPORT_STALE_S = 120.0
"""Default import gap rule (seconds): a silence longer than this between two samples credits nothing.

Chosen from the real files in ../shared/realdata (see docs/importers.md): "smart recording"
devices write a sample only when something changes; on the Garmin FR110 run 97 % of the timer
time lies in intervals of <= 20 s (94 % at 10 s, 57 % at 5 s), on the smart-recorded Edge 500
ride 99.7 % (51 % at 5 s: steady stretches are 5-9 s apart). Real pauses are caught by the file's timer stop events, not by this rule; for
files without timer events (GPX, CSV) a stop at a traffic light of up to 20 s is still credited.
"""

MAX_WARNINGS = 20
"""Warnings kept per file; the rest are counted in one final line."""


def fail(path: Path | str, msg: str) -> NoReturn:
    """Raise ImportFormatError with a one-line message naming the file."""
    one_line = " ".join(str(msg).split())
    raise ImportFormatError(f"{path}: {one_line}")


class SampleBuilder:
    """Accumulates samples (absolute times) in order and turns them into a Series.

    Times are seconds since the Unix epoch (floats). A sample older than the last kept one is
    dropped and counted (files sometimes repeat a stretch, e.g. a chained copy); brk requested
    for a dropped sample moves to the next kept one.
    """

    __slots__ = ("_pending_brk", "brk", "contact", "hr", "out_of_order", "rr_count", "rr_ms", "t")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.hr: list[float] = []
        self.contact: list[int] = []
        self.rr_count: list[int] = []
        self.rr_ms: list[float] = []
        self.brk: list[bool] = []
        self.out_of_order = 0
        self._pending_brk = False

    def __len__(self) -> int:
        return len(self.t)

    def mark_break(self) -> None:
        """The next sample follows a pause or a cut (the interval before it is never credited)."""
        self._pending_brk = True

    def add(self, t_epoch_s: float, hr_bpm: float, rr_ms: Sequence[float] = (),
            contact: int = CONTACT_UNKNOWN) -> bool:
        """Append one sample; False (and counted) when it goes back in time."""
        if self.t and t_epoch_s < self.t[-1]:
            self.out_of_order += 1
            return False
        self.t.append(t_epoch_s)
        self.hr.append(hr_bpm)
        self.contact.append(contact)
        self.rr_count.append(len(rr_ms))
        self.rr_ms.extend(rr_ms)
        self.brk.append(self._pending_brk and len(self.t) > 1)
        self._pending_brk = False
        return True

    def build(self, t0_epoch_s: float | None = None) -> tuple[Series, float]:
        """(Series with t_s relative to t0, t0 in epoch seconds); t0 defaults to the first sample."""
        t = np.asarray(self.t, dtype=np.float64)
        if t0_epoch_s is None or (t.size and t0_epoch_s > t[0]):
            t0_epoch_s = float(t[0]) if t.size else (t0_epoch_s or 0.0)
        series = Series.build(t - t0_epoch_s, self.hr, self.contact, self.rr_count, self.rr_ms,
                              self.brk)
        return series, t0_epoch_s

    def warnings(self) -> list[str]:
        """Non-fatal problems the builder saw (one line each)."""
        if self.out_of_order:
            return [f"{self.out_of_order} samples earlier than the sample before them were dropped"]
        return []


def utc_from_epoch(t_epoch_s: float) -> datetime:
    """Aware UTC datetime of Unix epoch seconds (clamped to datetime's range)."""
    t = min(max(t_epoch_s, -62135596800.0 + 86400), 253402214400.0 - 86400)
    return datetime.fromtimestamp(t, UTC)


def parse_iso(text: str) -> float | None:
    """Unix epoch seconds of an ISO 8601 date-time (naive = UTC, "Z" accepted), else None."""
    s = text.strip()
    if not s or len(s) > 64:
        return None
    if s[-1] in "zZ":
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def finish(path: Path, fmt: str, builder: SampleBuilder, *, max_gap_s: float | None,
           warnings: list[str], meta: dict[str, Any], t0_epoch_s: float | None = None,
           start_known: bool = True) -> Workout:
    """Make the Workout: series relative to the start, signal gap rule, capped warnings."""
    series, t0 = builder.build(t0_epoch_s)
    warns = list(warnings) + builder.warnings()
    if int(np.count_nonzero(series.hr_bpm > 0)) == 0 and series.rr_ms.size == 0:
        warns.append("no heart-rate samples")
    if len(warns) > MAX_WARNINGS:
        extra = len(warns) - MAX_WARNINGS + 1
        warns = warns[:MAX_WARNINGS - 1] + [f"... and {extra} more warnings"]
    gap = DEFAULT_MAX_GAP_S if max_gap_s is None else float(max_gap_s)
    if not (gap > 0 and math.isfinite(gap)):
        fail(path, f"max gap must be a positive number of seconds, not {max_gap_s!r}")
    meta = dict(meta)
    meta.setdefault("start_known", start_known)
    meta["max_gap_s"] = gap
    # A watch stores a value only when it changes on smart recording, and steady rides hold
    # one bpm for tens of seconds: only two minutes of one unchanged value count as stale here.
    return Workout(path=path, fmt=fmt, start=utc_from_epoch(t0), series=series,
                   signal=SignalConfig(gap_s=gap, stale_no_rr_s=IMPORT_STALE_S), warnings=warns,
                   meta=meta)
