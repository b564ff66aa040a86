"""A floor under the spurious cues of the issue-10 measure (hrzone/signal/cue_eval.py).

An *excursion* is a run of the truth's zone shorter than 60 s, between two sustained runs, in a
zone neither of them is in: HR that left a sustained zone and came back to it, or that passed
through a zone on its way to the next sustained one (no true change names it). A causal policy
that sees only the heart rate cannot tell, in its first seconds, an excursion from the start
of a true change (docs/cues.md measures how alike they are). So consider the best such policy
with an oracle on top: it calls each crossing of a threshold after a fixed delay for its kind
(up or down, over the lower or the upper threshold), and is told at once when an excursion
ends, so it calls an excursion only if the excursion outlasts that delay. Its true changes are
then named exactly that delay late (a kind may also never be called: its changes are missed).

`floor` finds the delays that meet the delay and missed targets with the fewest excursions
called: a lower bound on the spurious cues of any policy of that kind, before any cue after a
gap, at a threshold or on a return -- causes the oracle does not even have.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from hrzone.signal.cue_eval import MATCH_S, SUSTAINED_S, Change, Grid, segments, truth_zones
from hrzone.zones import Thresholds

NEVER = float("inf")
DELAYS_S = (*range(0, 61, 5), NEVER)   # the fixed delays tried per kind of crossing


@dataclass(frozen=True, slots=True)
class Excursion:
    """A run of the truth's zone (start, session time) shorter than 60 s, away from `home`."""

    t_s: float
    zone: int
    home: int
    length_s: int

    @property
    def kind(self) -> tuple[int, int]:
        """The kind of crossing it is (crossing_kind)."""
        return crossing_kind(self.home, self.zone)


def crossing_kind(before: int, after: int) -> tuple[int, int]:
    """(+1 up / -1 down, lower threshold crossed: 0 moderate, 1 high) of a move between zones."""
    return (1 if after > before else -1, min(before, after))


def change_kind(c: Change) -> tuple[int, int]:
    """The kind of crossing a (non-free) true change is."""
    return crossing_kind(c.previous, c.zone)


def excursions(g: Grid, th: Thresholds, changes: list[Change]) -> list[Excursion]:
    """The excursions of a session: short runs between two sustained runs, within a stretch of
    signal, in a zone neither of those is in, except those a true change naming their zone lies
    within 90 s of (a cue there could match that change)."""
    zone = truth_zones(g, th)
    out: list[Excursion] = []
    for a, b in segments(zone >= 0):
        runs: list[tuple[int, int, int]] = []
        i = a
        while i < b:
            j = i
            while j < b and zone[j] == zone[i]:
                j += 1
            runs.append((i, j, int(zone[i])))
            i = j
        home: int | None = None
        pending: list[tuple[int, int, int]] = []
        for s, e, z in runs:
            if e - s >= SUSTAINED_S:
                if home is not None:
                    out += [Excursion(g.t0 + ps, pz, home, pe - ps) for ps, pe, pz in pending
                            if pz not in (home, z) and not any(
                                c.zone == pz and not c.free and abs(c.t_s - g.t0 - ps) <= MATCH_S
                                for c in changes)]
                home, pending = z, []
            elif home is not None:
                pending.append((s, e, z))
    return out


@dataclass(frozen=True, slots=True)
class Floor:
    """The best fixed delays per kind of crossing and what they give (see the module doc)."""

    delays_s: dict[tuple[int, int], float]
    spurious: int
    missed: int
    changes: int
    median_s: float
    p95_s: float


def floor(changes: list[Change], excs: list[Excursion], max_median_s: float = 20.0,
          max_p95_s: float = 40.0, max_missed: float = 0.05) -> Floor | None:
    """The fewest excursions called by fixed per-kind delays meeting the targets (None when no
    delays meet them)."""
    kinds = [(1, 0), (-1, 0), (1, 1), (-1, 1)]
    real = [change_kind(c) for c in changes if not c.free]
    n_changes = {k: real.count(k) for k in kinds}
    lengths = {k: np.array([e.length_s for e in excs if e.kind == k], float) for k in kinds}
    best: Floor | None = None
    for combo in itertools.product(DELAYS_S, repeat=len(kinds)):
        d = dict(zip(kinds, combo))
        spurious = sum(int(np.sum(lengths[k] > d[k])) for k in kinds)
        if best is not None and spurious >= best.spurious:
            continue
        missed = sum(n_changes[k] for k in kinds if d[k] == NEVER)
        if real and missed > max_missed * len(real):
            continue
        delays = [d[k] for k in real if d[k] != NEVER]
        if not delays:
            continue
        med, p95 = float(np.percentile(delays, 50)), float(np.percentile(delays, 95))
        if med <= max_median_s and p95 <= max_p95_s:
            best = Floor(d, spurious, missed, len(real), med, p95)
    return best


def truth_follower(g: Grid, zones: np.ndarray, delays_s: dict[tuple[int, int], int],
                   quiet_s: int = 60, settle_s: int = 60, dwell_s: int = 8
                   ) -> list[tuple[float, int]]:
    """Announcements of a policy that is handed the truth's own zone per second (`zones`, from
    cue_eval.truth_zones: HR 30 s into the future, no noise) and calls a new zone once the truth
    has been in it the delay of that kind of crossing (delays_s, keyed like Excursion.kind);
    like hrzone it says nothing in the first settle_s, does not name the resting start (low),
    and tracks a return to the zone it just left within quiet_s silently. Not causal: a
    yardstick for what delay alone can do."""
    out: list[tuple[float, int]] = []
    called, left, called_i = -1, -1, 0
    run_zone, run = -1, 0
    for i, z in enumerate(zones.tolist()):
        if z < 0:
            run_zone, run = -1, 0
            continue
        run = run + 1 if z == run_zone else 1
        run_zone = z
        if called < 0:
            if run >= dwell_s and i >= settle_s:
                called, called_i = z, i
                if z > 0:
                    out.append((g.t0 + i, z))
            continue
        if z != called and run > delays_s[crossing_kind(called, z)]:
            if not (z == left and i - called_i < quiet_s):
                out.append((g.t0 + i, z))
            left, called, called_i = called, z, i
    return out
