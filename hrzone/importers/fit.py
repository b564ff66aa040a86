"""FIT activity files (Garmin, Wahoo, Stryd, ...) read with fitdecode, streaming.

What real files do, and what we do about it:
- HR in `record` messages: one sample per record that has HR (or RR).
- HR only in separate `hr` messages (swims with a chest strap; the strap stores HR and the watch
  appends it after the activity, often as further chained FIT files): the messages are expanded to
  beat times and merged onto the records as the FIT SDK's "merge heart rates" step does
  (each record gets the mean of the HR values timed in (previous record, record]).
- RR from `hrv` messages (`time`: seconds, array; None/0xFFFF invalid): the RRs written between
  two records belong to the later one (the RRs that ended by its time).
- Timer `event`s: a record written while the timer is stopped (Edge 500 writes one just before
  resuming) and the first record after a restart get brk=True, so paused time is never credited.
- date_time values below 0x10000000 are seconds since device power-on, not UTC (FIT spec):
  the series is still right, but the start time is unknown (warning, meta["start_known"]=False).
- Chained files, developer fields: handled by fitdecode; a bad CRC or a truncated/corrupt tail
  gives a warning and keeps what was read.
"""

from __future__ import annotations

import math
import os
import warnings as _warnings
from collections.abc import Iterator
from typing import Any

import fitdecode  # type: ignore[import-untyped]
import numpy as np

from hrzone.errors import ImportFormatError, NotAWorkout
from hrzone.importers._common import SampleBuilder, fail, finish, not_a_workout
from hrzone.importers.archive import Source, printable, source_of
from hrzone.workout import Workout

FIT_EPOCH_UNIX_S = 631065600
"""1989-12-31T00:00:00Z, the FIT epoch, in Unix seconds."""
DEVICE_TIME_MAX = 0x10000000
"""FIT date_time values below this are relative to device power-on (FIT protocol 4.1)."""

_MESG_FILE_ID, _MESG_SESSION, _MESG_RECORD, _MESG_EVENT, _MESG_HRV, _MESG_HR = 0, 18, 20, 21, 78, 132
_TIMER_STOPS = frozenset(("stop", "stop_all", "stop_disable", "stop_disable_all"))
_HR_GAP_STEP_S = 0.25
_HR_GAP_MAX_STEPS = 20
"""SDK hr expansion: the previous HR is carried forward in 0.25 s steps for at most 5 s."""


class _HrMessages:
    """Expands `hr` messages (anchor + 12-bit event_timestamp deltas) into (time, bpm) points."""

    __slots__ = ("anchor_ev", "anchor_time", "bpm", "last_ev", "problems", "t")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.bpm: list[float] = []
        self.anchor_time: float | None = None  # FIT seconds
        self.anchor_ev = 0  # 1/1024 s
        self.last_ev = 0
        self.problems = 0

    def add(self, frame: Any) -> None:
        ts = frac = None
        ev: list[float] = []
        ev12: Any = None
        bpms: Any = None
        for fd in frame.fields:
            fld = fd.field
            if fld is None or (fd.field_def is not None and fd.field_def.is_dev):
                continue
            name = fld.name
            if name == "timestamp":
                ts = fd.value
            elif name == "fractional_timestamp":
                frac = fd.value
            elif name == "filtered_bpm":
                bpms = fd.value
            elif name == "event_timestamp_12":
                ev12 = fd.raw_value
            elif name == "event_timestamp" and fd.field_def is not None:
                ev.extend(fd.value if isinstance(fd.value, tuple) else (fd.value,))
        bpms = list(bpms) if isinstance(bpms, tuple) else [bpms]
        if ts is not None:  # an anchor: absolute time and its event_timestamp
            if len(ev) != 1 or ev[0] is None:
                self.problems += 1
                return
            self.anchor_time = ts + (frac or 0.0)
            self.anchor_ev = self.last_ev = round(ev[0] * 1024)
            self._emit([self.anchor_ev], bpms)
        elif self.anchor_time is None:
            self.problems += 1  # deltas before any anchor cannot be placed in time
        elif ev12 is not None:
            raw = bytes(b or 0 for b in ev12) if isinstance(ev12, tuple) else bytes(ev12 or b"")
            bits = int.from_bytes(raw, "little")
            evs = []
            for i in range(min(len(bpms), len(raw) * 8 // 12)):
                v = (bits >> (12 * i)) & 0xFFF
                self.last_ev += (v - self.last_ev) & 0xFFF
                evs.append(self.last_ev)
            self._emit(evs, bpms)
        elif ev:
            evs = []
            for e in ev:
                if e is None:
                    continue
                cur = round(e * 1024)
                if cur < self.anchor_ev:
                    cur += 1 << 32  # 32-bit event_timestamp rolled over
                evs.append(cur)
            self._emit(evs, bpms)

    def _emit(self, evs: list[int], bpms: list[Any]) -> None:
        assert self.anchor_time is not None
        for e, b in zip(evs, bpms):
            if b is None or not isinstance(b, (int, float)):
                continue
            t = self.anchor_time + (e - self.anchor_ev) / 1024.0
            if self.t:  # carry the previous value across a gap, as the SDK does
                pt, pb = self.t[-1], self.bpm[-1]
                gap = abs(t - pt)
                step = 1
                while gap > _HR_GAP_STEP_S and step <= _HR_GAP_MAX_STEPS:
                    self.t.append(pt + _HR_GAP_STEP_S * step)
                    self.bpm.append(pb)
                    gap -= _HR_GAP_STEP_S
                    step += 1
            self.t.append(t)
            self.bpm.append(float(b))


def merge_hr(rec_t: np.ndarray, hr_t: np.ndarray, hr_bpm: np.ndarray) -> np.ndarray:
    """HR (bpm, NaN = none) for each record time from expanded hr points (FIT SDK merge rule).

    A record gets the rounded mean of the points timed in (previous record, record]; the first
    record and a record repeating the previous time use (t - 1 s, t]. As in the SDK, a record
    gets a value only while later hr points exist.
    """
    out = np.full(rec_t.shape, np.nan)
    if rec_t.size == 0 or hr_t.size == 0:
        return out
    order = np.argsort(hr_t, kind="stable")
    ht, hv = hr_t[order], hr_bpm[order]
    lo = np.empty_like(rec_t)
    lo[0] = rec_t[0] - 1
    lo[1:] = rec_t[:-1]
    same = lo >= rec_t
    lo[same] = rec_t[same] - 1
    a = np.searchsorted(ht, lo, side="right")
    b = np.searchsorted(ht, rec_t, side="right")
    cs = np.concatenate(([0.0], np.cumsum(hv)))
    n = b - a
    ok = (n > 0) & (b < ht.size)
    out[ok] = np.floor((cs[b[ok]] - cs[a[ok]]) / n[ok] + 0.5)
    return out


def _fit_warning(w: _warnings.WarningMessage) -> str:
    return f"FIT: {w.message}"


_NOT_ACTIVITY = {
    "monitoring_a": "daily monitoring (wellness) data", "monitoring_b": "daily monitoring "
    "(wellness) data", "monitoring_daily": "daily monitoring (wellness) data",
    "activity_summary": "an activity summary", "settings": "device settings", "sport": "sport "
    "settings", "device": "device information", "course": "a course", "workout": "a workout plan",
    "schedules": "schedules", "weight": "weight data", "totals": "totals", "goals": "goals",
    "blood_pressure": "blood pressure data", "segment": "a segment", "segment_list":
    "a segment list",
}
"""FIT file types (file_id.type) that are not recorded activities, and what they hold. Garmin
writes further undocumented types (sleep, metrics, HRV status): any type but `activity` is
skipped."""


def sniff(head: bytes, name: str) -> bool:
    """A FIT file: ".FIT" at byte offset 8 of its header."""
    return len(head) >= 12 and head[8:12] == b".FIT"


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """The registry's entry point: the one workout of a FIT activity file."""
    yield load_fit(src, max_gap_s)


def _check_activity(path: Any, frame: Any) -> None:
    """NotAWorkout for a FIT file whose file_id says it is not an activity (wellness,
    monitoring, settings, courses: Garmin exports are full of them)."""
    ftype = None
    for fd in frame.fields:
        if fd.field is not None and fd.name == "type":
            ftype = fd.value
    if ftype is None or ftype == "activity":
        return
    what = _NOT_ACTIVITY.get(str(ftype), f"file type {ftype}")
    not_a_workout(path, f"a FIT file of {what}, not an activity")


def load_fit(src: Source | str | os.PathLike[str], max_gap_s: float | None = None) -> Workout:
    """Read a FIT activity into a Workout (HR in bpm, RR in ms, t_s in seconds from the start)."""
    src = source_of(src)
    path = src.path

    rec_t: list[int] = []
    rec_hr: list[float] = []
    rec_rr: list[list[float]] = []
    rec_brk: list[bool] = []
    pending_rr: list[float] = []
    hr_msgs = _HrMessages()
    sessions: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"files": 0, "records": 0, "paused_records": 0, "rr_invalid": 0}
    warns: list[str] = []
    stopped = False
    stop_t: int | None = None
    brk_next = False
    n_data = 0

    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            with src.open() as fh:
                reader = fitdecode.FitReader(fh, processor=None,
                                             check_crc=fitdecode.CrcCheck.WARN,
                                             error_handling=fitdecode.ErrorHandling.WARN)
                for frame in reader:
                    if frame.frame_type == fitdecode.FIT_FRAME_HEADER:
                        meta["files"] += 1
                        continue
                    if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                        continue
                    n_data += 1
                    num = frame.global_mesg_num
                    if num == _MESG_RECORD:
                        ts = hr = None
                        for fd in frame.fields:
                            fld = fd.field
                            if fld is None:
                                continue
                            name = fld.name
                            if name == "timestamp":
                                ts = fd.value
                            elif name == "heart_rate" and not (
                                    fd.field_def is not None and fd.field_def.is_dev):
                                hr = fd.value
                        meta["records"] += 1
                        if not isinstance(ts, int):
                            continue
                        paused = stopped and stop_t is not None and ts > stop_t
                        if paused:  # kept (its HR is real) but never credited: brk
                            meta["paused_records"] += 1
                        rec_t.append(ts)
                        rec_hr.append(float(hr) if isinstance(hr, (int, float)) and hr > 0
                                      else math.nan)
                        rec_rr.append(pending_rr)
                        pending_rr = []
                        rec_brk.append(brk_next or paused)
                        brk_next = paused
                    elif num == _MESG_HRV:
                        for fd in frame.fields:
                            if fd.field is not None and fd.field.name == "time":
                                vals = fd.value if isinstance(fd.value, tuple) else (fd.value,)
                                for v in vals:
                                    if isinstance(v, (int, float)) and 0 < v < 65.535:
                                        pending_rr.append(v * 1000.0)
                                    elif v is not None:
                                        meta["rr_invalid"] += 1
                    elif num == _MESG_EVENT:
                        ev = {fd.name: fd.value for fd in frame.fields if fd.field is not None}
                        if ev.get("event") == "timer":
                            et = ev.get("event_type")
                            if et in _TIMER_STOPS:
                                stopped = True
                                stop_t = ev.get("timestamp") if isinstance(
                                    ev.get("timestamp"), int) else (rec_t[-1] if rec_t else None)
                            elif et == "start" and stopped:
                                stopped = False
                                brk_next = True
                    elif num == _MESG_HR:
                        hr_msgs.add(frame)
                    elif num == _MESG_SESSION:
                        sessions.append({fd.name: fd.value for fd in frame.fields
                                         if fd.field is not None and fd.name in _SESSION_KEYS})
                    elif num == _MESG_FILE_ID and "device" not in meta:
                        if n_data == 1:
                            _check_activity(path, frame)
                        fid = {fd.name: fd.value for fd in frame.fields if fd.field is not None}
                        product = next((v for k, v in fid.items() if k.endswith("product")), None)
                        meta["device"] = f"{fid.get('manufacturer')}/{product}"
                        meta["file_type"] = fid.get("type")
        except NotAWorkout:
            raise
        except ImportFormatError as e:  # the file could not be opened, or its gzip is damaged
            if n_data == 0:
                raise
            why = str(e).removeprefix(f"{printable(src.name)}: ")
            warns.append(f"FIT: {why} after {n_data} messages; "
                         "summarised what was readable")
        except fitdecode.FitHeaderError as e:
            if n_data == 0:
                fail(path, f"not a FIT file ({e})")
            warns.append(f"FIT: unreadable data after {n_data} messages ({e}); kept what was read")
        except (fitdecode.FitError, Exception) as e:  # noqa: BLE001 - any byte soup must end here
            if n_data == 0:
                fail(path, f"not a readable FIT file ({type(e).__name__}: {e})")
            warns.append(f"FIT: file truncated or corrupt after {n_data} messages "
                         f"({type(e).__name__}: {e}); summarised what was readable")
        for w in caught:
            line = _fit_warning(w)
            if line not in warns:
                warns.append(line)

    if n_data == 0:
        if meta["files"] == 0:
            fail(path, "empty file")
        fail(path, "FIT file holds no data messages")

    t = np.asarray(rec_t, dtype=np.float64)
    hr = np.asarray(rec_hr, dtype=np.float64)
    if hr_msgs.t:
        merged = merge_hr(t, np.asarray(hr_msgs.t), np.asarray(hr_msgs.bpm))
        have = ~np.isnan(merged)
        hr[have] = merged[have]
        meta["hr_messages_merged"] = int(have.sum())
    if hr_msgs.problems:
        warns.append(f"FIT: {hr_msgs.problems} hr messages could not be placed in time")
    if pending_rr and rec_rr:  # beats after the last record belong to it
        rec_rr[-1] = rec_rr[-1] + pending_rr

    builder = SampleBuilder()
    for i in range(t.shape[0]):
        if rec_brk[i]:
            builder.mark_break()
        h = hr[i]
        has_hr = not math.isnan(h)
        if has_hr or rec_rr[i]:
            builder.add(t[i] + FIT_EPOCH_UNIX_S, h if has_hr else 0.0, rec_rr[i])

    _session_meta(sessions, meta)
    # Most records decide (one corrupt timestamp does not): device time or UTC.
    first = float(np.median(t)) if t.size else meta.get("session_start_fit_s")
    start_known = first is None or first >= DEVICE_TIME_MAX
    if not start_known:
        warns.append("FIT: timestamps are relative to device power-on (no UTC clock); "
                     "start date unknown")
    t0 = None
    if sessions and isinstance(meta.get("session_start_fit_s"), int):
        t0 = meta.pop("session_start_fit_s") + FIT_EPOCH_UNIX_S
    else:
        meta.pop("session_start_fit_s", None)
    return finish(path, "fit", builder, max_gap_s=max_gap_s, warnings=warns, meta=meta,
                  t0_epoch_s=t0, start_known=start_known)


_SESSION_KEYS = frozenset(("sport", "sub_sport", "start_time", "timestamp", "total_timer_time",
                           "total_elapsed_time", "avg_heart_rate", "max_heart_rate"))


def _session_meta(sessions: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """Sessions (deduplicated: chained copies repeat them), sports and total timer time."""
    seen = set()
    uniq = []
    for s in sessions:
        key = (s.get("start_time"), s.get("sport"), s.get("total_timer_time"))
        if key not in seen:
            seen.add(key)
            uniq.append(s)
    meta["sessions"] = [
        {"sport": s.get("sport"), "sub_sport": s.get("sub_sport"),
         "timer_time_s": s.get("total_timer_time"), "elapsed_time_s": s.get("total_elapsed_time"),
         "start_offset_s": None, "avg_hr_bpm": s.get("avg_heart_rate"),
         "max_hr_bpm": s.get("max_heart_rate"), "_start": s.get("start_time")}
        for s in uniq]
    sports = [s["sport"] for s in meta["sessions"] if s["sport"] is not None]
    meta["sports"] = list(dict.fromkeys(str(x) for x in sports))
    meta["sport"] = ",".join(meta["sports"]) or None
    timers = [s["timer_time_s"] for s in meta["sessions"]
              if isinstance(s["timer_time_s"], (int, float))]
    meta["timer_time_s"] = float(sum(timers)) if timers else None
    elapsed = [s["elapsed_time_s"] for s in meta["sessions"]
               if isinstance(s["elapsed_time_s"], (int, float))]
    meta["elapsed_time_s"] = float(sum(elapsed)) if elapsed else None
    starts = [s["_start"] for s in meta["sessions"] if isinstance(s["_start"], int)]
    if starts:
        meta["session_start_fit_s"] = min(starts)
        for s in meta["sessions"]:
            if isinstance(s["_start"], int):
                s["start_offset_s"] = float(s["_start"] - min(starts))
    for s in meta["sessions"]:
        del s["_start"]
