"""Hostile input: mutants of real files and bundled recordings through `hrzone summary`.

Each mutant (bit flips, truncation, inserted bytes, duplicated or deleted blocks, huge numbers,
wild timestamps, long lines) must end in a valid summary or a clean one-line error, in a child
process whose address space is limited to MEMORY_LIMIT bytes (so a file that asks for gigabytes
fails the test instead of the machine). Seeds are fixed: a failure names a mutant that can be
rebuilt with `mutants(...)`.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


from conftest import RECORDINGS, REALDATA

MEMORY_LIMIT = 1_500_000_000
N_MUTANTS = 2000
WORKERS = 2
WORKER = Path(__file__).with_name("fuzz_worker.py")

# Real files small enough to summarise many times (the big ones are cut to a prefix below).
REAL_BASES = [
    "fit/fitdecode__20170518-191602-1740899583.fit",
    "fit/fitdecode__sample-activity-indoor-trainer.fit",
    "fit/fitdecode__2013-02-06-12-11-14.fit",
    "fit/fitdecode__compressed-speed-distance.fit",
    "fit/fitdecode__garmin-fenix-5-run.fit",
    "fit/fitdecode__garmin-edge-820-bike.fit",
    "fit/fitparse__elemnt-bolt-no-application-id-inside-developer-data-id.fit",
    "sweatpy/6449921903_ACTIVITY.fit",
    "sweatpy/6471559601_ACTIVITY.fit",
    "gc/2009_08_30_21_17_25.tcx",
    "sweatpy/3173437224.tcx",
    "gc/UrbanBiker2019-04-18_16-12.gpx",
    "sweatpy/4078723797_strava.gpx",
    "misc/opentracks__legacy_gpx_trackpointextensions_incorrect.gpx",
    "polar_sensor_logger/biobss__Polar_Sense_HR.txt",
    "rr/exercise_rri.hrm",
    "rr/noisy_rri.hrm",
]
_XML_POINT = {".tcx": b"</Trackpoint>", ".gpx": b"</trkpt>"}
_KEEP_POINTS = 150
_KEEP_LINES = 300


def shrink(name: str, data: bytes) -> bytes:
    """A smaller well-formed file of the same kind: XML keeps its first points and its closing
    tags, text keeps its first lines; FIT files stay whole."""
    suffix = Path(name).suffix.lower()
    if suffix in (".gz", ".zip", ".xml"):
        return data
    if suffix in _XML_POINT:
        tag = _XML_POINT[suffix]
        ends = [m.end() for m in re.finditer(re.escape(tag), data)]
        if len(ends) > _KEEP_POINTS:
            return data[:ends[_KEEP_POINTS - 1]] + data[ends[-1]:]
        return data
    if suffix == ".fit":
        return data
    lines = data.split(b"\n")
    return b"\n".join(lines[:_KEEP_LINES]) + (b"\n" if len(lines) > _KEEP_LINES else b"")


def bases() -> list[tuple[str, bytes]]:
    """(name, bytes) of every seed file: bundled recordings, real files when present, and the
    containers and exports built from them (gzip, zip, zip in zip, Apple Health XML)."""
    out = [(p.name, shrink(p.name, p.read_bytes())) for p in sorted(RECORDINGS.glob("*.jsonl"))]
    if REALDATA.is_dir():
        out += [(Path(n).name, shrink(n, (REALDATA / n).read_bytes())) for n in REAL_BASES
                if (REALDATA / n).exists()]
        polar = REALDATA / "polar_sensor_logger/biobss__Polar_Sense_HR.txt"
        if polar.exists():
            out.append(("generic.csv", generic_csv(polar.read_text())))
    out += containers(dict(out))
    return out


def containers(seeds: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Compressed and archived seeds: every new parser path gets mutants too."""
    import gzip
    import io
    import tempfile
    import zipfile

    from exports import apple_health_xml, fit_file

    def zipped(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", method) as z:
            for name, data in members:
                z.writestr(name, data)
        return buf.getvalue()

    with tempfile.TemporaryDirectory() as d:
        xml = Path(d) / "export.xml"
        apple_health_xml(xml, days=2, workouts_per_week=7, filler=False, seed=5)
        apple = xml.read_bytes()
    out = [("export.xml", apple)]
    fit = seeds.get("fitdecode__garmin-fenix-5-run.fit") or seeds.get("walk30.jsonl", b"")
    tcx = seeds.get("2009_08_30_21_17_25.tcx", b"")
    csv = seeds.get("generic.csv", b"")
    rec = seeds.get("gentle.jsonl", b"")
    out.append(("ride.fit.gz", gzip.compress(fit, mtime=0)))
    out.append(("rec.jsonl.gz", gzip.compress(rec, mtime=0)))
    flat = zipped([("activities/1.fit.gz", gzip.compress(fit, mtime=0)),
                   ("activities/2.tcx", tcx), ("hr.csv", csv),
                   ("activities.csv", b"Activity ID,Activity Name,Activity Type,Filename\n"
                                      b"1,Morning,Run,activities/1.fit.gz\n"),
                   ("wellness.fit", fit_file("monitoring_b")), ("photo.jpg", b"\xff\xd8\xff" + bytes(64))])
    out.append(("strava.zip", flat))
    inner = zipped([("1_ACTIVITY.fit", fit), ("2.jsonl", rec)])
    out.append(("garmin.zip", zipped([("DI_CONNECT/Uploaded/Part1.zip", inner),
                                      ("DI_CONNECT/user.json", b'{"a": 1}')], zipfile.ZIP_STORED)))
    out.append(("apple.zip", zipped([("apple_health_export/export.xml", apple),
                                     ("apple_health_export/workout-routes/r.gpx", b"<gpx/>")])))
    return out


def generic_csv(polar_text: str) -> bytes:
    """The Polar Sensor Logger HR file as a generic CSV: Unix seconds, heart_rate."""
    from datetime import UTC, datetime

    rows = ["time,heart_rate"]
    for line in polar_text.splitlines()[1:_KEEP_LINES]:
        stamp, _, hr = line.partition(";")
        t = datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()
        rows.append(f"{t:.3f},{hr}")
    return ("\n".join(rows) + "\n").encode()


# --- mutators: (random, data) -> data -------------------------------------------------------

def flip_bits(r: random.Random, d: bytes) -> bytes:
    b = bytearray(d)
    for _ in range(r.randint(1, 8)):
        i = r.randrange(len(b))
        b[i] ^= 1 << r.randrange(8)
    return bytes(b)


def truncate(r: random.Random, d: bytes) -> bytes:
    return d[:r.randrange(len(d))]


def insert_bytes(r: random.Random, d: bytes) -> bytes:
    i = r.randrange(len(d) + 1)
    return d[:i] + r.randbytes(r.randint(1, 64)) + d[i:]


def duplicate_block(r: random.Random, d: bytes) -> bytes:
    i = r.randrange(len(d))
    block = d[i:i + r.randint(1, 4096)]
    j = r.randrange(len(d) + 1)
    return d[:j] + block * r.randint(1, 3) + d[j:]


def delete_block(r: random.Random, d: bytes) -> bytes:
    i = r.randrange(len(d))
    return d[:i] + d[i + r.randint(1, 2048):]


_HUGE = [b"9" * 300_000, b"9" * 5000, b"99999999999999999999", b"1e308", b"-1", b"NaN",
         b"Infinity", b"-0", b"0x1F", b"1" + b"0" * 25]


def huge_number(r: random.Random, d: bytes) -> bytes:
    runs = [m.span() for m in re.finditer(rb"[0-9]+", d[:200_000])]
    if not runs:  # binary: a large 32-bit value somewhere
        i = r.randrange(max(1, len(d) - 4))
        return d[:i] + r.choice([b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80"]) + d[i + 4:]
    a, b = r.choice(runs)
    big = _HUGE[0] if r.random() < 0.05 else r.choice(_HUGE[1:])
    return d[:a] + big + d[b:]


def wild_times(r: random.Random, d: bytes) -> bytes:
    """A year far away for one stamp or a block of stamps (text); a wild 't' (recordings);
    FIT-sized timestamps written over a block of records (binary)."""
    if d.startswith(b"{"):  # own recording: t of one line or a block of lines
        lines = d.split(b"\n")
        if len(lines) < 3:
            return d
        i = r.randrange(1, len(lines) - 1)
        k = 1 if r.random() < 0.5 else r.randint(2, 200)
        big = r.choice([b"31536000000000000", b"9000000000000000000", b"0", b"123"])
        for j in range(i, min(len(lines), i + k)):
            lines[j] = re.sub(rb'"t":[0-9]+', b'"t":' + big, lines[j], count=1)
        return b"\n".join(lines)
    years = [m.span() for m in re.finditer(rb"(?:19|20)[0-9]{2}-[0-9]{2}-", d)]
    if years:
        a = r.randrange(len(years))
        k = 1 if r.random() < 0.5 else r.randint(2, 100)
        year = r.choice([b"2999", b"1970", b"0001", b"2100", b"1999"])
        out = bytearray(d)
        for s, _ in years[a:a + k]:
            out[s:s + 4] = year
        return bytes(out)
    times = [m.span() for m in re.finditer(rb"[0-9]{9,}", d[:200_000])]
    if times:
        a, b = r.choice(times)
        return d[:a] + r.choice([b"1000000000000", b"0", b"99999999999"]) + d[b:]
    # FIT: overwrite 4-byte little-endian values that look like FIT timestamps in a block.
    out = bytearray(d)
    start = r.randrange(len(d))
    wild = r.choice([0x7FFFFFFF, 0xFFFFFFF0, 0x00000100, 0x40000000]).to_bytes(4, "little")
    for i in range(start, min(len(d) - 4, start + r.randint(64, 4096))):
        v = int.from_bytes(out[i:i + 4], "little")
        if 0x20000000 <= v <= 0x40000000:
            out[i:i + 4] = wild
    return bytes(out)


def long_line(r: random.Random, d: bytes) -> bytes:
    n = r.choice([10_000, 70_000, 200_000, 3_000_000])
    if d.startswith(b"{") and r.random() < 0.5:
        line = b'{"t":1,"w":1,"p":"' + b"00" * (n // 2) + b'"}'
    else:
        line = r.choice([b"x", b"9", b"<", b";"]) * n
    i = d.find(b"\n", r.randrange(len(d))) + 1 or len(d)
    return d[:i] + line + b"\n" + d[i:]


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bits, truncate, insert_bytes, duplicate_block, delete_block, huge_number, wild_times,
    long_line]


def mutants(seeds: list[tuple[str, bytes]], n: int) -> list[tuple[str, bytes]]:
    """n mutants, (name, bytes), deterministic: mutant i uses Random(i) on seed i % len(seeds),
    with one to three mutators."""
    out = []
    for i in range(n):
        name, data = seeds[i % len(seeds)]
        r = random.Random(i)
        steps = [MUTATORS[i // len(seeds) % len(MUTATORS)]]
        steps += r.sample(MUTATORS, r.choice([0, 0, 1, 2]))
        for m in steps:
            if data:
                data = m(r, data)
        out.append((f"m{i:04d}_{'+'.join(s.__name__ for s in steps)}_{name}", data))
    return out


def run_workers(paths: list[Path], tmp: Path) -> list[dict[str, object]]:
    """Summarise paths in WORKERS child processes under MEMORY_LIMIT; one result per path."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MPLBACKEND": "Agg"}
    procs = []
    for k in range(WORKERS):
        lst = tmp / f"list{k}.txt"
        lst.write_text("\n".join(str(p) for p in paths[k::WORKERS]))
        procs.append(subprocess.Popen([sys.executable, str(WORKER), str(MEMORY_LIMIT), str(lst)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"worker died ({p.returncode}): {err.decode()[-2000:]}"
        results += [json.loads(line) for line in out.decode().splitlines()]
    return results


def test_mutants_end_in_a_summary_or_a_clean_error(tmp_path):
    seeds = bases()
    files = []
    for name, data in mutants(seeds, N_MUTANTS):
        p = tmp_path / name
        p.write_bytes(data)
        files.append(p)
    results = run_workers(files, tmp_path)
    assert len(results) == len(files)
    bad = [f"{Path(str(x['path'])).name}: {x['problem']} ({x['err']})" for x in results
           if x["problem"]]
    assert not bad, f"{len(bad)} of {len(files)} mutants misbehaved:\n" + "\n".join(bad[:30])
    # The mutants really exercised both outcomes (not all rejected at the door).
    n_ok = sum(1 for x in results if x["code"] == 0)
    assert 0.2 * len(files) < n_ok < len(files)


def test_container_mutants_exercise_the_archive_paths(tmp_path):
    """Mutated gzip and zip containers and Apple Health exports: some still give sessions,
    some fail cleanly, some entries are skipped; never a traceback (checked in the worker)."""
    seeds = [s for s in bases() if s[0].endswith((".gz", ".zip", ".xml"))]
    files = []
    for name, data in mutants(seeds, 240):
        p = tmp_path / name
        p.write_bytes(data)
        files.append(p)
    results = run_workers(files, tmp_path)
    bad = [f"{Path(str(x['path'])).name}: {x['problem']} ({x['err']})" for x in results
           if x["problem"]]
    assert not bad, "\n".join(bad[:30])
    # A damaged member fails its archive's run (exit 1); some mutants still read whole.
    assert sum(1 for x in results if x["code"] == 0) >= 0.03 * len(files)
    assert sum(1 for x in results if x["code"] == 1) > 0.5 * len(files)


def test_seed_files_themselves_summarise(tmp_path):
    files = []
    for name, data in bases():
        p = tmp_path / name
        p.write_bytes(data)
        files.append(p)
    results = run_workers(files, tmp_path)
    bad = [x for x in results if x["problem"] or x["code"] != 0]
    assert not bad, bad
    if REALDATA.is_dir():
        assert len(files) >= len(REAL_BASES)


if __name__ == "__main__":  # rebuild the mutants into a folder to look at one
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for nm, blob in mutants(bases(), N_MUTANTS):
        (folder / nm).write_bytes(blob)
