"""Ctrl-C, SIGTERM and SIGHUP end a live session the same way: summary, stop event, history.

The in-process tests check run_cancellable itself; the subprocess tests run the real command
line and signal it once data flows, as a terminal or a service manager would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hrzone.errors import SessionStopped
from hrzone.runner import END_SIGNALS, run_cancellable

from conftest import RECORDINGS, REPO

POSIX_SIGNALS = [s for s in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, s)]


@pytest.mark.parametrize("name", POSIX_SIGNALS)
def test_a_signal_cancels_the_task_once_and_the_result_comes_back(name: str) -> None:
    sig = getattr(signal, name)
    before = signal.getsignal(sig)
    seen: list[str] = []

    async def session() -> str:
        os.kill(os.getpid(), sig)
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError as e:
            seen.append(str(e.args[0]))
        os.kill(os.getpid(), sig)          # a second signal while finishing is ignored
        await asyncio.sleep(0.05)
        return "summary"

    assert run_cancellable(session()) == "summary"
    assert seen == [name]
    assert signal.getsignal(sig) == before   # handlers restored


def test_a_signal_before_the_session_started_is_a_one_line_error() -> None:
    async def connecting() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(30)            # not a session: does not catch the cancellation

    with pytest.raises(SessionStopped, match="stopped by SIGTERM before the session started"):
        run_cancellable(connecting())


def test_end_signals_are_the_three_that_stop_a_session() -> None:
    assert {s.name for s in END_SIGNALS} == set(POSIX_SIGNALS)


def _hrzone(home: Path, *args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "HRZONE_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "hrzone", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for_data(path: Path, proc: subprocess.Popen[str], lines: int = 15) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"hrzone live ended before the signal: {proc.communicate()}")
        if path.exists() and path.read_text(encoding="utf-8").count("\n") >= lines:
            return
        time.sleep(0.1)
    proc.kill()
    pytest.fail("no data flowed within 60 s")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", POSIX_SIGNALS)
def test_signal_ends_live_like_ctrl_c(tmp_path: Path, name: str) -> None:
    home = tmp_path / "home"
    rec = tmp_path / "live.jsonl"
    proc = _hrzone(home, "live", "--virtual", str(RECORDINGS / "walk30.jsonl"), "--speed", "5",
                   "--record", str(rec), "--save", "--audio", "off",
                   "--moderate", "100", "--high", "130")
    _wait_for_data(rec, proc)
    proc.send_signal(getattr(signal, name))
    try:
        out, err = proc.communicate(timeout=30)   # a hang guard, not a speed assertion
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"hrzone live did not end after {name}: {proc.communicate()}")
    assert proc.returncode == 0, err             # docs/live.md: a stopped session exits 0
    assert "credited" in out and f"Recording: {rec}" in out, out
    assert "Saved to your history as session 1" in out, out
    assert "unexpected" not in err and "Traceback" not in err, err
    last = json.loads(rec.read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "stop" and last["reason"] == "signal" and last["signal"] == name
    listed = subprocess.run([sys.executable, "-m", "hrzone", "log", "list", "--json"], cwd=REPO,
                            env={**os.environ, "HRZONE_HOME": str(home)}, capture_output=True,
                            text=True, check=True)
    sessions = json.loads(listed.stdout)
    assert len(sessions) == 1 and sessions[0]["path"] == str(rec)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")
def test_closing_the_terminal_keeps_the_session(tmp_path: Path) -> None:
    """The real SIGHUP case: `live` runs on a terminal (the live panel) that is then closed.
    Writes to it fail (EIO), yet the recording ends with a stop event and the session is in
    the history; only the summary cannot be shown, and hrzone exits quietly with 129 (128 +
    SIGHUP) instead of an "unexpected OSError"."""
    import pty
    import select

    home = tmp_path / "home"
    rec = tmp_path / "live.jsonl"
    pid, fd = pty.fork()
    if pid == 0:                                     # the child: hrzone on the terminal
        os.chdir(REPO)
        os.environ["HRZONE_HOME"] = str(home)
        os.execv(sys.executable, [sys.executable, "-m", "hrzone", "live", "--virtual",
                                  str(RECORDINGS / "walk30.jsonl"), "--speed", "5", "--record",
                                  str(rec), "--save", "--audio", "off", "--moderate", "100",
                                  "--high", "130"])
    screen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                screen += os.read(fd, 65536)
            except OSError:
                break
        if rec.exists() and rec.read_text(encoding="utf-8").count("\n") >= 15:
            break
    os.close(fd)                                     # the terminal window is closed
    for _ in range(300):                             # a hang guard, not a speed assertion
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("hrzone live did not end when its terminal was closed")
    assert b"hrzone live" in screen                  # the panel was on the terminal
    assert os.waitstatus_to_exitcode(status) == 129
    last = json.loads(rec.read_text(encoding="utf-8").splitlines()[-1])
    assert last == {**last, "event": "stop", "reason": "signal", "signal": "SIGHUP"}
    listed = subprocess.run([sys.executable, "-m", "hrzone", "log", "list", "--json"], cwd=REPO,
                            env={**os.environ, "HRZONE_HOME": str(home)}, capture_output=True,
                            text=True, check=True)
    assert [s["path"] for s in json.loads(listed.stdout)] == [str(rec)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_reader_that_quit_ends_the_command_quietly(tmp_path: Path) -> None:
    """`hrzone log list | head -1`: the pipe's reader is gone before hrzone writes; it exits
    with 141 (128 + SIGPIPE) and says nothing, as a shell tool does."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run([sys.executable, "-m", "hrzone", "summary",
                            str(RECORDINGS / "walk30.jsonl")], cwd=REPO,
                           env={**os.environ, "HRZONE_HOME": str(tmp_path / "home")},
                           stdout=w, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(w)
    assert p.returncode == 141 and p.stderr == ""
