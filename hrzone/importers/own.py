"""hrzone's own recordings (JSON Lines of raw 0x2A37 notifications) as a registry format, so
that recordings inside folders, gzip files and archives are read like any other file."""

from __future__ import annotations

from collections.abc import Iterator

from hrzone.importers.archive import Source
from hrzone.recording import FORMAT_NAME, read_recording
from hrzone.workout import Workout


def sniff(head: bytes, name: str) -> bool:
    """A recording starts with its JSON header naming the format (hrzone.recording.is_recording)."""
    return head.lstrip()[:1] == b"{" and FORMAT_NAME.encode() in head[:256]


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """The one session of a recording (the clock-jump rule applied, see recording.py)."""
    from hrzone.loader import workout_from_recording

    with src.open() as fh:
        rec = read_recording(src.path, fh)
    w = workout_from_recording(rec)
    if max_gap_s is not None:
        w.signal = w.signal.with_overrides(gap_s=max_gap_s)
    yield w
