"""Regenerate the bundled simulated recordings (and their .truth.json) reproducibly.

    python recordings/make_recordings.py            # rewrite the files in recordings/
    python recordings/make_recordings.py --check    # exit 1 if the committed files are stale

Fixed seeds and a fixed start time make the output byte-identical on every run (for the same
hrzone version, which the header records).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hrzone.simulator import load_plan, simulate, write_simulation

HERE = Path(__file__).resolve().parent
START = datetime(2026, 1, 5, 7, 30, tzinfo=timezone.utc)
# name -> (plan, seed, start offset in days so the sessions fall on different days)
BUNDLE = {
    "walk30": ("walk30", 101, 0),
    "intervals": ("intervals", 202, 1),
    "gentle": ("gentle", 303, 2),
    "noisy": ("noisy", 404, 3),
    "ride2h": ("ride2h", 505, 5),
}


def make(out_dir: Path) -> list[Path]:
    """Write every bundled recording and truth file into out_dir; return the paths."""
    written: list[Path] = []
    for name, (plan, seed, day) in BUNDLE.items():
        start = START + timedelta(days=day)
        result = simulate(load_plan(plan), seed, start)
        written += write_simulation(result, out_dir / f"{name}.jsonl", overwrite=True)
    return written


def stale_files(out_dir: Path = HERE) -> list[str]:
    """Bundled files that differ from a fresh regeneration (empty when up to date)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = make(Path(tmp))
        return [p.name for p in fresh
                if not (out_dir / p.name).exists()
                or not filecmp.cmp(p, out_dir / p.name, shallow=False)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the files are current")
    args = ap.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            print(f"stale: {', '.join(stale)} (run python recordings/make_recordings.py)")
            return 1
        print("bundled recordings are up to date")
        return 0
    for p in make(HERE):
        print(f"wrote {p.relative_to(HERE.parent)} ({p.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
