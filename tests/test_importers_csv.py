"""CSV-family importers (Polar Sensor Logger HR/RR, Polar HRM, generic CSV) and format detection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import load_bytes
from conftest import realdata
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrzone.errors import ImportFormatError
from hrzone.importers import FORMATS, detect, load
from hrzone.series import CONTACT_LOST, CONTACT_UNKNOWN
from hrzone.workout import Workout


def _write(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_polar_sensor_logger_hr_zero_is_contact_lost() -> None:
    w = load(realdata("polar_sensor_logger/biobss__Polar_Sense_HR.txt"))
    s = w.series
    assert w.fmt == "csv" and w.meta["device"] == "Polar Sensor Logger"
    lost = s.hr_bpm == 0
    assert int(lost.sum()) == 73
    assert (s.contact[lost] == CONTACT_LOST).all() and (s.contact[~lost] == CONTACT_UNKNOWN).all()
    assert w.start.isoformat() == "2022-04-25T11:39:02.323000+00:00"


def test_polar_rr_export_groups_rows_of_one_notification(tmp_path: Path) -> None:
    text = ("Phone timestamp;RR-interval [ms]\n"
            "2024-05-01T10:00:00.100;800\n2024-05-01T10:00:00.100;790\n"
            "2024-05-01T10:00:01.050;810\n\n2024-05-01T10:00:02.000;805\n")
    w = load(_write(tmp_path, "rr.txt", text))
    s = w.series
    assert s.t_s.tolist() == pytest.approx([0, 0.95, 1.9])
    assert s.rr_count.tolist() == [2, 1, 1] and s.rr_ms.tolist() == [800, 790, 810, 805]
    assert (s.hr_bpm == 0).all()


def test_hrm_rr_file_one_sample_per_second() -> None:
    w = load(realdata("rr/exercise_rri.hrm"))
    s = w.series
    assert w.fmt == "hrm" and w.start.isoformat() == "2008-02-08T08:50:31+00:00"
    assert s.rr_ms.size == 4117 and s.rr_ms[0] == 1589  # every [HRData] line is one beat
    assert np.all(np.diff(s.t_s) >= 1)  # seconds with no beat ending in them have no sample
    # each sample sits at the end of the second in which its beats ended
    ends = np.cumsum(s.rr_ms) / 1000.0
    last_of_sample = ends[s.rr_offsets()[1:] - 1]
    assert np.all((last_of_sample < s.t_s) & (last_of_sample >= s.t_s - 1))
    assert s.t_s[-1] == pytest.approx(2561.7, abs=1.0)  # [Params] Length=00:42:41.7


def test_hrm_hr_mode_and_bad_params(tmp_path: Path) -> None:
    w = load(_write(tmp_path, "a.hrm", "[Params]\nInterval=5\nDate=20240501\nStartTime=10:00:00.0"
                                       "\n[HRData]\n100\t5\n0\t0\n110\t1\n"))
    assert w.series.t_s.tolist() == [0, 5, 10] and w.series.hr_bpm.tolist() == [100, 0, 110]
    with pytest.raises(ImportFormatError, match=r"b.hrm: \[Params\] Interval='x'"):
        load(_write(tmp_path, "b.hrm", "[Params]\nInterval=x\n[HRData]\n100\n"))
    with pytest.raises(ImportFormatError, match=r"c.hrm: no \[HRData\] lines"):
        load(_write(tmp_path, "c.hrm", "[Params]\nInterval=238\n"))
    w = load(_write(tmp_path, "d.hrm", "[HRData]\n800\n900\nbad\n"))
    assert w.meta["start_known"] is False and w.series.rr_ms.size == 2
    assert any("line 4" in x for x in w.warnings)


def test_generic_csv_by_header_and_by_keyword(tmp_path: Path) -> None:
    text = "elapsed,heart_rate,RR (ms)\n0,100,600 610\n1,101,\n3,,590\n"
    w = load(_write(tmp_path, "g.csv", text))
    s = w.series
    assert s.t_s.tolist() == [0, 1, 3] and s.hr_bpm.tolist() == [100, 101, 0]
    assert s.rr_count.tolist() == [2, 0, 1] and s.contact[2] == CONTACT_UNKNOWN
    assert w.meta["start_known"] is False
    text = "when;pulse_x;beats\n2024-05-01T10:00:00Z;120;\n2024-05-01T10:00:02+00:00;121;\n"
    p = _write(tmp_path, "h.csv", text)
    with pytest.raises(ImportFormatError, match="h.csv: line 1: no time column"):
        load(p)
    w = load(p, time_col="when", hr_col="pulse_x")
    assert w.series.t_s.tolist() == [0, 2] and w.start.isoformat() == "2024-05-01T10:00:00+00:00"
    with pytest.raises(ImportFormatError, match="no heart-rate column named 'nope'"):
        load(p, time_col="when", hr_col="nope")
    with pytest.raises(ImportFormatError, match="only apply to CSV"):
        load(realdata("rr/exercise_rri.hrm"), time_col="x")


def test_generic_csv_bad_rows(tmp_path: Path) -> None:
    text = "time,hr\n0,100\nlater,101\n2,abc\n3,2000\n4\n5,105\n"
    w = load(_write(tmp_path, "b.csv", text))
    assert w.series.hr_bpm.tolist() == [100, 105]
    assert w.warnings[0].startswith("4 rows skipped (first: line 3: time 'later'")
    with pytest.raises(ImportFormatError, match="c.csv: line 2: time 'x' is neither"):
        load(_write(tmp_path, "c.csv", "time,hr\nx,1\n"))
    with pytest.raises(ImportFormatError, match="d.csv: line 1: not a CSV header"):
        load(_write(tmp_path, "d.csv", "hello\n"), "csv")


def test_detection_from_content_not_extension(tmp_path: Path) -> None:
    fit = realdata("fit/fitdecode__garmin-fenix-5-walk.fit").read_bytes()
    assert detect(_write(tmp_path, "ride.gpx", fit)) == "fit"
    assert detect(_write(tmp_path, "x.fit", "<?xml version='1.0'?>\n<!-- c -->\n"
                                            "<gpx xmlns='a'></gpx>")) == "gpx"
    assert detect(_write(tmp_path, "y.gpx", "<tcx:TrainingCenterDatabase xmlns:tcx='a'/>")) == "tcx"
    assert detect(_write(tmp_path, "z.txt", "[Params]\nVersion=106\n")) == "hrm"
    assert detect(_write(tmp_path, "w.fit", "Phone timestamp;HR [bpm]\n")) == "csv"
    with pytest.raises(ImportFormatError, match="q.bin: unknown format"):
        detect(_write(tmp_path, "q.bin", "just words"))
    with pytest.raises(ImportFormatError, match="r.xml: XML file whose root element is 'html'"):
        detect(_write(tmp_path, "r.xml", "<html></html>"))
    with pytest.raises(ImportFormatError, match="unknown format 'xls'"):
        load(_write(tmp_path, "s.csv", "t,hr\n"), "xls")
    assert FORMATS == ("fit", "tcx", "gpx", "apple_health", "hrm", "csv")


def _load_bytes(data: bytes, fmt: str | None) -> Workout | None:
    return load_bytes(data, fmt, ".csv")


SEEDS = [b"Phone timestamp;HR [bpm]\n2022-04-25T11:39:02.323;66\n2022-04-25T11:39:03.274;0\n",
         b"Phone timestamp;RR-interval [ms]\n2022-04-25T11:39:02.323;800\n",
         b"time,hr,rr\n0,100,600 610\n1,101,\n",
         b"[Params]\nInterval=238\nDate=20080208\nStartTime=08:50:31.0\n[HRData]\n800\n810\n"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), fmt=st.sampled_from([None, "csv", "hrm"]),
       edits=st.lists(st.tuples(st.floats(0, 0.999), st.binary(max_size=3)), max_size=6))
def test_mutated_text_never_tracebacks(seed: bytes, fmt: str | None,
                                       edits: list[tuple[float, bytes]]) -> None:
    data = bytearray(seed)
    for pos, repl in edits:
        i = int(pos * len(data))
        data[i:i + 1] = repl
    w = _load_bytes(bytes(data), fmt)
    if w is not None:
        assert np.all(np.diff(w.series.t_s) >= 0)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       fmt=st.sampled_from([None, "csv", "hrm"]))
def test_random_bytes_as_text_never_traceback(data: bytes, fmt: str | None) -> None:
    _load_bytes(data, fmt)


_TIME = (st.floats(allow_nan=True, allow_infinity=True).map(repr)
         | st.integers(-10**30, 10**30).map(str)
         | st.sampled_from(["2024-05-01T10:00:00Z", "1990-01-01T00:00:00", "2999-12-31T23:59:59Z",
                            "9" * 400, "NaN", "-1", "", "abc"]))
_HR = st.integers(-5, 400).map(str) | st.sampled_from(["", "NaN", "1e999", "x", "9" * 400])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(_TIME, _HR), min_size=1, max_size=40))
def test_generic_csv_any_times_give_a_bounded_ordered_series_or_a_clean_error(
        rows: list[tuple[str, str]]) -> None:
    """Whatever the times claim, the series is in order and spans at most MAX_SPAN_S."""
    from hrzone.jumps import MAX_SPAN_S

    data = ("time,heart_rate\n" + "".join(f"{t},{h}\n" for t, h in rows)).encode()
    w = _load_bytes(data, "csv")
    if w is not None and len(w.series):
        t = w.series.t_s
        assert np.all(np.diff(t) >= 0) and float(t[-1] - t[0]) <= MAX_SPAN_S
        assert isinstance(w.start_trusted, bool)


def test_csv_line_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    from hrzone.importers.csv import MAX_LINE_CHARS

    p = tmp_path / "long.csv"
    p.write_text("time,heart_rate\n0,100\n1," + "1" * (MAX_LINE_CHARS + 10) + "\n2,100\n")
    with pytest.raises(ImportFormatError, match=f"line 3: longer than {MAX_LINE_CHARS}"):
        load(p)
