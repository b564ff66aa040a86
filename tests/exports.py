"""Build realistic export archives for the tests and benchmarks, in a temporary folder.

- `apple_health_xml` writes an Apple Health export.xml (DOCTYPE with its internal DTD, Records of
  many types grouped by type, heart rate every few minutes all day and every 5 s during workouts,
  HRV records with beat lists, Workouts with events, routes and statistics, activity summaries),
  as large as asked; `apple_health_zip` wraps it as export.zip with the routes and ECG files.
- `strava_zip`, `garmin_zip`: the layouts of a Strava bulk export and a Garmin Connect data
  export, made from real files (../shared/realdata).
- `fit_file`: a minimal FIT file of any file type (e.g. monitoring_b) with heart rate.
Nothing here is committed data: everything is generated at test or bench time.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Berlin")
SOURCE = "Alice’s Apple Watch"
STRAP = "Polar Beat"
DEVICE = ("&lt;&lt;HKDevice: 0x283a1c460&gt;, name:Apple Watch, manufacturer:Apple Inc., "
          "model:Watch, hardware:Watch6,2, software:9.1&gt;")

APPLE_DTD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent ((MetadataEntry)*)>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference)*)>
<!ATTLIST WorkoutRoute
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference
  path CDATA #REQUIRED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!-- Note: Heart Rate Variability records captured by Apple Watch may include an associated Instantaneous Beats Per Minute (InstantaneousBeatsPerMinute) data. -->
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>
"""

WORKOUT_TYPES = ("HKWorkoutActivityTypeWalking", "HKWorkoutActivityTypeRunning",
                 "HKWorkoutActivityTypeCycling", "HKWorkoutActivityTypeSwimming",
                 "HKWorkoutActivityTypeTraditionalStrengthTraining")


@dataclass(frozen=True)
class AppleWorkout:
    """What was written for one workout (the truth a test compares with)."""

    kind: str
    start: datetime
    end: datetime
    hr_samples: int
    pause: tuple[datetime, datetime] | None


def _stamp(dt: datetime) -> str:
    """Apple's date format: '2023-01-02 07:09:59 +0100' (local time with its offset)."""
    local = dt.astimezone(TZ)
    return local.strftime("%Y-%m-%d %H:%M:%S %z")


class _Stamper:
    """Fast Apple dates for many times of one day (strftime once per day)."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._prefix = ""
        self._suffix = ""
        self._midnight = 0.0

    def __call__(self, t_epoch: float) -> str:
        local = datetime.fromtimestamp(t_epoch, TZ)
        if local.date() != self._day or local.hour in (1, 2, 3):  # DST changes at 02:00/03:00
            self._day = local.date()
            self._prefix = local.strftime("%Y-%m-%d ")
            self._suffix = local.strftime(" %z")
            self._midnight = t_epoch - (local.hour * 3600 + local.minute * 60 + local.second
                                        + local.microsecond / 1e6)
            if local.hour in (1, 2, 3):
                self._day = None
                return local.strftime("%Y-%m-%d %H:%M:%S %z")
        s = int(t_epoch - self._midnight)
        return f"{self._prefix}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{self._suffix}"


def apple_health_xml(path: Path, *, start: date = date(2021, 3, 1), days: int = 14,
                     workouts_per_week: int = 4, seed: int = 1, filler: bool = True,
                     second_source_every: int = 3) -> list[AppleWorkout]:
    """Write an Apple Health export.xml; returns the workouts written (oldest first).

    filler: also write the records a real export is mostly made of (steps, energy, distance,
    HRV with beat lists, resting HR); second_source_every: every N-th workout a chest strap
    app writes HR too (a second source, fewer samples).
    """
    rng = random.Random(seed)
    stamp = _Stamper()
    t_first = datetime(start.year, start.month, start.day, tzinfo=TZ).timestamp()
    workouts: list[tuple[str, float, float, tuple[float, float] | None]] = []
    for d in range(days):
        if rng.random() < workouts_per_week / 7:
            begin = t_first + d * 86400 + rng.choice([7, 12, 17, 18]) * 3600 + rng.randrange(3600)
            length = rng.choice([20, 30, 45, 60, 75]) * 60 + rng.randrange(60)
            pause = None
            if rng.random() < 0.3:
                p0 = begin + length * rng.uniform(0.3, 0.6)
                pause = (p0, p0 + rng.randrange(60, 300))
            workouts.append((rng.choice(WORKOUT_TYPES), begin, begin + length, pause))
    t_last = t_first + days * 86400
    # Heart rate: every ~5 min all day, every 5 s during workouts (quiet while paused).
    hr: list[tuple[float, float, str]] = []
    counts = [0] * len(workouts)
    t = t_first
    while t < t_last:
        hr.append((t, float(rng.randint(55, 75)), SOURCE))
        t += rng.randrange(240, 420)
    for i, (_, a, b, pause) in enumerate(workouts):
        level = rng.randint(105, 150)
        t = a + rng.uniform(0, 5)
        while t < b:
            if not (pause and pause[0] <= t < pause[1]):
                hr.append((t, float(max(60, level + rng.randint(-8, 8))), SOURCE))
                counts[i] += 1
            t += rng.uniform(4, 6)
        if second_source_every and i % second_source_every == 0:
            t = a + 60
            while t < b - 60:
                hr.append((t, float(level + rng.randint(-5, 5)), STRAP))
                t += 30
    hr.sort()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        w = f.write
        w(APPLE_DTD)
        w('<HealthData locale="en_GB">\n')
        w(f' <ExportDate value="{_stamp(datetime.fromtimestamp(t_last, UTC))}"/>\n')
        w(' <Me HKCharacteristicTypeIdentifierDateOfBirth="1972-05-01" '
          'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
          'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
          'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
          'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n')
        if filler:
            _filler(w, rng, stamp, t_first, t_last, "HKQuantityTypeIdentifierStepCount",
                    "count", 900, lambda: str(rng.randint(5, 400)))
            _filler(w, rng, stamp, t_first, t_last, "HKQuantityTypeIdentifierActiveEnergyBurned",
                    "kcal", 120, lambda: f"{rng.uniform(0.05, 3):.3f}")
        for t, v, src in hr:
            s = stamp(t)
            c = stamp(t + 5)
            dev = f' device="{DEVICE}"' if src == SOURCE else ""
            w(f' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="{src}" '
              f'sourceVersion="9.1"{dev} unit="count/min" creationDate="{c}" startDate="{s}" '
              f'endDate="{s}" value="{v:g}">\n'
              '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
              ' </Record>\n')
        if filler:
            _filler(w, rng, stamp, t_first, t_last,
                    "HKQuantityTypeIdentifierDistanceWalkingRunning", "km", 1200,
                    lambda: f"{rng.uniform(0.001, 0.4):.5f}")
            _filler(w, rng, stamp, t_first, t_last, "HKQuantityTypeIdentifierBasalEnergyBurned",
                    "kcal", 300, lambda: f"{rng.uniform(0.5, 1.5):.3f}")
            _hrv(w, rng, stamp, t_first, t_last)
            w(' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
              f'sourceName="Omron" creationDate="{stamp(t_first + 3600)}" '
              f'startDate="{stamp(t_first + 3600)}" endDate="{stamp(t_first + 3600)}">\n'
              '  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" '
              f'unit="mmHg" startDate="{stamp(t_first + 3600)}" '
              f'endDate="{stamp(t_first + 3600)}" value="121"/>\n'
              ' </Correlation>\n')
        for kind, a, b, pause in workouts:
            w(f' <Workout workoutActivityType="{kind}" duration="{(b - a) / 60:.4f}" '
              'durationUnit="min" totalEnergyBurned="312.5" totalEnergyBurnedUnit="kcal" '
              f'sourceName="{SOURCE}" sourceVersion="9.1" device="{DEVICE}" '
              f'creationDate="{stamp(b + 10)}" startDate="{stamp(a)}" endDate="{stamp(b)}">\n')
            w('  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n')
            if pause:
                w(f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{stamp(pause[0])}"/>\n')
                w(f'  <WorkoutEvent type="HKWorkoutEventTypeResume" date="{stamp(pause[1])}"/>\n')
            w(f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" '
              f'startDate="{stamp(a)}" endDate="{stamp(b)}" average="128" minimum="90" '
              'maximum="160" unit="count/min"/>\n')
            if "Running" in kind or "Cycling" in kind or "Walking" in kind:
                local = datetime.fromtimestamp(b, TZ)
                w(f'  <WorkoutRoute sourceName="{SOURCE}" startDate="{stamp(a)}" '
                  f'endDate="{stamp(b)}">\n'
                  f'   <FileReference path="/workout-routes/route_{local:%Y-%m-%d_%-I.%M%p}.gpx"/>\n'
                  '  </WorkoutRoute>\n')
            w(' </Workout>\n')
        d = datetime.fromtimestamp(t_first, TZ).date()
        for k in range(days):
            w(f' <ActivitySummary dateComponents="{d + timedelta(days=k)}" '
              'activeEnergyBurned="512" activeEnergyBurnedGoal="500" '
              'activeEnergyBurnedUnit="kcal" appleExerciseTime="34" appleExerciseTimeGoal="30" '
              'appleStandHours="11" appleStandHoursGoal="12"/>\n')
        w('</HealthData>\n')
    return [AppleWorkout(k, datetime.fromtimestamp(a, TZ), datetime.fromtimestamp(b, TZ), n,
                         None if p is None else (datetime.fromtimestamp(p[0], TZ),
                                                 datetime.fromtimestamp(p[1], TZ)))
            for (k, a, b, p), n in zip(workouts, counts)]


def _filler(w, rng: random.Random, stamp: _Stamper, t0: float, t1: float, kind: str, unit: str,
            step_s: int, value) -> None:  # type: ignore[no-untyped-def]
    t = t0
    while t < t1:
        s = stamp(t)
        w(f' <Record type="{kind}" sourceName="{SOURCE}" sourceVersion="9.1" device="{DEVICE}" '
          f'unit="{unit}" creationDate="{stamp(t + 60)}" startDate="{s}" '
          f'endDate="{stamp(t + 50)}" value="{value()}"/>\n')
        t += rng.uniform(0.5, 1.5) * step_s


def _hrv(w, rng: random.Random, stamp: _Stamper, t0: float, t1: float) -> None:  # type: ignore[no-untyped-def]
    t = t0 + 3000
    while t < t1:
        s = stamp(t)
        w(f' <Record type="HKQuantityTypeIdentifierHeartRateVariabilitySDNN" '
          f'sourceName="{SOURCE}" sourceVersion="9.1" device="{DEVICE}" unit="ms" '
          f'creationDate="{stamp(t + 60)}" startDate="{s}" endDate="{stamp(t + 60)}" '
          f'value="{rng.uniform(20, 80):.4f}">\n   <HeartRateVariabilityMetadataList>\n')
        for k in range(60):
            w(f'    <InstantaneousBeatsPerMinute bpm="{rng.randint(55, 75)}" '
              f'time="{k // 60 + 7}:{k % 60:02d}:00.{k:02d} AM"/>\n')
        w('   </HeartRateVariabilityMetadataList>\n </Record>\n')
        t += 4 * 3600 * rng.uniform(0.8, 1.2)


def apple_health_zip(folder: Path, **kw) -> tuple[Path, list[AppleWorkout]]:  # type: ignore[no-untyped-def]
    """export.zip as the Health app writes it: apple_health_export/export.xml, export_cda.xml,
    workout-routes/*.gpx (routes, no HR) and electrocardiograms/*.csv."""
    xml = folder / "export.xml"
    truth = apple_health_xml(xml, **kw)
    out = folder / "export.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(xml, "apple_health_export/export.xml")
        z.writestr("apple_health_export/export_cda.xml",
                   '<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
                   "<title>Health export</title></ClinicalDocument>\n")
        for i, wk in enumerate(truth[:3]):
            z.writestr(f"apple_health_export/workout-routes/route_{i}.gpx", _route_gpx(wk.start))
        z.writestr("apple_health_export/electrocardiograms/ecg_2021-03-02.csv",
                   "Name,Alice\nDate of Birth,1972-05-01\nRecorded Date,2021-03-02 08:00:00 +0100\n"
                   "Classification,Sinus Rhythm\nUnit,µV\n\n" + "\n".join(
                       f"{(i * 7) % 300 - 150}.0" for i in range(200)) + "\n")
    xml.unlink()
    return out, truth


def _route_gpx(start: datetime) -> str:
    pts = "".join(
        f'<trkpt lat="52.5{i:03d}" lon="13.4{i:03d}"><ele>40</ele>'
        f"<time>{(start + timedelta(seconds=i)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</time>"
        "</trkpt>" for i in range(20))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health '
            f'Export" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg>'
            "</trk></gpx>\n")


# --- Strava and Garmin layouts -----------------------------------------------------------------

STRAVA_HEADER = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
                 "Elapsed Time,Distance,Max Heart Rate,Relative Effort,Commute,"
                 "Activity Private Note,Activity Gear,Filename,Athlete Weight,Bike Weight,"
                 "Elapsed Time,Moving Time,Distance,Max Speed")


def strava_zip(folder: Path, files: Sequence[tuple[str, bytes, str, str]],
               name: str = "export_12345678.zip") -> Path:
    """A Strava bulk export: activities/<id>.<ext>.gz for each (ext, bytes, name, type), the
    activities.csv index (quoted names, a multi-line description), profile files and a photo."""
    out = folder / name
    buf = io.StringIO()
    rows = csv.writer(buf, lineterminator="\n")
    rows.writerow(STRAVA_HEADER.split(","))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (ext, data, title, kind) in enumerate(files):
            aid = 1000000000 + i
            fn = f"activities/{aid}.{ext}.gz"
            z.writestr(fn, gzip.compress(data, mtime=0))
            desc = "Felt good.\nLegs heavy at the end." if i % 2 else ""
            rows.writerow([aid, "Mar 1, 2021, 7:00:00 AM", title, kind, desc, 1800, 5.0, 150, 40,
                           "false", "", "", fn, 60, "", 1800, 1700, 5000, 4.1])
        rows.writerow([999, "Mar 9, 2021, 7:00:00 AM", "Manual entry", "Run", "", 1800, 5.0, "",
                       "", "false", "", "", "", 60, "", 1800, 1800, 5000, ""])
        z.writestr("activities.csv", buf.getvalue())
        z.writestr("profile.csv", "Athlete ID,Email Address,First Name\n1,a@b.c,Alice\n")
        z.writestr("bikes.csv", "Bike Name,Bike Brand,Bike Model\nRoad,Canyon,Endurace\n")
        z.writestr("media/photo1.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))
        z.writestr("routes/1.gpx", '<?xml version="1.0"?><gpx version="1.1" creator="Strava">'
                                   "<rte><rtept lat='1' lon='2'/></rte></gpx>")
    return out


def garmin_zip(folder: Path, activities: Sequence[tuple[str, bytes]],
               wellness: Sequence[tuple[str, bytes]] = ()) -> Path:
    """A Garmin Connect data export: JSON summaries, and nested zips of FIT files
    (DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip)."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in activities:
            z.writestr(name, data)
    wz = io.BytesIO()
    with zipfile.ZipFile(wz, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in wellness:
            z.writestr(name, data)
    out = folder / "garmin_export.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("DI_CONNECT/DI-Connect-Fitness/alice_0_summarizedActivities.json",
                   '[{"summarizedActivitiesExport": [{"activityId": 1, "name": "Run"}]}]')
        z.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", '{"userName": "alice"}')
        z.writestr("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip",
                   inner.getvalue())
        z.writestr("DI_CONNECT/DI-Connect-Wellness/Wellness_0-_Part1.zip", wz.getvalue())
        z.writestr("DI_CONNECT/.DS_Store", b"\x00\x00\x00\x01Bud1")
        z.writestr("__MACOSX/DI_CONNECT/._x", b"\x00\x05\x16\x07")
    return out


# --- a minimal FIT writer ----------------------------------------------------------------------

_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def _crc(data: bytes, crc: int = 0) -> int:
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FILE_TYPES = {"activity": 4, "monitoring_b": 32, "monitoring_a": 15, "settings": 2,
              "course": 6, "sleep": 49}


def fit_file(file_type: str = "monitoring_b", start: datetime = datetime(2021, 3, 1, 7, tzinfo=UTC),
             hr: Sequence[int] = (60, 62, 64, 63, 61), step_s: int = 60) -> bytes:
    """A small valid FIT file: file_id of `file_type`, then one message per HR value
    (`monitoring` messages for monitoring files, `record` messages otherwise)."""
    body = bytearray()
    # definition local 0: file_id (global 0): type enum, manufacturer uint16, product uint16,
    # time_created uint32
    body += bytes([0x40, 0, 0]) + struct.pack("<H", 0) + bytes([4,
                 0, 1, 0x00, 1, 2, 0x84, 2, 2, 0x84, 4, 4, 0x86])
    ts0 = int((start - FIT_EPOCH).total_seconds())
    body += bytes([0x00, FILE_TYPES[file_type]]) + struct.pack("<HHI", 1, 3121, ts0)
    monitoring = file_type.startswith("monitoring")
    glob, hr_field = (55, 27) if monitoring else (20, 3)
    # definition local 1: timestamp (253, uint32), heart_rate (uint8)
    body += bytes([0x41, 0, 0]) + struct.pack("<H", glob) + bytes([2, 253, 4, 0x86,
                                                                 hr_field, 1, 0x02])
    for i, v in enumerate(hr):
        body += bytes([0x01]) + struct.pack("<IB", ts0 + i * step_s, v)
    header = bytearray(struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT"))
    header += struct.pack("<H", _crc(bytes(header)))
    data = bytes(header) + bytes(body)
    return data + struct.pack("<H", _crc(data))


# --- shifting a FIT file in time ---------------------------------------------------------------

_DATE_FIELDS = {0: (4,), 18: (2,), 19: (2,), 34: (5,)}
"""date_time fields besides `timestamp` (253): file_id.time_created, session and lap
start_time, activity.local_timestamp."""


def shift_fit(data: bytes, seconds: int) -> bytes:
    """The FIT file with every date moved by `seconds` (timestamps, start times; device-relative
    and invalid values left alone) and its CRCs recomputed: the same activity on another day."""
    out = bytearray(data)
    pos = 0
    while pos + 12 <= len(out) and out[pos + 8:pos + 12] == b".FIT":
        hsize = out[pos]
        size = struct.unpack_from("<I", out, pos + 4)[0]
        body = pos + hsize
        end = body + size
        if end + 2 > len(out):
            raise ValueError("truncated FIT file")
        defs: dict[int, tuple[str, int, list[tuple[int, int]], int]] = {}
        i = body
        while i < end:
            h = out[i]
            i += 1
            if h & 0x80:  # compressed timestamp header: a data message without field 253
                local = (h >> 5) & 0x3
                i = _shift_fields(out, i, defs[local], seconds, skip_253=True)
            elif h & 0x40:
                local = h & 0x0F
                arch = "<" if out[i + 1] == 0 else ">"
                glob = struct.unpack_from(arch + "H", out, i + 2)[0]
                n = out[i + 4]
                fields = [(out[i + 5 + 3 * k], out[i + 6 + 3 * k]) for k in range(n)]
                i += 5 + 3 * n
                dev = 0
                if h & 0x20:
                    nd = out[i]
                    dev = sum(out[i + 2 + 3 * k] for k in range(nd))
                    i += 1 + 3 * nd
                defs[local] = (arch, glob, fields, dev)
            else:
                i = _shift_fields(out, i, defs[h & 0x0F], seconds)
        crc = _crc(bytes(out[pos:end]))
        struct.pack_into("<H", out, end, crc)
        pos = end + 2
    return bytes(out)


def _shift_fields(out: bytearray, i: int, d: tuple[str, int, list[tuple[int, int]], int],
                  seconds: int, skip_253: bool = False) -> int:
    arch, glob, fields, dev = d
    dates = _DATE_FIELDS.get(glob, ())
    for num, size in fields:
        if size == 4 and (num == 253 or num in dates):
            v = struct.unpack_from(arch + "I", out, i)[0]
            if 0x10000000 <= v < 0xFFFFFFFF:
                struct.pack_into(arch + "I", out, i, v + seconds)
        i += size
    return i + dev
