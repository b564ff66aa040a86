"""The virtual strap: turns the simulated heart into raw 0x2A37 notifications and ground truth.

Notification k (k = 0 .. duration_s - 1) is sent at (k + 1) s + jitter and carries the RR
intervals (1/1024 s) of the beats completed since notification k - 1 (at most MAX_RR; extra
beats are carried to the next notification, as straps send them late) and the HR field
round(60 / mean of the last hr_beats RR). See docs/simulator.md for the truth definition.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from hrzone.errors import RecordingFormatError
from hrzone.hrm import Measurement, encode_measurement
from hrzone.paths import create_private
from hrzone.recording import Header, Notification, RecordingWriter
from hrzone.series import Series, decode_payloads
from hrzone.simulator.artifacts import (
    apply_beat_artifacts,
    choose_beat_artifacts,
    dry_period_s,
    place_episodes,
)
from hrzone.simulator.physiology import simulate_heart
from hrzone.simulator.plan import Plan
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds, classify

DEFAULT_START = datetime(2026, 1, 5, 7, 30, tzinfo=timezone.utc)
MAX_RR = 3
TRUTH_FORMAT = "hrzone-sim-truth"
TRUTH_VERSION = "1.0"
DEVICE = {"name": "hrzone simulator", "model": "virtual"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CODE = {"contact_loss": 1, "dropout": 2, "stale": 3}
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Truth:
    """Ground truth of one simulated session (per second k = the interval [k, k + 1) s).

    hr_bpm: clean true HR (mean instantaneous rate of the sinus rhythm), float64;
    observable: False where the strap reported nothing usable (dropout, contact loss, stale);
    intensity: zones.classify(hr_bpm, observable, thresholds): -1 unobservable, 0/1/2;
    artifacts: one dict per injected artefact (kind, start_s/end_s or t_s, details).
    """

    plan: Plan
    seed: int
    start: datetime
    thresholds: Thresholds
    hr_bpm: np.ndarray
    observable: np.ndarray
    intensity: np.ndarray
    artifacts: list[dict[str, Any]]

    def totals(self) -> dict[str, Any]:
        """Seconds per zone and activity minutes over observable time (and over all time)."""
        return {**_zone_totals(self.intensity),
                "observable_s": int(self.observable.sum()),
                "duration_s": int(self.hr_bpm.shape[0]),
                "all_time": _zone_totals(classify(self.hr_bpm, np.ones_like(self.observable),
                                                  self.thresholds))}

    def to_json(self, recording: str | None = None) -> dict[str, Any]:
        return {"format": TRUTH_FORMAT, "version": TRUTH_VERSION, "recording": recording,
                "seed": self.seed, "start": self.start.isoformat(timespec="milliseconds"),
                "thresholds": self.thresholds.to_json(), "plan": self.plan.to_json(),
                "definition": "per second k covers [k, k+1) s of session time; see docs/simulator.md",
                "totals": self.totals(), "artifacts": self.artifacts,
                "per_second": {"hr_bpm": np.round(self.hr_bpm, 2).tolist(),
                               "intensity": self.intensity.tolist(),
                               "observable": self.observable.astype(np.int8).tolist()}}


def _zone_totals(intensity: np.ndarray) -> dict[str, Any]:
    low, mod, high = (int((intensity == z).sum()) for z in (LOW, MODERATE, HIGH))
    return {"low_s": low, "moderate_s": mod, "high_s": high,
            "moderate_min": round(mod / 60, 4), "vigorous_min": round(high / 60, 4),
            "credited_min": round((mod + 2 * high) / 60, 4)}


@dataclass(frozen=True, slots=True)
class SimResult:
    """A simulated session in memory: recording header, raw notifications, ground truth."""

    plan: Plan
    seed: int
    header: Header
    notifications: list[Notification]
    truth: Truth

    def series(self) -> Series:
        """The notifications decoded exactly as a replayed recording would be."""
        return decode_payloads([n.t_ns for n in self.notifications],
                               [n.payload for n in self.notifications]).series


def _aware(start: datetime) -> datetime:
    return start if start.tzinfo is not None else start.replace(tzinfo=timezone.utc)


def simulate(plan: Plan, seed: int = 0, start: datetime = DEFAULT_START) -> SimResult:
    """Simulate a session; the same plan, seed and start give identical results.

    Separate random streams drive the heart, the notification timing and the artefacts, so a
    plan and its without_artifacts() twin have the same true heart rate.
    """
    start = _aware(start)
    thresholds = plan.person.thresholds()
    rng_heart, rng_strap, rng_art = (np.random.default_rng([seed, i]) for i in (1, 2, 3))
    heart = simulate_heart(plan, rng_heart)
    dur, dev = plan.duration_s, plan.device
    jit = dev.jitter_ms * 1_000_000
    note_ns = np.arange(1, dur + 1, dtype=np.int64) * _NS + rng_strap.integers(-jit, jit + 1, dur)

    dry_s = min(dry_period_s(plan, rng_art), dur)  # a dry start never outlasts the session
    episodes = place_episodes(plan, dry_s, rng_art)
    state = np.zeros(dur, np.int8)  # 0 normal, else _CODE of the episode
    for e in episodes:
        state[e.start_s:e.end_s] = _CODE[e.kind]
    blind = (state == _CODE["contact_loss"]) | (state == _CODE["stale"])

    clean = heart.beat_1024
    clean_ok = _reported(clean, note_ns, state, blind)
    eligible = np.zeros_like(clean_ok)
    if clean_ok.shape[0] > 4:
        win = np.lib.stride_tricks.sliding_window_view(clean_ok, 5).all(axis=1)
        eligible[2:-2] = win
    beat_arts = choose_beat_artifacts(plan, eligible, rng_art)
    beats, beat_records = apply_beat_artifacts(clean, beat_arts)

    beat_ns = beats * _NS // 1024
    rep = _reported(beats, note_ns, state, blind)
    if not dev.rr:
        rep[:] = False
    idx = np.flatnonzero(rep)
    k_of = np.searchsorted(note_ns, beat_ns[idx], side="left")
    k_of, idx = _cap(k_of, idx, state)
    rr_1024 = (beats[idx] - beats[idx - 1]).tolist()
    offsets = np.zeros(dur + 1, np.int64)
    np.cumsum(np.bincount(k_of, minlength=dur), out=offsets[1:])

    # HR field: what the strap computes from the beats it detected by the time it sends
    last = np.searchsorted(beat_ns, note_ns, side="right") - 1
    first = np.maximum(last - dev.hr_beats, 0)
    span = np.maximum(beats[last] - beats[first], 1)
    hr = np.minimum(np.rint(60.0 * 1024.0 * (last - first) / span), 255).astype(np.int64)
    contact = np.ones(dur, bool)
    spikes = np.zeros(dur, bool)
    if dry_s:
        spikes[:dry_s] = rng_art.random(dry_s) < plan.artifacts.dry_spike_frac
        hr[:dry_s] = np.where(spikes[:dry_s], rng_art.integers(150, 221, dry_s), hr[:dry_s])
    records: list[dict[str, Any]] = []
    if dry_s:
        records.append({"kind": "dry_strap", "start_s": 0, "end_s": dry_s,
                        "spike_t_s": [round(int(t) / _NS, 3) for t in note_ns[spikes]]})
    for e in episodes:
        rec: dict[str, Any] = {"kind": e.kind, "start_s": e.start_s, "end_s": e.end_s,
                               "t_first_s": round(int(note_ns[e.start_s]) / _NS, 3),
                               "t_last_s": round(int(note_ns[e.end_s - 1]) / _NS, 3)}
        held = int(hr[e.start_s - 1])
        if e.kind == "contact_loss":
            contact[e.start_s:e.end_s] = False
            hr[e.start_s:e.end_s] = 0 if e.hr_mode == "zero" else held
            rec["hr"] = e.hr_mode
        elif e.kind == "stale":
            hr[e.start_s:e.end_s] = held
            rec["hr_bpm"] = held
        records.append(rec)
    records += beat_records
    records.sort(key=lambda r: (r.get("start_s", r.get("t_s")), r["kind"]))

    start_ns = _to_ns(start)
    notes: list[Notification] = []
    contact_flag = [None] * dur if not dev.contact_supported else contact.tolist()
    hr_l, off_l, t_l = hr.tolist(), offsets.tolist(), note_ns.tolist()
    for k in np.flatnonzero(state != _CODE["dropout"]).tolist():
        m = Measurement(hr_l[k], contact_flag[k], None, tuple(rr_1024[off_l[k]:off_l[k + 1]]))
        notes.append(Notification(t_l[k], start_ns + t_l[k], encode_measurement(m)))

    observable = state == 0
    truth = Truth(plan, seed, start, thresholds, heart.hr_true_bpm, observable,
                  classify(heart.hr_true_bpm, observable, thresholds), records)
    header = Header(created=start.isoformat(timespec="milliseconds"), device=dict(DEVICE),
                    thresholds=thresholds.to_json(), source="simulator",
                    extra={"plan": plan.name, "seed": seed})
    return SimResult(plan, seed, header, notes, truth)


def _to_ns(t: datetime) -> int:
    """UTC nanoseconds since the epoch of an aware datetime, exactly (no float rounding)."""
    d = t - _EPOCH
    return (d.days * 86400 + d.seconds) * _NS + d.microseconds * 1000


def _reported(beats: np.ndarray, note_ns: np.ndarray, state: np.ndarray, blind: np.ndarray
              ) -> np.ndarray:
    """Which beats the strap reports: after t = 0, in a sent notification outside episodes, and
    not the first beat after contact came back (its predecessor was not detected)."""
    dur = note_ns.shape[0]
    ns = beats * _NS // 1024
    k = np.searchsorted(note_ns, ns, side="left")
    inside = (ns > 0) & (k < dur)
    kc = np.minimum(k, dur - 1)
    ok = inside & (state[kc] == 0)
    ok[1:] &= ~(blind[kc[:-1]] & inside[:-1])
    ok[0] = False
    return ok


def _cap(k_of: np.ndarray, idx: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limit each notification to MAX_RR values: later beats move to the next notification,
    and are dropped if that one is full too or not sent normally (a strap's buffer is small, so
    above ~180 bpm sustained some RR values are lost, as with a real strap)."""
    if k_of.shape[0] == 0 or np.bincount(k_of).max() <= MAX_RR:
        return k_of, idx
    dur = state.shape[0]
    ks, keep = k_of.tolist(), []
    prev, n_in = -1, 0
    for j, k in enumerate(ks):
        k = max(k, prev)
        if k == prev and n_in >= MAX_RR:
            k += 1
        if k >= dur or state[k] != 0 or k > ks[j] + 1:
            continue
        if k != prev:
            prev, n_in = k, 0
        n_in += 1
        ks[j] = k
        keep.append(j)
    sel = np.asarray(keep, np.int64)
    return np.asarray(ks, np.int64)[sel], idx[sel]


def truth_path_for(recording: str | os.PathLike[str]) -> Path:
    """<recording stem>.truth.json beside the recording."""
    p = Path(recording)
    return p.with_name(p.stem + ".truth.json")


def write_simulation(result: SimResult, path: str | os.PathLike[str], overwrite: bool = False
                     ) -> tuple[Path, Path]:
    """Write the recording (through RecordingWriter) and its truth file, both mode 0o600.

    Refuses to replace existing files unless overwrite; returns (recording, truth) paths.
    """
    rec = Path(path)
    truth = truth_path_for(rec)
    for p in (rec, truth):
        if p.exists():
            if not overwrite:
                raise RecordingFormatError(f"{p}: already exists; not overwriting (use --force)")
            p.unlink()
    with RecordingWriter(rec, result.header) as w:
        for n in result.notifications:
            w.notification(n.t_ns, n.wall_ns, n.payload)
    text = json.dumps(result.truth.to_json(rec.name), separators=(",", ":")) + "\n"
    try:
        fd = create_private(truth)
    except OSError as e:
        raise RecordingFormatError(f"{truth}: cannot create: {e.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return rec, truth


def read_truth(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a truth file written by write_simulation."""
    p = Path(path)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordingFormatError(f"{p}: no such truth file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordingFormatError(f"{p}: not a simulator truth file ({e})") from None
    if not isinstance(obj, dict) or obj.get("format") != TRUTH_FORMAT:
        raise RecordingFormatError(f"{p}: not a simulator truth file (no '{TRUTH_FORMAT}' format)")
    return obj
