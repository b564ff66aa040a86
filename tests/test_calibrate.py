"""Talk-test threshold proposal: median HR in the 30 s before each mark."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.calibrate import (Mark, MarkHR, MarkLog, Proposal, comparison_json, confirmation,
                              describe_proposal, marks_from_events, propose)
from hrzone.errors import ThresholdError
from hrzone.recording import Event
from hrzone.zones import resolve_thresholds


def ramp(n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n, dtype=float)
    return t, 90.0 + t / 10.0          # 90 bpm rising 6 bpm per minute


def test_median_of_window_before_each_mark() -> None:
    t, hr = ramp()
    p = propose(t, hr, [Mark(300.0, "sing"), Mark(500.0, "talk")])
    # window [270, 300] -> median at t=285 -> 118.5 -> 118 (round half even) ; [470, 500] -> 138.5
    assert p.thresholds.method == "bpm"
    assert p.thresholds.moderate_bpm == round(90 + 28.5) and p.thresholds.high_bpm == round(90 + 48.5)
    assert [m.samples for m in p.marks] == [31, 31]


def test_invalid_samples_ignored_and_multiple_marks_use_median() -> None:
    t, hr = ramp()
    hr = hr.copy()
    hr[280:300] = np.nan                 # dropped-out samples do not count
    p = propose(t, hr, [Mark(300.0, "sing"), Mark(320.0, "sing"), Mark(340.0, "sing"),
                        Mark(500.0, "talk")])
    sing = [m.hr_bpm for m in p.marks if m.mark.kind == "sing"]
    assert sing[0] == pytest.approx(np.median(90 + np.r_[np.arange(270, 280), 300] / 10))
    assert p.marks[0].samples == 11
    assert p.thresholds.moderate_bpm == round(float(np.median(sing)))


@pytest.mark.parametrize("marks, msg", [
    ([Mark(300.0, "sing")], "no 'talk' mark"),
    ([Mark(300.0, "talk"), Mark(500.0, "sing")], "not above"),
    ([Mark(5.0, "sing"), Mark(500.0, "talk")], "only 6 valid"),
])
def test_errors(marks: list[Mark], msg: str) -> None:
    t, hr = ramp()
    with pytest.raises(ThresholdError, match=msg):
        propose(t, hr, marks)


def test_marks_from_events() -> None:
    ev = [Event(10_000_000_000, 0, "mark", {"mark": "sing"}), Event(11, 0, "battery", {"level": 5}),
          Event(20_000_000_000, 0, "mark", {"mark": "lap"}),
          Event(30_000_000_000, 0, "mark", {"mark": "talk"})]
    assert marks_from_events(ev) == [Mark(10.0, "sing"), Mark(30.0, "talk")]


@settings(max_examples=40, deadline=None)
@given(st.floats(60, 120), st.floats(5, 60), st.integers(100, 400), st.integers(420, 590))
def test_proposal_tracks_a_steady_hr_at_each_mark(sing_hr: float, delta: float, ts: int, tt: int) -> None:
    t = np.arange(600, dtype=float)
    hr = np.where(t <= ts, sing_hr, sing_hr + delta)
    p = propose(t, hr, [Mark(float(ts), "sing"), Mark(float(tt), "talk")])
    assert p.thresholds.moderate_bpm == round(sing_hr)
    assert p.thresholds.high_bpm == round(sing_hr + delta)


def test_mark_log_confirms_with_the_hr_the_proposal_uses() -> None:
    t, hr = ramp()
    log = MarkLog(window_s=30.0)
    for i in range(0, 301, 7):                      # arrives in chunks, as live data does
        log.add(t[i:min(i + 7, 301)], hr[i:min(i + 7, 301)])
    found = log.mark(Mark(300.0, "sing"))
    whole = propose(t, hr, [Mark(300.0, "sing"), Mark(500.0, "talk")])
    assert found == whole.marks[0]
    assert log.confirmation(found) == f"Marked: can no longer sing at {found.hr_bpm:.0f} bpm (5:00)"
    assert log.marks == [found]


def test_confirmation_of_a_mark_without_heart_rate_says_to_press_again() -> None:
    text = confirmation(MarkHR(Mark(3725.0, "talk"), float("nan"), 2))
    assert text.startswith("Marked: can no longer talk (1:02:05), but only 2 valid heart-rate")
    assert "press again" in text


@pytest.mark.parametrize("current, words", [
    ((120, 145), "Moderate starts at 118 bpm (now 120); high at 141 bpm (now 145)."),
    ((118, 150), "Moderate starts at 118 bpm (unchanged); high at 141 bpm (now 150)."),
    (None, "Moderate starts at 118 bpm; high at 141 bpm. You have no thresholds saved yet."),
])
def test_proposal_in_plain_words_beside_the_current_thresholds(current, words) -> None:
    p = Proposal(resolve_thresholds("bpm", moderate=118, high=141), (), 30.0)
    cur = None if current is None else resolve_thresholds("bpm", moderate=current[0],
                                                          high=current[1])
    assert describe_proposal(p, cur) == words
    obj = comparison_json(p, cur)
    assert obj["text"] == words and obj["moderate_bpm"] == 118
    assert obj["current"] == (None if cur is None else
                              {"method": "bpm", "moderate_bpm": current[0], "high_bpm": current[1]})
