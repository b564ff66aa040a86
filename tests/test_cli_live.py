"""`hrzone scan`, `hrzone live`, `hrzone calibrate` on the virtual strap (no adapter)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from hrzone.ble.clock import VirtualClock
from hrzone.calibrate import propose_from_recording
from hrzone.cli import cli
from hrzone.hrm import Measurement, encode_measurement
from hrzone.recording import Header, RecordingWriter, now_iso, read_recording
from hrzone.session import run_session
from hrzone.virtual import VirtualAir, virtual_source
from hrzone.zones import resolve_thresholds

S = 1_000_000_000


def hr_at(i: int) -> int:
    return 90 + i // 10           # +6 bpm a minute


def make_recording(path: Path, n: int = 600, marks: dict[int, str] | None = None,
                   name: str = "Polar H10 0000ABCD") -> Path:
    with RecordingWriter(path, Header(created=now_iso(), device={"name": name})) as w:
        for i in range(n):
            hr = hr_at(i)
            w.notification(i * S, i * S, encode_measurement(
                Measurement(hr, True, None, (int(round(61440 / hr)),))))
            if marks and i in marks:
                w.event(i * S, i * S, "mark", mark=marks[i])
    return path


def invoke(args: list[str], input: str | None = None) -> object:
    return CliRunner().invoke(cli, args, catch_exceptions=False, input=input)


def test_scan_virtual(tmp_path: Path) -> None:
    rec = make_recording(tmp_path / "r.jsonl", 20)
    r = invoke(["scan", "--virtual", str(rec), "--json"])
    assert r.exit_code == 0, r.output
    found = json.loads(r.output)
    assert found[0]["name"] == "Polar H10 0000ABCD" and found[0]["profile"] == "polar-h10"
    r = invoke(["scan", "--virtual", str(rec)])
    assert r.exit_code == 0 and "polar-h10" in r.output and "dBm" in r.output


def test_live_virtual_records_and_summarises(tmp_path: Path) -> None:
    src = make_recording(tmp_path / "src.jsonl", 300)
    out = tmp_path / "live.jsonl"
    r = invoke(["live", "--virtual", str(src), "--speed", "0", "--record", str(out),
                "--moderate", "100", "--high", "115"])
    assert r.exit_code == 0, r.output
    assert "zone moderate" in r.output and "credited" in r.output and str(out) in r.output
    rec = read_recording(out)
    assert len(rec.notifications) == 300 and rec.header.profile == "polar-h10"
    assert rec.header.thresholds["moderate_bpm"] == 100


def test_live_json_one_status_per_second(tmp_path: Path) -> None:
    src = make_recording(tmp_path / "src.jsonl", 120)
    r = invoke(["live", "--virtual", str(src), "--speed", "0", "--record",
                str(tmp_path / "o.jsonl"), "--moderate", "100", "--high", "115", "--json"])
    assert r.exit_code == 0, r.output
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    status = [o for o in objs if o["type"] == "status"]
    assert len(status) == 120
    assert [int(o["t_s"]) for o in status] == list(range(120))
    assert objs[-1]["type"] == "summary" and objs[-1]["samples"] == 120
    assert {o["event"] for o in objs if o["type"] == "event"} >= {"connect", "battery"}


@pytest.mark.parametrize("args, msg", [
    (["--virtual", "no-such-plan"], "no-such-plan"),
    (["--virtual", "SRC", "--strap", "nope"], "nope"),
    (["--virtual", "SRC", "--profile", "nope"], "nope"),
    (["--virtual", "SRC", "--moderate", "150", "--high", "120"], "must be below"),
])
def test_live_errors_are_one_line(tmp_path: Path, args: list[str], msg: str) -> None:
    src = make_recording(tmp_path / "src.jsonl", 10)
    args = [str(src) if a == "SRC" else a for a in args]
    if "--moderate" not in args:
        args += ["--moderate", "100", "--high", "120"]
    r = invoke(["live", "--speed", "0", "--record", str(tmp_path / "o.jsonl"), *args])
    assert r.exit_code == 1
    assert msg in r.output and "Traceback" not in r.output


def test_calibrate_from_recording_and_accept(tmp_path: Path) -> None:
    rec = make_recording(tmp_path / "cal.jsonl", 600, {300: "sing", 500: "talk"})
    r = invoke(["calibrate", "--from", str(rec), "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.output)
    # median of the 30 s before each mark of a 6 bpm/min ramp
    assert obj["moderate_bpm"] == pytest.approx(hr_at(285), abs=1)
    assert obj["high_bpm"] == pytest.approx(hr_at(485), abs=1)
    r = invoke(["calibrate", "--from", str(rec), "--accept"])
    assert r.exit_code == 0 and "--moderate" in r.output and "Saved" in r.output
    from hrzone.profile import load_profile
    prof = load_profile()
    assert prof.method == "bpm" and prof.moderate_bpm == obj["moderate_bpm"]
    # later sessions pick the saved thresholds up without options
    out = tmp_path / "after.jsonl"
    r = invoke(["live", "--virtual", str(make_recording(tmp_path / "s2.jsonl", 30)),
                "--speed", "0", "--record", str(out)])
    assert r.exit_code == 0, r.output
    assert read_recording(out).header.thresholds["high_bpm"] == obj["high_bpm"]


def test_calibrate_without_marks_fails_cleanly(tmp_path: Path) -> None:
    rec = make_recording(tmp_path / "nomarks.jsonl", 100)
    r = invoke(["calibrate", "--from", str(rec)])
    assert r.exit_code == 1 and "no talk-test marks" in r.output


def test_marks_during_a_live_session_feed_the_proposal(tmp_path: Path) -> None:
    """Key presses become 'mark' events in the live recording; the proposal uses them."""
    src_rec = make_recording(tmp_path / "src.jsonl", 600)
    out = tmp_path / "live.jsonl"

    async def go() -> None:
        from hrzone.virtual import strap_from_recording
        clock = VirtualClock()
        air = VirtualAir(clock, [strap_from_recording(src_rec)])
        src = virtual_source(air)
        await src.open()

        async def presses() -> None:
            await clock.sleep(300.2)
            src.mark("sing")
            await clock.sleep(200.0)
            src.mark("talk")

        task = asyncio.create_task(presses())
        await run_session(src, resolve_thresholds("bpm", moderate=100, high=140), record_to=out)
        await task
        await air.aclose()
        await clock.aclose()

    asyncio.run(asyncio.wait_for(go(), 30))
    marks = [e.data for e in read_recording(out).events if e.kind == "mark"]
    assert marks == [{"mark": "sing"}, {"mark": "talk"}]
    p = propose_from_recording(out)
    assert p.thresholds.moderate_bpm == pytest.approx(hr_at(285), abs=1)
    assert p.thresholds.high_bpm == pytest.approx(hr_at(485), abs=1)


def test_every_command_has_help() -> None:
    for cmd in ("scan", "live", "calibrate"):
        r = invoke([cmd, "--help"])
        assert r.exit_code == 0 and "--virtual" in r.output
    for cmd in ("live", "calibrate"):
        r = invoke([cmd, "--help"])
        assert "--strap" in r.output and "--profile" not in r.output   # the alias is hidden


def test_deprecated_profile_option_still_picks_the_strap(tmp_path: Path) -> None:
    src = make_recording(tmp_path / "src.jsonl", 20)
    for opt in ("--strap", "--profile"):
        out = tmp_path / f"o{opt}.jsonl"
        r = invoke(["live", "--virtual", str(src), "--speed", "0", "--record", str(out),
                    "--moderate", "100", "--high", "120", "--no-save", "--audio", "off", opt,
                    "polar-oh1"])
        assert r.exit_code == 0, r.output
        assert read_recording(out).header.profile == "polar-oh1"
        assert ("--profile is deprecated" in r.output) == (opt == "--profile")


def test_live_speaks_logs_cues_and_saves_to_history(tmp_path: Path) -> None:
    src = make_recording(tmp_path / "src.jsonl", 300)
    out = tmp_path / "live.jsonl"
    log = tmp_path / "cues.jsonl"
    r = invoke(["live", "--virtual", str(src), "--speed", "0", "--record", str(out),
                "--moderate", "100", "--high", "115", "--audio", "off", "--cue-log", str(log),
                "--save"])
    assert r.exit_code == 0, r.output
    assert "Saved to your history as session 1 (virtual)" in r.output
    cues = [json.loads(x) for x in log.read_text().splitlines()]
    kinds = [c["kind"] for c in cues]
    assert kinds[0] == "start" and "zone" in kinds and kinds[-1] == "end"
    listed = json.loads(invoke(["log", "list", "--json"]).output)
    assert len(listed) == 1
    r = invoke(["live", "--virtual", str(src), "--speed", "0", "--record",
                str(tmp_path / "again.jsonl"), "--moderate", "100", "--high", "115",
                "--audio", "off", "--no-save"])
    assert r.exit_code == 0 and "Saved" not in r.output
    assert len(json.loads(invoke(["log", "list", "--json"]).output)) == 1


def test_talk_test_keys_arrive_without_enter_on_a_terminal() -> None:
    import os
    import pty
    import termios

    from hrzone.cli.live import _keys, _single_keys

    master, slave = pty.openpty()
    with os.fdopen(slave, "r") as stream:
        before = termios.tcgetattr(slave)
        with _single_keys(stream) as single:
            assert single
            os.write(master, b"stq")
            keys = _keys(stream)
            assert [next(keys), next(keys), next(keys)] == ["s", "t", "q"]
        assert termios.tcgetattr(slave) == before  # the terminal is restored
    os.close(master)


def test_talk_test_keys_from_lines_when_not_a_terminal() -> None:
    import io

    from hrzone.cli.live import _keys, _single_keys

    stream = io.StringIO("s\nT then\n\nq\n")
    with _single_keys(stream) as single:
        assert not single
        assert list(_keys(stream)) == ["s", "t", "", "q"]


def test_save_prompt_takes_one_key(capsys: pytest.CaptureFixture[str]) -> None:
    from hrzone.cli.live import _ask_yes_no

    assert _ask_yes_no("Save them in your profile?", iter(["x", "?", "y", "n"])) is True
    assert capsys.readouterr().out == "Save them in your profile? [y/n] yes\n"
    for keys in (["n"], ["\n"], ["\x1b"], [""], []):
        assert _ask_yes_no("Save?", iter(keys)) is False
    assert capsys.readouterr().out.count("[y/n] no\n") == 5


def test_save_prompt_on_a_terminal_needs_no_enter() -> None:
    """On a pseudo-terminal 'y' alone (no newline) answers; the key reader stops when told."""
    import os
    import pty
    import threading

    from hrzone.cli.live import _ask_yes_no, _keys, _single_keys

    master, slave = pty.openpty()
    with os.fdopen(slave, "r") as stream:
        with _single_keys(stream):
            stop = threading.Event()
            left: list[str] = []
            reader = threading.Thread(target=lambda: left.extend(_keys(stream, stop)))
            reader.start()
            stop.set()
            reader.join(5)
            assert not reader.is_alive() and left == []
            answers: list[bool] = []
            asker = threading.Thread(target=lambda: answers.append(
                _ask_yes_no("Save?", _keys(stream))), daemon=True)
            asker.start()
            os.write(master, b"y")
            asker.join(5)
            assert answers == [True]
    os.close(master)


def test_calibrate_shows_proposal_beside_current_thresholds(tmp_path: Path) -> None:
    rec = make_recording(tmp_path / "cal.jsonl", 600, {300: "sing", 500: "talk"})
    for key, value in (("moderate_bpm", "120"), ("high_bpm", "150"), ("method", "bpm")):
        r = invoke(["profile", "set", key, value])
        assert r.exit_code == 0, r.output
    r = invoke(["calibrate", "--from", str(rec)])
    assert r.exit_code == 0, r.output
    p = propose_from_recording(rec)
    th = p.thresholds
    assert (f"Proposed: Moderate starts at {th.moderate_bpm:.0f} bpm (now 120); "
            f"high at {th.high_bpm:.0f} bpm (now 150).") in r.output
    assert "Saved" not in r.output                       # not a terminal: nothing asked, no save
    obj = json.loads(invoke(["calibrate", "--from", str(rec), "--json"]).output)
    assert obj["current"] == {"method": "bpm", "moderate_bpm": 120, "high_bpm": 150}
    assert obj["text"].startswith(f"Moderate starts at {th.moderate_bpm:.0f} bpm (now 120)")


# --- as a person would: a real terminal (tmux) ---------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def _tmux(tmp_path: Path) -> Callable[..., str]:
    import shutil
    import subprocess

    if shutil.which("tmux") is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("tmux is not installed but CI=true: the terminal tests must run in CI "
                        "(.ci/run installs it with apt-get install tmux)")
        pytest.skip("tmux is not installed (apt-get install tmux): the terminal test needs it")
    sock = str(tmp_path / "tmux.sock")

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-S", sock, *args], check=True, capture_output=True,
                              text=True).stdout
    return tmux


def _wait_for(tmux: Callable[..., str], pattern: str, timeout_s: float = 60.0) -> str:
    """The pane's text once `pattern` (a regex) shows on it; fails with the pane otherwise."""
    import re
    import time

    end = time.monotonic() + timeout_s
    while True:
        text = tmux("capture-pane", "-p", "-t", "t")
        if re.search(pattern, text):
            return text
        if time.monotonic() > end:
            raise AssertionError(f"{pattern!r} never appeared; the screen shows:\n{text}")
        time.sleep(0.3)


def _start(tmux: Callable[..., str], args: list[str]) -> None:
    """Run hrzone in a 100 x 50 tmux pane, with this test's HRZONE_HOME."""
    import os
    import shlex
    import sys

    cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "hrzone", *args])
    env = f"HRZONE_HOME={shlex.quote(os.environ['HRZONE_HOME'])}"
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "50",
         f"cd {shlex.quote(str(REPO))} && {env} {cmd}; echo EXITED $?; sleep 60")


def test_live_panel_in_a_terminal_and_ctrl_c(tmp_path: Path) -> None:
    import re

    tmux = _tmux(tmp_path)
    _start(tmux, ["live", "--virtual", "recordings/walk30.jsonl", "--speed", "20",
                  "--audio", "off", "--no-save", "--moderate", "100", "--high", "130",
                  "--record", str(tmp_path / "live.jsonl")])
    try:
        text = _wait_for(tmux, r"Elapsed  [1-9]:\d\d")
        assert "hrzone live · hrzone simulator" in text and "target moderate" in text
        assert re.search(r"\d+ bpm", text) and "Week  " in text and "of 150 min" in text
        tmux("send-keys", "-t", "t", "C-c")
        text = _wait_for(tmux, r"EXITED \d+")
        assert "EXITED 0" in text
        assert text.count("╭") == 1 and text.count("╰") == 1      # one clean final panel
        assert text.index("╰") < text.index("valid time") < text.index("Recording:")
        assert "^C" not in text and "Traceback" not in text
    finally:
        tmux("kill-server")


def test_calibrate_in_a_terminal_confirms_marks_and_saves_with_one_key(tmp_path: Path) -> None:
    tmux = _tmux(tmp_path)
    src = make_recording(tmp_path / "ramp.jsonl", 480)
    _start(tmux, ["calibrate", "--virtual", str(src), "--speed", "40",
                  "--record", str(tmp_path / "cal.jsonl")])
    try:
        text = _wait_for(tmux, r"Elapsed  [2-9]:\d\d")
        assert "Press (one key, no Enter):" in text                        # single keys
        assert "s  when you can no longer sing comfortably" in text
        assert "hrzone talk test" in text and "target" not in text
        assert "LOW" not in text and "MODERATE" not in text and "█" in text
        tmux("send-keys", "-t", "t", "s")
        text = _wait_for(tmux, r"Marked: can no longer sing at \d+ bpm \(\d:\d\d\)")
        _wait_for(tmux, r"Elapsed  [5-9]:\d\d")
        tmux("send-keys", "-t", "t", "t")
        _wait_for(tmux, r"Marked: can no longer talk at \d+ bpm")
        # the recording ends by itself; the key reader must leave the next key to the prompt
        text = _wait_for(tmux, r"Save them in your profile\? \[y/n\]")
        words = " ".join(text.split())
        assert "Moderate starts at" in words and "You have no thresholds saved yet." in words
        tmux("send-keys", "-t", "t", "y")               # no Enter
        text = _wait_for(tmux, r"EXITED \d+")
        assert "[y/n] yes" in text and "Saved (method bpm) in your profile." in text
        assert text.count("╭") == 1 and text.count("╰") == 1      # one final panel
    finally:
        tmux("kill-server")
    from hrzone.profile import load_profile
    p = propose_from_recording(tmp_path / "cal.jsonl")
    assert load_profile().moderate_bpm == p.thresholds.moderate_bpm
    sing = [m for m in p.marks if m.mark.kind == "sing"][0]
    assert f"Marked: can no longer sing at {sing.hr_bpm:.0f} bpm" in text


def test_history_refusing_the_session_still_shows_the_summary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A full disk at the very end: the recording and the summary are kept and shown, and the
    # failure to save is one line with exit 1 (not "unexpected", not a lost session).
    from hrzone import store
    from hrzone.errors import StoreError

    def refuse(*_a: object, **_k: object) -> None:
        raise StoreError("history.db: cannot write the session history: database or disk is full")

    monkeypatch.setattr(store, "save_session", refuse)
    src = make_recording(tmp_path / "src.jsonl", 120)
    out = tmp_path / "live.jsonl"
    r = CliRunner().invoke(cli, ["live", "--virtual", str(src), "--speed", "0", "--record",
                                 str(out), "--moderate", "100", "--high", "115", "--save"])
    assert r.exit_code == 1
    assert "credited" in r.stdout and str(out) in r.stdout
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]
    assert "not saved to your history" in line and "disk is full" in line
    assert len(read_recording(out).notifications) == 120


def test_live_follows_the_profile_target_even_without_sound(tmp_path: Path) -> None:
    # The cue stage (and so the panel's last cue and target) uses the profile's [cues] table
    # also with --audio off, when no audio sink exists to carry the preferences.
    assert invoke(["profile", "set", "cues.target", "high"]).exit_code == 0
    src = make_recording(tmp_path / "src.jsonl", 400)
    r = invoke(["live", "--virtual", str(src), "--speed", "0", "--audio", "off", "--json",
                "--record", str(tmp_path / "live.jsonl"), "--moderate", "100", "--high", "140"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert {ln["target"] for ln in lines if ln.get("type") == "status"} == {"high"}
    zone_cues = [ln["text"] for ln in lines if ln.get("type") == "cue" and ln["kind"] == "zone"]
    assert zone_cues and all("if you want high" in t for t in zone_cues)
