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

    [cues]                    # passed through to the cue helper's CuePrefs
    voice = "en"

Every classifying command reads it; command-line options override it for one run. A bad value is
a ProfileError naming the key and what is allowed. Writes are atomic (temp file + os.replace,
mode 0o600), so the file is never half-written.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from hrzone.errors import HrzoneError, ProfileError
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
}
PROGRESSION_KEYS: dict[str, Key] = {
    "start": Key("int", "starting goal in credited minutes a week, 1-2000", 1, 2000),
    "increase": Key("int", "minutes added each week, 0-300", 0, 300),
    "target": Key("int", "final goal in credited minutes a week, 1-2000", 1, 2000),
    "from": Key("date", "the date the progression starts, YYYY-MM-DD"),
}
TABLES = ("progression", "cues")


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
    cues: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def week_start_day(self) -> int:
        """Week start as a Python weekday number (Monday 0 ... Sunday 6)."""
        return WEEKDAYS.index(self.week_start)

    def tz(self) -> tzinfo:
        """The user's time zone: the profile's, else the system's."""
        return ZoneInfo(self.timezone) if self.timezone else system_timezone()

    def goal_for_week(self, week_start: date) -> int:
        """Goal in credited minutes for the week starting on `week_start` (progression applied).

        Weeks before the progression's first week keep the plain weekly goal.
        """
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

    def to_json(self) -> dict[str, Any]:
        """Every key with its effective value (defaults filled in), for `profile show --json`."""
        d: dict[str, Any] = {k: getattr(self, k) for k in KEYS}
        d["timezone_effective"] = _tz_name(self.tz())
        d["progression"] = None if self.progression is None else {
            "start": self.progression.start, "increase": self.progression.increase,
            "target": self.progression.target, "from": self.progression.from_date.isoformat()}
        d["cues"] = dict(self.cues)
        d["path"] = None if self.path is None else str(self.path)
        return d


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


def from_dict(raw: dict[str, Any], where: str = "profile") -> Profile:
    """Validate a parsed TOML document into a Profile; raise ProfileError naming the bad key."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in KEYS:
            values[key] = _check(where, key, KEYS[key], value)
        elif key == "cues":
            values["cues"] = _check_cues(where, value)
        elif key == "progression":
            values["progression"] = _check_progression(where, value, raw.get("weekly_goal"))
        else:
            raise ProfileError(f"{where}: unknown key {key!r} (allowed: "
                               f"{', '.join([*KEYS, *TABLES])})")
    # Cross-key consistency (method bpm needs both thresholds, ...) is checked by
    # profile_thresholds, so keys can be set one at a time.
    return Profile(**values, raw=dict(raw))


def _check_cues(where: str, value: Any) -> dict[str, Any]:
    # Cue preferences belong to the cue helper (CuePrefs); here only the shape is checked.
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: cues must be a table ([cues] with key = value lines)")
    for k, v in value.items():
        if isinstance(v, (dict, list, date, datetime)):
            raise ProfileError(f"{where}: cues.{k} = {v!r} is not allowed "
                               "(use a string, number or true/false)")
    return dict(value)


def _check_progression(where: str, value: Any, weekly_goal: Any) -> Progression:
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: progression must be a table ([progression])")
    for k in value:
        if k not in PROGRESSION_KEYS:
            raise ProfileError(f"{where}: unknown key 'progression.{k}' (allowed: "
                               f"{', '.join('progression.' + p for p in PROGRESSION_KEYS)})")
    v = {k: _check(where, f"progression.{k}", PROGRESSION_KEYS[k], x) for k, x in value.items()}
    if "start" not in v:
        raise ProfileError(f"{where}: progression.start is missing "
                           f"(use {PROGRESSION_KEYS['start'].allowed})")
    if "from" not in v:
        raise ProfileError(f"{where}: progression.from is missing (use {PROGRESSION_KEYS['from'].allowed})")
    goal = weekly_goal if isinstance(weekly_goal, int) else DEFAULT_GOAL_MIN
    return Progression(v["start"], v.get("increase", 10), v.get("target", goal), v["from"])


def load_profile(path: Path | None = None) -> Profile:
    """Read and validate the user profile; a missing file gives the defaults."""
    p = path or profile_path()
    try:
        with open(p, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        return Profile(path=p)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{p}: not valid TOML ({e})") from None
    except OSError as e:
        raise ProfileError(f"{p}: cannot read: {e.strerror}") from None
    return _with_path(from_dict(raw, str(p)), p)


def _with_path(prof: Profile, p: Path) -> Profile:
    return replace(prof, path=p)


def save_raw(raw: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate `raw` and write it atomically (temp file + os.replace, mode 0o600)."""
    p = path or profile_path()
    prof = from_dict(raw, str(p))
    write_private(p, tomli_w.dumps(raw))
    return _with_path(prof, p)


def set_value(key: str, text: str, path: Path | None = None,
              today: Callable[[], date] = date.today) -> Profile:
    """Set one key (dotted for tables: progression.start, cues.voice) from text; save atomically.

    The value "none" (or an empty string) removes the key (or a whole table). Setting the first progression key
    fills in progression.from with today's date.
    """
    p = path or profile_path()
    raw = dict(load_profile(p).raw)
    where = str(p)
    remove = text.strip().lower() in ("", "none", "null")
    head, _, sub = key.partition(".")
    if not sub and key in TABLES and remove:
        raw.pop(key, None)
    elif not sub:
        if key not in KEYS:
            hint = f" (a table: use {key}.<name>)" if key in TABLES else ""
            raise ProfileError(f"{where}: unknown key {key!r}{hint} (allowed: "
                               f"{', '.join([*KEYS, *(t + '.<name>' for t in TABLES)])})")
        if remove:
            raw.pop(key, None)
        else:
            raw[key] = _parse_text(where, key, KEYS[key], text)
    elif head == "progression":
        if sub not in PROGRESSION_KEYS:
            raise ProfileError(f"{where}: unknown key {key!r} (allowed: "
                               f"{', '.join('progression.' + k for k in PROGRESSION_KEYS)})")
        table = dict(raw.get("progression") or {})
        if remove:
            table.pop(sub, None)
        else:
            table[sub] = _parse_text(where, key, PROGRESSION_KEYS[sub], text)
            table.setdefault("from", today())
        if table and set(table) != {"from"}:
            raw["progression"] = table
        else:
            raw.pop("progression", None)
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
    return save_raw(raw, p)


def _loose_value(text: str) -> Any:
    """A cue preference from the command line: TOML literal if it parses (3, 2.5, true), else text."""
    try:
        v = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    return v if isinstance(v, (str, int, float, bool)) else text


def profile_thresholds(profile: Profile) -> Thresholds | None:
    """Thresholds from the profile, or None when it holds nothing to compute them from.

    Raises ProfileError (naming the profile file) when the values cannot give thresholds.
    """
    p = profile
    if all(v is None for v in (p.method, p.age, p.rest_hr, p.max_hr, p.moderate_bpm, p.high_bpm)):
        if p.ceiling_bpm is not None:
            raise ProfileError(f"{p.path or 'profile'}: ceiling_bpm needs thresholds too "
                               "(set age, rest_hr, max_hr, or method bpm with moderate_bpm/high_bpm)")
        return None
    try:
        return resolve_thresholds(p.method, age=p.age, rest=p.rest_hr, max_hr=p.max_hr,
                                  moderate=p.moderate_bpm, high=p.high_bpm, ceiling=p.ceiling_bpm,
                                  beta_blocker=p.beta_blocker)
    except HrzoneError as e:
        raise ProfileError(f"{p.path or 'profile'}: thresholds: {e} "
                           "(profile keys: age, rest_hr, max_hr, method, moderate_bpm, high_bpm, "
                           "ceiling_bpm)") from None


def profile_cue_prefs(profile: Profile, on: date | None = None) -> Any:
    """The profile's [cues] table as hrzone.cues.CuePrefs (ProfileError on a bad cue setting).

    weekly_goal_min defaults to the goal of the week holding `on` (today in the user's time
    zone), goal progression included, unless [cues] sets it explicitly.
    """
    from hrzone.cues import CuePrefs

    day = on or datetime.now(profile.tz()).date()
    week = day - timedelta(days=(day.weekday() - profile.week_start_day) % 7)
    obj = {"weekly_goal_min": profile.goal_for_week(week), **profile.cues}
    return CuePrefs.from_json(obj, where=f"{profile.path or 'profile'} [cues]")
