"""An Apple Health export of 1 GB (generated): `hrzone summary --table` of export.xml and of the
Health app's export.zip, in fresh processes; time, MB/s and peak resident memory.

The export (tests/exports.py: records of every kind grouped by type, heart rate every few
minutes all day and every 5 s in workouts, HRV with beat lists, workouts with pauses and routes)
is generated in a temporary folder. Baseline, in the same run: one bare
xml.etree.ElementTree.iterparse pass over the file with elements cleared (the reader hrzone
uses; it reads the file twice). Target (issue 11): memory bounded however large the file.

Run: python bench/bench_apple.py [--mb 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import date
from pathlib import Path

from _proc import add_tests_to_path, hrzone, idle_mb, machine

THR = ["--moderate", "110", "--high", "150"]
MB_PER_DAY = 0.78  # of the generated export, measured


def bare_iterparse(path: Path) -> int:
    n = 0
    root = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        n += 1
        if elem.tag in ("Record", "Workout", "ActivitySummary", "Correlation"):
            root.clear()  # type: ignore[union-attr]
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1000.0)
    args = ap.parse_args()
    add_tests_to_path()
    from exports import apple_health_xml

    print(machine())
    idle = idle_mb()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "apple_health_export" / "export.xml"
        xml.parent.mkdir()
        days = max(2, int(args.mb / MB_PER_DAY))
        t = time.perf_counter()
        truth = apple_health_xml(xml, start=date(2021, 1, 4), days=days, seed=11)
        gen_s = time.perf_counter() - t
        size = xml.stat().st_size / 1e6
        t = time.perf_counter()
        bare_iterparse(xml)
        bare_s = time.perf_counter() - t
        r = hrzone("summary", *THR, str(xml), "--table", str(Path(tmp) / "t.csv"))
        assert r.code == 0, r.err
        rows = sum(1 for _ in open(Path(tmp) / "t.csv")) - 1
        z = Path(tmp) / "export.zip"
        t = time.perf_counter()
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as f:
            f.write(xml, "apple_health_export/export.xml")
        zip_s = time.perf_counter() - t
        xml.unlink()
        rz = hrzone("summary", *THR, str(z), "--table", str(Path(tmp) / "tz.csv"))
        assert rz.code == 0, rz.err
        zsize = z.stat().st_size / 1e6

    print(f"export.xml: {size:,.0f} MB, {days} days, {len(truth)} workouts (generated in "
          f"{gen_s:.0f} s); export.zip: {zsize:,.0f} MB (zipped in {zip_s:.0f} s)")
    print()
    print("| what | wall s | MB/s | peak RSS MB | vs baseline |")
    print("|---|---:|---:|---:|---:|")
    print(f"| **baseline:** idle interpreter (`hrzone summary --help`) | | | {idle:.0f} | |")
    print(f"| **baseline:** one bare iterparse pass, elements cleared | {bare_s:.1f} | "
          f"{size / bare_s:.0f} | | 1.00 |")
    print(f"| `hrzone summary --table` of export.xml ({rows} sessions) | {r.seconds:.1f} | "
          f"{size / r.seconds:.0f} | {r.peak_mb:.0f} | {r.seconds / bare_s:.2f} |")
    print(f"| the same from export.zip | {rz.seconds:.1f} | {size / rz.seconds:.0f} | "
          f"{rz.peak_mb:.0f} | {rz.seconds / bare_s:.2f} |")


if __name__ == "__main__":
    main()
