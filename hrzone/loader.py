"""Open any supported workout file as a Workout: own recordings here, other formats via importers."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hrzone.errors import HrzoneError, ImportFormatError, NotAWorkout, RecordingFormatError
from hrzone.recording import Event, Recording, is_recording, read_recording
from hrzone.series import StreamedSeries, decode_payloads
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
    """Load the one workout in `path`: a recording or an imported file, gzip-compressed or not,
    or the only workout inside a folder or zip archive (or a member named inside one, as in
    `export.zip/activities/1.fit.gz`). Format detected from content unless `fmt` is given.

    csv_columns (time_col, hr_col, rr_col) name the columns of a generic CSV file.
    """
    p = Path(path)
    if fmt == "recording" and csv_columns:
        raise ImportFormatError(f"{p}: column options are for CSV files, not recordings")
    try:
        from hrzone import importers
        from hrzone.importers import archive
    except ImportError:  # a build without importers: own recordings only
        return _load_recording_only(p, max_gap_s)
    if p.is_file():
        if p.stat().st_size == 0:
            raise RecordingFormatError(f"{p}: file is empty")
        entry = archive.Entry.of(p)
        if not _holds_archive(entry):
            return importers.load(entry, fmt, max_gap_s, **csv_columns)
    elif not p.exists() and archive.inside_archive(p) is None:
        raise RecordingFormatError(f"{p}: no such file")
    with archive.expand([p]) as exp:
        found: Workout | None = None
        reasons: list[str] = []
        for e in exp.entries:
            if e.error or e.skip:
                reasons.append(e.error or f"{e.name}: {e.skip}")
                continue
            try:
                w = importers.load(e, fmt, max_gap_s, **csv_columns)
            except NotAWorkout as err:
                reasons.append(str(err))
                continue
            if found is not None:
                raise ImportFormatError(f"{p}: holds several workouts ({found.path.name}, "
                                        f"{w.path.name}, ...): name one, e.g. {found.path}")
            found = w
        if found is None:
            if len(exp.entries) == 1 and exp.entries[0].error:
                raise ImportFormatError(exp.entries[0].error)
            raise NotAWorkout(f"{p}: holds no workout" + (f" ({reasons[0]})" if reasons else ""))
        if isinstance(found.series, StreamedSeries):  # its temporary files go with `exp`
            found.series = found.series.whole()
        return found


def _holds_archive(entry: Any) -> bool:
    from hrzone.importers.archive import kind_of

    try:
        return kind_of(entry.head(4)) == "zip"
    except HrzoneError:
        return False


def _load_recording_only(p: Path, max_gap_s: float | None) -> Workout:
    if not p.exists():
        raise RecordingFormatError(f"{p}: no such file")
    if not is_recording(p):
        raise ImportFormatError(f"{p}: not an hrzone recording")
    w = workout_from_recording(read_recording(p))
    if max_gap_s is not None:
        w.signal = w.signal.with_overrides(gap_s=max_gap_s)
    return w


__all__ = ["load_workout", "workout_from_recording", "signal_config_for", "formats", "Event",
           "start_is_plausible"]
