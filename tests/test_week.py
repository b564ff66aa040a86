"""Week and day arithmetic in the user's calendar: labels, ISO week 53, DST, midnight, streaks."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.errors import HrzoneError
from hrzone.week import (
    DayTotal,
    credit_days,
    day_spans,
    parse_week,
    streak,
    week_label,
    week_report,
    week_start_of,
    weekly_totals,
)
from hrzone.zones import HIGH, INVALID, LOW, MODERATE

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MON, SUN = 0, 6


def test_monday_weeks_are_iso_weeks() -> None:
    assert week_start_of(date(2026, 11, 20), MON) == date(2026, 11, 16)
    assert week_label(date(2026, 11, 16)) == "2026-W47"
    assert parse_week("2026-W47", MON) == date(2026, 11, 16)


def test_sunday_and_monday_start_differ_on_a_sunday() -> None:
    sunday = date(2026, 11, 22)
    assert week_start_of(sunday, MON) == date(2026, 11, 16)
    assert week_start_of(sunday, SUN) == sunday
    # The Sunday-start week Nov 22-28 shares six days with ISO week 48, so it is labelled W48.
    assert week_label(week_start_of(sunday, SUN)) == "2026-W48"
    assert parse_week("2026-W48", SUN) == sunday


def test_iso_week_53() -> None:
    # 2026 starts on a Thursday, so it has 53 ISO weeks; 2025 has 52.
    assert parse_week("2026-W53", MON) == date(2026, 12, 28)
    assert week_label(date(2026, 12, 28)) == "2026-W53"
    assert week_label(week_start_of(date(2027, 1, 3), MON)) == "2026-W53"
    assert week_label(week_start_of(date(2027, 1, 4), MON)) == "2027-W01"
    assert parse_week("2026-W53", SUN) == date(2026, 12, 27)
    with pytest.raises(HrzoneError, match="2025 has 52 ISO weeks"):
        parse_week("2025-W53", MON)


@pytest.mark.parametrize("bad", ["2026-47", "W47", "2026-W", "last week", "2026-W54", "2026-W00"])
def test_bad_week_labels(bad: str) -> None:
    with pytest.raises(HrzoneError, match="--week"):
        parse_week(bad, MON)


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(min_value=0, max_value=6))
def test_labels_round_trip_for_every_start_day(d: date, start_day: int) -> None:
    start = week_start_of(d, start_day)
    assert start.weekday() == start_day and 0 <= (d - start).days < 7
    assert parse_week(week_label(start), start_day) == start
    # The label's ISO week shares at least four days with the user's week.
    iso = [x.isocalendar()[:2] for x in (start + timedelta(i) for i in range(7))]
    y, w = map(int, week_label(start).replace("-W", " ").split())
    assert iso.count((y, w)) >= 4


def test_session_across_midnight_credits_each_day() -> None:
    start = datetime(2026, 11, 20, 23, 30, tzinfo=BERLIN)
    z = np.array([MODERATE] * 1800 + [HIGH] * 1800, np.int8)
    days = credit_days(start, z, BERLIN)
    assert [(d.day, d.moderate_s, d.high_s) for d in days] == [
        (date(2026, 11, 20), 1800, 0), (date(2026, 11, 21), 0, 1800)]
    # The same instant seen from New York is one day (17:30-18:30 local).
    assert [d.day for d in credit_days(start, z, NEW_YORK)] == [date(2026, 11, 20)]


def test_dst_days_are_23_and_25_hours_long() -> None:
    # Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    spans = day_spans(spring, 3 * 86400, BERLIN)
    assert [(d, i1 - i0) for d, i0, i1 in spans][:2] == [
        (date(2026, 3, 29), 23 * 3600), (date(2026, 3, 30), 24 * 3600)]
    autumn = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)
    spans = day_spans(autumn, 2 * 86400, BERLIN)
    assert spans[0] == (date(2026, 10, 25), 0, 25 * 3600)


def test_session_over_the_dst_change_night() -> None:
    # 23:00 on Saturday to 03:30 Sunday wall clock, crossing the spring-forward gap: 3.5 h real.
    start = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)
    z = np.full(int(3.5 * 3600), MODERATE, np.int8)
    days = credit_days(start, z, BERLIN)
    assert [(d.day, d.moderate_s) for d in days] == [
        (date(2026, 3, 28), 3600), (date(2026, 3, 29), int(2.5 * 3600))]
    end = start.astimezone(UTC) + timedelta(seconds=z.size)
    assert end.astimezone(BERLIN).hour == 3 and end.astimezone(BERLIN).minute == 30


@settings(max_examples=80, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)),
       st.integers(min_value=0, max_value=4 * 86400),
       st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC",
                        "Asia/Kathmandu"]))
def test_day_spans_partition_the_seconds(start: datetime, n: int, tzname: str) -> None:
    tz = ZoneInfo(tzname)
    spans = day_spans(start, n, tz)
    assert sum(i1 - i0 for _, i0, i1 in spans) == n
    assert all(a[2] == b[1] and a[0] < b[0] for a, b in itertools.pairwise(spans))
    for day, i0, i1 in spans:  # first and last second of each span are on that local day
        assert (start + timedelta(seconds=i0)).astimezone(tz).date() == day
        assert (start + timedelta(seconds=i1 - 1)).astimezone(tz).date() == day


def test_credit_days_counts_zones() -> None:
    z = np.array([INVALID, LOW, MODERATE, MODERATE, HIGH], np.int8)
    (d,) = credit_days(datetime(2026, 1, 5, 12, tzinfo=BERLIN), z, BERLIN)
    assert (d.moderate_s, d.high_s, d.valid_s) == (2, 1, 4)
    assert d.credited_min == pytest.approx(4 / 60)


def test_streak_counts_weeks_meeting_their_goal() -> None:
    w0 = date(2026, 11, 2)
    weeks = {w0 - timedelta(7): 100.0, w0: 150.0, w0 + timedelta(7): 200.0, w0 + timedelta(14): 30}
    goal = lambda w: 150
    assert streak(weeks, goal, w0 + timedelta(7)) == 2
    # The current week is not finished: its shortfall does not break the streak yet...
    assert streak(weeks, goal, w0 + timedelta(14), current=w0 + timedelta(14)) == 2
    # ...but a finished week that missed the goal does.
    assert streak(weeks, goal, w0 + timedelta(14)) == 0
    assert streak({}, goal, w0, current=w0) == 0
    # Goals that progress week by week are honoured.
    assert streak(weeks, lambda w: 100 if w < w0 else 150, w0 + timedelta(7)) == 3


def test_weekly_totals_follow_the_week_start() -> None:
    days = [DayTotal(date(2026, 11, 21), 600, 0, 1), DayTotal(date(2026, 11, 22), 600, 300, 1)]
    assert weekly_totals(days, MON) == {date(2026, 11, 16): 30.0}
    assert weekly_totals(days, SUN) == {date(2026, 11, 15): 10.0, date(2026, 11, 22): 20.0}


def test_week_report_shape() -> None:
    start = date(2026, 11, 16)
    days = {date(2026, 11, 18): DayTotal(date(2026, 11, 18), 1800, 900, 2)}
    rep = week_report(start, days, [], 150, 3, "Europe/Berlin")
    for key in ("week", "start", "end", "goal", "credited", "moderate", "vigorous", "days",
                "sessions", "streak"):
        assert key in rep
    assert rep["credited"] == 60.0 and rep["moderate"] == 30.0 and rep["vigorous"] == 15.0
    assert rep["end"] == "2026-11-22" and len(rep["days"]) == 7 and rep["met"] is False


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\d{4}-?[Ww]\d{1,2}\Z")),
       st.integers(min_value=0, max_value=6))
def test_parse_week_gives_a_week_or_a_clear_error(label: str, start_day: int) -> None:
    try:
        start = parse_week(label, start_day)
    except HrzoneError as e:
        assert "--week" in str(e)
    else:
        assert start.weekday() == start_day
        year, week = re.match(r"\s*(\d{4})-?[Ww](\d{1,2})\s*\Z", label).groups()
        assert week_label(start) == f"{int(year):04d}-W{int(week):02d}"
