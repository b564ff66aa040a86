"""Workouts recorded by other devices: FIT, TCX, GPX, Polar HRM and CSV files.

`load(path)` detects the format from the content (extension only as a tie-breaker) and returns a
`hrzone.workout.Workout` whose series feeds the same signal core as live recordings. Own hrzone
recordings (JSONL) are not handled here: `hrzone.loader` tells them apart first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hrzone.errors import ImportFormatError
from hrzone.importers._common import DEFAULT_MAX_GAP_S, fail
from hrzone.workout import Workout

FORMATS: tuple[str, ...] = ("fit", "tcx", "gpx", "hrm", "csv")
"""Format names accepted by load(fmt=...) and the CLI's --format."""

_SNIFF_BYTES = 4096
_EXT = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx", ".hrm": "hrm", ".csv": "csv", ".txt": "csv"}

__all__ = ["DEFAULT_MAX_GAP_S", "FORMATS", "detect", "load"]


def detect(path: str | Path) -> str:
    """The format name of a file, from its first bytes; ImportFormatError when unknown."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as e:
        fail(path, f"cannot read: {e.strerror or e}")
    if not head:
        fail(path, "empty file")
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        root = _xml_root_name(text)
        if root == "TrainingCenterDatabase":
            return "tcx"
        if root == "gpx":
            return "gpx"
        by_ext = _EXT.get(path.suffix.lower())
        if by_ext in ("tcx", "gpx"):
            return by_ext
        fail(path, f"XML file whose root element is {root or 'unknown'!r}, "
                   "not a TCX or GPX document")
    if text.startswith(("[Params]", "[HRData]")) or "\n[HRData]" in text:
        return "hrm"
    first = text.splitlines()[0] if text.splitlines() else ""
    if first.count(";") or first.count(",") or first.count("\t"):
        return "csv"
    by_ext = _EXT.get(path.suffix.lower())
    if by_ext is not None and by_ext != "fit":
        return by_ext
    fail(path, "unknown format (not FIT, TCX, GPX, Polar HRM or CSV); use --format to choose one")


def _xml_root_name(text: str) -> str | None:
    """Local name of the first element in an XML prefix (skipping the prolog and comments)."""
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0 or i + 1 >= len(text):
            return None
        nxt = text[i + 1]
        if nxt in "?!":
            end = text.find("-->", i) + 3 if text.startswith("<!--", i) else text.find(">", i) + 1
            if end <= 0:
                return None
            i = end
            continue
        j = i + 1
        while j < len(text) and not text[j].isspace() and text[j] not in "/>":
            j += 1
        return text[i + 1:j].rpartition(":")[2] or None


def load(path: str | Path, fmt: str | None = None, max_gap_s: float | None = None,
         **options: Any) -> Workout:
    """Read a workout file of any supported format into a Workout.

    fmt: one of FORMATS to skip detection; max_gap_s: the import gap rule (seconds; default
    DEFAULT_MAX_GAP_S); options: generic CSV column names (time_col, hr_col, rr_col).
    Raises ImportFormatError (one line, naming the file) for anything unreadable.
    """
    path = Path(path)
    if fmt is None:
        fmt = detect(path)
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ImportFormatError(f"{path}: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if options and fmt != "csv":
        fail(path, f"options {sorted(options)} only apply to CSV files")
    try:
        if fmt == "fit":
            from hrzone.importers.fit import load_fit
            return load_fit(path, max_gap_s)
        if fmt == "tcx":
            from hrzone.importers.tcx import load_tcx
            return load_tcx(path, max_gap_s)
        if fmt == "gpx":
            from hrzone.importers.gpx import load_gpx
            return load_gpx(path, max_gap_s)
        if fmt == "hrm":
            from hrzone.importers.csv import load_hrm
            return load_hrm(path, max_gap_s)
        from hrzone.importers.csv import load_csv
        return load_csv(path, max_gap_s, **options)
    except ImportFormatError:
        raise
    except (OSError, MemoryError, RecursionError) as e:
        fail(path, f"cannot read: {e}")
