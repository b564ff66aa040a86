"""The week and weeks views: credited minutes against the weekly goal (the `week --json` and
`weeks --json` shapes), each day and week summed from unrounded seconds and rounded once, with
the week's mix of strength, cardio, stretching and balance days (hrzone.app.activities) and how
its sessions felt (hrzone.app.feel)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hrzone import store
from hrzone.app.activities import week_mix, weeks_mix
from hrzone.app.feel import week_feel
from hrzone.errors import HrzoneError, ProfileError
from hrzone.week import parse_week, week_credited_min, week_start_of


def parse_date(text: str, what: str = "--date") -> date:
    """A YYYY-MM-DD date; HrzoneError naming `what` otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HrzoneError(f"{what} {text!r} is not a date (use YYYY-MM-DD)") from None


def _history(person: str | None) -> tuple[Any, Any, Any]:
    """(profile, open history, current thresholds) of the user, or of a class participant
    (their own history, thresholds and goal; hrzone.app.roster)."""
    from hrzone.profile import load_profile, profile_thresholds

    if person is not None:
        from hrzone.app.roster import find_person, person_db, person_profile
        p = find_person(person)
        return person_profile(p), person_db(p), p.thresholds
    prof = load_profile()
    try:
        current = profile_thresholds(prof)
    except ProfileError:
        current = None  # a broken profile must not hide the week
    return prof, store.open_db(), current


def week_view(week: str | None = None, on: date | None = None,
              today: date | None = None, person: str | None = None) -> dict[str, Any]:
    """The user's week labelled `week` ('2026-W47'), or holding `on`, or the current one;
    with `person`, that class participant's week in their own history.

    "other_thresholds" counts the week's sessions credited with other thresholds than the
    profile's current ones (see history.recompute).
    """
    if week and on:
        raise HrzoneError("give a week or a date, not both")
    prof, db, current = _history(person)
    today = today or datetime.now(prof.tz()).date()
    try:
        start = parse_week(week, prof.week_start_day) if week else \
            week_start_of(on or today, prof.week_start_day)
        rep = store.week_view(db, prof, start, today, current)
        credited = week_credited_min(store.day_totals(db, start, start + timedelta(days=6)), start)
        rep.update(week_mix(db, prof, start, today, credited, int(rep["goal"])))
        rep.update(week_feel(db, rep["sessions"]))
        return rep
    finally:
        db.close()


def weeks_view(last: int = 12, until: date | None = None,
               person: str | None = None) -> list[dict[str, Any]]:
    """One row per week, oldest first, for the `last` weeks up to the one holding `until`
    (with `person`: that class participant's weeks)."""
    prof, db, _ = _history(person)
    try:
        rows = store.weeks_view(db, prof, last, until)
        starts = [date.fromisoformat(r["start"]) for r in rows]
        for r, kinds, s in zip(rows, weeks_mix(db, prof, starts), starts, strict=True):
            r["kinds"] = kinds
            r["build_up"] = prof.build_up(s)
        return rows
    finally:
        db.close()
