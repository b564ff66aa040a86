"""Session summaries: time in each zone, credited minutes, data quality, cue events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from hrzone.credit import credited_min, shown_min
from hrzone.series import iter_chunks
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.workout import Workout
from hrzone.zones import HIGH, LOW, MODERATE, CueConfig, CueEvent, Thresholds


@dataclass(slots=True)
class Summary:
    """What a session amounted to. Seconds unless named otherwise; HR in bpm.

    per_second_hr holds one value per second from `start`: the cleaned HR credited in that
    second (uint8 bpm), 0 where nothing was credited; it is enough to re-credit the session with
    other thresholds (see credit_seconds) and to split it across calendar days.
    """

    file: str
    fmt: str
    start: datetime
    duration_s: float
    valid_s: float
    hr_mean: float | None
    hr_max: float | None
    hr_min: float | None
    low_s: float
    moderate_s: float
    high_s: float
    thresholds: Thresholds
    artifacts: dict[str, int]
    gaps: int
    gap_s: float
    contact_losses: int
    malformed: int
    cues: list[CueEvent]
    has_rr: bool
    samples: int
    per_second_hr: np.ndarray
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    start_trusted: bool = True

    @property
    def moderate_min(self) -> float:
        return self.moderate_s / 60.0

    @property
    def vigorous_min(self) -> float:
        return self.high_s / 60.0

    @property
    def credited_min(self) -> float:
        """Moderate-equivalent minutes, unrounded (hrzone.credit)."""
        return credited_min(self.moderate_s, self.high_s)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of `hrzone summary --json`."""
        r1 = lambda x: None if x is None else round(float(x), 1)  # noqa: E731
        return {
            "file": self.file,
            "format": self.fmt,
            "start": self.start.isoformat(),
            "start_trusted": self.start_trusted,
            "duration_s": round(self.duration_s, 1),
            "valid_s": round(self.valid_s, 1),
            "hr": {"mean": r1(self.hr_mean), "max": r1(self.hr_max), "min": r1(self.hr_min)},
            "zones": {"low_s": round(self.low_s, 1), "moderate_s": round(self.moderate_s, 1),
                      "high_s": round(self.high_s, 1)},
            "minutes": {"moderate": shown_min(self.moderate_min),
                        "vigorous": shown_min(self.vigorous_min),
                        "credited": shown_min(self.credited_min)},
            "thresholds": {"method": self.thresholds.method,
                           "moderate_bpm": self.thresholds.moderate_bpm,
                           "high_bpm": self.thresholds.high_bpm,
                           "ceiling_bpm": self.thresholds.ceiling_bpm},
            "artifacts": dict(self.artifacts),
            "gaps": {"count": self.gaps, "total_s": round(self.gap_s, 1)},
            "contact_losses": self.contact_losses,
            "malformed": self.malformed,
            "has_rr": self.has_rr,
            "samples": self.samples,
            "cues": [c.to_json() for c in self.cues],
            "warnings": list(self.warnings),
            "activity": {"name": self.meta.get("name"), "sport": self.meta.get("sport")},
        }


PER_SECOND_CAP_S = 8 * 86400
"""The per-second track never covers more than this (seconds from the first sample): longer
than any session the readers let through (hrzone.jumps.MAX_SPAN_S); seconds beyond it still
count in the totals but are not stored, and the summary says so."""


class Accumulator:
    """Streaming summary totals: add() each output chunk; memory grows only by 1 byte a second
    of credited time, up to PER_SECOND_CAP_S.

    Sums are kept in integer microseconds so that any chunking gives the same totals.
    """

    def __init__(self) -> None:
        self.zone_us = [0, 0, 0]          # low, moderate, high
        self.credit_us = 0
        self.hr_weighted = 0              # sum of hr (0.001 bpm) * credit (us) / 1000
        self.hr_max: float | None = None
        self.hr_min: float | None = None
        self.events: list[CueEvent] = []
        self.t0: float | None = None
        self.per_second = bytearray()
        self.clipped_s = 0                # credited seconds beyond PER_SECOND_CAP_S

    def add(self, out: Output) -> None:
        """Fold one output chunk into the totals."""
        if len(out) == 0:
            return
        if self.t0 is None:
            self.t0 = float(out.t_s[0])
        credit = np.rint(out.credit_s * 1e6).astype(np.int64)
        for z in (LOW, MODERATE, HIGH):
            self.zone_us[z] += int(credit[out.intensity == z].sum())
        self.credit_us += int(credit.sum())
        v = out.valid
        if v.any():
            hv = out.hr_bpm[v]
            mhr = np.rint(hv * 1000).astype(np.int64)
            self.hr_weighted += int((mhr * credit[v] // 1000).sum())
            mx, mn = float(hv.max()), float(hv.min())
            self.hr_max = mx if self.hr_max is None else max(self.hr_max, mx)
            self.hr_min = mn if self.hr_min is None else min(self.hr_min, mn)
        self.events.extend(out.events)
        self._add_seconds(out)

    def _add_seconds(self, out: Output) -> None:
        # Second s (from t0) gets the HR of the credited sample whose interval covers s + 0.5.
        c = out.credit_s > 0
        if not c.any():
            return
        t = out.t_s[c] - self.t0
        lo = t - out.credit_s[c]
        first = np.ceil(lo - 0.5).astype(np.int64)
        first = np.where(first + 0.5 <= lo, first + 1, first)
        last = np.floor(t - 0.5).astype(np.int64)
        hr = np.clip(np.rint(out.hr_bpm[c]), 1, 255).astype(np.uint8)
        first = np.maximum(first, 0)
        over = np.maximum(last + 1 - np.maximum(first, PER_SECOND_CAP_S), 0)
        self.clipped_s += int(over.sum())
        last = np.minimum(last, PER_SECOND_CAP_S - 1)
        n = np.maximum(last + 1 - first, 0)
        if not n.any():
            return
        need = int(last.max()) + 1
        if need > len(self.per_second):
            self.per_second.extend(bytes(need - len(self.per_second)))
        # Seconds covered by each credited sample: its HR repeated over [first, last].
        idx = np.repeat(first - np.cumsum(np.concatenate([[0], n[:-1]])), n) + np.arange(n.sum())
        buf = np.frombuffer(self.per_second, np.uint8)
        buf[idx] = np.repeat(hr, n)

    def summary(self, state: pipeline.State, *, file: str, fmt: str, start: datetime,
                malformed: int = 0, warnings: list[str] | None = None,
                meta: dict[str, Any] | None = None, start_trusted: bool = True) -> Summary:
        """The Summary of everything added so far, with the core's final state."""
        tot = state.totals
        duration = 0.0 if tot.first_t is None else float(tot.last_t - tot.first_t)  # type: ignore[operator]
        n_sec = min(int(np.ceil(duration)), PER_SECOND_CAP_S) if duration > 0 else 0
        warnings = list(warnings or [])
        if self.clipped_s:
            warnings.append(f"per-second track stops after {PER_SECOND_CAP_S // 86400} days: "
                            f"{self.clipped_s} credited seconds beyond it are in the totals only")
        ps = np.zeros(n_sec, np.uint8)
        m = min(n_sec, len(self.per_second))
        ps[:m] = np.frombuffer(bytes(self.per_second[:m]), np.uint8)
        mean = self.hr_weighted / self.credit_us if self.credit_us else None
        return Summary(
            file=file, fmt=fmt, start=start + timedelta(seconds=tot.first_t or 0.0),
            duration_s=duration, valid_s=self.credit_us / 1e6, hr_mean=mean,
            hr_max=self.hr_max, hr_min=self.hr_min, low_s=self.zone_us[LOW] / 1e6,
            moderate_s=self.zone_us[MODERATE] / 1e6, high_s=self.zone_us[HIGH] / 1e6,
            thresholds=state.thresholds, artifacts=tot.artifact_dict(), gaps=tot.gaps,
            gap_s=tot.gap_s, contact_losses=tot.contact_losses, malformed=malformed,
            cues=list(self.events), has_rr=bool(state.rr_seen), samples=tot.samples,
            per_second_hr=ps, warnings=warnings, meta=dict(meta or {}),
            start_trusted=start_trusted)


def summarise_workout(workout: Workout, thresholds: Thresholds,
                      cue_config: CueConfig | None = None) -> Summary:
    """Run a whole workout through the signal core and summarise it.

    A long file's series comes in chunks (series.StreamedSeries): memory stays that of one
    chunk, and the result is the one a single batch call gives (the core and the Accumulator
    give identical results for any chunking).
    """
    state = pipeline.initial(thresholds, workout.signal, cue_config)
    acc = Accumulator()
    for chunk in iter_chunks(workout.series):
        out, state = pipeline.process(chunk, state)
        acc.add(out)
    tail, state = pipeline.finish(state)
    acc.add(tail)
    return acc.summary(state, file=str(workout.path), fmt=workout.fmt, start=workout.start,
                       malformed=workout.malformed, warnings=workout.warnings,
                       meta=workout.meta, start_trusted=workout.start_trusted)
