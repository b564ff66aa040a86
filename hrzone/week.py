"""Weeks and days in the user's own calendar: pure functions, no I/O.

A session credits each local calendar day with the seconds that fell on it (a ride from 23:30 to
00:30 credits 30 minutes to each day), in the user's time zone, so a DST change simply makes that
day 23 or 25 hours long. A week is 7 local days starting on the user's week start day.

Week labels are ISO-style ``2026-W47``. For Monday-start weeks they are exactly ISO 8601 weeks
(so ``2026-W53`` exists: 2026 starts on a Thursday). For other start days a week takes the label
of the ISO week holding its fourth day, i.e. the ISO week it shares at least four days with (the
same rule ISO uses for years), so every label maps to exactly one user week and back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import numpy as np

from hrzone.credit import credited_min, shown_min
from hrzone.errors import HrzoneError
from hrzone.zones import HIGH, MODERATE

_WEEK_RE = re.compile(r"^([0-9]{4})-?W([0-9]{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DayCredit:
    """Seconds one session credits to one local day: moderate, high (vigorous), valid (any zone)."""

    day: date
    moderate_s: float
    high_s: float
    valid_s: float

    @property
    def credited_min(self) -> float:
        """Moderate-equivalent minutes, unrounded (hrzone.credit)."""
        return credited_min(self.moderate_s, self.high_s)


def week_start_of(d: date, week_start: int = 0) -> date:
    """First day of the user's week holding `d` (week_start: Monday 0 ... Sunday 6)."""
    return d - timedelta(days=(d.weekday() - week_start) % 7)


def week_label(start: date) -> str:
    """Label of the week starting on `start`: the ISO week of its fourth day, e.g. '2026-W47'."""
    y, w, _ = (start + timedelta(days=3)).isocalendar()
    return f"{y:04d}-W{w:02d}"


def parse_week(label: str, week_start: int = 0) -> date:
    """First day of the user's week labelled `label` ('2026-W47'); HrzoneError if impossible."""
    m = _WEEK_RE.match(label.strip())
    if not m:
        raise HrzoneError(f"--week {label!r} is not a week (use YYYY-Www, e.g. 2026-W47)")
    year, week = int(m.group(1)), int(m.group(2))
    if not 1 <= year <= 9998:
        raise HrzoneError(f"--week {label!r}: year {year} is out of range")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar()[1]
        raise HrzoneError(f"--week {label}: {year} has {weeks} ISO weeks") from None
    # The user's week whose fourth day falls in this ISO week.
    for i in range(7):
        d = monday + timedelta(days=i)
        if (d.weekday() - week_start) % 7 == 3:
            return d - timedelta(days=3)
    raise AssertionError("unreachable")  # pragma: no cover


def local_midnight(d: date, tz: tzinfo) -> datetime:
    """The UTC instant at which local day `d` begins in `tz` (zoneinfo resolves DST)."""
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def day_spans(start: datetime, n_s: int, tz: tzinfo) -> list[tuple[date, int, int]]:
    """Split seconds [0, n_s) from aware `start` into local days: [(day, i0, i1), ...].

    Second i covers [start + i, start + i + 1) and belongs to the local day it starts in.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if n_s <= 0:
        return []
    day = start.astimezone(tz).date()
    spans: list[tuple[date, int, int]] = []
    i0 = 0
    while i0 < n_s:
        nxt = local_midnight(day + timedelta(days=1), tz)
        i1 = min(n_s, max(i0, int(np.ceil((nxt - start).total_seconds()))))
        if i1 > i0:
            spans.append((day, i0, i1))
        i0 = i1
        day += timedelta(days=1)
    return spans


def credit_days(start: datetime, zone_per_s: np.ndarray, tz: tzinfo,
                moderate_s: float | None = None, high_s: float | None = None,
                valid_s: float | None = None) -> list[DayCredit]:
    """Split a session's credited seconds over the local days it touched.

    zone_per_s is a per-second zone track (zones.classify of the stored per-second HR) that says
    *where* the seconds fell. The totals (moderate_s, high_s, valid_s: the session summary's own
    seconds; default: the track's counts) are distributed over the days in proportion to the
    track's seconds of that zone on each day, so the days add up to exactly the summary's
    seconds (the last day takes the remainder). A zone the track never shows is distributed by
    valid seconds, and a session without any credited second puts everything on its first day.
    """
    spans = day_spans(start, int(zone_per_s.shape[0]), tz)
    if not spans:
        spans = [(start.astimezone(tz).date(), 0, 0)]
    count = {k: np.array([np.count_nonzero(sel(zone_per_s[i0:i1])) for _, i0, i1 in spans], float)
             for k, sel in (("mod", lambda z: z == MODERATE), ("high", lambda z: z == HIGH),
                            ("valid", lambda z: z >= 0))}
    totals = {"mod": moderate_s, "high": high_s, "valid": valid_s}
    split: dict[str, list[float]] = {}
    for k, total in totals.items():
        c = count[k]
        if total is None:
            split[k] = c.tolist()
            continue
        w = c if c.sum() > 0 else count["valid"]
        if w.sum() <= 0:
            w = np.eye(1, len(spans)).ravel()
        parts = [float(total) * float(x) / float(w.sum()) for x in w[:-1]]
        split[k] = [*parts, float(total) - sum(parts)]
    return [DayCredit(day, split["mod"][i], split["high"][i], split["valid"][i])
            for i, (day, _, _) in enumerate(spans)]


@dataclass(frozen=True, slots=True)
class DayTotal:
    """A day's totals over all credited sessions, in seconds."""

    day: date
    moderate_s: float = 0.0
    high_s: float = 0.0
    sessions: int = 0

    @property
    def credited_min(self) -> float:
        """Moderate-equivalent minutes, unrounded (hrzone.credit)."""
        return credited_min(self.moderate_s, self.high_s)


def week_credited_min(days: Mapping[date, DayTotal], start: date) -> float:
    """Credited minutes of the week starting on `start` (unrounded: round only to show)."""
    mine = [days[d] for d in week_days(start) if d in days]
    return credited_min(sum(t.moderate_s for t in mine), sum(t.high_s for t in mine))


def weekly_totals(days: Iterable[DayTotal], week_start: int) -> dict[date, float]:
    """Credited minutes per week (keyed by week start) from day totals."""
    seconds: dict[date, tuple[float, float]] = {}
    for t in days:
        w = week_start_of(t.day, week_start)
        m, h = seconds.get(w, (0.0, 0.0))
        seconds[w] = (m + t.moderate_s, h + t.high_s)
    return {w: credited_min(m, h) for w, (m, h) in seconds.items()}


def streak(weeks: Mapping[date, float], goal_for: Callable[[date], int], upto: date,
           current: date | None = None) -> int:
    """Consecutive weeks meeting their goal, ending with the week starting on `upto`.

    If `upto` is the current (unfinished) week and its goal is not met yet, the streak runs up to
    the week before, so an ongoing streak is not shown as broken on a Monday morning.
    """
    w = upto
    if current is not None and upto == current and weeks.get(w, 0.0) < goal_for(w):
        w -= timedelta(days=7)
    n = 0
    earliest = min(weeks) if weeks else w
    while w >= earliest and weeks.get(w, 0.0) >= goal_for(w) - 1e-9:
        n += 1
        w -= timedelta(days=7)
    return n


def week_days(start: date) -> list[date]:
    """The seven local days of the week starting on `start`."""
    return [start + timedelta(days=i) for i in range(7)]


def week_report(start: date, days: Mapping[date, DayTotal], sessions: list[dict[str, object]],
                goal: int, streak_weeks: int, tz_name: str) -> dict[str, object]:
    """The documented `hrzone week --json` shape for the week starting on `start` (minutes)."""
    per_day = []
    mod = high = 0.0
    for d in week_days(start):
        t = days.get(d, DayTotal(d))
        mod += t.moderate_s
        high += t.high_s
        per_day.append({"date": d.isoformat(), "weekday": d.strftime("%a"),
                        "moderate": shown_min(t.moderate_s / 60),
                        "vigorous": shown_min(t.high_s / 60),
                        "credited": shown_min(t.credited_min), "sessions": t.sessions})
    credited = credited_min(mod, high)
    return {"week": week_label(start), "start": start.isoformat(),
            "end": (start + timedelta(days=6)).isoformat(), "timezone": tz_name,
            "goal": goal, "credited": shown_min(credited), "moderate": shown_min(mod / 60),
            "vigorous": shown_min(high / 60), "remaining": shown_min(max(0.0, goal - credited)),
            "met": credited >= goal - 1e-9, "days": per_day, "sessions": sessions,
            "streak": streak_weeks}


def weeks_table(starts: list[date], weeks: Mapping[date, float], days: Mapping[date, DayTotal],
                goal_for: Callable[[date], int]) -> list[dict[str, object]]:
    """One row per week (oldest first) for `hrzone weeks`: week, start, goal, minutes, met."""
    rows = []
    for s in starts:
        mod = sum(days[d].moderate_s for d in week_days(s) if d in days)
        high = sum(days[d].high_s for d in week_days(s) if d in days)
        credited = weeks.get(s, 0.0)
        rows.append({"week": week_label(s), "start": s.isoformat(), "goal": goal_for(s),
                     "credited": shown_min(credited), "moderate": shown_min(mod / 60),
                     "vigorous": shown_min(high / 60), "met": credited >= goal_for(s) - 1e-9})
    return rows
