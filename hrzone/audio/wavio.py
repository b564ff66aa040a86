"""WAV files for cues: mono float32 in memory, 16-bit PCM on disk, written readable by the user only."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from hrzone.errors import AudioError
from hrzone.paths import PrivateOutput

RATE_HZ = 22050  # espeak-ng's native rate; every clip and timeline uses it


def read_wav(path: str | os.PathLike[str], rate_hz: int = RATE_HZ) -> np.ndarray:
    """Samples of a WAV file as mono float32 in [-1, 1], resampled to rate_hz."""
    try:
        rate, data = wavfile.read(str(path))
    except (OSError, ValueError) as e:
        raise AudioError(f"{path}: not a readable WAV file ({e})") from None
    x = np.asarray(data)
    if x.dtype.kind == "i":
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    elif x.dtype.kind == "u":  # 8-bit WAV is unsigned
        x = (x.astype(np.float32) - 128.0) / 128.0
    else:
        x = x.astype(np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate != rate_hz and x.size:
        g = np.gcd(int(rate), int(rate_hz))
        x = resample_poly(x, rate_hz // g, int(rate) // g).astype(np.float32)
    return x


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, rate_hz: int = RATE_HZ) -> Path:
    """Write mono float samples as 16-bit PCM, atomically, with mode 0o600; return the path."""
    with WavWriter(path, rate_hz) as w:
        w.write(samples)
    return w.path


class WavWriter:
    """Stream mono 16-bit PCM to a WAV file (mode 0o600), renamed into place on success
    (paths.PrivateOutput: an existing file or symlink at the path is replaced, not followed)."""

    def __init__(self, path: str | os.PathLike[str], rate_hz: int = RATE_HZ):
        self.path = Path(path)
        self.frames = 0
        self._out = PrivateOutput(self.path, binary=True, error=AudioError)
        self._w = wave.open(self._out.file, "wb")
        self._w.setnchannels(1)
        self._w.setsampwidth(2)
        self._w.setframerate(rate_hz)

    def write(self, samples: np.ndarray) -> None:
        """Append float samples in [-1, 1]."""
        pcm = (np.clip(np.asarray(samples, np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
        self._w.writeframesraw(pcm.tobytes())
        self.frames += pcm.size

    def silence(self, n: int, chunk: int = 1 << 16) -> None:
        """Append n samples of silence."""
        zeros = bytes(2 * min(max(n, 0), chunk))
        while n > 0:
            k = min(n, chunk)
            self._w.writeframesraw(zeros[: 2 * k])
            self.frames += k
            n -= k

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self._w.close()  # patches the header's length fields
        except OSError as e:
            self._out.discard()
            raise AudioError(f"{self.path}: cannot write: {e.strerror}") from None
        except BaseException:
            self._out.discard()
            raise
        if exc_type is None:
            self._out.commit()
        else:
            self._out.discard()


def trim_silence(x: np.ndarray, rate_hz: int = RATE_HZ, floor: float = 0.01,
                 keep_s: float = 0.01) -> np.ndarray:
    """Cut leading/trailing near-silence (|x| < floor x peak), keeping keep_s of margin, so a
    clip's sound starts at its cue time."""
    if not x.size:
        return x
    loud = np.flatnonzero(np.abs(x) >= floor * max(float(np.abs(x).max()), 1e-9))
    if not loud.size:
        return x[:0]
    keep = int(keep_s * rate_hz)
    return x[max(0, loud[0] - keep): loud[-1] + 1 + keep]


def normalise(x: np.ndarray, peak: float = 0.7) -> np.ndarray:
    """Scale to the given peak (speech engines differ a lot in level)."""
    m = float(np.abs(x).max()) if x.size else 0.0
    return x if m <= 0 else (x * (peak / m)).astype(np.float32)


def fade(x: np.ndarray, rate_hz: int = RATE_HZ, fade_s: float = 0.01) -> np.ndarray:
    """Short linear fade in and out, so clips start and stop without a click."""
    n = min(int(fade_s * rate_hz), x.size // 2)
    if n <= 0:
        return x
    y = x.astype(np.float32).copy()
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y
