"""Intensity thresholds and classification: per-sample intensity and a cue state with hysteresis.

Threshold models (sources in docs/thresholds.md):
- ``hrr``: Karvonen heart-rate reserve, moderate >= 40 %, high >= 60 % (ACSM);
- ``hrmax``: percent of HRmax, moderate >= 64 %, high >= 77 % (ACSM);
- ``bpm``: absolute thresholds, e.g. from a talk test.
HRmax is measured, or estimated as 208 - 0.7 * age (Tanaka 2001), or 164 - 0.7 * age for people
taking beta-blockers (Brawner 2004).
"""

from __future__ import annotations

from bisect import bisect_right
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
    """How sure the cue tracker must be before it calls a new sustained zone (docs/cues.md).

    The tracker follows a robust level of the HR -- the median of the last level_s seconds --
    and collects evidence for a zone change (a CUSUM): each second the level spends beyond the
    threshold adds how far beyond it is (bpm, less margin_bpm, at most cap_bpm), each second
    back inside takes as much away again. A change up is called when the evidence reaches
    evidence_bpm_s: far past the threshold it is called soon (20 bpm*s: 2 s at 10 bpm past), just
    past it later (10 s at 2 bpm), and a level within margin_bpm of the threshold adds nothing.
    A change down needs fall_factor times the evidence (HR falls fast whenever effort pauses --
    a stop, a descent -- and comes straight back; most short dips are falls). Undoing a change
    called less than undo_s ago needs undo_factor times the evidence. While the level is
    already heading back -- it moved trend_bpm or more toward the called zone over the last
    trend_s seconds (HR recovering after a pause, an effort that just ended) -- the evidence
    does not grow and no change is called. After a gap of signal_lost_s or more (and at the
    start) no evidence is collected until the signal has been back restart_s (the level after
    a pause is settling), and no change is called before its evidence has been building for
    hold_s (a burst of a few seconds is no change of level). The first zone of a session holds
    dwell_s before it is called (a gap keeps the zone called). The
    ceiling counts as passed at the ceiling and as left ceiling_margin_bpm below it, each after
    ceiling_dwell_s; signal_lost_s: invalid time before 'signal lost'.
    """

    level_s: float = 5.0
    margin_bpm: float = 0.5
    cap_bpm: float = 10.0
    evidence_bpm_s: float = 20.0
    fall_factor: float = 2.5
    undo_s: float = 240.0
    undo_factor: float = 2.0
    restart_s: float = 30.0
    hold_s: float = 5.0
    trend_s: float = 10.0
    trend_bpm: float = 4.0
    dwell_s: float = 8.0
    ceiling_margin_bpm: float = 2.0
    ceiling_dwell_s: float = 5.0
    signal_lost_s: float = 10.0

    def __post_init__(self) -> None:
        if (self.margin_bpm < 0 or self.dwell_s < 0 or self.ceiling_dwell_s < 0
                or self.signal_lost_s <= 0 or self.level_s < 1 or self.cap_bpm <= 0
                or self.evidence_bpm_s < 0 or self.undo_s < 0 or self.undo_factor < 1
                or self.fall_factor < 1 or self.restart_s < 0 or self.hold_s < 0
                or self.trend_s <= 0 or self.trend_bpm <= 0):
            raise ThresholdError("cue margin, evidence and dwell times must be non-negative "
                                 "(level_s >= 1 s, cap_bpm > 0, undo and fall factors >= 1, "
                                 "trend_s and trend_bpm > 0)")


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
    """Explicit state of the cue tracker (see track_cues); bounded (level_s seconds of HR and
    trend_s seconds of level)."""

    zone: int = INVALID            # the sustained zone called last
    candidate: int = INVALID       # first zone of a segment, waiting for its dwell
    candidate_since: float = 0.0
    level_tail: tuple[tuple[float, float], ...] = ()  # (t, hr) of the last level_s seconds
    level_hist: tuple[tuple[float, float], ...] = ()  # (t, level) of the last trend_s seconds
    evidence_up: float = 0.0       # bpm*s beyond the threshold above the called zone
    evidence_down: float = 0.0     # bpm*s below the threshold under it
    up_since: float = 0.0          # when evidence_up last became positive
    down_since: float = 0.0        # when evidence_down last became positive
    changed_t: float | None = None  # when the zone was last called
    undo_zone: int = INVALID       # the zone it was called from (undoing needs more evidence)
    above: int = 0                 # announced ceiling state
    above_candidate: int = 0
    above_since: float = 0.0
    signal: int = 1                # announced signal state (1 ok, 0 lost)
    last_valid_t: float | None = None
    started: bool = False
    stretch_t: float | None = None  # start of the current stretch of signal (after a gap)


def _median(xs: list[float]) -> float:
    xs.sort()
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


class _CalmRuns:
    """Where the calm runs of a chunk end. A sample is calm for (zone, ceiling state) when it is
    valid, follows the previous sample within signal_lost_s, its HR lies within margin_bpm of
    the called zone's band (so the level -- a median of such samples -- adds no evidence either
    way) and it leaves the ceiling candidate as it is. A calm run changes nothing but the time:
    track_cues skips it whole (exact; tested against one sample at a time)."""

    __slots__ = ("_base", "_breaks", "_ceiling_ok", "_hr", "_lo", "_hi")

    def __init__(self, t_s: np.ndarray, hr_bpm: np.ndarray, valid: np.ndarray,
                 thresholds: Thresholds, config: CueConfig) -> None:
        gap_ok = np.zeros(t_s.shape[0], bool)
        gap_ok[1:] = np.diff(t_s) < config.signal_lost_s
        self._base = np.asarray(valid, bool) & gap_ok
        self._hr = hr_bpm
        m = config.margin_bpm
        self._lo = (-np.inf, thresholds.moderate_bpm - m, thresholds.high_bpm - m)
        self._hi = (thresholds.moderate_bpm + m, thresholds.high_bpm + m, np.inf)
        c = thresholds.ceiling_bpm
        with np.errstate(invalid="ignore"):
            self._ceiling_ok = (None if c is None else
                                (~(hr_bpm >= c), ~(hr_bpm < c - config.ceiling_margin_bpm)))
        self._breaks: dict[tuple[int, int], np.ndarray] = {}

    def in_band(self, hr: float, zone: int) -> bool:
        """Whether an HR value adds no evidence against `zone` (see the class docstring)."""
        return self._lo[zone] <= hr <= self._hi[zone]

    def ceiling_ok(self, i: int, above: int) -> bool:
        """Whether sample i leaves the ceiling candidate `above` as it is."""
        return self._ceiling_ok is None or bool(self._ceiling_ok[above][i])

    def end(self, i: int, zone: int, above: int) -> int:
        """The first index >= i that is not calm for (zone, above) (len when none)."""
        key = (zone, above)
        br = self._breaks.get(key)
        if br is None:
            with np.errstate(invalid="ignore"):
                calm = self._base & (self._hr >= self._lo[zone]) & (self._hr <= self._hi[zone])
            if self._ceiling_ok is not None:
                calm &= self._ceiling_ok[above]
            br = self._breaks[key] = np.flatnonzero(~calm)
        k = int(np.searchsorted(br, i))
        return int(br[k]) if k < br.shape[0] else self._base.shape[0]


CALM_MIN_SAMPLES = 16  # shorter chunks are stepped through (the fast path costs a few arrays)


def track_cues(
    t_s: np.ndarray, hr_bpm: np.ndarray, valid: np.ndarray, state: CueState,
    thresholds: Thresholds, config: CueConfig,
) -> tuple[np.ndarray, list[CueEvent], CueState]:
    """Advance the cue tracker over samples; return (sustained zone per sample, events, state).

    Pure and sequential (the state is small), so any chunking gives the same result.
    """
    zone, cand, cand_since = state.zone, state.candidate, state.candidate_since
    tail = list(state.level_tail)
    hist = list(state.level_hist)
    ev_up, ev_down = state.evidence_up, state.evidence_down
    up_since, down_since = state.up_since, state.down_since
    changed_t, undo_zone = state.changed_t, state.undo_zone
    above, a_cand, a_since = state.above, state.above_candidate, state.above_since
    signal, last_valid, started = state.signal, state.last_valid_t, state.started
    stretch_t = state.stretch_t
    c = config
    level_s, margin, cap = c.level_s, c.margin_bpm, c.cap_bpm
    evidence, undo_s = c.evidence_bpm_s, c.undo_s
    bounds = (thresholds.moderate_bpm, thresholds.high_bpm)
    ceiling = thresholds.ceiling_bpm
    out = np.empty(t_s.shape[0], np.int8)
    events: list[CueEvent] = []
    tl = t_s.tolist()
    hl = hr_bpm.tolist()
    vl = valid.tolist()
    n = len(tl)
    calm = _CalmRuns(t_s, hr_bpm, valid, thresholds, c) if n >= CALM_MIN_SAMPLES else None
    step_until = 0  # samples before this index are stepped one by one
    i = -1
    while i + 1 < n:
        i += 1
        t = tl[i]
        if (calm is not None and i >= step_until and vl[i] and zone != INVALID and signal
                and ev_up == 0.0 and ev_down == 0.0 and a_cand == above and stretch_t is not None
                and last_valid is not None and t - last_valid < c.signal_lost_s
                and calm.in_band(hl[i], zone) and calm.ceiling_ok(i, above)
                and all(calm.in_band(p[1], zone) for p in tail)):
            # Samples i..j-1 are calm (_CalmRuns): only the level window, the level history and
            # the times move. The run's last trend_s seconds are stepped one by one, so the level
            # history the next sample sees is exact; the rest is skipped.
            end = calm.end(i + 1, zone, above)
            step_until = end
            j = bisect_right(tl, tl[end - 1] - c.trend_s, i, end) - 1
            if j <= i:
                i -= 1
                continue
            out[i:j] = zone
            last = tl[j - 1]
            tail = [p for p in tail if last - p[0] < level_s]
            k = j - 1
            while k >= i and last - tl[k] < level_s:
                k -= 1
            tail += [(tl[m], hl[m]) for m in range(k + 1, j)]
            if zone < HIGH:
                up_since = last
            if zone > LOW:
                down_since = last
            last_valid = last
            i = j - 1
            continue
        if not vl[i]:
            if not started:
                started, last_valid = True, t
            if signal and last_valid is not None and t - last_valid >= c.signal_lost_s:
                signal = 0
                events.append(CueEvent(t, "signal", 0, 1, float("nan")))
            out[i] = zone
            continue
        hr = hl[i]
        started = True
        if not signal:
            signal = 1
            events.append(CueEvent(t, "signal", 1, 0, hr))
        dt = 1.0
        if last_valid is not None:
            dt = t - last_valid
            if dt >= c.signal_lost_s:  # a new stretch of signal: the level starts afresh
                tail, hist, ev_up, ev_down, dt, stretch_t = [], [], 0.0, 0.0, 1.0, t
                if zone == INVALID:
                    cand = INVALID
        if stretch_t is None:
            stretch_t = t
        last_valid = t
        while tail and t - tail[0][0] >= level_s:
            del tail[0]
        tail.append((t, hr))
        level = _median([p[1] for p in tail])
        while hist and t - hist[0][0] > c.trend_s:
            del hist[0]
        hist.append((t, level))
        moved = level - hist[0][1]  # the level's move over the last trend_s seconds
        if dt > 2.0:
            dt = 2.0
        lz = HIGH if level >= bounds[1] else MODERATE if level >= bounds[0] else LOW
        if zone == INVALID:
            if lz != cand:
                cand, cand_since = lz, t
            if t - cand_since >= c.dwell_s:
                events.append(CueEvent(t, "zone", cand, zone, hr))
                zone, changed_t, undo_zone = cand, t, INVALID
        elif t - stretch_t < c.restart_s:
            ev_up = ev_down = 0.0  # the level is settling after a gap: no evidence yet
            if zone < HIGH:
                up_since = t
            if zone > LOW:
                down_since = t
        else:
            new, ev, since, back = INVALID, 0.0, t, False
            if zone < HIGH:
                if ev_up <= 0.0:
                    up_since = t
                inc = min(level - bounds[zone] - margin, cap) * dt
                back = moved <= -c.trend_bpm   # above the zone but already falling back
                if not (back and inc > 0):
                    ev_up = max(0.0, ev_up + inc)
                new, ev, since = max(zone + 1, lz), ev_up, up_since
            if zone > LOW:
                if ev_down <= 0.0:
                    down_since = t
                inc = min(bounds[zone - 1] - margin - level, cap) * dt
                down_back = moved >= c.trend_bpm   # below the zone but already rising back
                if not (down_back and inc > 0):
                    ev_down = max(0.0, ev_down + inc)
                if ev_down > 0:
                    new, ev, since, back = min(zone - 1, lz), ev_down, down_since, down_back
            if ev > 0 and not back:
                bar = evidence if new > zone else evidence * c.fall_factor
                if new == undo_zone and changed_t is not None and t - changed_t < undo_s:
                    bar *= c.undo_factor
                if ev >= bar and t - since >= c.hold_s:
                    events.append(CueEvent(t, "zone", new, zone, hr))
                    undo_zone, zone, changed_t = zone, new, t
                    ev_up = ev_down = 0.0
        if ceiling is not None:
            a = 1 if hr >= ceiling else 0 if hr < ceiling - c.ceiling_margin_bpm else a_cand
            if a != a_cand:
                a_cand, a_since = a, t
            if a_cand != above and t - a_since >= c.ceiling_dwell_s:
                events.append(CueEvent(t, "ceiling", a_cand, above, hr))
                above = a_cand
        out[i] = zone
    new_state = replace(state, zone=zone, candidate=cand, candidate_since=cand_since,
                        level_tail=tuple(tail), level_hist=tuple(hist), evidence_up=ev_up,
                        evidence_down=ev_down,
                        up_since=up_since, down_since=down_since,
                        changed_t=changed_t, undo_zone=undo_zone, above=above,
                        above_candidate=a_cand, above_since=a_since, signal=signal,
                        last_valid_t=last_valid, started=started, stretch_t=stretch_t)
    return out, events, new_state
