"""Tones for when no speech engine is installed: distinct, soft, generated with numpy.

rising two notes = up a zone; falling = down a zone; double beep = ceiling ('ease off');
low long tone = alert (signal lost, battery low); one soft note = anything else.
"""

from __future__ import annotations

import numpy as np

from hrzone.audio.wavio import RATE_HZ, fade

# (frequency Hz, duration s) notes; frequency 0 is a pause.
PATTERNS: dict[str, tuple[tuple[float, float], ...]] = {
    "up": ((440.0, 0.16), (660.0, 0.22)),
    "down": ((660.0, 0.16), (440.0, 0.22)),
    "ceiling": ((880.0, 0.12), (0.0, 0.08), (880.0, 0.12)),
    "alert": ((330.0, 0.45),),
    "info": ((523.0, 0.3),),
}


def _note(freq_hz: float, dur_s: float, rate_hz: int, amp: float) -> np.ndarray:
    n = int(round(dur_s * rate_hz))
    if freq_hz <= 0:
        return np.zeros(n, np.float32)
    t = np.arange(n, dtype=np.float32) / rate_hz
    # A touch of the octave makes the tone rounder and easier to hear over music.
    x = np.sin(2 * np.pi * freq_hz * t) + 0.25 * np.sin(4 * np.pi * freq_hz * t)
    return fade((amp / 1.25 * x).astype(np.float32), rate_hz, 0.015)


def tone(sound: str, rate_hz: int = RATE_HZ, amp: float = 0.5) -> np.ndarray:
    """The tone for a cue's sound hint (unknown hints get the 'info' note), mono float32."""
    notes = PATTERNS.get(sound, PATTERNS["info"])
    return np.concatenate([_note(f, d, rate_hz, amp) for f, d in notes])
