"""`log strength|stretch|balance`, `log note`, a strength FIT in `log add`, and the mix in
`week`/`weeks`: counts, suggestion, build-ups across DST and ISO week 53, notes, heat advice and
the blunted-response hint (said once, both directions)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fit_writer import write_fit
from history_helpers import fake

from hrzone import journal, store
from hrzone.app.weeks import week_view
from hrzone.profile import load_profile, set_values

BERLIN = ZoneInfo("Europe/Berlin")


def run(*args: str) -> tuple[int, str, str]:
    from hrzone.cli import cli

    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(autouse=True)
def profile() -> None:
    set_values([("timezone", "Europe/Berlin"), ("method", "bpm"), ("moderate_bpm", "100"),
                ("high_bpm", "140")])


def add_hr(start: datetime, *segments: tuple[float, int], key: str) -> int:
    db = store.open_db()
    try:
        return store.add_summary(db, fake(start, *segments), key, key, load_profile().tz()).id
    finally:
        db.close()


def test_log_each_kind_and_see_it_in_the_history() -> None:
    for kind in ("strength", "stretch", "balance"):
        code, out, _ = run("log", kind, "--minutes", "20", "--date", "2026-11-17",
                           "--note", f"{kind} at home", "--json")
        assert code == 0
        got = json.loads(out)
        assert got["kind"] == kind and got["minutes"] == 20
        assert got["start"] == "2026-11-17T12:00:00+01:00"
    rows = json.loads(run("log", "list", "--json")[1])
    assert [r["kind"] for r in rows] == ["strength", "stretch", "balance"]
    assert all(r["minutes"]["credited"] == 0 for r in rows)
    code, out, _ = run("log", "show", str(rows[0]["id"]))
    assert code == 0 and "strength" in out and '"strength at home"' in out
    assert "no heart rate" in out


@pytest.mark.parametrize("args,msg", [
    (("strength", "--minutes", "0"), "--minutes 0"),
    (("stretch", "--minutes", "700"), "--minutes 700"),
    (("balance", "--date", "2999-01-01"), "in the future"),
    (("balance", "--date", "1999-12-31"), "before 2000"),
    (("strength", "--date", "tuesday"), "--date 'tuesday' is not a date"),
])
def test_bad_activity_values_are_one_line_errors(args: tuple[str, ...], msg: str) -> None:
    code, out, err = run("log", *args)
    assert code == 1 and msg in err and len(err.strip().splitlines()) == 1


def test_week_json_carries_the_mix_and_one_suggestion() -> None:
    add_hr(datetime(2026, 11, 17, 18, tzinfo=BERLIN), (30, 120), key="walk")   # 30 credited
    run("log", "strength", "--date", "2026-11-16")
    run("log", "stretch", "--date", "2026-11-16")
    run("log", "stretch", "--date", "2026-11-17")
    rep = week_view(on=date(2026, 11, 19), today=date(2026, 11, 19))
    assert rep["aerobic"] == {"credited": 30.0, "goal": 150, "remaining": 120.0, "met": False}
    assert {k: (v["done"], v["goal"]) for k, v in rep["kinds"].items()} == {
        "cardio": (1, 2), "strength": (1, 2), "stretch": (2, 7), "balance": (0, 2)}
    assert rep["suggestion"].startswith("1 cardio session, 1 strength session, stretching on "
                                        "4 days, 2 balance sessions and 120 moderate minutes "
                                        "to go by Sunday.")
    assert [s["kind"] for s in rep["sessions"]] == ["strength", "stretch", "stretch", "cardio"]
    code, out, _ = run("week", "--date", "2026-11-19", "--json")
    j = json.loads(out)
    assert {"aerobic", "kinds", "suggestion", "build_up", "warm", "hint"} <= set(j)
    set_values([("balance_days", "0"), ("stretch_days", "0")])
    code, out, _ = run("week", "--date", "2026-11-19")
    assert code == 0 and "strength   1 of 2 days" in out and "balance" not in out
    rows = json.loads(run("weeks", "--last", "2", "--date", "2026-11-19", "--json")[1])
    assert rows[-1]["kinds"] == {
        "cardio": {"done": 1, "goal": 2, "met": False, "days": ["2026-11-17"]},
        "strength": {"done": 1, "goal": 2, "met": False, "days": ["2026-11-16"]}}
    assert "strength 1/2" in run("weeks", "--last", "2", "--date", "2026-11-19")[1]


def test_strength_fit_counts_as_strength_and_its_minutes_are_credited(tmp_path: Path) -> None:
    hr = [118 + (i // 7) % 5 for i in range(1200)]          # 20 min moderate (a strap varies)
    f = write_fit(tmp_path / "gym.fit", datetime(2026, 11, 18, 18, tzinfo=BERLIN), hr)
    code, out, _ = run("log", "add", str(f), "--json")
    assert code == 0
    got = json.loads(out)["files"][0]
    assert got["kind"] == "strength" and got["credited"] > 15
    rep = json.loads(run("week", "--date", "2026-11-18", "--json")[1])
    assert rep["kinds"]["strength"]["done"] == 1 and rep["kinds"]["cardio"]["done"] == 0
    assert rep["aerobic"]["credited"] == got["credited"] == rep["credited"]
    assert "[strength]" in run("log", "list")[1]


def test_strength_build_up_across_iso_week_53_and_dst() -> None:
    set_values([("strength_progression.start", "1"), ("strength_progression.increase", "1"),
                ("strength_progression.every_weeks", "4"), ("strength_progression.target", "2"),
                ("strength_progression.from", "2026-12-09")])
    rows = json.loads(run("weeks", "--last", "7", "--date", "2027-01-12", "--json")[1])
    assert [(r["week"], r["kinds"]["strength"]["goal"]) for r in rows] == [
        ("2026-W49", 2), ("2026-W50", 1), ("2026-W51", 1), ("2026-W52", 1), ("2026-W53", 1),
        ("2027-W01", 2), ("2027-W02", 2)]
    assert rows[4]["build_up"]["strength"]["week"] == 4
    text = run("week", "--week", "2026-W53")[1]
    assert "strength build-up: week 4, 1 days" in text
    # Across the spring DST change (Sunday 2026-03-29 is 23 h long in Berlin): a session late
    # that Sunday is in week 13, and the build-up counts calendar weeks.
    set_values([("strength_progression.from", "2026-03-09")])
    db = store.open_db()
    journal.add_activity(db, "strength", datetime(2026, 3, 29, 23, 30, tzinfo=BERLIN), 1800,
                         BERLIN)
    db.close()
    rows = json.loads(run("weeks", "--last", "3", "--date", "2026-04-06", "--json")[1])
    assert [(r["week"], r["kinds"]["strength"]["done"], r["kinds"]["strength"]["goal"])
            for r in rows] == [("2026-W13", 1, 1), ("2026-W14", 0, 1), ("2026-W15", 0, 2)]


def test_note_rpe_fatigue_warm_shown_in_log_show_and_week() -> None:
    sid = add_hr(datetime(2026, 11, 17, 18, tzinfo=BERLIN), (30, 120), key="walk")
    code, out, _ = run("log", "note", str(sid), "--rpe", "13", "--fatigue-before", "3",
                       "--fatigue-after", "6", "--warm", "--text", "sunny")
    assert code == 0
    assert out.splitlines()[0] == (f'session {sid}: RPE 13 (6-20), fatigue 3 -> 6 (0-10), '
                                   'felt too warm, "sunny"')
    assert "cool down and drink" in out
    code, out, _ = run("log", "note", str(sid), "--not-warm", "--json")
    j = json.loads(out)
    assert j["feel"]["warm"] is False and j["feel"]["rpe"] == 13 and j["advice"] is None
    show = json.loads(run("log", "show", str(sid), "--json")[1])
    assert show["feel"]["fatigue_after"] == 6 and show["feel"]["text"] == "sunny"
    run("log", "note", str(sid), "--warm")
    rep = json.loads(run("week", "--date", "2026-11-17", "--json")[1])
    assert rep["sessions"][0]["feel"]["rpe"] == 13
    assert rep["warm"]["sessions"] == [sid] and "drink" in rep["warm"]["advice"]
    assert "felt too warm" in run("week", "--date", "2026-11-17")[1]


def test_note_values_are_checked_on_the_profiles_scale() -> None:
    sid = add_hr(datetime(2026, 11, 17, 18, tzinfo=BERLIN), (30, 120), key="walk")
    code, _, err = run("log", "note", str(sid), "--rpe", "8")
    assert code == 0
    set_values([("rpe_scale", "cr10")])
    code, _, err = run("log", "note", str(sid), "--rpe", "12")
    assert code == 1 and "CR10 0-10" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("log", "note", str(sid), "--fatigue-after", "11")
    assert code == 1 and "--fatigue-after 11" in err
    code, _, err = run("log", "note", "999", "--rpe", "5")
    assert code == 1 and "no session with id 999" in err


@pytest.mark.parametrize("bpm,rpe,scale,direction", [
    (120, "16", "borg", "lower"),      # felt hard, credited moderate: blunted
    (150, "2", "cr10", "higher"),      # felt light, credited high: thresholds too low
])
def test_blunted_response_hint_is_said_once(bpm: int, rpe: str, scale: str,
                                            direction: str) -> None:
    set_values([("rpe_scale", scale)])
    ids = [add_hr(datetime(2026, 11, 16 + i, 18, tzinfo=BERLIN), (20, bpm), key=f"s{i}")
           for i in range(4)]
    outs = [run("log", "note", str(sid), "--rpe", rpe)[1] for sid in ids]
    assert "calibrate" not in outs[0] + outs[1]                    # two are not several
    assert "talk test" in outs[2] and direction in outs[2] and "Nothing was changed" in outs[2]
    assert "calibrate" not in outs[3]                               # said once
    rep = json.loads(run("week", "--date", "2026-11-17", "--json")[1])
    assert rep["hint"] is None
    t = load_profile()
    assert (t.moderate_bpm, t.high_bpm) == (100, 140)               # never re-tuned


@pytest.mark.parametrize("key,value,msg", [
    ("strength_days", "8", "strength_days = 8 is not allowed"),
    ("balance_days", "-1", "balance_days = -1 is not allowed"),
    ("rpe_scale", "percent", "rpe_scale = 'percent' is not allowed"),
    ("strength_progression.every_weeks", "0", "strength_progression.every_weeks = 0"),
    ("strength_progression.speed", "2", "unknown key 'strength_progression.speed'"),
    ("cues.heat_every_min", "5", "heat_every_min = 5 is out of range"),
    ("cues.heat_drift_bpm", "100", "heat_drift_bpm = 100 is out of range"),
])
def test_new_profile_keys_are_checked_when_set(key: str, value: str, msg: str) -> None:
    code, _, err = run("profile", "set", key, value)
    assert code == 1 and msg in err and len(err.strip().splitlines()) == 1
    code, _, _ = run("profile", "set", key.split(".")[0] if key.startswith("strength_p")
                     else key, "none")
    assert code == 0
