"""run_session's ends: the `stop` event on every clean end, the header built from the source's
DeviceInfo, and a full disk that stops the recording but not the session."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hrzone.ble.clock import VirtualClock
from hrzone.cli import cli
from hrzone.errors import RecordingFormatError
from hrzone.recording import Event, Header, RecordingWriter, read_recording
from hrzone.session import SessionResult, Sink, build_header, run_session
from hrzone.source import DeviceInfo, ReplaySource
from hrzone.virtual import VirtualAir, VirtualStrap, virtual_source
from hrzone.zones import resolve_thresholds

from conftest import RECORDINGS

TH = resolve_thresholds("bpm", moderate=110, high=140)
WALK = RECORDINGS / "walk30.jsonl"


class Notes(Sink):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def on_event(self, event: Event) -> None:
        if event.kind == "note":
            self.notes.append(event.data["message"])


def last_event(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8").splitlines()[-1])


def replay(path: Path, record_to: Path | None, **kw: Any) -> SessionResult:
    return asyncio.run(run_session(ReplaySource(path, speed=None), TH, record_to=record_to,
                                   batch=512, **kw))


# --- the stop event ------------------------------------------------------------------------

def test_source_end_writes_a_stop_event_and_readers_accept_it(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    res = replay(WALK, out)
    assert res.recording_error is None
    assert last_event(out) == {"t": last_event(WALK)["t"], "w": last_event(WALK)["w"],
                               "event": "stop", "reason": "end"}
    rec = read_recording(out)
    assert rec.warnings == [] and rec.events[-1].kind == "stop"
    assert len(rec.notifications) == len(read_recording(WALK).notifications)
    # replaying a recording that ends with `stop` records exactly one stop of its own
    again = tmp_path / "again.jsonl"
    res2 = replay(out, again)
    assert [e.kind for e in read_recording(again).events].count("stop") == 1
    assert res2.summary.to_json()["minutes"] == res.summary.to_json()["minutes"]


def test_cancelled_session_stops_with_the_signal_name(tmp_path: Path) -> None:
    """hrzone.runner cancels with the signal's name; the stop event records it, stamped on
    the strap's clock after the last notification."""
    from test_ble import ramp

    out = tmp_path / "r.jsonl"

    async def go() -> SessionResult:
        clock = VirtualClock()
        air = VirtualAir(clock, [VirtualStrap(ramp(1000))])
        src = virtual_source(air)
        await src.open()
        task = asyncio.create_task(run_session(src, TH, record_to=out))
        await clock.sleep(60.5)
        task.cancel(msg="SIGTERM")
        try:
            return await task
        finally:
            await air.aclose()
            await clock.aclose()

    res = asyncio.run(asyncio.wait_for(go(), 30))
    rec = read_recording(out)
    stop = rec.events[-1]
    assert stop.kind == "stop" and stop.data == {"reason": "signal", "signal": "SIGTERM"}
    assert rec.notifications[-1].t_ns <= stop.t_ns <= rec.notifications[-1].t_ns + 10 ** 9
    assert res.summary.samples == len(rec.notifications) > 50


def test_header_is_built_by_the_session_from_device_info() -> None:
    info = DeviceInfo("2026-01-05T07:30:00.000+00:00", {"name": "Polar H10 1"}, "polar-h10",
                      "ble", {"profile_matched": True})
    h = build_header(info, TH)
    assert h == Header(created=info.created, device={"name": "Polar H10 1"},
                       profile="polar-h10", thresholds=TH.to_json(), source="ble",
                       extra={"profile_matched": True})


# --- a full disk ---------------------------------------------------------------------------

class FullDisk:
    """A file object with `room` bytes left: the write that overflows writes what fits, then
    raises ENOSPC (as a real disk does), and so does every write after it."""

    def __init__(self, f: Any, room: int, code: int = errno.ENOSPC):
        self.f = f
        self.room = room
        self.code = code

    def write(self, text: str) -> int:
        if len(text) > self.room:
            self.f.write(text[:self.room])
            self.f.flush()
            self.room = 0
            raise OSError(self.code, os.strerror(self.code))
        self.room -= len(text)
        return self.f.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


def full_disk_after(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """Make the session's RecordingWriter write into a FullDisk with `room` bytes left."""
    import hrzone.session

    class Writer(RecordingWriter):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            self._f = FullDisk(self._f, room)  # type: ignore[assignment]

    monkeypatch.setattr(hrzone.session, "RecordingWriter", Writer)


def test_full_disk_stops_the_recording_not_the_session(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    whole = replay(WALK, None)
    full_disk_after(monkeypatch, 20_000)
    out = tmp_path / "r.jsonl"
    notes = Notes()
    res = replay(WALK, out, sinks=[notes])
    assert res.recording_error is not None
    assert "No space left on device" in res.recording_error and str(out) in res.recording_error
    assert len(notes.notes) == 1 and "the session goes on in memory" in notes.notes[0]
    # the session went on in memory: the summary is the whole session's
    assert res.summary.to_json() == {**whole.summary.to_json(), "file": str(out)}
    # what was written is readable: the cut last line is skipped with a warning, no stop event
    rec = read_recording(out)
    assert 0 < len(rec.notifications) < len(read_recording(WALK).notifications)
    assert len(rec.warnings) == 1 and "truncated last line" in rec.warnings[0]
    assert all(e.kind != "stop" for e in rec.events)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EFBIG])
def test_writer_without_on_error_raises_a_one_line_error(tmp_path: Path, code: int) -> None:
    w = RecordingWriter(tmp_path / "r.jsonl", Header(created="2026-01-05T07:30:00+00:00"))
    w._f = FullDisk(w._f, 10, code)  # type: ignore[assignment]
    with pytest.raises(RecordingFormatError, match=os.strerror(code)):
        w.notification(0, 0, b"\x16\x5a")
    w.notification(1, 1, b"\x16\x5a")          # later lines are dropped, not raised
    assert w.dropped == 2
    w.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file-size limit")
def test_file_size_limit_during_live_is_reported_not_unexpected(tmp_path: Path) -> None:
    """A real EFBIG: the recording may grow to 80 KiB (RLIMIT_FSIZE), the session goes on.

    The limit holds for every file the process writes: the history it opens (created with its
    whole schema, ~45 KiB and growing with each migration) must fit, the 110 KiB recording not.
    """
    import resource

    limit_bytes = 81_920

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    out = tmp_path / "r.jsonl"
    r = subprocess.run([sys.executable, "-m", "hrzone", "live", "--virtual", str(WALK),
                        "--speed", "0", "--record", str(out), "--moderate", "100", "--high",
                        "130", "--audio", "off", "--no-save"], capture_output=True, text=True,
                       env={**os.environ, "HRZONE_HOME": str(tmp_path / "home")},
                       preexec_fn=limit, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "unexpected" not in r.stderr
    assert f"Recording stopped early: {out}: cannot write (File too large)" in r.stdout
    assert "29:59" in r.stdout                   # the summary covers the whole 30 minutes
    assert out.stat().st_size <= limit_bytes < WALK.stat().st_size


def test_header_that_cannot_be_written_fails_before_the_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    real = os.fdopen

    def tiny(fd: int, *a: Any, **kw: Any) -> Any:
        return io.TextIOWrapper(FullDisk(real(fd, "wb"), 5), encoding="utf-8")

    import hrzone.recording
    monkeypatch.setattr(hrzone.recording.os, "fdopen", tiny)
    out = tmp_path / "r.jsonl"
    with pytest.raises(RecordingFormatError, match=f"{out}: cannot write: No space left"):
        RecordingWriter(out, Header(created="2026-01-05T07:30:00+00:00"))
    assert not out.exists()                    # no header-less file left behind


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (needs root and mount permission, else the test is skipped)."""
    d = tmp_path / "tiny"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a 64 KiB tmpfs here (needs root/CAP_SYS_ADMIN): "
                    f"{r.stderr.strip() or r.returncode}")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=False)


def test_full_tmpfs_during_a_session(tiny_tmpfs: Path) -> None:
    whole = replay(WALK, None)
    out = tiny_tmpfs / "r.jsonl"
    notes = Notes()
    res = replay(WALK, out, sinks=[notes])
    assert res.recording_error is not None and "No space left on device" in res.recording_error
    assert len(notes.notes) == 1
    assert res.summary.to_json() == {**whole.summary.to_json(), "file": str(out)}
    rec = read_recording(out)
    assert 0 < len(rec.notifications) < len(read_recording(WALK).notifications)


def test_live_on_a_full_tmpfs_reports_and_still_saves(tiny_tmpfs: Path) -> None:
    out = tiny_tmpfs / "live.jsonl"
    r = CliRunner().invoke(cli, ["live", "--virtual", str(WALK), "--speed", "0", "--record",
                                 str(out), "--moderate", "100", "--high", "130", "--audio",
                                 "off", "--save"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "unexpected" not in r.output
    assert "Recording stopped early" in r.output and "No space left on device" in r.output
    assert "Saved to your history" in r.output
    listed = json.loads(CliRunner().invoke(cli, ["log", "list", "--json"]).output)
    assert len(listed) == 1
