"""Apple Health exports (`export.xml`, alone or inside the Health app's `export.zip`).

The export is one XML document (often several GB) holding every health record of a person:
`<Record type="HKQuantityTypeIdentifierHeartRate" ... startDate=... value="72"/>` among millions
of other records (steps, energy, ...), and `<Workout workoutActivityType=... startDate=...
endDate=...>` elements, which come after the records. Each workout becomes one session made of
the heart-rate samples inside it. Two streaming passes (ElementTree.iterparse, each element
cleared as soon as it is read) keep memory to the workouts and their own samples, however large
the file: the first pass collects the workouts, the second the heart rate that falls inside one.

What real exports do, and what is done about it:
- Several sources write heart rate during a workout (the watch, a chest strap's app): the source
  with the most samples inside the workout is used, the others are counted in meta.
- `WorkoutEvent` pause/resume (and motion pause/resume): samples while paused and the first one
  after a pause get brk=True, so paused time is never credited.
- Dates are local times with their offset ("2023-01-02 07:09:59 +0100").
- The DOCTYPE carries an internal DTD (element and attribute declarations): it is let through;
  any entity declaration is refused (no XML bombs).
- A workout's identity (type, start, end, source) is its history key (meta["identity"]), so a
  later export holding the same workout is recognised as already imported.
"""

from __future__ import annotations

import hashlib
import math
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hrzone.importers._common import SampleBuilder, finish, not_a_workout
from hrzone.importers._xml import XmlSyntaxError, iter_xml, xml_sniff
from hrzone.importers.archive import Source, source_of
from hrzone.workout import Workout

ROOT = "HealthData"
HR_TYPE = "HKQuantityTypeIdentifierHeartRate"
_PAUSES = {"HKWorkoutEventTypePause": True, "HKWorkoutEventTypeMotionPaused": True,
           "HKWorkoutEventTypeResume": False, "HKWorkoutEventTypeMotionResumed": False}
MAX_WORKOUT_S = 7 * 86400.0
"""A workout whose end is more than this after its start is not read (a broken clock)."""
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
_MINUTE_UNITS = {"min": 60.0, "s": 1.0, "sec": 1.0, "h": 3600.0, "hr": 3600.0}


def sniff(head: bytes, name: str) -> bool:
    """An XML document whose root element is HealthData (after its long DOCTYPE)."""
    return xml_sniff(head, ROOT)


class _Dates:
    """Apple dates to Unix seconds, fast: the day and offset of a date are computed once."""

    def __init__(self) -> None:
        self._days: dict[str, float] = {}
        self.bad = 0

    def __call__(self, text: str | None) -> float | None:
        if not text or len(text) != 25:
            return self._slow(text)
        key = text[:10] + text[19:]
        base = self._days.get(key)
        try:
            if base is None:
                m = _DATE.match(text)
                if m is None:
                    return self._slow(text)
                y, mo, d = int(m[1]), int(m[2]), int(m[3])
                off = (int(m[8]) * 3600 + int(m[9]) * 60) * (1 if m[7] == "+" else -1)
                base = datetime(y, mo, d, tzinfo=UTC).timestamp() - off
                if len(self._days) > 4096:
                    self._days.clear()
                self._days[key] = base
            h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
        except ValueError:
            return self._slow(text)
        if h > 23 or mi > 59 or s > 60:
            return self._slow(text)
        return base + h * 3600 + mi * 60 + s

    def _slow(self, text: str | None) -> float | None:
        try:
            return datetime.strptime((text or "").strip(), "%Y-%m-%d %H:%M:%S %z").timestamp()
        except (ValueError, OverflowError, OSError):
            self.bad += 1
            return None


@dataclass
class _Workout:
    kind: str
    start_text: str
    end_text: str
    start: float
    end: float
    source: str
    device: str | None
    duration_s: float | None
    pauses: list[tuple[float, float]] = field(default_factory=list)
    # heart rate inside the workout: time (epoch s), bpm, source (index into _Sources): compact
    # arrays (20 bytes a sample), as a long export holds millions of samples
    hr_t: array = field(default_factory=lambda: array("d"))
    hr_v: array = field(default_factory=lambda: array("d"))
    hr_s: array = field(default_factory=lambda: array("I"))


def _sport(kind: str) -> str:
    """'HKWorkoutActivityTypeTraditionalStrengthTraining' -> 'traditional_strength_training'."""
    name = kind.removeprefix("HKWorkoutActivityType")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() or "other"


def _attr_float(text: str | None) -> float | None:
    try:
        v = float(text) if text is not None else None
    except ValueError:
        return None
    return v if v is not None and math.isfinite(v) else None


def _children(src: Source) -> Iterator[tuple[Any, str]]:
    """(element, local name) of each complete child of the export's root, in document order; the
    root is cleared after each, so memory stays bounded however large the export."""
    with src.open() as fh:
        root = None
        depth = 0
        for event, elem, name in iter_xml(src.path, fh, ROOT, allow_doctype=True):
            if event == "start":
                if root is None:
                    root = elem
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                yield elem, name
                root.clear()  # type: ignore[union-attr]


def _workouts(src: Source, dates: _Dates, warns: list[str]) -> list[_Workout]:
    """Pass 1: every Workout element (with its pause events)."""
    out: list[_Workout] = []
    bad = 0
    try:
        for elem, name in _children(src):
            if name == "Workout":
                w = _workout(elem, dates)
                if w is None:
                    bad += 1
                else:
                    out.append(w)
    except XmlSyntaxError as e:
        if not out:
            raise
        warns.append(f"export truncated or malformed ({str(e).split(': ', 1)[-1]}); workouts "
                     "read before it are kept")
    if bad:
        warns.append(f"{bad} workouts without readable start and end dates were skipped")
    return out


def _workout(elem: Any, dates: _Dates) -> _Workout | None:
    a = elem.attrib
    start, end = dates(a.get("startDate")), dates(a.get("endDate"))
    if start is None or end is None or not (0 <= end - start <= MAX_WORKOUT_S):
        return None
    dur = _attr_float(a.get("duration"))
    if dur is not None:
        dur *= _MINUTE_UNITS.get(a.get("durationUnit", "min"), 60.0)
    w = _Workout(a.get("workoutActivityType", "HKWorkoutActivityTypeOther"),
                 a.get("startDate", ""), a.get("endDate", ""), start, end,
                 a.get("sourceName", ""), _device_name(a.get("device")), dur)
    paused_at: float | None = None
    events = []
    for child in elem:
        if child.tag.rpartition("}")[2] == "WorkoutEvent":
            kind = _PAUSES.get(child.get("type", ""))
            t = dates(child.get("date"))
            if kind is not None and t is not None:
                events.append((t, kind))
    for t, pause in sorted(events):
        if pause and paused_at is None:
            paused_at = t
        elif not pause and paused_at is not None:
            w.pauses.append((paused_at, t))
            paused_at = None
    if paused_at is not None:
        w.pauses.append((paused_at, end))
    return w


def _device_name(device: str | None) -> str | None:
    """'<<HKDevice: 0x...>, name:Apple Watch, manufacturer:Apple Inc., ...>' -> 'Apple Watch'."""
    if not device:
        return None
    m = re.search(r"name:([^,>]+)", device)
    return m.group(1).strip() if m else None


class _Sources:
    """Source names interned as small integers."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        i = self._index.get(name)
        if i is None:
            i = self._index[name] = len(self.names)
            self.names.append(name)
        return i


def _heart_rate(src: Source, workouts: list[_Workout], dates: _Dates, sources: _Sources,
                warns: list[str]) -> tuple[int, int]:
    """Pass 2: heart-rate samples inside a workout, appended to it. Returns (samples read,
    samples with an unreadable value)."""
    order = sorted(range(len(workouts)), key=lambda i: workouts[i].start)
    starts = [workouts[i].start for i in order]
    longest = max((w.end - w.start for w in workouts), default=0.0)
    n_hr = bad = 0
    try:
        for elem, name in _children(src):
            if name == "Record" and elem.get("type") == HR_TYPE:
                n_hr += 1
                t = dates(elem.get("startDate"))
                if t is not None:
                    k = bisect_right(starts, t) - 1
                    while k >= 0 and starts[k] >= t - longest:
                        w = workouts[order[k]]
                        if w.start <= t <= w.end:
                            v = _attr_float(elem.get("value"))
                            if v is None or not 0 <= v < 1000:
                                bad += 1
                            else:
                                w.hr_t.append(t)
                                w.hr_v.append(v)
                                w.hr_s.append(sources(elem.get("sourceName", "")))
                        k -= 1
    except XmlSyntaxError as e:
        warns.append(f"export truncated or malformed ({str(e).split(': ', 1)[-1]}); heart rate "
                     "read before it is kept")
    return n_hr, bad


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """Every workout of an Apple Health export as a Workout (HR in bpm, t_s from its start)."""
    src = source_of(src)
    dates = _Dates()
    warns: list[str] = []
    workouts = _workouts(src, dates, warns)
    if not workouts:
        not_a_workout(src.path, "an Apple Health export without workouts")
    sources = _Sources()
    n_hr, bad_values = _heart_rate(src, workouts, dates, sources, warns)
    if dates.bad:
        warns.append(f"{dates.bad} dates could not be read and their records were skipped")
    if bad_values:
        warns.append(f"{bad_values} heart-rate records with an unreadable value were skipped")
    for w in sorted(workouts, key=lambda w: (w.start, w.end, w.kind)):
        yield _session(src, w, warns, max_gap_s, n_hr, sources.names)
        w.hr_t = w.hr_v = w.hr_s = array("d")  # done with: free it


def _session(src: Source, w: _Workout, warns: list[str], max_gap_s: float | None,
             n_hr: int, names: list[str]) -> Workout:
    counts: dict[str, int] = {}
    for k in set(w.hr_s):
        counts[names[k]] = w.hr_s.count(k)
    source = max(counts, key=lambda s: (counts[s], s == w.source)) if counts else None
    chosen = names.index(source) if source is not None else -1
    samples = sorted((t, v) for t, v, k in zip(w.hr_t, w.hr_v, w.hr_s) if k == chosen)
    builder = SampleBuilder()
    was_paused = False
    for t, v in samples:
        paused = any(a <= t < b for a, b in w.pauses)
        if paused or was_paused:
            builder.mark_break()
        was_paused = paused
        builder.add(t, v)
    start = datetime.fromtimestamp(w.start, timezone(timedelta(seconds=_offset_s(w.start_text))))
    own_warns = list(warns)
    others = {s: n for s, n in counts.items() if s != source}
    if others:
        own_warns.append(f"heart rate from {source!r} used ({counts[source]} samples); "  # type: ignore[index]
                         f"{sum(others.values())} samples of other sources ignored")
    meta: dict[str, Any] = {
        "device": w.device or w.source or None, "source": w.source, "sport": _sport(w.kind),
        "sports": [_sport(w.kind)], "workout_type": w.kind, "hr_source": source,
        "hr_sources": counts, "pauses": len(w.pauses),
        "elapsed_time_s": w.end - w.start,
        "timer_time_s": (w.duration_s if w.duration_s is not None else
                         w.end - w.start - sum(b - a for a, b in w.pauses)),
        "export_hr_records": n_hr, "timezone": start.strftime("UTC%z"),
        "identity": hashlib.sha256("\n".join(("apple_health", w.kind, w.start_text, w.end_text,
                                              w.source)).encode()).hexdigest()}
    name = f"{src.name}#{start.isoformat()}"
    wk = finish(Path(name), "apple_health", builder, max_gap_s=max_gap_s, warnings=own_warns,
                meta=meta, t0_epoch_s=w.start)
    return wk


def _offset_s(text: str) -> int:
    m = _DATE.match(text)
    if m is None:
        return 0
    return (int(m[8]) * 3600 + int(m[9]) * 60) * (1 if m[7] == "+" else -1)
