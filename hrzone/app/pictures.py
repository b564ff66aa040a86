"""Pictures and files of stored sessions for a front end: the HR plot and the week as SVG
(hrzone.plot), and the TCX/CSV export, as bytes. Sessions are named by id only: no path from a
caller reaches the file system."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hrzone import store
from hrzone.app.thresholds import thresholds_for_session
from hrzone.errors import HrzoneError

_DOCTYPE = re.compile(rb"<!DOCTYPE[^>]*>\s*")


def _via_file(suffix: str, write: Callable[[Path], Any]) -> bytes:
    """Bytes of a file `write` makes in a private temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="hrzone-") as d:
        p = Path(d) / f"out{suffix}"
        write(p)
        return p.read_bytes()


def _svg(write: Callable[[Path], Any]) -> bytes:
    """An SVG from a plot function, without the DOCTYPE line (it names an outside URL)."""
    return _DOCTYPE.sub(b"", _via_file(".svg", write))


def session_workout(sid: int) -> tuple[Any, Any]:
    """A stored session's workout and the thresholds it was credited with: its own file when
    unchanged, else rebuilt from the stored per-second HR. StoreError for an unknown id."""
    from hrzone.app.files import load
    from hrzone.series import Series
    from hrzone.signal.config import SignalConfig
    from hrzone.workout import Workout

    db = store.open_db()
    try:
        s = store.get_session(db, sid)
        thr = thresholds_for_session(None, s.thresholds, f"session {s.id}")
        p = Path(s.path)
        if p.is_file() and store.file_hash(p) == s.content_hash:
            return load(p, s.fmt), thr
        hr = store.per_second(db, sid).astype(np.float64)
    finally:
        db.close()
    t = np.arange(1, hr.shape[0] + 1, dtype=np.float64)
    return Workout(Path(p.name), "per-second", s.start, Series.build(t, hr), SignalConfig(),
                   warnings=["its file is gone or changed: plotted from the stored per-second HR"]
                   ), thr


def session_svg(sid: int, size_px: tuple[int, int] = (1000, 420)) -> bytes:
    """The session's HR over time with zone bands labelled in bpm, gaps and cue events."""
    from hrzone.plot import plot_workout

    w, thr = session_workout(sid)
    return _svg(lambda p: plot_workout(w, thr, p, size_px))


def week_svg(report: dict[str, Any], size_px: tuple[int, int] = (900, 420)) -> bytes:
    """The week (app.weeks.week_view's dict) as per-day stacked bars against the goal."""
    from hrzone.plot import plot_week

    return _svg(lambda p: plot_week(report, p, size_px))


EXPORTS = {"tcx": "application/vnd.garmin.tcx+xml", "csv": "text/csv"}


def session_export(sid: int, kind: str) -> tuple[bytes, str]:
    """A stored session exported as TCX or CSV: the bytes and a file name for them."""
    from hrzone.app.files import export_session

    if kind not in EXPORTS:
        raise HrzoneError(f"export {kind!r} is not one of {', '.join(EXPORTS)}")
    db = store.open_db()
    try:
        s = store.get_session(db, sid)
    finally:
        db.close()
    data = _via_file(f".{kind}", lambda p: export_session(str(sid), **{kind: p}))
    return data, f"hrzone-{sid}-{s.start:%Y%m%d-%H%M}.{kind}"
