"""Garmin Training Center (TCX) files: activities, laps, tracks, multisport sessions.

One sample per Trackpoint with HeartRateBpm/Value. Every Lap holds its own <Track>; Garmin
devices start another <Track> inside the lap when the timer is stopped and restarted, so the first
sample of every Track after the first of its lap (and of every Activity after the first) gets
brk=True; a new Lap alone (auto-lap) is no pause.
Lap TotalTimeSeconds add up to the timer time.
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


def sniff(head: bytes, name: str) -> bool:
    """An XML document whose root element is TrainingCenterDatabase."""
    return xml_sniff(head, "TrainingCenterDatabase")


def load(src: Source, max_gap_s: float | None = None) -> Iterator[Workout]:
    """The registry's entry point: the one workout of a TCX file."""
    yield load_tcx(src, max_gap_s)


def load_tcx(src: Source | str | os.PathLike[str], max_gap_s: float | None = None) -> Workout:
    """Read a TCX file into a Workout (HR in bpm, t_s in seconds from the first sample)."""
    builder = SampleBuilder()
    warns: list[str] = []
    sports: list[str] = []
    laps: list[float] = []
    meta: dict[str, Any] = {"activities": 0, "laps": 0, "tracks": 0, "trackpoints": 0}
    stack: list[str] = []
    tracks_seen = 0
    point_t: float | None = None
    point_hr: float | None = None
    bad_time = bad_hr = 0
    first_t: float | None = None  # of any trackpoint, with or without HR: the start
    src = source_of(src)
    path = src.path
    try:
        with src.open() as fh:
            for event, elem, name in iter_xml(path, fh, "TrainingCenterDatabase"):
                if event == "start":
                    stack.append(name)
                    if name == "Activity":
                        meta["activities"] += 1
                        sport = elem.get("Sport")
                        if sport:
                            sports.append(sport)
                    elif name == "Lap":
                        tracks_seen = 0  # every lap has its own Track: only a second one is a pause
                    elif name == "Track":
                        tracks_seen += 1
                        meta["tracks"] += 1
                        if tracks_seen > 1:
                            builder.mark_break()
                    elif name == "Trackpoint":
                        point_t = point_hr = None
                    continue
                stack.pop()
                parent = stack[-1] if stack else ""
                if name == "Time" and parent == "Trackpoint":
                    point_t = parse_iso(text_of(elem))
                    if point_t is None:
                        bad_time += 1
                    elif first_t is None:
                        first_t = point_t
                elif name == "Value" and parent == "HeartRateBpm" and len(stack) >= 2 \
                        and stack[-2] == "Trackpoint":
                    point_hr = parse_number(text_of(elem))
                    if point_hr is None or not 0 <= point_hr < 1000:
                        bad_hr += 1
                        point_hr = None
                elif name == "Trackpoint":
                    meta["trackpoints"] += 1
                    if point_t is not None and point_hr is not None and point_hr > 0:
                        builder.add(point_t, point_hr)
                    elem.clear()
                elif name == "TotalTimeSeconds" and parent == "Lap":
                    v = parse_number(text_of(elem))
                    if v is not None and v >= 0:
                        laps.append(v)
                elif name == "Lap":
                    meta["laps"] += 1
                    elem.clear()
                elif name == "Name" and parent == "Creator" and "device" not in meta:
                    meta["device"] = text_of(elem)
                elif name == "Activity":
                    elem.clear()
                    builder.mark_break()  # the next activity starts after a pause
                    tracks_seen = 0
    except XmlSyntaxError as e:
        truncated(e, len(builder), warns)
    if meta["activities"] == 0 and meta["trackpoints"] == 0:
        not_a_workout(path, "a TCX file without activities (a course or a plan, not a recording)")
    meta["timer_time_s"] = float(sum(laps)) if laps else None
    return finish_track(path, "tcx", builder, bad_time=bad_time,
                        bad_hr=bad_hr, time_tag="Time", sports=sports, warns=warns, meta=meta,
                        first_t=first_t, max_gap_s=max_gap_s)
