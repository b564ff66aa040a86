"""Clock jumps: the one rule that decides which samples of a file keep their place in time.

Every reader (FIT, TCX, GPX, Polar HRM/CSV, generic CSV, own recordings) passes the times of its
samples, in file order, through `fix_times`. Three steps, each counted for the warning:

1. **Far**: only the busiest window of MAX_SPAN_S seconds is kept (the window holding the most
   samples; the earliest of equal ones). A sample stamped a year later, a block written with a
   wrong clock, a power-on-relative stretch before the clock was set: whichever part holds fewer
   samples is dropped. Non-finite times are dropped here too.
2. **Backwards**: of what is left, the longest run of samples in non-decreasing time order is kept
   (fewest samples dropped). A block stamped later in the middle of a file therefore costs only
   that block, not every sample after it; a stretch repeated by a chained copy is kept once.
3. **Isolated**: a group of at most ISOLATED_MAX samples more than ISOLATED_GAP_S away from every
   other sample is dropped when a larger group exists (a stray line after the session ended:
   it could credit nothing, but would stretch the session).

So memory and time follow the number of samples, and the span any later stage sees (the
per-second track of a summary) is never more than MAX_SPAN_S, whatever the timestamps claim.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_SPAN_S = 7 * 86400.0
"""The longest span a session may cover (seconds); a multi-day hike fits, a wild clock does not."""
ISOLATED_GAP_S = 3600.0
"""A group of samples further than this (seconds) from every other sample is isolated."""
ISOLATED_MAX = 2
"""Isolated groups of at most this many samples are dropped (when a larger group exists)."""


@dataclass(frozen=True, slots=True)
class TimeFix:
    """Which samples keep their place in time, and why the others were dropped.

    keep: bool per sample, in file order; far / backwards / isolated: samples dropped by each
    step of the rule (see the module docstring).
    """

    keep: np.ndarray
    far: int = 0
    backwards: int = 0
    isolated: int = 0

    @property
    def dropped(self) -> int:
        """Samples dropped in all (far + backwards + isolated)."""
        return self.far + self.backwards + self.isolated

    def warnings(self, what: str = "samples") -> list[str]:
        """One line per step that dropped something, e.g. '3 samples more than 7 days ...'."""
        out = []
        if self.far:
            out.append(f"clock jump: {self.far} {what} more than {MAX_SPAN_S / 86400:g} days "
                       "away from the rest of the session were dropped")
        if self.backwards:
            out.append(f"clock jump: {self.backwards} {what} out of time order (earlier than "
                       "the samples around them) were dropped")
        if self.isolated:
            out.append(f"clock jump: {self.isolated} isolated {what} more than "
                       f"{ISOLATED_GAP_S / 3600:g} h away from all others were dropped")
        return out


def fix_times(t: Sequence[float] | np.ndarray, max_span_s: float = MAX_SPAN_S) -> TimeFix:
    """Apply the clock-jump rule to sample times (seconds, any origin, file order)."""
    t = np.asarray(t, dtype=np.float64)
    keep = np.isfinite(t)
    idx = np.flatnonzero(keep)
    if idx.size and not float(t[idx].max()) <= float(t[idx].min()) + max_span_s:
        st = np.sort(t[idx])
        with np.errstate(over="ignore"):  # near the float limit the window end is inf: fine
            ends = np.searchsorted(st, st + max_span_s, side="right")
        best = int(np.argmax(ends - np.arange(st.size)))
        keep &= (t >= st[best]) & (t <= st[best] + max_span_s)
    far = int(t.size - np.count_nonzero(keep))

    backwards = 0
    idx = np.flatnonzero(keep)
    if idx.size > 1 and bool((np.diff(t[idx]) < 0).any()):
        chosen = _longest_nondecreasing(t[idx].tolist())
        drop = np.ones(idx.size, bool)
        drop[chosen] = False
        keep[idx[drop]] = False
        backwards = int(drop.sum())

    isolated = 0
    idx = np.flatnonzero(keep)
    if idx.size > ISOLATED_MAX:
        ts = t[idx]
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(ts) > ISOLATED_GAP_S) + 1,
                                 [ts.size]))
        sizes = np.diff(bounds)
        if sizes.size > 1 and int(sizes.max()) > ISOLATED_MAX:
            for a, b in zip(bounds[:-1], bounds[1:]):
                if b - a <= ISOLATED_MAX:
                    keep[idx[a:b]] = False
                    isolated += int(b - a)
    return TimeFix(keep, far, backwards, isolated)


def _longest_nondecreasing(x: list[float]) -> np.ndarray:
    """Indices of a longest non-decreasing subsequence of x (patience sorting, O(n log n))."""
    tails: list[float] = []
    tails_at: list[int] = []
    prev = [-1] * len(x)
    for i, v in enumerate(x):
        k = bisect_right(tails, v)
        if k == len(tails):
            tails.append(v)
            tails_at.append(i)
        else:
            tails[k] = v
            tails_at[k] = i
        prev[i] = tails_at[k - 1] if k else -1
    out = []
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        out.append(i)
        i = prev[i]
    return np.asarray(out[::-1], dtype=np.int64)


class TimeScan:
    """The clock-jump rule in one streaming pass, for files too long to hold in memory.

    Feed the sample times chunk by chunk (`add`); memory stays constant. For the usual file —
    every time finite, in non-decreasing order, the whole span within MAX_SPAN_S — steps 1 and 2
    of the rule drop nothing, and step 3 (isolated groups) is decided here exactly, so
    `result()` equals fix_times on all the times. Any other file sets `clean` to False: the
    caller then applies fix_times to all its times (a second pass).

    `signal` (optional, per sample) counts samples that carry heart rate, so that the caller
    knows how many of the kept ones do without a second pass.
    """

    __slots__ = ("_cur_first", "_cur_signal", "_cur_size", "_cur_start", "_last", "clean",
                 "first", "first_large", "max_size", "max_span_s", "n", "n_groups", "signal",
                 "small")

    def __init__(self, max_span_s: float = MAX_SPAN_S) -> None:
        self.max_span_s = max_span_s
        self.n = 0
        self.clean = True
        self.first: float | None = None
        self._last: float | None = None
        self.small: list[tuple[int, int, int]] = []   # (start, size, signal) of small groups
        self.n_groups = 0
        self.max_size = 0
        self.signal = 0
        self._cur_start = 0
        self._cur_size = 0
        self._cur_signal = 0
        self._cur_first = 0.0
        self.first_large: float | None = None  # time of the first group of > ISOLATED_MAX

    def add(self, t: np.ndarray, signal: np.ndarray | None = None) -> None:
        """The next samples' times (seconds, file order) and whether each carries a signal."""
        off = self.n
        self.n += int(t.size)
        sig = np.ones(t.size, bool) if signal is None else np.asarray(signal, bool)
        self.signal += int(np.count_nonzero(sig))
        if not self.clean or t.size == 0:
            return
        if not bool(np.isfinite(t).all()):
            self.clean = False
            return
        if self.first is None:
            self.first = self._cur_first = float(t[0])
        d = np.diff(t, prepend=t[0] if self._last is None else self._last)
        if bool((d < 0).any()) or not float(t[-1]) <= self.first + self.max_span_s:
            self.clean = False
            return
        self._last = float(t[-1])
        cum = np.concatenate(([0], np.cumsum(sig)))
        at = 0
        for i in np.flatnonzero(d > ISOLATED_GAP_S).tolist():
            if off + i == 0:
                continue
            self._cur_size += i - at
            self._cur_signal += int(cum[i] - cum[at])
            self._close(off + i, float(t[i]))
            at = i
        self._cur_size += t.size - at
        self._cur_signal += int(cum[t.size] - cum[at])

    def _close(self, next_start: int, next_first: float) -> None:
        self.n_groups += 1
        self.max_size = max(self.max_size, self._cur_size)
        if self._cur_size <= ISOLATED_MAX:
            self.small.append((self._cur_start, self._cur_size, self._cur_signal))
        elif self.first_large is None:
            self.first_large = self._cur_first
        self._cur_start, self._cur_size, self._cur_signal = next_start, 0, 0
        self._cur_first = next_first

    def result(self) -> tuple[TimeFix, list[tuple[int, int]], int, float]:
        """(counts of the rule's steps, dropped (start, size) index ranges, samples with a
        signal among the kept ones, time of the first kept sample); only for a clean scan."""
        assert self.clean, "TimeScan.result() needs a clean scan: use fix_times"
        if self._cur_size:
            self._close(self.n, 0.0)
        dropped: list[tuple[int, int]] = []
        lost_signal = 0
        if self.n > ISOLATED_MAX and self.n_groups > 1 and self.max_size > ISOLATED_MAX:
            dropped = [(a, k) for a, k, _ in self.small]
            lost_signal = sum(s for _, _, s in self.small)
        isolated = sum(k for _, k in dropped)
        t0 = self.first_large if dropped and self.first_large is not None else self.first
        return (TimeFix(np.zeros(0, bool), 0, 0, isolated), dropped,
                self.signal - lost_signal, 0.0 if t0 is None else t0)
