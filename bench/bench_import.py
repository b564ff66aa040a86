"""FIT import throughput: hrzone's FIT path against bare fitdecode iteration of the same file.

Run: python bench/bench_import.py [file.fit] [--repeat N]
Default file: the largest real FIT file (Wahoo ELEMNT, 6.5 h ride, 23,591 s, 24,890 frames).
Prints a markdown table: best-of-N wall time, data messages per second, the ratio to bare
fitdecode (target <= 1.25), and peak traced memory (tracemalloc, measured in a separate run so
it does not slow the timed ones).
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import fitdecode

from hrzone.importers.fit import load_fit

DEFAULT = (Path(__file__).resolve().parents[2] / "shared" / "realdata" / "fit"
           / "fitdecode__2019-02-17-062644-ELEMNT-297E-195-0.fit")


def bare_default(path: Path) -> int:
    """Iterate every frame with fitdecode's defaults (DefaultDataProcessor); data messages."""
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(path) as fr:
            for frame in fr:
                n += frame.frame_type == fitdecode.FIT_FRAME_DATA
    return n


def bare_raw(path: Path) -> int:
    """Iterate every frame with no data processor (what hrzone uses underneath)."""
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(path, processor=None) as fr:
            for frame in fr:
                n += frame.frame_type == fitdecode.FIT_FRAME_DATA
    return n


def ours(path: Path) -> int:
    w = load_fit(path)
    return len(w.series)


def ours_and_summary(path: Path) -> int:
    from hrzone.summary import summarise_workout
    from hrzone.zones import resolve_thresholds
    w = load_fit(path)
    summarise_workout(w, resolve_thresholds(moderate=110, high=150))
    return len(w.series)


def best_times(rows: list[tuple[str, Callable[[Path], int]]], path: Path,
               repeat: int) -> dict[str, float]:
    """Best wall time per path; runs interleaved so machine load hits every path alike."""
    best = {name: float("inf") for name, _ in rows}
    for _ in range(repeat):
        for name, fn in rows:
            t = time.perf_counter()
            fn(path)
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def peak_mib(fn: Callable[[Path], int], path: Path) -> float:
    tracemalloc.start()
    try:
        fn(path)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = bare_raw(args.file)
    rows = [("bare fitdecode (default processor)", bare_default),
            ("bare fitdecode (processor=None)", bare_raw),
            ("hrzone load_fit", ours)]
    try:
        import hrzone.summary  # noqa: F401
        rows.append(("hrzone load_fit + summarise_workout", ours_and_summary))
    except ImportError:
        pass
    times = best_times(rows, args.file, args.repeat)
    base_default = times[rows[0][0]]
    base_raw = times[rows[1][0]]
    print(f"file: {args.file.name} ({args.file.stat().st_size / 2**20:.2f} MiB, {n} data messages)")
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"python {platform.python_version()} fitdecode {fitdecode.__version__}; {date.today()}")
    print()
    print(f"| path | best of {args.repeat} (s) | messages/s | vs default | vs processor=None "
          "| peak MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, fn in rows:
        t = times[name]
        print(f"| {name} | {t:.3f} | {n / t:,.0f} | {t / base_default:.2f} | {t / base_raw:.2f} "
              f"| {peak_mib(fn, args.file):.2f} |")


if __name__ == "__main__":
    main()
