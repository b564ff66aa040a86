"""Polar HRM text files: `[Params]` then `[HRData]`.

Interval=238 means one RR (ms) per line; the beats are timed by their cumulative sum and grouped
per second (each sample carries the RRs that ended in the second before it, hr 0); any other
Interval is a HR sample every Interval seconds. Start = Date + StartTime (local time taken as
UTC). Files are small (one line per beat): read whole, with a bound.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hrzone.importers._common import SampleBuilder, fail, finish
from hrzone.importers.archive import Source, source_of
from hrzone.series import CONTACT_LOST, CONTACT_UNKNOWN
from hrzone.workout import Workout

MAX_HRM_BYTES = 256 << 20
"""A Polar HRM file larger than this is not read (a day of RR is ~1 MB)."""


def sniff(head: bytes, name: str) -> bool:
    """`[Params]` first, or an `[HRData]` section."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text.startswith(("[Params]", "[HRData]")) or "\n[HRData]" in text


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """The registry's entry point: the one workout of a Polar HRM file."""
    yield load_hrm(src, max_gap_s)


def load_hrm(src: Source | str | os.PathLike[str], max_gap_s: float | None = None) -> Workout:
    """Read a Polar HRM text file ([Params] + [HRData]) into a Workout (RR in ms, bpm)."""
    src = source_of(src)
    path = src.path
    with src.open() as fh:
        raw_bytes = fh.read(MAX_HRM_BYTES + 1)
    if len(raw_bytes) > MAX_HRM_BYTES:
        fail(path, f"larger than {MAX_HRM_BYTES >> 20} MiB: not a Polar HRM file")
    text = raw_bytes.decode("latin-1")
    del raw_bytes
    params: dict[str, str] = {}
    section = None
    data: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
            continue
        if section == "Params" and "=" in s:
            key, _, val = s.partition("=")
            params[key.strip()] = val.strip()
        elif section == "HRData" and s:
            data.append((n, s))
    if section is None:
        fail(path, "no [Params] or [HRData] section: not a Polar HRM file")
    if not data:
        fail(path, "no [HRData] lines")
    t0, start_known = _hrm_start(path, params)
    interval = params.get("Interval", "238")
    builder = SampleBuilder()
    warns: list[str] = []
    bad = 0
    first_bad = None
    if interval == "238":  # R-R recording: one RR (ms) per line
        t_beat_ms = 0.0
        second = None
        rr: list[float] = []
        for n, s in data:
            v = _first_number(s)
            if v is None or not 0 < v < 65536:
                bad += 1
                first_bad = first_bad or f"line {n}: {s[:20]!r} is not an RR interval in ms"
                continue
            t_beat_ms += v  # summed in ms: whole-ms beats stay exact at second boundaries
            sec = math.floor(t_beat_ms / 1000.0)
            if second is not None and sec != second and rr:
                builder.add(t0 + second + 1, 0.0, rr)
                rr = []
            second = sec
            rr.append(v)
        if rr and second is not None:
            builder.add(t0 + second + 1, 0.0, rr)
        meta_kind = "rr"
    else:
        try:
            step = float(interval)
        except ValueError:
            fail(path, f"[Params] Interval={interval!r} is not a number of seconds or 238")
        if not (math.isfinite(step) and step > 0):
            fail(path, f"[Params] Interval={interval!r} is not a positive number of seconds")
        for i, (n, s) in enumerate(data):
            v = _first_number(s)
            if v is None or not 0 <= v < 1000:
                bad += 1
                first_bad = first_bad or f"line {n}: {s[:20]!r} is not a heart rate"
                continue
            builder.add(t0 + i * step, v, (), CONTACT_LOST if v == 0 else CONTACT_UNKNOWN)
        meta_kind = "hr"
    if bad:
        warns.append(f"{bad} [HRData] lines skipped (first: {first_bad})")
    meta: dict[str, Any] = {"device": f"Polar (monitor {params.get('Monitor', '?')})", "sport": None,
            "sports": [], "hrm_data": meta_kind, "timezone": "UTC (assumed; HRM times are local)"}
    if not start_known:
        warns.append("[Params] has no valid Date/StartTime: the start date is unknown")
    return finish(path, "hrm", builder, max_gap_s=max_gap_s, warnings=warns, meta=meta,
                  t0_epoch_s=t0, start_known=start_known)


def _first_number(s: str) -> float | None:
    try:
        v = float(s.split()[0])
    except (ValueError, IndexError):
        return None
    return v if math.isfinite(v) else None


def _hrm_start(path: Path, params: dict[str, str]) -> tuple[float, bool]:
    """Epoch seconds of Date + StartTime (local time taken as UTC), and whether it was valid."""
    date, start = params.get("Date", ""), params.get("StartTime", "")
    try:
        d = datetime.strptime(date, "%Y%m%d")
        hh, mm, ss = start.split(":")
        secs = int(hh) * 3600 + int(mm) * 60 + float(ss)
        if not (0 <= secs < 86400):
            raise ValueError(start)
    except ValueError:
        return 0.0, False
    return d.replace(tzinfo=UTC).timestamp() + secs, True
