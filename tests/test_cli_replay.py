"""`hrzone replay` and `hrzone demo`: the live pipeline on recordings, equal to the batch summary."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from synth import beats_for, series_from_beats, write_recording

from hrzone.cli import cli
from hrzone.zones import resolve_thresholds

TH = resolve_thresholds("bpm", moderate=100, high=130, ceiling=150)


@pytest.fixture
def rec(tmp_path):
    rr = beats_for(lambda t: 90 if t < 100 else 120 if t < 250 else 155 if t < 300 else 95, 400, 5)
    p = tmp_path / "s.jsonl"
    s = series_from_beats(rr)
    write_recording(p, s, TH, events=[(0, "connect", {}), (200_000_000_000, "battery", {"level": 40})])
    return p


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_replay_prints_events_then_summary(rec):
    r = invoke("replay", rec, "--fast")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "zone: low" in out and "zone: moderate (was low)" in out
    assert "above ceiling: ease off" in out and "back below ceiling" in out
    assert out.index("zone: moderate") < out.index("credited")


def test_replay_json_stream_matches_batch_summary(rec):
    lines = [json.loads(x) for x in invoke("replay", rec, "--fast", "--json").output.splitlines()]
    assert lines[0]["type"] == "start" and lines[-1]["type"] == "summary"
    cues = [x for x in lines if x["type"] == "cue"]
    live = lines[-1]
    batch = json.loads(invoke("summary", rec, "--json").output)
    for k in ("duration_s", "valid_s", "hr", "zones", "minutes", "artifacts", "gaps", "cues"):
        assert live[k] == batch[k], k
    assert [c["t_s"] for c in cues] == [c["t_s"] for c in batch["cues"]]
    assert any(x["type"] == "event" and x["event"] == "battery" for x in lines)


def test_replay_speed_and_fast_are_exclusive(rec):
    r = CliRunner().invoke(cli, ["replay", str(rec), "--fast", "--speed", "5"])
    assert r.exit_code == 2


def test_replay_bad_file(tmp_path):
    r = CliRunner().invoke(cli, ["replay", str(tmp_path / "none.jsonl"), "--fast"])
    assert r.exit_code == 1 and "no such file" in r.stderr


def test_demo_runs_without_configuration():
    r = invoke("demo", "--fast")
    assert r.exit_code == 0, r.output
    assert "zone:" in r.output and "credited" in r.output


def test_timed_replay_one_at_a_time_equals_fast_replay(rec):
    fast = json.loads(invoke("replay", rec, "--fast", "--json").output.splitlines()[-1])
    timed = json.loads(invoke("replay", rec, "--speed", "100000", "--json").output.splitlines()[-1])
    assert fast == timed


def test_replay_save_adds_to_history_once(rec):
    r = invoke("replay", rec, "--fast", "--audio", "off", "--save")
    assert r.exit_code == 0 and "Saved to your history as session 1" in r.output
    r = invoke("replay", rec, "--fast", "--audio", "off", "--save")
    assert "(already there)" in r.output
    week = json.loads(invoke("log", "list", "--json").output)
    assert len(week) == 1


@pytest.mark.parametrize("rel", ["sweatpy/4078723797.fit", "sweatpy/activity_4078723797.gpx",
                                 "gc/2009_08_30_21_17_25.tcx"])
def test_replay_of_imported_files_equals_their_summary(rel):
    from conftest import realdata
    path = realdata(rel)
    args = ("--moderate", "110", "--high", "150")
    live = json.loads(invoke("replay", path, "--fast", "--audio", "off", "--json", *args)
                      .output.splitlines()[-1])
    batch = json.loads(invoke("summary", path, "--json", *args).output)
    for k in ("format", "duration_s", "valid_s", "hr", "zones", "minutes", "gaps", "cues"):
        assert live[k] == batch[k], k


def test_replay_says_when_and_why_no_sound_is_played(tmp_path):
    from hrzone.audio.sink import playback_note

    p = tmp_path / "short.jsonl"
    write_recording(p, series_from_beats(beats_for(lambda t: 90, 20, 5)), TH)
    r = CliRunner().invoke(cli, ["replay", str(p), "--fast", "--audio", "tones"])
    assert r.exit_code == 0
    assert "Note: no sound is played with --fast (use --speed 10 or less" in r.stderr
    r = CliRunner().invoke(cli, ["replay", str(p), "--speed", "40", "--audio", "speech"])
    assert "Note: no sound is played above --speed 10" in r.stderr and "40x" in r.stderr
    # Sound not asked for (default --audio), or off: nothing to explain.
    assert "Note: no sound" not in CliRunner().invoke(cli, ["replay", str(p), "--fast"]).stderr
    assert playback_note("off", None) is None and playback_note("speech", 10.0) is None
    assert "rendered to the --audio-out file" in playback_note("tones", None, tmp_path / "x.wav")
