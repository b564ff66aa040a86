"""`hrzone profile show|set|path`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hrzone.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_path_is_under_hrzone_home(hrzone_home: Path) -> None:
    code, out, _ = run("profile", "path")
    assert code == 0 and out.strip() == str(hrzone_home / "config" / "profile.toml")


def test_set_then_show(hrzone_home: Path) -> None:
    assert run("profile", "set", "age", "54")[0] == 0
    code, _, err = run("profile", "set", "method", "hrr")
    assert code == 0 and "needs --rest" in err  # told what is still missing, but saved
    assert run("profile", "set", "rest_hr", "62")[0] == 0
    assert run("profile", "set", "weekly_goal", "120")[0] == 0
    code, out, _ = run("profile", "show")
    assert code == 0 and "weekly_goal = 120" in out and "moderate from 105.3 bpm" in out and "age = 54\n" in out
    code, out, _ = run("profile", "show", "--json")
    d = json.loads(out)
    assert d["age"] == 54 and d["weekly_goal"] == 120 and d["thresholds"]["method"] == "hrr"
    assert d["thresholds"]["moderate_bpm"] == round(62 + 0.4 * (208 - 0.7 * 54 - 62), 1)


def test_bad_value_is_one_line_and_exit_1() -> None:
    code, out, err = run("profile", "set", "week_start", "funday")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "week_start = 'funday' is not allowed" in err
    code, _, err = run("profile", "set", "nonsense", "1")
    assert code == 1 and "unknown key 'nonsense'" in err and "weekly_goal" in err


def test_set_needs_two_arguments() -> None:
    assert run("profile", "set", "age")[0] == 2


def test_help_lists_the_keys() -> None:
    code, out, _ = run("profile", "set", "--help")
    assert code == 0 and "progression.start" in out and "week_start" in out
