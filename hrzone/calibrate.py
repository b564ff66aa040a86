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

The words a person reads also live here, so every screen says the same thing: MarkLog confirms a
mark the moment it is made, with the heart rate the proposal will use for it, and
describe_proposal puts the proposal beside the thresholds in use.
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
MARK_WORDS = {"sing": "can no longer sing", "talk": "can no longer talk"}


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


def clock_text(t_s: float) -> str:
    """Session time as m:ss (h:mm:ss from an hour)."""
    m, s = divmod(int(max(t_s, 0.0)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def confirmation(found: MarkHR, window_s: float = 30.0, min_samples: int = 10) -> str:
    """The words confirming a mark, e.g. 'Marked: can no longer sing at 132 bpm (12:40)'.

    A mark without enough valid heart rate before it says so, since the proposal will reject it.
    """
    words = MARK_WORDS.get(found.mark.kind, found.mark.kind)
    when = clock_text(found.mark.t_s)
    if found.samples < min_samples:
        return (f"Marked: {words} ({when}), but only {found.samples} valid heart-rate samples in "
                f"the {window_s:g} s before it: check the strap and press again")
    return f"Marked: {words} at {found.hr_bpm:.0f} bpm ({when})"


class MarkLog:
    """Talk-test marks as they are made, each with the HR the proposal will use for it.

    Feed the cleaned HR as it arrives (add); mark() returns the mark's MarkHR at once, computed by
    the same rule as propose (median of the valid HR in the window before the mark).
    """

    def __init__(self, window_s: float = 30.0, min_samples: int = 10):
        self.window_s = window_s
        self.min_samples = min_samples
        self.marks: list[MarkHR] = []
        self._t = np.zeros(0)
        self._hr = np.zeros(0)

    def add(self, t_s: np.ndarray, hr_bpm: np.ndarray) -> None:
        """Append samples (seconds, cleaned bpm with NaN where invalid); keeps one window."""
        t = np.concatenate([self._t, np.asarray(t_s, dtype=np.float64)])
        hr = np.concatenate([self._hr, np.asarray(hr_bpm, dtype=np.float64)])
        # a margin: a mark can be stamped a little before the samples already processed
        keep = t >= t[-1] - self.window_s - 60.0 if t.size else np.zeros(0, bool)
        self._t, self._hr = t[keep], hr[keep]

    def mark(self, mark: Mark) -> MarkHR:
        """Record a mark and return the HR found for it."""
        found = mark_hr(self._t, self._hr, mark, self.window_s)
        self.marks.append(found)
        return found

    def confirmation(self, found: MarkHR) -> str:
        """The on-screen words for a mark this log returned."""
        return confirmation(found, self.window_s, self.min_samples)


def describe_proposal(proposal: Proposal, current: Thresholds | None) -> str:
    """The proposal beside the thresholds in use, in plain words.

    E.g. 'Moderate starts at 118 bpm (now 120); high at 141 bpm (now 145).'
    """
    new = proposal.thresholds

    def now(bpm_new: float, bpm_now: float | None) -> str:
        if bpm_now is None:
            return ""
        if round(bpm_now) == round(bpm_new):
            return " (unchanged)"
        return f" (now {bpm_now:.0f})"

    cur_mod = None if current is None else current.moderate_bpm
    cur_high = None if current is None else current.high_bpm
    text = (f"Moderate starts at {new.moderate_bpm:.0f} bpm{now(new.moderate_bpm, cur_mod)}; "
            f"high at {new.high_bpm:.0f} bpm{now(new.high_bpm, cur_high)}.")
    if current is None:
        text += " You have no thresholds saved yet."
    return text


def comparison_json(proposal: Proposal, current: Thresholds | None) -> dict[str, Any]:
    """The proposal, the thresholds in use (or None) and the plain-words text, for --json."""
    return {**proposal.to_json(),
            "current": None if current is None else {"method": current.method,
                                                      "moderate_bpm": current.moderate_bpm,
                                                      "high_bpm": current.high_bpm},
            "text": describe_proposal(proposal, current)}
