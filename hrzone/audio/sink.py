"""CueSink: the session sink that plays, logs and renders the cues it is given.

The cue stage (hrzone.cues) runs in hrzone.session.LiveSession and decides what to say; this
sink only speaks it:

    sink = CueSink(prefs, audio="speech", cue_log=path, audio_out=path, play=True)
    run_session(source, thresholds, sinks=[..., sink])   # the session uses the sink's prefs

It plays each cue on the background Player (never blocking the BLE loop), logs cues as JSON
Lines, and at the end writes the offline timeline WAV.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hrzone.audio.player import Player
from hrzone.audio.timeline import Timeline, render_timeline
from hrzone.audio.voice import Notify, Voice, notice_stderr
from hrzone.cues import SAFETY, Cue, CueEngine, CuePrefs
from hrzone.errors import AudioError
from hrzone.paths import PrivateOutput
from hrzone.recording import Header
from hrzone.session import Sink
from hrzone.zones import Thresholds


MAX_PLAY_SPEED = 10.0  # faster than this, spoken cues would pile up: they are not played


def playback_note(audio: str, speed: float | None, audio_out: object = None) -> str | None:
    """Why a replay with this --audio and speed (None: --fast) plays no sound, or None if it does.

    Missing speech engines and audio players are reported by Voice and Player when they are
    looked for; this covers what the replay speed decides.
    """
    if audio == "off":
        return None
    also = (" the cues are rendered to the --audio-out file instead" if audio_out is not None
            else " add --audio-out FILE to render them to a WAV file")
    if speed is None:
        return (f"no sound is played with --fast (use --speed {MAX_PLAY_SPEED:g} or less to hear "
                f"the cues);{also}")
    if speed > MAX_PLAY_SPEED:
        return (f"no sound is played above --speed {MAX_PLAY_SPEED:g} (the cues would pile up; "
                f"this replay runs at {speed:g}x);{also}")
    return None


def open_private(path: str | os.PathLike[str]) -> PrivateOutput:
    """Open a text output (the cue log): a 0o600 temporary file renamed over `path` at close()
    (paths.PrivateOutput), so an existing file or symlink there is replaced, never written through."""
    return PrivateOutput(path, error=AudioError)


class CueSink(Sink):
    """Speaks cues during a session; see the module docstring.

    prefs: what the person wants to hear (the session's cue stage uses them, see cue_setup);
    audio: 'speech', 'tones' or 'off'; play: speak live (False for `replay --fast`);
    cue_log: JSON Lines file of cues; audio_out: WAV timeline written at close, compressed by
    timeline_speed; weekly_before_min: credited minutes this week before the session;
    on_cue: also called with each cue.
    """

    def __init__(self, prefs: CuePrefs | None = None, *, audio: str = "speech",
                 play: bool = True, cue_log: str | os.PathLike[str] | None = None,
                 audio_out: str | os.PathLike[str] | None = None, timeline_speed: float = 1.0,
                 weekly_before_min: float = 0.0, notify: Notify = notice_stderr,
                 voice: Voice | None = None, player: Player | None = None,
                 on_cue: Callable[[Cue], None] | None = None):
        self.prefs = prefs or CuePrefs()
        self.weekly_before_min = weekly_before_min
        self.listener = on_cue
        self.cues: list[Cue] = []
        self.audio_out = None if audio_out is None else Path(audio_out)
        self.timeline_speed = timeline_speed
        self.timeline: Timeline | None = None
        self.notify = notify
        if self.audio_out is not None and audio == "off":
            raise AudioError("--audio-out needs --audio speech or tones, not off")
        if self.audio_out is not None and not self.audio_out.parent.is_dir():
            raise AudioError(f"{self.audio_out}: folder {self.audio_out.parent} does not exist")
        self._log = open_private(cue_log) if cue_log is not None else None
        need_voice = audio != "off" and (play or self.audio_out is not None)
        self.voice = voice or (Voice(audio, self.prefs.language, notify=notify)
                               if need_voice else None)
        self.player = player if player is not None else (
            Player(notify=notify) if play and self.voice is not None else None)
        self.prepare_s = 0.0

    # -- Sink interface ----------------------------------------------------------------------

    def cue_setup(self) -> tuple[CuePrefs, float]:
        return self.prefs, self.weekly_before_min

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        """Pre-render every phrase this session may speak (cached across sessions)."""
        if self.voice is not None and self.player is not None:
            engine = CueEngine(self.prefs)
            self.prepare_s = self.voice.prepare(
                engine.expected_texts(engine.initial(self.weekly_before_min)))

    def on_cue(self, cue: Cue) -> None:
        """Log the cue and hand it to the player (safety cues pre-empt what is playing)."""
        self.cues.append(cue)
        if self.listener is not None:
            self.listener(cue)
        if self._log is not None:
            self._log.write(json.dumps(cue.to_json(), ensure_ascii=False) + "\n")
            self._log.flush()
        if self.player is not None and self.voice is not None:
            path = self.voice.path(cue)
            if path is not None:
                self.player.play(path, preempt=cue.priority >= SAFETY)

    def close(self, summary: Any = None) -> None:
        """Let the player finish, close the log, write the timeline."""
        if self.player is not None:
            self.player.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.audio_out is not None:
            end_t = self.cues[-1].t_s if self.cues else 0.0
            duration = getattr(summary, "duration_s", None)
            length = max(float(duration) if duration is not None else 0.0, end_t)
            self.timeline = render_timeline(self.cues, length, self.audio_out,
                                            self.timeline_speed, voice=self.voice,
                                            notify=self.notify)
