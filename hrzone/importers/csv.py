"""Text exports: Polar Sensor Logger HR/RR, Polar HRM RR files and generic CSV.

- Polar Sensor Logger (`;`-separated): `Phone timestamp;HR [bpm]` (HR=0 means the sensor had no
  contact -> hr 0 with CONTACT_LOST) and `Phone timestamp;RR-interval [ms]` (one RR per row; rows
  sharing a timestamp came in one notification and become one sample, hr 0 = no strap HR).
- Polar HRM (`[Params]`, `[HRData]`): Interval=238 means one RR (ms) per line; the beats are timed
  by their cumulative sum and grouped per second (each sample carries the RRs that ended in the
  second before it, hr 0); any other Interval is a HR sample every Interval seconds.
- Generic CSV: a time column (ISO 8601, or seconds: since the start, or Unix epoch if > 1e9) and a
  HR column, optional RR column (ms, several separated by spaces), found by header name or given
  as time_col / hr_col / rr_col. Naive times are taken as UTC (meta["timezone"] says so).
"""

from __future__ import annotations

import csv as _csv
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hrzone.importers._common import SampleBuilder, fail, finish, parse_iso
from hrzone.series import CONTACT_LOST, CONTACT_UNKNOWN
from hrzone.workout import Workout

_TIME_NAMES = ("phone_timestamp", "timestamp", "time", "datetime", "date_time", "t_s", "t",
               "seconds", "elapsed_s", "elapsed", "sec", "secs")
_HR_NAMES = ("hr", "hr_bpm", "heart_rate", "heartrate", "heart_rate_bpm", "bpm", "pulse")
_RR_NAMES = ("rr_interval", "rr_ms", "rr", "rri", "ibi", "rr_intervals", "r_r", "rr_interval_ms")
_EPOCH_MIN_S = 1e9
"""A seconds column above this is Unix time (2001-09-09 on), below it time since the start."""
MAX_LINE_CHARS = 65536
"""The longest CSV line read (characters); a longer one is an ImportFormatError, never read whole."""


def _norm(name: str) -> str:
    """'HR [bpm]' -> 'hr', 'RR-interval [ms]' -> 'rr_interval', 'Phone timestamp' -> ..."""
    name = re.sub(r"[\[(].*?[\])]", "", name.strip().lstrip("\ufeff").lower())
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def _find(header: list[str], given: str | None, names: tuple[str, ...], what: str,
          path: Path) -> int | None:
    if given is not None:
        for i, h in enumerate(header):
            if h.strip() == given or _norm(h) == _norm(given):
                return i
        fail(path, f"line 1: no {what} column named {given!r} (columns: {', '.join(header)})")
    normed = [_norm(h) for h in header]
    for n in names:
        if n in normed:
            return normed.index(n)
    return None


def _parse_time(text: str) -> float | None:
    """Epoch seconds (ISO 8601, naive = UTC) or plain seconds; None if neither."""
    s = text.strip()
    try:
        v = float(s)
    except ValueError:
        return parse_iso(s)
    return v if math.isfinite(v) else None


def load_csv(path: Path, max_gap_s: float | None = None, *, time_col: str | None = None,
             hr_col: str | None = None, rr_col: str | None = None) -> Workout:
    """Read a Polar Sensor Logger export or a generic CSV into a Workout (bpm, ms, seconds)."""
    try:
        fh = open(path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as e:
        fail(path, f"cannot read: {e.strerror or e}")
    with fh:
        first = fh.readline(MAX_LINE_CHARS + 1)
        if len(first) > MAX_LINE_CHARS:
            fail(path, f"line 1: longer than {MAX_LINE_CHARS} characters")
        if not first.strip():
            fail(path, "line 1: empty header (expected column names)")
        delim = max(";,\t", key=first.count)
        if first.count(delim) == 0:
            fail(path, "line 1: not a CSV header (no ';', ',' or tab separated column names)")
        header = next(_csv.reader([first], delimiter=delim))
        ti = _find(header, time_col, _TIME_NAMES, "time", path)
        hi = _find(header, hr_col, _HR_NAMES, "heart-rate", path)
        ri = _find(header, rr_col, _RR_NAMES, "RR", path)
        if ti is None:
            fail(path, f"line 1: no time column (columns: {', '.join(header)}); name it with "
                       "--time-col")
        if hi is None and ri is None:
            fail(path, f"line 1: no heart-rate or RR column (columns: {', '.join(header)}); "
                       "name one with --hr-col or --rr-col")
        polar = _norm(header[ti]) == "phone_timestamp"
        rows = _read_rows(path, fh, delim, ti, hi, ri)
    builder = SampleBuilder()
    warns: list[str] = []
    bad, first_bad, iso = rows.bad, rows.first_bad, rows.iso
    if not rows.t:
        fail(path, first_bad or "no data rows")
    if bad:
        warns.append(f"{bad} rows skipped (first: {first_bad})")
    relative = not iso and rows.t[0] < _EPOCH_MIN_S
    if hi is None:  # RR only: rows with one time came in one notification
        i = 0
        while i < len(rows.t):
            j = i
            rr: list[float] = []
            while j < len(rows.t) and rows.t[j] == rows.t[i]:
                rr.extend(rows.rr[j])
                j += 1
            builder.add(rows.t[i], 0.0, rr)
            i = j
    else:
        for t, hr, rr in zip(rows.t, rows.hr, rows.rr):
            builder.add(t, hr, rr, CONTACT_LOST if hr == 0 and not rr else CONTACT_UNKNOWN)
    meta: dict[str, Any] = {
        "device": "Polar Sensor Logger" if polar else None, "sport": None, "sports": [],
        "columns": {"time": header[ti], "hr": None if hi is None else header[hi],
                    "rr": None if ri is None else header[ri]},
        "timezone": None if relative else "UTC (assumed for times without an offset)",
        "rows": len(rows.t) + bad}
    if relative:
        warns.append("times are seconds since the start: the start date is unknown")
    return finish(path, "csv", builder, max_gap_s=max_gap_s, warnings=warns, meta=meta,
                  start_known=not relative)


class _Rows:
    __slots__ = ("bad", "first_bad", "hr", "iso", "rr", "t")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.hr: list[float] = []
        self.rr: list[list[float]] = []
        self.bad = 0
        self.first_bad: str | None = None
        self.iso = False


def _read_rows(path: Path, fh: Any, delim: str, ti: int, hi: int | None,
               ri: int | None) -> _Rows:
    out = _Rows()
    reader = _csv.reader(_bounded_lines(path, fh), delimiter=delim)
    line = 1
    need = max(i for i in (ti, hi, ri) if i is not None)

    def bad(msg: str) -> None:
        out.bad += 1
        if out.first_bad is None:
            out.first_bad = f"line {line}: {msg}"

    try:
        for row in reader:
            line = reader.line_num + 1  # the header was read before
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) <= need:
                bad(f"{len(row)} columns, expected at least {need + 1}")
                continue
            cell = row[ti].strip()
            t = _parse_time(cell)
            if t is None:
                bad(f"time {cell[:40]!r} is neither ISO 8601 nor a number of seconds")
                continue
            if not out.t:
                out.iso = not _is_number(cell)
            hr = 0.0
            if hi is not None:
                cell = row[hi].strip()
                try:
                    hr = float(cell) if cell else 0.0
                except ValueError:
                    bad(f"heart rate {cell[:20]!r} is not a number")
                    continue
                if not (math.isfinite(hr) and 0 <= hr < 1000):
                    bad(f"heart rate {cell[:20]!r} is out of range")
                    continue
            rr: list[float] = []
            if ri is not None and row[ri].strip():
                try:
                    rr = [float(x) for x in row[ri].split()]
                except ValueError:
                    bad(f"RR {row[ri].strip()[:20]!r} is not a number of milliseconds")
                    continue
                if not all(math.isfinite(x) and 0 < x < 65536 for x in rr):
                    bad(f"RR {row[ri].strip()[:20]!r} is out of range")
                    continue
            if hi is None and not rr:
                continue
            out.t.append(t)
            out.hr.append(hr)
            out.rr.append(rr)
    except _csv.Error as e:
        fail(path, f"line {reader.line_num + 1}: {e}")
    return out


def _bounded_lines(path: Path, fh: Any) -> Iterator[str]:
    """Lines of a text file, each read with a bound (line 1 is the header, already read)."""
    line = 1
    while True:
        text = fh.readline(MAX_LINE_CHARS + 1)
        if not text:
            return
        line += 1
        if len(text) > MAX_LINE_CHARS:
            fail(path, f"line {line}: longer than {MAX_LINE_CHARS} characters")
        yield text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_hrm(path: Path, max_gap_s: float | None = None) -> Workout:
    """Read a Polar HRM text file ([Params] + [HRData]) into a Workout (RR in ms, bpm)."""
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError as e:
        fail(path, f"cannot read: {e.strerror or e}")
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
