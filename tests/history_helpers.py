"""Build small raw recordings for the history, week, plot and export tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from hrzone.hrm import Measurement, encode_measurement
from hrzone.recording import Header, RecordingWriter


def make_recording(path: Path, start: datetime, hr_bpm: Sequence[int], *, rr: bool = True,
                   gap: tuple[int, int] | None = None, note: str = "") -> Path:
    """Write a 1 Hz recording starting at aware `start` with these HR values.

    rr: include RR intervals derived from the HR; gap: (i0, i1) seconds with no notifications;
    note: makes the file content (and so its content hash) unique.
    """
    header = Header(created=start.isoformat(timespec="milliseconds"), source="test",
                    device={"name": "test strap"}, extra={"note": note} if note else {})
    wall0 = int(start.timestamp() * 1e9)
    with RecordingWriter(path, header) as w:
        for i, hr in enumerate(hr_bpm):
            if gap and gap[0] <= i < gap[1]:
                continue
            rrs = (round(60.0 / hr * 1024),) if rr and hr > 0 else ()
            p = encode_measurement(Measurement(int(hr), True, None, rrs))
            w.notification(i * 1_000_000_000, wall0 + i * 1_000_000_000, p)
    return path


def steady(minutes: float, bpm: int) -> list[int]:
    """A constant HR for `minutes` minutes at 1 Hz."""
    return [bpm] * int(minutes * 60)
