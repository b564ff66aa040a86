"""`hrzone class run` on a fresh install, and each participant's history through --person."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from click.testing import CliRunner

from hrzone.cli import cli


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_virtual_class_on_a_fresh_install(tmp_path: Path):
    table = tmp_path / "class.csv"
    r = invoke("class", "run", "--virtual", "4", "--speed", "0", "--for", "4m", "--json",
               "--csv", str(table))
    assert r.exit_code == 0, r.output
    assert "created a demo roster of 4 people" in r.stderr
    rows = json.loads(r.stdout)
    assert [x["name"] for x in rows] == ["Anna", "Ben", "Chloé", "Dev"]
    for x in rows:
        assert set(x) >= {"name", "minutes", "credited_min", "in_target_min",
                          "above_ceiling_min", "data_quality"}
        assert x["session_id"] == 1
    assert stat.S_IMODE(os.stat(table).st_mode) == 0o600
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("name,low_min,moderate_min") and len(lines) == 5
    assert lines[2].split(",")[4] == str(rows[1]["credited_min"])

    week = invoke("week", "--person", "ben", "--json")
    assert week.exit_code == 0
    rep = json.loads(week.stdout)
    assert len(rep["sessions"]) == 1 and rep["credited"] == rows[1]["credited_min"]
    mine = json.loads(invoke("week", "--json").stdout)
    assert mine["sessions"] == []                      # participants' data are not yours
    weeks = json.loads(invoke("weeks", "--person", "Ben", "--last", "1", "--json").stdout)
    assert weeks[-1]["credited"] == rows[1]["credited_min"]
    out = tmp_path / "ben.csv"
    assert invoke("export", "1", "--person", "Ben", "--csv", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("time,t_s,hr_raw_bpm")

    again = invoke("class", "run", "--virtual", "2", "--speed", "0", "--for", "2m")
    assert again.exit_code == 0 and "demo roster" not in again.output
    assert "Anna" in again.output and "Chloé" not in again.output
    assert "2 session(s) saved" in again.output


def test_class_errors_are_one_line():
    r = invoke("class", "run")
    assert r.exit_code == 1 and "the roster is empty" in r.output and r.output.count("\n") == 1
    r = invoke("week", "--person", "Nobody")
    assert r.exit_code == 1 and "not on the roster" in r.output
    r = invoke("class", "run", "--virtual", "3", "--speed", "0", "--for", "1m",
               "--zone-cues", "Zed")
    assert r.exit_code == 1 and "--zone-cues: Zed not in this class" in r.output
    r = invoke("class", "run", "--virtual", "3", "--for", "soon")
    assert r.exit_code == 2 and "20m" in r.output
    r = invoke("class", "run", "--virtual", "99", "--speed", "0")
    assert r.exit_code == 1 and "--virtual 99: the roster has 3 people; give at most 3" in r.output


def test_class_run_names_late_arrivals_and_the_absent(tmp_path: Path):
    assert invoke("class", "run", "--virtual", "3", "--speed", "0", "--for", "1m",
                  "--no-save").exit_code == 0                      # the demo roster
    plan = tmp_path / "plan.toml"
    plan.write_text('[[strap]]\nperson = "Anna"\n[[strap]]\nperson = "Ben"\narrive_s = 40\n'
                    '[[strap]]\nperson = "Chloé"\narrive_s = 9999\n', encoding="utf-8")
    r = invoke("class", "run", "--virtual", str(plan), "--speed", "0", "--for", "3m")
    assert r.exit_code == 0, r.output
    assert "arrived late: Ben (joined 0.8 min into the class; credited from then)" in r.output
    assert "absent: Chloé (strap F0:C1:A5:50:00:02 not heard)" in r.output
    assert "2 session(s) saved" in r.output
    rows = json.loads(invoke("class", "run", "--virtual", str(plan), "--speed", "0", "--for",
                             "3m", "--no-save", "--json").stdout)
    assert [x["name"] for x in rows] == ["Anna", "Ben"]
    assert rows[0]["joined_min"] is None and rows[1]["joined_min"] == 0.8
