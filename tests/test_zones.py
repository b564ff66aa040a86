"""Threshold models, validation, classification and the cue state (hysteresis + dwell)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.errors import ThresholdError
from hrzone.zones import (
    HIGH, INVALID, LOW, MODERATE, CueConfig, CueState, Thresholds, classify, estimate_max_hr,
    resolve_thresholds, track_cues,
)


def test_karvonen_acsm_defaults():
    t = resolve_thresholds("hrr", age=40, rest=60)
    assert t.max_bpm == 180.0 and t.max_source == "tanaka"  # 208 - 0.7 * 40
    assert t.moderate_bpm == pytest.approx(60 + 0.4 * 120)
    assert t.high_bpm == pytest.approx(60 + 0.6 * 120)


def test_percent_hrmax_defaults_with_measured_max():
    t = resolve_thresholds("hrmax", max_hr=190)
    assert (t.moderate_bpm, t.high_bpm) == (pytest.approx(121.6), pytest.approx(146.3))
    assert t.max_source == "measured"


def test_beta_blocker_estimate():
    assert estimate_max_hr(50, beta_blocker=True) == pytest.approx(129.0)
    assert resolve_thresholds(age=50, beta_blocker=True).max_source == "beta-blocker"


def test_absolute_bpm_and_method_inference():
    t = resolve_thresholds(moderate=105, high=125, ceiling=150)
    assert (t.method, t.moderate_bpm, t.high_bpm, t.ceiling_bpm) == ("bpm", 105, 125, 150)
    assert resolve_thresholds(age=30).method == "hrmax"
    assert resolve_thresholds(age=30, rest=55).method == "hrr"


@pytest.mark.parametrize("kw,msg", [
    ({}, "no thresholds"),
    ({"moderate": 130, "high": 120}, "must be below high"),
    ({"moderate": 120, "high": 120}, "must be below high"),
    ({"moderate": 10, "high": 120}, "--moderate 10 bpm is not plausible"),
    ({"method": "bpm", "moderate": 100}, "needs both"),
    ({"method": "hrr", "age": 40}, "needs --rest"),
    ({"method": "hrr", "age": 40, "rest": 190}, "not plausible"),
    ({"method": "hrr", "max_hr": 150, "rest": 110}, None),
    ({"method": "hrr", "max_hr": 120, "rest": 119}, None),
    ({"method": "hrmax"}, "needs --max or --age"),
    ({"age": 400}, "--age 400"),
    ({"max_hr": 400}, "--max 400"),
    ({"moderate": 100, "high": 120, "ceiling": 90}, "--ceiling 90"),
    ({"method": "hrr", "age": 40, "rest": 60, "moderate": 100}, "go with --method bpm"),
    ({"method": "zz", "age": 40}, "unknown"),
])
def test_impossible_thresholds(kw, msg):
    method = kw.pop("method", None)
    if msg is None:
        resolve_thresholds(method, **kw)  # plausible edge cases pass
        return
    with pytest.raises(ThresholdError, match=msg):
        resolve_thresholds(method, **kw)


def test_rest_must_be_below_max():
    with pytest.raises(ThresholdError, match="below the maximum"):
        resolve_thresholds("hrr", max_hr=110, rest=115)


def test_from_json_round_trip_and_validation():
    t = resolve_thresholds("hrr", age=40, rest=60, ceiling=160)
    assert Thresholds.from_json(t.to_json()) == t
    with pytest.raises(ThresholdError, match="header"):
        Thresholds.from_json({"method": "bpm"}, "x.jsonl header")
    with pytest.raises(ThresholdError):
        Thresholds.from_json({"method": "bpm", "moderate_bpm": 140, "high_bpm": 120})


def test_classify():
    t = resolve_thresholds(moderate=100, high=130)
    hr = np.array([80, 99.9, 100, 129, 130, 180, 150])
    valid = np.array([1, 1, 1, 1, 1, 1, 0], bool)
    assert classify(hr, valid, t).tolist() == [LOW, LOW, MODERATE, MODERATE, HIGH, HIGH, INVALID]


def _track(hr, cfg=CueConfig(), th=None, valid=None):
    th = th or resolve_thresholds(moderate=100, high=130, ceiling=160)
    t = np.arange(len(hr), dtype=float)
    v = np.ones(len(hr), bool) if valid is None else valid
    return track_cues(t, np.asarray(hr, float), v, CueState(), th, cfg)


def test_no_flapping_around_a_threshold():
    rng = np.random.default_rng(0)
    hr = 100 + 2.5 * rng.standard_normal(3600)  # an hour hovering at the moderate threshold
    _, events, _ = _track(hr)
    zone_events = [e for e in events if e.kind == "zone"]
    assert len(zone_events) <= 2


def test_first_zone_waits_for_its_dwell_and_a_change_for_evidence():
    hr = [90] * 60 + [115] * 60
    cfg = CueConfig(dwell_s=12)
    zone, events, _ = _track(hr, cfg)
    ev = [e for e in events if e.kind == "zone"]
    assert [(e.previous, e.value) for e in ev] == [(INVALID, LOW), (LOW, MODERATE)]
    assert ev[0].t_s == 12.0
    # The 5 s median moves at t=62 (3 of 5 samples); 14.5 bpm past adds cap_bpm (10) a second,
    # and the evidence must have been building for hold_s.
    called = 60 + cfg.level_s // 2 + max(np.ceil(cfg.evidence_bpm_s / cfg.cap_bpm) - 1,
                                         cfg.hold_s)
    assert ev[1].t_s == called
    assert zone[int(called) - 1] == LOW and zone[int(called)] == MODERATE


def test_short_excursion_not_announced():
    hr = [90] * 60 + [115] * 3 + [90] * 60   # median past for 1 s: 10 bpm*s, short of 20
    _, events, _ = _track(hr, CueConfig(dwell_s=12))
    assert [e.value for e in events if e.kind == "zone"] == [LOW]


def test_hysteresis_margin():
    hr = [90] * 30 + [102] * 60  # above the threshold but within the 3 bpm margin
    _, events, _ = _track(hr, CueConfig(margin_bpm=3))
    assert [e.value for e in events if e.kind == "zone"] == [LOW]


def test_ceiling_and_signal_events():
    hr = [120] * 30 + [165] * 30 + [120] * 30 + [np.nan] * 30 + [120] * 30
    valid = ~np.isnan(np.asarray(hr, float))
    _, events, _ = _track(hr, valid=valid)
    kinds = [(e.kind, e.value) for e in events if e.kind != "zone"]
    assert kinds == [("ceiling", 1), ("ceiling", 0), ("signal", 0), ("signal", 1)]


def test_chunked_tracking_equals_whole():
    rng = np.random.default_rng(1)
    hr = np.repeat(rng.uniform(80, 170, 40), 45) + rng.standard_normal(1800)
    th = resolve_thresholds(moderate=100, high=130, ceiling=160)
    t = np.arange(len(hr), dtype=float)
    v = rng.random(len(hr)) > 0.05
    z1, e1, s1 = track_cues(t, hr, v, CueState(), th, CueConfig())
    state, zs, es = CueState(), [], []
    for a in range(0, len(hr), 37):
        z, e, state = track_cues(t[a:a + 37], hr[a:a + 37], v[a:a + 37], state, th, CueConfig())
        zs.append(z)
        es += e
    assert np.array_equal(z1, np.concatenate(zs)) and es == e1 and state == s1


def test_bad_cue_config():
    with pytest.raises(ThresholdError):
        CueConfig(dwell_s=-1)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from([0.5, 1.0, 1.0, 3.0, 15.0]),
                                st.floats(60, 200), st.booleans()), min_size=65, max_size=200),
       ceiling=st.sampled_from([None, 150.0, 175.0]), dwell=st.sampled_from([0.0, 8.0, 30.0]))
def test_track_cues_fast_forward_equals_one_sample_at_a_time(steps, ceiling, dwell) -> None:
    """Long chunks skip calm runs (zones._CalmRuns); one sample per call never does
    (chunks shorter than zones.CALM_MIN_SAMPLES are stepped through)."""
    from hrzone.zones import CueConfig, CueState, track_cues

    t = np.cumsum([s[0] for s in steps])
    hr = np.round([s[1] for s in steps])
    valid = np.array([s[2] or i % 7 != 0 for i, s in enumerate(steps)])
    thr = resolve_thresholds("bpm", moderate=110, high=150, ceiling=ceiling)
    cfg = CueConfig(dwell_s=dwell)
    whole, ev_whole, st_whole = track_cues(t, hr, valid, CueState(), thr, cfg)
    state, zones, events = CueState(), [], []
    for i in range(t.size):
        z, ev, state = track_cues(t[i:i + 1], hr[i:i + 1], valid[i:i + 1], state, thr, cfg)
        zones += z.tolist()
        events += ev
    assert whole.tolist() == zones and st_whole == state
    assert [e.to_json() for e in ev_whole] == [e.to_json() for e in events]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), ceiling=st.sampled_from([None, 150.0]),
       chunk=st.sampled_from([16, 97, 600, 100_000]))
def test_calm_runs_skipped_whole_give_exactly_the_sample_by_sample_result(seed, ceiling,
                                                                          chunk) -> None:
    """Workout-like HR (long steady stretches near and far from the thresholds, excursions,
    dropouts, gaps): chunks long enough for the calm-run fast path equal one sample per call,
    which never takes it (zones.CALM_MIN_SAMPLES)."""
    from hrzone.zones import CALM_MIN_SAMPLES, CueConfig, CueState, track_cues

    rng = np.random.default_rng(seed)
    n = 1500
    level = np.repeat(rng.choice([95.0, 108.0, 112.0, 130.0, 149.0, 152.0, 165.0], 15), 100)
    hr = np.round(level + rng.normal(0, 1.5, n) + 6 * np.sin(np.arange(n) / 40.0))
    t = np.cumsum(np.where(rng.random(n) < 0.01, 25.0, 1.0))
    valid = rng.random(n) > 0.02
    thr = resolve_thresholds("bpm", moderate=110, high=150, ceiling=ceiling)
    cfg = CueConfig()
    ref_state, ref_z, ref_ev = CueState(), [], []
    for i in range(n):
        z, ev, ref_state = track_cues(t[i:i + 1], hr[i:i + 1], valid[i:i + 1], ref_state, thr,
                                      cfg)
        ref_z += z.tolist()
        ref_ev += ev
    assert chunk >= CALM_MIN_SAMPLES
    state, zs, evs = CueState(), [], []
    for a in range(0, n, chunk):
        z, ev, state = track_cues(t[a:a + chunk], hr[a:a + chunk], valid[a:a + chunk], state,
                                  thr, cfg)
        zs += z.tolist()
        evs += ev
    assert zs == ref_z and state == ref_state
    assert [e.to_json() for e in evs] == [e.to_json() for e in ref_ev]
    assert any(e.kind == "zone" for e in ref_ev)


def _pause_then(after: list[float], cfg: CueConfig = CueConfig()):
    """Five minutes at 115 (moderate with thresholds 100/130), a 20 s gap (an auto-pause), then
    `after`, one sample a second."""
    th = resolve_thresholds(moderate=100, high=130)
    hr = np.array([115.0] * 300 + [0.0] * 20 + list(after))
    valid = np.r_[np.ones(300, bool), np.zeros(20, bool), np.ones(len(after), bool)]
    _, events, _ = track_cues(np.arange(hr.size, dtype=float), hr, valid, CueState(), th, cfg)
    return [(e.t_s, e.value) for e in events if e.kind == "zone"]


def test_no_low_cue_while_hr_climbs_back_after_a_pause():
    # After the pause HR restarts at 75 and climbs 0.45 bpm/s back into moderate: it is below
    # the zone for 56 s, well past the 30 s restart, but it is heading back all the time.
    climb = [75 + 0.45 * k for k in range(90)] + [116.0] * 120
    assert _pause_then(climb) == [(8.0, MODERATE)]
    # Without the heading-back rule the same climb says "Low" at the restart.
    off = _pause_then(climb, CueConfig(trend_bpm=1e9))
    assert [z for _, z in off] == [MODERATE, LOW, MODERATE]


def test_a_real_stop_after_a_pause_is_still_called():
    # HR restarts low and stays there (the person stopped): "Low" once the restart is over.
    events = _pause_then([85.0] * 120)
    assert [z for _, z in events] == [MODERATE, LOW]
    assert events[1][0] - 320 <= 45


def test_trend_settings_are_validated():
    with pytest.raises(ThresholdError):
        CueConfig(trend_s=0)
    with pytest.raises(ThresholdError):
        CueConfig(trend_bpm=-1)


def test_evidence_waits_for_the_restart_after_a_pause():
    # The level right after a pause is settling: evidence is collected only once the signal has
    # been back restart_s (30 s), so a stop is called hold_s (5 s) or more after that, not at
    # the moment the restart ends from evidence gathered while settling.
    cfg = CueConfig()
    (_, first), (t_low, low) = _pause_then([92.0] * 120, cfg)
    assert (first, low) == (MODERATE, LOW)
    assert t_low >= 320 + cfg.restart_s + cfg.hold_s
