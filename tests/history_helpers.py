"""Build small raw recordings for the history, week, plot and export tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from hrzone.hrm import Measurement, encode_measurement
from hrzone.recording import Header, RecordingWriter
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds, classify, resolve_thresholds


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


@dataclass
class FakeSummary:
    """Just what store.add_summary reads of a hrzone.summary.Summary (fast to build)."""

    start: datetime
    per_second_hr: np.ndarray
    thresholds: Thresholds
    fmt: str = "recording"
    has_rr: bool = True

    @property
    def duration_s(self) -> float:
        return float(self.per_second_hr.shape[0])

    @property
    def valid_s(self) -> float:
        return float(np.count_nonzero(self.per_second_hr))

    def _zone_s(self, zone: int) -> float:
        z = classify(self.per_second_hr.astype(float), self.per_second_hr > 0, self.thresholds)
        return float(np.count_nonzero(z == zone))

    @property
    def low_s(self) -> float:
        return self._zone_s(LOW)

    @property
    def moderate_s(self) -> float:
        return self._zone_s(MODERATE)

    @property
    def high_s(self) -> float:
        return self._zone_s(HIGH)

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "format": self.fmt}


def fake(start: datetime, *segments: tuple[float, int], fmt: str = "recording",
         has_rr: bool = True, thresholds: Thresholds | None = None) -> FakeSummary:
    """A FakeSummary from (minutes, bpm) segments; bpm 0 = nothing credited."""
    hr = np.concatenate([np.full(int(m * 60), b, np.uint8) for m, b in segments])
    thr = thresholds or resolve_thresholds("bpm", moderate=100, high=140)
    return FakeSummary(start, hr, thr, fmt, has_rr)


def wobbly(minutes: float, bpm: int, amp: float = 3.0) -> list[int]:
    """HR around `bpm` with a slow deterministic wobble (real HR is never flat for long)."""
    n = int(minutes * 60)
    return [round(bpm + amp * np.sin(i / 15.0)) for i in range(n)]
