"""Heat drift: heart rate creeping up at a steady effort, a sign of heat strain.

At a constant workload heart rate drifts upward over time as the body warms and loses fluid
("cardiovascular drift": Coyle & Gonzalez-Alonso, Exerc Sport Sci Rev 29(2), 2001). Many
people with MS get temporarily worse when warm (Uhthoff's phenomenon), so a clear drift gets one
calm suggestion to cool down and drink (docs/cues.md).

Pure, with explicit state, fed with the signal core's output (the same Output the cue stage
gets); any chunking of a session gives the same events (tests/test_heat.py):

    state = HeatState()
    events, state = detect(out, state, config)    # CueEvent(kind="heat") at session times

Rule: the valid HR of each session minute is averaged (a minute needs 30 valid seconds) and the
zone announced during it noted. Over the last `window_s` of consecutive such minutes, all in one
announced zone (no zone change: the pace the person was asked for is unchanged), the mean HR of
the last 3 minutes must exceed that of the first 3 by at least `drift_bpm`, and the rise must be
steady: the mean of each quarter of the window is above the previous quarter's by at least an
eighth of the rise (a step change of pace puts the whole rise into one quarter). An event is
given at most once every `every_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from hrzone.zones import INVALID, CueEvent

BLOCK_MIN = 3            # minutes averaged at each end of the window
MIN_VALID_PER_MIN = 30   # valid seconds a minute needs to count
MIN_EVERY_S = 600.0      # never more often than every 10 minutes (issue 12)


@dataclass(frozen=True, slots=True)
class HeatConfig:
    """The detector's parameters: rise (bpm) over window_s (s); at most one event per every_s."""

    drift_bpm: float = 10.0
    window_s: float = 1200.0
    every_s: float = 600.0

    @property
    def window_min(self) -> int:
        return int(round(self.window_s / 60.0))


@dataclass(frozen=True, slots=True)
class HeatState:
    """What the detector remembers: the minute being summed and the last finished minutes
    ((minute, mean HR or NaN, announced zone or INVALID for none or several)), the time of the
    last event."""

    minute: int | None = None
    hr_sum: float = 0.0
    n_valid: int = 0
    zone: int | None = None          # the one zone announced in this minute so far (-2: mixed)
    last_hr: float = math.nan
    minutes: tuple[tuple[int, float, int], ...] = ()
    last_event_t: float | None = None


_MIXED = -2


def detect(out: object, state: HeatState, config: HeatConfig
           ) -> tuple[list[CueEvent], HeatState]:
    """Heat-drift events for a chunk of core output (t_s, hr_bpm, valid, zone), in order."""
    t_s = out.t_s.tolist()  # type: ignore[attr-defined]
    if not t_s:
        return [], state
    hr = out.hr_bpm.tolist()  # type: ignore[attr-defined]
    valid = out.valid.tolist()  # type: ignore[attr-defined]
    zone = out.zone.tolist()  # type: ignore[attr-defined]
    events: list[CueEvent] = []
    s = state
    minute, hr_sum, n_valid, mzone = s.minute, s.hr_sum, s.n_valid, s.zone
    minutes, last_t = list(s.minutes), s.last_event_t
    keep = config.window_min + 1
    for k, t in enumerate(t_s):
        m = int(t // 60)
        if minute is not None and m != minute:
            mean = hr_sum / n_valid if n_valid >= MIN_VALID_PER_MIN else math.nan
            z = mzone if mzone is not None and mzone != _MIXED else INVALID
            minutes.append((minute, mean, z))
            del minutes[:-keep]
            rise = _drift(minutes, config)
            if rise is not None and (last_t is None or t - last_t >= config.every_s - 1e-9):
                events.append(CueEvent(t, "heat", int(round(rise)), 0,
                                       _mean([x[1] for x in minutes[-BLOCK_MIN:]])))
                last_t = t
            hr_sum, n_valid, mzone = 0.0, 0, None
        minute = m
        if valid[k] and hr[k] == hr[k]:
            hr_sum += hr[k]
            n_valid += 1
            z = int(zone[k])
            if z != INVALID:
                mzone = z if mzone in (None, z) else _MIXED
    return events, replace(s, minute=minute, hr_sum=hr_sum, n_valid=n_valid, zone=mzone,
                           minutes=tuple(minutes), last_event_t=last_t)


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _drift(minutes: list[tuple[int, float, int]], config: HeatConfig) -> float | None:
    """The rise (bpm) over the window ending with the last minute, if it is a heat drift."""
    w = config.window_min
    if len(minutes) < w or w < 3 * BLOCK_MIN:
        return None
    win = minutes[-w:]
    if win[-1][0] - win[0][0] != w - 1:                      # a gap: not consecutive
        return None
    if any(m[1] != m[1] for m in win) or len({m[2] for m in win}) != 1 or win[0][2] == INVALID:
        return None
    hr = [m[1] for m in win]
    rise = _mean(hr[-BLOCK_MIN:]) - _mean(hr[:BLOCK_MIN])
    if rise < config.drift_bpm:
        return None
    q = [_mean(hr[i * w // 4:(i + 1) * w // 4]) for i in range(4)]
    if any(b - a < rise / 8 for a, b in zip(q, q[1:])):
        return None                                          # not a steady rise: a step
    return rise
