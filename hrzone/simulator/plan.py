"""Workout plans for the simulator: who exercises, how their heart responds, what the strap gets
wrong, and a list of segments of constant (or ramped) workload.

Workload is a fraction of heart-rate reserve: a segment at workload w drives the heart rate
towards ``rest_bpm + w * (max_bpm - rest_bpm)``. Plans come from the built-in table
(hrzone/simulator/builtin.py) or from a TOML/JSON file with the same structure; every key is
checked and a bad one raises PlanError naming the file and the key.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hrzone.errors import PlanError, ThresholdError
from hrzone.zones import Thresholds, estimate_max_hr, resolve_thresholds

MAX_DURATION_S = 48 * 3600
MIN_DURATION_S = 10


@dataclass(frozen=True, slots=True)
class Person:
    """The simulated person. rest_bpm is required; max_bpm is measured or estimated from age.

    method/fractions/moderate_bpm/high_bpm/ceiling_bpm choose the thresholds exactly as the
    threshold options of the CLI do (zones.resolve_thresholds); the default is heart-rate reserve.
    """

    rest_bpm: float
    max_bpm: float | None = None
    age: float | None = None
    beta_blocker: bool = False
    method: str = "hrr"
    fractions: tuple[float, float] | None = None
    moderate_bpm: float | None = None
    high_bpm: float | None = None
    ceiling_bpm: float | None = None

    def thresholds(self) -> Thresholds:
        """Resolved intensity thresholds in bpm (raises ThresholdError)."""
        if self.method == "bpm":
            return resolve_thresholds("bpm", moderate=self.moderate_bpm, high=self.high_bpm,
                                      ceiling=self.ceiling_bpm, rest=self.rest_bpm,
                                      max_hr=self.max_bpm)
        return resolve_thresholds(self.method, age=self.age, rest=self.rest_bpm,
                                  max_hr=self.max_bpm, ceiling=self.ceiling_bpm,
                                  beta_blocker=self.beta_blocker, fractions=self.fractions)

    def hr_max(self) -> float:
        """Maximum heart rate the physiology model uses, bpm."""
        if self.max_bpm is not None:
            return float(self.max_bpm)
        assert self.age is not None
        return estimate_max_hr(self.age, self.beta_blocker)


@dataclass(frozen=True, slots=True)
class Segment:
    """duration_s seconds at workload (fraction of HR reserve), ramping linearly to end_workload."""

    duration_s: int
    workload: float
    end_workload: float | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Physiology:
    """Heart-rate response: first-order kinetics with time constants tau_on_s (HR rising) and
    tau_off_s (HR falling); cardiac drift of drift_bpm_per_h per hour at workload 1 that recovers
    with time constant drift_recovery_s; hrv scales heart-rate variability (0 = none);
    heat_bpm_per_h: an extra rise of heart rate per hour of exercise at any workload (heat
    strain, hrzone.heat), recovering at rest with drift_recovery_s (0 = none)."""

    tau_on_s: float = 30.0
    tau_off_s: float = 50.0
    drift_bpm_per_h: float = 20.0
    drift_recovery_s: float = 3600.0
    hrv: float = 1.0
    heat_bpm_per_h: float = 0.0


@dataclass(frozen=True, slots=True)
class Episodes:
    """count episodes per plan cycle, each lasting a random whole number of seconds in
    [min_s, max_s]."""

    count: int = 0
    min_s: int = 10
    max_s: int = 30


@dataclass(frozen=True, slots=True)
class Artifacts:
    """Strap artefacts to inject (all off by default); positions are drawn by the seeded RNG.

    dry_start_s: (min, max) length of the dry-strap period at the start, s ((0, 0) = none);
    dry_spike_frac: fraction of its notifications whose HR field is an erratic 150-220 bpm;
    contact_loss / dropout / stale: episodes per plan cycle; contact_loss_hr: what the HR field
    shows while contact is lost ("zero", "hold" or "random" per episode);
    ectopic / missed / extra_per_min: beat artefacts per minute (Poisson, at least one if > 0).
    """

    dry_start_s: tuple[int, int] = (0, 0)
    dry_spike_frac: float = 0.6
    contact_loss: Episodes = Episodes()
    contact_loss_hr: str = "random"
    dropout: Episodes = Episodes()
    stale: Episodes = Episodes()
    ectopic_per_min: float = 0.0
    missed_per_min: float = 0.0
    extra_per_min: float = 0.0

    def any(self) -> bool:
        return bool(self.dry_start_s[1] or self.contact_loss.count or self.dropout.count
                    or self.stale.count or self.ectopic_per_min or self.missed_per_min
                    or self.extra_per_min)


@dataclass(frozen=True, slots=True)
class Device:
    """The virtual strap: contact_supported sets the contact bits; rr sends RR intervals;
    hr_beats is how many latest beats the HR field averages; jitter_ms is the +- spread of the
    ~1 Hz notification times."""

    contact_supported: bool = True
    rr: bool = True
    hr_beats: int = 4
    jitter_ms: int = 80


@dataclass(frozen=True, slots=True)
class Plan:
    """A workout plan. repeat_to_s, when set, repeats the segments (truncating the last cycle)
    until the session lasts that long; episode counts scale with the number of cycles."""

    name: str
    person: Person
    segments: tuple[Segment, ...]
    description: str = ""
    physiology: Physiology = Physiology()
    artifacts: Artifacts = Artifacts()
    device: Device = Device()
    repeat_to_s: int | None = None

    @property
    def cycle_s(self) -> int:
        """Length of one pass through the segments, s."""
        return sum(s.duration_s for s in self.segments)

    @property
    def duration_s(self) -> int:
        """Length of the simulated session, s."""
        return self.repeat_to_s if self.repeat_to_s is not None else self.cycle_s

    def repeated(self, duration_s: int) -> Plan:
        """The same plan repeated (and truncated) to last duration_s seconds."""
        _check_duration(int(duration_s), f"plan {self.name}")
        return replace(self, repeat_to_s=int(duration_s))

    def without_artifacts(self) -> Plan:
        """The same plan with a perfect strap (same physiology, same seed gives the same HR)."""
        return replace(self, artifacts=Artifacts())

    def to_json(self) -> dict[str, Any]:
        """The plan in the file format accepted by parse_plan (defaults included)."""
        p = self.person
        person: dict[str, Any] = {"rest_bpm": p.rest_bpm, "method": p.method}
        for k in ("max_bpm", "age", "moderate_bpm", "high_bpm", "ceiling_bpm"):
            if getattr(p, k) is not None:
                person[k] = getattr(p, k)
        if p.beta_blocker:
            person["beta_blocker"] = True
        if p.fractions is not None:
            person["fractions"] = list(p.fractions)
        segs = []
        for s in self.segments:
            d: dict[str, Any] = {"duration_s": s.duration_s, "workload": s.workload}
            if s.end_workload is not None:
                d["end_workload"] = s.end_workload
            if s.label:
                d["label"] = s.label
            segs.append(d)
        a = self.artifacts
        art: dict[str, Any] = {"dry_start_s": list(a.dry_start_s), "dry_spike_frac": a.dry_spike_frac,
                               "contact_loss_hr": a.contact_loss_hr,
                               "ectopic_per_min": a.ectopic_per_min,
                               "missed_per_min": a.missed_per_min, "extra_per_min": a.extra_per_min}
        for k in ("contact_loss", "dropout", "stale"):
            e: Episodes = getattr(a, k)
            art[k] = {"count": e.count, "min_s": e.min_s, "max_s": e.max_s}
        physiology = _fields(self.physiology)
        if not physiology["heat_bpm_per_h"]:
            del physiology["heat_bpm_per_h"]  # optional: plans without heat read as before
        out: dict[str, Any] = {"name": self.name, "description": self.description,
                               "person": person, "physiology": physiology,
                               "artifacts": art, "device": _fields(self.device), "segments": segs}
        if self.repeat_to_s is not None:
            out["repeat_to_s"] = self.repeat_to_s
        return out


def _fields(obj: Any) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in obj.__dataclass_fields__}


# ---------------------------------------------------------------------------------------------
# Parsing (strict: unknown keys and wrong types name the file and the key)


class _Reader:
    """Typed access to one table of a plan file; errors name the file and the dotted key."""

    def __init__(self, obj: Any, where: str, prefix: str):
        if not isinstance(obj, dict):
            raise PlanError(f"{where}: key '{prefix.rstrip('.') or '(top)'}' must be a table/object")
        self.obj, self.where, self.prefix = obj, where, prefix
        self.used: set[str] = set()

    def err(self, key: str, msg: str) -> PlanError:
        return PlanError(f"{self.where}: key '{self.prefix}{key}' {msg}")

    def has(self, key: str) -> bool:
        return key in self.obj

    def raw(self, key: str) -> Any:
        self.used.add(key)
        return self.obj[key]

    def num(self, key: str, default: float | None, lo: float, hi: float,
            required: bool = False) -> float | None:
        if key not in self.obj:
            if required:
                raise self.err(key, "is missing")
            return default
        v = self.raw(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.err(key, f"must be a number, not {v!r}")
        if not lo <= v <= hi:
            raise self.err(key, f"= {v:g} is out of range ({lo:g}-{hi:g})")
        return float(v)

    def flt(self, key: str, default: float, lo: float, hi: float) -> float:
        v = self.num(key, None, lo, hi)
        return default if v is None else v

    def int_(self, key: str, default: int, lo: int, hi: int, required: bool = False) -> int:
        v = self.num(key, None, lo, hi, required)
        if v is None:
            return default
        if v != int(v):
            raise self.err(key, f"must be a whole number, not {v:g}")
        return int(v)

    def bool_(self, key: str, default: bool) -> bool:
        if key not in self.obj:
            return default
        v = self.raw(key)
        if not isinstance(v, bool):
            raise self.err(key, f"must be true or false, not {v!r}")
        return v

    def str_(self, key: str, default: str, choices: tuple[str, ...] | None = None) -> str:
        if key not in self.obj:
            return default
        v = self.raw(key)
        if not isinstance(v, str) or (choices is not None and v not in choices):
            allowed = f"one of {', '.join(choices)}" if choices else "a string"
            raise self.err(key, f"must be {allowed}, not {v!r}")
        return v

    def table(self, key: str) -> _Reader:
        return _Reader(self.raw(key) if key in self.obj else {}, self.where, f"{self.prefix}{key}.")

    def done(self) -> None:
        extra = sorted(set(self.obj) - self.used)
        if extra:
            raise self.err(extra[0], "is unknown")


def _workload(r: _Reader, key: str) -> float | None:
    if not r.has(key):
        return None
    if r.obj[key] == "rest":
        r.raw(key)
        return 0.0
    return r.num(key, None, 0.0, 1.0)


def _pair(r: _Reader, key: str, default: tuple[float, float] | None, lo: float, hi: float
          ) -> tuple[float, float] | None:
    if not r.has(key):
        return default
    v = r.raw(key)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = [v, v]
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
        raise r.err(key, f"must be a number or a [min, max] pair, not {v!r}")
    a, b = float(v[0]), float(v[1])
    if not lo <= a <= b <= hi:
        raise r.err(key, f"= {v!r} must satisfy {lo:g} <= min <= max <= {hi:g}")
    return a, b


def _episodes(r: _Reader, key: str) -> Episodes:
    t = r.table(key)
    e = Episodes(t.int_("count", 0, 0, 1000), t.int_("min_s", 10, 1, 3600),
                 t.int_("max_s", 30, 1, 3600))
    t.done()
    if e.min_s > e.max_s:
        raise t.err("min_s", f"({e.min_s}) must not exceed max_s ({e.max_s})")
    return e


def _check_duration(d: int, where: str) -> None:
    if not MIN_DURATION_S <= d <= MAX_DURATION_S:
        raise PlanError(f"{where}: session length {d} s is out of range "
                        f"({MIN_DURATION_S}-{MAX_DURATION_S} s)")


def parse_plan(obj: Any, where: str) -> Plan:
    """Build a Plan from a decoded TOML/JSON document; raise PlanError naming where and the key."""
    top = _Reader(obj, where, "")
    name = top.str_("name", Path(where).stem if where else "plan")
    description = top.str_("description", "")

    pr = top.table("person")
    method = pr.str_("method", "hrr", ("hrr", "hrmax", "bpm"))
    fr = _pair(pr, "fractions", None, 0.0, 1.0)
    rest = pr.num("rest_bpm", None, 25, 120, required=True)
    assert rest is not None
    person = Person(
        rest_bpm=rest,
        max_bpm=pr.num("max_bpm", None, 100, 240), age=pr.num("age", None, 5, 110),
        beta_blocker=pr.bool_("beta_blocker", False), method=method, fractions=fr,
        moderate_bpm=pr.num("moderate_bpm", None, 30, 250), high_bpm=pr.num("high_bpm", None, 30, 250),
        ceiling_bpm=pr.num("ceiling_bpm", None, 30, 250))
    pr.done()
    if person.max_bpm is None and person.age is None:
        raise pr.err("max_bpm", "is missing (give person.max_bpm or person.age)")
    if person.rest_bpm >= person.hr_max() - 20:
        raise pr.err("rest_bpm", f"= {person.rest_bpm:g} must be well below the maximum heart "
                                 f"rate ({person.hr_max():g} bpm)")
    try:
        person.thresholds()
    except ThresholdError as e:
        raise PlanError(f"{where}: key 'person': {e}") from None

    ph = top.table("physiology")
    physiology = Physiology(
        tau_on_s=ph.flt("tau_on_s", 30.0, 1, 600), tau_off_s=ph.flt("tau_off_s", 50.0, 1, 600),
        drift_bpm_per_h=ph.flt("drift_bpm_per_h", 20.0, 0, 60),
        drift_recovery_s=ph.flt("drift_recovery_s", 3600.0, 60, 86400),
        hrv=ph.flt("hrv", 1.0, 0, 3), heat_bpm_per_h=ph.flt("heat_bpm_per_h", 0.0, 0, 60))
    ph.done()

    ar = top.table("artifacts")
    dry = _pair(ar, "dry_start_s", (0.0, 0.0), 0, 600)
    assert dry is not None
    if dry != (int(dry[0]), int(dry[1])):
        raise ar.err("dry_start_s", "must be whole seconds")
    artifacts = Artifacts(
        dry_start_s=(int(dry[0]), int(dry[1])), dry_spike_frac=ar.flt("dry_spike_frac", 0.6, 0, 1),
        contact_loss=_episodes(ar, "contact_loss"),
        contact_loss_hr=ar.str_("contact_loss_hr", "random", ("zero", "hold", "random")),
        dropout=_episodes(ar, "dropout"), stale=_episodes(ar, "stale"),
        ectopic_per_min=ar.flt("ectopic_per_min", 0.0, 0, 10),
        missed_per_min=ar.flt("missed_per_min", 0.0, 0, 10),
        extra_per_min=ar.flt("extra_per_min", 0.0, 0, 10))
    ar.done()

    dv = top.table("device")
    device = Device(contact_supported=dv.bool_("contact_supported", True), rr=dv.bool_("rr", True),
                    hr_beats=dv.int_("hr_beats", 4, 1, 8), jitter_ms=dv.int_("jitter_ms", 80, 0, 300))
    dv.done()

    if not top.has("segments"):
        raise top.err("segments", "is missing (a list of {duration_s, workload})")
    raw_segs = top.raw("segments")
    if not isinstance(raw_segs, list) or not raw_segs:
        raise top.err("segments", "must be a non-empty list")
    segments = []
    for i, s in enumerate(raw_segs):
        sr = _Reader(s, where, f"segments[{i}].")
        dur = sr.int_("duration_s", 0, 1, MAX_DURATION_S, required=True)
        if not sr.has("workload"):
            raise sr.err("workload", "is missing (a fraction 0-1 of heart-rate reserve, or 'rest')")
        w = _workload(sr, "workload")
        if w is None:
            raise sr.err("workload", "must be a fraction 0-1 of heart-rate reserve or 'rest'")
        segments.append(Segment(dur, w, _workload(sr, "end_workload"), sr.str_("label", "")))
        sr.done()
    repeat = top.int_("repeat_to_s", 0, MIN_DURATION_S, MAX_DURATION_S) if top.has("repeat_to_s") else None
    top.done()
    plan = Plan(name, person, tuple(segments), description, physiology, artifacts, device, repeat)
    _check_duration(plan.duration_s, where)
    return plan


def read_plan_file(path: Path) -> Plan:
    """Parse a TOML (.toml) or JSON plan file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PlanError(f"{path}: cannot read plan file ({e})") from None
    is_json = path.suffix.lower() == ".json" or (path.suffix.lower() != ".toml"
                                                   and text.lstrip().startswith("{"))
    try:
        obj = json.loads(text) if is_json else tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise PlanError(f"{path} line {e.lineno}: not valid JSON ({e.msg})") from None
    except tomllib.TOMLDecodeError as e:
        raise PlanError(f"{path}: not valid TOML ({e})") from None
    return parse_plan(obj, str(path))
