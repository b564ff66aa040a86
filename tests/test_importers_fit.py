"""FIT importer: hr-message merge, hrv RR, timer breaks, device time, chains, corrupt bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import load_bytes
from conftest import REALDATA, realdata
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrzone.errors import ImportFormatError
from hrzone.importers import load
from hrzone.importers.fit import load_fit, merge_hr
from hrzone.workout import Workout


def test_merge_hr_averages_points_since_previous_record() -> None:
    rec = np.array([10.0, 11.0, 13.0, 13.0, 20.0])
    ht = np.array([9.5, 10.0, 10.5, 11.0, 12.0, 12.5, 13.0, 14.0])
    hv = np.array([100, 102, 104, 106, 110, 111, 112, 120], float)
    out = merge_hr(rec, ht, hv)
    assert out[0] == 101  # (9, 10]: 100, 102
    assert out[1] == 105  # (10, 11]: 104, 106
    assert out[2] == 111  # (11, 13]: 110, 111, 112
    assert out[3] == 112  # same time again: (12, 13]: 111 (rounded half up), 112 -> 111.5 -> 112
    assert np.isnan(out[4])  # no hr point after 20 s: the SDK leaves the last records alone


def test_merge_hr_without_points_is_all_nan() -> None:
    assert np.isnan(merge_hr(np.array([1.0, 2.0]), np.array([]), np.array([]))).all()


def test_hrv_rr_go_to_the_record_they_precede() -> None:
    """RR between two records belong to the later one: RR-derived HR tracks the record HR."""
    w = load(realdata("fit/fitdecode__garmin-fenix-5-run.fit"))
    s = w.series
    assert s.rr_count[0] == 0 and s.rr_ms.size == 113
    off = s.rr_offsets()
    errs = []
    for i in range(1, len(s)):
        rr = s.rr_ms[off[i]:off[i + 1]]
        if rr.size:
            errs.append(abs(60000.0 / rr.mean() - s.hr_bpm[i]) / s.hr_bpm[i])
    assert np.median(errs) < 0.1


def test_hrv_file_carries_all_rr_in_ms() -> None:
    s = load(realdata("gc/HRV-Data.fit")).series
    assert s.rr_ms.size == 9350
    lo, hi = np.percentile(s.rr_ms, [5, 95])  # real beats (HR 94-143 bpm), artefacts aside
    assert 60000 / 150 < lo and hi < 60000 / 90
    # the beats cover the recording: total RR time within 2 % of the series' span
    assert abs(s.rr_ms.sum() / 1000.0 - s.t_s[-1]) < 0.02 * s.t_s[-1]


def test_timer_pauses_are_breaks() -> None:
    """Edge 500: 46 stop/start pairs; the record written while stopped and the one after the
    restart both start with brk, so no interval spanning a pause is ever credited."""
    w = load(realdata("fit/fitdecode__garmin-edge-500-activity.fit"))
    s = w.series
    assert w.meta["paused_records"] == 45
    assert int(s.brk.sum()) == 91
    assert not s.brk[0]
    dt = np.diff(s.t_s)
    assert dt[~s.brk[1:]].max() <= 8  # what is left are smart-recording steps, no pause


def test_device_relative_timestamps_warn_and_keep_series() -> None:
    w = load(realdata("fit/fitdecode__antfs-dump.63.fit"))
    assert w.meta["start_known"] is False
    assert any("device power-on" in x for x in w.warnings)
    assert len(w.series) == 685 and w.series.t_s[-1] == pytest.approx(3420, abs=10)


def test_chained_multisport_file_lists_sessions() -> None:
    w = load(realdata("fit/fitparse__sample_mulitple_header.fit"))
    assert w.meta["files"] == 4
    assert w.meta["sports"] == ["swimming", "transition", "cycling", "running"]
    assert len(w.meta["sessions"]) == 5
    assert w.meta["timer_time_s"] == pytest.approx(9491.35, abs=0.01)
    offsets = [x["start_offset_s"] for x in w.meta["sessions"]]
    assert offsets == sorted(offsets) and offsets[0] == 0


def test_duplicated_chain_drops_repeated_samples_and_sessions() -> None:
    w = load(realdata("fit/invalid/fitparse__activity-activity-filecrc.fit"))
    assert len(w.meta["sessions"]) == 1
    assert any("CRC" in x for x in w.warnings)


def test_developer_fields_are_ignored_not_fatal() -> None:
    w = load(realdata("fit/fitdecode__developer-types-sample.fit"))
    assert len(w.series) == 3424 and w.meta["device"] == "stryd/None"


def test_strava_android_file_summarises_what_is_readable() -> None:
    w = load(realdata("fit/fitparse__strava-android-app-201.10-b1218918.fit"))
    assert any("local message 11 not defined" in x for x in w.warnings)
    assert w.meta["records"] > 400


def test_empty_and_non_fit(tmp_path: Path) -> None:
    empty = tmp_path / "a.fit"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="a.fit: empty file"):
        load_fit(empty)
    junk = tmp_path / "b.fit"
    junk.write_bytes(b"hello world, not a FIT file at all")
    with pytest.raises(ImportFormatError, match="b.fit: not a FIT file"):
        load_fit(junk)


def test_max_gap_sets_signal_gap() -> None:
    w = load(realdata("fit/fitdecode__garmin-fenix-5-walk.fit"), max_gap_s=7.5)
    assert w.signal.gap_s == 7.5 and w.meta["max_gap_s"] == 7.5
    with pytest.raises(ImportFormatError, match="max gap"):
        load(realdata("fit/fitdecode__garmin-fenix-5-walk.fit"), max_gap_s=0)


def _load_bytes(data: bytes, suffix: str = ".fit") -> Workout | None:
    return load_bytes(data, "fit", suffix)


SMALL = ["fit/fitdecode__garmin-fenix-5-run.fit", "fit/fitdecode__Activity.fit",
         "fit/fitdecode__garmin-edge-820-bike.fit"]


def _small(i: int) -> bytes:
    p = REALDATA / SMALL[i]
    if not p.is_file():
        pytest.skip(f"{p} is absent")
    return p.read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(i=st.integers(0, len(SMALL) - 1), frac=st.floats(0.0, 0.999))
def test_truncated_real_files_warn_or_fail_cleanly(i: int, frac: float) -> None:
    data = _small(i)
    cut = data[:int(len(data) * frac)]
    w = _load_bytes(cut)
    if w is not None:
        assert any("truncated" in x or "unreadable" in x for x in w.warnings)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(i=st.integers(0, len(SMALL) - 1),
       flips=st.lists(st.tuples(st.floats(0, 0.999), st.integers(0, 255)), min_size=1,
                      max_size=8))
def test_mutated_real_files_never_traceback(i: int, flips: list[tuple[float, int]]) -> None:
    data = bytearray(_small(i))
    for pos, val in flips:
        data[int(pos * len(data))] = val
    w = _load_bytes(bytes(data))
    if w is not None:
        assert np.all(np.diff(w.series.t_s) >= 0)


@settings(max_examples=80, deadline=None)
@given(body=st.binary(max_size=300), header=st.sampled_from([b"", b"\x0e\x10\x00\x00"]))
def test_random_bytes_never_traceback(body: bytes, header: bytes) -> None:
    data = header + (len(body).to_bytes(4, "little") + b".FIT" + body if header else body)
    _load_bytes(data)
