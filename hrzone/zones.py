"""Intensity thresholds and classification: per-sample intensity and a cue state with hysteresis.

Threshold models (sources in docs/thresholds.md):
- ``hrr``: Karvonen heart-rate reserve, moderate >= 40 %, high >= 60 % (ACSM);
- ``hrmax``: percent of HRmax, moderate >= 64 %, high >= 77 % (ACSM);
- ``bpm``: absolute thresholds, e.g. from a talk test.
HRmax is measured, or estimated as 208 - 0.7 * age (Tanaka 2001), or 164 - 0.7 * age for people
taking beta-blockers (Brawner 2004).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from hrzone.errors import ThresholdError, ThresholdsIncomplete

LOW, MODERATE, HIGH = 0, 1, 2
INVALID = -1
ZONE_NAMES = {INVALID: "invalid", LOW: "low", MODERATE: "moderate", HIGH: "high"}
METHODS = ("hrr", "hrmax", "bpm")
DEFAULT_FRACTIONS = {"hrr": (0.40, 0.60), "hrmax": (0.64, 0.77)}
PLAUSIBLE_BPM = (30.0, 250.0)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Resolved thresholds in bpm: moderate starts at moderate_bpm, high at high_bpm."""

    method: str
    moderate_bpm: float
    high_bpm: float
    ceiling_bpm: float | None = None
    rest_bpm: float | None = None
    max_bpm: float | None = None
    max_source: str | None = None  # "measured", "tanaka", "beta-blocker"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, obj: dict[str, Any], where: str = "thresholds") -> Thresholds:
        """Rebuild and validate thresholds stored in a recording header or profile."""
        try:
            t = cls(method=str(obj["method"]), moderate_bpm=float(obj["moderate_bpm"]),
                    high_bpm=float(obj["high_bpm"]),
                    ceiling_bpm=None if obj.get("ceiling_bpm") is None else float(obj["ceiling_bpm"]),
                    rest_bpm=None if obj.get("rest_bpm") is None else float(obj["rest_bpm"]),
                    max_bpm=None if obj.get("max_bpm") is None else float(obj["max_bpm"]),
                    max_source=obj.get("max_source"))
        except (KeyError, TypeError, ValueError) as e:
            raise ThresholdError(f"{where}: incomplete or invalid thresholds ({e})") from None
        validate(t)
        return t


def estimate_max_hr(age: float, beta_blocker: bool = False) -> float:
    """Estimated HRmax in bpm: Tanaka 208 - 0.7*age, or 164 - 0.7*age on beta-blockers."""
    _check_range("--age", age, 5, 110, "years")
    return (164.0 if beta_blocker else 208.0) - 0.7 * age


def _check_range(name: str, value: float, lo: float, hi: float, unit: str) -> None:
    if not np.isfinite(value) or not lo <= value <= hi:
        raise ThresholdError(f"{name} {value:g} {unit} is not plausible (allowed {lo:g}-{hi:g})")


def validate(t: Thresholds) -> Thresholds:
    """Check that thresholds are plausible and ordered; raise ThresholdError otherwise."""
    if t.method not in METHODS:
        raise ThresholdError(f"--method {t.method!r} is unknown (use one of {', '.join(METHODS)})")
    lo, hi = PLAUSIBLE_BPM
    _check_range("--moderate", t.moderate_bpm, lo, hi, "bpm")
    _check_range("--high", t.high_bpm, lo, hi, "bpm")
    if t.moderate_bpm >= t.high_bpm:
        raise ThresholdError(
            f"moderate threshold ({t.moderate_bpm:g} bpm) must be below high ({t.high_bpm:g} bpm)")
    if t.ceiling_bpm is not None:
        _check_range("--ceiling", t.ceiling_bpm, lo, hi, "bpm")
        if t.ceiling_bpm <= t.moderate_bpm:
            raise ThresholdError(
                f"--ceiling {t.ceiling_bpm:g} bpm must be above the moderate threshold "
                f"({t.moderate_bpm:g} bpm)")
    return t


def resolve_thresholds(
    method: str | None = None,
    *,
    age: float | None = None,
    rest: float | None = None,
    max_hr: float | None = None,
    moderate: float | None = None,
    high: float | None = None,
    ceiling: float | None = None,
    beta_blocker: bool = False,
    fractions: tuple[float, float] | None = None,
) -> Thresholds:
    """Compute thresholds in bpm from one of the models; raise ThresholdError on impossible input.

    Without a method: absolute thresholds if --moderate/--high are given, else heart-rate
    reserve if a resting HR is known, else % HRmax.
    """
    if method is None:
        if moderate is not None or high is not None:
            method = "bpm"
        elif rest is not None:
            method = "hrr"
        elif age is not None or max_hr is not None:
            method = "hrmax"
        else:
            raise ThresholdsIncomplete(
                "no thresholds: give --age (and --rest), --max, or --moderate and --high in bpm")
    if method not in METHODS:
        raise ThresholdError(f"--method {method!r} is unknown (use one of {', '.join(METHODS)})")
    if ceiling is not None:
        _check_range("--ceiling", ceiling, *PLAUSIBLE_BPM, "bpm")
    if method == "bpm":
        if moderate is None or high is None:
            raise ThresholdsIncomplete("--method bpm needs both --moderate and --high (in bpm)")
        return validate(Thresholds("bpm", float(moderate), float(high), ceiling, rest, max_hr))
    if moderate is not None or high is not None:
        raise ThresholdError(f"--moderate/--high are absolute bpm; they go with --method bpm, not {method}")
    if max_hr is not None:
        _check_range("--max", max_hr, 100, 240, "bpm")
        hrmax, source = float(max_hr), "measured"
    elif age is not None:
        hrmax = estimate_max_hr(age, beta_blocker)
        source = "beta-blocker" if beta_blocker else "tanaka"
    else:
        raise ThresholdsIncomplete(f"--method {method} needs --max or --age to know your maximum heart rate")
    f_mod, f_high = fractions or DEFAULT_FRACTIONS[method]
    if not 0 < f_mod < f_high < 1:
        raise ThresholdError(f"intensity fractions {f_mod:g}/{f_high:g} must satisfy 0 < moderate < high < 1")
    if method == "hrr":
        if rest is None:
            raise ThresholdsIncomplete("--method hrr needs --rest (resting heart rate in bpm)")
        _check_range("--rest", rest, 25, 120, "bpm")
        if rest >= hrmax:
            raise ThresholdError(f"--rest {rest:g} bpm must be below the maximum heart rate ({hrmax:g} bpm)")
        mod = rest + f_mod * (hrmax - rest)
        hi = rest + f_high * (hrmax - rest)
    else:
        if rest is not None:
            _check_range("--rest", rest, 25, 120, "bpm")
        mod, hi = f_mod * hrmax, f_high * hrmax
    return validate(Thresholds(method, round(mod, 1), round(hi, 1), ceiling,
                               None if rest is None else float(rest), round(hrmax, 1), source))


def classify(hr_bpm: np.ndarray, valid: np.ndarray, t: Thresholds) -> np.ndarray:
    """Per-sample intensity (INVALID, LOW, MODERATE, HIGH) as int8; no hysteresis (for crediting)."""
    z = np.where(hr_bpm >= t.high_bpm, HIGH, np.where(hr_bpm >= t.moderate_bpm, MODERATE, LOW))
    return np.where(valid, z, INVALID).astype(np.int8)


@dataclass(frozen=True, slots=True)
class CueConfig:
    """Hysteresis and dwell for announced zone changes.

    margin_bpm: HR must pass a threshold by this much to change zone; dwell_s: the new zone must
    hold this long before it is announced; ceiling_dwell_s: same for the ceiling;
    signal_lost_s: invalid time before 'signal lost' is announced.
    """

    margin_bpm: float = 2.0
    dwell_s: float = 8.0
    ceiling_dwell_s: float = 5.0
    signal_lost_s: float = 10.0

    def __post_init__(self) -> None:
        if self.margin_bpm < 0 or self.dwell_s < 0 or self.ceiling_dwell_s < 0 or self.signal_lost_s <= 0:
            raise ThresholdError("cue margin and dwell times must be non-negative")


@dataclass(frozen=True, slots=True)
class CueEvent:
    """A change of the announced state: kind is 'zone', 'ceiling' or 'signal'.

    For 'zone', value is the new zone (LOW/MODERATE/HIGH) and previous the old one (INVALID at the
    first announcement); for 'ceiling' value is 1 (above) or 0 (back below); for 'signal' value is
    0 (lost) or 1 (back). t_s is the session time, hr_bpm the cleaned HR at that moment (or NaN).
    """

    t_s: float
    kind: str
    value: int
    previous: int
    hr_bpm: float

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"t_s": round(self.t_s, 3), "kind": self.kind}
        if self.kind == "zone":
            d.update(zone=ZONE_NAMES[self.value], previous=ZONE_NAMES[self.previous])
        elif self.kind == "ceiling":
            d.update(above=bool(self.value))
        else:
            d.update(signal="back" if self.value else "lost")
        d["hr_bpm"] = None if not np.isfinite(self.hr_bpm) else round(float(self.hr_bpm), 1)
        return d


@dataclass(frozen=True, slots=True)
class CueState:
    """Explicit state of the cue tracker (see track_cues)."""

    zone: int = INVALID            # announced zone
    candidate: int = INVALID       # zone the HR currently sits in, with hysteresis
    candidate_since: float = 0.0
    above: int = 0                 # announced ceiling state
    above_candidate: int = 0
    above_since: float = 0.0
    signal: int = 1                # announced signal state (1 ok, 0 lost)
    last_valid_t: float | None = None
    started: bool = False


def _hyst_zone(current: int, hr: float, t: Thresholds, margin: float) -> int:
    """Zone for hr, moving away from `current` only when a threshold is passed by `margin`."""
    raw = HIGH if hr >= t.high_bpm else MODERATE if hr >= t.moderate_bpm else LOW
    if current == INVALID or raw == current:
        return raw
    bounds = (t.moderate_bpm, t.high_bpm)
    if raw > current:  # going up: must exceed the threshold of the new zone by margin
        z = current
        while z < HIGH and hr >= bounds[z] + margin:
            z += 1
        return z
    z = current  # going down: must fall below the threshold of the current zone by margin
    while z > LOW and hr < bounds[z - 1] - margin:
        z -= 1
    return z


class _CalmRuns:
    """Where the calm runs of a chunk end, per announced zone and ceiling state: a sample is
    calm when it is valid, follows the previous sample within signal_lost_s, sits in the
    announced zone without hysteresis (raw zone == announced) and leaves the ceiling candidate
    as it is."""

    __slots__ = ("_breaks", "_base", "_ceiling_ok", "_raw")

    def __init__(self, t_s: np.ndarray, hr_bpm: np.ndarray, valid: np.ndarray,
                 thresholds: Thresholds, config: CueConfig) -> None:
        n = t_s.shape[0]
        gap_ok = np.zeros(n, bool)
        gap_ok[1:] = np.diff(t_s) < config.signal_lost_s
        self._base = np.asarray(valid, bool) & gap_ok
        with np.errstate(invalid="ignore"):
            self._raw = np.where(hr_bpm >= thresholds.high_bpm, HIGH,
                                 np.where(hr_bpm >= thresholds.moderate_bpm, MODERATE, LOW))
            c = thresholds.ceiling_bpm
            self._ceiling_ok = (None if c is None else
                                (~(hr_bpm >= c), ~(hr_bpm < c - config.margin_bpm)))
        self._breaks: dict[tuple[int, int], np.ndarray] = {}

    def end(self, i: int, zone: int, above: int) -> int:
        """The first index >= i that is not calm for (zone, above) (len when none)."""
        key = (zone, above)
        br = self._breaks.get(key)
        if br is None:
            calm = self._base & (self._raw == zone)
            if self._ceiling_ok is not None:
                calm &= self._ceiling_ok[above]
            br = self._breaks[key] = np.flatnonzero(~calm)
        k = int(np.searchsorted(br, i))
        return int(br[k]) if k < br.shape[0] else self._base.shape[0]


def track_cues(
    t_s: np.ndarray, hr_bpm: np.ndarray, valid: np.ndarray, state: CueState,
    thresholds: Thresholds, config: CueConfig,
) -> tuple[np.ndarray, list[CueEvent], CueState]:
    """Advance the cue tracker over samples; return (announced zone per sample, events, state).

    Pure and sequential (the state is tiny), so any chunking gives the same result.
    """
    zone, cand, cand_since = state.zone, state.candidate, state.candidate_since
    above, a_cand, a_since = state.above, state.above_candidate, state.above_since
    signal, last_valid, started = state.signal, state.last_valid_t, state.started
    margin, dwell = config.margin_bpm, config.dwell_s
    ceiling = thresholds.ceiling_bpm
    n = t_s.shape[0]
    out = np.empty(n, np.int8)
    events: list[CueEvent] = []
    tl = t_s.tolist()
    hl = hr_bpm.tolist()
    vl = valid.tolist()
    # Fast-forward over calm runs: while the announced zone holds and nothing is pending, a
    # valid sample in that zone (no gap, no ceiling change) changes nothing but last_valid, so
    # such runs are skipped whole; every other sample takes the step below.
    calm = _CalmRuns(t_s, hr_bpm, valid, thresholds, config) if n > 64 else None
    i = 0
    while i < n:
        t = tl[i]
        if not vl[i]:
            if not started:
                started, last_valid = True, t
            if signal and last_valid is not None and t - last_valid >= config.signal_lost_s:
                signal = 0
                events.append(CueEvent(t, "signal", 0, 1, float("nan")))
            out[i] = zone
            i += 1
            continue
        hr = hl[i]
        started = True
        if not signal:
            signal = 1
            events.append(CueEvent(t, "signal", 1, 0, hr))
            cand, cand_since = INVALID, t  # re-establish the zone after a loss, with dwell
        if last_valid is not None and t - last_valid >= config.signal_lost_s:
            cand, cand_since = INVALID, t
        last_valid = t
        # Hysteresis is relative to the announced zone: a dip back inside it restarts the dwell.
        z = _hyst_zone(zone, hr, thresholds, margin)
        if z != cand:
            cand, cand_since = z, t
        if cand != zone and t - cand_since >= dwell:
            events.append(CueEvent(t, "zone", cand, zone, hr))
            zone = cand
        if ceiling is not None:
            a = 1 if hr >= ceiling else 0 if hr < ceiling - margin else a_cand
            if a != a_cand:
                a_cand, a_since = a, t
            if a_cand != above and t - a_since >= config.ceiling_dwell_s:
                events.append(CueEvent(t, "ceiling", a_cand, above, hr))
                above = a_cand
        out[i] = zone
        i += 1
        if calm is not None and cand == zone != INVALID and a_cand == above:
            j = calm.end(i, zone, a_cand)
            if j > i:
                out[i:j] = zone
                last_valid = tl[j - 1]
                i = j
    new = replace(state, zone=zone, candidate=cand, candidate_since=cand_since, above=above,
                  above_candidate=a_cand, above_since=a_since, signal=signal,
                  last_valid_t=last_valid, started=started)
    return out, events, new
