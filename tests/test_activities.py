"""The week's mix (pure): kinds of workout files, days per kind, the strength build-up across
ISO week 53, the suggestion line; feel notes and the blunted-response check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hrzone.activities import (DayKind, DayProgression, days_left, kind_of, mix, suggestion,
                               weeks_since)
from hrzone.feel import BluntedHint, Feel, NoteError, Rated, blunted_check, merged

MON = date(2026, 11, 16)   # a Monday (2026-W47)


def test_kind_of_a_fit_file_from_its_sport_or_sub_sport() -> None:
    assert kind_of({"sessions": [{"sport": "training", "sub_sport": "generic"}]}) == "strength"
    assert kind_of({"sessions": [{"sport": "fitness_equipment",
                                  "sub_sport": "strength_training"}]}) == "strength"
    assert kind_of({"sports": ["training"]}) == "strength"
    assert kind_of({"sessions": [{"sport": "running", "sub_sport": None}]}) == "cardio"
    assert kind_of({}) == "cardio"


def test_days_count_once_and_cardio_needs_credited_minutes() -> None:
    entries = [DayKind(MON, "strength"), DayKind(MON, "strength"),
               DayKind(MON + timedelta(1), "cardio", 0.0),          # a walk that credited 0
               DayKind(MON + timedelta(2), "cardio", 600.0),
               DayKind(MON + timedelta(7), "strength")]              # next week
    m = mix(MON, entries, {"cardio": 2, "strength": 2, "stretch": 0, "balance": 1})
    assert m["strength"] == {"done": 1, "goal": 2, "met": False, "days": ["2026-11-16"]}
    assert m["cardio"]["done"] == 1 and m["balance"]["done"] == 0
    assert "stretch" not in m                                        # goal 0 hides it


def test_days_left() -> None:
    assert days_left(MON, MON - timedelta(1)) == 7
    assert days_left(MON, MON) == 7
    assert days_left(MON, MON + timedelta(6)) == 1
    assert days_left(MON, MON + timedelta(7)) == 0


def test_suggestion_counts_what_is_left_and_never_asks_more_days_than_remain() -> None:
    entries = [DayKind(MON, "strength"), DayKind(MON, "stretch"),
               DayKind(MON + timedelta(1), "stretch"), DayKind(MON + timedelta(1), "cardio", 1800)]
    kinds = mix(MON, entries, {"cardio": 2, "strength": 2, "stretch": 7, "balance": 2})
    thu = MON + timedelta(3)
    assert suggestion(MON, thu, kinds, 30.0, 150) == (
        "1 cardio session, 1 strength session, stretching on 4 days, 2 balance sessions and "
        "120 moderate minutes to go by Sunday. Fewer days are left than some goals ask: no need "
        "to catch up all at once.")
    kinds = mix(MON, entries, {"strength": 2})
    assert suggestion(MON, thu, kinds, 90.55, 150) == \
        "1 strength session and 59.5 moderate minutes to go by Sunday."
    done = mix(MON, entries, {"strength": 1})
    assert suggestion(MON, thu, done, 150.0, 150) == "Everything done for this week. Well done."
    assert suggestion(MON, MON + timedelta(9), kinds, 90.0, 150) == \
        "This week ended short of: strength and aerobic minutes."


def test_strength_build_up_counts_calendar_weeks_across_iso_week_53() -> None:
    # 1 strength day a week for four weeks, then 2; from Monday 2026-12-07 (2026-W50).
    p = DayProgression(start=1, increase=1, every_weeks=4, target=2, from_date=date(2026, 12, 9))
    starts = [date(2026, 12, 7) + timedelta(weeks=i) for i in range(-1, 6)]
    goals = [p.goal(weeks_since(p.from_date, s, 0), plain=2) for s in starts]
    # W49 (before) plain 2; W50, W51, W52, W53 one day; 2027-W01 and later two
    assert goals == [2, 1, 1, 1, 1, 2, 2]
    down = DayProgression(start=3, increase=1, every_weeks=1, target=1, from_date=MON)
    assert [down.goal(n, 2) for n in range(4)] == [3, 2, 1, 1]
    # Sunday-start weeks: the week holding the start date is week 0
    assert weeks_since(date(2026, 12, 9), date(2026, 12, 6), 6) == 0


# -- feel --------------------------------------------------------------------------------------

def test_feel_validates_each_value_on_its_scale() -> None:
    assert Feel(15, "borg").rating() == "hard" and Feel(7, "cr10").rating() == "hard"
    assert Feel(11, "borg").rating() == "light" and Feel(2.5, "cr10").rating() is None
    for bad, match in (({"rpe": 5}, "6-20"), ({"rpe": 21}, "6-20"), ({"rpe": 12.5}, "whole"),
                       ({"rpe": 11, "scale": "cr10"}, "0-10"),
                       ({"fatigue_before": 11}, "fatigue-before"),
                       ({"fatigue_after": -1}, "fatigue-after"), ({"scale": "x"}, "scale")):
        with pytest.raises(NoteError, match=match):
            Feel(**bad)  # type: ignore[arg-type]


def test_a_note_is_built_up_a_value_at_a_time() -> None:
    a = merged(None, "borg", rpe=14)
    b = merged(a, "cr10", warm=True, text=" hot gym ")
    assert (b.rpe, b.scale, b.warm, b.text) == (14, "borg", True, "hot gym")
    assert b.line() == 'RPE 14 (6-20), felt too warm, "hot gym"'


def rated(i: int, rpe: float, high_frac: float, scale: str = "borg",
          valid_s: float = 1800) -> Rated:
    return Rated(i, Feel(rpe, scale), valid_s, high_frac * valid_s)


def test_blunted_check_both_directions_and_its_limits() -> None:
    hard_low = [rated(i, 16, 0.1) for i in range(3)]
    assert blunted_check(hard_low) == BluntedHint("blunted", (0, 1, 2))
    assert blunted_check(hard_low[:2]) is None                        # not several yet
    light_high = [rated(i, 2, 0.8, "cr10") for i in range(3)]
    assert blunted_check(light_high) == BluntedHint("high", (0, 1, 2))
    assert "lower" in blunted_check(hard_low).text()                  # type: ignore[union-attr]
    assert "higher" in blunted_check(light_high).text()               # type: ignore[union-attr]
    # agreeing sessions, short sessions and a tie give nothing
    assert blunted_check([rated(i, 16, 0.9) for i in range(5)]) is None
    assert blunted_check([rated(i, 16, 0.1, valid_s=300) for i in range(5)]) is None
    assert blunted_check(hard_low + [rated(9 + i, 9, 0.9) for i in range(3)]) is None
    # only the last ten rated sessions count
    old = [rated(i, 16, 0.1) for i in range(3)]
    recent = [rated(10 + i, 13, 0.5) for i in range(10)]
    assert blunted_check(old + recent) is None
