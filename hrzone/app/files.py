"""One workout file: its summary, its plot, its export; whether its start can be trusted and
where it came from. Every command that reads a file gets its thresholds the same way
(app.thresholds.thresholds_for: options > profile > the file's header)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hrzone.app.thresholds import thresholds_for, thresholds_for_session
from hrzone.errors import HrzoneError
from hrzone.recording import Header
from hrzone.summary import Summary, summarise_workout
from hrzone.workout import Workout

EARLIEST_YEAR = 2000          # device clocks counting from power-on land in 1989/1990
FUTURE_SLACK = timedelta(days=1)


def load(path: str | os.PathLike[str], fmt: str | None = None, max_gap_s: float | None = None,
         columns: Mapping[str, str] | None = None) -> Workout:
    """The workout in `path` (any format hrzone reads); `columns` names generic CSV columns."""
    from hrzone.loader import load_workout

    return load_workout(path, fmt=fmt, max_gap_s=max_gap_s, **dict(columns or {}))


def summarise(workout: Workout, opts: Mapping[str, Any] | None = None) -> Summary:
    """Summarise a loaded workout with the thresholds the options/profile/its header give."""
    return summarise_workout(workout, thresholds_for(opts, workout.header, str(workout.path)))


def start_trusted(workout: Workout, now: datetime | None = None) -> bool:
    """Whether the workout's start date is real: not a device-relative or power-on time, not
    before 2000, not in the future (more than a day ahead)."""
    if not getattr(workout, "start_trusted", True) or workout.meta.get("start_known") is False:
        return False
    now = now or datetime.now(UTC)
    start = workout.start
    if start.tzinfo is None:
        return False
    return start.year >= EARLIEST_YEAR and start <= now + FUTURE_SLACK


def with_start(workout: Workout, start: datetime) -> Workout:
    """The workout with its start replaced (`log add --start`): an aware datetime."""
    if start.tzinfo is None:
        raise HrzoneError(f"--start {start.isoformat()}: give a time zone (or set one in the profile)")
    return replace(workout, start=start, warnings=[*workout.warnings,
                   f"start set to {start.isoformat()} by --start"])


def recording_header(path: str | os.PathLike[str]) -> Header | None:
    """The header of an own recording (read without the rest of the file), else None."""
    from hrzone.recording import is_recording, iter_recording

    if not Path(path).is_file() or not is_recording(path):
        return None
    it = iter_recording(path)
    try:
        header = next(it)
    finally:
        it.close()  # type: ignore[attr-defined]
    return header if isinstance(header, Header) else None


def origin_of(header: Header | None) -> str:
    """Where a session came from, by its recording header: 'virtual' (a virtual strap),
    'simulated' (the simulator) or 'device' (a strap, or an imported workout file)."""
    if header is None:
        return "device"
    return {"virtual": "virtual", "simulator": "simulated"}.get(header.source, "device")


def plot_file(path: str | os.PathLike[str], output: str | os.PathLike[str],
              opts: Mapping[str, Any] | None = None, fmt: str | None = None,
              size_px: tuple[int, int] = (1200, 500)) -> Path:
    """Plot a workout file (HR, zone bands, gaps, cue events) as a PNG; returns the PNG path."""
    from hrzone.plot import check_size, plot_workout  # matplotlib: imported only to plot

    check_size(size_px)
    w = load(path, fmt)
    return plot_workout(w, thresholds_for(opts, w.header, str(w.path)), output, size_px=size_px,
                        note=_felt(path))


def _felt(path: str | os.PathLike[str]) -> str:
    """How the history's session of this file felt ('' when it has no note or is not stored)."""
    from hrzone import journal, store
    from hrzone.paths import history_path

    if not history_path().exists() or not Path(path).is_file():
        return ""  # nothing stored yet, or an archive member (its key is not a file's hash)
    db = store.open_db()
    try:
        known = store.find_hash(db, store.file_hash(path))
        feel = None if known is None else journal.get_feel(db, known.id)
    finally:
        db.close()
    return "" if feel is None else feel.line()


def export_session(ref: str, opts: Mapping[str, Any] | None = None, fmt: str | None = None, *,
                   tcx: str | os.PathLike[str] | None = None,
                   csv: str | os.PathLike[str] | None = None,
                   person: str | None = None) -> list[Path]:
    """Export a history session (id) or a workout file as TCX and/or CSV; returns the paths.

    A stored session keeps the thresholds it was credited with unless options are given; a file
    gets them as every command does (options > profile > its header). person: the id is in
    that class participant's own history (hrzone.app.roster).
    """
    from hrzone import store
    from hrzone.export import track_from_per_second, track_from_workout, write_csv, write_tcx

    if not ref.isdigit() or Path(ref).exists():
        w = load(ref, fmt)
        track = track_from_workout(w, thresholds_for(opts, w.header, str(w.path)))
    else:
        if person is not None:
            from hrzone.app.roster import person_db
        db = store.open_db() if person is None else person_db(person)
        try:
            s = store.get_session(db, int(ref))
            thr = thresholds_for_session(opts, s.thresholds, f"session {s.id}")
            p = Path(s.path)
            if p.is_file() and store.file_hash(p) == s.content_hash:
                track = track_from_workout(load(p, s.fmt), thr)
            else:
                track = track_from_per_second(s.start, store.per_second(db, s.id), thr, p.name)
        finally:
            db.close()
    written = []
    for path, write in ((tcx, write_tcx), (csv, write_csv)):
        if path is not None:
            written.append(write(track, path))
    return written
