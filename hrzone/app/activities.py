"""Sessions without heart rate (`hrzone log strength|stretch|balance`) and the week's mix as
every front end shows it: aerobic minutes toward their goal beside strength, cardio,
stretching and balance days toward theirs, the build-ups, and one suggestion for the rest of
the week (hrzone.activities decides; this module reads the profile and the history).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hrzone import activities, journal, store
from hrzone.credit import shown_min
from hrzone.errors import HrzoneError
from hrzone.feel import Feel
from hrzone.profile import Profile

MAX_MINUTES = 600


class ActivityError(HrzoneError):
    """A logged activity has a bad kind, length or date."""


@dataclass(frozen=True, slots=True)
class Logged:
    """A logged activity: its session id, kind, local start and minutes (None: not given)."""

    id: int
    kind: str
    start: datetime
    minutes: float | None

    def line(self) -> str:
        """'session 12: strength on Tue 2026-11-17 (30 min)'."""
        m = "" if self.minutes is None else f" ({self.minutes:g} min)"
        return f"session {self.id}: {self.kind} on {self.start:%a %Y-%m-%d}{m}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "start": self.start.isoformat(),
                "minutes": self.minutes}


def log_activity(kind: str, minutes: float | None = None, on: date | None = None,
                 note: str | None = None, now: datetime | None = None) -> Logged:
    """Add a session of `kind` (strength, stretch, balance) without heart rate on local day `on`
    (default today; at the current time today, else at noon); `note` is its free note."""
    from hrzone.profile import load_profile

    if kind not in activities.LOGGED_KINDS:
        raise ActivityError(f"kind {kind!r} cannot be logged (use one of "
                            f"{', '.join(activities.LOGGED_KINDS)})")
    if minutes is not None and not 0 < minutes <= MAX_MINUTES:
        raise ActivityError(f"--minutes {minutes:g} is not allowed (use 1-{MAX_MINUTES})")
    prof = load_profile()
    tz = prof.tz()
    now = (now or datetime.now(tz)).astimezone(tz)
    day = on or now.date()
    if day > now.date():
        raise ActivityError(f"--date {day.isoformat()} is in the future")
    if day.year < 2000:
        raise ActivityError(f"--date {day.isoformat()} is before 2000")
    start = now.replace(microsecond=0) if day == now.date() else datetime.combine(day, time(12), tzinfo=tz)
    db = store.open_db()
    try:
        sid = journal.add_activity(db, kind, start, 60.0 * (minutes or 0), tz)
        if note:
            journal.set_feel(db, sid, Feel(scale=prof.rpe_scale, text=note.strip()))
    finally:
        db.close()
    return Logged(sid, kind, start, minutes)


def goals(prof: Profile, start: date) -> dict[str, int]:
    """Days a week per kind for the week starting on `start` (strength with its build-up)."""
    return {k: prof.goal_days(k, start) for k in activities.KINDS}


def week_mix(db: sqlite3.Connection, prof: Profile, start: date, today: date,
             credited_min: float, goal_min: int) -> dict[str, Any]:
    """The mix fields of `week --json`: aerobic, kinds, suggestion, build_up."""
    entries = journal.kinds_on_days(db, start, start + timedelta(days=6))
    kinds = activities.mix(start, entries, goals(prof, start))
    return {"aerobic": {"credited": shown_min(credited_min), "goal": goal_min,
                        "remaining": shown_min(max(0.0, goal_min - credited_min)),
                        "met": credited_min >= goal_min - 1e-9},
            "kinds": kinds,
            "suggestion": activities.suggestion(start, today, kinds, credited_min, goal_min),
            "build_up": prof.build_up(start)}


def weeks_mix(db: sqlite3.Connection, prof: Profile, starts: list[date]) -> list[dict[str, Any]]:
    """Per week (as `starts`): the kinds with their days done and goals (the `weeks` columns)."""
    if not starts:
        return []
    entries = journal.kinds_on_days(db, starts[0], starts[-1] + timedelta(days=6))
    return [activities.mix(s, entries, goals(prof, s)) for s in starts]
