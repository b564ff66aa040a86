"""`hrzone scan`, `hrzone live`, `hrzone calibrate` on the virtual strap (no adapter)."""

from __future__ import annotations

import asyncio
import json
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
