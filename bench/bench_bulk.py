"""Years of history in one command: a synthetic 10-year Strava-like export through `log add`.

The export (built in a temporary folder): N activities (default 2,000) made from the real FIT
activities in ../shared/realdata, each moved to its own day over ten years (tests/exports.py
shift_fit rewrites every date and the CRC: the same activity on another day), gzipped as
activities/<id>.fit.gz beside activities.csv, zipped as Strava does. Measured, in one run:

- **baseline**: the sum of bare fitdecode decode times (processor=None, the decoder hrzone
  uses) of the same files: each real file is decoded best-of-3 and counted as many times as it
  appears (shifting dates does not change the work);
- `hrzone log add export.zip` in a fresh process with a fresh history, with 1 and 2 processes:
  files/s, the ratio to the baseline, and the parent's peak RSS;
- the same command again: every file recognised by its content hash, nothing decoded.

Run: python bench/bench_bulk.py [--activities 2000]   (about 6 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import tempfile
import time
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fitdecode

from _proc import REALDATA, add_tests_to_path, hrzone, machine

# Real activities with heart rate and a real clock, of everyday length: 1-minute to 3-hour
# sessions (the 6.5 h and 3 h rides cost 0.4-0.8 s each to decode and would make this
# benchmark take half an hour).
POOL = ["fit/fitdecode__2013-02-06-12-11-14.fit", "fit/fitdecode__20170518-191602-1740899583.fit",
        "fit/fitdecode__sample-activity-indoor-trainer.fit", "fit/fitdecode__event_timestamp.fit",
        "fit/fitparse__sample_mulitple_header.fit", "fit/fitdecode__sample-activity.fit",
        "sweatpy/6449921903_ACTIVITY.fit", "sweatpy/6471559601_ACTIVITY.fit",
        "fit/fitdecode__garmin-fenix-5-run.fit"]
TYPES = {"fitdecode__2013": "Run", "20170518": "Workout", "indoor": "VirtualRide",
         "event_timestamp": "Swim", "mulitple": "Triathlon", "sample-activity": "Ride",
         "6449921903": "Ride", "6471559601": "Ride", "fenix-5-run": "Run", "fenix2": "Run"}


def bare_decode(data: bytes) -> int:
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for frame in fitdecode.FitReader(io.BytesIO(data), processor=None):
            n += frame.frame_type == fitdecode.FIT_FRAME_DATA
    return n


def build(folder: Path, n: int) -> tuple[Path, dict[str, int]]:
    """The export zip, and how often each pool file is in it."""
    from exports import STRAVA_HEADER, shift_fit

    from hrzone.importers import load
    from hrzone.importers.archive import BytesSource

    rng = random.Random(7)
    originals = {p: (REALDATA / p).read_bytes() for p in POOL}
    starts = {p: load(BytesSource(p, d)).start for p, d in originals.items()}
    first = datetime(2015, 1, 1, tzinfo=UTC)
    counts = dict.fromkeys(POOL, 0)
    out = folder / "export_31415926.zip"
    rows = [STRAVA_HEADER]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(n):
            p = rng.choice(POOL)
            counts[p] += 1
            day = first + timedelta(days=i * 3652 / n, hours=rng.randint(6, 19),
                                    minutes=rng.randint(0, 59))
            data = shift_fit(originals[p], int((day - starts[p]).total_seconds()))
            fn = f"activities/{3_000_000_000 + i}.fit.gz"
            z.writestr(fn, gzip.compress(data, compresslevel=6, mtime=0))
            kind = next(v for k, v in TYPES.items() if k in p)
            rows.append(f"{3_000_000_000 + i},\"{day:%b %d, %Y, %I:%M:%S %p}\",Activity {i},"
                        f"{kind},,1800,5.0,150,40,false,,,{fn},60,,1800,1700,5000,4.1")
        z.writestr("activities.csv", "\n".join(rows) + "\n")
        z.writestr("profile.csv", "Athlete ID,First Name\n1,Alice\n")
    return out, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--activities", type=int, default=2000)
    args = ap.parse_args()
    add_tests_to_path()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        export, counts = build(Path(tmp), args.activities)
        gen_s = time.perf_counter() - t
        per_file, per_file_cpu = {}, {}
        for p in POOL:
            data = (REALDATA / p).read_bytes()
            best = best_cpu = float("inf")
            for _ in range(3):
                t, c = time.perf_counter(), time.process_time()
                bare_decode(data)
                best = min(best, time.perf_counter() - t)
                best_cpu = min(best_cpu, time.process_time() - c)
            per_file[p], per_file_cpu[p] = best, best_cpu
        bare_s = sum(per_file[p] * k for p, k in counts.items())
        bare_cpu = sum(per_file_cpu[p] * k for p, k in counts.items())
        runs = {}
        for jobs in (1, 2):
            home = Path(tmp) / f"home{jobs}"
            runs[jobs] = hrzone("log", "add", "--jobs", str(jobs), "--moderate", "110", "--high",
                                "150", "--json", str(export), env={"HRZONE_HOME": str(home)})
            assert runs[jobs].code in (0, 1), runs[jobs].err[-2000:]
        again = hrzone("log", "add", "--jobs", "2", "--moderate", "110", "--high", "150",
                       "--json", str(export), env={"HRZONE_HOME": str(Path(tmp) / "home2")})
        import json

        rep = json.loads(runs[2].out)
        rep_again = json.loads(again.out)
        size = export.stat().st_size / 1e6
    n = args.activities
    print(f"export: {n} activities over 10 years from {len(POOL)} real FIT files, {size:.0f} MB "
          f"zip (built in {gen_s:.0f} s); added {rep['added']}, linked {rep['linked']}, "
          f"refused {rep['refused']}; second run: {rep_again['already']} already there")
    print()
    print("| what | wall s | files/s | wall vs bare | CPU s (all processes) | CPU vs bare | "
          "parent peak RSS MB | load avg |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| **baseline:** sum of bare fitdecode decode times | {bare_s:.1f} | "
          f"{n / bare_s:.1f} | 1.00 | {bare_cpu:.1f} | 1.00 | | |")

    def cpu(r) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        if r.cpu_s is None:
            return "–", "–"
        return f"{r.cpu_s:.1f}", f"{r.cpu_s / bare_cpu:.2f}"

    for jobs, r in runs.items():
        c, cr = cpu(r)
        print(f"| `hrzone log add --jobs {jobs}` | {r.seconds:.1f} | {n / r.seconds:.1f} | "
              f"{r.seconds / bare_s:.2f} | {c} | {cr} | {r.peak_mb:.0f} | {r.load:.1f} |")
    c, cr = cpu(again)
    print(f"| `hrzone log add --jobs 2` again (all recognised by hash) | {again.seconds:.1f} | "
          f"{n / again.seconds:.0f} | {again.seconds / bare_s:.2f} | {c} | {cr} | "
          f"{again.peak_mb:.0f} | {again.load:.1f} |")
    print()
    print("CPU: psutil samples of the hrzone process and its workers (benchmark only; '–' when "
          "psutil is not installed). On a 2-core machine shared with other jobs (load average "
          "above 2), two workers share what is left: compare the CPU columns.")

if __name__ == "__main__":
    main()
