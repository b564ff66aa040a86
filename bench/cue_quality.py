"""Quality of spoken zone cues on real workouts (issue 10), beside three simple baselines.

Files: every real FIT/TCX/GPX file in ../shared/realdata with >= 600 HR samples in 30-240 bpm,
except those whose MANIFEST note says the HR is synthetic. Thresholds 120/145 bpm. The measure
(truth, matching, free runs) is hrzone/signal/cue_eval.py. hrzone runs through its real replay
path: the code `hrzone replay FILE --fast` runs (session.replay_file, the pipeline and the cue
stage in LiveSession), default cue preferences; its spoken zone cues are scored.

Files are split in two halves by activity (copies of one ride stay together, alternating in
start-time order): `--split` prints the table for each half too, the held-out check for a
policy tuned on one half. `--bundled` adds the bundled simulator recordings, scored against the
simulator's true HR (thresholds: each recording's own); the policies see the recorded HR.

`--why` prints why each spurious cue is spurious (cue_eval.spurious_causes), per policy.

`--bounds` prints what delay alone can do on these files (hrzone/signal/cue_floor.py): the floor
of a policy that calls each kind of crossing after a fixed delay and is told when excursions
end, and the best "truth follower" -- a policy handed the truth's own zones (30 s of future HR,
no noise) with the best fixed delays per kind of crossing that meet the missed and delay
targets.

    python bench/cue_quality.py [--per-file] [--split] [--bundled] [--why] [--bounds]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hrzone import session
from hrzone.cues import Cue
from hrzone.errors import HrzoneError
from hrzone.loader import load_workout
from hrzone.session import Sink
from hrzone.signal import cue_eval, cue_floor
from hrzone.signal.cue_eval import Grid, Score
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds

# ../shared/realdata beside the checkout (a git worktree sits one level deeper).
REALDATA = next((p / "shared" / "realdata" for p in Path(__file__).resolve().parents[1:4]
                 if (p / "shared" / "realdata").is_dir()),
                Path(__file__).resolve().parents[2] / "shared" / "realdata")
TH = Thresholds("bpm", 120.0, 145.0)
MIN_SAMPLES = 600
LEVEL = {"zone:low": LOW, "zone:moderate": MODERATE, "zone:high": HIGH}


BUNDLED = Path(__file__).resolve().parents[1] / "recordings"


@dataclass(frozen=True)
class File:
    path: Path
    rel: str
    group: str      # activity key: copies of one ride share it
    grid: Grid      # the truth's HR
    seen: Grid      # the HR a policy sees (the file's own)
    th: Thresholds = TH


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
        g = cue_eval.grid(t, hr)
        out.append(File(p, rel, start, g, g))
    return out


def bundled_files(root: Path = BUNDLED) -> list[File]:
    """The bundled simulator recordings with their truth files."""
    out = []
    for p in sorted(root.glob("*.jsonl")):
        truth_path = p.with_name(p.stem + ".truth.json")
        if not truth_path.exists():
            continue
        truth = json.loads(truth_path.read_text())
        true_hr = np.asarray(truth["per_second"]["hr_bpm"], float)
        w = load_workout(p)
        out.append(File(p, p.name, p.name, cue_eval.grid(np.arange(true_hr.size, dtype=float),
                                                         true_hr),
                        cue_eval.grid(w.series.t_s, w.series.hr_bpm),
                        Thresholds.from_json(truth["thresholds"])))
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
    asyncio.run(session.replay_file(f.path, lambda header: f.th, speed=None, sinks=[spoken]))
    return spoken.zone


POLICIES: dict[str, Callable[[File], list[tuple[float, int]]]] = {
    "every raw zone change": lambda f: cue_eval.raw_changes(f.seen, f.th),
    "RunnerUp-like: 20 s trimmed mean, >= 30 s between cues":
        lambda f: cue_eval.trimmed_mean(f.seen, f.th),
    "EMA 0.1/s, +-3 bpm hysteresis, 15 s dwell":
        lambda f: cue_eval.ema_hysteresis(f.seen, f.th),
    "hrzone (replay --fast, default preferences)": hrzone_cues,
}


def scores(files: list[File], why: dict[str, Counter[tuple[str, bool]]] | None = None
           ) -> dict[str, dict[str, Score]]:
    """Score of every policy on every file: {policy: {file: Score}}; with `why`, also count the
    causes of the spurious cues there: {policy: Counter((cause, near a threshold))}."""
    changes = {f.rel: cue_eval.true_changes(f.grid, f.th) for f in files}
    out: dict[str, dict[str, Score]] = {}
    for name, policy in POLICIES.items():
        out[name] = {}
        for f in files:
            ann = policy(f)
            out[name][f.rel] = cue_eval.score(f.grid, f.th, ann, changes[f.rel])
            if why is not None:
                why.setdefault(name, Counter()).update(
                    (cause, near) for _, _, cause, near
                    in cue_eval.spurious_causes(f.grid, f.th, ann, changes[f.rel]))
    return out


def why_table(why: dict[str, Counter[tuple[str, bool]]], hours: float) -> str:
    """Spurious cues per hour by cause (and how many of them near a threshold), per policy."""
    names = list(why)
    lines = ["| spurious cue: cause | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    for cause in cue_eval.CAUSES:
        cells = []
        for name in names:
            n = why[name][(cause, False)] + why[name][(cause, True)]
            cells.append(f"{n / hours:.2f} ({n}; {why[name][(cause, True)]} near)")
        lines.append(f"| {cause} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def row(name: str, s: Score) -> str:
    return (f"| {name} | {s.per_hour(s.cues):.1f} | {s.per_hour(s.spurious):.1f} | "
            f"{100 * s.missed_frac:.0f} % ({s.missed}/{s.changes}; {s.missed_near} near) | "
            f"{s.delay_pct(50):.0f} / {s.delay_pct(95):.0f} s |")


HEAD = ("| policy (real files, 120/145 bpm) | cues/h | spurious/h | true changes missed "
        "(near a threshold) | delay median / p95 |\n|---|---|---|---|---|")


def meets(s: Score) -> bool:
    """Whether a score meets issue 10's missed and delay targets."""
    return s.missed_frac <= 0.05 and s.delay_pct(50) <= 20 and s.delay_pct(95) <= 40


def bounds(files: list[File]) -> str:
    """The floor and the best truth follower (see the module docstring), as text."""
    changes = {f.rel: cue_eval.true_changes(f.grid, f.th) for f in files}
    hours = sum(float(np.isfinite(f.grid.hr).sum()) for f in files) / 3600
    excs = [e for f in files for e in cue_floor.excursions(f.grid, f.th, changes[f.rel])]
    fl = cue_floor.floor([c for f in files for c in changes[f.rel]], excs)
    lines = [f"{len(excs)} excursions (a run < 60 s between two sustained runs, in neither's zone)"]
    if fl is not None:
        kinds = {(1, 0): "up into moderate", (-1, 0): "down into low", (1, 1): "up into high",
                 (-1, 1): "down into moderate"}
        lines.append(
            f"floor, fixed delay per kind of crossing, told when each excursion ends: "
            f"{fl.spurious / hours:.2f} spurious/h ({fl.spurious} excursions called; delays "
            + ", ".join(f"{kinds[k]} {v:g} s" for k, v in fl.delays_s.items())
            + f"; {fl.missed}/{fl.changes} missed, median {fl.median_s:.0f} / p95 "
            f"{fl.p95_s:.0f} s)")
    zones = {f.rel: cue_eval.truth_zones(f.grid, f.th) for f in files}
    best: tuple[float, str] | None = None
    grid = itertools.product((15, 20, 25), (15, 20, 25), range(20, 46, 5), range(20, 46, 5),
                             (60, 90))
    for up_mod, up_high, down_low, down_mod, quiet in grid:
        d = {(1, 0): up_mod, (1, 1): up_high, (-1, 0): down_low, (-1, 1): down_mod}
        s = sum((cue_eval.score(f.grid, f.th, cue_floor.truth_follower(
            f.grid, zones[f.rel], d, quiet), changes[f.rel]) for f in files), Score())
        if meets(s) and (best is None or s.per_hour(s.spurious) < best[0]):
            best = (s.per_hour(s.spurious), row(
                f"truth follower (not causal): up into moderate {up_mod} s, into high "
                f"{up_high} s, down into low {down_low} s, into moderate {down_mod} s, "
                f"quiet {quiet} s", s))
    lines += ["", HEAD, best[1] if best else "| truth follower: no delays meet the targets |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-file", action="store_true", help="one table row per file and policy")
    ap.add_argument("--split", action="store_true", help="also the table for each half")
    ap.add_argument("--bundled", action="store_true",
                    help="also the bundled simulator recordings against their truth")
    ap.add_argument("--why", action="store_true",
                    help="why the spurious cues are spurious (causes per hour, per policy)")
    ap.add_argument("--bounds", action="store_true",
                    help="what delay alone can do: the floor and the best truth follower")
    args = ap.parse_args(argv)
    if not REALDATA.is_dir():
        print(f"real data folder {REALDATA} is absent", file=sys.stderr)
        return 1
    files = real_files()
    groups = sorted({f.group for f in files})
    half = {g: k % 2 for k, g in enumerate(groups)}
    why: dict[str, Counter[tuple[str, bool]]] | None = {} if args.why else None
    res = scores(files, why)
    first = res[next(iter(POLICIES))]
    hours = sum(s.hours for s in first.values())
    print(f"{len(files)} real files, {hours:.1f} h of HR, "
          f"{sum(s.changes for s in first.values())} true changes\n")
    print(HEAD)
    for name in POLICIES:
        print(row(name, sum(res[name].values(), Score())))
    if why is not None:
        print("\nspurious cues per hour by cause (count; of them near a threshold):\n")
        print(why_table(why, hours))
    if args.bounds:
        print("\nwhat delay alone can do (not causal; hrzone/signal/cue_floor.py):\n")
        print(bounds(files))
    if args.split:
        for h in (0, 1):
            print(f"\nhalf {'AB'[h]}: " + ", ".join(f.rel for f in files if half[f.group] == h))
            print(HEAD)
            for name in POLICIES:
                print(row(name, sum((s for rel, s in res[name].items()
                                     if half[next(f.group for f in files if f.rel == rel)] == h),
                                    Score())))
    if args.per_file:
        for f in files:
            print(f"\n{f.rel} ({first[f.rel].hours:.2f} h, {first[f.rel].changes} changes)")
            print(HEAD)
            for name in POLICIES:
                print(row(name, res[name][f.rel]))
    if args.bundled:
        sim = bundled_files()
        bres = scores(sim)
        print(f"\nbundled simulator recordings ({', '.join(f.rel for f in sim)}), "
              f"truth: the simulator's HR")
        print(HEAD.replace("real files, 120/145 bpm", "bundled recordings, own thresholds"))
        for name in POLICIES:
            print(row(name, sum(bres[name].values(), Score())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
