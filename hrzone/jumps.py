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
