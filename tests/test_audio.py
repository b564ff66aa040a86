"""Cue audio: real speech rendering (espeak-ng), tones, the background player, the WAV timeline
and the session sink. Speech tests skip where espeak-ng is missing, and FAIL instead when CI=true."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from hrzone.audio import RATE_HZ, Player, Started, Voice, read_wav, render_timeline, tone
from hrzone.audio import speech as speech_mod
from hrzone.audio import voice as voice_mod
from hrzone.audio.player import player_commands
from hrzone.audio.sink import CueSink
from hrzone.audio.speech import SpeechEngine
from hrzone.cues import SAFETY, Cue, CueEngine, CuePrefs
from hrzone.errors import AudioError
from hrzone.zones import resolve_thresholds

from synth import hr_only, write_recording  # noqa: E402  (tests/ is on sys.path)


def need_speech() -> None:
    """Skip without espeak-ng, except in CI (CI=true), where a missing engine is a failure."""
    if shutil.which("espeak-ng"):
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("espeak-ng is not installed but CI=true: speech tests must run in CI "
                    "(.ci/run installs it with apt-get install espeak-ng)")
    pytest.skip("espeak-ng is not installed (sudo apt install espeak-ng)")


@pytest.fixture
def speech() -> None:
    need_speech()


def cue(t: float, text: str = "Moderate intensity.", kind: str = "zone", priority: int = 1,
        sound: str = "up") -> Cue:
    return Cue(t, kind, priority, text, f"{kind}:{text}", sound)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def envelope(x: np.ndarray, frame_s: float = 0.01) -> np.ndarray:
    n = int(frame_s * RATE_HZ)
    k = x.size // n
    return np.sqrt(np.mean(np.square(x[: k * n].reshape(k, n)), axis=1))


def onsets_s(x: np.ndarray, floor: float = 0.01, min_silence_s: float = 1.0) -> list[float]:
    """Times where sound starts after at least min_silence_s of silence (10 ms frames)."""
    frame = int(0.01 * RATE_HZ) / RATE_HZ
    loud = envelope(x) > floor
    gap = int(min_silence_s / frame)
    out, quiet = [], gap
    for i, v in enumerate(loud):
        if v and quiet >= gap:
            out.append(i * frame)
        quiet = 0 if v else quiet + 1
    return out


# -- the CI rule itself ------------------------------------------------------------------------------

def test_missing_engine_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        need_speech()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="espeak-ng is not installed"):
        need_speech()


# -- speech -------------------------------------------------------------------------------------------

def test_rendered_cue_is_a_plausible_private_wav(speech: None, hrzone_home: Path) -> None:
    v = Voice("speech")
    assert v.mode == "speech" and v.engine is not None and v.engine.name == "espeak-ng"
    p = v.path(cue(0.0, "Ease off. You are above your ceiling.", "ceiling", SAFETY, "ceiling"))
    assert p is not None and p.is_relative_to(hrzone_home / "cache")
    rate, data = wavfile.read(p)
    assert rate == RATE_HZ and data.dtype == np.int16 and data.ndim == 1
    x = data / 32767.0
    assert 0.3 <= x.size / rate <= 5.0
    assert rms(x) > 0.03
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(p.parent.stat().st_mode) == 0o700


def test_every_phrase_renders_to_plausible_speech(speech: None) -> None:
    e = CueEngine()
    s = e.initial(100)
    end = e.finish(s)[0][0].text
    texts = e.expected_texts(s, max_minutes=30) + [end]
    v = Voice("speech")
    v.prepare(texts)
    lengths = {}
    for t in texts:
        x = v.clip(cue(0.0, t))
        lengths[t] = x.size / RATE_HZ
        # Cues heard mid-exercise stay under 5 s; the end summary (said at rest) may run longer.
        assert 0.3 <= lengths[t] <= (8.0 if t == end else 5.0), t
        assert rms(x) > 0.03, t
    # Longer phrases take longer to say: the engine really spoke the text.
    assert lengths["Signal lost. Check the strap."] > lengths["Signal back."] + 0.3


def test_prepared_phrases_are_cached_across_sessions(speech: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    texts = CueEngine().expected_texts(CueEngine().initial(), max_minutes=20)
    Voice("speech").prepare(texts)

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("rendered again instead of using the cache")

    monkeypatch.setattr(SpeechEngine, "render", boom)
    v2 = Voice("speech")
    assert v2.prepare(texts) < 1.0 and v2.mode == "speech"
    assert v2.path(cue(0.0, texts[3])) is not None


def test_no_speech_engine_means_tones_and_one_line_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_mod, "find_engine", lambda: None)
    notes: list[str] = []
    v = Voice("speech", notify=notes.append)
    assert v.mode == "tones"
    assert len(notes) == 1 and "espeak-ng" in notes[0] and "apt install" in notes[0]
    assert "\n" not in notes[0]
    assert np.allclose(v.clip(cue(0.0, sound="down")), tone("down"), atol=1e-4)


def test_failing_speech_engine_falls_back_to_tones(tmp_path: Path) -> None:
    notes: list[str] = []
    v = Voice("speech", engine=SpeechEngine("espeak-ng", "/bin/false"), notify=notes.append)
    x = v.clip(cue(0.0, sound="ceiling"))
    assert v.mode == "tones" and x.size and len(notes) == 1 and "espeak-ng" in notes[0]


def test_engines_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert speech_mod.find_engine("linux").name == "espeak-ng"
    assert speech_mod.find_engine("darwin").name == "say"
    assert speech_mod.find_engine("win32").name == "powershell"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert speech_mod.find_engine("linux") is None
    assert player_commands("linux") == []


def test_bad_audio_mode() -> None:
    with pytest.raises(AudioError, match="audio mode 'loud'"):
        Voice("loud")


# -- tones ----------------------------------------------------------------------------------------------

def dominant_hz(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / RATE_HZ)[np.argmax(spec)])


def test_tones_are_distinct() -> None:
    up, down, ceil, alert = tone("up"), tone("down"), tone("ceiling"), tone("alert")
    h = lambda x: (dominant_hz(x[: x.size // 2]), dominant_hz(x[x.size // 2:]))  # noqa: E731
    assert h(up)[0] < h(up)[1]            # rising
    assert h(down)[0] > h(down)[1]        # falling
    assert len(onsets_s(ceil, min_silence_s=0.05)) == 2           # double beep
    assert dominant_hz(alert) < 400 and len(onsets_s(alert, min_silence_s=0.05)) == 1
    for x in (up, down, ceil, alert, tone("info")):
        assert 0.2 <= x.size / RATE_HZ <= 1.0 and rms(x) > 0.1 and np.abs(x).max() <= 1.0


# -- timeline -------------------------------------------------------------------------------------------

TIMES = [30.0, 95.0, 200.0, 340.0]
TEXTS = ["Session started.", "Moderate intensity.", "Ease off. You are above your ceiling.",
         "Session done. 12 minutes credited; 80 of 150 this week."]


@pytest.mark.parametrize("speed", [1.0, 10.0])
def test_timeline_has_onsets_at_cue_times_and_silence_elsewhere(speech: None, tmp_path: Path,
                                                                 speed: float) -> None:
    cues = [cue(t, text) for t, text in zip(TIMES, TEXTS)]
    out = tmp_path / "cues.wav"
    tl = render_timeline(cues, 400.0, out, speed=speed)
    assert tl.mode == "speech" and stat.S_IMODE(out.stat().st_mode) == 0o600
    x = read_wav(out)
    assert abs(x.size / RATE_HZ - 400.0 / speed) < 0.05
    found = onsets_s(x)
    expected = [t / speed for t in TIMES]
    assert len(found) == len(expected)
    assert np.all(np.abs(np.array(found) - expected) < 0.1)
    # Silence elsewhere: nothing outside [onset, onset + clip length].
    v = Voice("speech")
    mask = np.zeros(x.size, bool)
    for t, text in zip(expected, TEXTS):
        a = int(round(t * RATE_HZ))
        mask[a: a + v.clip(cue(0, text)).size] = True
    assert np.abs(x[~mask]).max(initial=0.0) < 1e-4
    assert rms(x[mask]) > 0.03


def test_timeline_tones_and_overlapping_cues(tmp_path: Path) -> None:
    # A safety cue 0.1 s (after speed-up) after another cuts it, as the live player does.
    cues = [cue(10.0, sound="up"), cue(11.0, kind="ceiling", priority=SAFETY, sound="ceiling"),
            cue(50.0, sound="down")]
    tl = render_timeline(cues, 60.0, tmp_path / "t.wav", speed=10.0, mode="tones")
    x = read_wav(tmp_path / "t.wav")
    assert tl.mode == "tones" and tl.onsets_s == pytest.approx((1.0, 1.1, 5.0), abs=1e-4)
    assert abs(x.size / RATE_HZ - max(6.0, 5.0 + tone("down").size / RATE_HZ)) < 0.01
    found = onsets_s(x, min_silence_s=0.5)
    assert found == pytest.approx([1.0, 5.0], abs=0.02)
    assert np.abs(x[: int(0.99 * RATE_HZ)]).max() == 0.0


def test_timeline_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="--speed"):
        render_timeline([], 10.0, tmp_path / "x.wav", speed=0.0, mode="tones")
    with pytest.raises(AudioError, match="does not exist"):
        render_timeline([], 10.0, tmp_path / "no" / "x.wav", mode="tones")
    with pytest.raises(AudioError, match="not off"):
        render_timeline([], 10.0, tmp_path / "x.wav", mode="off")


# -- player ---------------------------------------------------------------------------------------------

FAKE_PLAYER = """
import sys, time, pathlib
log, path, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(log, "a") as f:
    f.write(f"start {pathlib.Path(path).name}\\n")
time.sleep(secs)
with open(log, "a") as f:
    f.write(f"end {pathlib.Path(path).name}\\n")
"""


def fake_player(tmp_path: Path, secs: float) -> tuple[list[str], Path]:
    script = tmp_path / "player.py"
    script.write_text(FAKE_PLAYER)
    log = tmp_path / "played.log"
    return [sys.executable, str(script), str(log), "{path}", str(secs)], log


def wait_for(cond, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_player_plays_in_order_in_the_background(tmp_path: Path) -> None:
    argv, log = fake_player(tmp_path, 1.0)
    started: list[Started] = []
    p = Player([argv], notify=pytest.fail, on_start=started.append)
    t0 = time.perf_counter()
    p.play(tmp_path / "a.wav")
    p.play(tmp_path / "b.wav")
    assert time.perf_counter() - t0 < 0.5           # never waits for a clip (each lasts 1 s)
    p.close()
    assert log.read_text().split("\n")[:4] == ["start a.wav", "end a.wav", "start b.wav", "end b.wav"]
    assert [s.path.name for s in started] == ["a.wav", "b.wav"]
    assert started[0].started_s - started[0].requested_s < 1.0


def test_safety_cue_preempts_what_is_playing(tmp_path: Path) -> None:
    argv, log = fake_player(tmp_path, 5.0)
    p = Player([argv], notify=pytest.fail)
    p.play(tmp_path / "long.wav")
    assert wait_for(lambda: log.exists() and "start long.wav" in log.read_text())
    p.play(tmp_path / "queued.wav")
    t0 = time.monotonic()
    p.play(tmp_path / "ceiling.wav", preempt=True)
    assert wait_for(lambda: "start ceiling.wav" in log.read_text(), 3.0)
    assert time.monotonic() - t0 < 3.0
    text = log.read_text()
    assert "end long.wav" not in text and "queued.wav" not in text
    assert not p.silent                              # being cut is not a broken player
    p.close(timeout_s=0.1)


def test_broken_player_falls_back_then_goes_silent_with_one_notice(tmp_path: Path) -> None:
    argv, log = fake_player(tmp_path, 0.0)
    notes: list[str] = []
    p = Player([["/bin/false", "{path}"], argv], notify=notes.append)
    p.play(tmp_path / "a.wav")
    p.close()
    assert "start a.wav" in log.read_text() and notes == []
    p2 = Player([["/bin/false", "{path}"]], notify=notes.append)
    p2.play(tmp_path / "a.wav")
    assert wait_for(lambda: p2.silent)
    p2.play(tmp_path / "b.wav")
    p2.close()
    assert len(notes) == 1 and "audio player" in notes[0]
    p3 = Player([], notify=notes.append)
    assert p3.silent and len(notes) == 2
    p3.close()


def test_player_command_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HRZONE_AUDIO_PLAYER", "sox -q {path} -n")
    assert player_commands() == [["sox", "-q", "{path}", "-n"]]
    monkeypatch.setenv("HRZONE_AUDIO_PLAYER", "myplayer --quiet")
    assert player_commands() == [["myplayer", "--quiet", "{path}"]]


# -- the session sink -----------------------------------------------------------------------------------

TH = resolve_thresholds("bpm", moderate=110, high=140, ceiling=160)


def session_hr() -> np.ndarray:
    # A strap without RR repeating one value is "stale": give the HR a little natural wobble.
    hr = np.concatenate([np.full(90, 90.0), np.full(700, 125.0), np.full(150, 170.0),
                         np.full(200, 125.0)])
    return np.round(hr + np.random.default_rng(0).uniform(-1.5, 1.5, hr.size))


class RecordingPlayer(Player):
    """A Player that records what it is asked to play (no sound, no thread work)."""

    def __init__(self, *a: object, **k: object) -> None:
        super().__init__(*a, **k)  # type: ignore[arg-type]
        self.calls: list[tuple[Path, bool]] = []
        self.closed = False

    def play(self, path: Path, preempt: bool = False) -> None:
        self.calls.append((path, preempt))

    def close(self, timeout_s: float = 10.0) -> None:
        self.closed = True
        super().close(timeout_s)


def replay(path: Path, sink: CueSink) -> None:
    from hrzone.session import run_session
    from hrzone.source import ReplaySource

    asyncio.run(run_session(ReplaySource(path, speed=None), TH, sinks=[sink], file=str(path)))


def test_sink_in_a_replayed_session_logs_plays_and_renders(tmp_path: Path) -> None:
    rec = tmp_path / "s.jsonl"
    write_recording(rec, hr_only(session_hr()), TH,
                    events=[(int(500e9), "battery", {"level": 12})])
    notes: list[str] = []
    voice = Voice("tones", notify=notes.append)
    player = RecordingPlayer([], notify=lambda m: None)
    sink = CueSink(CuePrefs(), audio="tones", cue_log=tmp_path / "cues.jsonl",
                   audio_out=tmp_path / "cues.wav", weekly_before_min=135, voice=voice,
                   player=player)
    replay(rec, sink)
    kinds = [c.kind for c in sink.cues]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert {"zone", "ceiling", "battery", "milestone", "goal"} <= set(kinds)
    lines = [json.loads(x) for x in (tmp_path / "cues.jsonl").read_text().splitlines()]
    assert [x["t_s"] for x in lines] == [round(c.t_s, 3) for c in sink.cues]
    assert stat.S_IMODE((tmp_path / "cues.jsonl").stat().st_mode) == 0o600
    # Each cue handed to the player once, with its tone; safety cues pre-empt.
    assert [(p.name, pre) for p, pre in player.calls] == [
        (f"tone-1-{c.sound}.wav", c.priority >= SAFETY) for c in sink.cues]
    assert player.closed
    assert sink.timeline is not None
    found = onsets_s(read_wav(tmp_path / "cues.wav"), min_silence_s=0.5)
    assert np.allclose(found, [c.t_s for c in sink.cues], atol=0.1)
    assert notes == []
    assert sink.cues[-1].text.startswith("Session done. ")


def test_sink_without_sound_still_logs(tmp_path: Path) -> None:
    rec = tmp_path / "s.jsonl"
    write_recording(rec, hr_only(session_hr()), TH)
    sink = CueSink(audio="off", play=False, cue_log=tmp_path / "c.jsonl")
    replay(rec, sink)
    assert sink.voice is None and sink.player is None
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == len(sink.cues) >= 3


def test_sink_rejects_audio_out_without_audio(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="not off"):
        CueSink(audio="off", audio_out=tmp_path / "x.wav")


def test_replayed_bundled_recording_timeline_matches_the_cue_log(speech: None, tmp_path: Path) -> None:
    """Acceptance: `replay FILE --fast --audio-out` of a bundled recording has sound onsets within
    100 ms of the logged cue times (compressed by --speed), and silence elsewhere."""
    rec = Path(__file__).resolve().parents[1] / "recordings" / "noisy.jsonl"
    if not rec.exists():
        pytest.skip(f"bundled recording {rec} is absent")
    from hrzone.cli.replay import replay_file

    speed = 5.0
    sink = CueSink(audio="speech", play=False, cue_log=tmp_path / "cues.jsonl",
                   audio_out=tmp_path / "cues.wav", timeline_speed=speed)
    replay_file(rec, {}, None, True, sinks=[sink])
    logged = [json.loads(x) for x in (tmp_path / "cues.jsonl").read_text().splitlines()]
    assert len(logged) >= 4 and logged[0]["kind"] == "start" and logged[-1]["kind"] == "end"
    x = read_wav(tmp_path / "cues.wav")
    # The recording's 40 minutes / 5, plus the end summary spoken at the very end.
    assert 2398.0 / speed <= x.size / RATE_HZ <= 2400.0 / speed + 8.0
    expected = np.array([c["t_s"] for c in logged]) / speed
    found = np.array(onsets_s(x, min_silence_s=0.8))
    assert found.size == expected.size, (found, expected)
    assert np.abs(found - expected).max() < 0.1
    v = Voice("speech")
    mask = np.zeros(x.size, bool)
    for t, c in zip(expected, logged):
        a = int(round(t * RATE_HZ))
        mask[a: a + v.clip(cue(0, c["text"])).size] = True
    assert np.abs(x[~mask]).max(initial=0.0) < 1e-4


def test_audio_options_bundle_builds_the_sink(tmp_path: Path) -> None:
    import click
    from click.testing import CliRunner

    from hrzone.cli.audio_options import audio_options, cue_sink_from_options

    @click.command()
    @audio_options
    def cmd(audio: str, cue_log: Path | None, audio_out: Path | None) -> None:
        sink = cue_sink_from_options(audio, cue_log, audio_out, play=False, weekly=True)
        if sink is None:
            click.echo("no sink")
        else:
            click.echo(f"{sink.voice.mode if sink.voice else '-'} {sink.weekly_before_min} "
                       f"{sink.prefs.weekly_goal_min}")
            sink.close()

    r = CliRunner()
    assert r.invoke(cmd, ["--audio", "off"], catch_exceptions=False).output == "no sink\n"
    res = r.invoke(cmd, ["--audio", "tones", "--cue-log", str(tmp_path / "c.jsonl"),
                         "--audio-out", str(tmp_path / "c.wav")], catch_exceptions=False)
    assert res.exit_code == 0 and res.output == "tones 0.0 150\n"      # empty history, default goal
    assert (tmp_path / "c.wav").exists() and (tmp_path / "c.jsonl").exists()
    res = r.invoke(cmd, ["--audio", "off", "--audio-out", str(tmp_path / "x.wav")])
    assert res.exit_code == 2 and "--audio-out needs --audio speech or tones" in res.output
    res = r.invoke(cmd, ["--audio", "loud"])
    assert res.exit_code == 2
    help_text = r.invoke(cmd, ["--help"]).output
    assert "--audio [speech|tones|off]" in help_text and "--cue-log" in help_text
