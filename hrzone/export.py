"""Export a session as TCX (Garmin Training Center Database v2) or CSV.

TCX is what Strava, Garmin Connect, TrainingPeaks and others accept for an upload, so a live
strap session can join the rest of a user's training log. Each sample becomes a Trackpoint; the
HeartRateBpm is hrzone's cleaned HR, left out where the sample was not valid (so no service or
re-import credits it); a gap starts a new Track. Element order follows TrainingCenterDatabasev2.xsd
(Lap: TotalTimeSeconds, DistanceMeters, Calories, Average/MaximumHeartRateBpm, Intensity,
TriggerMethod, Track).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from hrzone.paths import write_private
from hrzone.workout import Workout
from hrzone.zones import ZONE_NAMES, Thresholds, classify

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TCX_XSD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
SPORTS = {"running": "Running", "run": "Running", "cycling": "Biking", "biking": "Biking",
          "ride": "Biking"}


@dataclass(frozen=True, slots=True)
class Track:
    """What is exported: per-sample times (s from start), HR (bpm, NaN = not valid), zones.

    raw_hr_bpm is the HR as the device reported it (None when exporting stored per-second data);
    credit_s the seconds each sample credited; gap_s the silence that starts a new TCX Track.
    """

    start: datetime
    t_s: np.ndarray
    hr_bpm: np.ndarray
    zone: np.ndarray
    credit_s: np.ndarray
    raw_hr_bpm: np.ndarray | None = None
    sport: str = "Other"
    gap_s: float = 5.0
    name: str = ""


def track_from_workout(src: Workout | str | os.PathLike[str], thresholds: Thresholds,
                       fmt: str | None = None) -> Track:
    """Run a workout (or the workout file `src`) through the signal core (cleaned HR, zones,
    credit)."""
    from hrzone.loader import load_workout
    from hrzone.signal import pipeline

    w = src if isinstance(src, Workout) else load_workout(src, fmt)
    path = w.path
    out, _ = pipeline.run(w.series, pipeline.initial(thresholds, w.signal))
    sport = SPORTS.get(str(w.meta.get("sport", "")).lower(), "Other")
    hr = np.where(out.valid, out.hr_bpm, np.nan)
    raw = w.series.hr_bpm[: len(out)] if len(w.series) == len(out) else None
    return Track(w.start, out.t_s, hr, out.intensity, out.credit_s, raw, sport,
                 w.signal.gap_s, Path(path).name)


def track_from_per_second(start: datetime, per_second_hr: np.ndarray, thresholds: Thresholds,
                          name: str = "") -> Track:
    """A Track from stored per-second HR (uint8 bpm, 0 = not credited), one sample a second."""
    n = int(per_second_hr.shape[0])
    valid = per_second_hr > 0
    hr = np.where(valid, per_second_hr.astype(np.float64), np.nan)
    zone = classify(np.nan_to_num(hr), valid, thresholds)
    # Sample i stands for second [i, i + 1): stamp it at its end, as devices do.
    return Track(start, np.arange(1, n + 1, dtype=np.float64), hr, zone,
                 valid.astype(np.float64), None, "Other", 5.0, name)


def _iso_z(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tcx_text(track: Track) -> str:
    """The session as a TCX v2 document (one Activity, one Lap, a Track per gap-free stretch)."""
    n = len(track.t_s)
    t0 = track.t_s[0] if n else 0.0
    lap_start = track.start + timedelta(seconds=float(t0))
    total_s = float(track.t_s[-1] - t0) if n else 0.0
    valid_hr = track.hr_bpm[np.isfinite(track.hr_bpm)]
    w = track.credit_s[np.isfinite(track.hr_bpm)]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (f'<TrainingCenterDatabase xmlns="{TCX_NS}" xmlns:xsi="{XSI_NS}" '
         f'xsi:schemaLocation="{TCX_NS} {TCX_XSD}">'),
        "  <Activities>",
        f'    <Activity Sport="{track.sport}">',
        f"      <Id>{_iso_z(lap_start)}</Id>",
        f'      <Lap StartTime="{_iso_z(lap_start)}">',
        f"        <TotalTimeSeconds>{total_s:.1f}</TotalTimeSeconds>",
        "        <DistanceMeters>0</DistanceMeters>",
        "        <Calories>0</Calories>",
    ]
    if valid_hr.size:
        mean = float(np.average(valid_hr, weights=w)) if w.sum() > 0 else float(valid_hr.mean())
        lines += [f"        <AverageHeartRateBpm><Value>{_bpm(mean)}</Value></AverageHeartRateBpm>",
                  (f"        <MaximumHeartRateBpm><Value>{_bpm(valid_hr.max())}</Value>"
                   "</MaximumHeartRateBpm>")]
    lines += ["        <Intensity>Active</Intensity>", "        <TriggerMethod>Manual</TriggerMethod>"]
    if n:
        lines.append("        <Track>")
        times = [_iso_z(track.start + timedelta(seconds=float(t))) for t in track.t_s]
        for i in range(n):
            if i and track.t_s[i] - track.t_s[i - 1] > track.gap_s:
                lines += ["        </Track>", "        <Track>"]
            hr = track.hr_bpm[i]
            hr_xml = (f"<HeartRateBpm><Value>{_bpm(hr)}</Value></HeartRateBpm>"
                      if np.isfinite(hr) else "")
            lines.append(f"          <Trackpoint><Time>{times[i]}</Time>{hr_xml}</Trackpoint>")
        lines.append("        </Track>")
    if track.name:
        lines.append(f"        <Notes>{escape('hrzone export of ' + track.name)}</Notes>")
    lines += ["      </Lap>", "    </Activity>", "  </Activities>", "</TrainingCenterDatabase>", ""]
    return "\n".join(lines)


def _bpm(x: float) -> int:
    # HeartRateInBeatsPerMinute_t is an unsignedByte with minInclusive 1.
    return int(min(255, max(1, round(float(x)))))


def csv_text(track: Track) -> str:
    """The session as CSV: time (UTC ISO), t_s, hr_raw_bpm, hr_bpm (cleaned), valid, zone, credit_s."""
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(["time", "t_s", "hr_raw_bpm", "hr_bpm", "valid", "zone", "credit_s"])
    raw = track.raw_hr_bpm
    for i, t in enumerate(track.t_s.tolist()):
        hr = track.hr_bpm[i]
        ok = bool(np.isfinite(hr))
        wr.writerow([_iso_z(track.start + timedelta(seconds=t)), f"{t:.3f}",
                     "" if raw is None else f"{raw[i]:g}", f"{hr:.1f}" if ok else "",
                     int(ok), ZONE_NAMES[int(track.zone[i])], f"{track.credit_s[i]:.3f}"])
    return buf.getvalue()




def write_tcx(track: Track, path: str | os.PathLike[str]) -> Path:
    """Write the track as a TCX file (0o600, temp file renamed over `path`: paths.write_private)."""
    return write_private(path, tcx_text(track))


def write_csv(track: Track, path: str | os.PathLike[str]) -> Path:
    """Write the track as a CSV file (0o600, temp file renamed over `path`: paths.write_private)."""
    return write_private(path, csv_text(track))
