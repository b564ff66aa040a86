"""Cue engine: the clock is injected (each input carries its time), so every rule is exact."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone import cues as stage
from hrzone.cues import ALERT, SAFETY, Cue, CueEngine, CueInput, CuePrefs
from hrzone.errors import ProfileError
from hrzone.phrases import PHRASES, placeholders
from hrzone.session import Sink
from hrzone.signal.pipeline import Output
from hrzone.zones import (HIGH, LOW, MODERATE, CueConfig, CueEvent, CueState, classify,
                          resolve_thresholds, track_cues)

TH = resolve_thresholds("bpm", moderate=110, high=140, ceiling=160)
SWITCHES = [f.name for f in fields(CuePrefs) if getattr(CuePrefs(), f.name) is True]


def output(hr: np.ndarray, valid: np.ndarray | None = None,
           config: CueConfig = CueConfig()) -> Output:
    """The core's output for HR at 1 Hz (every valid second credited), cue events from the
    core's own tracker."""
    n = hr.size
    t = np.arange(n, dtype=float)
    v = np.isfinite(hr) if valid is None else valid
    h = np.nan_to_num(hr)
    zone, events, _ = track_cues(t, h, v, CueState(), TH, config)
    return Output(t, np.where(v, h, np.nan), v, np.zeros(n, np.int8), np.zeros(n, bool),
                  v.astype(float), classify(h, v, TH), zone, events)


def part(out: Output, a: int, b: int) -> Output:
    """Samples a..b of an output, with the events of those seconds (a chunk of a session)."""
    t0 = out.t_s[a] if a < len(out) else np.inf
    t1 = out.t_s[b] if b < len(out) else np.inf
    return Output(out.t_s[a:b], out.hr_bpm[a:b], out.valid[a:b], out.status[a:b],
                  out.source_rr[a:b], out.credit_s[a:b], out.intensity[a:b], out.zone[a:b],
                  [e for e in out.events if t0 <= e.t_s < t1])


def run_hr(hr: np.ndarray, valid: np.ndarray | None = None, prefs: CuePrefs | None = None,
           weekly_before: float = 0, battery: list[tuple[float, float]] = (),
           config: CueConfig = CueConfig()) -> tuple[list[Cue], Output]:
    """HR at 1 Hz -> the core's cue tracker -> the cue stage, as LiveSession runs it: battery
    events between samples, the end summary last."""
    out = output(hr, valid, config)
    state = stage.initial(prefs, weekly_before)
    said: list[Cue] = []
    a = 0
    for t_b, level in sorted(battery):
        b = int(np.searchsorted(out.t_s, t_b))
        c, state = stage.process(part(out, a, b), state)
        said += c
        c, state = stage.battery(t_b, level, state)
        said += c
        a = b
    c, state = stage.process(part(out, a, len(out)), state)
    end, _ = stage.finish(state)
    return said + c + end, out


def feed(e: CueEngine, inputs: list[CueInput], s):  # type: ignore[no-untyped-def]
    """Step the engine through inputs in order."""
    out: list[Cue] = []
    for i in inputs:
        c, s = e.step(i, s)
        out += c
    return out, s


def steps(*segments: tuple[float, float]) -> np.ndarray:
    """Piecewise-constant HR: (seconds, bpm) segments at 1 Hz."""
    return np.concatenate([np.full(int(n), bpm, float) for n, bpm in segments])


def of(cues: list[Cue], kind: str) -> list[Cue]:
    return [c for c in cues if c.kind == kind]


# -- zones: settle, dwell, hysteresis, gap --------------------------------------------------------

def test_sustained_change_is_announced_after_dwell_and_not_before_settle() -> None:
    hr = steps((30, 90), (300, 120))          # moderate from t=30
    cues, _ = run_hr(hr)
    zones = of(cues, "zone")
    assert [c.key for c in zones] == ["zone:moderate"]
    assert zones[0].sound == "up"
    assert zones[0].t_s >= 60.0                # settle time
    cues2, _ = run_hr(hr, prefs=CuePrefs(settle_s=0))
    z2 = of(cues2, "zone")[0]
    c = CueConfig()
    # The level (median of level_s s) moves after half the window, then 9.5 bpm past the
    # threshold adds 9.5 bpm*s a second until the evidence is reached (and at least hold_s).
    latest = 30 + c.level_s // 2 + max(np.ceil(c.evidence_bpm_s / (120 - 110 - c.margin_bpm)),
                                       c.hold_s)
    assert 30 < z2.t_s <= latest


def test_evidence_grows_with_distance_past_the_threshold() -> None:
    # Far past the threshold: called soon; just past: later; within the margin: never.
    def first(bpm: float) -> float | None:
        out = output(steps((120, 100), (600, bpm)))
        ev = [e for e in out.events if e.kind == "zone" and e.value == MODERATE]
        return ev[0].t_s - 120 if ev else None
    c = CueConfig()
    far, near = first(125.0), first(112.0)
    assert far is not None and near is not None and far < near
    assert near >= c.evidence_bpm_s / (112 - 110 - c.margin_bpm)
    assert first(110.0 + c.margin_bpm) is None


def test_undoing_a_fresh_change_needs_more_evidence() -> None:
    c = CueConfig()
    # Up into moderate, then back down 5 bpm below the threshold: soon after the call it takes
    # undo_factor times the evidence, long after it the plain evidence.
    def down_after(hold_s: int) -> float:
        out = output(steps((120, 100), (hold_s, 125), (300, 105)))
        up = [e for e in out.events if e.kind == "zone" and e.value == MODERATE][0]
        down = [e for e in out.events if e.kind == "zone" and e.t_s > up.t_s][0]
        assert up.t_s + c.undo_s > 120 + hold_s or hold_s > c.undo_s
        return down.t_s - (120 + hold_s)
    fresh, old = down_after(40), down_after(int(c.undo_s) + 60)
    assert fresh - old >= (c.undo_factor - 1) * c.fall_factor * c.evidence_bpm_s / 10 - 1


def test_a_fall_needs_more_evidence_than_a_rise() -> None:
    c = CueConfig()
    # 3 bpm past the 110 bpm threshold, up from long-settled low, and down from long-settled
    # moderate (no undo bar): each second adds 2.5 bpm*s past the margin.
    def delay(before: float, after: float, value: int) -> float:
        out = output(steps((600, before), (600, after)))
        ev = [e for e in out.events if e.kind == "zone" and e.value == value]
        return ev[0].t_s - 600
    rise, fall = delay(100, 113, MODERATE), delay(120, 107, LOW)
    per_s = 3 - c.margin_bpm
    assert abs(rise - c.evidence_bpm_s / per_s) <= c.level_s // 2 + 1
    assert abs(fall - c.fall_factor * c.evidence_bpm_s / per_s) <= c.level_s // 2 + 1


def test_after_a_gap_the_level_settles_before_a_change_is_called() -> None:
    c = CueConfig()
    # Settled in moderate; 30 s without samples; back at 90 bpm, far below the threshold.
    # Evidence is collected only after the restart, so the fall is called restart_s plus its
    # own evidence and hold time after the signal came back.
    hr = steps((600, 125), (30, np.nan), (300, 90))
    out = output(hr)
    down = [e for e in out.events if e.kind == "zone" and e.value == LOW]
    own = max(c.hold_s, c.fall_factor * c.evidence_bpm_s / c.cap_bpm)
    assert down and c.restart_s + c.hold_s <= down[0].t_s - 630 <= c.restart_s + own + 1
    # Without the gap the same fall is called as soon as its evidence and hold allow.
    out = output(steps((630, 125), (300, 90)))
    down = [e for e in out.events if e.kind == "zone" and e.value == LOW]
    assert down and down[0].t_s - 630 < c.restart_s / 2


def test_hovering_at_a_threshold_gives_no_zone_cue() -> None:
    rng = np.random.default_rng(3)
    # Settled in moderate, then 20 minutes of HR wandering 2 bpm either side of 111.
    hr = np.concatenate([steps((120, 120)), 111 + rng.uniform(-2, 2, 1200)])
    cues, _ = run_hr(hr)
    assert [c.key for c in of(cues, "zone")] == ["zone:moderate"]


def test_short_excursions_give_no_cue() -> None:
    # 4 s bursts well into high every 40 s, while in moderate: the level (median of 5 s) is
    # past the threshold for at most 4 samples, shorter than the hold (5 s).
    hr = steps((120, 120), *[(36, 120), (4, 150)] * 20)
    cues, _ = run_hr(hr)
    assert [c.key for c in of(cues, "zone")] == ["zone:moderate"]


def test_at_most_one_cue_per_minimum_gap() -> None:
    # Big zone swings every 15 s: each passes the evidence, the gap must hold.
    hr = steps((60, 90), *[(15, 125), (15, 150), (15, 90)] * 30)
    prefs = CuePrefs(min_gap_s=30)
    cues, _ = run_hr(hr, prefs=prefs)
    assert len(of(cues, "zone")) >= 10
    said = [c for c in cues if c.priority < SAFETY and c.kind != "end"]
    for a, b in zip(said, said[1:]):
        # A status cue (start, milestone) never holds a zone cue back; anything else waits.
        assert b.t_s - a.t_s >= prefs.min_gap_s or (a.kind in ("start", "milestone")
                                                    and b.kind == "zone"), (a, b)


def test_zone_cue_is_not_held_back_by_a_milestone() -> None:
    e = CueEngine(CuePrefs(settle_s=0, milestone_every_min=1, start=False))
    s = e.initial()
    out1, s = e.step(CueInput(0, True, 60.0), s)                       # "1 minute credited."
    out2, s = e.step(CueInput(5, True, 65.0, (CueEvent(5, "zone", HIGH, MODERATE, 150.0),)), s)
    assert [c.kind for c in out1] == ["milestone"] and [c.key for c in out2] == ["zone:high"]
    # ... but a milestone waits for the gap after a zone cue.
    out3, s = e.step(CueInput(10, True, 125.0), s)
    out4, s = feed(e, [CueInput(float(t), True, 125.0) for t in range(11, 40)], s)
    assert out3 == [] and [(c.kind, c.t_s) for c in out4] == [("milestone", 35.0)]


def test_newer_cue_of_same_kind_replaces_queued_one_and_repeats_are_dropped() -> None:
    e = CueEngine(CuePrefs(settle_s=0, min_gap_s=30, start=False, quiet_return_s=0))
    s = e.initial()
    zone = lambda t, v, p: CueEvent(t, "zone", v, p, 120.0)  # noqa: E731
    out, s = e.step(CueInput(0, True, 0, (zone(0, MODERATE, 0),)), s)
    assert [c.key for c in out] == ["zone:moderate"]
    out, s = e.step(CueInput(5, True, 0, (zone(5, HIGH, MODERATE),)), s)   # queued (gap)
    out2, s = e.step(CueInput(10, True, 0, (zone(10, 0, HIGH),)), s)       # replaces it
    assert out == out2 == []
    out, s = e.step(CueInput(31, True, 0), s)
    assert [(c.key, c.sound) for c in out] == [("zone:low", "down")]
    # Queued "high" replaced by a return to the announced zone: nothing is said at all.
    out, s = e.step(CueInput(40, True, 0, (zone(40, HIGH, 0),)), s)
    out2, s = e.step(CueInput(45, True, 0, (zone(45, 0, HIGH),)), s)
    out3, s = feed(e, [CueInput(t, True, 0) for t in range(46, 200)], s)
    assert out == out2 == out3 == []


# -- safety ----------------------------------------------------------------------------------------

def test_ceiling_preempts_the_gap_and_repeats_while_above() -> None:
    # Moderate at t=120 (after settle, dwell); ceiling crossed 10 s after the zone cue.
    hr = steps((108, 90), (20, 125), (150, 170), (200, 125))
    cues, _ = run_hr(hr, prefs=CuePrefs(settle_s=0))
    zone_t = of(cues, "zone")[0].t_s
    ceil = [c for c in of(cues, "ceiling") if c.key == "ceiling:above"]
    assert ceil and ceil[0].priority == SAFETY and ceil[0].sound == "ceiling"
    first = ceil[0].t_s
    assert first == 128 + CueConfig().ceiling_dwell_s          # not held back by the gap
    assert first - zone_t < CuePrefs().min_gap_s
    gaps = np.diff([c.t_s for c in ceil])
    assert len(ceil) == 3 and np.allclose(gaps, CuePrefs().ceiling_repeat_s)
    # The zone cue for "high" is superseded by "ease off"; "back below" follows promptly.
    assert "zone:high" not in [c.key for c in cues]
    below = [c for c in of(cues, "ceiling") if c.key == "ceiling:below"]
    assert len(below) == 1 and below[0].priority == ALERT and below[0].t_s < 278 + 40


def test_ceiling_repeats_stop_while_signal_invalid() -> None:
    hr = steps((60, 90), (400, 170))
    valid = np.ones(hr.size, bool)
    valid[200:400] = False
    cues, inputs = run_hr(hr, valid=valid, prefs=CuePrefs(settle_s=0))
    for c in of(cues, "ceiling"):
        assert not 200 <= c.t_s < 400


# -- signal validity ---------------------------------------------------------------------------------

def test_no_cue_while_signal_invalid_except_signal_and_battery() -> None:
    rng = np.random.default_rng(1)
    hr = steps((60, 90), (300, 125), (200, 150), (400, 120), (300, 95))
    valid = rng.random(hr.size) > 0.02
    for a, b in ((100, 160), (350, 380), (800, 900)):
        valid[a:b] = False
    cues, out = run_hr(hr, valid=valid, battery=[(370.0, 10.0)])
    valid_at = dict(zip(out.t_s.tolist(), out.valid.tolist()))
    kinds = {c.kind for c in cues}
    assert {"zone", "signal", "battery", "milestone"} <= kinds
    for c in cues:
        if c.kind not in ("signal", "battery", "end"):
            assert valid_at[c.t_s], c
    lost = [c for c in of(cues, "signal") if c.key == "signal:lost"]
    assert len(lost) >= 2


def test_signal_back_before_lost_was_spoken_says_nothing() -> None:
    e = CueEngine(CuePrefs(settle_s=0, start=False))
    s = e.initial()
    out, s = e.step(CueInput(0, True, 0, (CueEvent(0, "zone", MODERATE, -1, 120.0),)), s)
    lost = CueEvent(12, "signal", 0, 1, float("nan"))
    back = CueEvent(15, "signal", 1, 0, 120.0)
    out1, s = e.step(CueInput(12, False, 0, (lost,)), s)
    out2, s = e.step(CueInput(15, True, 0, (back,)), s)
    out3, s = feed(e, [CueInput(t, True, 0) for t in range(16, 120)], s)
    assert out1 + out2 + out3 == []


# -- totals: milestones, goal, battery, end ------------------------------------------------------------

def test_milestones_and_goal_exactly_once() -> None:
    hr = steps((60, 90), (46 * 60, 125), (600, 90))      # 46 credited minutes
    cues, _ = run_hr(hr, weekly_before=125)
    keys = [c.key for c in of(cues, "milestone")]
    assert keys == ["milestone:10", "milestone:20", "milestone:30", "milestone:40"]
    goal = of(cues, "goal")
    assert len(goal) == 1 and 60 + 25 * 60 - 1 <= goal[0].t_s <= 60 + 25 * 60
    end = of(cues, "end")[0]
    assert end.text == "Session done. 46 minutes credited; 171 of 150 this week."


def test_goal_already_reached_is_not_announced_again() -> None:
    cues, _ = run_hr(steps((60, 90), (1800, 125)), weekly_before=150)
    assert of(cues, "goal") == []


def test_goal_and_milestone_at_once_say_only_the_goal() -> None:
    cues, _ = run_hr(steps((60, 90), (1300, 125)), weekly_before=130)
    assert len(of(cues, "goal")) == 1
    assert "milestone:20" not in [c.key for c in cues]
    assert "milestone:10" in [c.key for c in cues]


def test_engine_is_robust_to_repeated_and_backward_totals() -> None:
    e = CueEngine(CuePrefs(milestone_every_min=1, start=False))
    s = e.initial()
    credited = [0, 30, 61, 50, 61, 200, 120, 200, 200]
    out, s = feed(e, [CueInput(float(i * 40), True, c) for i, c in enumerate(credited)], s)
    assert [c.key for c in out] == ["milestone:1", "milestone:3"]
    assert out[0].text == "1 minute credited."


def test_battery_low_once_below_threshold() -> None:
    e = CueEngine(CuePrefs(start=False))
    s = e.initial()
    levels = [80, 40, 16, 15, 14, 9, 30, 5]
    out, s = feed(e, [CueInput(float(i * 100), True, 0, (), lv) for i, lv in enumerate(levels)], s)
    assert [(c.key, c.t_s) for c in out] == [("battery:low", 400.0)]


def test_finish_is_final_and_without_goal_is_short() -> None:
    e = CueEngine(CuePrefs(weekly_goal_min=0))
    s = e.initial()
    _, s = e.step(CueInput(0, True, 0), s)
    _, s = e.step(CueInput(600, True, 9.9 * 60), s)
    out, s = e.finish(s)
    assert [c.text for c in out] == ["Session done. 9.9 minutes credited."]
    assert e.finish(s)[0] == [] and e.step(CueInput(700, True, 0), s)[0] == []
    one = CueEngine(CuePrefs())
    s1 = feed(one, [CueInput(0, True, 0), CueInput(90, True, 61)], one.initial(40))[1]
    assert one.finish(s1)[0][0].text == "Session done. 1 minute credited; 41 of 150 this week."


# -- switches -------------------------------------------------------------------------------------------

def everything() -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """A session that triggers every cue kind with default settings."""
    hr = steps((60, 90), (700, 125), (200, 150), (150, 170), (300, 125), (100, 95), (300, 125))
    hr = np.concatenate([hr, np.linspace(115, 133, 1500)])   # a heat drift within moderate
    valid = np.ones(hr.size, bool)
    valid[1700:1740] = False
    return hr, valid, [(100.0, 80.0), (1000.0, 12.0)]


def test_scenario_has_every_kind() -> None:
    hr, valid, battery = everything()
    cues, _ = run_hr(hr, valid=valid, battery=battery, weekly_before=130)
    assert {c.kind for c in cues} == {"start", "zone", "ceiling", "signal", "battery",
                                      "milestone", "goal", "end", "heat"}
    assert {c.key for c in of(cues, "zone")} == {"zone:low", "zone:moderate", "zone:high"}


@pytest.mark.parametrize("switch", SWITCHES)
def test_every_kind_can_be_switched_off(switch: str) -> None:
    hr, valid, battery = everything()
    on, _ = run_hr(hr, valid=valid, battery=battery, weekly_before=130)
    off, _ = run_hr(hr, valid=valid, battery=battery, weekly_before=130,
                    prefs=CuePrefs(**{switch: False}))

    def silenced(c: Cue) -> bool:
        return not CuePrefs(**{switch: False}).enabled(c.kind, c.key)

    assert any(silenced(c) for c in on)
    assert not any(silenced(c) for c in off)


def test_switched_off_zone_is_tracked_silently() -> None:
    # moderate -> low (not spoken) -> moderate again: the return to target is announced.
    hr = steps((60, 90), (200, 125), (200, 95), (200, 125))
    cues, _ = run_hr(hr, prefs=CuePrefs(zone_low=False))
    assert [c.key for c in of(cues, "zone")] == ["zone:moderate", "zone:moderate"]


# -- streaming == batch, prefs, phrases ------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8))
def test_any_split_gives_the_same_cues(cuts: list[int]) -> None:
    hr, valid, battery = everything()
    out = output(hr, valid)
    whole, s = stage.process(out, stage.initial(None, 130))
    state = stage.initial(None, 130)
    parts: list[Cue] = []
    i = 0
    for n in cuts + [len(out)]:
        c, state = stage.process(part(out, i, i + n), state)
        parts += c
        i += n
    assert parts == whole and state == s


def test_prefs_from_profile_table() -> None:
    p = CuePrefs.from_json({"voice": "en", "zone_low": False, "min_gap_s": 45})
    assert (p.language, p.zone_low, p.min_gap_s) == ("en", False, 45)
    for bad, msg in (({"shout": True}, "unknown cue setting 'shout'"),
                     ({"zone_low": "no"}, "expected true or false"),
                     ({"min_gap_s": -1}, "min_gap_s"),
                     ({"milestone_every_min": 0}, "milestone_every_min"),
                     ({"voice": "tlh"}, "no phrases")):
        with pytest.raises(ProfileError, match=msg):
            CuePrefs.from_json(bad, where="profile [cues]")
    with pytest.raises(ProfileError, match="weekly minutes"):
        CueEngine().initial(-5)


def test_every_language_has_every_phrase_with_the_same_placeholders() -> None:
    en = PHRASES["en"]
    for lang, table in PHRASES.items():
        assert set(table) == set(en), lang
        for k, text in table.items():
            assert placeholders(text) == placeholders(en[k]), (lang, k)
            assert len(text.split()) <= 12, "phrases are short"


def test_expected_texts_cover_what_the_engine_says() -> None:
    hr, valid, battery = everything()
    cues, _ = run_hr(hr, valid=valid, battery=battery, weekly_before=130)
    e = CueEngine()
    texts = set(e.expected_texts(e.initial(130)))
    assert {c.text for c in cues if c.kind != "end"} <= texts


# -- bundled recordings (simulator ground truth) --------------------------------------------------------

RECORDINGS = __import__("pathlib").Path(__file__).resolve().parents[1] / "recordings"


def true_sustained_changes(zone: np.ndarray, min_s: int = 60) -> list[tuple[int, int]]:
    """(second, new zone) where the true zone changes and both sides last >= min_s seconds;
    shorter excursions are folded into the run before them."""
    runs: list[list[int]] = []
    for k, z in enumerate(zone.tolist()):
        if runs and runs[-1][0] == z:
            runs[-1][2] = k + 1
        else:
            runs.append([z, k, k + 1])
    merged: list[list[int]] = []
    for z, a, b in runs:
        if merged and (b - a < min_s or merged[-1][0] == z):
            merged[-1][2] = b
        else:
            merged.append([z, a, b])
    return [(a, z) for z, a, _ in merged[1:]]


@pytest.mark.parametrize("name", ["noisy", "walk30", "gentle"])
def test_default_cues_follow_sustained_true_zone_changes(name: str) -> None:
    """Acceptance: on the noisy recording, <= 1 spurious zone cue per hour and a cue for every
    sustained (>= 1 min) true zone change (clean recordings checked the same way)."""
    import asyncio
    import json

    rec, truth_path = RECORDINGS / f"{name}.jsonl", RECORDINGS / f"{name}.truth.json"
    if not rec.exists() or not truth_path.exists():
        pytest.skip(f"bundled recording {rec} (and its truth file) is absent")
    from hrzone.audio.sink import CueSink
    from hrzone.loader import signal_config_for
    from hrzone.session import run_session
    from hrzone.source import ReplaySource
    from hrzone.zones import Thresholds

    truth = json.loads(truth_path.read_text())
    th = Thresholds.from_json(truth["thresholds"])
    hr = np.asarray(truth["per_second"]["hr_bpm"], float)
    true_zone = classify(hr, np.ones(hr.size, bool), th)
    changes = true_sustained_changes(true_zone)
    src = ReplaySource(rec, speed=None)
    sink = CueSink(audio="off", play=False)
    asyncio.run(run_session(src, th, signal=signal_config_for(src.header.profile), sinks=[sink]))
    zone_cues = of(sink.cues, "zone")
    settle = CuePrefs().settle_s
    unmatched = list(zone_cues)
    for t_c, z in changes:
        # Announced after dwell + hysteresis, waiting at most one minimum gap (and the settle time).
        lo, hi = t_c - 15, max(t_c, settle) + 90
        hit = [c for c in unmatched if c.key == f"zone:{ZONE[z]}" and lo <= c.t_s <= hi]
        assert hit, f"{name}: no cue for the change to {ZONE[z]} at {t_c} s; cues {zone_cues}"
        unmatched.remove(hit[0])
    hours = hr.size / 3600.0
    assert len(unmatched) / hours <= 1.0, f"{name}: spurious zone cues {unmatched}"
    assert changes, "the recording should contain sustained zone changes"


ZONE = {0: "low", 1: "moderate", 2: "high"}


# -- what the voice says --------------------------------------------------------------------------------

def zone_texts(hr: np.ndarray, prefs: CuePrefs) -> list[str]:
    cues, _ = run_hr(hr, prefs=prefs)
    return [c.text for c in of(cues, "zone")]


LOW_MOD_HIGH = steps((60, 90), (300, 125), (300, 150), (300, 125), (300, 95))


@pytest.mark.parametrize("target, expected", [
    ("moderate", ["Moderate. You can talk, not sing.", "High. Ease off if you want moderate.",
                  "Moderate again. Good.", "Low. Pick up the pace a little."]),
    ("low", ["Moderate. Ease off if you want low.", "High. Ease off if you want low.",
             "Moderate. Ease off if you want low.", "Low. You can sing."]),
    ("high", ["Moderate. Pick up the pace if you want high.", "High. Too hard to talk.",
              "Moderate. Pick up the pace if you want high.", "Low. Pick up the pace a little."]),
])
def test_zone_cues_say_where_and_what_to_do_for_each_target(target: str, expected: list[str]) -> None:
    assert zone_texts(LOW_MOD_HIGH, CuePrefs(target=target)) == expected


def test_quick_return_to_target_is_not_said_a_later_one_is_confirmed_once() -> None:
    prefs = CuePrefs()
    # moderate; high for 45 s (said), back: within quiet_return_s of the cue, so nothing.
    quick = steps((60, 90), (300, 125), (45, 155), (400, 125))
    assert zone_texts(quick, prefs) == ["Moderate. You can talk, not sing.",
                                        "High. Ease off if you want moderate."]
    # high for 3 minutes: the return is confirmed, once.
    later = steps((60, 90), (300, 125), (180, 155), (400, 125))
    assert zone_texts(later, prefs)[-1] == "Moderate again. Good."
    assert zone_texts(later, CuePrefs(quiet_return_s=0))[-1] == "Moderate again. Good."
    assert len(zone_texts(quick, CuePrefs(quiet_return_s=0))) == 3


def test_heart_rate_in_the_cue_is_a_preference() -> None:
    texts = zone_texts(LOW_MOD_HIGH, CuePrefs(say_hr=True))
    assert texts[0] == "Moderate. You can talk, not sing. Heart rate 125."
    assert texts[1] == "High. Ease off if you want moderate. Heart rate 150."
    e = CueEngine(CuePrefs(say_hr=True))
    assert not any("Heart rate" in t for t in e.expected_texts(e.initial()))


def test_target_is_read_from_the_profile_table() -> None:
    assert CuePrefs.from_json({"target": "high", "say_hr": True}).target == "high"
    with pytest.raises(ProfileError, match="target"):
        CuePrefs.from_json({"target": "vigorous"})


# -- the cue stage inside a whole live session ------------------------------------------------------------

class _Heard(Sink):
    """A sink that keeps what the session said."""

    def __init__(self) -> None:
        self.cues: list[Cue] = []

    def on_cue(self, cue: Cue) -> None:
        self.cues.append(cue)


def _live(chunks_of: list[int] | None):  # type: ignore[no-untyped-def]
    """The noisy bundled recording through a LiveSession fed in chunks of these sizes (cycled),
    or one item at a time; returns (spoken cues, summary JSON)."""
    import json

    from hrzone.loader import signal_config_for
    from hrzone.recording import read_recording
    from hrzone.session import LiveSession
    from hrzone.zones import Thresholds

    path = RECORDINGS / "noisy.jsonl"
    if not path.exists():
        pytest.skip(f"bundled recording {path} is absent")
    rec = read_recording(path)
    truth = json.loads((RECORDINGS / "noisy.truth.json").read_text())
    th = Thresholds.from_json({**truth["thresholds"], "ceiling_bpm": 150.0})
    items = sorted([*rec.notifications, *rec.events], key=lambda x: x.t_ns)
    heard = _Heard()
    live = LiveSession(rec.header, th, signal=signal_config_for(rec.header.profile),
                       sinks=[heard], cue_setup=(CuePrefs(milestone_every_min=5), 120.0))
    sizes = chunks_of or [1]
    i = k = 0
    while i < len(items):
        n = sizes[k % len(sizes)]
        live.feed_many(items[i:i + n])
        i, k = i + n, k + 1
    summary = live.finish()
    return heard.cues, summary


_ONE_BY_ONE: list = []


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=6))
def test_live_session_chunked_at_random_says_the_same(sizes: list[int]) -> None:
    if not _ONE_BY_ONE:
        _ONE_BY_ONE.append(_live(None))
    ref_cues, ref_summary = _ONE_BY_ONE[0]
    said, summary = _live(sizes)
    assert said == ref_cues
    assert summary.to_json() == ref_summary.to_json()
    kinds = {c.kind for c in said}
    assert {"start", "zone", "milestone", "end"} <= kinds


def test_spoken_end_minutes_are_the_minutes_every_screen_shows() -> None:
    from hrzone import credit
    from hrzone.cues import _number

    said, summary = _live([512])
    session = credit.shown_min(credit.credited_min(summary.moderate_s, summary.high_s))
    week = credit.shown_min(120.0 + credit.credited_min(summary.moderate_s, summary.high_s))
    assert said[-1].kind == "end"
    assert said[-1].text == (f"Session done. {_number(session)} minutes credited; "
                             f"{_number(week)} of 150 this week.")
