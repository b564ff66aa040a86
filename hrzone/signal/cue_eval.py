"""Scoring of spoken zone cues against a sustained-change truth (issue 10), and the baselines.

The measure (used by bench/cue_quality.py and its tests):

- HR goes on a 1 Hz grid; a sample is held over gaps <= 10 s, longer gaps stay empty and do not
  count as hours (`grid`).
- Truth: the zone of the centred 61 s median HR at each second, with at least 31 valid seconds
  in the window and never across a gap > 10 s (`truth_zones`). Runs of one zone shorter than
  60 s are ignored; a true change is the start of a >= 60 s run in a zone different from the
  previous >= 60 s run (`true_changes`). The first sustained run of the session, and the first
  after a gap > 60 s (one stretch of empty seconds), is "free": it may be named by the first
  announcement of the session (after that gap) without counting as spurious, and is not missed
  if unnamed.
- An announcement matches a true change when it names the new zone within +-90 s of it (one
  announcement per change, the closest); every other announcement is spurious (`score`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hrzone.zones import HIGH, LOW, MODERATE, Thresholds, classify

HOLD_S = 10          # a sample is held over gaps up to this long
WINDOW_S = 61        # centred median window of the truth
MIN_COUNT = 31       # valid seconds the truth window needs
SUSTAINED_S = 60     # a run this long is sustained
MATCH_S = 90         # an announcement within this of a change names it
FREE_GAP_S = 60      # after a gap this long the first sustained zone is free
NEAR_BPM = 3.0       # "near a threshold": the change's first minute stays this close


@dataclass(frozen=True, slots=True)
class Grid:
    """HR on a 1 Hz grid: t0 (s, session time of index 0) and hr (NaN where empty)."""

    t0: float
    hr: np.ndarray

    @property
    def t_s(self) -> np.ndarray:
        return self.t0 + np.arange(self.hr.size, dtype=float)


@dataclass(frozen=True, slots=True)
class Change:
    """A true change: the second (session time) a sustained run starts, its zone, the zone
    before it (-1 for a free run) and whether its first minute stays within 3 bpm of a threshold."""

    t_s: float
    zone: int
    previous: int
    near: bool = False

    @property
    def free(self) -> bool:
        return self.previous < 0


@dataclass(slots=True)
class Score:
    """Counts for one file (or a sum of files)."""

    hours: float = 0.0
    cues: int = 0
    spurious: int = 0
    changes: int = 0
    missed: int = 0
    missed_near: int = 0
    delays: list[float] = field(default_factory=list)

    def __add__(self, other: Score) -> Score:
        return Score(self.hours + other.hours, self.cues + other.cues,
                     self.spurious + other.spurious, self.changes + other.changes,
                     self.missed + other.missed, self.missed_near + other.missed_near,
                     self.delays + other.delays)

    def per_hour(self, n: int) -> float:
        return n / self.hours if self.hours > 0 else float("nan")

    @property
    def missed_frac(self) -> float:
        return self.missed / self.changes if self.changes else 0.0

    def delay_pct(self, q: float) -> float:
        return float(np.percentile(self.delays, q)) if self.delays else float("nan")


def grid(t_s: np.ndarray, hr_bpm: np.ndarray, lo: float = 30.0, hi: float = 240.0) -> Grid:
    """Samples (session time, bpm) on a 1 Hz grid; samples outside lo..hi bpm are dropped; a
    sample is held until the next one when they are <= 10 s apart."""
    t = np.asarray(t_s, float)
    h = np.asarray(hr_bpm, float)
    ok = np.isfinite(t) & np.isfinite(h) & (h >= lo) & (h <= hi)
    t, h = t[ok], h[ok]
    if t.size == 0:
        return Grid(0.0, np.zeros(0))
    order = np.argsort(t, kind="stable")
    t, h = t[order], h[order]
    t0 = float(np.floor(t[0]))
    sec = np.floor(t - t0).astype(np.int64)
    out = np.full(int(sec[-1]) + 1, np.nan)
    nxt = np.append(t[1:], np.inf)
    for k in range(t.size):  # later samples in the same second overwrite earlier ones
        end = int(sec[k]) + 1
        if nxt[k] - t[k] <= HOLD_S:
            end = int(np.floor(nxt[k] - t0))
        out[sec[k]:max(end, sec[k] + 1)] = h[k]
    return Grid(t0, out)


def segments(valid: np.ndarray) -> list[tuple[int, int]]:
    """[a, b) index ranges of consecutive valid seconds."""
    v = np.concatenate([[False], valid, [False]]).astype(np.int8)
    d = np.diff(v)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _longest_gap(x: np.ndarray) -> int:
    """Length (s) of the longest stretch of empty seconds in x."""
    segs = segments(~np.isfinite(x))
    return max((b - a for a, b in segs), default=0)


def _gap_ends(g: Grid, min_s: int) -> np.ndarray:
    """Session times at which a stretch of more than min_s empty seconds ends."""
    return np.array([g.t0 + b for a, b in segments(~np.isfinite(g.hr)) if b - a > min_s], float)


def truth_median(g: Grid) -> np.ndarray:
    """Centred 61 s median of each second within its segment (NaN with < 31 valid seconds)."""
    med = np.full(g.hr.size, np.nan)
    half = WINDOW_S // 2
    for a, b in segments(np.isfinite(g.hr)):
        x = g.hr[a:b]
        for i in range(b - a):
            lo, hi = max(0, i - half), min(b - a, i + half + 1)
            if hi - lo >= MIN_COUNT:
                med[a + i] = np.median(x[lo:hi])
    return med


def truth_zones(g: Grid, th: Thresholds) -> np.ndarray:
    """Zone of the truth median per second (-1 where there is no truth)."""
    m = truth_median(g)
    return classify(np.nan_to_num(m), np.isfinite(m), th).astype(np.int64)


def true_changes(g: Grid, th: Thresholds) -> list[Change]:
    """The true changes of a session, free runs included (see the module docstring)."""
    med = truth_median(g)
    zone = classify(np.nan_to_num(med), np.isfinite(med), th).astype(np.int64)
    bounds = (th.moderate_bpm, th.high_bpm)
    out: list[Change] = []
    prev = -1
    last_end: int | None = None  # end index of the previous sustained run
    n = zone.size
    i = 0
    while i < n:
        j = i
        while j < n and zone[j] == zone[i]:
            j += 1
        z = int(zone[i])
        if z >= 0 and j - i >= SUSTAINED_S:
            if last_end is None or _longest_gap(g.hr[last_end:i]) > FREE_GAP_S:
                out.append(Change(g.t0 + i, z, -1))
            elif z != prev:
                lo, hi = min(prev, z), max(prev, z)
                crossed = bounds[lo:hi]
                first = med[i:i + SUSTAINED_S]
                near = any(bool(np.all(np.abs(first - b) <= NEAR_BPM)) for b in crossed)
                out.append(Change(g.t0 + i, z, prev, near))
            prev, last_end = z, j
        i = j
    return out


def match(g: Grid, changes: list[Change], announcements: Sequence[tuple[float, int]]
          ) -> tuple[list[tuple[float, int]], list[Change | None]]:
    """The announcements in time order and, for each, the change it names (None: spurious)."""
    ann = sorted((float(t), int(z)) for t, z in announcements)
    used: list[Change | None] = [None] * len(ann)
    for c in changes:
        if c.free:
            continue
        best, best_d = -1, float("inf")
        for k, (t, z) in enumerate(ann):
            d = abs(t - c.t_s)
            if used[k] is None and z == c.zone and d <= MATCH_S and d < best_d:
                best, best_d = k, d
        if best >= 0:
            used[best] = c
    # A free run may be named by the first announcement of the session, or the first after the
    # gap that freed it, if that comes before the next change.
    gap_ends = _gap_ends(g, FREE_GAP_S)
    for k_c, c in enumerate(changes):
        if not c.free:
            continue
        nxt = next((d.t_s for d in changes[k_c + 1:]), float("inf"))
        before = gap_ends[gap_ends <= c.t_s]
        since = float(before[-1]) if k_c > 0 and before.size else -float("inf")
        first = next((k for k, (t, _) in enumerate(ann) if t >= since), None)
        if (first is not None and used[first] is None and ann[first][1] == c.zone
                and ann[first][0] < nxt):
            used[first] = c
    return ann, used


def score(g: Grid, th: Thresholds, announcements: Sequence[tuple[float, int]],
          changes: list[Change] | None = None) -> Score:
    """Score zone announcements ((session time, zone)) against the truth."""
    changes = true_changes(g, th) if changes is None else changes
    ann, used = match(g, changes, announcements)
    real = [c for c in changes if not c.free]
    res = Score(hours=float(np.isfinite(g.hr).sum()) / 3600.0, cues=len(ann), changes=len(real),
                spurious=used.count(None))
    named = {id(c): t for (t, _), c in zip(ann, used) if c is not None}
    for c in real:
        if id(c) in named:
            res.delays.append(named[id(c)] - c.t_s)
        else:
            res.missed += 1
            res.missed_near += int(c.near)
    return res


CAUSES = (
    "at the start or within 90 s after a gap > 10 s (or no truth there)",
    "back to the sustained zone after an excursion",
    "a second cue for one true change",
    "an excursion of 20-60 s (truth run < 60 s)",
    "an excursion under 20 s",
    "the wrong zone near a true change",
    "the truth never in that zone within 90 s",
    "other",
)


def spurious_causes(g: Grid, th: Thresholds, announcements: Sequence[tuple[float, int]],
                    changes: list[Change] | None = None) -> list[tuple[float, int, str, bool]]:
    """Why each spurious announcement is spurious: (time, zone, cause from CAUSES, near), near
    when the truth median is within 3 bpm of a threshold then. The first matching cause wins."""
    changes = true_changes(g, th) if changes is None else changes
    ann, used = match(g, changes, announcements)
    med = truth_median(g)
    zone = classify(np.nan_to_num(med), np.isfinite(med), th).astype(np.int64)
    runs: list[tuple[int, int, int]] = []   # (start, end, zone) of the truth's zone
    i = 0
    while i < zone.size:
        j = i
        while j < zone.size and zone[j] == zone[i]:
            j += 1
        runs.append((i, j, int(zone[i])))
        i = j
    starts = np.array([a for a, _ in segments(np.isfinite(g.hr))], np.int64)
    out: list[tuple[float, int, str, bool]] = []
    for k, (t, z) in enumerate(ann):
        if used[k] is not None:
            continue
        i = int(min(max(round(t - g.t0), 0), max(zone.size - 1, 0)))
        near = bool(zone.size and np.isfinite(med[i])
                    and min(abs(med[i] - th.moderate_bpm), abs(med[i] - th.high_bpm)) <= NEAR_BPM)
        seg0 = int(starts[starts <= i][-1]) if np.any(starts <= i) else 0
        before = [c for c in changes if c.t_s <= t]
        around = [c for c in changes if not c.free and abs(c.t_s - t) <= MATCH_S]
        lo, hi = i - MATCH_S, i + MATCH_S + 1
        lengths = [b - a for a, b, zz in runs if zz == z and b > lo and a < hi]
        if zone.size == 0 or zone[i] < 0 or i - seg0 < MATCH_S:
            cause = CAUSES[0]
        elif before and before[-1].zone == z and k > 0 and ann[k - 1][1] != z:
            cause = CAUSES[1]
        elif any(c.zone == z for c in around):
            cause = CAUSES[2]
        elif lengths and max(lengths) < SUSTAINED_S:
            cause = CAUSES[3] if max(lengths) >= 20 else CAUSES[4]
        elif around:
            cause = CAUSES[5]
        elif not lengths:
            cause = CAUSES[6]
        else:
            cause = CAUSES[7]
        out.append((t, z, cause, near))
    return out


# -- baselines (on the 1 Hz grid) -------------------------------------------------------------

def raw_changes(g: Grid, th: Thresholds) -> list[tuple[float, int]]:
    """Announce every change of the raw per-second zone."""
    out: list[tuple[float, int]] = []
    last = -1
    for i, h in enumerate(g.hr.tolist()):
        if h != h:
            continue
        z = _zone(h, th)
        if z != last:
            out.append((g.t0 + i, z))
            last = z
    return out


def trimmed_mean(g: Grid, th: Thresholds, window_s: int = 20, gap_s: float = 30.0,
                 trim: float = 0.2) -> list[tuple[float, int]]:
    """RunnerUp-like: zone of the trailing 20 s trimmed mean, at most one cue per 30 s."""
    out: list[tuple[float, int]] = []
    last, last_t = -1, -np.inf
    x = g.hr
    for i in range(x.size):
        w = x[max(0, i - window_s + 1):i + 1]
        w = np.sort(w[np.isfinite(w)])
        if not np.isfinite(x[i]) or w.size == 0:
            continue
        k = int(w.size * trim)
        m = float(w[k:w.size - k].mean()) if w.size - 2 * k > 0 else float(w.mean())
        z = _zone(m, th)
        t = g.t0 + i
        if z != last and t - last_t >= gap_s:
            out.append((t, z))
            last, last_t = z, t
    return out


def ema_hysteresis(g: Grid, th: Thresholds, alpha: float = 0.1, margin: float = 3.0,
                   dwell_s: float = 15.0) -> list[tuple[float, int]]:
    """EMA (alpha per second) with +-margin hysteresis around the announced zone and a dwell."""
    out: list[tuple[float, int]] = []
    ema = None
    zone, cand, since = -1, -1, 0.0
    for i, h in enumerate(g.hr.tolist()):
        if h != h:
            ema = None
            continue
        ema = h if ema is None else ema + alpha * (h - ema)
        t = g.t0 + i
        z = _zone(ema, th) if zone < 0 else _hyst(zone, ema, th, margin)
        if z != cand:
            cand, since = z, t
        if cand != zone and t - since >= dwell_s:
            out.append((t, cand))
            zone = cand
    return out


def _zone(h: float, th: Thresholds) -> int:
    return HIGH if h >= th.high_bpm else MODERATE if h >= th.moderate_bpm else LOW


def _hyst(current: int, h: float, th: Thresholds, margin: float) -> int:
    raw = _zone(h, th)
    if raw > current and h >= (th.moderate_bpm, th.high_bpm)[raw - 1] + margin:
        return raw
    if raw < current and h < (th.moderate_bpm, th.high_bpm)[current - 1] - margin:
        return raw
    return current
