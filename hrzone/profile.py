"""The user profile: a TOML file in the user config folder (see hrzone.paths).

Example ``profile.toml``::

    age = 54
    rest_hr = 62
    beta_blocker = false
    method = "hrr"            # hrr | hrmax | bpm (with moderate_bpm and high_bpm)
    ceiling_bpm = 150
    weekly_goal = 150         # credited minutes (moderate + 2 x vigorous)
    week_start = "monday"
    timezone = "Europe/Berlin"

    [progression]             # build up gradually: 60 min, +10 a week, up to 150
    start = 60
    increase = 10
    target = 150
    from = 2026-11-16

    strength_days = 2         # the week's mix (hrzone.activities): days a week, 0 hides one
    stretch_days = 7
    rpe_scale = "borg"        # borg (6-20) | cr10 (0-10), for `log note --rpe`

    [strength_progression]    # 1 strength day a week for four weeks, then 2
    start = 1
    increase = 1
    every_weeks = 4
    target = 2
    from = 2026-11-16

    [cues]                    # passed through to the cue helper's CuePrefs
    voice = "en"

Every classifying command reads it; command-line options override it for one run.

Validation is one pass, ``check``, which builds the objects the commands use (each key's type and
range, ``resolve_thresholds`` for the threshold keys together, ``CuePrefs.from_json`` for [cues])
and lists every problem, each a one-line message naming the file and the key:

- ``profile set`` refuses a change that adds a problem (the file is left as it was); keys can be
  set one at a time, so thresholds that are merely incomplete (method bpm without high_bpm yet)
  are saved with a note, while a pair that contradicts (moderate_bpm above high_bpm) is refused.
- ``read_profile`` never fails on content: ``profile show`` lists the problems of a hand-edited
  file. A command stops only when it needs a broken part (``Profile.require``, called by
  ``tz()``, ``goal_for_week()``, ``profile_thresholds()``, ``profile_cue_prefs()``); unknown keys
  and unreadable files stop every command that reads the profile.

Writes are atomic (temp file + os.replace, mode 0o600), so the file is never half-written.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from hrzone.activities import DEFAULT_DAYS, KINDS, DayProgression, weeks_since
from hrzone.errors import HrzoneError, ProfileError, ThresholdError, ThresholdsIncomplete
from hrzone.paths import profile_path, write_private
from hrzone.zones import METHODS, Thresholds, resolve_thresholds

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_GOAL_MIN = 150


@dataclass(frozen=True, slots=True)
class Key:
    """One profile key: how to parse it from a command line, how to check it, what is allowed."""

    kind: str                  # float | int | bool | choice | tz | date
    allowed: str               # shown to the user in errors and in `profile show`
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()


KEYS: dict[str, Key] = {
    "age": Key("float", "years, 5-110", 5, 110),
    "rest_hr": Key("float", "resting heart rate in bpm, 25-120", 25, 120),
    "max_hr": Key("float", "measured maximum heart rate in bpm, 100-240", 100, 240),
    "beta_blocker": Key("bool", "true or false"),
    "method": Key("choice", "one of " + ", ".join(METHODS), choices=METHODS),
    "moderate_bpm": Key("float", "moderate threshold in bpm, 30-250 (method bpm)", 30, 250),
    "high_bpm": Key("float", "high threshold in bpm, 30-250 (method bpm)", 30, 250),
    "ceiling_bpm": Key("float", "safety ceiling in bpm, 30-250", 30, 250),
    "weekly_goal": Key("int", "credited minutes a week, 1-2000", 1, 2000),
    "week_start": Key("choice", "a weekday name (monday ... sunday)", choices=WEEKDAYS),
    "timezone": Key("tz", "an IANA time zone name such as Europe/Berlin"),
    **{f"{k}_days": Key("int", f"{k} days a week, 0-7 (0 hides it)", 0, 7) for k in KINDS},
    "rpe_scale": Key("choice", "borg (RPE 6-20) or cr10 (0-10)", choices=("borg", "cr10")),
}
PROGRESSION_KEYS: dict[str, Key] = {
    "start": Key("int", "starting goal in credited minutes a week, 1-2000", 1, 2000),
    "increase": Key("int", "minutes added each week, 0-300", 0, 300),
    "target": Key("int", "final goal in credited minutes a week, 1-2000", 1, 2000),
    "from": Key("date", "the date the progression starts, YYYY-MM-DD"),
}
STRENGTH_PROGRESSION_KEYS: dict[str, Key] = {
    "start": Key("int", "strength days a week to start with, 0-7", 0, 7),
    "increase": Key("int", "days added each step, 0-7", 0, 7),
    "every_weeks": Key("int", "weeks between steps, 1-52", 1, 52),
    "target": Key("int", "final strength days a week, 0-7", 0, 7),
    "from": Key("date", "the date the build-up starts, YYYY-MM-DD"),
}
TABLES = ("progression", "strength_progression", "cues")
_TABLE_KEYS = {"progression": PROGRESSION_KEYS, "strength_progression": STRENGTH_PROGRESSION_KEYS}
THRESHOLD_KEYS = ("age", "rest_hr", "max_hr", "beta_blocker", "method", "moderate_bpm", "high_bpm",
                  "ceiling_bpm")
# The command-line options the threshold models name in their errors, as profile keys.
_OPTION_KEYS = {"--method": "method", "--age": "age", "--rest": "rest_hr", "--max": "max_hr",
                "--moderate": "moderate_bpm", "--high": "high_bpm", "--ceiling": "ceiling_bpm"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a profile: `key` is the key ("age", "progression", "cues"), "thresholds"
    for threshold keys that contradict each other, or "" for the whole file; `message` is the
    one-line error, naming the file and the key."""

    key: str
    message: str


@dataclass(frozen=True, slots=True)
class Progression:
    """Goal progression: `start` minutes in the week of `from_date`, + `increase` a week, up to `target`."""

    start: int
    increase: int
    target: int
    from_date: date


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated user profile. Missing optional values are None; see KEYS for units."""

    age: float | None = None
    rest_hr: float | None = None
    max_hr: float | None = None
    beta_blocker: bool = False
    method: str | None = None
    moderate_bpm: float | None = None
    high_bpm: float | None = None
    ceiling_bpm: float | None = None
    weekly_goal: int = DEFAULT_GOAL_MIN
    week_start: str = "monday"
    timezone: str | None = None
    progression: Progression | None = None
    cardio_days: int = DEFAULT_DAYS["cardio"]
    strength_days: int = DEFAULT_DAYS["strength"]
    stretch_days: int = DEFAULT_DAYS["stretch"]
    balance_days: int = DEFAULT_DAYS["balance"]
    rpe_scale: str = "borg"
    strength_progression: DayProgression | None = None
    cues: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()  # bad keys hold their default above; see require()

    def require(self, *keys: str) -> None:
        """Raise ProfileError (the problem's own message) if one of `keys` ("thresholds" for the
        threshold keys together) has a problem, or the file has one that concerns every part (an
        unknown key, unreadable TOML). Commands thus stop only when they need what is broken."""
        for pr in self.problems:
            top = pr.key.split(".", 1)[0]
            if top in keys or top not in _PARTS:
                raise ProfileError(pr.message)

    @property
    def week_start_day(self) -> int:
        """Week start as a Python weekday number (Monday 0 ... Sunday 6)."""
        self.require("week_start")
        return WEEKDAYS.index(self.week_start)

    def tz(self) -> tzinfo:
        """The user's time zone: the profile's, else the system's."""
        self.require("timezone")
        return self._tz()

    def _tz(self) -> tzinfo:
        return ZoneInfo(self.timezone) if self.timezone else system_timezone()

    def goal_for_week(self, week_start: date) -> int:
        """Goal in credited minutes for the week starting on `week_start` (progression applied).

        Weeks before the progression's first week keep the plain weekly goal.
        """
        self.require("weekly_goal", "progression", "week_start")
        p = self.progression
        if p is None:
            return self.weekly_goal
        first = p.from_date - timedelta(days=(p.from_date.weekday() - self.week_start_day) % 7)
        n = (week_start - first).days // 7
        if n < 0:
            return self.weekly_goal
        if p.target >= p.start:
            return min(p.target, p.start + p.increase * n)
        return max(p.target, p.start - p.increase * n)

    def goal_days(self, kind: str, week_start: date) -> int:
        """Days of `kind` the week starting on `week_start` asks for (strength: its build-up)."""
        key = f"{kind}_days"
        self.require(key, "strength_progression", "week_start")
        plain = int(getattr(self, key))
        p = self.strength_progression
        if kind != "strength" or p is None:
            return plain
        return p.goal(weeks_since(p.from_date, week_start, self.week_start_day), plain)

    def build_up(self, week_start: date) -> dict[str, Any]:
        """Where the week starting on `week_start` is in each build-up ({"aerobic": ...,
        "strength": ...}, None when there is none or it has not started): its week number
        (1 = the first week), the goal it gives and the build-up's settings."""
        self.require("progression", "strength_progression", "week_start")
        out: dict[str, Any] = {"aerobic": None, "strength": None}
        p = self.progression
        if p is not None:
            n = weeks_since(p.from_date, week_start, self.week_start_day)
            if n >= 0:
                out["aerobic"] = {"week": n + 1, "goal": self.goal_for_week(week_start),
                                  "start": p.start, "increase": p.increase,
                                  "target": p.target, "from": p.from_date.isoformat()}
        s = self.strength_progression
        if s is not None:
            n = weeks_since(s.from_date, week_start, self.week_start_day)
            if n >= 0:
                out["strength"] = {"week": n + 1, "goal": self.goal_days("strength", week_start),
                                   **s.to_json()}
        return out

    def to_json(self) -> dict[str, Any]:
        """Every key with its effective value (defaults filled in), for `profile show --json`."""
        d: dict[str, Any] = {k: getattr(self, k) for k in KEYS}
        d["timezone_effective"] = _tz_name(self._tz())
        d["progression"] = None if self.progression is None else {
            "start": self.progression.start, "increase": self.progression.increase,
            "target": self.progression.target, "from": self.progression.from_date.isoformat()}
        d["strength_progression"] = (None if self.strength_progression is None
                                     else self.strength_progression.to_json())
        d["cues"] = dict(self.cues)
        d["path"] = None if self.path is None else str(self.path)
        d["problems"] = [{"key": pr.key, "message": pr.message} for pr in self.problems]
        return d


_PARTS = frozenset([*KEYS, *TABLES, "thresholds"])


def system_timezone() -> tzinfo:
    """The machine's time zone with its DST rules ($TZ, then /etc/localtime), else a fixed offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key=_localtime_key())
    except (OSError, ValueError):
        pass
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


def _localtime_key() -> str:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "localtime"
    parts = target.split("zoneinfo/", 1)
    return parts[1] if len(parts) == 2 else "localtime"


def _tz_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(datetime.now()) or "local")


def _check(where: str, key: str, spec: Key, value: Any) -> Any:
    """Validate one value read from TOML (already typed); return it normalised."""
    bad = ProfileError(f"{where}: {key} = {value!r} is not allowed (use {spec.allowed})")
    if spec.kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if spec.kind == "int" and (isinstance(value, float) and not value.is_integer()):
            raise bad
        if not (spec.lo is None or spec.lo <= value) or not (spec.hi is None or value <= spec.hi):
            raise bad
        return int(value) if spec.kind == "int" else float(value)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if spec.kind == "choice":
        if not isinstance(value, str) or value.lower() not in spec.choices:
            raise bad
        return value.lower()
    if spec.kind == "tz":
        if not isinstance(value, str) or not value:
            raise bad
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad from None
        return value
    if spec.kind == "date":
        if isinstance(value, datetime) or not isinstance(value, date):
            raise bad
        return value
    raise AssertionError(spec.kind)  # pragma: no cover


def _parse_text(where: str, key: str, spec: Key, text: str) -> Any:
    """Turn a command-line string into the typed value for `key` (then validated by _check)."""
    t = text.strip()
    try:
        if spec.kind == "float":
            return float(t)
        if spec.kind == "int":
            f = float(t)
            return int(f) if f.is_integer() else f
        if spec.kind == "bool":
            low = t.lower()
            if low in ("true", "yes", "on", "1"):
                return True
            if low in ("false", "no", "off", "0"):
                return False
            raise ValueError(t)
        if spec.kind == "date":
            return date.fromisoformat(t)
    except ValueError:
        raise ProfileError(f"{where}: {key} = {text!r} is not allowed (use {spec.allowed})") from None
    return t


def check(raw: Mapping[str, Any], where: str = "profile") -> Profile:
    """Validate a parsed TOML document: a Profile holding every valid value (a bad one keeps its
    default) and listing every problem in `problems`. Never raises for the content.

    Beyond each key's own type and range, the threshold keys must give thresholds together
    (zones.resolve_thresholds; merely incomplete is not a problem, so keys can be set one at a
    time) and [cues] must give CuePrefs (CuePrefs.from_json), the objects the commands build.
    """
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        try:
            if key in KEYS:
                values[key] = _check(where, key, KEYS[key], value)
            elif key == "cues":
                values["cues"] = _check_cues(where, value)
            elif key == "progression":
                values["progression"] = _check_progression(where, value, raw.get("weekly_goal"))
            elif key == "strength_progression":
                values[key] = _check_day_progression(where, value, raw.get("strength_days"))
            else:
                raise ProfileError(f"{where}: unknown key {key!r} (allowed: "
                                   f"{', '.join([*KEYS, *TABLES])})")
        except ProfileError as e:
            problems.append(Problem(str(key), str(e)))
    prof = Profile(**values, raw=dict(raw), problems=tuple(problems))
    if not any(pr.key in THRESHOLD_KEYS for pr in problems):
        try:
            _resolve(prof)
        except ThresholdsIncomplete:
            pass  # said when a command needs them (profile_thresholds) and as a note on `set`
        except ThresholdError as e:
            problems.append(Problem("thresholds", _threshold_message(prof, where, e)))
    if "cues" in values:
        # Each setting alone first, so every bad one is listed; then the table as a whole.
        bad = []
        for k, v in values["cues"].items():
            try:
                _cue_prefs({k: v}, where)
            except HrzoneError as e:
                bad.append(Problem(f"cues.{k}", str(e)))
        if not bad:
            try:
                _cue_prefs(values["cues"], where)
            except HrzoneError as e:
                bad.append(Problem("cues", str(e)))
        problems += bad
    return replace(prof, problems=tuple(problems))


def from_dict(raw: Mapping[str, Any], where: str = "profile") -> Profile:
    """Validate a parsed TOML document into a Profile; raise ProfileError for its first problem."""
    prof = check(raw, where)
    if prof.problems:
        raise ProfileError(prof.problems[0].message)
    return prof


def _check_cues(where: str, value: Any) -> dict[str, Any]:
    # Each cue setting is checked by the cue engine's own CuePrefs.from_json (in check).
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: cues must be a table ([cues] with key = value lines)")
    return dict(value)


def _cue_prefs(cues: Mapping[str, Any], where: str) -> Any:
    """hrzone.cues.CuePrefs from a [cues] table (its own validation; ProfileError naming `where`)."""
    from hrzone.cues import CuePrefs

    return CuePrefs.from_json(cues, where=f"{where}: cues")


def _check_table(where: str, name: str, value: Any) -> dict[str, Any]:
    """The typed values of a build-up table (`progression`, `strength_progression`), each key
    checked, `start` and `from` required."""
    keys = _TABLE_KEYS[name]
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: {name} must be a table ([{name}])")
    for k in value:
        if k not in keys:
            raise ProfileError(f"{where}: unknown key '{name}.{k}' (allowed: "
                               f"{', '.join(f'{name}.{p}' for p in keys)})")
    v = {k: _check(where, f"{name}.{k}", keys[k], x) for k, x in value.items()}
    for k in ("start", "from"):
        if k not in v:
            raise ProfileError(f"{where}: {name}.{k} is missing (use {keys[k].allowed})")
    return v


def _check_progression(where: str, value: Any, weekly_goal: Any) -> Progression:
    v = _check_table(where, "progression", value)
    goal = weekly_goal if isinstance(weekly_goal, int) else DEFAULT_GOAL_MIN
    return Progression(v["start"], v.get("increase", 10), v.get("target", goal), v["from"])


def _check_day_progression(where: str, value: Any, days: Any) -> DayProgression:
    v = _check_table(where, "strength_progression", value)
    goal = days if isinstance(days, int) and not isinstance(days, bool) else DEFAULT_DAYS["strength"]
    return DayProgression(v["start"], v.get("increase", 1), v.get("every_weeks", 4),
                          v.get("target", goal), v["from"])


def read_profile(path: Path | None = None) -> Profile:
    """Read the user profile without failing on its content: a missing file gives the defaults,
    an unreadable one the defaults with one problem (key ""); see check() for the rest."""
    p = path or profile_path()
    try:
        with open(p, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        return Profile(path=p)
    except tomllib.TOMLDecodeError as e:
        return Profile(path=p, problems=(Problem("", f"{p}: not valid TOML ({e})"),))
    except OSError as e:
        return Profile(path=p, problems=(Problem("", f"{p}: cannot read: {e.strerror}"),))
    return _with_path(check(raw, str(p)), p)


def load_profile(path: Path | None = None) -> Profile:
    """Read the user profile for a command: ProfileError when the file cannot be read at all;
    a bad key is raised later, by the part that needs it (Profile.require)."""
    prof = read_profile(path)
    for pr in prof.problems:
        if not pr.key:
            raise ProfileError(pr.message)
    return prof


def _with_path(prof: Profile, p: Path) -> Profile:
    return replace(prof, path=p)


def save_raw(raw: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate `raw` and write it atomically (temp file + os.replace, mode 0o600).

    Refused with ProfileError, the file unchanged, when `raw` has a problem the file on disk
    does not already have (so one of two hand-made mistakes can be fixed at a time).
    """
    p = path or profile_path()
    prof = _with_path(check(raw, str(p)), p)
    before = {pr.message for pr in read_profile(p).problems}
    for pr in prof.problems:
        if pr.message not in before:
            hint = "; threshold keys can be set together" if pr.key == "thresholds" else ""
            raise ProfileError(pr.message + hint)
    try:
        text = tomli_w.dumps(raw)
    except (TypeError, ValueError) as e:
        raise ProfileError(f"{p}: cannot be written as TOML ({e})") from None
    write_private(p, text, error=ProfileError)
    return prof


def set_value(key: str, text: str, path: Path | None = None,
              today: Callable[[], date] = date.today) -> Profile:
    """Set one key (dotted for tables: progression.start, cues.voice) from text; save atomically.

    The value "none" (or an empty string) removes the key (or a whole table), an unknown key
    included. Setting the first progression key fills in progression.from with today's date.
    Raises ProfileError naming the key, the file unchanged, when the result has a new problem.
    """
    return set_values([(key, text)], path, today)


def set_values(pairs: Iterable[tuple[str, str]], path: Path | None = None,
               today: Callable[[], date] = date.today) -> Profile:
    """Set several keys at once (validated together, one write): `moderate_bpm 150 high_bpm 170`
    moves both thresholds past each other, which one at a time would refuse."""
    p = path or profile_path()
    raw = dict(load_profile(p).raw)
    for key, text in pairs:
        raw = _apply(raw, key, text, str(p), today)
    return save_raw(raw, p)


def _apply(raw: dict[str, Any], key: str, text: str, where: str,
           today: Callable[[], date]) -> dict[str, Any]:
    """`raw` with `key` set from the command-line `text` (typed, not yet validated as a whole)."""
    raw = dict(raw)
    remove = text.strip().lower() in ("", "none", "null")
    head, _, sub = key.partition(".")
    if remove and (key in raw or key in TABLES):  # unknown keys too (hand-made typos)
        raw.pop(key, None)
    elif not sub:
        if key not in KEYS:
            hint = f" (a table: use {key}.<name>)" if key in TABLES else ""
            raise ProfileError(f"{where}: unknown key {key!r}{hint} (allowed: "
                               f"{', '.join([*KEYS, *(t + '.<name>' for t in TABLES)])})")
        if not remove:
            raw[key] = _parse_text(where, key, KEYS[key], text)
    elif head in TABLES and not isinstance(raw.get(head, {}), dict):
        raise ProfileError(f"{where}: {head} is not a table in the file; "
                           f"remove it first (hrzone profile set {head} none)")
    elif head in _TABLE_KEYS:
        keys = _TABLE_KEYS[head]
        table = dict(raw.get(head) or {})
        if remove:
            table.pop(sub, None)
        elif sub not in keys:
            raise ProfileError(f"{where}: unknown key {key!r} (allowed: "
                               f"{', '.join(f'{head}.{k}' for k in keys)})")
        else:
            table[sub] = _parse_text(where, key, keys[sub], text)
            table.setdefault("from", today())
        if table and set(table) != {"from"}:
            raw[head] = table
        else:
            raw.pop(head, None)
    elif head == "cues":
        table = dict(raw.get("cues") or {})
        if remove:
            table.pop(sub, None)
        else:
            table[sub] = _loose_value(text)
        raw["cues"] = table
        if not table:
            raw.pop("cues")
    else:
        raise ProfileError(f"{where}: unknown table in key {key!r} (allowed: {', '.join(TABLES)})")
    return raw


def _loose_value(text: str) -> Any:
    """A cue preference from the command line: TOML literal if it parses (3, 2.5, true), else text."""
    try:
        v = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    return v if isinstance(v, (str, int, float, bool)) else text


def _resolve(p: Profile) -> Thresholds | None:
    """Thresholds from the profile's keys (zones.resolve_thresholds), None when it has none."""
    if all(v is None for v in (p.method, p.age, p.rest_hr, p.max_hr, p.moderate_bpm, p.high_bpm)):
        if p.ceiling_bpm is not None:
            raise ThresholdsIncomplete("ceiling_bpm needs thresholds too (set age, rest_hr, "
                                       "max_hr, or method bpm with moderate_bpm and high_bpm)")
        return None
    return resolve_thresholds(p.method, age=p.age, rest=p.rest_hr, max_hr=p.max_hr,
                              moderate=p.moderate_bpm, high=p.high_bpm, ceiling=p.ceiling_bpm,
                              beta_blocker=p.beta_blocker)


def _threshold_message(p: Profile, where: str, e: HrzoneError) -> str:
    given = ", ".join(f"{k} = {show_value(getattr(p, k))}" for k in THRESHOLD_KEYS
                      if getattr(p, k) not in (None, False))
    words = re.sub(r"--[a-z]+\b", lambda m: _OPTION_KEYS.get(m.group(0), m.group(0)), str(e))
    return f"{where}: thresholds ({given or 'no threshold keys'}): {words}"


def show_value(v: Any) -> str:
    """A profile value as the user types it: 54 (not 54.0), true/false, text as is."""
    return f"{v:g}" if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)


def profile_thresholds(profile: Profile) -> Thresholds | None:
    """Thresholds from the profile, or None when it holds nothing to compute them from.

    Raises ProfileError (naming the profile file and the keys) when a threshold key is bad, or
    the values cannot give thresholds (contradictory, or incomplete: method bpm without high_bpm).
    """
    profile.require(*THRESHOLD_KEYS, "thresholds")
    try:
        return _resolve(profile)
    except ThresholdError as e:
        raise ProfileError(_threshold_message(profile, str(profile.path or "profile"), e)) from None


def profile_cue_prefs(profile: Profile, on: date | None = None) -> Any:
    """The profile's [cues] table as hrzone.cues.CuePrefs (ProfileError on a bad cue setting).

    weekly_goal_min defaults to the goal of the week holding `on` (today in the user's time
    zone), goal progression included, unless [cues] sets it explicitly.
    """
    profile.require("cues")
    day = on or datetime.now(profile.tz()).date()
    week = day - timedelta(days=(day.weekday() - profile.week_start_day) % 7)
    obj = {"weekly_goal_min": profile.goal_for_week(week), **profile.cues}
    return _cue_prefs(obj, str(profile.path or "profile"))
