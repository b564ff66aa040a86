"""Cue audio: each cue becomes a clip of speech (rendered once, cached) or a tone.

Speech is pre-rendered when a session starts (`prepare`), so speaking a cue during the session
only plays a file that is already on disk. The cache lives in the user cache folder
($HRZONE_HOME/cache when set), in files readable by the user only.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Lock

import numpy as np

from hrzone import paths
from hrzone.audio.speech import SpeechEngine, find_engine, install_hint
from hrzone.audio.tones import tone
from hrzone.audio.wavio import fade, normalise, read_wav, trim_silence, write_wav
from hrzone.cues import Cue
from hrzone.errors import AudioError

MODES = ("speech", "tones", "off")
CACHE_VERSION = "1"  # bump when the post-processing of rendered speech changes

Notify = Callable[[str], None]


def notice_stderr(msg: str) -> None:
    """Default notice: one line on standard error."""
    print(f"hrzone: {msg}", file=sys.stderr)


def audio_cache_dir() -> Path:
    """The folder of cached cue audio (created 0o700)."""
    return paths.private_dir(paths.cache_dir() / "cues", "the audio cache")


class Voice:
    """Turns cues into audio files and clips, by speech or tones.

    mode 'speech' falls back to 'tones' (with one notice) when no speech engine is installed or
    it fails. engine: a SpeechEngine, or None to find this platform's.
    """

    def __init__(self, mode: str = "speech", language: str = "en",
                 engine: SpeechEngine | None = None, notify: Notify = notice_stderr):
        if mode not in MODES:
            raise AudioError(f"audio mode {mode!r} is unknown (use one of {', '.join(MODES)})")
        self.language = language
        self.notify = notify
        self.engine = engine
        if mode == "speech" and engine is None:
            self.engine = find_engine()
            if self.engine is None:
                notify(install_hint() + "; using tones instead of speech")
                mode = "tones"
        self.mode = mode
        self._paths: dict[str, Path] = {}
        self._lock = Lock()
        self._dir = audio_cache_dir() if mode != "off" else None

    # -- files -------------------------------------------------------------------------------

    def _speech_path(self, text: str) -> Path:
        assert self.engine is not None and self._dir is not None
        tag = f"{CACHE_VERSION}|{self.engine.cache_tag(self.language)}|{text}"
        return self._dir / f"speech-{hashlib.sha256(tag.encode()).hexdigest()[:24]}.wav"

    def _render_speech(self, text: str) -> Path:
        assert self.engine is not None
        out = self._speech_path(text)
        if out.exists():
            return out
        raw = out.with_name(out.stem + f".raw{time.monotonic_ns()}.wav")
        try:
            os.close(paths.create_private(raw))  # the engine writes into it: 0o600 from the start
            self.engine.render(text, raw, self.language)
            clip = fade(normalise(trim_silence(read_wav(raw))))
            if clip.size == 0:
                raise AudioError(f"{self.engine.name} rendered silence for {text!r}")
            write_wav(out, clip)
        finally:
            raw.unlink(missing_ok=True)
        return out

    def _tone_path(self, sound: str) -> Path:
        assert self._dir is not None
        out = self._dir / f"tone-{CACHE_VERSION}-{sound}.wav"
        if not out.exists():
            write_wav(out, tone(sound))
        return out

    def path(self, cue: Cue) -> Path | None:
        """The audio file for a cue (rendering it now if not prepared); None when mode is off."""
        if self.mode == "off":
            return None
        if self.mode == "speech":
            with self._lock:
                p = self._paths.get(cue.text)
            if p is not None:
                return p
            try:
                p = self._render_speech(cue.text)
            except AudioError as e:
                self.notify(f"{e}; using tones instead of speech")
                self.mode = "tones"
                return self._tone_path(cue.sound)
            with self._lock:
                self._paths[cue.text] = p
            return p
        return self._tone_path(cue.sound)

    def clip(self, cue: Cue) -> np.ndarray:
        """The cue's audio as mono float32 at RATE_HZ (empty when mode is off)."""
        p = self.path(cue)
        return np.zeros(0, np.float32) if p is None else read_wav(p)

    def prepare(self, texts: Iterable[str], workers: int = 2) -> float:
        """Pre-render phrases (cached across sessions); return the seconds it took."""
        t0 = time.perf_counter()
        if self.mode == "speech":
            todo = [t for t in dict.fromkeys(texts) if t not in self._paths]
            try:
                with ThreadPoolExecutor(max_workers=workers) as ex:
                    for text, p in zip(todo, ex.map(self._render_speech, todo)):
                        self._paths[text] = p
            except AudioError as e:
                self.notify(f"{e}; using tones instead of speech")
                self.mode = "tones"
        if self.mode == "tones":
            for s in ("up", "down", "ceiling", "alert", "info"):
                self._tone_path(s)
        return time.perf_counter() - t0
