"""Session history at scale: `hrzone week` over 10 years of sessions, and `log add` throughput.

Run: python bench/bench_week.py [--sessions 5000] [--years 10] [--repeat 5] [--files 20]
Everything happens in a temporary HRZONE_HOME. Prints a markdown table: best and median wall
time, the ratio to the target (`hrzone week` end to end < 300 ms) or to the baseline (a bare
`python -c pass`), and sessions or files per second for adding.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TARGET_WEEK_S = 0.300


class FakeSummary:
    """What store.add_summary reads of a Summary."""

    def __init__(self, start: datetime, hr: np.ndarray, thresholds: object) -> None:
        self.start, self.per_second_hr, self.thresholds = start, hr, thresholds
        self.fmt, self.has_rr = "recording", True
        self.duration_s = float(hr.size)
        self.valid_s = float(np.count_nonzero(hr))
        from hrzone.zones import HIGH, LOW, MODERATE, classify

        z = classify(hr.astype(float), hr > 0, thresholds)  # type: ignore[arg-type]
        self.low_s, self.moderate_s, self.high_s = (float(np.count_nonzero(z == k))
                                                    for k in (LOW, MODERATE, HIGH))

    def to_json(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "format": self.fmt}


def sessions(n: int, years: int, seed: int = 1) -> list[tuple[datetime, np.ndarray]]:
    """n sessions spread over `years` years: 20-90 min, a wandering HR, a few dropouts."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 11, 21, tzinfo=tz) - timedelta(days=365 * years)
    offsets = np.sort(rng.uniform(0, 365 * years * 86400, n))
    out = []
    for off in offsets:
        dur = int(rng.uniform(20, 90) * 60)
        hr = 95 + 30 * np.sin(np.arange(dur) / rng.uniform(200, 900)) + rng.normal(0, 3, dur)
        hr = np.clip(hr, 40, 200).astype(np.uint8)
        k = int(rng.integers(0, dur - 30))
        hr[k:k + int(rng.integers(0, 30))] = 0
        out.append((first + timedelta(seconds=float(off)), hr))
    return out


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "hrzone", *args], cwd=REPO, check=True,
                          capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=5000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--files", type=int, default=20, help="recordings for the log add benchmark")
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="hrzone-bench-")
    os.environ["HRZONE_HOME"] = home

    from hrzone import store
    from hrzone.profile import load_profile, set_value
    from hrzone.week import week_start_of
    from hrzone.zones import resolve_thresholds

    for k, v in (("timezone", "Europe/Berlin"), ("method", "bpm"), ("moderate_bpm", "100"),
                 ("high_bpm", "125")):
        set_value(k, v)
    prof = load_profile()
    thr = resolve_thresholds("bpm", moderate=100, high=125)
    tz = prof.tz()
    rows: list[tuple[str, float, float, str]] = []

    data = sessions(a.sessions, a.years)
    db = store.open_db()
    t = time.perf_counter()
    for i, (start, hr) in enumerate(data):
        store.add_summary(db, FakeSummary(start, hr, thr), f"s{i}.jsonl", f"hash-{i}", tz)
    add_s = time.perf_counter() - t
    rows.append((f"store.add_summary x {a.sessions}", add_s, add_s,
                 f"{a.sessions / add_s:,.0f} sessions/s"))
    db_mb = (Path(home) / "data" / "history.db").stat().st_size / 1e6

    today = datetime.now(tz).date()
    start = week_start_of(today, prof.week_start_day)

    def week_lib() -> None:
        conn = store.open_db()
        store.week_view(conn, load_profile(), start, today)
        conn.close()

    ts = timed(week_lib, a.repeat)
    rows.append(("week_view in process (open db + query)", min(ts), statistics.median(ts),
                 f"{min(ts) / TARGET_WEEK_S:.2f} of target"))
    base = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), a.repeat)
    rows.append(("baseline: python -c pass", min(base), statistics.median(base), "1.00 x baseline"))
    imp = timed(lambda: subprocess.run(
        [sys.executable, "-c", "import hrzone.store, hrzone.profile"], check=True, cwd=REPO),
        a.repeat)
    rows.append(("python -c 'import hrzone.store, hrzone.profile'", min(imp),
                 statistics.median(imp), f"{min(imp) / min(base):.1f} x baseline"))
    floor = ("import json, hrzone.store as s, hrzone.profile as p, hrzone.week as w; "
             "db = s.open_db(); pr = p.load_profile(); "
             "print(json.dumps(s.week_view(db, pr, w.week_start_of("
             "__import__('datetime').date.today(), pr.week_start_day))))")
    ts = timed(lambda: subprocess.run([sys.executable, "-c", floor], check=True, cwd=REPO,
                                      capture_output=True), a.repeat)
    rows.append(("week JSON by a bare script (no CLI registry)", min(ts), statistics.median(ts),
                 f"{min(ts) / TARGET_WEEK_S:.2f} of target, {min(ts) / min(base):.1f} x baseline"))
    for args in (("week", "--json"), ("weeks", "--last", "520", "--json")):
        ts = timed(lambda args=args: cli(*args), a.repeat)
        rows.append((f"hrzone {' '.join(args)} (end to end)", min(ts), statistics.median(ts),
                     f"{min(ts) / TARGET_WEEK_S:.2f} of target, {min(ts) / min(base):.1f} x baseline"))

    # log add of real recordings: load + signal core + summary + store, in process and by CLI.
    sys.path.insert(0, str(REPO / "tests"))
    from history_helpers import make_recording, wobbly

    folder = Path(home) / "recs"
    folder.mkdir()
    files = [make_recording(folder / f"r{i}.jsonl",
                            datetime(2027, 1, 1, 8, tzinfo=tz) + timedelta(days=i),
                            wobbly(30, 110 + i % 30), note=str(i)) for i in range(a.files)]
    t = time.perf_counter()
    for f in files[: a.files // 2]:
        store.add_file(db, f, thr, tz)
    lib_s = time.perf_counter() - t
    n_lib = a.files // 2
    rows.append((f"store.add_file x {n_lib} (30 min recordings)", lib_s, lib_s,
                 f"{n_lib / lib_s:.1f} files/s"))
    t = time.perf_counter()
    cli("log", "add", *map(str, files[n_lib:]))
    cli_s = time.perf_counter() - t
    n_cli = a.files - n_lib
    rows.append((f"hrzone log add x {n_cli} (one process)", cli_s, cli_s,
                 f"{n_cli / cli_s:.1f} files/s"))
    db.close()

    print(f"# bench_week: {a.sessions} sessions over {a.years} years, db {db_mb:.1f} MB "
          f"({date.today()}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs)\n")
    print("| what | best | median | ratio / rate |")
    print("|---|---:|---:|---|")
    for name, best, med, note in rows:
        print(f"| {name} | {best * 1000:,.1f} ms | {med * 1000:,.1f} ms | {note} |")


if __name__ == "__main__":
    main()
