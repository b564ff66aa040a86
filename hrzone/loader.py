"""Open any supported workout file as a Workout: own recordings here, other formats via importers."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hrzone.errors import ImportFormatError, RecordingFormatError
from hrzone.recording import Event, Recording, is_recording, read_recording
from hrzone.series import decode_payloads
from hrzone.signal.config import SignalConfig
from hrzone.workout import Workout


def signal_config_for(profile_name: str | None, base: SignalConfig | None = None) -> SignalConfig:
    """Signal rules for a firmware profile name (generic rules when unknown or absent)."""
    base = base or SignalConfig()
    if not profile_name:
        return base
    try:
        from hrzone import straps
    except ImportError:  # firmware profiles not installed in this build
        return base
    try:
        return straps.get_strap(profile_name).signal_config(base)
    except Exception:  # an unknown profile name in an old recording: fall back to generic rules
        return base


def workout_from_recording(rec: Recording, signal: SignalConfig | None = None) -> Workout:
    """Decode a raw recording's notifications into a Workout (malformed ones counted, skipped)."""
    cfg = signal or signal_config_for(rec.header.profile)
    # A disconnect breaks the session: the time until the next notification is never credited.
    brk_at: set[int] = set()
    ev = sorted(rec.events, key=lambda e: e.t_ns)
    j = 0
    for i, n in enumerate(rec.notifications):
        while j < len(ev) and ev[j].t_ns <= n.t_ns:
            if ev[j].kind == "disconnect":
                brk_at.add(i)
            j += 1
    brk = [i in brk_at for i in range(len(rec.notifications))]
    dec = decode_payloads([n.t_ns for n in rec.notifications],
                          [n.payload for n in rec.notifications], brk,
                          drop_trailing_rr=cfg.drop_trailing_rr)
    warnings = list(rec.warnings)
    if dec.malformed:
        warnings.append(f"{rec.path}: {dec.malformed} malformed notification(s) skipped "
                        f"(first: {dec.first_malformed})")
    start = rec.header.start()
    trusted = start_is_plausible(start)
    if not trusted:
        warnings.append(f"{rec.path}: header 'created' {start:%Y-%m-%d} is not plausible "
                        "(before 2000 or in the future): start date not trusted")
    return Workout(path=rec.path, fmt="recording", start=start, series=dec.series,
                   signal=cfg, malformed=dec.malformed, warnings=warnings, header=rec.header,
                   events=list(rec.events),
                   meta={"device": rec.header.device, "profile": rec.header.profile,
                         "source": rec.header.source},
                   start_trusted=trusted)


EARLIEST_TRUSTED = datetime(2000, 1, 1, tzinfo=UTC)
"""Start dates before this are not trusted (device power-on times, unset clocks)."""


def start_is_plausible(start: datetime, now: datetime | None = None) -> bool:
    """True when an aware start lies between EARLIEST_TRUSTED and now + 1 day: the rule for
    Workout.start_trusted, shared by own recordings and every importer."""
    now = now or datetime.now(UTC)
    return EARLIEST_TRUSTED <= start <= now + timedelta(days=1)


def formats() -> tuple[str, ...]:
    """Names accepted by --format."""
    try:
        from hrzone.importers import FORMATS
    except ImportError:
        FORMATS = ()
    return ("recording", *FORMATS)


def load_workout(path: str | os.PathLike[str], fmt: str | None = None,
                 max_gap_s: float | None = None, **csv_columns: str) -> Workout:
    """Load a recording or an imported file; format detected from content unless `fmt` is given.

    csv_columns (time_col, hr_col, rr_col) name the columns of a generic CSV file.
    """
    p = Path(path)
    if not p.exists():
        raise RecordingFormatError(f"{p}: no such file")
    if p.is_dir():
        raise RecordingFormatError(f"{p}: is a directory, not a workout file")
    if p.stat().st_size == 0:
        raise RecordingFormatError(f"{p}: file is empty")
    if fmt == "recording" or (fmt is None and is_recording(p)):
        if csv_columns:
            raise ImportFormatError(f"{p}: column options are for CSV files, not recordings")
        w = workout_from_recording(read_recording(p))
        if max_gap_s is not None:
            w.signal = w.signal.with_overrides(gap_s=max_gap_s)
        return w
    try:
        from hrzone import importers
    except ImportError:
        raise ImportFormatError(f"{p}: not an hrzone recording") from None
    return importers.load(p, fmt, max_gap_s=max_gap_s, **csv_columns)


__all__ = ["load_workout", "workout_from_recording", "signal_config_for", "formats", "Event",
           "start_is_plausible"]
