"""CueSink: the session sink that turns the core's output into spoken cues.

Plugs into hrzone.session (LiveSession / run_session) like any other Sink:

    sink = CueSink(prefs, audio="speech", cue_log=path, audio_out=path, play=True)
    run_session(source, thresholds, sinks=[..., sink])

It steps the pure CueEngine once per sample, plays each cue on the background Player (never
blocking the BLE loop), logs cues as JSON Lines, and at the end speaks the summary and writes the
offline timeline WAV.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hrzone.audio.player import Player
from hrzone.audio.timeline import Timeline, render_timeline
from hrzone.audio.voice import Notify, Voice, notice_stderr
from hrzone.credit import weighted_credit_s
from hrzone.cues import SAFETY, Cue, CueEngine, CueInput, CuePrefs, EngineState
from hrzone.errors import AudioError
from hrzone.paths import PrivateOutput
from hrzone.recording import Event, Header
from hrzone.session import Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.zones import CueEvent, Thresholds


def open_private(path: str | os.PathLike[str]) -> PrivateOutput:
    """Open a text output (the cue log): a 0o600 temporary file renamed over `path` at close()
    (paths.PrivateOutput), so an existing file or symlink there is replaced, never written through."""
    return PrivateOutput(path, error=AudioError)


class CueSink(Sink):
    """Speaks cues during a session; see the module docstring.

    audio: 'speech', 'tones' or 'off'; play: speak live (False for `replay --fast`);
    cue_log: JSON Lines file of cues; audio_out: WAV timeline written at close, compressed by
    timeline_speed; weekly_before_min: credited minutes this week before the session.
    """

    def __init__(self, prefs: CuePrefs | None = None, *, audio: str = "speech",
                 play: bool = True, cue_log: str | os.PathLike[str] | None = None,
                 audio_out: str | os.PathLike[str] | None = None, timeline_speed: float = 1.0,
                 weekly_before_min: float = 0.0, notify: Notify = notice_stderr,
                 voice: Voice | None = None, player: Player | None = None,
                 on_cue: Callable[[Cue], None] | None = None):
        self.engine = CueEngine(prefs)
        self.on_cue = on_cue
        self.state: EngineState = self.engine.initial(weekly_before_min)
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
        self.voice = voice or (Voice(audio, self.engine.prefs.language, notify=notify)
                               if need_voice else None)
        self.player = player if player is not None else (
            Player(notify=notify) if play and self.voice is not None else None)
        self.prepare_s = 0.0
        self._credited_s = 0.0
        self._last_t: float | None = None
        self._valid = False

    # -- Sink interface ----------------------------------------------------------------------

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        """Pre-render every phrase this session may speak (cached across sessions)."""
        if self.voice is not None and self.player is not None:
            self.prepare_s = self.voice.prepare(self.engine.expected_texts(self.state))

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self.on_samples(out.t_s, out.valid, out.intensity, out.credit_s, out.events)

    def on_event(self, event: Event) -> None:
        if event.kind != "battery":
            return
        level = event.data.get("level")
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            return  # a battery event without a level says nothing we can act on
        t = event.t_ns / 1e9
        if self._last_t is not None:
            t = max(t, self._last_t)
        self._step(CueInput(t, self._valid, self._credited_s, (), float(level)))

    def close(self, summary: Any = None) -> None:
        """Speak the end summary, let the player finish, write the timeline, close the log."""
        end_t = self._last_t
        duration = getattr(summary, "duration_s", None)
        cues, self.state = self.engine.finish(self.state, end_t)
        self._emit(cues)
        if self.player is not None:
            self.player.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.audio_out is not None:
            length = float(duration) if duration is not None else (end_t or 0.0)
            if self.cues and self.state.t0_s is not None:
                length = max(length, (end_t or 0.0))
            self.timeline = render_timeline(self.cues, length, self.audio_out,
                                            self.timeline_speed, voice=self.voice,
                                            notify=self.notify)

    # -- the per-sample path -----------------------------------------------------------------

    def on_samples(self, t_s: np.ndarray, valid: np.ndarray, intensity: np.ndarray,
                   credit_s: np.ndarray, events: Sequence[CueEvent] = ()) -> None:
        """Step the engine over samples: session time (s), validity, per-sample intensity and
        seconds credited (weighted here: moderate x1, high x2), plus the cue events."""
        running = self._credited_s + np.cumsum(weighted_credit_s(intensity, credit_s))
        evs = sorted(events, key=lambda e: e.t_s)
        i = 0
        for k in range(len(t_s)):
            t = float(t_s[k])
            mine = []
            while i < len(evs) and (evs[i].t_s <= t or k == len(t_s) - 1):
                mine.append(evs[i])
                i += 1
            self._step(CueInput(t, bool(valid[k]), float(running[k]), tuple(mine)))
        if len(t_s):
            self._credited_s = float(running[-1])

    def on_sample(self, t_s: float, hr_bpm: float, valid: bool, credited_s_total: float,
                  events: Sequence[CueEvent] = ()) -> None:
        """One sample with the session's weighted credited seconds so far (alternative feed)."""
        self._credited_s = float(credited_s_total)
        self._step(CueInput(float(t_s), bool(valid), self._credited_s, tuple(events)))

    def _step(self, inp: CueInput) -> None:
        self._last_t = inp.t_s if self._last_t is None else max(self._last_t, inp.t_s)
        self._valid = inp.valid
        cues, self.state = self.engine.step(inp, self.state)
        self._emit(cues)

    def _emit(self, cues: list[Cue]) -> None:
        for c in cues:
            self.cues.append(c)
            if self.on_cue is not None:
                self.on_cue(c)
            if self._log is not None:
                self._log.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
                self._log.flush()
            if self.player is not None and self.voice is not None:
                path = self.voice.path(c)
                if path is not None:
                    self.player.play(path, preempt=c.priority >= SAFETY)
