"""The workout simulator: plans, physiology, artefacts, ground truth, bundled recordings."""

from __future__ import annotations

import importlib.util
import json
import stat
import time
from copy import deepcopy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.errors import PlanError, RecordingFormatError
from hrzone.hrm import parse_measurement
from hrzone.recording import read_recording
from hrzone.simulator import (
    BUILTIN_PLANS,
    DEFAULT_START,
    load_plan,
    parse_plan,
    read_truth,
    simulate,
    write_simulation,
)
from hrzone.zones import classify

REPO = Path(__file__).resolve().parents[1]
RECORDINGS = REPO / "recordings"

ALL_ARTIFACTS: dict[str, Any] = {
    "dry_start_s": [20, 40], "dry_spike_frac": 0.7,
    "contact_loss": {"count": 2, "min_s": 15, "max_s": 30},
    "dropout": {"count": 1, "min_s": 10, "max_s": 20},
    "stale": {"count": 1, "min_s": 10, "max_s": 20},
    "ectopic_per_min": 0.5, "missed_per_min": 0.3, "extra_per_min": 0.3,
}


def small_plan(artifacts: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    """A 10-minute plan as a plan-file document (low -> moderate -> high -> low)."""
    doc: dict[str, Any] = {
        "name": "small", "person": {"rest_bpm": 60, "max_bpm": 180},
        "segments": [{"duration_s": 120, "workload": 0.2}, {"duration_s": 180, "workload": 0.5},
                     {"duration_s": 150, "workload": 0.75}, {"duration_s": 150, "workload": "rest"}],
    }
    if artifacts is not None:
        doc["artifacts"] = artifacts
    doc.update(over)
    return doc


def decoded(result):
    return [parse_measurement(n.payload) for n in result.notifications]


# --- plans -----------------------------------------------------------------------------------


def test_builtin_plans_round_trip_through_the_file_format() -> None:
    assert set(BUILTIN_PLANS) == {"walk30", "intervals", "gentle", "noisy", "ride2h", "hot45"}
    for name, plan in BUILTIN_PLANS.items():
        assert parse_plan(json.loads(json.dumps(plan.to_json())), "x") == plan
        assert load_plan(name) is plan


def test_builtin_plan_lengths_and_intensity_mix() -> None:
    got = {}
    for name in ("walk30", "intervals", "gentle", "ride2h"):
        t = simulate(load_plan(name), 1).truth.totals()
        got[name] = t
    assert BUILTIN_PLANS["ride2h"].duration_s == 7200
    assert BUILTIN_PLANS["walk30"].duration_s == 1800
    assert got["walk30"]["moderate_s"] > 0.7 * 1800 and got["walk30"]["high_s"] == 0
    assert got["intervals"]["high_s"] > 6 * 60  # six 2-minute hard efforts mostly high
    assert got["gentle"]["high_s"] == 0 and 0 < got["gentle"]["moderate_s"] < 0.4 * 1800
    assert got["ride2h"]["high_s"] > 15 * 60 and got["ride2h"]["moderate_s"] > 45 * 60


def test_plan_from_toml_and_json_files(tmp_path: Path) -> None:
    toml = tmp_path / "p.toml"
    toml.write_text('name = "t"\n[person]\nrest_bpm = 60\nage = 40\n'
                    '[[segments]]\nduration_s = 60\nworkload = "rest"\n'
                    '[[segments]]\nduration_s = 90\nworkload = 0.3\nend_workload = 0.6\n')
    plan = load_plan(str(toml))
    assert plan.duration_s == 150 and plan.segments[0].workload == 0.0
    assert plan.segments[1].end_workload == 0.6
    js = tmp_path / "p.json"
    js.write_text(json.dumps(plan.to_json()))
    assert load_plan(js) == plan


BAD_PLANS = [
    ({"bogus": 1}, "'bogus'"),
    ({"person": {"rest_bpm": 60}}, "'person.max_bpm'"),
    ({"person": {"rest_bpm": "sixty", "max_bpm": 180}}, "'person.rest_bpm'"),
    ({"person": {"rest_bpm": 60, "max_bpm": 180, "colour": "red"}}, "'person.colour'"),
    ({"person": {"rest_bpm": 60, "max_bpm": 180, "method": "bpm"}}, "'person'"),
    ({"segments": []}, "'segments'"),
    ({"segments": [{"duration_s": 60}]}, "'segments[0].workload'"),
    ({"segments": [{"duration_s": 60, "workload": 1.5}]}, "'segments[0].workload'"),
    ({"segments": [{"duration_s": 6.5, "workload": 0.5}]}, "'segments[0].duration_s'"),
    ({"segments": [{"duration_s": 5, "workload": 0.5}]}, "session length"),
    ({"artifacts": {"dropout": {"count": 1, "min_s": 30, "max_s": 10}}}, "'artifacts.dropout.min_s'"),
    ({"artifacts": {"contact_loss_hr": "maybe"}}, "'artifacts.contact_loss_hr'"),
    ({"physiology": {"tau_on_s": 0}}, "'physiology.tau_on_s'"),
    ({"device": {"rr": "yes"}}, "'device.rr'"),
]


@pytest.mark.parametrize(("change", "needle"), BAD_PLANS)
def test_bad_plan_file_names_file_and_key(tmp_path: Path, change: dict[str, Any], needle: str) -> None:
    doc = small_plan()
    doc.update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(PlanError) as e:
        load_plan(path)
    msg = str(e.value)
    assert str(path) in msg and needle in msg and "\n" not in msg


@pytest.mark.parametrize(("name", "text", "needle"), [
    ("broken.toml", "name = [", "not valid TOML"),
    ("broken.json", "{\"name\": ", "not valid JSON"),
    ("missing.toml", None, "no such plan file"),
])
def test_unreadable_plan_files(tmp_path: Path, name: str, text: str | None, needle: str) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(PlanError, match=needle):
        load_plan(str(path))


def test_unknown_plan_name_lists_builtins() -> None:
    with pytest.raises(PlanError, match="walk30"):
        load_plan("no-such-plan")


_json = st.recursive(st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats(allow_nan=True)
                     | st.text(max_size=5),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                     max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(["person", "segments", "artifacts", "physiology", "device", "name",
                            "repeat_to_s"]), value=_json)
def test_plan_parser_fuzz_raises_only_plan_error(key: str, value: Any) -> None:
    doc = small_plan()
    doc[key] = value
    try:
        plan = parse_plan(doc, "fuzz.json")
    except PlanError as e:
        assert str(e).startswith("fuzz.json")
    else:
        assert plan.duration_s >= 10


def test_too_many_artifacts_for_a_short_plan() -> None:
    doc = small_plan({"contact_loss": {"count": 20, "min_s": 60, "max_s": 60}})
    with pytest.raises(PlanError, match="cannot fit"):
        simulate(parse_plan(doc, "x"), 0)


# --- determinism -----------------------------------------------------------------------------


def test_same_plan_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    plan = parse_plan(small_plan(ALL_ARTIFACTS), "x")
    paths = []
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        paths.append(write_simulation(simulate(plan, 7, DEFAULT_START), tmp_path / d / "s.jsonl"))
    for pa, pb in zip(*paths):
        assert pa.read_bytes() == pb.read_bytes()
    other = simulate(plan, 8, DEFAULT_START)
    assert [n.payload for n in other.notifications] != [
        n.payload for n in simulate(plan, 7, DEFAULT_START).notifications]


def test_artifacts_do_not_change_the_heart() -> None:
    plan = parse_plan(small_plan(ALL_ARTIFACTS), "x")
    noisy = simulate(plan, 3)
    clean = simulate(plan.without_artifacts(), 3)
    assert np.array_equal(noisy.truth.hr_bpm, clean.truth.hr_bpm)
    assert clean.truth.artifacts == [] and clean.truth.observable.all()


def test_start_sets_wall_clock_and_header() -> None:
    start = datetime(2025, 3, 1, 6, 0, 0, 250000, tzinfo=timezone.utc)
    r = simulate(parse_plan(small_plan(), "x"), 1, start)
    assert r.header.created == "2025-03-01T06:00:00.250+00:00"
    assert r.header.source == "simulator" and r.header.extra == {"plan": "small", "seed": 1}
    assert r.header.device == {"name": "hrzone simulator", "model": "virtual"}
    assert r.header.thresholds == parse_plan(small_plan(), "x").person.thresholds().to_json()
    start_ns = 1740808800_250_000_000
    assert all(n.wall_ns == start_ns + n.t_ns for n in r.notifications)


# --- physiology ------------------------------------------------------------------------------


def _fit_tau(hr: np.ndarray, t0: int, t1: int) -> float:
    """Time constant of an exponential approach in hr[t0:t1] (final value = last 60 s mean)."""
    seg = hr[t0:t1]
    final = seg[-60:].mean()
    r = (seg - final) / (seg[0] - final)
    k = np.arange(seg.shape[0]) + 0.5
    use = (r > 0.1) & (k < 150)
    use &= np.cumsum(~use) == 0  # only the first, uninterrupted stretch
    slope = np.polyfit(k[use], np.log(r[use]), 1)[0]
    return -1.0 / slope


@pytest.mark.parametrize(("tau_on", "tau_off", "hrv"), [(30, 50, 0.0), (30, 50, 1.0), (20, 60, 1.0)])
def test_kinetics_time_constants(tau_on: float, tau_off: float, hrv: float) -> None:
    doc = small_plan(physiology={"tau_on_s": tau_on, "tau_off_s": tau_off, "drift_bpm_per_h": 0,
                                 "hrv": hrv},
                     segments=[{"duration_s": 200, "workload": 0.1},
                               {"duration_s": 400, "workload": 0.7},
                               {"duration_s": 500, "workload": 0.1}])
    hr = simulate(parse_plan(doc, "x"), 5).truth.hr_bpm
    on, off = _fit_tau(hr, 200, 600), _fit_tau(hr, 600, 1100)
    assert on == pytest.approx(tau_on, rel=0.2)
    assert off == pytest.approx(tau_off, rel=0.2)


def test_drift_raises_hr_during_long_effort() -> None:
    segs = [{"duration_s": 3600, "workload": 0.5}]
    hr = {d: simulate(parse_plan(small_plan(segments=segs, physiology={"drift_bpm_per_h": d}),
                                 "x"), 2).truth.hr_bpm for d in (0, 20)}
    gain = hr[20][-300:].mean() - hr[0][-300:].mean()
    # D' = 20/3600 * w - D/3600 with w = 0.5: D(t) = 10 * (1 - exp(-t / 3600)), t ~ 3450 s
    assert gain == pytest.approx(10 * (1 - np.exp(-3450 / 3600)), rel=0.15)
    assert abs(hr[20][300:600].mean() - hr[0][300:600].mean()) < gain / 3


def test_rr_is_consistent_with_true_hr_and_continuous() -> None:
    r = simulate(parse_plan(small_plan(), "x"), 11)
    s = r.series()
    rr_s = s.rr_ms / 1000.0
    # no beat is lost on a clean strap: RR add up to the session length
    assert abs(rr_s.sum() - r.plan.duration_s) < 2.0
    # beat-count HR per minute equals the true HR per minute
    beat_t = np.cumsum(rr_s) + (r.plan.duration_s - rr_s.sum())
    per_min = np.histogram(beat_t, bins=np.arange(0, r.plan.duration_s + 1, 60))[0]
    true_min = r.truth.hr_bpm.reshape(-1, 60).mean(axis=1)
    assert np.abs(per_min - true_min).max() < 3.0
    # the strap HR field follows the RR (mean of the last 4 beats)
    hr_field = s.hr_bpm[10:]
    true_at = r.truth.hr_bpm[np.minimum(s.t_s[10:].astype(int) - 1, r.plan.duration_s - 1)]
    assert np.median(np.abs(hr_field - true_at)) < 4.0


def test_hrv_is_larger_at_rest_than_at_high_hr() -> None:
    r = simulate(parse_plan(small_plan(), "x"), 4)
    s = r.series()
    off = s.rr_offsets()
    def rmssd(t0: float, t1: float) -> float:
        i0, i1 = np.searchsorted(s.t_s, [t0, t1])
        rr = s.rr_ms[off[i0]:off[i1]]
        return float(np.sqrt(np.mean(np.diff(rr) ** 2)))
    assert rmssd(30, 110) > 3 * rmssd(350, 440)


# --- the virtual strap -----------------------------------------------------------------------


def test_notifications_parse_with_0_to_3_rr_at_about_1_hz() -> None:
    r = simulate(parse_plan(small_plan(), "x"), 9)
    ms = decoded(r)
    assert len(ms) == r.plan.duration_s
    assert {len(m.rr_intervals) for m in ms} <= {0, 1, 2, 3}
    assert all(m.sensor_contact is True for m in ms)
    t = np.array([n.t_ns for n in r.notifications]) / 1e9
    assert np.all(np.diff(t) > 0.8) and np.all(np.diff(t) < 1.2)
    assert abs(t[0] - 1.0) <= 0.08


def test_fast_heart_keeps_at_most_three_rr_and_loses_no_beat_below_180() -> None:
    doc = small_plan(person={"rest_bpm": 60, "max_bpm": 200},
                     physiology={"drift_bpm_per_h": 0, "tau_on_s": 5},
                     segments=[{"duration_s": 300, "workload": 0.82}],  # ~175 bpm
                     device={"jitter_ms": 200})
    r = simulate(parse_plan(doc, "x"), 1)
    ms = decoded(r)
    counts = [len(m.rr_intervals) for m in ms]
    assert max(counts) == 3
    assert abs(sum(sum(m.rr_intervals) for m in ms) / 1024 - 300) < 2.0
    # a heart above 180 bpm outruns 3 RR per second: the strap loses some, never sends 4
    doc["segments"] = [{"duration_s": 300, "workload": 0.97}]
    ms = decoded(simulate(parse_plan(doc, "x"), 1))
    assert max(len(m.rr_intervals) for m in ms) == 3


def test_contact_unsupported_and_no_rr_device() -> None:
    doc = small_plan(device={"contact_supported": False, "rr": False, "hr_beats": 2})
    ms = decoded(simulate(parse_plan(doc, "x"), 1))
    assert all(m.sensor_contact is None and m.rr_intervals == () for m in ms)
    assert all(40 < m.heart_rate < 200 for m in ms)


@pytest.fixture(scope="module")
def noisy() -> Any:
    plan = parse_plan(small_plan(ALL_ARTIFACTS, segments=[
        {"duration_s": 300, "workload": 0.3}, {"duration_s": 600, "workload": 0.55},
        {"duration_s": 300, "workload": 0.8}]), "x")
    return simulate(plan, 21), simulate(plan.without_artifacts(), 21)


def _by_kind(result: Any, kind: str) -> list[dict[str, Any]]:
    return [a for a in result.truth.artifacts if a["kind"] == kind]


def test_every_requested_artifact_is_present(noisy: Any) -> None:
    r, _ = noisy
    kinds = [a["kind"] for a in r.truth.artifacts]
    for k in ("dry_strap", "contact_loss", "dropout", "stale", "ectopic", "missed", "extra"):
        assert k in kinds
    assert kinds.count("contact_loss") == 2


def test_episodes_in_recording_and_truth(noisy: Any) -> None:
    r, _ = noisy
    t = np.array([n.t_ns for n in r.notifications]) / 1e9
    ms = decoded(r)
    covered = np.zeros(len(ms), bool)
    for ep in _by_kind(r, "contact_loss") + _by_kind(r, "stale") + _by_kind(r, "dropout"):
        a, b = ep["start_s"], ep["end_s"]
        assert not r.truth.observable[a:b].any() and (r.truth.intensity[a:b] == -1).all()
        assert r.truth.observable[a - 1] and r.truth.observable[b]
        inside = (t >= ep["t_first_s"] - 1e-3) & (t <= ep["t_last_s"] + 1e-3)
        covered |= inside
        if ep["kind"] == "dropout":
            assert not inside.any()
            before, after = t[t < ep["t_first_s"]][-1], t[t > ep["t_last_s"]][0]
            assert after - before >= (b - a) + 1 - 0.2  # a real silence in t
            continue
        sel = [m for m, i in zip(ms, inside) if i]
        assert len(sel) == b - a
        assert all(m.rr_intervals == () for m in sel)
        if ep["kind"] == "contact_loss":
            assert all(m.sensor_contact is False for m in sel)
            assert all(m.heart_rate == 0 for m in sel) or ep["hr"] == "hold"
        else:
            assert all(m.sensor_contact is True and m.heart_rate == ep["hr_bpm"] for m in sel)
    assert all(m.sensor_contact is True for m, c in zip(ms, covered) if not c)
    n_unobs = sum(ep["end_s"] - ep["start_s"] for ep in r.truth.artifacts if "end_s" in ep
                  and ep["kind"] != "dry_strap")
    assert int((~r.truth.observable).sum()) == n_unobs


def test_dry_strap_spikes_hr_field_but_keeps_true_rr(noisy: Any) -> None:
    r, clean = noisy
    (dry,) = _by_kind(r, "dry_strap")
    assert 20 <= dry["end_s"] <= 40 and dry["spike_t_s"]
    assert r.truth.observable[: dry["end_s"]].all()
    by_t = {round(n.t_ns / 1e9, 3): parse_measurement(n.payload) for n in r.notifications}
    clean_by_t = {round(n.t_ns / 1e9, 3): parse_measurement(n.payload) for n in clean.notifications}
    for ts in dry["spike_t_s"]:
        m = by_t[ts]
        assert 150 <= m.heart_rate <= 220 and r.truth.hr_bpm[int(ts) - 1] < 110
        assert m.rr_intervals == clean_by_t[ts].rr_intervals


def _rr_with_time(result: Any) -> tuple[list[int], np.ndarray]:
    ms, ts, rr = decoded(result), [], []
    for n, m in zip(result.notifications, ms):
        rr += list(m.rr_intervals)
        ts += [n.t_ns / 1e9] * len(m.rr_intervals)
    return rr, np.array(ts)


def test_beat_artifacts_in_recording_at_stated_times(noisy: Any) -> None:
    r, clean = noisy
    rr, ts = _rr_with_time(r)
    crr, cts = _rr_with_time(clean)
    for art in _by_kind(r, "ectopic") + _by_kind(r, "missed") + _by_kind(r, "extra"):
        want = art["rr_1024"]
        hits = [i for i in range(len(rr) - len(want) + 1) if rr[i:i + len(want)] == want
                and 0 <= ts[i] - art["t_s"] <= 3.5]
        assert hits, art
        assert sum(want) == sum(art["clean_rr_1024"])
        chits = [i for i in range(len(crr) - 1) if crr[i:i + len(art["clean_rr_1024"])]
                 == art["clean_rr_1024"] and abs(cts[i] - art["t_s"]) <= 3.5]
        assert chits, art
        if art["kind"] == "ectopic":
            short, long_ = want
            c0 = art["clean_rr_1024"][0]
            assert 0.14 * c0 <= c0 - short <= 0.41 * c0 and long_ - art["clean_rr_1024"][1] == c0 - short


def test_truth_totals_add_up(noisy: Any) -> None:
    for r in noisy:
        tr = r.truth
        tot = tr.totals()
        assert tot["low_s"] + tot["moderate_s"] + tot["high_s"] == tot["observable_s"]
        assert tot["credited_min"] == pytest.approx(tot["moderate_min"] + 2 * tot["vigorous_min"],
                                                    abs=1e-3)
        assert np.array_equal(tr.intensity, classify(tr.hr_bpm, tr.observable, tr.thresholds))
        assert tot["all_time"]["credited_min"] >= tot["credited_min"]
    assert noisy[0].truth.totals()["observable_s"] < noisy[1].truth.totals()["observable_s"]


def test_repeat_to_24h_scales_episodes() -> None:
    plan = load_plan("noisy").repeated(24 * 3600)
    r = simulate(plan, 1)  # its speed is measured by bench/bench_pipeline.py, not here
    assert r.truth.hr_bpm.shape == (86400,)
    assert len(_by_kind(r, "dropout")) == 2 * 36 and len(_by_kind(r, "dry_strap")) == 1
    assert r.notifications[-1].t_ns / 1e9 == pytest.approx(86400, abs=0.2)


# --- files -----------------------------------------------------------------------------------


def test_write_simulation_files(tmp_path: Path) -> None:
    r = simulate(parse_plan(small_plan(ALL_ARTIFACTS), "x"), 2)
    rec, truth = write_simulation(r, tmp_path / "s.jsonl")
    assert truth.name == "s.truth.json"
    for p in (rec, truth):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    back = read_recording(rec)
    assert [n.payload for n in back.notifications] == [n.payload for n in r.notifications]
    assert back.header.extra == {"plan": "small", "seed": 2}
    doc = read_truth(truth)
    assert doc["recording"] == "s.jsonl" and doc["totals"] == r.truth.totals()
    assert len(doc["per_second"]["hr_bpm"]) == r.plan.duration_s
    assert parse_plan(doc["plan"], "truth") == r.plan
    with pytest.raises(RecordingFormatError, match="already exists"):
        write_simulation(r, rec)
    write_simulation(r, rec, overwrite=True)


def _make_recordings_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_recordings", RECORDINGS / "make_recordings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundled_recordings_are_current_and_small() -> None:
    mod = _make_recordings_module()
    assert mod.stale_files() == [], "run python recordings/make_recordings.py"
    for name in mod.BUNDLE:
        rec = RECORDINGS / f"{name}.jsonl"
        assert rec.stat().st_size < 700 * 1024
        truth = read_truth(RECORDINGS / f"{name}.truth.json")
        assert truth["plan"]["name"] == name
        assert read_recording(rec).header.source == "simulator"
    assert {a["kind"] for a in read_truth(RECORDINGS / "noisy.truth.json")["artifacts"]} == {
        "dry_strap", "contact_loss", "dropout", "stale", "ectopic", "missed", "extra"}


def test_plan_to_json_is_a_copy() -> None:
    plan = load_plan("walk30")
    doc = plan.to_json()
    doc2 = deepcopy(doc)
    doc["segments"][0]["workload"] = 0.9
    assert plan.to_json() == doc2


def test_simulator_source_yields_the_notifications_in_time() -> None:
    import asyncio

    from hrzone.simulator.source import SimulatorSource

    r = simulate(parse_plan(small_plan(segments=[{"duration_s": 20, "workload": 0.3}]), "x"), 1)
    src = SimulatorSource(r, speed=200.0)

    async def collect() -> tuple[list[Any], float]:
        t0 = time.monotonic()
        got = [item async for item in src.items()]
        return got, time.monotonic() - t0

    got, took = asyncio.run(collect())
    assert got == r.notifications and src.header is r.header
    assert 0.08 <= took < 2.0  # 20 s of session at 200x
    with pytest.raises(ValueError):
        SimulatorSource(r, speed=0)


@settings(max_examples=25, deadline=None)
@given(
    segs=st.lists(st.tuples(st.integers(20, 200), st.floats(0, 1)), min_size=1, max_size=3),
    rest=st.integers(30, 100), max_hr=st.integers(140, 220), seed=st.integers(0, 2**32 - 1),
    episodes=st.integers(0, 2), rate=st.sampled_from([0.0, 0.5, 3.0]),
    dry=st.integers(0, 60), contact=st.booleans(), hr_beats=st.integers(1, 8),
)
def test_any_valid_plan_gives_a_parseable_consistent_session(
        segs: list[tuple[int, float]], rest: int, max_hr: int, seed: int, episodes: int,
        rate: float, dry: int, contact: bool, hr_beats: int) -> None:
    doc = small_plan(
        {"dry_start_s": dry, "dropout": {"count": episodes, "min_s": 5, "max_s": 15},
         "contact_loss": {"count": episodes, "min_s": 5, "max_s": 15},
         "ectopic_per_min": rate, "missed_per_min": rate, "extra_per_min": rate},
        person={"rest_bpm": rest, "max_bpm": max_hr},
        segments=[{"duration_s": d, "workload": w} for d, w in segs],
        device={"contact_supported": contact, "hr_beats": hr_beats})
    try:
        r = simulate(parse_plan(doc, "x"), seed)
    except PlanError as e:
        assert "cannot fit" in str(e) or "too many beat artefacts" in str(e)
        return
    ms = decoded(r)
    assert all(len(m.rr_intervals) <= 3 and 0 <= m.heart_rate <= 255 for m in ms)
    assert all(m.sensor_contact is None for m in ms) or contact
    t = [n.t_ns for n in r.notifications]
    assert t == sorted(t) and len(set(t)) == len(t)
    tot = r.truth.totals()
    assert tot["low_s"] + tot["moderate_s"] + tot["high_s"] == tot["observable_s"]
    assert np.all((r.truth.hr_bpm > rest - 15) & (r.truth.hr_bpm < max_hr + 5))
