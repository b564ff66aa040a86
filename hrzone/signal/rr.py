"""Causal, streaming RR-interval artefact detection and correction.

Method: Lipponen & Tarvainen 2019, "A robust algorithm for heart rate variability time series
artefact correction using novel beat classification", J Med Eng Technol 43(3):173-181 (the
method of neurokit2 ``signal_fixpeaks(method="kubios")`` and systole's ``rr_artefacts``),
adapted to trailing windows so that the decision on beat k uses beats up to k+2 only: a delay of
two beats. See docs/rr-artifacts.md for the adaptation and measured accuracy.

Every statistic is an order statistic of window contents (no running sums), so any split of a
beat series into chunks gives bit-identical output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

NORMAL, MISSED, EXTRA, ECTOPIC, LONGSHORT = 0, 1, 2, 3, 4
LABEL_NAMES = {NORMAL: "normal", MISSED: "missed", EXTRA: "extra", ECTOPIC: "ectopic",
               LONGSHORT: "longshort"}
LOOKAHEAD = 2
"""Beats after beat k that its decision needs (the delay of the detector, in plausible beats)."""

_RANK_FILTER_MIN = 256  # windows from which scipy's rank filter beats np.partition


@dataclass(frozen=True, slots=True)
class RRConfig:
    """Parameters of the detector (units in the names; the paper's values by default).

    c1, c2: slope and offset of the ectopic decision boundary in the (dRR, s12) subspace.
    alpha: threshold = alpha * quartile deviation (q3 - q1) / 2 of the window.
    window: beats in the trailing quartile windows (th1 ends at k+2, th2 at k).
    medfilt: beats in the median window of the RR level (ends at k+2).
    min_rr_ms / max_rr_ms: plausible RR range; outside it a beat is LONGSHORT and left out of
        all windows.
    min_th_ms: floor of both thresholds, so that near-metronomic stretches (low HRV at high
        intensity, RR quantised to 1/1024 s) do not turn millisecond jitter into artefacts.
    warmup_beats / warmup_th_frac: while a segment has fewer than warmup_beats beats up to k+2,
        thresholds are at least warmup_th_frac * local median RR (conservative start).
    """

    c1: float = 0.13
    c2: float = 0.17
    alpha: float = 5.2
    window: int = 91
    medfilt: int = 11
    min_rr_ms: float = 250.0
    max_rr_ms: float = 2400.0
    min_th_ms: float = 20.0
    warmup_beats: int = 10
    warmup_th_frac: float = 0.1

    def __post_init__(self) -> None:
        if self.window < 5 or self.medfilt < 3 or not self.window % 2 == self.medfilt % 2 == 1:
            raise ValueError("RRConfig: window (>= 5) and medfilt (>= 3) must be odd beats")
        if not 0.0 < self.min_rr_ms < self.max_rr_ms:
            raise ValueError("RRConfig: need 0 < min_rr_ms < max_rr_ms")

    @property
    def history(self) -> int:
        """Plausible beats kept before the undecided ones (enough for every window)."""
        return self.window + self.medfilt


@dataclass(frozen=True, slots=True)
class RRState:
    """Explicit state between calls (immutable).

    pending_ms: raw RR not yet emitted (plausible or not), oldest first.
    hist_ms: last `config.history` plausible RR of the segment already emitted.
    seg_count: plausible beats emitted in the current segment.
    next_index: running raw-beat index of pending_ms[0].
    prev_extra: the last emitted plausible beat is EXTRA (its successor is its merge partner).
    last_ref_ms: local median of the last emitted beat of the segment (NaN if none).
    """

    config: RRConfig = field(default_factory=RRConfig)
    pending_ms: tuple[float, ...] = ()
    hist_ms: tuple[float, ...] = ()
    seg_count: int = 0
    next_index: int = 0
    prev_extra: bool = False
    last_ref_ms: float = math.nan


@dataclass(frozen=True, slots=True)
class RROutput:
    """Decided beats, one row per raw RR interval, in arrival order.

    index: running raw-beat index since rr_initial (int64). label: NORMAL..LONGSHORT (int8).
    dur_ms: time this interval contributes to HR: the raw RR, except LONGSHORT (and
        implausible) beats, replaced by the local median (0 if the segment has none yet).
    nbeats: true beats it represents: MISSED 2, EXTRA 0, implausible without a median 0, else 1.
        HR over a window = 60000 * sum(nbeats) / sum(dur_ms).
    rr_ms: raw RR (ms). ref_ms: local median RR used as reference (ms, NaN if none).
    avail: how many raw beats (counted like index) had been received when this row's decision
        became available in streaming use (int64), so a caller that batches can tell what a
        one-beat-at-a-time caller would have known at each moment.
    """

    index: np.ndarray
    label: np.ndarray
    dur_ms: np.ndarray
    nbeats: np.ndarray
    rr_ms: np.ndarray
    ref_ms: np.ndarray
    avail: np.ndarray

    def __len__(self) -> int:
        return int(self.index.shape[0])

    @classmethod
    def empty(cls) -> RROutput:
        f = np.zeros(0, np.float64)
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int8), f, np.zeros(0, np.int8), f, f,
                   np.zeros(0, np.int64))

    @classmethod
    def concat(cls, parts: Sequence[RROutput]) -> RROutput:
        """Outputs of consecutive calls joined into one."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, n) for p in parts]) for n in cls.__slots__))

    def corrected_rr(self) -> np.ndarray:
        """Corrected RR series (ms) for HRV: MISSED split in two halves, EXTRA merged into the
        following normal beat, ECTOPIC and LONGSHORT replaced by the local median (implausible
        beats without a median are dropped). Call it on the joined output of a whole segment."""
        lab = self.label
        val = np.where((lab == ECTOPIC) | (lab == LONGSHORT), self.ref_ms, self.rr_ms)
        for i in np.flatnonzero(lab == EXTRA):
            if i + 1 < lab.size and lab[i + 1] == NORMAL:
                val[i + 1] += self.rr_ms[i]
        reps = np.where(lab == EXTRA, 0, np.where(lab == MISSED, 2, 1))
        reps[np.isnan(val)] = 0
        return np.repeat(val / np.where(lab == MISSED, 2.0, 1.0), reps)


def rr_initial(config: RRConfig = RRConfig()) -> RRState:
    """State before the first beat."""
    return RRState(config=config)


def correct_rr(rr_ms: np.ndarray, state: RRState) -> tuple[RROutput, RRState]:
    """Add raw RR intervals (ms); return every beat now decidable (all but the last 2 plausible
    beats received) and the new state."""
    return _step(rr_ms, state, final=False)


def finish_rr(state: RRState) -> tuple[RROutput, RRState]:
    """Decide the remaining beats (end of session, or a break in the beat series) and start a
    new segment: windows restart, the running index keeps counting."""
    return _step(np.zeros(0), state, final=True)


def correct_rr_batch(rr_ms: np.ndarray, config: RRConfig = RRConfig()) -> RROutput:
    """A whole beat series at once (= correct_rr then finish_rr)."""
    out1, st = correct_rr(rr_ms, rr_initial(config))
    out2, _ = finish_rr(st)
    return RROutput.concat([out1, out2])


def _units(raw: np.ndarray, min_rr_ms: float, final: bool) -> tuple[np.ndarray, int]:
    """Group raw RR into beats: an implausibly short RR (a spurious detection) is merged
    forward with the following RR until the sum reaches min_rr_ms. Returns the start index of
    each complete unit and the raw beats they cover (an open trailing merge waits, unless final).
    """
    short = np.flatnonzero(raw < min_rr_ms)
    if not short.size:
        return np.arange(raw.size), raw.size
    keep = np.ones(raw.size, bool)
    end = 0
    for i in short.tolist():  # loop over short beats only
        if i < end:
            continue
        j, tot = i, raw[i]
        while tot < min_rr_ms and j + 1 < raw.size:
            j += 1
            tot += raw[j]
        keep[i + 1:j + 1] = False
        end = j + 1
        if tot < min_rr_ms and not final:  # the merge is still open: wait for more beats
            return np.flatnonzero(keep[:i]), i
    return np.flatnonzero(keep), raw.size


def _step(rr_ms: np.ndarray, state: RRState, final: bool) -> tuple[RROutput, RRState]:
    cfg = state.config
    new = np.asarray(rr_ms, dtype=np.float64)
    if new.ndim != 1:
        raise ValueError(f"correct_rr: rr_ms must be 1-D, got shape {new.shape}")
    raw = np.concatenate([np.asarray(state.pending_ms, np.float64), new])
    starts, n_cov = _units(raw, cfg.min_rr_ms, final)
    size = np.diff(np.append(starts, n_cov))
    uval = np.add.reduceat(raw, starts) if starts.size else np.zeros(0)
    uval = np.where(size > 1, uval, raw[starts])  # keeps NaN handling identical for singles
    ok = (uval >= cfg.min_rr_ms) & (uval <= cfg.max_rr_ms)  # NaN is implausible too
    pos = np.flatnonzero(ok)
    hist = np.asarray(state.hist_ms, np.float64)
    h = hist.size
    x = np.concatenate([hist, uval[pos]])
    if final:
        n_dec, n_emit = pos.size, starts.size
    else:
        n_dec = max(pos.size - LOOKAHEAD, 0)
        n_emit = int(pos[n_dec]) if pos.size > n_dec else starts.size
    lab = np.zeros(n_dec, np.int8)
    ref = np.zeros(n_dec)
    prev_extra = state.prev_extra
    if n_dec:
        xp = np.concatenate([x, np.full(LOOKAHEAD, x[-1])]) if final else x
        lab, ref = _classify(xp, state.seg_count - h, h, h + n_dec, cfg)
        # An EXTRA beat is merged into its successor, which is then the real (normal) beat.
        if prev_extra:
            lab[0] = NORMAL
        for i in np.flatnonzero(lab[:-1] == EXTRA):
            if lab[i] == EXTRA:
                lab[i + 1] = NORMAL
        prev_extra = bool(lab[-1] == EXTRA)

    # Units: plausible ones take their decision; implausible ones are LONGSHORT with the
    # median of the latest plausible beat before them (carried across calls).
    e_ok = ok[:n_emit]
    ulab = np.full(n_emit, LONGSHORT, np.int8)
    ulab[e_ok] = lab
    src = np.where(e_ok, np.cumsum(e_ok) - 1, -1)
    src = np.maximum.accumulate(src) if n_emit else src
    uref = np.where(src >= 0, ref[np.maximum(src, 0)] if n_dec else 0.0, state.last_ref_ms)
    # Raw rows: the leading parts of a merged unit are spurious beats (EXTRA, no time of
    # their own if the unit is replaced); the last part carries the unit's decision.
    n_raw = int(starts[n_emit]) if n_emit < starts.size else n_cov
    e_raw = raw[:n_raw]
    u = np.repeat(np.arange(n_emit), size[:n_emit])
    last = np.append(u[1:] != u[:-1], True) if n_raw else np.zeros(0, bool)
    ls = ulab[u] == LONGSHORT
    label = np.where(last | ls, ulab[u], EXTRA).astype(np.int8)
    ref_all = uref[u]
    dur = np.where(ls, np.where(last, ref_all, 0.0), e_raw)
    nbeats = np.where(label == MISSED, 2, np.where((label == EXTRA) | (ls & ~last), 0, 1))
    nbeats = nbeats.astype(np.int8)
    gone = np.isnan(dur)
    dur[gone] = 0.0
    nbeats[gone] = 0
    # When each emitted unit became decidable: a plausible unit of rank j among the undecided
    # ones once unit pos[j + LOOKAHEAD] is complete; an implausible one together with the last
    # plausible unit before it (or on its own completion if there is none).
    comp = state.next_index + np.append(starts, n_cov)[1:]
    if final:
        avail_u = np.full(n_emit, state.next_index + raw.size, np.int64)
    else:
        rank = np.cumsum(ok[:n_emit]) - 1
        look = pos[np.minimum(np.maximum(rank + LOOKAHEAD, 0), max(pos.size - 1, 0))] if pos.size else rank
        avail_u = np.where(rank >= 0, comp[look] if pos.size else 0, comp[:n_emit])
        avail_u = np.maximum(avail_u, comp[:n_emit]).astype(np.int64)
    out = RROutput(np.arange(state.next_index, state.next_index + n_raw, dtype=np.int64),
                   label, dur, nbeats, e_raw.copy(), ref_all, avail_u[u])

    next_index = state.next_index + n_raw
    if final:
        return out, RRState(config=cfg, next_index=next_index)
    return out, RRState(
        config=cfg,
        pending_ms=tuple(raw[n_raw:].tolist()),
        hist_ms=tuple(x[max(h + n_dec - cfg.history, 0):h + n_dec].tolist()),
        seg_count=state.seg_count + n_dec,
        next_index=next_index,
        prev_extra=prev_extra,
        last_ref_ms=float(uref[-1]) if n_emit else state.last_ref_ms,
    )


def _classify(x: np.ndarray, offset: int, r0: int, r1: int,
              cfg: RRConfig) -> tuple[np.ndarray, np.ndarray]:
    """Labels and local medians (ms) of plausible beats x[r0:r1] of one segment.

    x[0] is beat number `offset` of the segment; x must hold r0 - cfg.history .. r1 + 1.
    """
    w, mf = cfg.window, cfg.medfilt
    q0 = max(r0 - 1, 0)  # one earlier row: its trigger makes beat r0 a candidate
    d = np.zeros(x.size + 1)  # d[j + 1] = dRR of x[j]; 0 before the segment's second beat
    d[2:] = x[1:] - x[:-1]
    d[1:max(2 - offset, 1)] = 0.0
    # Local RR level: median of the medfilt beats ending at j + 2, for j in [m0, r1).
    m0 = max(q0 - (w - 1), 0)
    med = _quantiles(x, m0 + 2, r1 + 2, mf, -offset, (0.5,))[0]
    mrr = x[m0:r1] - med
    mrr = np.abs(np.where(mrr < 0, 2.0 * mrr, mrr))
    rows = np.arange(q0, r1)
    q1, q3 = _quantiles(np.abs(d[1:]), q0 + 2, r1 + 2, w, 1 - offset, (0.25, 0.75))
    th1 = cfg.alpha * (q3 - q1) / 2.0
    q1, q3 = _quantiles(mrr, q0 - m0, r1 - m0, w, -offset - m0, (0.25, 0.75))
    th2 = cfg.alpha * (q3 - q1) / 2.0
    medr = med[q0 - m0:]
    floor = np.where(offset + rows + LOOKAHEAD + 1 < cfg.warmup_beats,
                     np.maximum(cfg.min_th_ms, cfg.warmup_th_frac * medr), cfg.min_th_ms)
    th1 = np.maximum(th1, floor)
    th2 = np.maximum(th2, floor)

    nm1, n0, np1, np2 = (d[rows + k] / th1 for k in range(4))  # dRR of beats r-1 .. r+2
    c1, c2 = cfg.c1, cfg.c2

    def ectopic(dc: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        s12 = np.where(dc > 0, np.maximum(before, after), np.minimum(before, after))
        return ((dc > 1) & (s12 < -c1 * dc - c2)) | ((dc < -1) & (s12 > -c1 * dc + c2))

    ect_self = ectopic(n0, nm1, np1)
    ect_next = ectopic(np1, n0, np2)  # beat r is the premature half of an ectopic pair
    s22 = np.where(n0 >= 0, np.minimum(np1, np2), np.maximum(np1, np2))
    trig = (np.abs(n0) > 1) & ~ect_self
    prev_trig = np.concatenate([[False], trig[:-1]])
    cand = prev_trig & (np.abs(d[rows + 1]) < np.abs(d[rows + 2]))
    xr, xn = x[rows], x[rows + 1]
    mr = xr - medr
    mr = np.where(mr < 0, 2.0 * mr, mr) / th2
    ev = trig | cand
    ev_mx = ev | (np.abs(n0) > 1)  # missed/extra outrank ectopic: they explain the pattern
    eq3 = (n0 > 1) & (s22 < -1)
    eq5 = (n0 < -1) & (s22 > 1)
    lab = np.zeros(rows.size, np.int8)
    lab[ev & (eq3 | eq5 | (np.abs(mr) > 3))] = LONGSHORT
    lab[ect_self | ect_next] = ECTOPIC
    # Missed / extra tests (paper: against the median level). The trailing median lags behind
    # a changing HR, so a beat also passes against its nearest normal neighbours: the median
    # of beats r-2, r-1 and r+2 (r+1 is the partner of an extra beat).
    a, b, c = x[np.maximum(rows - 2, 0)], x[np.maximum(rows - 1, 0)], x[rows + 2]
    near = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
    near = np.where(offset + rows >= 2, near, medr)
    half, pair = xr / 2, xr + xn
    missed = (np.abs(half - medr) < th2) | (np.abs(half - near) < th2)
    extra = (np.abs(pair - medr) < th2) | (np.abs(pair - near) < th2)
    lab[ev_mx & eq3 & missed] = MISSED
    lab[ev_mx & eq5 & extra] = EXTRA
    k = r0 - q0
    return lab[k:], medr[k:]


def _quantiles(v: np.ndarray, e0: int, e1: int, width: int, start: int,
               qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles qs (linear interpolation) of v over windows [max(e - width + 1, start), e]
    for e in e0..e1-1; windows cut by `start` (segment start) are shorter."""
    n = e1 - e0
    out = [np.empty(n) for _ in qs]
    split = min(max(start + width - 1 - e0, 0), n)  # rows before it are cut by the start
    if split:
        ends = np.arange(e0, e0 + split)
        idx = ends[:, None] - (width - 1) + np.arange(width)
        win = np.where(idx >= start, v[np.maximum(idx, 0)], np.inf)
        win.sort(axis=1)
        cnt = ends - start + 1
        for o, q in zip(out, qs):
            p = q * (cnt - 1)
            lo = np.floor(p).astype(np.int64)
            a = np.take_along_axis(win, lo[:, None], 1)[:, 0]
            b = np.take_along_axis(win, np.ceil(p).astype(np.int64)[:, None], 1)[:, 0]
            o[:split] = a + (b - a) * (p - lo)
    if split < n:
        pos = [q * (width - 1) for q in qs]
        ranks = sorted({math.floor(p) for p in pos} | {math.ceil(p) for p in pos})
        ends = np.arange(e0 + split, e1)
        if ends.size >= _RANK_FILTER_MIN:
            # Long runs: scipy's 1-D rank filter (sliding order statistics) is ~10x faster than
            # partitioning every window; both return the window's exact k-th value.
            seg = v[ends[0] - width + 1:e1]
            stat = {k: ndimage.rank_filter(seg, k, size=width, mode="nearest")[
                width - 1 - width // 2:seg.size - width // 2] for k in ranks}
        else:
            win = v[ends[:, None] - (width - 1) + np.arange(width)]
            part = np.partition(win, ranks, axis=1)
            stat = {k: part[:, k] for k in ranks}
        for o, p in zip(out, pos):
            a = stat[math.floor(p)]
            o[split:] = a + (stat[math.ceil(p)] - a) * (p - math.floor(p))
    return out
