"""Text exports: Polar Sensor Logger HR/RR and generic CSV, read in blocks with bounded memory.

- Polar Sensor Logger (`;`-separated): `Phone timestamp;HR [bpm]` (HR=0 means the sensor had no
  contact -> hr 0 with CONTACT_LOST) and `Phone timestamp;RR-interval [ms]` (one RR per row; rows
  sharing a timestamp came in one notification and become one sample, hr 0 = no strap HR).
- Generic CSV: a time column (ISO 8601, or seconds: since the start, or Unix epoch if > 1e9) and a
  HR column, optional RR column (ms, several separated by spaces), found by header name or given
  as time_col / hr_col / rr_col. Naive times are taken as UTC (meta["timezone"] says so).
- Polar HRM files live in hrm.py.

A file is read in blocks of BLOCK_BYTES: a block of plain numbers is parsed at once by numpy
(np.loadtxt), any other block (quotes, ISO times, several RRs in a cell, a bad row) row by row
with the csv module, with the same rules and messages. Two passes keep memory constant whatever
the file's length: the first checks the times (hrzone.jumps.TimeScan) and counts bad rows, the
second feeds the samples in chunks (`StreamedSeries`, used for files of more than EAGER_SAMPLES
samples; shorter files are built in memory in one pass). A file whose clock jumps needs all its
times for the rule (8 bytes a sample) and a third pass.
"""

from __future__ import annotations

import csv as _csv
import io
import math
import os
import re
import warnings as _warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from hrzone.importers._common import fail, finish_series, not_a_workout, parse_iso
from hrzone.importers.archive import Source, source_of
from hrzone.jumps import TimeScan, fix_times
from hrzone.series import CONTACT_LOST, CONTACT_UNKNOWN, Series, StreamedSeries
from hrzone.workout import Workout

_TIME_NAMES = ("phone_timestamp", "timestamp", "time", "datetime", "date_time", "t_s", "t",
               "seconds", "elapsed_s", "elapsed", "sec", "secs")
_HR_NAMES = ("hr", "hr_bpm", "heart_rate", "heartrate", "heart_rate_bpm", "bpm", "pulse")
_RR_NAMES = ("rr_interval", "rr_ms", "rr", "rri", "ibi", "rr_intervals", "r_r", "rr_interval_ms")
_EPOCH_MIN_S = 1e9
"""A seconds column above this is Unix time (2001-09-09 on), below it time since the start."""
MAX_LINE_CHARS = 65536
"""The longest CSV line read (characters); a longer one is an ImportFormatError, never read whole."""
BLOCK_BYTES = 1 << 20
"""Bytes parsed at a time (whole lines); each block becomes one chunk of samples."""
EAGER_SAMPLES = 250_000
"""Files with more samples are streamed in chunks (two passes); shorter ones are held whole
(a Series takes 22 bytes a sample: 5.5 MB at this size)."""
_MAX_HEADER_COLUMNS_SHOWN = 8


def _norm(name: str) -> str:
    """'HR [bpm]' -> 'hr', 'RR-interval [ms]' -> 'rr_interval', 'Phone timestamp' -> ..."""
    name = re.sub(r"[\[(].*?[\])]", "", name.strip().lstrip("\ufeff").lower())
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def _columns(header: list[str]) -> str:
    shown = ", ".join(h.strip()[:30] for h in header[:_MAX_HEADER_COLUMNS_SHOWN])
    more = len(header) - _MAX_HEADER_COLUMNS_SHOWN
    return shown + (f", … {more} more" if more > 0 else "")


def _find(header: list[str], given: str | None, names: tuple[str, ...], what: str,
          path: Any) -> int | None:
    if given is not None:
        for i, h in enumerate(header):
            if h.strip() == given or _norm(h) == _norm(given):
                return i
        fail(path, f"line 1: no {what} column named {given!r} (columns: {_columns(header)})")
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


def sniff(head: bytes, name: str) -> bool:
    """Text whose first line has ';', ',' or tab separated fields (not XML, not JSON)."""
    text = head[:MAX_LINE_CHARS].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text or text[:1] in (b"<", b"{", b"["):
        return False
    first = text.split(b"\n", 1)[0]
    if b"\x00" in first:
        return False
    line = first.decode("utf-8", errors="replace")
    odd = sum(1 for c in line if c == "\ufffd" or (not c.isprintable() and c not in "\t\r"))
    if odd > max(2, len(line) // 10):
        return False
    return bool(line.count(";") or line.count(",") or line.count("\t"))


def load(src: Source, max_gap_s: float | None = None, **options: str | None) -> Iterator[Workout]:
    """The registry's entry point: the one workout of a CSV file."""
    yield load_csv(src, max_gap_s, **options)


@dataclass(frozen=True, slots=True)
class _Layout:
    """What the header line says: delimiter, column indices, where the data starts."""

    delim: str
    header: list[str]
    ti: int
    hi: int | None
    ri: int | None
    polar: bool
    data_offset: int
    cr_only: bool


class _Stats:
    """What a pass over the rows counted (the same on every pass: parsing is deterministic)."""

    __slots__ = ("bad", "first_bad", "first_t", "iso", "rows")

    def __init__(self) -> None:
        self.bad = 0
        self.first_bad: str | None = None
        self.rows = 0
        self.iso: bool | None = None
        self.first_t: float | None = None

    def bad_row(self, line: int, msg: str) -> None:
        self.bad += 1
        if self.first_bad is None:
            self.first_bad = f"line {line}: {msg}"


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Samples of one block: times (file's clock, s), HR (bpm), contact, RR counts and RRs (ms)."""

    t: np.ndarray
    hr: np.ndarray
    contact: np.ndarray
    rr_count: np.ndarray
    rr_ms: np.ndarray

    @property
    def signal(self) -> np.ndarray:
        return (self.hr > 0) | (self.rr_count > 0)

    def take(self, keep: np.ndarray, t0: float) -> Series:
        """The kept samples as a Series with t_s relative to t0."""
        return Series(self.t[keep] - t0, self.hr[keep], self.contact[keep], self.rr_count[keep],
                      self.rr_ms[np.repeat(keep, self.rr_count)], np.zeros(int(keep.sum()), bool))


def _header(src: Source, fh: BinaryIO, time_col: str | None, hr_col: str | None,
            rr_col: str | None) -> _Layout:
    path = src.path
    raw = fh.readline(4 * MAX_LINE_CHARS + 4)
    cr_only = False
    if b"\n" not in raw and b"\r" in raw:  # a file with old Mac line ends
        cr_only = True
        raw = raw[:raw.index(b"\r") + 1]
    first = raw.decode("utf-8-sig", errors="replace")
    if len(first.rstrip("\r\n")) > MAX_LINE_CHARS:
        fail(path, f"line 1: longer than {MAX_LINE_CHARS} characters")
    if not first.strip():
        not_a_workout(path, "line 1: empty header (expected column names)", "a text file")
    delim = max(";,\t", key=first.count)
    if first.count(delim) == 0:
        not_a_workout(path, "line 1: not a CSV header (no ';', ',' or tab separated column "
                            "names)", "a text file")
    try:
        header = next(_csv.reader([first.rstrip("\r\n")], delimiter=delim))
    except (_csv.Error, StopIteration):
        fail(path, "line 1: not a CSV header")
    ti = _find(header, time_col, _TIME_NAMES, "time", path)
    hi = _find(header, hr_col, _HR_NAMES, "heart-rate", path)
    ri = _find(header, rr_col, _RR_NAMES, "RR", path)
    short = "a CSV file without time and heart-rate columns"
    if ti is None:
        not_a_workout(path, f"line 1: no time column (columns: {_columns(header)}); name it with "
                            "--time-col", short)
    if hi is None and ri is None:
        not_a_workout(path, f"line 1: no heart-rate or RR column (columns: {_columns(header)}); "
                            "name one with --hr-col or --rr-col", short)
    return _Layout(delim, header, ti, hi, ri, _norm(header[ti]) == "phone_timestamp", len(raw),
                   cr_only)


def _blocks(path: Any, fh: BinaryIO, lay: _Layout) -> Iterator[tuple[int, str]]:
    """(number of its first line, text) of blocks of whole lines after the header, each line
    checked against MAX_LINE_CHARS before it is parsed."""
    line = 2
    carry = b""
    while True:
        data = fh.read(BLOCK_BYTES)
        if lay.cr_only:
            data = data.replace(b"\r", b"\n")
        if not data:
            if carry:
                _check_lines(path, carry + b"\n", line)
                yield line, carry.decode("utf-8", errors="replace")
            return
        buf = carry + data
        cut = buf.rfind(b"\n") + 1
        if cut == 0:
            _check_long(path, buf, line)
            carry = buf
            continue
        block, carry = buf[:cut], buf[cut:]
        _check_lines(path, block, line)
        _check_long(path, carry, line + block.count(b"\n"))
        yield line, block.decode("utf-8", errors="replace")
        line += block.count(b"\n")


def _check_long(path: Any, partial: bytes, line: int) -> None:
    """A line not yet ended: fail as soon as it is certainly too long."""
    if len(partial) > MAX_LINE_CHARS and (
            len(partial) > 4 * MAX_LINE_CHARS
            or len(partial.decode("utf-8", errors="replace").rstrip("\r")) > MAX_LINE_CHARS):
        fail(path, f"line {line}: longer than {MAX_LINE_CHARS} characters")


def _check_lines(path: Any, block: bytes, line: int) -> None:
    """Every line of `block` (whole lines) within MAX_LINE_CHARS characters."""
    if len(block) <= MAX_LINE_CHARS:
        return
    ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
    lengths = np.diff(ends, prepend=-1) - 1
    for k in np.flatnonzero(lengths > MAX_LINE_CHARS).tolist():
        start = int(ends[k] - lengths[k])
        text = block[start:int(ends[k])].decode("utf-8", errors="replace").rstrip("\r")
        if len(text) > MAX_LINE_CHARS:
            fail(path, f"line {line + k}: longer than {MAX_LINE_CHARS} characters")


def _fast(text: str, lay: _Layout, st: _Stats) -> _Chunk | None:
    """A block of plain numbers parsed by numpy, or None when any row needs the row-by-row
    rules (quotes, ISO times, empty or several RRs, a value out of range, a bad row)."""
    if '"' in text:
        return None
    cols = [c for c in (lay.ti, lay.hi, lay.ri) if c is not None]
    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            a = np.loadtxt(io.StringIO(text), delimiter=lay.delim, usecols=cols,
                           dtype=np.float64, comments=None, ndmin=2)
    except (ValueError, IndexError, TypeError):
        return None
    if a.shape[0] == 0:
        return _empty_chunk() if not text.strip() else None
    t = a[:, 0]
    hr = a[:, 1] if lay.hi is not None else np.zeros(a.shape[0])
    if not bool(np.isfinite(t).all()) or not bool(((hr >= 0) & (hr < 1000)).all()):
        return None
    if lay.ri is not None:
        rr = a[:, -1]
        if not bool(((rr > 0) & (rr < 65536)).all()):
            return None
        rr_count = np.ones(a.shape[0], np.int32)
        rr_ms = np.ascontiguousarray(rr)
    else:
        rr_count = np.zeros(a.shape[0], np.int32)
        rr_ms = np.zeros(0)
    if st.rows == 0:
        st.iso = False
        st.first_t = float(t[0])
    st.rows += a.shape[0]
    contact = np.where((hr == 0) & (rr_count == 0), CONTACT_LOST, CONTACT_UNKNOWN).astype(np.int8)
    return _Chunk(np.ascontiguousarray(t), np.ascontiguousarray(hr), contact, rr_count, rr_ms)


def _empty_chunk() -> _Chunk:
    z = np.zeros(0)
    return _Chunk(z, z.copy(), np.zeros(0, np.int8), np.zeros(0, np.int32), z.copy())


def _slow(path: Any, text: str, first_line: int, lay: _Layout, st: _Stats) -> _Chunk:
    """A block row by row with the csv module (every rule and message of the format)."""
    t_out: list[float] = []
    hr_out: list[float] = []
    counts: list[int] = []
    rr_out: list[float] = []
    reader = _csv.reader(io.StringIO(text, newline=""), delimiter=lay.delim)
    ti, hi, ri = lay.ti, lay.hi, lay.ri
    need = max(i for i in (ti, hi, ri) if i is not None)
    line = first_line
    try:
        for row in reader:
            line = first_line + reader.line_num - 1
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) <= need:
                st.bad_row(line, f"{len(row)} columns, expected at least {need + 1}")
                continue
            cell = row[ti].strip()
            t = _parse_time(cell)
            if t is None:
                st.bad_row(line, f"time {cell[:40]!r} is neither ISO 8601 nor a number of seconds")
                continue
            hr = 0.0
            if hi is not None:
                hcell = row[hi].strip()
                try:
                    hr = float(hcell) if hcell else 0.0
                except ValueError:
                    st.bad_row(line, f"heart rate {hcell[:20]!r} is not a number")
                    continue
                if not (math.isfinite(hr) and 0 <= hr < 1000):
                    st.bad_row(line, f"heart rate {hcell[:20]!r} is out of range")
                    continue
            rr: list[float] = []
            if ri is not None and row[ri].strip():
                try:
                    rr = [float(x) for x in row[ri].split()]
                except ValueError:
                    st.bad_row(line, f"RR {row[ri].strip()[:20]!r} is not a number of milliseconds")
                    continue
                if not all(math.isfinite(x) and 0 < x < 65536 for x in rr):
                    st.bad_row(line, f"RR {row[ri].strip()[:20]!r} is out of range")
                    continue
            if hi is None and not rr:
                continue
            if st.rows == 0:
                st.iso = not _is_number(cell)
                st.first_t = t
            st.rows += 1
            t_out.append(t)
            hr_out.append(hr)
            counts.append(len(rr))
            rr_out.extend(rr)
    except _csv.Error as e:
        fail(path, f"line {first_line + reader.line_num - 1}: {e}")
    hr_a = np.asarray(hr_out, np.float64)
    rc = np.asarray(counts, np.int32)
    contact = np.where((hr_a == 0) & (rc == 0), CONTACT_LOST, CONTACT_UNKNOWN).astype(np.int8)
    return _Chunk(np.asarray(t_out, np.float64), hr_a, contact, rc, np.asarray(rr_out, np.float64))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _merge_same_time(ch: _Chunk) -> _Chunk:
    """RR-only rows sharing a time came in one notification: one sample (hr 0) with their RRs."""
    if ch.t.size == 0:
        return ch
    starts = np.flatnonzero(np.concatenate(([True], ch.t[1:] != ch.t[:-1])))
    n = starts.size
    return _Chunk(ch.t[starts], np.zeros(n), np.full(n, CONTACT_UNKNOWN, np.int8),
                  np.add.reduceat(ch.rr_count, starts).astype(np.int32), ch.rr_ms)


def _concat(a: _Chunk, b: _Chunk) -> _Chunk:
    return _Chunk(*(np.concatenate((getattr(a, f), getattr(b, f)))
                    for f in ("t", "hr", "contact", "rr_count", "rr_ms")))


def _split_last_time(ch: _Chunk) -> tuple[_Chunk, _Chunk]:
    """(samples before the rows of the last time, those rows): they may continue in the next
    block."""
    j = ch.t.size - 1
    while j > 0 and ch.t[j - 1] == ch.t[-1]:
        j -= 1
    off = int(ch.rr_count[:j].sum())
    head = _Chunk(ch.t[:j], ch.hr[:j], ch.contact[:j], ch.rr_count[:j], ch.rr_ms[:off])
    tail = _Chunk(ch.t[j:], ch.hr[j:], ch.contact[j:], ch.rr_count[j:], ch.rr_ms[off:])
    return head, tail


def _samples(src: Source, lay: _Layout, st: _Stats) -> Iterator[_Chunk]:
    """The file's samples in order, one chunk per block (RR-only rows of one time merged)."""
    path = src.path
    carry: _Chunk | None = None
    with src.open() as fh:
        fh.seek(lay.data_offset) if fh.seekable() else fh.read(lay.data_offset)
        for first_line, text in _blocks(path, fh, lay):
            ch = _fast(text, lay, st) if text.strip() else _empty_chunk()
            if ch is None:
                ch = _slow(path, text, first_line, lay, st)
            if lay.hi is not None:
                yield ch
                continue
            # RR only: rows of one time may straddle blocks; hold back the last time's rows.
            if carry is not None:
                ch = _concat(carry, ch)
            if ch.t.size == 0:
                carry = ch
                continue
            ready, carry = _split_last_time(ch)
            yield _merge_same_time(ready)
    if carry is not None and carry.t.size:
        yield _merge_same_time(carry)


def load_csv(src: Source | str | os.PathLike[str], max_gap_s: float | None = None, *,
             time_col: str | None = None, hr_col: str | None = None,
             rr_col: str | None = None) -> Workout:
    """Read a Polar Sensor Logger export or a generic CSV into a Workout (bpm, ms, seconds).

    Files of more than EAGER_SAMPLES samples get a StreamedSeries: the samples are parsed
    again, block by block, whenever the series is consumed, so memory never holds them all.
    """
    src = source_of(src)
    path = src.path
    with src.open() as fh:
        lay = _header(src, fh, time_col, hr_col, rr_col)

    # Pass 1: counts, the time rule, and the samples themselves while they are few.
    st = _Stats()
    scan = TimeScan()
    held: list[_Chunk] | None = []
    n = 0
    for ch in _samples(src, lay, st):
        scan.add(ch.t, ch.signal)
        n += ch.t.size
        if held is not None:
            held.append(ch)
            if n > EAGER_SAMPLES:
                held = None
    if st.rows == 0:
        fail(path, st.first_bad or "no data rows")

    def again() -> Iterator[_Chunk]:
        return iter(held) if held is not None else _samples(src, lay, _Stats())

    keep: Callable[[int, int], np.ndarray]
    if scan.clean:
        fix, dropped, n_signal, t0 = scan.result()
        keep = _ranges_keep(dropped)
    else:  # a clock jump: the rule needs every time (8 bytes a sample)
        parts = [(c.t, c.signal) for c in again()]
        times = np.concatenate([p[0] for p in parts])
        sig = np.concatenate([p[1] for p in parts])
        del parts
        fix = fix_times(times)
        mask = fix.keep
        n_signal = int(np.count_nonzero(sig & mask))
        t0 = float(times[mask][0]) if mask.any() else 0.0
        del times, sig
        keep = lambda off, k: mask[off:off + k]  # noqa: E731
    n_kept = n - fix.dropped

    def chunks() -> Iterator[Series]:
        off = 0
        for ch in again():
            k = ch.t.size
            yield ch.take(keep(off, k), t0)
            off += k

    if n_kept <= EAGER_SAMPLES or held is not None:
        series: Series = Series.concat(list(chunks()))
    else:
        series = StreamedSeries(chunks, n_kept)

    warns: list[str] = []
    if st.bad:
        warns.append(f"{st.bad} rows skipped (first: {st.first_bad})")
    relative = not st.iso and (st.first_t or 0.0) < _EPOCH_MIN_S
    meta: dict[str, Any] = {
        "device": "Polar Sensor Logger" if lay.polar else None, "sport": None, "sports": [],
        "columns": {"time": lay.header[lay.ti],
                    "hr": None if lay.hi is None else lay.header[lay.hi],
                    "rr": None if lay.ri is None else lay.header[lay.ri]},
        "timezone": None if relative else "UTC (assumed for times without an offset)",
        "rows": st.rows + st.bad}
    if relative:
        warns.append("times are seconds since the start: the start date is unknown")
    return finish_series(path, "csv", series, t0, fix, max_gap_s=max_gap_s, warnings=warns,
                         meta=meta, start_known=not relative, has_signal=n_signal > 0)


def _ranges_keep(dropped: list[tuple[int, int]]) -> Callable[[int, int], np.ndarray]:
    """keep(offset, n): the keep mask of samples offset..offset+n-1 given dropped ranges."""
    def keep(off: int, k: int) -> np.ndarray:
        m = np.ones(k, bool)
        for a, size in dropped:
            lo, hi = max(a - off, 0), min(a + size - off, k)
            if lo < hi:
                m[lo:hi] = False
        return m
    return keep


def load_hrm(src: Source | str | os.PathLike[str], max_gap_s: float | None = None) -> Workout:
    """Polar HRM files (hrm.py; kept here for callers of the old location)."""
    from hrzone.importers.hrm import load_hrm as _load_hrm

    return _load_hrm(src, max_gap_s)
