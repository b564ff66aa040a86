"""GPX tracks with heart rate in an extension element.

HR is the first descendant of a trkpt whose local name is `hr` (or `heartrate`), in any namespace:
Garmin TrackPointExtension v1/v2 (`gpxtpx:hr`, `ns3:hr`) as written by Strava, Garmin Connect,
Urban Biker and OpenTracks (also OpenTracks' incorrect legacy markup), and Cluetrust `gpxdata:hr`.
A new trkseg or trk after the first starts with brk=True (GPX writers split segments at pauses).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from hrzone.importers._common import SampleBuilder, not_a_workout, parse_iso
from hrzone.importers._xml import (
    XmlSyntaxError, finish_track, iter_xml, parse_number, text_of, truncated, xml_sniff,
)
from hrzone.importers.archive import Source, source_of
from hrzone.workout import Workout

_HR_NAMES = frozenset(("hr", "heartrate"))


def sniff(head: bytes, name: str) -> bool:
    """An XML document whose root element is gpx."""
    return xml_sniff(head, "gpx")


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """The registry's entry point: the one workout of a GPX file."""
    yield load_gpx(src, max_gap_s)


def load_gpx(src: Source | str | os.PathLike[str], max_gap_s: float | None = None) -> Workout:
    """Read a GPX file into a Workout (HR in bpm, t_s in seconds from the first sample)."""
    builder = SampleBuilder()
    warns: list[str] = []
    meta: dict[str, Any] = {"tracks": 0, "segments": 0, "trackpoints": 0}
    sports: list[str] = []
    depth_in_point = 0
    in_trk = False
    point_t: float | None = None
    point_hr: float | None = None
    bad_time = bad_hr = 0
    first_t: float | None = None  # of any trackpoint, with or without HR: the start
    stack: list[str] = []
    src = source_of(src)
    path = src.path
    try:
        with src.open() as fh:
            for event, elem, name in iter_xml(path, fh, "gpx"):
                if event == "start":
                    if not stack:  # the root element
                        meta["device"] = elem.get("creator")
                    stack.append(name)
                    if name == "trkpt":
                        depth_in_point = len(stack)
                        point_t = point_hr = None
                    elif name == "trkseg":
                        meta["segments"] += 1
                        if meta["segments"] > 1:
                            builder.mark_break()
                    elif name == "trk":
                        meta["tracks"] += 1
                        in_trk = True
                    continue
                stack.pop()
                if depth_in_point and len(stack) >= depth_in_point:
                    if name == "time" and len(stack) == depth_in_point:
                        point_t = parse_iso(text_of(elem))
                        if point_t is None:
                            bad_time += 1
                        elif first_t is None:
                            first_t = point_t
                    elif name in _HR_NAMES and point_hr is None:
                        point_hr = parse_number(text_of(elem))
                        if point_hr is None or not 0 <= point_hr < 1000:
                            bad_hr += 1
                            point_hr = None
                elif name == "trkpt":
                    depth_in_point = 0
                    meta["trackpoints"] += 1
                    if point_t is not None and point_hr is not None and point_hr > 0:
                        builder.add(point_t, point_hr)
                    elem.clear()
                elif name == "type" and in_trk and stack and stack[-1] == "trk":
                    sports.append(text_of(elem))
                elif name == "trkseg" or name == "wpt" or name == "rte":
                    elem.clear()
                elif name == "trk":
                    in_trk = False
                    elem.clear()
    except XmlSyntaxError as e:
        truncated(e, len(builder), warns)
    if meta["trackpoints"] == 0:
        not_a_workout(path, "a GPX file without a recorded track (a route or waypoints)")
    return finish_track(path, "gpx", builder, bad_time=bad_time,
                        bad_hr=bad_hr, time_tag="time", sports=sports, warns=warns, meta=meta,
                        first_t=first_t, max_gap_s=max_gap_s)
