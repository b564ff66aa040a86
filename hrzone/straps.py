"""Straps: what hrzone knows about each family of heart-rate straps, as data
(``firmware_profiles/*.toml``, one *firmware profile* per family).

Not to be confused with ``hrzone.profile``, the user's own profile (age, thresholds, cues).

Each profile states facts about one family of straps (name patterns, ECG or optical sensor, RR
support and quirks, contact detection, what the Energy Expended field means, what happens when
the strap is taken off, settling time) and gives the public source of every fact in its
``[sources]`` table. A profile maps onto signal-core settings with
:meth:`FirmwareProfile.signal_config`; no code anywhere says ``if model == ...``.

Matching (:func:`match_strap`): the advertised name against ``name_patterns`` first, then the
Device Information model string against ``model_patterns``, else the ``generic`` profile.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hrzone.errors import ProfileError
from hrzone.paths import bundled_dir
from hrzone.signal.config import SignalConfig

PROFILE_DIR_ENV = "HRZONE_FIRMWARE_PROFILES"
DEFAULT_DIR = bundled_dir("firmware_profiles")
GENERIC = "generic"

SENSORS = ("ecg", "optical")
RR_QUIRKS = ("none", "spurious-trailing")
ENERGY = ("absent", "kj", "status", "unknown")
OFF_BODY = ("contact-lost", "stops", "zero-hr", "plausible-hr", "unknown")
CONTACT = ("supported", "unsupported", "unknown")

# Facts that need a [sources] entry, with their expected type and allowed values.
_FACTS: dict[str, tuple[type | tuple[type, ...], tuple[str, ...] | None]] = {
    "name_patterns": (list, None),
    "model_patterns": (list, None),
    "advertises_hr_service": (bool, None),
    "sensor": (str, SENSORS),
    "rr": (bool, None),
    "rr_quirk": (str, RR_QUIRKS),
    "contact": (str, CONTACT),
    "energy_expended": (str, ENERGY),
    "off_body": (str, OFF_BODY),
    "settle_s": ((int, float), None),
}
_REQUIRED = ("sensor", "rr", "contact", "off_body")
_PLAIN = {"title", "notes", "sources", "signal"}
_SIGNAL_FIELDS = {f.name: f for f in fields(SignalConfig)}


@dataclass(frozen=True, slots=True)
class FirmwareProfile:
    """What hrzone knows about one strap family (see module docstring; units in names)."""

    name: str
    title: str
    path: Path
    sensor: str
    rr: bool
    contact: str
    off_body: str
    name_patterns: tuple[str, ...] = ()
    model_patterns: tuple[str, ...] = ()
    advertises_hr_service: bool = True
    rr_quirk: str = "none"
    energy_expended: str = "absent"
    settle_s: float = 0.0
    notes: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    signal: dict[str, Any] = field(default_factory=dict)

    @property
    def optical(self) -> bool:
        return self.sensor == "optical"

    def matches_name(self, name: str | None) -> bool:
        """True if an advertised/OS device name matches one of the name patterns."""
        return bool(name) and any(re.search(p, name) for p in self.name_patterns)

    def matches_model(self, model: str | None) -> bool:
        """True if a Device Information model string matches one of the model patterns."""
        return bool(model) and any(re.search(p, model) for p in self.model_patterns)

    def signal_config(self, base: SignalConfig) -> SignalConfig:
        """The signal-core rules for this strap: `base` with this profile's overrides.

        Facts map onto rules (spurious trailing RR -> drop_trailing_rr; settling time ->
        settle_s, never lowering the base), then the profile's explicit ``[signal]`` table wins.
        """
        kw: dict[str, Any] = {}
        if self.rr_quirk == "spurious-trailing":
            kw["drop_trailing_rr"] = True
        if self.settle_s > base.settle_s:
            kw["settle_s"] = float(self.settle_s)
        kw.update(self.signal)
        return base.with_overrides(**kw) if kw else base

    def to_json(self) -> dict[str, Any]:
        """The profile as plain data (for `hrzone scan --json` and docs)."""
        return {"name": self.name, "title": self.title, "sensor": self.sensor, "rr": self.rr,
                "rr_quirk": self.rr_quirk, "contact": self.contact,
                "energy_expended": self.energy_expended, "off_body": self.off_body,
                "settle_s": self.settle_s, "advertises_hr_service": self.advertises_hr_service,
                "name_patterns": list(self.name_patterns),
                "model_patterns": list(self.model_patterns), "signal": dict(self.signal)}


def _type_name(t: type | tuple[type, ...]) -> str:
    return {list: "a list of strings", bool: "true or false", str: "a string"}.get(
        t if isinstance(t, type) else float, "a number")  # type: ignore[arg-type]


def parse_strap(path: Path, raw: dict[str, Any]) -> FirmwareProfile:
    """Validate one parsed TOML document; raise ProfileError naming the file and the key."""
    where = str(path)
    for key in raw:
        if key not in _FACTS and key not in _PLAIN:
            raise ProfileError(f"{where}: unknown key {key!r}")
    for key in _REQUIRED:
        if key not in raw:
            raise ProfileError(f"{where}: missing key {key!r}")
    values: dict[str, Any] = {}
    for key, (typ, allowed) in _FACTS.items():
        if key not in raw:
            continue
        v = raw[key]
        if not isinstance(v, typ) or (typ is not bool and isinstance(v, bool)):
            raise ProfileError(f"{where}: key {key!r} must be {_type_name(typ)}")
        if allowed is not None and v not in allowed:
            raise ProfileError(f"{where}: key {key!r} is {v!r}; allowed: {', '.join(allowed)}")
        if typ is list:
            for p in v:
                if not isinstance(p, str):
                    raise ProfileError(f"{where}: key {key!r} must be a list of strings")
                try:
                    re.compile(p)
                except re.error as e:
                    raise ProfileError(f"{where}: key {key!r}: bad pattern {p!r} ({e})") from None
            v = tuple(v)
        if key == "settle_s" and not 0 <= v <= 120:
            raise ProfileError(f"{where}: key 'settle_s' must be 0-120 seconds, not {v}")
        values[key] = v
    sources = raw.get("sources", {})
    if not isinstance(sources, dict):
        raise ProfileError(f"{where}: [sources] must be a table")
    for key, src in sources.items():
        if key not in _FACTS:
            raise ProfileError(f"{where}: [sources] key {key!r} is not a fact of this profile")
        if not isinstance(src, str) or not src.strip():
            raise ProfileError(f"{where}: [sources] {key!r} must be a non-empty string")
    for key in values:
        if key not in sources:
            raise ProfileError(f"{where}: key {key!r} has no public source in [sources]")
    signal = raw.get("signal", {})
    if not isinstance(signal, dict):
        raise ProfileError(f"{where}: [signal] must be a table")
    for key, v in signal.items():
        f = _SIGNAL_FIELDS.get(key)
        if f is None:
            raise ProfileError(f"{where}: [signal] key {key!r} is not a signal-core setting")
        want = type(getattr(SignalConfig(), key))
        ok = isinstance(v, bool) if want is bool else (
            isinstance(v, (int, float)) and not isinstance(v, bool)
            and (want is float or isinstance(v, int)))
        if not ok or (want is not bool and v < 0):
            raise ProfileError(f"{where}: [signal] key {key!r} must be a non-negative "
                               f"{want.__name__}")
    for key in ("title", "notes"):
        if key in raw and not isinstance(raw[key], str):
            raise ProfileError(f"{where}: key {key!r} must be a string")
    if values.get("rr_quirk", "none") != "none" and not values["rr"]:
        raise ProfileError(f"{where}: key 'rr_quirk' is set but 'rr' is false")
    return FirmwareProfile(name=path.stem, title=str(raw.get("title", path.stem)), path=path,
                           notes=str(raw.get("notes", "")).strip(), sources=dict(sources),
                           signal={k: (float(v) if type(getattr(SignalConfig(), k)) is float
                                       else v) for k, v in signal.items()},
                           **values)


def load_strap_file(path: str | os.PathLike[str]) -> FirmwareProfile:
    """Read and validate one firmware profile file."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ProfileError(f"{p}: no such firmware profile") from None
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{p}: not valid TOML ({e})") from None
    return parse_strap(p, raw)


def strap_dirs() -> list[Path]:
    """Where profiles are read from: $HRZONE_FIRMWARE_PROFILES (os.pathsep-separated), then
    the bundled folder. A later folder never overrides a profile of the same name."""
    extra = [Path(d) for d in os.environ.get(PROFILE_DIR_ENV, "").split(os.pathsep) if d]
    return [*extra, DEFAULT_DIR]


def load_straps(dirs: Iterable[Path] | None = None) -> dict[str, FirmwareProfile]:
    """All profiles by name (file stem), the first folder winning on duplicate names."""
    out: dict[str, FirmwareProfile] = {}
    for d in (strap_dirs() if dirs is None else dirs):
        if not Path(d).is_dir():
            continue
        for p in sorted(Path(d).glob("*.toml")):
            if p.stem not in out:
                out[p.stem] = load_strap_file(p)
    if GENERIC not in out:
        raise ProfileError(f"no '{GENERIC}' firmware profile found in "
                           f"{', '.join(str(d) for d in (dirs or strap_dirs()))}")
    return out


def get_strap(name: str, profiles: dict[str, FirmwareProfile] | None = None) -> FirmwareProfile:
    """The firmware profile called `name` (for --strap); ProfileError lists the known names."""
    profiles = load_straps() if profiles is None else profiles
    try:
        return profiles[name]
    except KeyError:
        raise ProfileError(f"--strap {name!r} is unknown (known: {', '.join(sorted(profiles))})"
                           ) from None


def match_strap(profiles: dict[str, FirmwareProfile], name: str | None = None,
                  model: str | None = None) -> FirmwareProfile:
    """Best profile for a device: name pattern first, then model string, else generic."""
    cands = [p for k, p in sorted(profiles.items()) if k != GENERIC]
    for p in cands:
        if p.matches_name(name):
            return p
    for p in cands:
        if p.matches_model(model):
            return p
    return profiles[GENERIC]


def name_matches_any(profiles: dict[str, FirmwareProfile], name: str | None) -> FirmwareProfile | None:
    """The non-generic profile whose name pattern matches `name` (used by scan), or None."""
    for k, p in sorted(profiles.items()):
        if k != GENERIC and p.matches_name(name):
            return p
    return None
