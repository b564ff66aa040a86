"""Quality of spoken zone cues on real workouts (issue 10), beside three simple baselines.

Files: every real FIT/TCX/GPX file in ../shared/realdata with >= 600 HR samples in 30-240 bpm,
except those whose MANIFEST note says the HR is synthetic. Thresholds 120/145 bpm. The measure
(truth, matching, free runs) is hrzone/signal/cue_eval.py. hrzone runs through its real replay
path: the code `hrzone replay FILE --fast` runs (session.replay_file, the pipeline and the cue
stage in LiveSession), default cue preferences; its spoken zone cues are scored.

Files are split in two halves by activity (copies of one ride stay together, alternating in
start-time order): `--split` prints the table for each half too, the held-out check for a
policy tuned on one half.

    python bench/cue_quality.py [--per-file] [--split]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hrzone import session
from hrzone.cues import Cue
from hrzone.errors import HrzoneError
from hrzone.loader import load_workout
from hrzone.session import Sink
from hrzone.signal import cue_eval
from hrzone.signal.cue_eval import Grid, Score
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds

# ../shared/realdata beside the checkout (a git worktree sits one level deeper).
REALDATA = next((p / "shared" / "realdata" for p in Path(__file__).resolve().parents[1:4]
                 if (p / "shared" / "realdata").is_dir()),
                Path(__file__).resolve().parents[2] / "shared" / "realdata")
TH = Thresholds("bpm", 120.0, 145.0)
MIN_SAMPLES = 600
LEVEL = {"zone:low": LOW, "zone:moderate": MODERATE, "zone:high": HIGH}


@dataclass(frozen=True)
class File:
    path: Path
    rel: str
    group: str      # activity key: copies of one ride share it
    grid: Grid
    t_s: np.ndarray
    hr: np.ndarray


def real_files(root: Path = REALDATA) -> list[File]:
    """The files of the measure, loaded once."""
    notes: dict[str, tuple[str, str]] = {}
    with open(root / "MANIFEST.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            notes[row["path"]] = (row.get("notes") or "", row.get("start") or row["path"])
    out = []
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() not in (".fit", ".tcx", ".gpx") or not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        note, start = notes.get(rel, ("", rel))
        if "synthetic" in note.lower():
            continue
        try:
            w = load_workout(p)
        except HrzoneError:
            continue
        t, hr = w.series.t_s, w.series.hr_bpm
        ok = np.isfinite(hr) & (hr >= 30) & (hr <= 240)
        if int(ok.sum()) < MIN_SAMPLES:
            continue
        out.append(File(p, rel, start, cue_eval.grid(t, hr), t, hr))
    return out


class _Spoken(Sink):
    """Collects the zone cues a session speaks."""

    def __init__(self) -> None:
        self.zone: list[tuple[float, int]] = []

    def on_cue(self, cue: Cue) -> None:
        if cue.kind == "zone":
            self.zone.append((cue.t_s, LEVEL[cue.key]))


def hrzone_cues(f: File) -> list[tuple[float, int]]:
    """Zone cues spoken when the file is replayed as `hrzone replay FILE --fast` does."""
    spoken = _Spoken()
    asyncio.run(session.replay_file(f.path, lambda header: TH, speed=None, sinks=[spoken]))
    return spoken.zone


POLICIES: dict[str, Callable[[File], list[tuple[float, int]]]] = {
    "every raw zone change": lambda f: cue_eval.raw_changes(f.grid, TH),
    "RunnerUp-like: 20 s trimmed mean, >= 30 s between cues":
        lambda f: cue_eval.trimmed_mean(f.grid, TH),
    "EMA 0.1/s, +-3 bpm hysteresis, 15 s dwell": lambda f: cue_eval.ema_hysteresis(f.grid, TH),
    "hrzone (replay --fast, default preferences)": hrzone_cues,
}


def row(name: str, s: Score) -> str:
    return (f"| {name} | {s.per_hour(s.cues):.1f} | {s.per_hour(s.spurious):.1f} | "
            f"{100 * s.missed_frac:.0f} % ({s.missed}/{s.changes}; {s.missed_near} near) | "
            f"{s.delay_pct(50):.0f} / {s.delay_pct(95):.0f} s |")


HEAD = ("| policy (real files, 120/145 bpm) | cues/h | spurious/h | true changes missed "
        "(near a threshold) | delay median / p95 |\n|---|---|---|---|---|")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-file", action="store_true", help="one table row per file and policy")
    ap.add_argument("--split", action="store_true", help="also the table for each half")
    args = ap.parse_args(argv)
    if not REALDATA.is_dir():
        print(f"real data folder {REALDATA} is absent", file=sys.stderr)
        return 1
    files = real_files()
    groups = sorted({f.group for f in files})
    half = {g: k % 2 for k, g in enumerate(groups)}
    changes = {f.rel: cue_eval.true_changes(f.grid, TH) for f in files}
    scores: dict[str, dict[str, Score]] = {}
    for name, policy in POLICIES.items():
        scores[name] = {f.rel: cue_eval.score(f.grid, TH, policy(f), changes[f.rel]) for f in files}
    hours = sum(s.hours for s in scores[next(iter(POLICIES))].values())
    n_changes = sum(1 for f in files for c in changes[f.rel] if not c.free)
    print(f"{len(files)} files, {hours:.1f} h of HR, {n_changes} true changes\n")
    print(HEAD)
    for name in POLICIES:
        print(row(name, sum(scores[name].values(), Score())))
    if args.split:
        for h in (0, 1):
            print(f"\nhalf {'AB'[h]}: " + ", ".join(f.rel for f in files if half[f.group] == h))
            print(HEAD)
            for name in POLICIES:
                print(row(name, sum((s for rel, s in scores[name].items()
                                     if half[next(f.group for f in files if f.rel == rel)] == h),
                                    Score())))
    if args.per_file:
        for f in files:
            print(f"\n{f.rel} ({scores[next(iter(POLICIES))][f.rel].hours:.2f} h, "
                  f"{sum(1 for c in changes[f.rel] if not c.free)} changes)")
            print(HEAD)
            for name in POLICIES:
                print(row(name, scores[name][f.rel]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
