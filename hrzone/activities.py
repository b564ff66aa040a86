"""The week's mix: strength, cardio, stretching and balance days beside the aerobic minutes, the
goal of each (with a build-up for strength days), and one plain suggestion for the rest of the
week. Pure: no I/O, no clock (today is passed in).

Kinds (docs/thresholds.md for the sources of each default goal):

- **cardio**: a heart-rate session that credited minutes on that day (the default kind of a
  recording or workout file); a cardio day is a day with one.
- **strength**: `hrzone log strength`, or a FIT file whose sport is training/strength
  (its heart-rate minutes are still credited toward the aerobic goal).
- **stretch**, **balance**: `hrzone log stretch|balance`.

Goals count days, as the guidance does ("strength training 2-3 times a week"): two strength
sessions on one day make one strength day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hrzone.credit import shown_min

KINDS = ("cardio", "strength", "stretch", "balance")
LOGGED_KINDS = ("strength", "stretch", "balance")      # `hrzone log KIND`
DEFAULT_DAYS = {"strength": 2, "cardio": 2, "stretch": 7, "balance": 2}
GOAL_KEYS = {k: f"{k}_days" for k in KINDS}            # profile keys
_WORDS = {"strength": ("strength session", "strength sessions"),
          "cardio": ("cardio session", "cardio sessions"),
          "stretch": ("day of stretching", "days of stretching"),
          "balance": ("balance session", "balance sessions")}
# FIT sport / sub_sport values (FIT profile: sport 10 "training", sub_sport 20
# "strength_training") that make a file a strength session.
STRENGTH_SPORTS = frozenset({"training", "strength_training"})


def kind_of(meta: Mapping[str, Any]) -> str:
    """'strength' for a workout whose FIT sport or sub-sport is training/strength, else 'cardio'."""
    for s in meta.get("sessions") or ():
        if isinstance(s, Mapping) and ({str(s.get("sport")), str(s.get("sub_sport"))}
                                       & STRENGTH_SPORTS):
            return "strength"
    sports = {str(x) for x in meta.get("sports") or ()}
    return "strength" if sports & STRENGTH_SPORTS else "cardio"


def weeks_since(from_date: date, week_start: date, week_start_day: int) -> int:
    """Whole weeks from the user's week holding `from_date` to the week starting `week_start`
    (negative before it). Calendar days, so DST and ISO week 53 change nothing."""
    first = from_date - timedelta(days=(from_date.weekday() - week_start_day) % 7)
    return (week_start - first).days // 7


@dataclass(frozen=True, slots=True)
class DayProgression:
    """A build-up of days a week: `start` days in the week of `from_date`, + `increase` every
    `every_weeks` weeks, up to (or down to) `target`. E.g. 1 strength day a week for the first
    four weeks, then 2: start 1, increase 1, every_weeks 4, target 2."""

    start: int
    increase: int
    every_weeks: int
    target: int
    from_date: date

    def goal(self, n: int, plain: int) -> int:
        """Days for week `n` of the build-up (weeks_since); `plain` before it starts."""
        if n < 0:
            return plain
        step = self.increase * (n // self.every_weeks)
        if self.target >= self.start:
            return min(self.target, self.start + step)
        return max(self.target, self.start - step)

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "increase": self.increase, "every_weeks": self.every_weeks,
                "target": self.target, "from": self.from_date.isoformat()}


@dataclass(frozen=True, slots=True)
class DayKind:
    """A session's kind on a local day and the seconds it credited there (unrounded)."""

    day: date
    kind: str
    credited_s: float = 0.0


def done_days(entries: Iterable[DayKind], kind: str) -> list[date]:
    """The days (sorted) that count for `kind`: any session of it; for cardio, one that
    credited minutes that day."""
    return sorted({e.day for e in entries
                   if e.kind == kind and (kind != "cardio" or e.credited_s > 0)})


def days_left(start: date, today: date) -> int:
    """Days of the week starting `start` from `today` on (today included): 7 before it, 0 after."""
    return max(0, min(7, 7 - (today - start).days))


def mix(start: date, entries: Iterable[DayKind], goals: Mapping[str, int]) -> dict[str, Any]:
    """Per kind with a goal above 0 (0 hides it): days done (count and dates) and the goal."""
    entries = list(entries)
    out: dict[str, Any] = {}
    for kind in KINDS:
        goal = int(goals.get(kind, 0))
        if goal <= 0:
            continue
        days = [d for d in done_days(entries, kind) if start <= d <= start + timedelta(days=6)]
        out[kind] = {"done": len(days), "goal": goal, "met": len(days) >= goal,
                     "days": [d.isoformat() for d in days]}
    return out


def _count(kind: str, n: int) -> str:
    one, many = _WORDS[kind]
    if kind == "stretch":
        return f"stretching on {n} day{'s' if n != 1 else ''}"
    return f"{n} {one if n == 1 else many}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def suggestion(start: date, today: date, kinds: Mapping[str, Any], credited_min: float,
               goal_min: int) -> str:
    """One plain line for the rest of the week: what is left and by when.

    A kind counts days, so no more is asked than days are left (today counts unless that kind
    is already done today); the aerobic minutes are shown rounded once (credit.shown_min).
    """
    end = start + timedelta(days=6)
    left_days = days_left(start, today)
    parts = []
    short = False
    for kind, k in kinds.items():
        want = max(0, k["goal"] - k["done"])
        possible = left_days - (1 if today.isoformat() in k["days"] else 0)
        n = min(want, max(0, possible))
        short = short or n < want
        if n:
            parts.append(_count(kind, n))
    minutes = max(0.0, goal_min - credited_min) if goal_min > 0 else 0.0
    if left_days and shown_min(minutes) > 0:
        parts.append(f"{shown_min(minutes):g} moderate minutes")
    if left_days == 0:
        missed = [kind for kind, k in kinds.items() if not k["met"]]
        if goal_min > 0 and credited_min < goal_min - 1e-9:
            missed.append("aerobic minutes")
        return ("Every goal of this week was met." if not missed
                else f"This week ended short of: {_join(missed)}.")
    if not parts:
        return "Everything done for this week. Well done."
    text = f"{_join(parts)} to go by {end:%A}."
    if short:
        text += " Fewer days are left than some goals ask: no need to catch up all at once."
    return text
