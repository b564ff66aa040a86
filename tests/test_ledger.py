"""An honest ledger: what enters the week, and what may not (hrzone.app.history)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RECORDINGS
from history_helpers import fake, make_recording, wobbly

from hrzone import store
from hrzone.cli import cli

WALK = RECORDINGS / "walk30.jsonl"
T0 = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def sessions() -> list[dict]:
    return json.loads(run("log", "list", "--json")[1])


@pytest.fixture
def profile() -> None:
    for k, v in (("method", "bpm"), ("moderate_bpm", "100"), ("high_bpm", "140"),
                 ("timezone", "UTC")):
        assert run("profile", "set", k, v)[0] == 0


def test_file_header_thresholds_serve_every_command_without_a_profile(tmp_path: Path) -> None:
    # walk30.jsonl's header holds its thresholds: no profile, no options needed anywhere.
    assert run("summary", str(WALK))[0] == 0
    assert run("plot", str(WALK), "-o", str(tmp_path / "w.png"))[0] == 0
    assert run("export", str(WALK), "--csv", str(tmp_path / "w.csv"))[0] == 0
    code, out, err = run("live", "--virtual", str(WALK), "--speed", "0", "--audio", "off",
                         "--record", str(tmp_path / "live.jsonl"))
    assert code == 0, err
    assert "Not saved to your history" in out and sessions() == []
    code, out, err = run("log", "add", str(WALK))
    assert code == 0, err
    assert sessions()[0]["origin"] == "simulated"


def test_virtual_session_enters_the_week_only_with_save(tmp_path: Path) -> None:
    run("live", "--virtual", str(WALK), "--speed", "0", "--audio", "off",
        "--record", str(tmp_path / "a.jsonl"))
    assert sessions() == []
    code, out, _ = run("live", "--virtual", str(WALK), "--speed", "0", "--audio", "off",
                       "--record", str(tmp_path / "b.jsonl"), "--save")
    assert code == 0 and "(virtual)" in out
    (s,) = sessions()
    assert s["origin"] == "virtual"
    assert json.loads(run("log", "show", str(s["id"]), "--json")[1])["origin"] == "virtual"
    assert "[virtual]" in run("log", "list")[1]


def test_replay_save_marks_a_simulated_recording() -> None:
    code, out, _ = run("replay", str(WALK), "--fast", "--audio", "off", "--save")
    assert code == 0 and "(simulated)" in out
    assert sessions()[0]["origin"] == "simulated"


def test_log_add_refuses_untrusted_starts_and_files_without_hr(tmp_path: Path,
                                                               profile: None) -> None:
    rel = tmp_path / "relative.csv"   # seconds since power-on: the date is unknown
    rel.write_text("time,heart_rate\n" + "".join(f"{i},{110 + i % 5}\n" for i in range(600)))
    old = tmp_path / "1990.csv"       # a device clock that was never set
    old.write_text("time,heart_rate\n" + "".join(
        f"{(datetime(1990, 7, 1, 9, tzinfo=UTC) + timedelta(seconds=i)).isoformat()},"
        f"{110 + i % 5}\n" for i in range(600)))
    nohr = tmp_path / "nohr.csv"
    nohr.write_text("time,heart_rate\n" + "".join(
        f"{(T0 + timedelta(seconds=i)).isoformat()},0\n" for i in range(600)))
    good = make_recording(tmp_path / "good.jsonl", T0, wobbly(10, 120))
    code, out, err = run("log", "add", str(rel), str(old), str(nohr), str(good))
    assert code == 1  # something was refused, though good.jsonl was added
    refused = [line for line in err.splitlines() if ": refused: " in line]
    assert len(refused) == 3
    assert "relative.csv: refused: no trustworthy start date" in err
    assert "1990.csv: refused: no trustworthy start date" in err
    assert "nohr.csv: refused: no valid heart rate" in err
    assert "start date is unknown" in err  # the warning `summary` prints is shown too
    assert "1 added, 0 linked as the same workout, 0 already there, 3 refused" in out
    assert [Path(s["path"]).name for s in sessions()] == ["good.jsonl"]
    # --start supplies the real start; the batch summary in JSON.
    code, out, _ = run("log", "add", str(rel), "--start", "2026-11-19T18:00", "--json")
    rep = json.loads(out)
    assert code == 0 and (rep["added"], rep["refused"]) == (1, 0)
    assert sessions()[-1]["start"] == "2026-11-19T18:00:00+00:00"
    code, out, _ = run("log", "add", str(good), "--json")
    assert code == 0 and json.loads(out)["already"] == 1


def test_a_clock_jump_cannot_swallow_later_workouts(tmp_path: Path, profile: None) -> None:
    later = [make_recording(tmp_path / f"w{i}.jsonl", T0 + timedelta(days=i), wobbly(20, 120),
                            note=str(i)) for i in (1, 2)]
    assert run("log", "add", *map(str, later))[0] == 0
    day = (T0 + timedelta(days=1)).date().isoformat()
    before = json.loads(run("week", "--date", day, "--json")[1])["credited"]
    assert before > 30
    bad = make_recording(tmp_path / "jump.jsonl", T0, wobbly(5, 120))
    line = json.loads(bad.read_text().splitlines()[-1])
    year_ns = 365 * 86400 * 10**9
    with bad.open("a") as f:
        f.write(json.dumps({"t": line["t"] + year_ns, "w": line["w"] + year_ns,
                            "p": line["p"]}) + "\n")
    # The year-ahead line is an isolated outlier (hrzone.jumps): dropped with a warning, and the
    # rest is a normal 5-minute session that links to nothing and changes no other week.
    code, out, err = run("log", "add", str(bad))
    assert code == 0, err
    assert "dropped" in (out + err)
    (jumped,) = [s for s in sessions() if s["path"].endswith("jump.jsonl")]
    assert jumped["duration_s"] < 6 * 60
    # The week gains exactly this session's own minutes; the later workouts keep theirs.
    after = json.loads(run("week", "--date", day, "--json")[1])["credited"]
    assert after == pytest.approx(before + jumped["minutes"]["credited"], abs=0.11)
    assert jumped["minutes"]["credited"] < 6
    assert all(s["duplicate_of"] is None for s in sessions())


def test_sessions_longer_than_a_day_are_refused(tmp_path: Path, profile: None) -> None:
    # 25 h of plausible samples every 2 s (no clock jump to drop): not one workout.
    f = tmp_path / "long.csv"
    rows = [f"{(T0 + timedelta(seconds=2 * i)).isoformat()},{110 + i % 7}" for i in range(45_000)]
    f.write_text("time,heart_rate\n" + "\n".join(rows) + "\n")
    code, _, err = run("log", "add", str(f))
    assert code == 1 and "longer than 24 h" in err
    assert sessions() == []


def test_implausible_sessions_are_never_linked(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "h.db")
    store.add_summary(db, fake(T0 + timedelta(hours=2), (30, 120)), "a", "ha", UTC)
    # A stored 30-hour session overlapping it (from before the 24 h rule) links nothing.
    long = store.add_summary(db, fake(T0, (30 * 60, 120)), "b", "hb", UTC)
    assert long.duplicate_of is None
    assert all(r.duplicate_of is None for r in store.list_sessions(db))
    # Two plausible sessions overlapping by more than half the shorter are one workout.
    dup = store.add_summary(db, fake(T0 + timedelta(hours=2, minutes=5), (20, 120)), "c", "hc",
                            UTC)
    assert dup.duplicate_of == 1
    db.close()


def test_days_add_up_to_the_summary_seconds(tmp_path: Path, profile: None) -> None:
    f = make_recording(tmp_path / "late.jsonl", datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
                       wobbly(60, 120) + wobbly(20, 150))
    summary = json.loads(run("summary", str(f), "--json")[1])
    assert run("log", "add", str(f))[0] == 0
    shown = json.loads(run("log", "show", "1", "--json")[1])
    assert [d["day"] for d in shown["days"]] == ["2026-11-20", "2026-11-21"]
    for k in ("moderate_s", "high_s"):
        assert sum(d[k] for d in shown["days"]) == pytest.approx(summary["zones"][k], abs=0.1)
        assert shown["zones"][k] == summary["zones"][k]


def test_recompute_offer_after_a_threshold_change(tmp_path: Path, profile: None) -> None:
    f = make_recording(tmp_path / "a.jsonl", datetime.now(UTC) - timedelta(hours=2),
                       wobbly(20, 120))
    assert run("log", "add", str(f))[0] == 0
    week0 = json.loads(run("week", "--json")[1])
    code, out, _ = run("profile", "set", "moderate_bpm", "125")
    assert code == 0
    assert "1 session(s) would change; this week" in out and "hrzone log recompute" in out
    assert json.loads(run("week", "--json")[1])["other_thresholds"] == 1
    assert "credited with other thresholds" in run("week")[1]
    code, out, _ = run("log", "recompute")
    assert code == 0 and "re-credited 1 session(s)" in out
    week1 = json.loads(run("week", "--json")[1])
    assert week1["credited"] < week0["credited"] and week1["other_thresholds"] == 0
    # Re-credited from the unchanged file: exactly what `summary` now says.
    now = json.loads(run("summary", str(f), "--json")[1])["minutes"]["credited"]
    assert json.loads(run("log", "show", "1", "--json")[1])["minutes"]["credited"] == now
    assert run("profile", "set", "timezone", "UTC")[1].count("\n") == 1  # not a threshold key
