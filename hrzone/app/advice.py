"""The next step toward the weekly goal in plain words, from a week (`week --json`) object."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


def next_step(week: dict[str, Any], today: date | None = None) -> str:
    """One or two sentences: what is left this week and a way to get there (the minutes are the
    week's own, already rounded; vigorous minutes count double)."""
    if today is None:
        from hrzone.profile import load_profile

        today = datetime.now(load_profile().tz()).date()
    start, end = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
    goal, credited, remaining = week["goal"], week["credited"], week["remaining"]
    if week["met"]:
        return (f"Goal met: {credited:g} of {goal} minutes. Anything more is a bonus; "
                "rest days help too.")
    if today > end:
        return f"This week ended with {credited:g} of {goal} minutes."
    days = (end - max(today, start)).days + 1
    if today < start:
        return f"This week has not started yet: the goal is {goal} minutes."
    per_day = math.ceil(remaining / days)
    if days == 1:
        return (f"{remaining:g} minutes to go today: {per_day} minutes of moderate activity, "
                f"or about {math.ceil(per_day / 2)} at vigorous effort.")
    return (f"{remaining:g} minutes to go in {days} days: about {per_day} minutes of moderate "
            f"activity a day, or {math.ceil(per_day / 2)} at vigorous effort (it counts double).")
