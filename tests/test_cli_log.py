"""`hrzone log add|list|show|rm|recompute` end to end, with real files where available."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import REPO, realdata
from history_helpers import make_recording, wobbly

from hrzone.cli import cli

BERLIN = ZoneInfo("Europe/Berlin")


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def profile() -> None:
    for k, v in (("method", "bpm"), ("moderate_bpm", "100"), ("high_bpm", "140"),
                 ("timezone", "Europe/Berlin")):
        assert run("profile", "set", k, v)[0] == 0


def _rec(tmp_path: Path, name: str, start: datetime, hr: list[int]) -> Path:
    return make_recording(tmp_path / name, start, hr, note=name)


def test_add_list_show_rm(tmp_path: Path, profile: None) -> None:
    a = _rec(tmp_path, "a.jsonl", datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN), wobbly(20, 120))
    b = _rec(tmp_path, "b.jsonl", datetime(2026, 11, 19, 7, 0, tzinfo=BERLIN), wobbly(10, 150))
    code, out, _ = run("log", "add", str(a), str(b))
    assert code == 0 and "session 1 added" in out and "session 2 added" in out
    code, out, _ = run("log", "add", str(a))
    assert code == 0 and "already in history" in out
    code, out, _ = run("log", "list", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["minutes"]["moderate"] == pytest.approx(20, abs=0.2)
    assert rows[1]["minutes"]["credited"] == pytest.approx(20, abs=0.4)
    code, out, _ = run("log", "show", "2")
    assert code == 0 and "2026-11-19" in out and "vigorous" in out
    code, out, _ = run("log", "rm", "1")
    assert code == 0 and "removed session 1" in out
    assert [r["id"] for r in json.loads(run("log", "list", "--json")[1])] == [2]
    code, _, err = run("log", "show", "1")
    assert code == 1 and "no session with id 1" in err


def test_add_reports_bad_files_and_keeps_going(tmp_path: Path, profile: None) -> None:
    good = _rec(tmp_path, "g.jsonl", datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN), wobbly(5, 120))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("hello\n")
    code, out, err = run("log", "add", str(bad), str(tmp_path / "missing.fit"), str(good))
    assert code == 1 and "session 1 added" in out
    assert "bad.jsonl" in err and "missing.fit" in err
    assert len(json.loads(run("log", "list", "--json")[1])) == 1


def test_add_without_thresholds_says_how_to_set_them(tmp_path: Path) -> None:
    f = _rec(tmp_path, "a.jsonl", datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN), wobbly(2, 120))
    code, _, err = run("log", "add", str(f))
    assert code == 1 and "hrzone profile set" in err
    assert run("log", "add", "--moderate", "100", "--high", "140", str(f))[0] == 0


def test_session_across_midnight(tmp_path: Path, profile: None) -> None:
    f = _rec(tmp_path, "late.jsonl", datetime(2026, 11, 20, 23, 30, tzinfo=BERLIN), wobbly(60, 120))
    assert run("log", "add", str(f))[0] == 0
    days = json.loads(run("log", "show", "1", "--json")[1])["days"]
    assert [d["day"] for d in days] == ["2026-11-20", "2026-11-21"]
    assert days[0]["moderate_s"] == pytest.approx(1800, abs=15)
    assert days[1]["moderate_s"] == pytest.approx(1800, abs=15)


def test_recompute_after_threshold_change(tmp_path: Path, profile: None) -> None:
    f = _rec(tmp_path, "a.jsonl", datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN),
             wobbly(20, 120) + wobbly(20, 132))
    assert run("log", "add", str(f))[0] == 0
    before = json.loads(run("week", "--date", "2026-11-18", "--json")[1])
    assert before["moderate"] == pytest.approx(40, abs=0.5) and before["vigorous"] == 0
    assert run("profile", "set", "high_bpm", "125")[0] == 0
    code, out, _ = run("log", "recompute")
    assert code == 0 and "re-credited 1 session" in out
    after = json.loads(run("week", "--date", "2026-11-18", "--json")[1])
    assert after["moderate"] == pytest.approx(20, abs=0.5)
    assert after["vigorous"] == pytest.approx(20, abs=0.5)
    assert after["credited"] == pytest.approx(60, abs=1)


def test_same_ride_as_fit_and_gpx_credited_once(profile: None) -> None:
    pytest.importorskip("hrzone.importers", reason="importers (FIT/GPX) are not installed yet")
    fit = realdata("sweatpy/4078723797.fit")
    gpx = realdata("sweatpy/4078723797_strava.gpx")
    code, out, _ = run("log", "add", str(fit), str(gpx))
    assert code == 0 and "same workout as session 1" in out
    rows = json.loads(run("log", "list", "--json")[1])
    assert len(rows) == 2 and rows[1]["duplicate_of"] == 1
    fit_credit = rows[0]["minutes"]["credited"]
    assert fit_credit > 0 and rows[1]["minutes"]["credited"] == 0
    week = json.loads(run("week", "--date", "2019-09-20", "--json")[1])
    assert week["credited"] == pytest.approx(fit_credit, abs=0.1)
    code, out, _ = run("log", "show", "1")
    assert "linked: session 2" in out and "4078723797_strava.gpx" in out


def test_concurrent_log_add_from_two_processes(tmp_path: Path, hrzone_home: Path,
                                              profile: None) -> None:
    files = [[_rec(tmp_path, f"p{p}-{i}.jsonl",
                   datetime(2026, 1 + i, 1 + p * 14, 7, 0, tzinfo=BERLIN), wobbly(3, 120))
              for i in range(6)] for p in range(2)]
    env = {**os.environ, "HRZONE_HOME": str(hrzone_home)}
    cmd = [sys.executable, "-m", "hrzone", "log", "add"]
    procs = [subprocess.Popen(cmd + [str(f) for f in fs], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for fs in files]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    rows = json.loads(run("log", "list", "--json")[1])
    assert sorted(Path(r["path"]).name for r in rows) == sorted(
        f.name for fs in files for f in fs)
