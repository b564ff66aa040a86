"""Speech engines behind one seam: espeak-ng (Linux), say (macOS), System.Speech (Windows).

Each renders one phrase to a WAV file; the caller caches it (see voice.py). Engines are found
with shutil.which, so a missing engine is a notice and the tones fallback, never a crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hrzone.errors import AudioError
from hrzone.phrases import ESPEAK_VOICES

RENDER_TIMEOUT_S = 30.0
ESPEAK_WPM = 150  # a little slower than espeak-ng's 175: calmer, clearer mid-exercise

_PS_SCRIPT = (
    "Add-Type -AssemblyName System.Speech; "
    "$s = New-Object System.Speech.Synthesis.SpeechSynthesizer; "
    "$s.Rate = -1; $s.SetOutputToWaveFile($env:HRZONE_TTS_OUT); "
    "$s.Speak($env:HRZONE_TTS_TEXT); $s.Dispose()"
)


@dataclass(frozen=True, slots=True)
class SpeechEngine:
    """A text-to-speech program: name is 'espeak-ng', 'say' or 'powershell'; exe its path."""

    name: str
    exe: str

    def cache_tag(self, language: str) -> str:
        """What, besides the text, decides the sound (part of the cache key)."""
        if self.name == "espeak-ng":
            return f"espeak-ng|{ESPEAK_VOICES.get(language, language)}|{ESPEAK_WPM}"
        return f"{self.name}|{language}"

    def render(self, text: str, out_path: Path, language: str = "en") -> None:
        """Speak `text` into the WAV file out_path; raise AudioError on failure."""
        env = None
        if self.name == "espeak-ng":
            voice = ESPEAK_VOICES.get(language, language)
            argv = [self.exe, "-v", voice, "-s", str(ESPEAK_WPM), "-w", str(out_path), "--stdin"]
            stdin = text
        elif self.name == "say":
            argv = [self.exe, "-o", str(out_path), "--file-format=WAVE",
                    "--data-format=LEI16@22050", "-f", "-"]
            stdin = text
        elif self.name == "powershell":
            argv = [self.exe, "-NoProfile", "-NonInteractive", "-Command", _PS_SCRIPT]
            env = {**os.environ, "HRZONE_TTS_TEXT": text, "HRZONE_TTS_OUT": str(out_path)}
            stdin = ""
        else:  # pragma: no cover - constructed only by find_engine
            raise AudioError(f"unknown speech engine {self.name!r}")
        try:
            r = subprocess.run(argv, input=stdin, text=True, capture_output=True, env=env,
                               timeout=RENDER_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise AudioError(f"{self.name} could not render {text!r}: {e}") from None
        if r.returncode != 0 or not out_path.exists() or out_path.stat().st_size <= 44:
            msg = (r.stderr or "").strip().splitlines()
            raise AudioError(f"{self.name} could not render {text!r}"
                             + (f": {msg[-1]}" if msg else f" (exit code {r.returncode})"))


def find_engine(platform: str = sys.platform) -> SpeechEngine | None:
    """The speech engine of this platform if installed, else None."""
    if platform.startswith("win"):
        candidates = [("powershell", "powershell"), ("powershell", "pwsh")]
    elif platform == "darwin":
        candidates = [("say", "say")]
    else:
        candidates = [("espeak-ng", "espeak-ng")]
    for name, prog in candidates:
        exe = shutil.which(prog)
        if exe:
            return SpeechEngine(name, exe)
    return None


def install_hint(platform: str = sys.platform) -> str:
    """One line telling the user which speech engine is missing and how to get it."""
    if platform.startswith("win"):
        return "no speech engine (PowerShell with System.Speech) found; it ships with Windows"
    if platform == "darwin":
        return "no speech engine ('say') found; it ships with macOS"
    return ("no speech engine (espeak-ng) found; install it with 'sudo apt install espeak-ng' "
            "(or your distribution's espeak-ng package)")
