"""`hrzone week` and `hrzone weeks`: JSON shape, week selection, Sunday starts, week 53, plots."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from history_helpers import fake

from hrzone import store
from hrzone.profile import load_profile, set_value

BERLIN = ZoneInfo("Europe/Berlin")
KEYS = ("week", "start", "end", "goal", "credited", "moderate", "vigorous", "days", "sessions",
        "streak")


def run(*args: str) -> tuple[int, str, str]:
    from hrzone.cli import cli

    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def history() -> None:
    """Three weeks around new year 2026/27 (ISO week 53) with 60 + 2x45 = 150 min a week."""
    set_value("timezone", "Europe/Berlin")
    db = store.open_db()
    tz = load_profile().tz()
    for i, day in enumerate((datetime(2026, 12, 22, 18), datetime(2026, 12, 29, 18),
                             datetime(2027, 1, 3, 18), datetime(2027, 1, 5, 18))):
        segs = ((60, 120), (45, 150)) if i != 2 else ((30, 120),)
        store.add_summary(db, fake(day.replace(tzinfo=BERLIN), *segs), f"s{i}", f"h{i}", tz)
    db.close()


def test_week_json_keys_and_week_53(history: None) -> None:
    code, out, _ = run("week", "--week", "2026-W53", "--json")
    assert code == 0
    rep = json.loads(out)
    for k in KEYS:
        assert k in rep
    assert (rep["week"], rep["start"], rep["end"]) == ("2026-W53", "2026-12-28", "2027-01-03")
    assert rep["credited"] == 180.0 and rep["goal"] == 150
    assert rep["moderate"] == 90.0 and rep["vigorous"] == 45.0
    assert len(rep["sessions"]) == 2 and rep["streak"] == 2
    assert [d["credited"] for d in rep["days"]] == [0, 150.0, 0, 0, 0, 0, 30.0]


def test_date_selects_the_same_week(history: None) -> None:
    a = json.loads(run("week", "--date", "2027-01-01", "--json")[1])
    assert a["week"] == "2026-W53"


def test_sunday_start_week(history: None) -> None:
    set_value("week_start", "sunday")
    rep = json.loads(run("week", "--date", "2027-01-03", "--json")[1])
    # Sunday 3 Jan to Saturday 9 Jan 2027 holds the 30 min session and the 150 min one.
    assert (rep["start"], rep["end"], rep["credited"]) == ("2027-01-03", "2027-01-09", 180.0)
    assert rep["week"] == "2027-W01"


def test_text_output_and_plot(history: None, tmp_path: Path) -> None:
    code, out, _ = run("week", "--week", "2026-W53", "--plot", str(tmp_path / "w.png"))
    assert code == 0 and "credited 180.0 of 150 min" in out and "goal met" in out
    assert (tmp_path / "w.png").stat().st_size > 1000


def test_weeks_last(history: None) -> None:
    code, out, _ = run("weeks", "--last", "520", "--date", "2027-01-10", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 520 and rows[-1]["week"] == "2027-W01"
    assert [r["met"] for r in rows[-3:]] == [True, True, True]
    assert [r["week"] for r in rows if r["credited"]] == ["2026-W52", "2026-W53", "2027-W01"]
    code, out, _ = run("weeks", "--last", "3")
    assert code == 0 and len(out.splitlines()) == 3


def test_progression_goal_in_week(history: None) -> None:
    set_value("progression.start", "60", today=lambda: datetime(2026, 12, 28).date())
    set_value("progression.increase", "30")
    assert json.loads(run("week", "--week", "2026-W53", "--json")[1])["goal"] == 60
    assert json.loads(run("week", "--week", "2027-W01", "--json")[1])["goal"] == 90


def test_errors() -> None:
    assert run("week", "--week", "2025-W53")[0] == 1
    code, _, err = run("week", "--date", "20/11/2026")
    assert code == 1 and "YYYY-MM-DD" in err
    assert run("week", "--week", "2026-W47", "--date", "2026-11-20")[0] == 2
    assert run("weeks", "--last", "0")[0] == 2


def test_empty_history_week() -> None:
    code, out, _ = run("week", "--json")
    rep = json.loads(out)
    today = datetime.now(load_profile().tz()).date()
    assert code == 0 and rep["credited"] == 0 and rep["streak"] == 0
    assert rep["start"] <= today.isoformat() <= rep["end"]
    assert (datetime.fromisoformat(rep["end"]) - datetime.fromisoformat(rep["start"])) == timedelta(6)
