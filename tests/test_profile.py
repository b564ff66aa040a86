"""User paths and the profile TOML: defaults, validation, atomic writes, goal progression."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone import paths
from hrzone.errors import ProfileError
from hrzone.profile import (
    DEFAULT_GOAL_MIN,
    KEYS,
    check,
    from_dict,
    load_profile,
    profile_cue_prefs,
    profile_thresholds,
    read_profile,
    save_raw,
    set_value,
    set_values,
)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_hrzone_home_overrides_every_user_path(hrzone_home: Path) -> None:
    assert paths.config_dir() == hrzone_home / "config"
    assert paths.data_dir() == hrzone_home / "data"
    assert paths.cache_dir() == hrzone_home / "cache"
    assert paths.profile_path().parent == hrzone_home / "config"
    for d in ("config", "data", "cache"):
        assert _mode(hrzone_home / d) == 0o700


def test_platformdirs_without_hrzone_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HRZONE_HOME")
    monkeypatch.setattr(paths.platformdirs, "user_data_dir", lambda app: str(tmp_path / "d" / app))
    assert paths.data_dir() == tmp_path / "d" / "hrzone"
    assert _mode(tmp_path / "d" / "hrzone") == 0o700


def test_missing_profile_gives_defaults() -> None:
    prof = load_profile()
    assert prof.weekly_goal == DEFAULT_GOAL_MIN == 150
    assert prof.week_start == "monday" and prof.week_start_day == 0
    assert prof.timezone is None and prof.tz() is not None
    assert profile_thresholds(prof) is None


def test_set_round_trips_and_is_private() -> None:
    set_value("age", "54")
    set_value("rest_hr", "62")
    set_value("beta_blocker", "yes")
    set_value("week_start", "Sunday")
    set_value("timezone", "Europe/Berlin")
    set_value("cues.voice", "en")
    set_value("cues.min_gap_s", "45")
    prof = load_profile()
    assert (prof.age, prof.rest_hr, prof.beta_blocker) == (54.0, 62.0, True)
    assert prof.week_start == "sunday" and prof.week_start_day == 6
    assert str(prof.tz()) == "Europe/Berlin"
    assert prof.cues == {"voice": "en", "min_gap_s": 45}
    assert _mode(paths.profile_path()) == 0o600
    t = profile_thresholds(prof)
    assert t is not None and t.method == "hrr" and t.max_source == "beta-blocker"
    # 164 - 0.7*54 = 126.2; HRR 40 %: 62 + 0.4*(126.2-62)
    assert t.moderate_bpm == pytest.approx(62 + 0.4 * (126.2 - 62), abs=0.1)
    set_value("age", "none")
    assert load_profile().age is None


@pytest.mark.parametrize("key,value,needle", [
    ("age", "200", "age = 200.0 is not allowed (use years, 5-110)"),
    ("age", "old", "age = 'old' is not allowed"),
    ("rest_hr", "10", "rest_hr"),
    ("weekly_goal", "12.5", "weekly_goal"),
    ("week_start", "funday", "a weekday name"),
    ("timezone", "Mars/Olympus", "IANA time zone"),
    ("method", "magic", "one of hrr, hrmax, bpm"),
    ("beta_blocker", "maybe", "true or false"),
    ("colour", "red", "unknown key 'colour'"),
    ("progression.speed", "3", "unknown key 'progression.speed'"),
    ("progression.from", "yesterday", "YYYY-MM-DD"),
    ("progression", "3", "a table"),
    ("age", "-3", "age = -3.0 is not allowed"),
    ("rest_hr", "500", "rest_hr = 500.0 is not allowed"),
    ("cues.volume", "loud", "cues: unknown cue setting 'volume'"),
    ("cues.settle_s", "soon", "settle_s = 'soon' is out of range"),
    ("cues.milestones", "3", "cues.milestones: expected true or false"),
    ("cues.voice", "klingon", "cue language 'klingon'"),
])
def test_bad_values_name_the_key_and_what_is_allowed(key: str, value: str, needle: str) -> None:
    set_value("weekly_goal", "120")
    before = paths.profile_path().read_bytes()
    with pytest.raises(ProfileError, match=needle.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")):
        set_value(key, value)
    assert paths.profile_path().read_bytes() == before


def test_hand_edited_file_errors(hrzone_home: Path) -> None:
    p = paths.profile_path()
    p.write_text("age = 54\nweekly_goal = \"lots\"\n")
    prof = load_profile()  # a bad key stops only what needs it
    assert profile_thresholds(prof) is not None
    with pytest.raises(ProfileError, match=r"profile\.toml: weekly_goal = 'lots' is not allowed"):
        prof.goal_for_week(date(2026, 11, 16))
    p.write_text("age = [1, 2\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile()
    assert [pr.key for pr in read_profile().problems] == [""]
    p.write_text("method = \"bpm\"\nmoderate_bpm = 110\n")
    with pytest.raises(ProfileError, match=r"thresholds \(method = bpm, moderate_bpm = 110\): "
                                           "method bpm needs both moderate_bpm and high_bpm"):
        profile_thresholds(load_profile())
    p.write_text("[cues]\nvoice = { lang = \"en\" }\n")
    (pr,) = load_profile().problems
    assert pr.key == "cues.voice" and "cues.language: expected a string" in pr.message
    with pytest.raises(ProfileError, match="cues.language"):
        profile_cue_prefs(load_profile())


def test_every_problem_of_a_hand_edited_file_is_listed(hrzone_home: Path) -> None:
    p = paths.profile_path()
    p.write_text('method = "bpm"\nmoderate_bpm = 150\nhigh_bpm = 120\nweek_start = "funday"\n'
                 'timezone = "Mars/Olympus"\n[cues]\nvolume = "loud"\nmilestones = 3\n')
    prof = read_profile()
    assert [pr.key for pr in prof.problems] == ["week_start", "timezone", "thresholds",
                                                "cues.volume", "cues.milestones"]
    assert all(pr.message.startswith(f"{p}: ") and "\n" not in pr.message for pr in prof.problems)
    assert "moderate_bpm = 150, high_bpm = 120" in prof.problems[2].message
    with pytest.raises(ProfileError, match="must be below high"):
        profile_thresholds(prof)
    with pytest.raises(ProfileError, match="week_start = 'funday'"):
        prof.week_start_day
    with pytest.raises(ProfileError, match="timezone = 'Mars/Olympus'"):
        prof.tz()
    with pytest.raises(ProfileError, match="'volume'"):
        profile_cue_prefs(prof)
    # An unknown key concerns every part (a typo such as rest_bpm would change thresholds).
    p.write_text("age = 54\nrest_bpm = 60\n")
    prof = load_profile()
    for use in (lambda: profile_thresholds(prof), prof.tz, lambda: prof.week_start_day):
        with pytest.raises(ProfileError, match="unknown key 'rest_bpm'"):
            use()


def test_contradicting_thresholds_are_refused_incomplete_ones_saved() -> None:
    set_value("method", "bpm")
    set_value("moderate_bpm", "150")  # incomplete (no high_bpm yet): saved
    with pytest.raises(ProfileError, match="method bpm needs both"):
        profile_thresholds(load_profile())
    before = paths.profile_path().read_bytes()
    with pytest.raises(ProfileError, match=r"high_bpm = 120\): moderate threshold \(150 bpm\) must "
                                           r"be below high \(120 bpm\)"):
        set_value("high_bpm", "120")
    assert paths.profile_path().read_bytes() == before
    set_value("high_bpm", "170")
    with pytest.raises(ProfileError, match="moderate_bpm = 180.*must be below high"):
        set_value("moderate_bpm", "180")
    prof = set_values([("moderate_bpm", "180"), ("high_bpm", "190")])  # together: fine
    t = profile_thresholds(prof)
    assert t is not None and (t.moderate_bpm, t.high_bpm) == (180, 190)
    with pytest.raises(ProfileError, match="ceiling_bpm = 170.*must be above the moderate"):
        set_value("ceiling_bpm", "170")
    with pytest.raises(ProfileError, match="moderate_bpm/high_bpm are absolute bpm; they go "
                                           "with method bpm, not hrr"):
        set_value("method", "hrr")


def test_a_hand_made_problem_can_be_fixed_one_at_a_time() -> None:
    p = paths.profile_path()
    p.write_text('age = 54\nweekly_goal = "lots"\ncolour = "red"\n')
    set_value("rest_hr", "60")  # unrelated: saved, the old problems stay (not made worse)
    assert [pr.key for pr in read_profile().problems] == ["weekly_goal", "colour"]
    with pytest.raises(ProfileError, match="rest_hr = 5.0"):
        set_value("rest_hr", "5")
    set_value("colour", "none")  # an unknown key can be removed
    set_value("weekly_goal", "120")
    prof = load_profile()
    assert prof.problems == () and prof.weekly_goal == 120 and prof.rest_hr == 60


def test_impossible_thresholds_are_a_profile_error() -> None:
    save_raw({"method": "hrr", "age": 54})
    with pytest.raises(ProfileError, match=r"thresholds \(age = 54, method = hrr\): method hrr "
                                           r"needs rest_hr"):
        profile_thresholds(load_profile())
    with pytest.raises(ProfileError, match="must be below high"):
        save_raw({"method": "bpm", "moderate_bpm": 120, "high_bpm": 110})
    assert load_profile().raw == {"method": "hrr", "age": 54}


def test_write_is_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    set_value("age", "54")
    before = paths.profile_path().read_bytes()

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ProfileError, match="profile.toml: cannot write: No space left on device"):
        set_value("age", "60")
    assert paths.profile_path().read_bytes() == before
    assert [p.name for p in paths.config_dir().iterdir()] == ["profile.toml"]  # no temp left


def test_goal_progression() -> None:
    monday = date(2026, 11, 16)
    set_value("progression.start", "60", today=lambda: monday + timedelta(days=2))
    set_value("progression.increase", "20")
    set_value("progression.target", "150")
    prof = load_profile()
    assert prof.progression is not None and prof.progression.from_date == date(2026, 11, 18)
    goals = [prof.goal_for_week(monday + timedelta(weeks=i)) for i in range(-1, 7)]
    assert goals == [150, 60, 80, 100, 120, 140, 150, 150]
    # Sunday-start weeks: the progression's first week is the one holding its start date.
    set_value("week_start", "sunday")
    prof = load_profile()
    assert prof.goal_for_week(date(2026, 11, 15)) == 60
    assert prof.goal_for_week(date(2026, 11, 22)) == 80
    with pytest.raises(ProfileError, match="progression.start is missing"):
        set_value("progression.start", "none")
    set_value("progression", "none")
    assert load_profile().progression is None


def test_progression_needs_a_start() -> None:
    with pytest.raises(ProfileError, match="progression.start is missing"):
        from_dict({"progression": {"target": 150, "from": date(2026, 1, 1)}})


def test_to_json_has_every_key() -> None:
    d = load_profile().to_json()
    for k in ("age", "rest_hr", "max_hr", "beta_blocker", "method", "moderate_bpm", "high_bpm",
              "ceiling_bpm", "weekly_goal", "week_start", "timezone", "progression", "cues"):
        assert k in d


def test_cue_prefs_from_profile() -> None:
    set_value("cues.voice", "en")
    set_value("cues.milestones", "false")
    set_value("weekly_goal", "120")
    prefs = profile_cue_prefs(load_profile(), on=date(2026, 11, 20))
    assert prefs.milestones is False and prefs.weekly_goal_min == 120
    with pytest.raises(ProfileError, match="unknown cue setting 'shout'"):
        set_value("cues.shout", "true")
    paths.profile_path().write_text("[cues]\nshout = true\n")  # by hand
    with pytest.raises(ProfileError, match=r"profile\.toml: cues: unknown cue setting 'shout'"):
        profile_cue_prefs(load_profile())


_toml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
              st.text(max_size=12), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([*KEYS, "progression", "cues", "other"]), _toml_values,
                       max_size=6))
def test_any_document_gives_a_profile_or_a_profile_error(raw: dict) -> None:
    try:
        prof = from_dict(raw, "fuzz.toml")
    except ProfileError as e:
        assert str(e).startswith("fuzz.toml: ")
        assert [pr.message for pr in check(raw, "fuzz.toml").problems][0] == str(e)
        return
    try:
        profile_thresholds(prof)
    except ProfileError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(KEYS) + ["progression.start", "progression.from", "cues.x"]),
       st.text(max_size=20))
def test_any_command_line_value_is_saved_or_refused_cleanly(key: str, text: str) -> None:
    before = paths.profile_path().read_bytes() if paths.profile_path().exists() else None
    try:
        set_value(key, text)
    except ProfileError as e:
        assert "\n" not in str(e)
        after = paths.profile_path().read_bytes() if paths.profile_path().exists() else None
        assert after == before
    else:
        assert read_profile().problems == ()  # whatever was saved reads back without a problem
