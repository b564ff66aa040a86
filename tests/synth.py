"""Small synthetic sessions for unit tests (the simulator makes the realistic ones)."""

from __future__ import annotations

import numpy as np

from hrzone.series import Series


def beats_for(hr_of_t, duration_s: float, seed: int = 0, jitter: float = 0.01) -> np.ndarray:
    """RR intervals (ms) of a heart following hr_of_t(t) bpm, with mild correlated variability."""
    rng = np.random.default_rng(seed)
    t, rr, phase = 0.0, [], 0.0
    while t < duration_s:
        phase += 0.3
        r = 60000.0 / hr_of_t(t) * (1 + jitter * np.sin(phase) + 0.3 * jitter * rng.standard_normal())
        t += r / 1000.0
        rr.append(r)
    return np.array(rr)


def series_from_beats(rr_ms: np.ndarray, contact: int = 1, step_s: float = 1.0) -> Series:
    """Notifications every step_s carrying the beats that ended since the previous one."""
    ends = np.cumsum(rr_ms) / 1000.0
    ts = np.arange(step_s, ends[-1], step_s)
    idx = np.searchsorted(ends, ts, side="right")
    counts = np.diff(np.concatenate([[0], idx]))
    hr = np.empty(len(ts))
    for i, k in enumerate(idx):
        lo = max(0, k - 4)
        hr[i] = round(60000.0 / rr_ms[lo:k].mean()) if k > 0 else 0
    return Series.build(ts, hr, np.full(len(ts), contact), counts, rr_ms[: idx[-1]])


def hr_only(hr: np.ndarray, t0: float = 1.0, step_s: float = 1.0, contact: int = -1) -> Series:
    """A strap that sends HR only (no RR), one value per step."""
    ts = t0 + step_s * np.arange(len(hr))
    return Series.build(ts, hr, np.full(len(hr), contact))


def write_recording(path, s: Series, thresholds=None, events=(), profile=None) -> None:
    """Write a Series as a raw recording (each sample encoded as a 0x2A37 notification)."""
    from hrzone.hrm import Measurement, encode_measurement
    from hrzone.recording import Header, RecordingWriter

    h = Header(created="2026-11-16T09:00:00.000+01:00", device={"name": "test strap"},
               profile=profile, thresholds=thresholds.to_json() if thresholds else {},
               source="test")
    off = s.rr_offsets()
    base_wall = 1_763_280_000_000_000_000
    items = []
    for i in range(len(s)):
        rr = tuple(int(round(x * 1024 / 1000)) for x in s.rr_ms[off[i]:off[i + 1]])
        c = None if s.contact[i] < 0 else bool(s.contact[i])
        m = Measurement(int(s.hr_bpm[i]), c, None, rr)
        t_ns = int(round(s.t_s[i] * 1e9))
        items.append((t_ns, 0, encode_measurement(m)))
    for t_ns, kind, data in events:
        items.append((t_ns, 1, (kind, data)))
    items.sort(key=lambda x: (x[0], x[1]))
    with RecordingWriter(path, h) as w:
        for t_ns, is_event, x in items:
            if is_event:
                w.event(t_ns, base_wall + t_ns, x[0], **x[1])
            else:
                w.notification(t_ns, base_wall + t_ns, x)
