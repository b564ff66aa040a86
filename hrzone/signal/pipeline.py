"""The streaming signal core: gate, correct RR, derive HR, classify, credit, track cues.

    state = initial(thresholds)
    out, state = process(series_chunk, state)     # pure: no clock, no I/O, no globals
    tail, state = finish(state)                    # end of session: decide the last beats

Any split of a session into chunks gives the same outputs as one call (tests/test_pipeline.py):
every statistic is computed from window contents carried in the state, never from running
floating-point sums. Work inside a chunk is vectorised with numpy; a chunk is cut only where the
session itself breaks (a gap or pause), where every window restarts anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hrzone.series import CONTACT_LOST, Series
from hrzone.signal import rr as rrmod
from hrzone.signal.config import SignalConfig
from hrzone.zones import CueConfig, CueEvent, CueState, Thresholds, classify, track_cues

# Per-sample status: why a sample is (in)valid.
OK, CONTACT, RANGE, STALE, SPIKE, SETTLE = 0, 1, 2, 3, 4, 5
STATUS_NAMES = {OK: "ok", CONTACT: "contact_lost", RANGE: "out_of_range", STALE: "stale",
                SPIKE: "spike", SETTLE: "settling"}
ARTIFACT_KINDS = ("missed", "extra", "ectopic", "longshort", "hr_spike", "hr_rr_mismatch",
                  "stale", "out_of_range")


@dataclass(frozen=True, slots=True)
class Output:
    """Per-sample results of the signal core.

    t_s: session time (s); hr_bpm: cleaned HR (NaN where invalid); valid: usable for crediting;
    status: OK or the reason the sample is invalid; source_rr: HR was derived from clean RR;
    credit_s: seconds this sample credits (the interval since the previous sample; 0 across gaps
    and for invalid samples); intensity: per-sample zone for crediting (INVALID/LOW/MODERATE/HIGH);
    zone: the sustained zone of the cue tracker (zones.track_cues); events: cue-state changes;
    beat_labels: RR artefact labels decided in this call (one per raw beat, see signal.rr).
    """

    t_s: np.ndarray
    hr_bpm: np.ndarray
    valid: np.ndarray
    status: np.ndarray
    source_rr: np.ndarray
    credit_s: np.ndarray
    intensity: np.ndarray
    zone: np.ndarray
    events: list[CueEvent] = field(default_factory=list)
    beat_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @staticmethod
    def concat(parts: list[Output]) -> Output:
        """Join outputs of consecutive calls (as if produced by one call)."""
        if not parts:
            return _empty_output()
        cols = ("t_s", "hr_bpm", "valid", "status", "source_rr", "credit_s", "intensity", "zone",
                "beat_labels")
        arrays = {c: np.concatenate([getattr(p, c) for p in parts]) for c in cols}
        return Output(events=[e for p in parts for e in p.events], **arrays)


def _empty_output() -> Output:
    z = np.zeros(0)
    return Output(z, z.copy(), z.astype(bool), z.astype(np.int8), z.astype(bool), z.copy(),
                  z.astype(np.int8), z.astype(np.int8))


@dataclass(frozen=True, slots=True)
class Totals:
    """Session counters kept in the state (all counts, seconds where named)."""

    samples: int = 0
    first_t: float | None = None
    last_t: float | None = None
    gaps: int = 0
    gap_s: float = 0.0
    contact_losses: int = 0
    artifacts: tuple[tuple[str, int], ...] = tuple((k, 0) for k in ARTIFACT_KINDS)

    def artifact_dict(self) -> dict[str, int]:
        return dict(self.artifacts)


@dataclass(frozen=True, slots=True)
class State:
    """Everything the core remembers between chunks (small and bounded: O(1) memory)."""

    thresholds: Thresholds
    config: SignalConfig
    cue_config: CueConfig
    cues: CueState
    rr: rrmod.RRState
    totals: Totals = Totals()
    seg_start_t: float = 0.0
    beat_tail: tuple[tuple[int, int, int, float, int], ...] = ()
    # ^ last decided beats of the segment: (dur_us, nbeats, corrected?, t_received, avail)
    pending_t: tuple[float, ...] = ()     # receive times of beats received but not yet decided
    hr_tail: tuple[float, ...] = ()       # last plausible strap HR values (spike filter window)
    smooth_tail: tuple[float, ...] = ()   # last accepted HR values (median smoothing)
    last_hr: float = -1.0                 # strap HR of the previous sample (stale detection)
    run_start_t: float = 0.0              # start of the current run of unchanged HR with no RR
    rr_seen: bool = False
    prev_contact_lost: bool = False


def initial(thresholds: Thresholds, config: SignalConfig | None = None,
            cue_config: CueConfig | None = None, rr_config: rrmod.RRConfig | None = None) -> State:
    """The state before the first sample of a session."""
    return State(thresholds=thresholds, config=config or SignalConfig(),
                 cue_config=cue_config or CueConfig(), cues=CueState(),
                 rr=rrmod.rr_initial(rr_config or rrmod.RRConfig()))


def process(s: Series, state: State) -> tuple[Output, State]:
    """Run a chunk of samples through the core; return per-sample output and the new state."""
    n = len(s)
    if n == 0:
        return _empty_output(), state
    cfg = state.config
    prev_t = state.totals.last_t
    dt = np.empty(n)
    dt[0] = np.inf if prev_t is None else s.t_s[0] - prev_t
    dt[1:] = np.diff(s.t_s)
    new_seg = (dt > cfg.gap_s) | s.brk
    cuts = np.flatnonzero(new_seg)
    bounds = [0, *[int(c) for c in cuts if c > 0], n]
    parts: list[Output] = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        out, state = _process_segment_piece(s.slice(a, b), dt[a:b], bool(new_seg[a]), state)
        parts.append(out)
    return Output.concat(parts), state


def finish(state: State) -> tuple[Output, State]:
    """End of session: decide the last buffered beats (they only add to the artefact counts)."""
    beats, rr_state = rrmod.finish_rr(state.rr)
    totals = _count_beats(state.totals, beats.label)
    out = replace(_empty_output(), beat_labels=beats.label)
    return out, replace(state, rr=rr_state, totals=totals, pending_t=(), beat_tail=())


def run(s: Series, state: State) -> tuple[Output, State]:
    """Batch entry point: a whole series through process() and finish()."""
    out, state = process(s, state)
    tail, state = finish(state)
    return Output.concat([out, tail]), state


# --- internals -----------------------------------------------------------------------------


def _count_beats(t: Totals, labels: np.ndarray) -> Totals:
    if labels.size == 0:
        return t
    counts = np.bincount(labels.astype(np.int64), minlength=5)
    art = dict(t.artifacts)
    for code, name in ((rrmod.MISSED, "missed"), (rrmod.EXTRA, "extra"),
                       (rrmod.ECTOPIC, "ectopic"), (rrmod.LONGSHORT, "longshort")):
        art[name] += int(counts[code])
    return replace(t, artifacts=tuple(art.items()))


def _windows(tail: tuple[float, ...], new: np.ndarray, width: int, include_self: bool) -> np.ndarray:
    """Rows of the `width` values before (or up to and including) each new value; NaN-padded."""
    pad = np.full(width, np.nan)
    if tail:
        pad[width - len(tail):] = tail[-width:]
    ext = np.concatenate([pad, new])
    win = sliding_window_view(ext, width)
    return win[1:] if include_self else win[:-1]


def _row_median(win: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median of the non-NaN values of each row, and their count (NaN where a row is empty)."""
    srt = np.sort(win, axis=1)
    cnt = np.sum(~np.isnan(win), axis=1)
    lo = np.maximum((cnt - 1) // 2, 0)
    hi = np.maximum(cnt // 2, 0)
    rows = np.arange(win.shape[0])
    med = 0.5 * (srt[rows, lo] + srt[rows, hi])
    return np.where(cnt > 0, med, np.nan), cnt


def _tail(prev: tuple, new: np.ndarray | list, width: int) -> tuple:
    """The last `width` values of prev + new (only those are converted to Python objects)."""
    if width <= 0:
        return ()
    last = new[-width:]
    return (tuple(prev) + tuple(last.tolist() if isinstance(last, np.ndarray) else last))[-width:]


def _process_segment_piece(s: Series, dt: np.ndarray, starts_segment: bool,
                           state: State) -> tuple[Output, State]:
    """Samples with no gap or break among them (the first may start a new segment)."""
    cfg = state.config
    n = len(s)
    totals = state.totals
    beat_labels: list[np.ndarray] = []
    if starts_segment:
        if totals.last_t is not None:
            # The session went silent (or paused): close the beat series and restart windows.
            beats, rr_state = rrmod.finish_rr(state.rr)
            totals = _count_beats(totals, beats.label)
            beat_labels.append(beats.label)
            gap = float(s.t_s[0] - totals.last_t)
            totals = replace(totals, gaps=totals.gaps + 1, gap_s=totals.gap_s + gap)
            state = replace(state, rr=rr_state)
        state = replace(state, seg_start_t=float(s.t_s[0]), beat_tail=(),
                        pending_t=(), hr_tail=(), smooth_tail=(), last_hr=-1.0,
                        run_start_t=float(s.t_s[0]))
    t = s.t_s
    hr = s.hr_bpm
    contact_lost = s.contact == CONTACT_LOST
    in_range = (hr >= cfg.hr_min_bpm) & (hr <= cfg.hr_max_bpm)
    settling = (t - state.seg_start_t) < cfg.settle_s

    # Stale: strap HR repeated unchanged while no RR arrives.
    has_rr = s.rr_count > 0
    prev_hr = np.concatenate([[state.last_hr], hr[:-1]])
    same = (hr == prev_hr) & ~has_rr & (hr > 0)
    idx = np.arange(n)
    last_change = np.maximum.accumulate(np.where(same, -1, idx))
    run_start = np.where(last_change >= 0, t[np.maximum(last_change, 0)], state.run_start_t)
    rr_seen = state.rr_seen | (np.cumsum(has_rr) > 0)
    stale_limit = np.where(rr_seen, cfg.stale_s, cfg.stale_no_rr_s)
    stale = same & (t - run_start >= stale_limit)

    # RR: beats of samples with contact feed the corrector (contact-lost beats are noise).
    rr_counts = np.where(contact_lost, 0, s.rr_count)
    keep = np.repeat(~contact_lost, s.rr_count)
    rr_in = s.rr_ms[keep] if keep.size else s.rr_ms
    beats, rr_state = rrmod.correct_rr(rr_in, state.rr)
    beat_labels.append(beats.label)
    totals = _count_beats(totals, beats.label)
    hr_rr, rr_ok = _hr_from_rr(t, rr_counts, beats, state, cfg)
    # Keep the last few decided beats (for HR at the next samples) and the undecided ones.
    recv_t = np.concatenate([np.asarray(state.pending_t, np.float64), np.repeat(t, rr_counts)])
    n_dec = len(beats.label)
    k = min(n_dec, max(cfg.rr_hr_beats, 1))
    dur_us = np.rint(beats.dur_ms[n_dec - k:] * 1000.0).astype(np.int64)
    new_tail = list(zip(dur_us.tolist(), beats.nbeats[n_dec - k:].astype(np.int64).tolist(),
                        (beats.label[n_dec - k:] != 0).astype(np.int64).tolist(),
                        recv_t[n_dec - k:n_dec].tolist(), beats.avail[n_dec - k:].tolist()))
    pending = tuple(recv_t[n_dec:].tolist())

    # Strap HR spike filter (Hampel on the trailing plausible values of this segment).
    plausible = in_range & ~contact_lost & ~stale
    pv = hr[plausible]
    win = _windows(state.hr_tail, pv, cfg.hampel_window, include_self=False)
    med, cnt = _row_median(win)
    mad, _ = _row_median(np.abs(win - med[:, None]))
    lim = np.fmax(cfg.hampel_k * 1.4826 * mad, cfg.hampel_floor_bpm)  # fmax: NaN MAD -> floor
    spike_p = (cnt >= 3) & (np.abs(pv - med) > lim)
    spike = np.zeros(n, bool)
    spike[plausible] = spike_p
    strap_ok = plausible & ~spike

    # Choose: clean RR first; strap HR that disagrees with clean RR is a dry-strap artefact.
    mismatch = strap_ok & rr_ok & (np.abs(hr - hr_rr) > cfg.rr_agree_frac * hr_rr)
    use_rr = rr_ok & ~contact_lost & (hr_rr >= cfg.hr_min_bpm) & (hr_rr <= cfg.hr_max_bpm)
    chosen = np.where(use_rr, hr_rr, np.where(strap_ok, hr, np.nan))
    valid = (use_rr | strap_ok) & ~contact_lost & ~settling & ~(stale & ~use_rr)
    status = np.full(n, OK, np.int8)
    status[~valid & spike] = SPIKE
    status[~valid & ~in_range & ~use_rr] = RANGE
    status[~valid & stale] = STALE
    status[~valid & settling] = SETTLE
    status[contact_lost] = CONTACT

    # Smooth: median of the latest accepted values (the current one included).
    cv = chosen[valid]
    sm_win = _windows(state.smooth_tail, cv, cfg.smooth_samples, include_self=True)
    sm, _ = _row_median(sm_win)
    hr_out = np.full(n, np.nan)
    hr_out[valid] = sm

    # Credit: the interval since the previous sample, unless it is a gap or the sample is invalid.
    credit = np.where(valid, dt, 0.0)
    if starts_segment:
        credit[0] = 0.0
    intensity = classify(hr_out, valid, state.thresholds)
    zone, events, cue_state = track_cues(t, hr_out, valid, state.cues, state.thresholds,
                                         state.cue_config)

    # Counters.
    art = dict(totals.artifacts)
    art["hr_spike"] += int(spike.sum())
    art["hr_rr_mismatch"] += int(mismatch.sum())
    art["stale"] += int((stale & ~use_rr).sum())
    art["out_of_range"] += int((~in_range & ~contact_lost & (hr > 0)).sum())
    prev_cl = np.concatenate([[state.prev_contact_lost], contact_lost[:-1]])
    losses = int((contact_lost & ~prev_cl).sum())
    totals = replace(totals, samples=totals.samples + n,
                     first_t=float(t[0]) if totals.first_t is None else totals.first_t,
                     last_t=float(t[-1]), contact_losses=totals.contact_losses + losses,
                     artifacts=tuple(art.items()))
    keep_beats = max(cfg.rr_hr_beats, 1)
    new_state = replace(
        state, rr=rr_state, totals=totals, cues=cue_state,
        beat_tail=_tail(state.beat_tail, new_tail, keep_beats),
        pending_t=pending,
        hr_tail=_tail(state.hr_tail, pv, cfg.hampel_window),
        smooth_tail=_tail(state.smooth_tail, cv, cfg.smooth_samples),
        last_hr=float(hr[-1]), run_start_t=float(run_start[-1]),
        rr_seen=bool(rr_seen[-1]), prev_contact_lost=bool(contact_lost[-1]))
    labels = np.concatenate(beat_labels) if beat_labels else np.zeros(0, np.int8)
    return Output(t, hr_out, valid, status, use_rr & valid, credit, intensity, zone, events,
                  labels.astype(np.int8)), new_state


def _hr_from_rr(t: np.ndarray, rr_counts: np.ndarray, beats: rrmod.RROutput, state: State,
                cfg: SignalConfig) -> tuple[np.ndarray, np.ndarray]:
    """HR (bpm) from the latest decided beats at each sample, and whether it is trustworthy.

    At sample k only beats whose decision was available after sample k's beats arrived are
    used (RROutput.avail), so the result does not depend on how the session was chunked.
    """
    w = cfg.rr_hr_beats
    tail = state.beat_tail
    tl = np.array(tail, dtype=np.float64).reshape(-1, 5)
    dur = np.concatenate([tl[:, 0].astype(np.int64), np.rint(beats.dur_ms * 1000.0).astype(np.int64)])
    nb = np.concatenate([tl[:, 1].astype(np.int64), beats.nbeats.astype(np.int64)])
    bad = np.concatenate([tl[:, 2].astype(np.int64), (beats.label != 0).astype(np.int64)])
    pend = np.concatenate([np.asarray(state.pending_t, np.float64), np.repeat(t, rr_counts)])
    recv = np.concatenate([tl[:, 3], pend[:len(beats.label)]])
    avail = np.concatenate([tl[:, 4].astype(np.int64), beats.avail])
    # Beats whose decision a one-notification-at-a-time caller would have had at each sample
    # (the corrector reports when each decision became available), so chunking changes nothing.
    fed_before = state.rr.next_index + len(state.rr.pending_ms)
    received = fed_before + np.cumsum(rr_counts)
    end = np.searchsorted(avail, received, side="right")
    start = end - w
    ok = (start >= 0) & (end <= dur.shape[0]) & (w > 0)
    cd = np.concatenate([[0], np.cumsum(dur)])
    cn = np.concatenate([[0], np.cumsum(nb)])
    cb = np.concatenate([[0], np.cumsum(bad)])
    s_i = np.minimum(np.maximum(start, 0), dur.shape[0])
    e_i = np.minimum(np.maximum(end, 0), dur.shape[0])
    tot_us = cd[e_i] - cd[s_i]
    tot_n = cn[e_i] - cn[s_i]
    tot_bad = cb[e_i] - cb[s_i]
    last_recv = np.where(e_i > 0, recv[np.maximum(e_i - 1, 0)] if recv.size else 0.0, -np.inf)
    ok &= (tot_us > 0) & (tot_bad <= cfg.rr_max_corrected) & (t - last_recv <= cfg.rr_max_age_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        hr_rr = np.where(ok, 60e6 * tot_n / np.where(tot_us > 0, tot_us, 1), np.nan)
    return hr_rr, ok
