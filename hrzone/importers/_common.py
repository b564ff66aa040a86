"""What every importer shares: the sample builder, the gap rule and one-line errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from hrzone.errors import ImportFormatError, NotAWorkout
from hrzone.importers.archive import printable
from hrzone.jumps import TimeFix, fix_times
from hrzone.loader import start_is_plausible
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


MAX_MESSAGE_CHARS = 160
"""An error's reason (after the file name) is cut to this many characters: one screen line."""


def one_line(path: Path | str, msg: str) -> str:
    """'path: reason' on one line: whitespace collapsed, control characters replaced, the
    reason cut to MAX_MESSAGE_CHARS."""
    text = " ".join(str(msg).split())
    text = "".join(c if c.isprintable() else "?" for c in text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS - 1] + "…"
    return f"{printable(str(path))}: {text}"


def fail(path: Path | str, msg: str) -> NoReturn:
    """Raise ImportFormatError with a one-line message naming the file."""
    raise ImportFormatError(one_line(path, msg))


def not_a_workout(path: Path | str, msg: str, short: str | None = None) -> NoReturn:
    """Raise NotAWorkout (the file is not a workout: skipped inside folders and archives);
    `short`: the reason without this file's details, for a report grouping skips."""
    raise NotAWorkout(one_line(path, msg), short)


class SampleBuilder:
    """Accumulates samples (absolute times) in file order and turns them into a Series.

    Times are seconds since the Unix epoch (floats). build() applies the clock-jump rule
    (hrzone.jumps.fix_times): samples far from the session, out of time order or isolated are
    dropped and counted; a break requested for a dropped sample moves to the next kept one.
    """

    __slots__ = ("_pending_brk", "brk", "contact", "fix", "hr", "rr_count", "rr_ms", "t")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.hr: list[float] = []
        self.contact: list[int] = []
        self.rr_count: list[int] = []
        self.rr_ms: list[float] = []
        self.brk: list[bool] = []
        self.fix: TimeFix | None = None
        self._pending_brk = False

    def __len__(self) -> int:
        return len(self.t)

    def mark_break(self) -> None:
        """The next sample follows a pause or a cut (the interval before it is never credited)."""
        self._pending_brk = True

    def add(self, t_epoch_s: float, hr_bpm: float, rr_ms: Sequence[float] = (),
            contact: int = CONTACT_UNKNOWN) -> None:
        """Append one sample (its place in time is checked by build())."""
        self.t.append(t_epoch_s)
        self.hr.append(hr_bpm)
        self.contact.append(contact)
        self.rr_count.append(len(rr_ms))
        self.rr_ms.extend(rr_ms)
        self.brk.append(self._pending_brk)
        self._pending_brk = False

    def build(self, t0_epoch_s: float | None = None) -> tuple[Series, float]:
        """(Series with t_s relative to t0, t0 in epoch seconds) of the samples the clock-jump
        rule keeps; t0 defaults to the first kept sample, and so does a t0 later than it or more
        than MAX_START_LEAD_S before it."""
        t = np.asarray(self.t, dtype=np.float64)
        fix = self.fix = fix_times(t)
        keep = fix.keep
        n_keep = int(np.count_nonzero(keep))
        rr_count = np.asarray(self.rr_count, dtype=np.int32)
        rr_ms = np.asarray(self.rr_ms, dtype=np.float64)
        # A break on a dropped sample belongs to the next kept one.
        slot = np.cumsum(keep) - keep
        brk = np.zeros(n_keep, bool)
        raw_brk = np.asarray(self.brk, dtype=bool)
        inside = slot < n_keep
        np.logical_or.at(brk, slot[inside], raw_brk[inside])
        if n_keep:
            brk[0] = False
        tk = t[keep]
        first = float(tk[0]) if n_keep else None
        if first is None:
            t0 = t0_epoch_s if t0_epoch_s is not None and math.isfinite(t0_epoch_s) else 0.0
        elif (t0_epoch_s is None or not math.isfinite(t0_epoch_s) or t0_epoch_s > first
              or first - t0_epoch_s > MAX_START_LEAD_S):
            t0 = first
        else:
            t0 = t0_epoch_s
        series = Series.build(tk - t0, np.asarray(self.hr, np.float64)[keep],
                              np.asarray(self.contact, np.int8)[keep], rr_count[keep],
                              rr_ms[np.repeat(keep, rr_count)], brk)
        return series, t0

    def warnings(self) -> list[str]:
        """Non-fatal problems the builder saw (one line each; after build())."""
        return self.fix.warnings() if self.fix is not None else []


MAX_START_LEAD_S = 86400.0
"""A file's own start (FIT session start, first trackpoint) may lie this far before the first
kept sample (seconds); further, it is a wild clock and the first kept sample is the start."""

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
    """Make the Workout: series relative to the start, signal gap rule, capped warnings.

    start_known: False when the file has no date at all (relative times, FIT power-on times);
    the Workout's start_trusted is also False when the start is before 2000 or in the future.
    """
    series, t0 = builder.build(t0_epoch_s)
    has_signal = int(np.count_nonzero(series.hr_bpm > 0)) > 0 or series.rr_ms.size > 0
    return finish_series(path, fmt, series, t0, builder.fix, max_gap_s=max_gap_s,
                         warnings=warnings, meta=meta, start_known=start_known,
                         has_signal=has_signal)


def finish_series(path: Path, fmt: str, series: Series, t0: float, fix: TimeFix | None, *,
                  max_gap_s: float | None, warnings: list[str], meta: dict[str, Any],
                  start_known: bool = True, has_signal: bool = True) -> Workout:
    """finish() for a reader that built its series itself (t_s relative to t0, epoch s) after
    the clock-jump rule `fix`; has_signal: any kept sample carries HR or RR."""
    warns = list(warnings) + (fix.warnings() if fix is not None else [])
    start = utc_from_epoch(t0)
    trusted = start_known and start_is_plausible(start)
    if start_known and not trusted:
        warns.append(f"start {start:%Y-%m-%d %H:%M} UTC is not plausible (before 2000 or in "
                     "the future): the device clock was not set; start date not trusted")
    if not has_signal:
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
    return Workout(path=path, fmt=fmt, start=start, series=series,
                   signal=SignalConfig(gap_s=gap, stale_no_rr_s=IMPORT_STALE_S), warnings=warns,
                   meta=meta, start_trusted=trusted)
