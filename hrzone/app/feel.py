"""How a session felt, as a user notes it (`hrzone log note ID ...`, or the questions after
`hrzone live`), and the hints that follow from it: the heat advice for a session that felt too
warm, and the blunted-response hint (hrzone.feel.blunted_check), said once per direction and
set of thresholds. Nothing here ever changes thresholds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from hrzone import journal, store
from hrzone.feel import BluntedHint, Feel, blunted_check, merged

# docs/thresholds.md "Heat": heat-related worsening in MS is temporary and passes as the body
# cools (Davis et al., J Appl Physiol 109(5), 2010).
WARM_ADVICE = ("Felt too warm: next time cool down and drink during the session (a fan, a cool "
               "room, a cold drink). Heat-related symptoms in MS pass once you cool down.")


@dataclass(frozen=True, slots=True)
class NoteOutcome:
    """A stored note, the advice it gives (heat) and the blunted-response hint, if it is due."""

    id: int
    feel: Feel
    advice: str = ""
    hint: BluntedHint | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "feel": self.feel.to_json(), "advice": self.advice or None,
                "hint": None if self.hint is None else self.hint.to_json()}


def note_session(sid: int, *, rpe: float | None = None, fatigue_before: int | None = None,
                 fatigue_after: int | None = None, warm: bool | None = None,
                 text: str | None = None) -> NoteOutcome:
    """Add to (or change) how session `sid` felt; the RPE is on the profile's rpe_scale.

    Returns the whole note, the heat advice when it felt too warm, and the blunted-response
    hint when it is due (it is then marked as said).
    """
    from hrzone.profile import load_profile

    prof = load_profile()
    prof.require("rpe_scale")
    db = store.open_db()
    try:
        store.get_session(db, sid)
        feel = merged(journal.get_feel(db, sid), prof.rpe_scale, rpe=rpe,
                      fatigue_before=fatigue_before, fatigue_after=fatigue_after, warm=warm,
                      text=text)
        journal.set_feel(db, sid, feel)
        hint = due_hint(db, _current_thresholds(), mark=True)
    finally:
        db.close()
    return NoteOutcome(sid, feel, WARM_ADVICE if feel.warm else "", hint)


def _current_thresholds() -> dict[str, Any] | None:
    from hrzone.errors import ProfileError
    from hrzone.profile import load_profile, profile_thresholds

    try:
        t = profile_thresholds(load_profile())
    except ProfileError:
        return None
    return None if t is None else t.to_json()


def _hint_key(hint: BluntedHint, thresholds: dict[str, Any] | None) -> str:
    # Said once per direction and thresholds: after a calibration the check starts afresh.
    digest = hashlib.sha256(json.dumps(thresholds, sort_keys=True).encode()).hexdigest()[:16]
    return f"blunted:{hint.direction}:{digest}"


def due_hint(db: sqlite3.Connection, thresholds: dict[str, Any] | None,
             mark: bool) -> BluntedHint | None:
    """The blunted-response hint if the rated sessions show one not said yet (`mark`: remember
    it as said now)."""
    hint = blunted_check(journal.rated_sessions(db))
    if hint is None:
        return None
    key = _hint_key(hint, thresholds)
    if journal.hint_said(db, key):
        return None
    if mark:
        journal.mark_hint(db, key)
    return hint


def feels(db: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The notes of these sessions as JSON, by id."""
    return {sid: f.to_json() for sid, f in journal.feels(db, ids).items()}


def week_feel(db: sqlite3.Connection, sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The feel fields of `week --json`: each session gets its "feel" (or None), "warm" lists the
    sessions that felt too warm with the advice, "hint" is the blunted-response hint if due
    (marked as said: hrzone says it once)."""
    notes = feels(db, [int(s["id"]) for s in sessions])
    for s in sessions:
        s["feel"] = notes.get(int(s["id"]))
    warm = [int(s["id"]) for s in sessions if s["feel"] and s["feel"]["warm"]]
    hint = due_hint(db, _current_thresholds(), mark=True)
    return {"warm": {"sessions": warm, "advice": WARM_ADVICE} if warm else None,
            "hint": None if hint is None else hint.to_json()}
