"""Bounded memory: CSV read in blocks and streamed, the clock-jump rule in one pass (TimeScan),
and streaming == whole: a file read as a StreamedSeries gives the same series and summary."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrzone.importers import csv as csvmod
from hrzone.importers import load
from hrzone.jumps import ISOLATED_GAP_S, MAX_SPAN_S, TimeScan, fix_times
from hrzone.series import StreamedSeries
from hrzone.summary import summarise_workout
from hrzone.zones import resolve_thresholds

THR = resolve_thresholds("bpm", moderate=110, high=150)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.one_of(st.floats(0, 5), st.floats(3000, 9000), st.just(0.0),
                                st.floats(-100, 0), st.just(2 * MAX_SPAN_S)), max_size=60),
       start=st.floats(-1e10, 1e10), cuts=st.lists(st.integers(0, 60), max_size=4),
       sig=st.lists(st.booleans(), min_size=61, max_size=61))
def test_time_scan_equals_fix_times(steps: list[float], start: float, cuts: list[int],
                                    sig: list[bool]) -> None:
    t = start + np.concatenate(([0.0], np.cumsum(steps)))
    signal = np.asarray(sig[: t.size], bool)
    scan = TimeScan()
    bounds = sorted({0, t.size, *[c for c in cuts if c <= t.size]})
    for a, b in zip(bounds[:-1], bounds[1:]):
        scan.add(t[a:b], signal[a:b])
    fix = fix_times(t)
    if not scan.clean:
        assert not (np.all(np.diff(t) >= 0) and (t.size == 0 or t[-1] - t[0] <= MAX_SPAN_S))
        return
    got, dropped, n_signal, t0 = scan.result()
    keep = np.ones(t.size, bool)
    for a, k in dropped:
        keep[a:a + k] = False
    assert keep.tolist() == fix.keep.tolist()
    assert (got.far, got.backwards, got.isolated) == (fix.far, fix.backwards, fix.isolated)
    assert n_signal == int(np.count_nonzero(signal & fix.keep))
    if fix.keep.any():
        assert t0 == t[fix.keep][0]


def _csv(rows: list[str], header: str = "time,heart_rate") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


CASES = {
    "plain": _csv([f"{1.7e9 + i * 0.5:.2f},{100 + i % 40}" for i in range(3000)]),
    "bad rows": _csv([f"{1.7e9 + i:.0f},{'x' if i % 97 == 0 else 100 + i % 30}"
                      for i in range(3000)]),
    "iso": _csv([f"2026-03-01T07:{i // 60 % 60:02d}:{i % 60:02d}Z,{120 + i % 9}"
                 for i in range(3000)]),
    "isolated groups": _csv([f"{1.7e9 - 9000:.0f},90"] + [f"{1.7e9 + i:.0f},{110 + i % 5}"
                                                           for i in range(3000)]
                            + [f"{1.7e9 + 20000:.0f},95", f"{1.7e9 + 20001:.0f},96"]),
    "clock jump": _csv([f"{1.7e9 + i:.0f},{110 + i % 5}" for i in range(1500)]
                       + [f"{2.9e9 + i:.0f},100" for i in range(20)]
                       + [f"{1.7e9 + 1500 + i:.0f},{110 + i % 5}" for i in range(1500)]),
    "backwards": _csv([f"{1.7e9 + i:.0f},120" for i in range(2000)]
                      + [f"{1.7e9 + 100 + i:.0f},130" for i in range(50)]
                      + [f"{1.7e9 + 2000 + i:.0f},125" for i in range(900)]),
    "rr only": (b"Phone timestamp;RR-interval [ms]\n" + "".join(
        f"2026-03-01T07:{i // 150:02d}:{i // 2 % 75 * 0.8:06.3f};{800 + i % 50}\n"
        for i in range(3000)).encode()),
    "hr and rr": _csv([f"{i * 0.8:.1f},{75 + i % 3},{800 + i % 7} {790 + i % 5}"
                       for i in range(3000)], "t_s,hr,rr"),
    "quoted": _csv([f'"{1.7e9 + i:.0f}","{100 + i % 9}"' for i in range(3000)]),
    "relative": _csv([f"{i * 1.0},{130}" for i in range(3000)], "elapsed_s,bpm"),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("block", [97, 1000, 1 << 20])
def test_streamed_equals_whole(name: str, block: int, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(CASES[name])
    whole = load(p)
    assert not isinstance(whole.series, StreamedSeries)
    monkeypatch.setattr(csvmod, "BLOCK_BYTES", block)
    monkeypatch.setattr(csvmod, "EAGER_SAMPLES", 100)
    streamed = load(p)
    assert isinstance(streamed.series, StreamedSeries)
    assert len(streamed.series) == len(whole.series)
    assert streamed.warnings == whole.warnings and streamed.start == whole.start
    assert streamed.start_trusted == whole.start_trusted
    a, b = summarise_workout(whole, THR), summarise_workout(streamed, THR)
    assert a.to_json() == b.to_json()
    assert a.per_second_hr.tobytes() == b.per_second_hr.tobytes()
    for col in ("t_s", "hr_bpm", "contact", "rr_count", "rr_ms", "brk"):
        assert getattr(streamed.series, col).tolist() == getattr(whole.series, col).tolist(), col


def test_rr_rows_of_one_time_straddling_blocks(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(f"2026-03-01T07:00:{i // 4:02d}.000;{700 + i}\n" for i in range(200))
    p = tmp_path / "rr.csv"
    p.write_text("Phone timestamp;RR-interval [ms]\n" + rows)
    monkeypatch.setattr(csvmod, "BLOCK_BYTES", 50)
    w = load(p)
    assert len(w.series) == 50 and w.series.rr_count.tolist() == [4] * 50


def test_long_csv_is_summarised_in_bounded_memory(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """400,000 rows: the streamed summary's peak allocations stay near one block's worth."""
    n = 400_000
    p = tmp_path / "long.csv"
    t = 1.7e9 + np.arange(n) * 0.25
    hr = 100 + (np.arange(n) // 400) % 60
    with open(p, "w") as f:
        f.write("time,hr\n")
        for a in range(0, n, 50_000):
            f.write("".join(f"{x:.2f},{y}\n" for x, y in zip(t[a:a + 50_000], hr[a:a + 50_000])))
    monkeypatch.setattr(csvmod, "EAGER_SAMPLES", 50_000)
    tracemalloc.start()
    try:
        w = load(p)
        s = summarise_workout(w, THR)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(w.series, StreamedSeries) and s.samples == n
    assert s.duration_s == pytest.approx((n - 1) * 0.25)
    # Whole, the series alone takes 22 bytes a sample (8.8 MB here) and the core's output more.
    assert peak < 40e6, f"peak {peak / 1e6:.1f} MB"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.floats(-1e3, 2e4, allow_nan=False), st.integers(0, 220),
                               st.sampled_from(["", "x", "1e999"])), min_size=1, max_size=300),
       block=st.integers(20, 400))
def test_any_csv_streams_like_it_loads_whole(rows, block, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path_factory.mktemp("csv") / "h.csv"
    p.write_text("time,heart_rate\n" + "".join(
        f"{1.7e9 + t:.3f},{h}{bad}\n" for t, h, bad in rows))
    try:
        whole = load(p)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            _streamed(p, block)
        return
    streamed = _streamed(p, block)
    assert streamed.warnings == whole.warnings
    assert summarise_workout(streamed, THR).to_json() == summarise_workout(whole, THR).to_json()


def _streamed(p: Path, block: int):  # type: ignore[no-untyped-def]
    old = csvmod.BLOCK_BYTES, csvmod.EAGER_SAMPLES
    csvmod.BLOCK_BYTES, csvmod.EAGER_SAMPLES = block, 5
    try:
        return load(p)
    finally:
        csvmod.BLOCK_BYTES, csvmod.EAGER_SAMPLES = old


def test_isolated_gap_constant_is_what_the_scan_uses() -> None:
    t = np.array([0.0, 1.0, 2.0, 2.0 + ISOLATED_GAP_S + 1, 3.0 + ISOLATED_GAP_S + 1])
    scan = TimeScan()
    scan.add(t)
    fix, dropped, _, t0 = scan.result()
    assert dropped == [(3, 2)] and fix.isolated == 2 and t0 == 0.0
