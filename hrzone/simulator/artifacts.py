"""Placing strap artefacts: episodes on the notification timeline, artefacts on the beat list.

Notification k is sent at about k + 1 s and reports the beats of second k, so an episode
[start_s, end_s) (whole seconds) affects notifications start_s .. end_s - 1 and makes seconds
start_s .. end_s - 1 unobservable. Episodes never overlap each other or the dry-strap period and
keep EPISODE_MARGIN_S seconds of good data around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hrzone.errors import PlanError
from hrzone.simulator.plan import Plan

EPISODE_MARGIN_S = 20
BEAT_MARGIN = 4       # beat artefacts keep this many clean beats between them
EPISODE_KINDS = ("contact_loss", "dropout", "stale")


@dataclass(frozen=True, slots=True)
class Episode:
    """A stretch of notifications [start_s, end_s) that the strap gets wrong.

    kind: "contact_loss" (contact bit off, HR 0 or held, no RR), "dropout" (nothing sent),
    "stale" (last HR repeated, contact on, no RR). hr_mode: "zero"/"hold" for contact loss.
    """

    kind: str
    start_s: int
    end_s: int
    hr_mode: str | None = None


@dataclass(frozen=True, slots=True)
class BeatArtifact:
    """A beat the strap reports wrongly; index into the clean beat list.

    kind: "ectopic" (premature beat + compensatory pause: RR_i shortened by frac, RR_i+1
    lengthened by the same amount), "missed" (beat i not detected: RR_i and RR_i+1 merged),
    "extra" (spurious beat inside RR_i at fraction frac: RR_i split in two).
    """

    kind: str
    index: int
    frac: float


def dry_period_s(plan: Plan, rng: np.random.Generator) -> int:
    """Length of the dry-strap period at the start, s (0 = none)."""
    lo, hi = plan.artifacts.dry_start_s
    return int(rng.integers(lo, hi + 1)) if hi > 0 else 0


def place_episodes(plan: Plan, dry_s: int, rng: np.random.Generator) -> list[Episode]:
    """Draw non-overlapping episodes; raise PlanError if they do not fit in the session."""
    a = plan.artifacts
    dur = plan.duration_s
    scale = dur / plan.cycle_s
    taken: list[tuple[int, int]] = [(0, dry_s)] if dry_s else []
    out: list[Episode] = []
    for kind in EPISODE_KINDS:
        spec = getattr(a, kind)
        if spec.count == 0:
            continue
        n = max(1, int(round(spec.count * scale)))
        for _ in range(n):
            length = int(rng.integers(spec.min_s, spec.max_s + 1))
            lo, hi = EPISODE_MARGIN_S, dur - EPISODE_MARGIN_S - length
            for _attempt in range(200):
                if hi < lo:
                    break
                start = int(rng.integers(lo, hi + 1))
                end = start + length
                if all(end + EPISODE_MARGIN_S <= s or start >= e + EPISODE_MARGIN_S for s, e in taken):
                    break
            else:
                hi = lo - 1  # fall through to the error below
            if hi < lo:
                raise PlanError(f"plan {plan.name}: cannot fit {n} {kind} episode(s) of up to "
                                f"{spec.max_s} s (with {EPISODE_MARGIN_S} s margins) in a "
                                f"{dur} s session")
            mode = None
            if kind == "contact_loss":
                mode = a.contact_loss_hr
                if mode == "random":
                    mode = "zero" if rng.random() < 0.5 else "hold"
            taken.append((start, end))
            out.append(Episode(kind, start, end, mode))
    out.sort(key=lambda e: e.start_s)
    return out


def choose_beat_artifacts(plan: Plan, eligible: np.ndarray, rng: np.random.Generator
                          ) -> list[BeatArtifact]:
    """Draw ectopic/missed/extra beats among eligible clean-beat indices, BEAT_MARGIN apart.

    eligible[i] is True when beats i - 2 .. i + 2 are all reported by the strap (outside
    episodes), so every beat artefact is visible in the recording.
    """
    a = plan.artifacts
    minutes = plan.duration_s / 60.0
    wanted = []
    for kind, rate in (("ectopic", a.ectopic_per_min), ("missed", a.missed_per_min),
                       ("extra", a.extra_per_min)):
        if rate > 0:
            wanted += [kind] * max(1, int(rng.poisson(rate * minutes)))
    if not wanted:
        return []
    candidates = np.flatnonzero(eligible)
    order = rng.permutation(candidates)
    blocked = np.zeros(eligible.shape[0] + 2 * BEAT_MARGIN + 1, bool)
    picked: list[int] = []
    for i in order.tolist():
        if len(picked) == len(wanted):
            break
        if blocked[i + BEAT_MARGIN]:
            continue
        picked.append(i)
        blocked[i: i + 2 * BEAT_MARGIN + 1] = True
    if len(picked) < len(wanted):
        raise PlanError(f"plan {plan.name}: too many beat artefacts ({len(wanted)}) for the "
                        f"{len(candidates)} usable beats")
    out = []
    for kind, i in zip(wanted, picked):
        frac = rng.uniform(0.15, 0.40) if kind == "ectopic" else rng.uniform(0.3, 0.7)
        out.append(BeatArtifact(kind, int(i), float(frac)))
    out.sort(key=lambda b: b.index)
    return out


def apply_beat_artifacts(beat_1024: np.ndarray, arts: list[BeatArtifact]
                         ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The beat times the strap detects (1/1024 s) and a truth record for each artefact.

    Each record has kind, t_s (time of the moved / dropped / inserted beat) and rr_1024: the RR
    values (1/1024 s) the strap reports instead of the clean ones.
    """
    b = beat_1024.copy()
    keep = np.ones(b.shape[0], bool)
    inserted: list[int] = []
    records: list[dict[str, Any]] = []
    for art in arts:
        i = art.index
        rr_i = int(beat_1024[i] - beat_1024[i - 1])
        rr_next = int(beat_1024[i + 1] - beat_1024[i])
        if art.kind == "ectopic":
            shift = int(round(art.frac * rr_i))
            b[i] -= shift
            rec = {"t_s": b[i] / 1024, "rr_1024": [rr_i - shift, rr_next + shift],
                   "clean_rr_1024": [rr_i, rr_next]}
        elif art.kind == "missed":
            keep[i] = False
            rec = {"t_s": beat_1024[i] / 1024, "rr_1024": [rr_i + rr_next],
                   "clean_rr_1024": [rr_i, rr_next]}
        else:
            t_new = int(beat_1024[i - 1] + round(art.frac * rr_i))
            inserted.append(t_new)
            rec = {"t_s": t_new / 1024, "rr_1024": [t_new - int(beat_1024[i - 1]),
                                                    int(beat_1024[i]) - t_new],
                   "clean_rr_1024": [rr_i]}
        records.append({"kind": art.kind, "t_s": round(float(rec.pop("t_s")), 4), **rec})
    out = b[keep]
    if inserted:
        out = np.sort(np.concatenate([out, np.asarray(inserted, np.int64)]), kind="stable")
    return out, records
