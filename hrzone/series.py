"""Columnar heart-rate series: the one input type of the signal core.

Every source ends up here: a live strap and a replayed recording through the 0x2A37 codec,
imported FIT/TCX/GPX/CSV files directly. Arrays are aligned per sample; RR intervals are flattened
with a per-sample count, so a chunk of samples can be sliced without copying beat by beat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hrzone.hrm import MalformedMeasurement, parse_measurement

CONTACT_UNKNOWN = -1
CONTACT_LOST = 0
CONTACT_OK = 1

_RR_1024_TO_MS = 1000.0 / 1024.0


@dataclass(frozen=True, slots=True)
class Series:
    """Samples of one session.

    t_s: seconds since session start (monotonic, non-decreasing), float64.
    hr_bpm: heart rate as reported (0 = no value), float64.
    contact: CONTACT_UNKNOWN / CONTACT_LOST / CONTACT_OK per sample, int8.
    rr_count: number of RR intervals carried by each sample, int32.
    rr_ms: all RR intervals in milliseconds, oldest first, flattened, float64.
    brk: True where a break (timer stopped, reconnect) precedes the sample, so the interval
        since the previous sample is never credited and beat series restart, bool.
    """

    t_s: np.ndarray
    hr_bpm: np.ndarray
    contact: np.ndarray
    rr_count: np.ndarray
    rr_ms: np.ndarray
    brk: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def build(
        cls,
        t_s: Sequence[float] | np.ndarray,
        hr_bpm: Sequence[float] | np.ndarray,
        contact: Sequence[int] | np.ndarray | None = None,
        rr_count: Sequence[int] | np.ndarray | None = None,
        rr_ms: Sequence[float] | np.ndarray | None = None,
        brk: Sequence[bool] | np.ndarray | None = None,
    ) -> Series:
        """Make a Series from array-likes; missing columns default to 'unknown'/none."""
        t = np.asarray(t_s, dtype=np.float64)
        n = t.shape[0]
        hr = np.asarray(hr_bpm, dtype=np.float64)
        c = (np.full(n, CONTACT_UNKNOWN, np.int8) if contact is None
             else np.asarray(contact, dtype=np.int8))
        rc = np.zeros(n, np.int32) if rr_count is None else np.asarray(rr_count, dtype=np.int32)
        rr = np.zeros(0, np.float64) if rr_ms is None else np.asarray(rr_ms, dtype=np.float64)
        b = np.zeros(n, bool) if brk is None else np.asarray(brk, dtype=bool)
        if not (hr.shape[0] == c.shape[0] == rc.shape[0] == b.shape[0] == n):
            raise ValueError("Series columns have different lengths")
        if int(rc.sum()) != rr.shape[0]:
            raise ValueError("rr_count does not add up to the number of RR intervals")
        return cls(t, hr, c, rc, rr, b)

    @classmethod
    def empty(cls) -> Series:
        return cls.build([], [])

    def rr_offsets(self) -> np.ndarray:
        """Index into rr_ms of each sample's first RR (length len(self) + 1)."""
        off = np.zeros(len(self) + 1, np.int64)
        np.cumsum(self.rr_count, out=off[1:])
        return off

    def slice(self, start: int, stop: int) -> Series:
        """Samples start..stop-1 with their RR intervals."""
        off = self.rr_offsets()
        start = max(0, min(start, len(self)))
        stop = max(start, min(stop, len(self)))
        return Series(self.t_s[start:stop], self.hr_bpm[start:stop], self.contact[start:stop],
                      self.rr_count[start:stop], self.rr_ms[off[start]:off[stop]],
                      self.brk[start:stop])

    @staticmethod
    def concat(parts: Iterable[Series]) -> Series:
        parts = list(parts)
        if not parts:
            return Series.empty()
        return Series(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("t_s", "hr_bpm", "contact", "rr_count", "rr_ms", "brk")))


class StreamedSeries(Series):
    """A Series too long to hold in memory: its samples are produced chunk by chunk, afresh
    each time `chunks()` is called (an importer parses its file again).

    The signal core and the summary consume `chunks()` (hrzone.summary.summarise_workout), so
    memory stays that of one chunk; `len()` is known without reading. Anything that asks for a
    column (t_s, hr_bpm, ...) gets the whole series, built once on first use: a plot or an
    export needs every sample anyway.
    """

    __slots__ = ("_chunks", "_n", "_whole")

    def __init__(self, chunks: Callable[[], Iterable[Series]], n: int) -> None:
        object.__setattr__(self, "_chunks", chunks)
        object.__setattr__(self, "_n", int(n))
        object.__setattr__(self, "_whole", None)

    def chunks(self) -> Iterable[Series]:
        """The samples in order, in chunks (a fresh pass over the source each call)."""
        return self._chunks()

    def whole(self) -> Series:
        """All samples as one in-memory Series (built on first use, then kept)."""
        if self._whole is None:
            object.__setattr__(self, "_whole", Series.concat(list(self._chunks())))
        return self._whole  # type: ignore[return-value]

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"StreamedSeries({self._n} samples)"

    def slice(self, start: int, stop: int) -> Series:
        return self.whole().slice(start, stop)

    def rr_offsets(self) -> np.ndarray:
        return self.whole().rr_offsets()


for _name in ("t_s", "hr_bpm", "contact", "rr_count", "rr_ms", "brk"):
    setattr(StreamedSeries, _name, property(lambda self, _n=_name: getattr(self.whole(), _n),
                                            doc=f"The whole series' {_name} (built on first use)."))


CHUNK_SAMPLES = 65536
"""Samples per chunk when a series is fed to the core piecewise (the core's intermediate arrays
stay small; results do not depend on the chunking)."""


def iter_chunks(series: Series, size: int = CHUNK_SAMPLES) -> Iterable[Series]:
    """A series' samples in chunks of at most `size`: a StreamedSeries' own chunks (each cut
    again to `size`), else slices of the series."""
    parts = series.chunks() if isinstance(series, StreamedSeries) else (series,)
    for part in parts:
        n = len(part)
        if n <= size:
            yield part
            continue
        off = part.rr_offsets()
        for a in range(0, n, size):
            b = min(a + size, n)
            yield Series(part.t_s[a:b], part.hr_bpm[a:b], part.contact[a:b],
                         part.rr_count[a:b], part.rr_ms[off[a]:off[b]], part.brk[a:b])


@dataclass(frozen=True, slots=True)
class Decoded:
    """Result of decoding raw notifications: the series and what could not be decoded."""

    series: Series
    malformed: int
    first_malformed: str | None


def decode_payloads(
    t_ns: Sequence[int], payloads: Sequence[bytes], brk: Sequence[bool] | None = None,
    drop_trailing_rr: bool = False,
    on_malformed: Callable[[int, MalformedMeasurement], None] | None = None,
) -> Decoded:
    """Decode raw 0x2A37 payloads into a Series; malformed ones are counted and skipped.

    drop_trailing_rr drops the last RR value of every notification that carries two or more
    (a firmware quirk of some straps, see firmware_profiles/). A break flagged on a malformed
    notification moves to the next decoded one. on_malformed(index, error) is told of each
    skipped payload.
    """
    ts: list[float] = []
    hrs: list[int] = []
    cs: list[int] = []
    counts: list[int] = []
    rrs: list[int] = []
    bs: list[bool] = []
    bad = 0
    first_bad: str | None = None
    pending_brk = False
    for i, (t, p) in enumerate(zip(t_ns, payloads)):
        pending_brk = pending_brk or bool(brk[i]) if brk is not None else False
        try:
            m = parse_measurement(p)
        except MalformedMeasurement as e:
            bad += 1
            if first_bad is None:
                first_bad = f"notification {i + 1}: {e}"
            if on_malformed is not None:
                on_malformed(i, e)
            continue
        rr = m.rr_intervals
        if drop_trailing_rr and len(rr) >= 2:
            rr = rr[:-1]
        ts.append(t / 1e9)
        hrs.append(m.heart_rate)
        cs.append(CONTACT_UNKNOWN if m.sensor_contact is None else int(m.sensor_contact))
        counts.append(len(rr))
        rrs.extend(rr)
        bs.append(pending_brk)
        pending_brk = False
    rr_ms = np.asarray(rrs, dtype=np.float64) * _RR_1024_TO_MS
    return Decoded(Series.build(ts, hrs, cs, counts, rr_ms, bs), bad, first_bad)
