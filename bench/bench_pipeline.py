"""Benchmark of the whole pipeline on a 24-hour simulated recording.

Measures, in one run on this machine:
- end to end: the recording file -> parse -> decode -> signal core -> summary (`hrzone summary`),
  in notifications per second (best of 3), and its parts;
- streaming: one notification at a time through LiveSession (the live path), µs p50/p99;
- peak memory of the end-to-end summary in a fresh process (ru_maxrss, whole interpreter) and
  the peak of Python allocations (tracemalloc);
- baseline: neurokit2's batch artefact detection (signal_fixpeaks, method="kubios", the same
  Lipponen & Tarvainen method) on the same beats, as a ratio.

Targets (issue 2): >= 100,000 notifications/s, < 150 MB peak for 24 hours.
neurokit2 is only for this benchmark: `pip install neurokit2` (skipped when missing).

Run: python bench/bench_pipeline.py [--hours 24]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import date
from pathlib import Path

import numpy as np

from _timing import best
from hrzone.loader import load_workout
from hrzone.recording import read_recording
from hrzone.session import LiveSession
from hrzone.simulator import load_plan, simulate, write_simulation
from hrzone.summary import summarise_workout
from hrzone.zones import resolve_thresholds

TH = resolve_thresholds("hrr", age=45, rest=62)


def peak_rss_mb(path: Path) -> float:
    """Peak resident memory of a fresh process summarising the file (MB)."""
    # VmHWM (peak RSS of this process image; ru_maxrss would include the forking parent's).
    hwm = ("print([int(l.split()[1]) for l in open('/proc/self/status') "
           "if l.startswith('VmHWM')][0])")
    code = ("import sys;from hrzone.loader import load_workout;"
            "from hrzone.summary import summarise_workout;from hrzone.zones import resolve_thresholds;"
            "summarise_workout(load_workout(sys.argv[1]),resolve_thresholds('hrr',age=45,rest=62));"
            + hwm)
    base = "import hrzone.summary,hrzone.loader;" + hwm
    used = int(subprocess.check_output([sys.executable, "-c", code, str(path)]).strip())
    idle = int(subprocess.check_output([sys.executable, "-c", base]).strip())
    return used / 1024, idle / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--stream-n", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plan = load_plan("noisy").repeated(int(args.hours * 3600))
        t0 = time.perf_counter()
        rec_path, _ = write_simulation(simulate(plan, seed=1), Path(tmp) / "day.jsonl")
        sim_s = time.perf_counter() - t0
        rec_path = Path(rec_path)
        size_mb = rec_path.stat().st_size / 1e6
        w = load_workout(rec_path)
        n = len(w.series)
        beats = w.series.rr_ms.copy()

        t_load = best(lambda: load_workout(rec_path))
        t_core = best(lambda: summarise_workout(w, TH))
        t_all = best(lambda: summarise_workout(load_workout(rec_path), TH))
        s = summarise_workout(w, TH)

        tracemalloc.start()
        summarise_workout(load_workout(rec_path), TH)
        _, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss, idle = peak_rss_mb(rec_path)

        rec = read_recording(rec_path)
        live = LiveSession(rec.header, TH)
        lat = []
        for item in rec.notifications[: args.stream_n]:
            a = time.perf_counter_ns()
            live.feed(item)
            lat.append(time.perf_counter_ns() - a)
        lat_us = np.array(lat) / 1000

        base_s = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import neurokit2 as nk
            peaks = np.concatenate([[0], np.cumsum(np.rint(beats).astype(np.int64))])

            def nk_run():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nk.signal_fixpeaks(peaks, sampling_rate=1000, iterative=False, method="kubios")
            base_s = best(nk_run, repeat=1)
        except ImportError:
            pass

    rows = [
        ("recording", f"{args.hours:g} h, {n:,} notifications, {beats.size:,} beats, "
                      f"{size_mb:.1f} MB (simulated in {sim_s:.1f} s)"),
        ("end to end (file -> summary)", f"{t_all:.3f} s = {n / t_all:,.0f} notifications/s"),
        ("  parse + decode", f"{t_load:.3f} s = {n / t_load:,.0f} notifications/s"),
        ("  signal core + summary", f"{t_core:.3f} s = {n / t_core:,.0f} notifications/s"),
        ("streaming, 1 notification a call", f"p50 {np.percentile(lat_us, 50):.0f} µs, "
                                             f"p99 {np.percentile(lat_us, 99):.0f} µs "
                                             f"({1e6 / lat_us.mean():,.0f} notifications/s)"),
        ("peak RSS, fresh process", f"{rss:.0f} MB (interpreter + numpy/scipy idle: {idle:.0f} MB)"),
        ("peak Python allocations", f"{py_peak / 1e6:.1f} MB (tracemalloc)"),
    ]
    if base_s is not None:
        rows.append(("baseline: neurokit2 kubios fixpeaks, same beats",
                     f"{base_s:.3f} s; ratio ours end to end / baseline = {t_all / base_s:.2f}"))
    else:
        rows.append(("baseline", "neurokit2 not installed (pip install neurokit2)"))
    rows.append(("summary check", f"credited {s.credited_min:.1f} min, valid {s.valid_s / 3600:.2f} h"))
    print(f"hrzone pipeline benchmark — {platform.node()} {platform.machine()}, "
          f"Python {platform.python_version()}, {date.today()}")
    width = max(len(r[0]) for r in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(json.dumps({"notifications": n, "end_to_end_per_s": n / t_all, "core_per_s": n / t_core,
                      "stream_p50_us": float(np.percentile(lat_us, 50)),
                      "stream_p99_us": float(np.percentile(lat_us, 99)),
                      "peak_rss_mb": rss, "baseline_s": base_s}))


if __name__ == "__main__":
    main()
