"""Raw recording format: writing, reading, permissions, truncation, versions, bad lines."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrzone.errors import RecordingFormatError
from hrzone.recording import (
    Event, Header, Notification, RecordingWriter, is_recording, iter_recording, read_recording,
)


def make(path, n=5):
    h = Header(created="2026-11-20T08:00:00.000+01:00", device={"name": "Polar H10 1234"},
               profile="polar-h10", thresholds={"method": "bpm", "moderate_bpm": 100, "high_bpm": 130})
    with RecordingWriter(path, h) as w:
        w.event(0, 1_000, "connect", address="AA:BB")
        for i in range(n):
            w.notification(i * 1_000_000_000, 1_000 + i, bytes([0x16, 70 + i, 0x00, 0x04]))
        w.event(n * 1_000_000_000, 2_000, "battery", level=80)
    return h


def test_round_trip(tmp_path):
    p = tmp_path / "r.jsonl"
    h = make(p)
    rec = read_recording(p)
    assert rec.header.created == h.created and rec.header.profile == "polar-h10"
    assert rec.header.device == h.device
    assert len(rec.notifications) == 5
    assert rec.notifications[2] == Notification(2_000_000_000, 1_002, bytes([0x16, 72, 0x00, 0x04]))
    assert [e.kind for e in rec.events] == ["connect", "battery"]
    assert rec.events[1].data == {"level": 80}
    assert rec.warnings == []
    assert is_recording(p)


def test_file_is_private(tmp_path):
    p = tmp_path / "r.jsonl"
    make(p)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_never_overwrites(tmp_path):
    p = tmp_path / "r.jsonl"
    make(p)
    with pytest.raises(RecordingFormatError, match="already exists"):
        make(p)


def test_each_line_is_flushed_as_written(tmp_path):
    p = tmp_path / "r.jsonl"
    w = RecordingWriter(p, Header(created="2026-11-20T08:00:00+00:00"))
    w.notification(0, 0, b"\x00\x50")
    # Without closing, another reader already sees the line (nothing is lost on a crash).
    assert len(read_recording(p).notifications) == 1
    w.close()


def test_truncated_last_line_is_reported_not_fatal(tmp_path):
    p = tmp_path / "r.jsonl"
    make(p)
    with open(p, "a") as f:
        f.write('{"t": 9000000000, "w": 1, "p": "1650')
    warnings: list[str] = []
    items = list(iter_recording(p, warnings))
    assert sum(isinstance(i, Notification) for i in items) == 5
    assert len(warnings) == 1 and "line 9" in warnings[0] and "truncated" in warnings[0]


def test_unknown_major_version_rejected(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"type": "header", "format": "hrzone-recording", "version": "2.0",
                             "created": "2026-01-01T00:00:00+00:00"}) + "\n")
    with pytest.raises(RecordingFormatError, match=r"line 1: .*version '2.0'"):
        read_recording(p)


def test_minor_version_accepted(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"type": "header", "format": "hrzone-recording", "version": "1.7",
                             "created": "2026-01-01T00:00:00+00:00", "future": 1}) + "\n")
    assert read_recording(p).header.extra == {"future": 1}


@pytest.mark.parametrize("line,msg", [
    ('{"t": 5, "w": 1, "p": "zz"}', "payload 'p' is not hex"),
    ('{"t": -1, "w": 1, "p": "0050"}', "field 't'"),
    ('{"t": 5, "p": "0050"}', "field 'w'"),
    ('{"t": 5, "w": 1}', "neither a notification"),
    ('[1, 2]', "expected a JSON object"),
    ('not json', "not valid JSON"),
    ('{"t": 5, "w": 1, "p": "' + "00" * 5000 + '"}', "longer than 8192 bytes"),
    ('{"t": 1' + "0" * 30 + ', "w": 1, "p": "0050"}', "out of range"),
    ('{"t": 5, "w": 1' + "0" * 9000 + ', "p": "0050"}', "longer than"),
    ('{"t": 5, "w": 1' + "0" * 4400 + ', "p": "0050"}', "number too long"),
    ('{"t": NaN, "w": 1, "p": "0050"}', "field 't'"),
    ('{"t": 5.5, "w": 1, "p": "0050"}', "field 't'"),
    ('{"t": 5, "w": 1, "event": "note", "x": ' + "[" * 3000 + "]" * 3000 + '}', "nested"),
])
def test_bad_line_names_file_and_line(tmp_path, line, msg):
    p = tmp_path / "r.jsonl"
    make(p, n=2)
    with open(p, "a") as f:
        f.write(line + "\n" + '{"t": 99000000000, "w": 1, "p": "0050"}\n')
    with pytest.raises(RecordingFormatError) as e:
        read_recording(p)
    assert f"{p} line 6" in str(e.value) and msg in str(e.value)


@pytest.mark.parametrize("content,msg", [
    (b"", "empty"), (b"\n\n", "empty"), (b"hello\n", "not an hrzone recording"),
    (b'{"a": 1}\n', "not an hrzone recording"), (b"\xff\xfe\x00", "not UTF-8"),
])
def test_not_a_recording(tmp_path, content, msg):
    p = tmp_path / "x.jsonl"
    p.write_bytes(content)
    with pytest.raises(RecordingFormatError, match=msg):
        read_recording(p)


def test_missing_file(tmp_path):
    with pytest.raises(RecordingFormatError, match="no such file"):
        read_recording(tmp_path / "nope.jsonl")


def test_event_kind_checked(tmp_path):
    with RecordingWriter(tmp_path / "r.jsonl", Header(created="2026-11-20T08:00:00+00:00")) as w:
        with pytest.raises(ValueError):
            w.event(0, 0, "explode")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzz_reader_raises_only_format_errors(tmp_path, tail):
    p = tmp_path / "fuzz.jsonl"
    p.write_bytes(b'{"format":"hrzone-recording","version":"1.0","created":"2026-01-01T00:00:00+00:00"}\n'
                  + tail)
    try:
        read_recording(p)
    except RecordingFormatError as e:
        assert str(p) in str(e)
    finally:
        p.unlink()


@given(st.lists(st.tuples(st.integers(0, 10**12), st.binary(min_size=1, max_size=20)), max_size=20))
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_writer_reader_round_trip(tmp_path, items):
    p = tmp_path / "rt.jsonl"
    items = sorted(items)
    with RecordingWriter(p, Header(created="2026-01-01T00:00:00+00:00")) as w:
        for t, payload in items:
            w.notification(t, t + 5, payload)
    try:
        rec = read_recording(p)
        assert [(n.t_ns, n.payload) for n in rec.notifications] == items
    finally:
        p.unlink()


def test_event_dataclass_defaults():
    assert Event(1, 2, "mark").data == {}


_HEADER = (b'{"format":"hrzone-recording","version":"1.0",'
           b'"created":"2026-01-01T00:00:00+00:00"}\n')
_INT = st.integers(-(10**25), 10**25) | st.integers(0, 10**12)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(_INT, _INT, st.binary(max_size=8)), max_size=30))
def test_any_times_read_as_ordered_bounded_or_a_clean_error(tmp_path, lines) -> None:
    """Notification lines with any integers: the reader keeps an ordered, bounded session."""
    from hrzone.jumps import MAX_SPAN_S

    p = tmp_path / "t.jsonl"
    body = "".join(json.dumps({"t": t, "w": w, "p": b.hex()}) + "\n" for t, w, b in lines)
    p.write_bytes(_HEADER + body.encode())
    try:
        rec = read_recording(p)
    except RecordingFormatError as e:
        assert "\n" not in str(e) and str(p) in str(e)
        return
    ts = [n.t_ns for n in rec.notifications]
    assert ts == sorted(ts)
    if ts:
        assert (ts[-1] - ts[0]) / 1e9 <= MAX_SPAN_S
    assert len(ts) + sum(int(w.split(": clock jump: ")[1].split()[0]) for w in rec.warnings
                         if "clock jump" in w) == len(lines)
