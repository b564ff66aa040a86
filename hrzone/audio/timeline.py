"""Offline rendering of a session's cues onto one WAV timeline (`replay --audio-out`).

Each cue's clip starts at its time (divided by `speed`); everything else is silence. A clip is
cut (with a short fade) where the next cue starts, as the live player does when a safety cue
pre-empts, so every cue is heard at its own time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hrzone.audio.voice import Notify, Voice, notice_stderr
from hrzone.audio.wavio import RATE_HZ, WavWriter, fade
from hrzone.cues import Cue
from hrzone.errors import AudioError


@dataclass(frozen=True, slots=True)
class Timeline:
    """What was written: path, length in seconds, cue onsets in timeline seconds, mode used."""

    path: Path
    duration_s: float
    onsets_s: tuple[float, ...]
    mode: str


def render_timeline(cues: Sequence[Cue], duration_s: float, out_path: str | os.PathLike[str],
                    speed: float = 1.0, mode: str = "speech", *, language: str = "en",
                    voice: Voice | None = None, notify: Notify = notice_stderr) -> Timeline:
    """Write a mono 16-bit WAV at RATE_HZ with each cue's audio at t_s / speed seconds.

    duration_s is the session length in recording seconds; the file is at least that long
    (divided by speed) and long enough for the last cue. mode 'speech' falls back to tones
    (with a notice) when no speech engine is installed.
    """
    if not np.isfinite(speed) or speed <= 0:
        raise AudioError(f"--speed {speed!r} must be a positive number")
    if not np.isfinite(duration_s) or duration_s < 0:
        raise AudioError(f"timeline duration {duration_s!r} s must be >= 0")
    if mode == "off":
        raise AudioError("--audio-out needs --audio speech or tones, not off")
    v = voice or Voice(mode, language, notify=notify)
    ordered = sorted(cues, key=lambda c: c.t_s)
    starts = [max(0, int(round(c.t_s / speed * RATE_HZ))) for c in ordered]
    clips = [v.clip(c) for c in ordered]
    ends = [s + c.size for s, c in zip(starts, clips)]
    total = max([int(round(duration_s / speed * RATE_HZ)), *ends, 0])
    p = Path(out_path)
    if not p.parent.is_dir():
        raise AudioError(f"{p}: folder {p.parent} does not exist")
    # Streamed to disk: a two-hour session is ~300 MB of samples, held here one clip at a time.
    with WavWriter(p) as w:
        for i, (s, clip) in enumerate(zip(starts, clips)):
            nxt = starts[i + 1] if i + 1 < len(starts) else total
            if nxt <= s:
                continue  # two cues at the same instant: the later one is heard
            seg = clip[: nxt - s]
            if seg.size < clip.size:
                seg = fade(seg)
            w.silence(s - w.frames)
            w.write(seg)
        w.silence(total - w.frames)
    return Timeline(p, total / RATE_HZ, tuple(s / RATE_HZ for s in starts), v.mode)
