"""Evaluation of the RR artefact corrector: real beat series, artefact injection, scoring.

Used by tests/test_rr.py and bench/bench_rr.py. Injection follows the usual simulation of
beat-detection errors (e.g. Lipponen & Tarvainen 2019, section 3): a missed beat merges two
consecutive RR, an extra beat splits one RR in two, an ectopic (premature) beat shortens one RR
by d and lengthens the next by d.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hrzone.errors import ImportFormatError
from hrzone.signal.rr import (ECTOPIC, EXTRA, LABEL_NAMES, MISSED, NORMAL, RRConfig, RROutput,
                              correct_rr_batch)

GUDB_FS_HZ = 250.0
KINDS = (MISSED, EXTRA, ECTOPIC)


def load_gudb_rr(path: Path) -> np.ndarray:
    """RR (ms) from an ECG-GUDB annotation file: one R-peak sample index (250 Hz) per line."""
    try:
        peaks = np.loadtxt(path, dtype=np.float64, ndmin=1)
    except ValueError as exc:
        raise ImportFormatError(f"{path}: not a list of sample indices ({exc})") from None
    return np.diff(peaks) * (1000.0 / GUDB_FS_HZ)


def load_hrm_rr(path: Path) -> np.ndarray:
    """RR (ms) from a Polar HRM text file: one RR per line under [HRData]."""
    lines = Path(path).read_text(encoding="latin-1").splitlines()
    try:
        start = [s.strip() for s in lines].index("[HRData]") + 1
    except ValueError:
        raise ImportFormatError(f"{path}: no [HRData] section") from None
    vals = []
    for n, line in enumerate(lines[start:], start + 1):
        if line.strip().startswith("["):
            break
        if line.strip():
            try:
                vals.append(float(line.split()[0]))
            except ValueError:
                raise ImportFormatError(f"{path} line {n}: RR is not a number") from None
    return np.asarray(vals, np.float64)


@dataclass(frozen=True, slots=True)
class Injected:
    """A beat series with artefacts: rr_ms, and per event its kind and position in rr_ms (the
    merged RR for missed, the first part for extra, the shortened RR for ectopic)."""

    rr_ms: np.ndarray
    kind: np.ndarray
    pos: np.ndarray
    orig_pos: np.ndarray  # position in rr_ms of each original beat (-1 if merged away)


def inject(rr_ms: np.ndarray, seed: int, rate: float = 0.02, min_gap: int = 10,
           kinds: Iterable[int] = KINDS, margin: int = 12,
           avoid: np.ndarray | None = None) -> Injected:
    """Inject artefacts into a clean series at about `rate` of beats, >= min_gap beats apart,
    none in the first and last `margin` beats nor within min_gap // 2 + 2 beats of a position
    in `avoid` (genuine artefacts of the series: no ground truth there); kinds uniform."""
    rng = np.random.default_rng(seed)
    kinds = np.asarray(list(kinds))
    n = rr_ms.size
    slots = np.arange(margin, n - margin - 1, min_gap + min_gap // 2)
    if avoid is not None and avoid.size:
        gap = np.abs(slots[:, None, None] + np.arange(min_gap // 2)[None, :, None]
                     - np.asarray(avoid)[None, None, :]).min(axis=(1, 2))
        slots = slots[gap > 3]
    n_ev = min(max(int(round(rate * n)), 1), slots.size)
    at = np.sort(rng.choice(slots, n_ev, replace=False)) + rng.integers(0, min_gap // 2, n_ev)
    kind = rng.choice(kinds, n_ev)
    out: list[float] = []
    pos = np.empty(n_ev, np.int64)
    orig_pos = np.full(n, -1, np.int64)
    j = 0
    for e, (i, k) in enumerate(zip(at, kind)):
        for m in range(j, i):
            orig_pos[m] = len(out)
            out.append(rr_ms[m])
        pos[e] = len(out)
        orig_pos[i] = len(out)
        if k == MISSED:
            out.append(rr_ms[i] + rr_ms[i + 1])
            j = i + 2
        elif k == EXTRA:
            f = rng.uniform(0.2, 0.8)
            out += [rr_ms[i] * f, rr_ms[i] * (1 - f)]
            j = i + 1
        else:
            dd = rng.uniform(0.15, 0.40) * rr_ms[i]
            orig_pos[i + 1] = len(out) + 1
            out += [rr_ms[i] - dd, rr_ms[i + 1] + dd]
            j = i + 2
    for m in range(j, n):
        orig_pos[m] = len(out)
        out.append(rr_ms[m])
    return Injected(np.asarray(out), kind, pos, orig_pos)


@dataclass(frozen=True, slots=True)
class Score:
    """Counts of one evaluation; sensitivity and FP rate as properties."""

    events: dict[int, int]  # kind -> injected events
    hits: dict[int, int]  # kind -> detected with the right class
    confusion: dict[int, dict[int, int]]  # kind -> label found -> count
    fp: int  # flagged beats away (> 1 beat) from every injected event
    fp_own: int  # of them, at beats flagged already in the un-injected series
    clean_beats: int  # beats away from every injected event

    def sensitivity(self, kind: int) -> float:
        return self.hits[kind] / self.events[kind] if self.events[kind] else float("nan")

    @property
    def fp_rate(self) -> float:
        return self.fp / self.clean_beats if self.clean_beats else float("nan")

    @property
    def fp_rate_excl_own(self) -> float:
        return (self.fp - self.fp_own) / self.clean_beats if self.clean_beats else float("nan")

    def __add__(self, other: Score) -> Score:
        conf = {k: {lab: self.confusion[k].get(lab, 0) + other.confusion[k].get(lab, 0)
                    for lab in LABEL_NAMES} for k in KINDS}
        return Score({k: self.events[k] + other.events[k] for k in KINDS},
                     {k: self.hits[k] + other.hits[k] for k in KINDS}, conf,
                     self.fp + other.fp, self.fp_own + other.fp_own,
                     self.clean_beats + other.clean_beats)


def score(out: RROutput, inj: Injected, own_flags: np.ndarray) -> Score:
    """Score the labels of `out` (one per beat of inj.rr_ms) against the injected events.

    A missed/extra event is detected when a beat within +-1 of its position has that label; an
    ectopic one when any beat within +-1 of the pair is not normal. `own_flags`: beats (original
    positions) flagged when the clean series was run alone, reported separately as fp_own.
    """
    lab = out.label
    n = lab.size
    near = np.zeros(n, bool)
    events = {k: 0 for k in KINDS}
    hits = {k: 0 for k in KINDS}
    conf = {k: {lab_: 0 for lab_ in LABEL_NAMES} for k in KINDS}
    for k, p in zip(inj.kind.tolist(), inj.pos.tolist()):
        hi = p + (1 if k == MISSED else 2)
        near[max(p - 1, 0):min(hi + 1, n)] = True
        found = lab[max(p - 1, 0):min(hi if k == ECTOPIC else p + 2, n)]
        events[k] += 1
        ok = (found != NORMAL).any() if k == ECTOPIC else (found == k).any()
        hits[k] += int(ok)
        flagged = found[found != NORMAL]
        conf[k][k if ok and k != ECTOPIC else int(flagged[0]) if flagged.size else NORMAL] += 1
    own = np.zeros(n, bool)
    mapped = inj.orig_pos[own_flags]
    own[mapped[mapped >= 0]] = True
    fp_mask = (lab != NORMAL) & ~near
    return Score(events, hits, conf, int(fp_mask.sum()), int((fp_mask & own).sum()),
                 int((~near).sum()))


def evaluate(series: Iterable[np.ndarray], seeds: Iterable[int], rate: float = 0.02,
             config: RRConfig = RRConfig()) -> Score:
    """Inject, correct (batch) and score every series with every seed; summed counts."""
    total: Score | None = None
    seeds = list(seeds)
    for rr in series:
        own = np.flatnonzero(correct_rr_batch(rr, config).label != NORMAL)
        for seed in seeds:
            inj = inject(rr, seed, rate, avoid=own)
            s = score(correct_rr_batch(inj.rr_ms, config), inj, own)
            total = s if total is None else total + s
    assert total is not None, "evaluate: no series"
    return total


def realdata_series(root: Path) -> dict[str, list[np.ndarray]]:
    """The clean real beat series by dataset: GUDB walking / jogging / hand bike, Polar HRM."""
    gudb = sorted((root / "ecg_gudb").glob("*.tsv"))
    out = {f"gudb_{task}": [load_gudb_rr(p) for p in gudb if f"_{task}_" in p.name]
           for task in ("walking", "jogging", "hand_bike")}
    out["hrm_exercise"] = [load_hrm_rr(root / "rr" / "exercise_rri.hrm")]
    return out


def format_table(scores: dict[str, Score]) -> str:
    """A markdown table: per dataset, per class sensitivity and FP rate."""
    rows = ["| dataset | events M/X/E | sens missed | sens extra | sens ectopic "
            "| FP rate | FP rate excl. own flags |", "|---|---|---|---|---|---|---|"]
    for name, s in scores.items():
        ev = "/".join(str(s.events[k]) for k in KINDS)
        sens = " | ".join(f"{s.sensitivity(k):.3f}" for k in KINDS)
        rows.append(f"| {name} | {ev} | {sens} | {100 * s.fp_rate:.2f} % "
                    f"| {100 * s.fp_rate_excl_own:.2f} % |")
    return "\n".join(rows)
