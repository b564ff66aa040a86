"""`hrzone profile show|set|path`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hrzone import paths
from hrzone.cli import cli
from conftest import RECORDINGS


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_path_is_under_hrzone_home(hrzone_home: Path) -> None:
    code, out, _ = run("profile", "path")
    assert code == 0 and out.strip() == str(hrzone_home / "config" / "profile.toml")


def test_set_then_show(hrzone_home: Path) -> None:
    assert run("profile", "set", "age", "54")[0] == 0
    code, _, err = run("profile", "set", "method", "hrr")
    assert code == 0 and "method hrr needs rest_hr" in err  # told what is still missing, but saved
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
    assert run("profile", "set", "age", "54", "rest_hr")[0] == 2
    assert run("profile", "set")[0] == 2


def _one_line_error(args: tuple[str, ...], needle: str) -> None:
    p = paths.profile_path()
    before = p.read_bytes() if p.exists() else None
    code, out, err = run("profile", "set", *args)
    assert code == 1 and out == "" and err.count("\n") == 1, (code, out, err)
    assert needle in err and str(p) in err
    assert (p.read_bytes() if p.exists() else None) == before


def test_set_refuses_bad_values_with_exit_1_and_the_file_unchanged() -> None:
    assert run("profile", "set", "weekly_goal", "120")[0] == 0
    _one_line_error(("cues.volume", "loud"), "unknown cue setting 'volume'")
    _one_line_error(("age", "-3"), "age = -3.0 is not allowed (use years, 5-110)")
    _one_line_error(("rest_hr", "500"), "rest_hr = 500.0 is not allowed")
    _one_line_error(("method", "magic"), "method = 'magic' is not allowed")
    _one_line_error(("timezone", "Mars/Olympus"), "timezone = 'Mars/Olympus' is not allowed")
    _one_line_error(("week_start", "funday"), "week_start = 'funday' is not allowed")
    _one_line_error(("colour", "red"), "unknown key 'colour'")
    assert run("profile", "set", "moderate_bpm", "150")[0] == 0
    _one_line_error(("high_bpm", "120"), "high_bpm = 120): moderate threshold (150 bpm) must be "
                                         "below high (120 bpm)")
    code, out, _ = run("profile", "set", "moderate_bpm", "110", "high_bpm", "120")
    assert code == 0 and "high_bpm = 120" in out
    for cmd in (("profile", "show"), ("profile", "show", "--json")):
        assert run(*cmd)[0] == 0


def test_show_always_works_and_points_at_each_problem(hrzone_home: Path) -> None:
    p = paths.profile_path()
    p.write_text('method = "bpm"\nmoderate_bpm = 150\nhigh_bpm = 120\nweekly_goal = "lots"\n'
                 '[cues]\nvolume = "loud"\n')
    code, out, _ = run("profile", "show")
    problems = [line for line in out.splitlines() if line.startswith("problem: ")]
    assert code == 0 and len(problems) == 3, out
    assert "weekly_goal = 'lots'" in problems[0] and "moderate_bpm = 150, high_bpm = 120" in problems[1]
    assert "'volume'" in problems[2] and "thresholds: none" in out
    code, out, _ = run("profile", "show", "--json")
    d = json.loads(out)
    assert code == 0 and [x["key"] for x in d["problems"]] == ["weekly_goal", "thresholds", "cues.volume"]
    assert d["thresholds"] is None
    p.write_text("age = [1,\n")
    code, out, _ = run("profile", "show")
    assert code == 0 and "problem: not valid TOML" in out


def test_commands_stop_only_on_the_part_they_need(hrzone_home: Path) -> None:
    walk = str(RECORDINGS / "walk30.jsonl")
    p = paths.profile_path()
    p.write_text('age = 54\nrest_hr = 62\n[cues]\nvolume = "loud"\n')
    assert run("summary", walk)[0] == 0  # no cues needed
    code, out, err = run("replay", walk, "--fast", "--audio", "tones")
    assert code == 1 and err.count("\n") == 1
    assert str(p) in err and "'volume'" in err
    p.write_text('age = 54\nrest_hr = 500\n')
    code, _, err = run("summary", walk)
    assert code == 1 and err.count("\n") == 1 and str(p) in err and "rest_hr = 500" in err
    p.write_text('age = 54\nweekly_goal = "lots"\n')
    assert run("summary", walk)[0] == 0
    code, _, err = run("week")
    assert code == 1 and err.count("\n") == 1 and str(p) in err and "weekly_goal" in err


def test_help_lists_the_keys() -> None:
    code, out, _ = run("profile", "set", "--help")
    assert code == 0 and "progression.start" in out and "week_start" in out
