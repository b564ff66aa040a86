"""The clock-jump rule (hrzone.jumps) and the cases of issue 9 it exists for."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import RECORDINGS, realdata
from fitdecode.utils import compute_crc
from hypothesis import given
from hypothesis import strategies as st

from hrzone.cli import cli
from hrzone.errors import HrzoneError, RecordingFormatError
from hrzone.jumps import ISOLATED_GAP_S, MAX_SPAN_S, fix_times
from hrzone.loader import load_workout
from hrzone.recording import MAX_LINE_BYTES, read_recording
from hrzone.source import ReplaySource
from hrzone.summary import PER_SECOND_CAP_S, Accumulator, summarise_workout
from hrzone.zones import resolve_thresholds

THR = resolve_thresholds(moderate=110, high=140)
FIT_EPOCH = 631065600


# --- the rule --------------------------------------------------------------------------------

def test_monotonic_times_are_all_kept() -> None:
    fix = fix_times(np.arange(5000.0))
    assert fix.keep.all() and fix.dropped == 0 and fix.warnings() == []


def test_a_sample_a_year_ahead_is_dropped_and_counted() -> None:
    t = np.append(np.arange(100.0), 365 * 86400.0)
    fix = fix_times(t)
    assert fix.far == 1 and fix.keep[:100].all() and not fix.keep[100]
    assert "1 samples more than 7 days" in fix.warnings()[0]


def test_a_block_stamped_later_costs_only_that_block() -> None:
    t = np.concatenate([np.arange(600.0), 1e9 + np.arange(50.0), 600 + np.arange(600.0)])
    fix = fix_times(t)
    assert fix.far == 50 and fix.keep.sum() == 1200


def test_a_small_forward_outlier_drops_one_sample_not_the_rest() -> None:
    t = np.concatenate([np.arange(100.0), [5000.0], 100 + np.arange(100.0)])
    fix = fix_times(t)
    assert fix.backwards == 1 and not fix.keep[100] and fix.keep.sum() == 200


def test_backwards_jump_keeps_the_larger_part() -> None:
    t = np.concatenate([1e5 + np.arange(300.0), np.arange(30.0)])  # clock set back mid-file
    fix = fix_times(t)
    assert fix.keep[:300].all() and not fix.keep[300:].any() and fix.backwards == 30


def test_isolated_stray_sample_is_dropped_but_sparse_files_are_kept() -> None:
    t = np.append(np.arange(100.0), 99 + 3 * ISOLATED_GAP_S)
    assert fix_times(t).isolated == 1
    sparse = np.arange(5) * 2 * ISOLATED_GAP_S  # nothing but isolated samples: all kept
    assert fix_times(sparse).keep.all()


def test_non_finite_times_are_dropped() -> None:
    fix = fix_times([0.0, np.nan, 1.0, np.inf, 2.0])
    assert fix.keep.tolist() == [True, False, True, False, True] and fix.far == 2


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=200))
def test_kept_times_are_ordered_and_within_the_span(t: list[float]) -> None:
    fix = fix_times(t)
    kept = np.asarray(t, dtype=np.float64)[fix.keep]
    assert fix.dropped == len(t) - kept.size
    if kept.size:
        assert np.all(np.diff(kept) >= 0)
        assert float(kept.max() - kept.min()) <= MAX_SPAN_S


# --- every reader applies it -----------------------------------------------------------------

def _limited(code: str, limit: int = 400_000_000) -> subprocess.CompletedProcess[str]:
    """Run code in a child Python whose address space is limited to `limit` bytes."""
    pre = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n")
    return subprocess.run([sys.executable, "-c", pre + code], capture_output=True, text=True,
                          timeout=120, env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin"})


def test_csv_claiming_a_billion_seconds_stays_small(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("time,heart_rate\n0,100\n1,101\n1000000000,110\n")
    r = _limited("from hrzone.loader import load_workout\n"
                 "from hrzone.summary import summarise_workout\n"
                 "from hrzone.zones import resolve_thresholds\n"
                 f"w = load_workout({str(f)!r})\n"
                 "s = summarise_workout(w, resolve_thresholds(moderate=110, high=140))\n"
                 "print(s.duration_s, s.per_second_hr.size, w.start_trusted, s.warnings)")
    assert r.returncode == 0, r.stderr[-2000:]
    duration, size, trusted = r.stdout.split()[:3]
    assert float(duration) == 1.0 and int(size) <= 2 and trusted == "False"
    assert "more than 7 days" in r.stdout


def _fit(records: list[tuple[int, int]]) -> bytes:
    """A minimal FIT activity: one record definition (timestamp, heart_rate) and its records."""
    body = bytes([0x40, 0, 0]) + struct.pack("<HB", 20, 2) + bytes([253, 4, 0x86, 3, 1, 0x02])
    for ts, hr in records:
        body += bytes([0x00]) + struct.pack("<IB", ts, hr)
    head = struct.pack("<BBHI4s", 14, 0x10, 2093, len(body), b".FIT")
    head += struct.pack("<H", compute_crc(head))
    data = head + body
    return data + struct.pack("<H", compute_crc(data))


def test_fit_block_stamped_years_later_keeps_the_later_samples(tmp_path: Path) -> None:
    t0 = int(1.7e9) - FIT_EPOCH
    recs = [(t0 + i, 120 + i % 7) for i in range(600)]
    recs += [(t0 + 5 * 365 * 86400 + i, 150) for i in range(60)]  # corrupt block
    recs += [(t0 + 600 + i, 125 + i % 7) for i in range(600)]
    p = tmp_path / "jump.fit"
    p.write_bytes(_fit(recs))
    w = load_workout(p)
    assert len(w.series) == 1200 and w.series.t_s[-1] == pytest.approx(1199)
    assert any("60 samples more than 7 days" in x for x in w.warnings)
    assert w.start_trusted
    s = summarise_workout(w, THR)
    assert s.duration_s == pytest.approx(1199) and s.moderate_s > 1100


def test_fit_power_on_times_are_not_trusted(tmp_path: Path) -> None:
    p = tmp_path / "dump.fit"
    p.write_bytes(_fit([(1000 + i, 120) for i in range(100)]))
    w = load_workout(p)
    assert not w.start_trusted and any("power-on" in x for x in w.warnings)
    out = CliRunner().invoke(cli, ["summary", "--json", "--moderate", "110", "--high", "140",
                                   str(p)])
    assert out.exit_code == 0 and json.loads(out.stdout)["start_trusted"] is False


@pytest.mark.parametrize("content,trusted", [
    ("time,heart_rate\n2024-05-01T10:00:00Z,100\n2024-05-01T10:00:01Z,101\n", True),
    ("time,heart_rate\n1990-07-01T10:00:00Z,100\n1990-07-01T10:00:01Z,101\n", False),
    ("time,heart_rate\n2999-07-01T10:00:00Z,100\n2999-07-01T10:00:01Z,101\n", False),
    ("time,heart_rate\n0,100\n1,101\n", False),
])
def test_csv_start_trust(tmp_path: Path, content: str, trusted: bool) -> None:
    p = tmp_path / "x.csv"
    p.write_text(content)
    w = load_workout(p)
    assert w.start_trusted is trusted
    assert trusted or w.warnings


def test_real_files_have_a_trusted_start_unless_power_on() -> None:
    assert load_workout(realdata("sweatpy/4078723797.fit")).start_trusted
    assert load_workout(realdata("gc/2009_08_30_21_17_25.tcx")).start_trusted
    assert not load_workout(realdata("fit/fitdecode__antfs-dump.63.fit")).start_trusted


def _recording_lines(path: Path, n: int) -> list[str]:
    return path.read_text().splitlines()[:n]


def test_recording_whose_last_line_is_a_year_ahead(tmp_path: Path) -> None:
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 601)
    last = json.loads(lines[-1])
    last["t"] += 365 * 86400 * 10**9
    p = tmp_path / "wild.jsonl"
    p.write_text("\n".join(lines[:-1] + [json.dumps(last, separators=(",", ":"))]) + "\n")
    w = load_workout(p)
    s = summarise_workout(w, THR)
    assert s.duration_s < 700 and s.per_second_hr.size < 700
    assert any("1 lines more than 7 days" in x for x in s.warnings)
    assert len(ReplaySource(p, speed=None).recording.notifications) == 599


def test_recording_lines_out_of_order_are_dropped_not_fatal(tmp_path: Path) -> None:
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 201)
    lines.insert(100, lines[20])  # an old line written again in the middle
    p = tmp_path / "back.jsonl"
    p.write_text("\n".join(lines) + "\n")
    rec = read_recording(p)
    assert len(rec.notifications) == 200
    assert any("1 lines out of time order" in x for x in rec.warnings)


def test_a_100_mb_recording_line_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 50)
    p = tmp_path / "long.jsonl"
    with open(p, "w") as f:
        f.write("\n".join(lines) + '\n{"t":99000000000,"w":1,"p":"')
        chunk = "00" * 500_000
        for _ in range(100):
            f.write(chunk)
        f.write('"}\n')
    r = _limited("from hrzone.loader import load_workout\nfrom hrzone.errors import HrzoneError\n"
                 f"try:\n    load_workout({str(p)!r})\nexcept HrzoneError as e:\n    print(e)",
                 limit=300_000_000)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"line 51: longer than {MAX_LINE_BYTES} bytes" in r.stdout


def test_a_270000_digit_integer_is_a_clean_error(tmp_path: Path) -> None:
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 50)
    p = tmp_path / "big.jsonl"
    p.write_text("\n".join(lines) + '\n{"t":' + "9" * 270_000 + ',"w":1,"p":"0050"}\n')
    with pytest.raises(RecordingFormatError, match="line 51: longer than"):
        load_workout(p)
    out = CliRunner().invoke(cli, ["summary", "--moderate", "110", "--high", "140", str(p)])
    assert out.exit_code == 1 and "unexpected" not in out.output


def test_recording_created_in_an_impossible_year(tmp_path: Path) -> None:
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 10)
    head = json.loads(lines[0])
    head["created"] = "9999-12-31T23:59:59+00:00"
    p = tmp_path / "y.jsonl"
    p.write_text("\n".join([json.dumps(head)] + lines[1:]) + "\n")
    with pytest.raises(RecordingFormatError, match="'created' year 9999"):
        load_workout(p)
    head["created"] = "1990-07-01T10:00:00"  # naive and old: read as UTC, not trusted
    p.write_text("\n".join([json.dumps(head)] + lines[1:]) + "\n")
    w = load_workout(p)
    assert not w.start_trusted and w.start.tzinfo is not None


# --- the per-second track has a cap ---------------------------------------------------------

def test_accumulator_never_stores_more_than_its_cap() -> None:
    from datetime import UTC, datetime

    from hrzone.series import Series
    from hrzone.signal import pipeline
    from hrzone.signal.config import SignalConfig

    t = np.concatenate([np.arange(0.0, 30.0), PER_SECOND_CAP_S - 5.0 + np.arange(30.0)])
    series = Series.build(t, np.full(t.size, 130.0))
    state = pipeline.initial(THR, SignalConfig())
    out, state = pipeline.run(series, state)
    acc = Accumulator()
    acc.add(out)
    s = acc.summary(state, file="x", fmt="test", start=datetime(2026, 1, 1, tzinfo=UTC))
    assert s.per_second_hr.size == PER_SECOND_CAP_S
    assert acc.clipped_s > 0 and any("per-second track stops" in x for x in s.warnings)
    assert s.moderate_s > 50  # the clipped seconds still count in the totals


def test_the_limited_child_really_is_limited() -> None:
    r = _limited("b = bytearray(600_000_000)", limit=300_000_000)
    assert r.returncode != 0 and "MemoryError" in r.stderr


def test_hrzone_errors_only(tmp_path: Path) -> None:
    """Numbers that cannot be a time or a payload in a recording: one-line HrzoneErrors."""
    lines = _recording_lines(RECORDINGS / "walk30.jsonl", 5)
    for bad in ('{"t":NaN,"w":1,"p":"0050"}', '{"t":-5,"w":1,"p":"0050"}',
                '{"t":5,"w":1,"p":"xyz"}', '{"t":1e400,"w":1,"p":"0050"}',
                '{"t":5,"w":' + "9" * 40 + ',"p":"0050"}'):
        p = tmp_path / "b.jsonl"
        p.write_text("\n".join(lines + [bad, lines[-1]]) + "\n")
        with pytest.raises(HrzoneError) as e:
            load_workout(p)
        assert "line 6" in str(e.value) and "\n" not in str(e.value)
