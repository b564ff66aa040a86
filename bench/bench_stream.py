"""Bounded memory for any file length: a 12-million-row CSV and a 24-hour recording, each
summarised by `hrzone summary` in a fresh process; time, rows/s and peak resident memory.

Targets (issue 11): each < 300 MB peak RSS; the CSV at >= 500,000 rows/s (before: 160,000 rows/s
and 4.7 GB). Baselines, measured in the same run: the idle interpreter's RSS, and numpy's
np.loadtxt parsing the same CSV in 1 MiB blocks (parse only, no signal core): the floor for a
CSV reader in Python. The inputs are generated in a temporary folder and removed.

Run: python bench/bench_stream.py [--rows 12000000] [--hours 24]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from _proc import hrzone, idle_mb, machine

THR = ["--moderate", "110", "--high", "150"]


def write_csv(path: Path, rows: int, step_s: float = 0.05) -> None:
    """A generic CSV: Unix time (s, 2 decimals) and HR, one row every `step_s` (a 20 Hz logger),
    HR drifting through the zones."""
    t0 = 1_700_000_000.0
    rng = np.random.default_rng(1)
    with open(path, "w") as f:
        f.write("time,heart_rate\n")
        for a in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - a)
            t = t0 + (a + np.arange(n)) * step_s
            hr = np.clip(120 + 35 * np.sin((a + np.arange(n)) / 72000.0)
                         + rng.normal(0, 2, n), 50, 200).round().astype(int)
            f.write("".join(f"{x:.2f},{y}\n" for x, y in zip(t.tolist(), hr.tolist())))


def loadtxt_blocks(path: Path) -> int:
    """Parse the CSV's two columns with np.loadtxt, 1 MiB of whole lines at a time."""
    n = 0
    with open(path, "rb") as f:
        f.readline()
        carry = b""
        while True:
            data = f.read(1 << 20)
            if not data:
                break
            buf = carry + data
            cut = buf.rfind(b"\n") + 1
            block, carry = buf[:cut], buf[cut:]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                n += np.loadtxt(io.StringIO(block.decode()), delimiter=",", ndmin=2).shape[0]
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=12_000_000)
    ap.add_argument("--hours", type=float, default=24.0)
    args = ap.parse_args()
    print(machine())
    idle = idle_mb()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "logger.csv"
        t = time.perf_counter()
        write_csv(csv_path, args.rows)
        gen_s = time.perf_counter() - t
        size = csv_path.stat().st_size / 1e6
        t = time.perf_counter()
        parsed = loadtxt_blocks(csv_path)
        parse_s = time.perf_counter() - t
        assert parsed == args.rows
        r = hrzone("summary", "--json", *THR, str(csv_path))
        assert r.code == 0, r.err

        from hrzone.simulator import load_plan, simulate, write_simulation

        plan = load_plan("noisy").repeated(int(args.hours * 3600))
        rec, _ = write_simulation(simulate(plan, seed=1), Path(tmp) / "day.jsonl")
        rec = Path(rec)
        n_rec = sum(1 for _ in open(rec)) - 1
        r2 = hrzone("summary", "--json", *THR, str(rec))
        assert r2.code == 0, r2.err

    print(f"CSV: {args.rows:,} rows, {size:.0f} MB (generated in {gen_s:.0f} s); "
          f"recording: {args.hours:g} h, {n_rec:,} lines")
    print()
    print("| what | wall s | rows/s | peak RSS MB | vs baseline |")
    print("|---|---:|---:|---:|---|")
    print(f"| **baseline:** idle interpreter (`hrzone summary --help`) | | | {idle:.0f} | |")
    print(f"| **baseline:** np.loadtxt of the CSV in 1 MiB blocks (parse only) | {parse_s:.1f} | "
          f"{args.rows / parse_s:,.0f} | | 1.00 |")
    print(f"| `hrzone summary` of the {args.rows / 1e6:g} M-row CSV | {r.seconds:.1f} | "
          f"{args.rows / r.seconds:,.0f} | {r.peak_mb:.0f} | {r.seconds / parse_s:.2f}x the "
          "parse-only time |")
    print(f"| `hrzone summary` of the {args.hours:g} h recording | {r2.seconds:.1f} | "
          f"{n_rec / r2.seconds:,.0f} | {r2.peak_mb:.0f} | |")
    print()
    ok = r.peak_mb < 300 and r2.peak_mb < 300 and args.rows / r.seconds >= 500_000
    print(f"targets (< 300 MB each, CSV >= 500,000 rows/s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
