"""Tests of the causal RR artefact corrector (hrzone/signal/rr.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.signal import rr_eval
from hrzone.signal.rr import (ECTOPIC, EXTRA, LONGSHORT, MISSED, NORMAL, RRConfig, RROutput,
                              correct_rr, correct_rr_batch, finish_rr, rr_initial)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent (it sits beside the checkout)")
    return REALDATA


def _clean(n: int = 120, level: float = 800.0, seed: int = 1) -> np.ndarray:
    """A plausible clean series: slow oscillation plus beat-to-beat jitter (ms)."""
    rng = np.random.default_rng(seed)
    return level + 25.0 * np.sin(np.arange(n) / 6.0) + rng.normal(0.0, 4.0, n)


def _hr(out: RROutput) -> float:
    return 60000.0 * out.nbeats.sum() / out.dur_ms.sum()


def _same(a: RROutput, b: RROutput) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
               and getattr(a, f).dtype == getattr(b, f).dtype for f in RROutput.__slots__)


def test_clean_series_is_all_normal_and_hr_is_exact() -> None:
    rr = _clean()
    out = correct_rr_batch(rr)
    assert len(out) == rr.size and (out.label == NORMAL).all()
    assert np.array_equal(out.dur_ms, rr) and (out.nbeats == 1).all()
    assert np.array_equal(out.index, np.arange(rr.size))
    assert np.array_equal(out.corrected_rr(), rr)


def test_missed_beat() -> None:
    rr = _clean()
    bad = np.concatenate([rr[:60], [rr[60] + rr[61]], rr[62:]])
    out = correct_rr_batch(bad)
    assert np.flatnonzero(out.label).tolist() == [60] and out.label[60] == MISSED
    assert out.nbeats[60] == 2 and out.dur_ms[60] == bad[60]
    assert _hr(out) == pytest.approx(60000 * rr.size / rr.sum())
    fixed = out.corrected_rr()
    assert fixed.size == rr.size and fixed[60] == fixed[61] == bad[60] / 2


@pytest.mark.parametrize("frac", [0.5, 0.25])  # 0.25: the first part is < 250 ms
def test_extra_beat(frac: float) -> None:
    rr = _clean()
    bad = np.concatenate([rr[:60], [rr[60] * frac, rr[60] * (1 - frac)], rr[61:]])
    out = correct_rr_batch(bad)
    flagged = np.flatnonzero(out.label)
    assert flagged.tolist() == [60] and out.label[60] == EXTRA and out.nbeats[60] == 0
    assert out.label[61] == NORMAL and out.nbeats.sum() == rr.size
    assert _hr(out) == pytest.approx(60000 * rr.size / rr.sum())
    assert np.allclose(out.corrected_rr(), rr)


def test_extra_beat_with_short_second_part() -> None:
    # 600 + 200 ms: the implausible 200 ms part is merged forward (with the next beat, the
    # only causal choice), which leaves an ectopic-like short-long pair: time and beat count
    # are still right.
    rr = _clean()
    bad = np.concatenate([rr[:60], [rr[60] * 0.75, rr[60] * 0.25], rr[61:]])
    out = correct_rr_batch(bad)
    assert out.label[61] == EXTRA and out.nbeats[61] == 0
    assert np.flatnonzero(out.label).tolist() == [60, 61, 62]
    assert out.nbeats.sum() == rr.size
    assert _hr(out) == pytest.approx(60000 * rr.size / rr.sum())


def test_ectopic_beat() -> None:
    rr = _clean()
    bad = rr.copy()
    bad[60] -= 240.0  # premature beat
    bad[61] += 240.0  # compensatory pause
    out = correct_rr_batch(bad)
    assert np.flatnonzero(out.label).tolist() == [60, 61]
    assert (out.label[60:62] == ECTOPIC).all()
    assert np.array_equal(out.dur_ms, bad)  # elapsed time is real: HR unchanged
    fixed = out.corrected_rr()
    assert abs(fixed[60] - 800) < 40 and abs(fixed[61] - 800) < 40


def test_long_beat_is_replaced_by_the_local_median() -> None:
    rr = _clean()
    bad = rr.copy()
    bad[60] = 1250.0  # too long for the level, not twice it
    out = correct_rr_batch(bad)
    assert out.label[60] == LONGSHORT and np.count_nonzero(out.label) == 1
    assert abs(out.dur_ms[60] - 800) < 40 and out.dur_ms[60] == out.ref_ms[60]


def test_implausible_beats_are_longshort_and_left_out_of_the_windows() -> None:
    rr = _clean()
    bad = np.concatenate([rr[:60], [3000.0, math.nan], rr[60:]])
    out = correct_rr_batch(bad)
    assert out.label[60] == out.label[61] == LONGSHORT
    assert np.count_nonzero(out.label) == 2
    assert out.dur_ms[60] == out.ref_ms[59] and out.nbeats[60] == 1
    # The other beats are decided exactly as without the implausible ones.
    ref = correct_rr_batch(rr)
    keep = np.r_[0:60, 62:bad.size]
    assert np.array_equal(out.ref_ms[keep], ref.ref_ms)


def test_implausible_at_segment_start_has_no_duration() -> None:
    out = correct_rr_batch(np.concatenate([[5000.0], _clean(30)]))
    assert out.label[0] == LONGSHORT and out.dur_ms[0] == 0.0 and out.nbeats[0] == 0


def test_empty_input() -> None:
    st0 = rr_initial()
    out, st1 = correct_rr(np.zeros(0), st0)
    assert len(out) == 0 and st1 == st0
    assert out.index.dtype == np.int64 and out.label.dtype == np.int8
    out, _ = finish_rr(st0)
    assert len(out) == 0
    batch = correct_rr_batch([])
    assert len(batch) == 0 and batch.corrected_rr().size == 0


def test_two_beat_delay_and_causality() -> None:
    rr = _clean(100)
    out, st0 = correct_rr(rr, rr_initial())
    assert len(out) == rr.size - 2 and len(st0.pending_ms) == 2
    # Whatever comes after beat k + 2 cannot change the decision on beat k.
    k = 70
    other = rr.copy()
    other[k + 3:] = 400.0
    other[k + 5] = 3000.0
    a, _ = correct_rr(rr[:k + 3], rr_initial())
    b, _ = correct_rr(other, rr_initial())
    assert _same(a, RROutput(*(getattr(b, f)[:k + 1] for f in RROutput.__slots__)))


def test_finish_restarts_windows_and_keeps_counting() -> None:
    seg1, seg2 = _clean(80, 1000.0), _clean(60, 450.0, seed=2)
    out1, st = correct_rr(seg1, rr_initial())
    tail, st = finish_rr(st)
    out2, st = correct_rr(seg2, st)
    tail2, st = finish_rr(st)
    both = RROutput.concat([out1, tail, out2, tail2])
    assert np.array_equal(both.index, np.arange(140))
    assert st.next_index == 140 and st.hist_ms == () and st.pending_ms == ()
    alone = correct_rr_batch(seg2)  # the second segment knows nothing of the first
    assert np.array_equal(both.label[80:], alone.label)
    assert np.array_equal(both.dur_ms[80:], alone.dur_ms)
    assert (both.label == NORMAL).all()


def test_segment_start_is_conservative() -> None:
    rr = _clean(40)
    rr[1] += 30.0  # jitter a short window would call an artefact
    assert (correct_rr_batch(rr).label == NORMAL).all()


def test_bad_input_shape() -> None:
    with pytest.raises(ValueError, match="1-D"):
        correct_rr(np.zeros((2, 2)), rr_initial())
    with pytest.raises(ValueError):
        RRConfig(min_rr_ms=500.0, max_rr_ms=400.0)


def _artefact_series(seed: int, n: int) -> np.ndarray:
    """Random walk RR with every kind of artefact, implausible values and NaN."""
    rng = np.random.default_rng(seed)
    rr = np.clip(700 + np.cumsum(rng.normal(0, 8, n)), 300, 1500)
    for i in rng.choice(n, size=n // 12, replace=False) if n else []:
        rr[i] = rng.choice([rr[i] * 2, rr[i] * 0.3, rr[i] * 0.6, 120.0, 3000.0, math.nan,
                            rr[i] * 1.4])
    return rr


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(0, 260),
       cuts=st.lists(st.integers(0, 260), max_size=12), brk=st.integers(0, 260))
def test_streaming_equals_batch(seed: int, n: int, cuts: list[int], brk: int) -> None:
    rr = _artefact_series(seed, n)
    brk = min(brk, n)
    # Batch: one call per segment, finish at the break and at the end.
    parts = []
    st0 = rr_initial()
    for seg in (rr[:brk], rr[brk:]):
        out, st0 = correct_rr(seg, st0)
        tail, st0 = finish_rr(st0)
        parts += [out, tail]
    batch = RROutput.concat(parts)
    # Streaming: arbitrary chunks (empty and one-beat chunks included).
    edges = sorted({0, n, brk, *(min(c, n) for c in cuts)}) + [n]
    parts, st1 = [], rr_initial()
    for a, b in zip(edges[:-1], edges[1:]):
        out, st1 = correct_rr(rr[a:b], st1)
        parts.append(out)
        if b == brk:
            tail, st1 = finish_rr(st1)
            parts.append(tail)
    out, st1 = correct_rr(np.zeros(0), st1)
    tail, st1 = finish_rr(st1)
    stream = RROutput.concat([*parts, out, tail])
    assert _same(stream, batch)
    assert np.array_equal(batch.index, np.arange(n))


def test_one_beat_at_a_time_equals_batch() -> None:
    rr = _artefact_series(7, 400)
    parts, st0 = [], rr_initial()
    for v in rr:
        out, st0 = correct_rr(np.array([v]), st0)
        parts.append(out)
    parts.append(finish_rr(st0)[0])
    assert _same(RROutput.concat(parts), correct_rr_batch(rr))


# Accuracy on real beat series with injected artefacts (fixed seeds).

SEEDS = range(5)


@pytest.fixture(scope="module")
def real_series() -> dict[str, list[np.ndarray]]:
    return rr_eval.realdata_series(_realdata())


def test_injection_is_faithful() -> None:
    rr = _clean(300)
    inj = rr_eval.inject(rr, seed=3, rate=0.03)
    assert inj.kind.size == 9 and np.diff(inj.pos).min() >= 10
    assert inj.rr_ms.sum() == pytest.approx(rr.sum())  # artefacts move beats, not time
    for k, p in zip(inj.kind, inj.pos):
        if k == MISSED:
            assert inj.rr_ms[p] > 1.5 * 700
        elif k == EXTRA:
            assert inj.rr_ms[p] < 700


@pytest.mark.parametrize("dataset", ["gudb", "hrm_exercise"])
def test_accuracy_on_real_series(real_series: dict[str, list[np.ndarray]], dataset: str) -> None:
    series = [s for k, v in real_series.items() if k.startswith(dataset) for s in v]
    sc = rr_eval.evaluate(series, SEEDS)
    assert min(sc.events.values()) >= 100
    assert sc.sensitivity(MISSED) >= 0.99
    assert sc.sensitivity(EXTRA) >= 0.99
    assert sc.sensitivity(ECTOPIC) >= 0.95
    assert sc.fp_rate_excl_own <= 0.01
    assert sc.fp_rate <= 0.02  # flags the series carries without injection included


def test_clean_real_series_are_mostly_normal(real_series: dict[str, list[np.ndarray]]) -> None:
    for name, series in real_series.items():
        labels = np.concatenate([correct_rr_batch(s).label for s in series])
        assert np.mean(labels != NORMAL) <= 0.02, name


def test_noisy_real_series_is_flagged() -> None:
    root = _realdata()
    noisy = correct_rr_batch(rr_eval.load_hrm_rr(root / "rr" / "noisy_rri.hrm"))
    clean = correct_rr_batch(rr_eval.load_hrm_rr(root / "rr" / "exercise_rri.hrm"))
    # The noisy recording's artefacts are mostly missed beats (RR about twice the level).
    assert np.count_nonzero(noisy.label == MISSED) >= 5
    assert np.mean(noisy.label != NORMAL) > 2 * np.mean(clean.label != NORMAL)
    # Corrected HR stays in a physiological range where raw RR jumps around.
    hr = 60000.0 * noisy.nbeats / np.where(noisy.dur_ms > 0, noisy.dur_ms, np.nan)
    assert np.nanmax(hr[noisy.nbeats == 1]) < 220


def test_avail_tells_when_a_one_beat_caller_had_each_decision():
    """RROutput.avail equals the number of beats fed when the row came out, one beat a call."""
    from hrzone.signal.rr import correct_rr, correct_rr_batch, rr_initial
    rng = np.random.default_rng(0)
    for trial in range(20):
        rr = np.clip(800 + np.cumsum(rng.normal(0, 8, 300)), 400, 1300)
        for i in rng.choice(len(rr) - 5, 6, replace=False):
            rr[i] = rng.choice([100.0, 150.0, 3000.0, 200.0])
        st, when = rr_initial(), []
        for k in range(len(rr)):
            o, st = correct_rr(rr[k:k + 1], st)
            when += [k + 1] * len(o)
        b = correct_rr_batch(rr)
        assert np.array_equal(b.avail[:len(when)], np.array(when)), trial
        assert (b.avail[len(when):] == len(rr)).all()  # decided by finish_rr
