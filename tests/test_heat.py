"""Heat drift: the pure detector (any chunking gives the same events), and the cue on simulated
sessions with and without a drift, checked against the simulator's true heart rate."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone import cues
from hrzone.cues import Cue, CuePrefs
from hrzone.heat import HeatConfig, HeatState, detect
from hrzone.recording import Header
from hrzone.session import LiveSession, Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.simulator import load_plan, simulate
from hrzone.simulator.plan import Plan
from hrzone.zones import MODERATE

CONFIG = HeatConfig()
HEAT_TEXT = "Your pulse is creeping up. Time to cool down and drink."


def ramp_output(n: int, rise_per_min: float, seed: int = 0, gaps: tuple[int, ...] = ()) -> Output:
    """1 Hz output at a steady zone with HR rising linearly (+ noise); invalid seconds at gaps."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    hr = 110 + rise_per_min * t / 60 + rng.normal(0, 2, n)
    valid = np.ones(n, bool)
    for g in gaps:
        valid[g:g + 45] = False
    zone = np.full(n, MODERATE, np.int8)
    z = np.zeros(n)
    return Output(t, np.where(valid, hr, np.nan), valid, z.astype(np.int8), z.astype(bool),
                  valid.astype(float), zone, zone)


def piece(out: Output, a: int, b: int) -> Output:
    return Output(out.t_s[a:b], out.hr_bpm[a:b], out.valid[a:b], out.status[a:b],
                  out.source_rr[a:b], out.credit_s[a:b], out.intensity[a:b], out.zone[a:b])


def test_a_steady_rise_gives_events_at_most_every_ten_minutes() -> None:
    out = ramp_output(3600, 0.8)            # 16 bpm per 20 minutes, steady zone
    events, _ = detect(out, HeatState(), CONFIG)
    assert events and all(e.kind == "heat" for e in events)
    assert events[0].t_s >= 20 * 60          # needs a whole 20-minute window
    assert all(b.t_s - a.t_s >= 600 for a, b in zip(events, events[1:]))
    assert events[0].value >= CONFIG.drift_bpm


def test_no_event_without_drift_or_below_the_amount() -> None:
    assert detect(ramp_output(3600, 0.0), HeatState(), CONFIG)[0] == []
    assert detect(ramp_output(3600, 0.3), HeatState(), CONFIG)[0] == []     # 6 bpm / 20 min
    assert detect(ramp_output(3600, 0.3), HeatState(), HeatConfig(drift_bpm=4))[0] != []


def test_a_step_change_of_pace_or_a_zone_change_is_not_a_drift() -> None:
    out = ramp_output(3000, 0.0)
    hr = out.hr_bpm.copy()
    hr[1500:] += 15                          # the person sped up: one step, not a drift
    assert detect(replace(out, hr_bpm=hr), HeatState(), CONFIG)[0] == []
    out = ramp_output(3000, 0.8)
    zone = out.zone.copy()
    zone[1400:1500] = MODERATE + 1           # a zone change inside every window
    events = detect(replace(out, zone=zone), HeatState(), CONFIG)[0]
    # no window (the 20 minutes before an event) holds the zone change (minutes 23-24)
    assert events and all(e.t_s <= 23 * 60 or e.t_s >= 25 * 60 + 20 * 60 for e in events)
    assert [e.t_s for e in events] != [e.t_s for e in detect(out, HeatState(), CONFIG)[0]]


def test_a_gap_restarts_the_window() -> None:
    out = ramp_output(3000, 0.8, gaps=(1500,))
    events, _ = detect(out, HeatState(), CONFIG)
    # minute 25 has too few valid seconds: no window holds it, later ones count again
    assert all(not 25 * 60 < e.t_s < 26 * 60 + 20 * 60 for e in events)
    assert any(e.t_s >= 26 * 60 + 20 * 60 for e in events)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(1, 3599), max_size=12), seed=st.integers(0, 3))
def test_any_chunking_gives_the_same_events_and_state(cuts: list[int], seed: int) -> None:
    out = ramp_output(3600, 0.7, seed, gaps=(900,))
    whole, s_whole = detect(out, HeatState(), CONFIG)
    bounds = [0, *sorted(set(cuts)), 3600]
    got, s = [], HeatState()
    for a, b in zip(bounds, bounds[1:]):
        ev, s = detect(piece(out, a, b), s, CONFIG)
        got += ev
    assert got == whole and s == s_whole


# -- simulated sessions, ground truth from the simulator's true heart rate --------------------

class Spoken(Sink):
    """What the live panel shows as the last cue: every cue handed to the sinks."""

    def __init__(self) -> None:
        self.cues: list[Cue] = []

    def on_cue(self, cue: object) -> None:
        assert isinstance(cue, Cue)
        self.cues.append(cue)


STEADY_FROM_MIN = load_plan("hot45").segments[0].duration_s // 60   # the constant workload


@lru_cache(maxsize=None)
def session(heat_bpm_per_h: float) -> tuple[list[Cue], np.ndarray]:
    """hot45 with this heat strain, through LiveSession (core + cue stage + sinks)."""
    plan: Plan = load_plan("hot45")
    plan = replace(plan, physiology=replace(plan.physiology, heat_bpm_per_h=heat_bpm_per_h))
    sim = simulate(plan, seed=3)
    sink = Spoken()
    live = LiveSession(Header(created=sim.header.created), plan.person.thresholds(), sinks=[sink])
    live.feed_many(list(sim.notifications))
    live.finish()
    return sink.cues, sim.truth.hr_bpm


def true_first_drift(hr_true: np.ndarray, window_min: int = 20, block: int = 3,
                     amount: float = 10.0) -> float | None:
    """Earliest end of a window (s) at the plan's constant workload whose true last-3-min mean
    exceeds its first-3-min mean by `amount` (on the simulator's true heart rate)."""
    m = hr_true[: hr_true.size // 60 * 60].reshape(-1, 60).mean(axis=1)
    for end in range(STEADY_FROM_MIN + window_min, m.size + 1):
        w = m[end - window_min:end]
        if w[-block:].mean() - w[:block].mean() >= amount:
            return end * 60.0
    return None


def test_drifting_session_gets_one_calm_cue_when_the_true_drift_is_there() -> None:
    said, truth = session(30.0)
    heat = [c for c in said if c.kind == "heat"]
    t_true = true_first_drift(truth)
    assert t_true is not None and heat
    assert heat[0].text == HEAT_TEXT
    assert t_true - 120 <= heat[0].t_s <= t_true + 300
    assert all(b.t_s - a.t_s >= 600 - 60 for a, b in zip(heat, heat[1:]))


def test_steady_session_without_drift_gets_no_heat_cue() -> None:
    said, truth = session(0.0)
    assert true_first_drift(truth) is None
    assert [c for c in said if c.kind == "heat"] == []
    assert [c for c in said if c.kind == "zone"]    # the session did speak otherwise


def test_heat_cue_can_be_switched_off_and_tuned() -> None:
    out, _ = pipeline.run(simulate(load_plan("hot45"), seed=3).series(),
                          pipeline.initial(load_plan("hot45").person.thresholds()))
    said_on = cues.process(out, cues.initial(CuePrefs()))[0]
    said_off = cues.process(out, cues.initial(CuePrefs(heat=False)))[0]
    said_big = cues.process(out, cues.initial(CuePrefs(heat_drift_bpm=40)))[0]
    assert [c for c in said_on if c.kind == "heat"]
    assert not [c for c in said_off if c.kind == "heat"]
    assert not [c for c in said_big if c.kind == "heat"]
