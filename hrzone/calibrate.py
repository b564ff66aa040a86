"""Talk-test calibration: bpm thresholds proposed from the user's own marks.

During a gradually harder workout the user marks two moments: when they can no longer *sing*
comfortably (the end of light effort: moderate starts) and when they can no longer *talk*
comfortably (vigorous starts). The marks are 'mark' events in the recording with data
``{"mark": "sing"}`` or ``{"mark": "talk"}``.

Rule (docs/live.md): for each mark, take the median of the cleaned, valid HR in the
`window_s` (30 s) before the mark; with several marks of one kind, the median of their values.
The moderate threshold is the sing value, the high threshold the talk value, rounded to whole
bpm. A mark with fewer than `min_samples` valid samples in its window is rejected, as is a talk
value not above the sing value. Pure: arrays in, a Proposal out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hrzone.errors import ThresholdError
from hrzone.recording import Event
from hrzone.zones import Thresholds, resolve_thresholds

MARK_KINDS = ("sing", "talk")


@dataclass(frozen=True, slots=True)
class Mark:
    """A talk-test mark at t_s seconds since session start."""

    t_s: float
    kind: str


@dataclass(frozen=True, slots=True)
class MarkHR:
    """The HR found for one mark: median bpm of `samples` valid values in the window."""

    mark: Mark
    hr_bpm: float
    samples: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """Proposed thresholds (bpm) and the evidence behind them."""

    thresholds: Thresholds
    marks: tuple[MarkHR, ...]
    window_s: float

    def to_json(self) -> dict[str, Any]:
        return {"moderate_bpm": self.thresholds.moderate_bpm, "high_bpm": self.thresholds.high_bpm,
                "window_s": self.window_s,
                "marks": [{"t_s": round(m.mark.t_s, 1), "mark": m.mark.kind,
                           "hr_bpm": round(m.hr_bpm, 1), "samples": m.samples}
                          for m in self.marks]}


def marks_from_events(events: Iterable[Event]) -> list[Mark]:
    """The talk-test marks among recording events (other marks and events are ignored)."""
    out = []
    for e in events:
        if e.kind == "mark" and e.data.get("mark") in MARK_KINDS:
            out.append(Mark(e.t_ns / 1e9, str(e.data["mark"])))
    return out


def mark_hr(t_s: np.ndarray, hr_bpm: np.ndarray, mark: Mark, window_s: float = 30.0) -> MarkHR:
    """Median of the valid (finite, > 0) HR in [mark - window_s, mark]."""
    sel = (t_s >= mark.t_s - window_s) & (t_s <= mark.t_s)
    vals = hr_bpm[sel]
    vals = vals[np.isfinite(vals) & (vals > 0)]
    return MarkHR(mark, float(np.median(vals)) if vals.size else float("nan"), int(vals.size))


def propose(t_s: np.ndarray, hr_bpm: np.ndarray, marks: Iterable[Mark], *,
            window_s: float = 30.0, min_samples: int = 10) -> Proposal:
    """Thresholds from talk-test marks (see module docstring); ThresholdError if impossible.

    t_s: seconds since start; hr_bpm: cleaned HR with NaN (or 0) where invalid.
    """
    t_s = np.asarray(t_s, dtype=np.float64)
    hr_bpm = np.asarray(hr_bpm, dtype=np.float64)
    found = [mark_hr(t_s, hr_bpm, m, window_s) for m in marks]
    by_kind: dict[str, list[float]] = {k: [] for k in MARK_KINDS}
    for m in found:
        if m.mark.kind not in MARK_KINDS:
            raise ThresholdError(f"mark {m.mark.kind!r} at {m.mark.t_s:.0f} s is not one of "
                                 f"{', '.join(MARK_KINDS)}")
        if m.samples < min_samples:
            raise ThresholdError(
                f"'{m.mark.kind}' mark at {m.mark.t_s:.0f} s has only {m.samples} valid heart-rate "
                f"samples in the {window_s:g} s before it (need {min_samples}); repeat the test "
                "with the strap on")
        by_kind[m.mark.kind].append(m.hr_bpm)
    for kind in MARK_KINDS:
        if not by_kind[kind]:
            raise ThresholdError(f"no '{kind}' mark: press the {kind} key when you can no longer "
                                 f"{kind} comfortably")
    moderate = float(round(float(np.median(by_kind["sing"]))))
    high = float(round(float(np.median(by_kind["talk"]))))
    if high <= moderate:
        raise ThresholdError(f"the talk mark's heart rate ({high:g} bpm) is not above the sing "
                             f"mark's ({moderate:g} bpm); marks swapped or effort not increased?")
    return Proposal(resolve_thresholds("bpm", moderate=moderate, high=high), tuple(found),
                    window_s)


def propose_from_recording(path: str | Path, *, window_s: float = 30.0,
                           min_samples: int = 10) -> Proposal:
    """Run a recording's notifications through the signal core and propose from its marks."""
    from hrzone.loader import load_workout
    from hrzone.signal import pipeline

    w = load_workout(path)
    # any valid thresholds: the cleaned HR used here does not depend on them
    state = pipeline.initial(resolve_thresholds("bpm", moderate=100, high=150), w.signal)
    out, _ = pipeline.run(w.series, state)
    hr = np.where(out.valid, out.hr_bpm, np.nan)
    marks = marks_from_events(w.events)
    if not marks:
        raise ThresholdError(f"{path}: the recording has no talk-test marks")
    return propose(out.t_s, hr, marks, window_s=window_s, min_samples=min_samples)
