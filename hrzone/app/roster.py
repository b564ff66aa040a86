"""The class roster for every front end: add, import, list, show, remove, and each person's own
history (the week view and exports of `--person NAME`).

    person = add_person("Anna", "F0:C1:A5:50:00:00", {"age": 52, "rest": 74}, target="moderate")
    db = person_db("Anna")        # Anna's own session history (close it when done)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from hrzone import roster, store
from hrzone.roster import Person


def _with_roster(fn: Any) -> Any:
    db = store.open_db()
    try:
        return fn(db)
    finally:
        db.close()


def add_person(name: str, strap: str, opts: Mapping[str, Any], *, target: str = "moderate",
               cues: Mapping[str, Any] | None = None) -> Person:
    """Check and add one participant; RosterError (one line) when something is wrong."""
    p = roster.person_from_options(name, strap, opts, target=target, cues=cues)
    return _with_roster(lambda db: roster.add(db, [p])[0])


def import_people(path: str | Path) -> list[Person]:
    """Add everyone in a CSV file (roster.CSV_COLUMNS), all or none."""
    rows = roster.read_csv(path)
    return _with_roster(lambda db: roster.add(db, [p for _, p in rows], [w for w, _ in rows]))


def list_people() -> list[Person]:
    """Everyone on the roster, in the order they were added."""
    return _with_roster(roster.people)


def show_person(name: str) -> dict[str, Any]:
    """A participant and the sessions in their own history (`roster show --json`)."""
    p = _with_roster(lambda db: roster.find(db, name))
    db = person_db(p)
    try:
        sessions = [s.to_json() for s in store.list_sessions(db)]
    finally:
        db.close()
    return {**p.to_json(), "sessions": sessions}


def remove_person(name: str) -> Person:
    """Take a participant off the roster and delete their history and recordings."""
    return _with_roster(lambda db: roster.remove(db, name))


def find_person(name: str) -> Person:
    """The participant called `name`; RosterError when not on the roster."""
    return _with_roster(lambda db: roster.find(db, name))


def person_db(person: Person | str) -> sqlite3.Connection:
    """The participant's own session history, opened (and created) like the user's."""
    p = find_person(person) if isinstance(person, str) else person
    assert p.id is not None
    return store.open_db(roster.person_history(p.id))


def person_profile(person: Person) -> Any:
    """The user's profile (time zone, week start) with the participant's own thresholds and
    weekly goal instead of the user's: what `week --person` counts against."""
    from hrzone.profile import load_profile

    prof = load_profile()
    t = person.thresholds
    goal = person.cue_prefs().weekly_goal_min
    return replace(prof, method="bpm", moderate_bpm=t.moderate_bpm, high_bpm=t.high_bpm,
                   ceiling_bpm=t.ceiling_bpm, age=None, rest_hr=None, max_hr=None,
                   weekly_goal=goal, progression=None, strength_progression=None,
                   cues=dict(person.cues))
