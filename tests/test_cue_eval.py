"""The cue-quality measure (hrzone/signal/cue_eval.py) on series whose answer is known by
construction."""

from __future__ import annotations

import numpy as np

from hrzone.signal import cue_eval
from hrzone.signal.cue_eval import Change, grid, score, true_changes
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds

TH = Thresholds("bpm", 120.0, 145.0)


def at_1hz(*segments: tuple[int, float]) -> cue_eval.Grid:
    """Piecewise-constant HR, one sample a second from t=0."""
    hr = np.concatenate([np.full(n, bpm, float) for n, bpm in segments])
    return grid(np.arange(hr.size, dtype=float), hr)


def test_grid_holds_short_gaps_and_leaves_long_ones_empty() -> None:
    t = np.array([0.0, 1.0, 11.0, 12.0, 40.0, 41.5])
    hr = np.array([100, 101, 102, 103, 104, 250.0])   # 250 bpm: out of range, dropped
    g = grid(t, hr)
    assert g.t0 == 0.0 and g.hr.size == 41
    assert g.hr[:11].tolist() == [100.0] + [101.0] * 10      # 10 s gap: held
    assert g.hr[11:13].tolist() == [102.0, 103.0]
    assert np.isnan(g.hr[13:40]).all() and g.hr[40] == 104.0  # 28 s gap: empty
    assert score(g, TH, []).hours == np.isfinite(g.hr).sum() / 3600


def test_step_change_is_one_true_change_at_the_step() -> None:
    g = at_1hz((300, 110), (300, 130))
    assert true_changes(g, TH) == [Change(0.0, LOW, -1), Change(300.0, MODERATE, LOW)]


def test_excursion_shorter_than_a_minute_is_no_change() -> None:
    g = at_1hz((300, 110), (40, 135), (300, 110))
    assert [c.zone for c in true_changes(g, TH)] == [LOW]


def test_short_run_between_two_sustained_zones_is_ignored() -> None:
    # low -> 20 s of moderate -> high: one change, straight to high.
    g = at_1hz((300, 100), (20, 130), (300, 160))
    ch = true_changes(g, TH)
    assert [(c.zone, c.previous) for c in ch] == [(LOW, -1), (HIGH, LOW)]


def test_truth_never_spans_a_long_gap_and_a_gap_over_a_minute_frees_the_next_zone() -> None:
    t = np.concatenate([np.arange(300.0), 400 + np.arange(25.0), 500 + np.arange(300.0)])
    hr = np.concatenate([np.full(300, 110.0), np.full(25, 160.0), np.full(300, 130.0)])
    g = grid(t, hr)
    med = cue_eval.truth_median(g)
    assert np.isnan(med[400:425]).all()          # 25 s stretch: fewer than 31 valid seconds
    ch = true_changes(g, TH)
    assert [(c.t_s, c.zone, c.free) for c in ch] == [(0.0, LOW, True), (500.0, MODERATE, True)]
    # A gap of 10 s < gap <= 60 s keeps the zone before it: a different zone is a true change.
    t2 = np.concatenate([np.arange(300.0), 330 + np.arange(300.0)])
    g2 = grid(t2, hr[np.r_[0:300, 325:625]])
    assert [(c.t_s, c.zone, c.free) for c in true_changes(g2, TH)] == [
        (0.0, LOW, True), (330.0, MODERATE, False)]


def test_change_near_a_threshold_is_marked() -> None:
    near = true_changes(at_1hz((300, 110), (300, 122)), TH)[-1]
    far = true_changes(at_1hz((300, 110), (300, 130)), TH)[-1]
    assert near.near and not far.near


def test_matching_delay_spurious_and_missed() -> None:
    g = at_1hz((300, 110), (300, 130), (300, 150))   # changes at 300 (moderate), 600 (high)
    s = score(g, TH, [(315.0, MODERATE), (620.0, HIGH)])
    assert (s.cues, s.spurious, s.changes, s.missed, s.delays) == (2, 0, 2, 0, [15.0, 20.0])
    # Wrong zone, too late, and a second announcement of one change.
    s = score(g, TH, [(315.0, HIGH), (650.0, HIGH), (655.0, HIGH), (800.0, HIGH)])
    assert (s.spurious, s.missed, s.delays) == (3, 1, [50.0])
    assert score(g, TH, [(315.0, MODERATE), (691.0, HIGH)]).missed == 1   # 91 s late
    s = score(g, TH, [(310.0, MODERATE), (320.0, MODERATE)])
    assert (s.spurious, s.missed, s.delays) == (1, 1, [10.0])
    # An early announcement (within 90 s before) matches with a negative delay.
    assert score(g, TH, [(250.0, MODERATE)]).delays == [-50.0]


def test_first_sustained_zone_may_be_named_once() -> None:
    g = at_1hz((300, 130), (300, 150))
    assert score(g, TH, [(60.0, MODERATE), (310.0, HIGH)]).spurious == 0
    assert score(g, TH, [(60.0, MODERATE), (70.0, MODERATE), (310.0, HIGH)]).spurious == 1
    assert score(g, TH, [(60.0, LOW), (310.0, HIGH)]).spurious == 1
    assert score(g, TH, [(310.0, HIGH)]).missed == 0          # unnamed: not missed


def test_baselines_on_a_step() -> None:
    g = at_1hz((300, 110), (300, 130))
    assert cue_eval.raw_changes(g, TH) == [(0.0, LOW), (300.0, MODERATE)]
    # The 20 s trimmed mean reaches 120 bpm (the midpoint) when half its window is past the step.
    assert cue_eval.trimmed_mean(g, TH) == [(0.0, LOW), (309.0, MODERATE)]
    ema = cue_eval.ema_hysteresis(g, TH)
    assert [z for _, z in ema] == [LOW, MODERATE] and 300 + 15 < ema[1][0] < 300 + 60
    # Hovering: every raw change is announced; the EMA with hysteresis stays put.
    wobble = at_1hz(*[(5, 118), (5, 122)] * 60)
    assert len(cue_eval.raw_changes(wobble, TH)) == 120
    assert len(cue_eval.ema_hysteresis(wobble, TH)) == 1


def with_gaps(*parts: tuple[int, float | None]) -> cue_eval.Grid:
    """Piecewise-constant HR at 1 Hz; a part with bpm None is a gap of that many seconds."""
    ts, hs, t = [], [], 0.0
    for n, bpm in parts:
        if bpm is not None:
            ts.append(t + np.arange(n, dtype=float))
            hs.append(np.full(n, bpm, float))
        t += n
    return grid(np.concatenate(ts), np.concatenate(hs))


def test_only_one_gap_over_a_minute_frees_a_zone_not_several_short_ones() -> None:
    # Two 35 s gaps (70 empty seconds in all) around a 40 s stretch: no single gap > 60 s, so
    # the moderate run is a true change from low (the 40 s run before it is ignored).
    g = with_gaps((300, 110), (35, None), (40, 130), (35, None), (300, 130))
    assert [(c.t_s, c.zone, c.previous) for c in true_changes(g, TH)] == [
        (0.0, LOW, -1), (410.0, MODERATE, LOW)]
    g = with_gaps((300, 110), (61, None), (300, 130))
    assert [(c.t_s, c.zone, c.free) for c in true_changes(g, TH)] == [
        (0.0, LOW, True), (361.0, MODERATE, True)]


def test_zone_freed_by_a_gap_may_be_named_by_the_first_cue_after_the_gap() -> None:
    # After a 100 s gap: 55 s high, 55 s low, then sustained moderate (from 510 s, free).
    g = with_gaps((300, 110), (100, None), (55, 160), (55, 100), (300, 130))
    ch = true_changes(g, TH)
    assert [(c.t_s, c.zone, c.free) for c in ch] == [(0.0, LOW, True), (510.0, MODERATE, True)]
    assert score(g, TH, [(402.0, MODERATE)]).spurious == 0          # 108 s before the run
    assert score(g, TH, [(402.0, MODERATE), (405.0, MODERATE)]).spurious == 1
    assert score(g, TH, [(402.0, HIGH), (520.0, MODERATE)]).spurious == 2   # not the first
    assert score(g, TH, [(250.0, MODERATE), (402.0, MODERATE)]).spurious == 1   # before the gap


def test_spurious_cues_get_their_cause() -> None:
    # low; 50 s of moderate HR (the centred median is moderate for those 50 s: no true change);
    # low; a true change to high at 900 s.
    g = at_1hz((300, 110), (50, 130), (550, 110), (300, 160))
    assert [(c.t_s, c.zone) for c in true_changes(g, TH)] == [(0.0, LOW), (900.0, HIGH)]
    ann = [(10.0, MODERATE), (320.0, MODERATE), (400.0, LOW), (700.0, HIGH),
           (905.0, HIGH), (930.0, HIGH), (960.0, MODERATE)]
    causes = {t: cause for t, _, cause, _ in cue_eval.spurious_causes(g, TH, ann)}
    assert causes == {10.0: cue_eval.CAUSES[0], 320.0: cue_eval.CAUSES[3],
                      400.0: cue_eval.CAUSES[1], 700.0: cue_eval.CAUSES[6],
                      930.0: cue_eval.CAUSES[2], 960.0: cue_eval.CAUSES[5]}
    assert score(g, TH, ann).spurious == len(causes)
