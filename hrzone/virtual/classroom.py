"""A virtual class: one virtual strap per participant in one VirtualAir, for tests and demos.

Each strap plays a simulated class (hrzone.simulator) fitted to its person: a warm-up, blocks
of steady work and pushes, a cool-down, at an effort that differs from person to person (some
stay low, some overshoot their target, those with a ceiling sometimes pass it); every fifth
strap drops its link once for `DROP_S` seconds and comes back (a reconnect). Addresses are
distinct; a person whose strap is given by name gets a strap advertising that name.

`demo_people(n)` is the roster a fresh install gets for `class run --virtual N`: named people
with varied thresholds (heart-rate reserve, % HRmax on beta-blockers, talk-test bpm, measured
maximum), some with a ceiling.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hrzone.errors import PlanError
from hrzone.roster import Person, person_from_options
from hrzone.virtual.strap import StrapInfo, VirtualStrap, Window

DEMO_NAMES = ("Anna", "Ben", "Chloé", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas",
              "Kiri", "Lena", "Malik", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess",
              "Umar", "Vera", "Wim", "Xena", "Yara", "Zeno", "Alba", "Bruno", "Cora", "Dario",
              "Edda", "Finn", "Gaia", "Hans", "Iris", "Joel", "Kaia", "Luca", "Mira", "Nico")
MAX_VIRTUAL = len(DEMO_NAMES)
DROP_EVERY = 5          # every fifth strap (index 2, 7, ...) drops its link once
DROP_S = 25.0
EFFORTS = (0.85, 1.0, 1.1, 0.95, 1.25, 1.05)   # how hard each person works relative to target


def demo_address(i: int) -> str:
    """The address of the i-th virtual class strap (distinct for i < 65536)."""
    return f"F0:C1:A5:50:{(i >> 8) & 0xFF:02X}:{i & 0xFF:02X}"


def demo_people(n: int) -> list[Person]:
    """n named demo participants with varied thresholds and straps demo_address(0..n-1)."""
    if not 1 <= n <= MAX_VIRTUAL:
        raise PlanError(f"--virtual {n}: between 1 and {MAX_VIRTUAL} virtual straps")
    out = []
    for i in range(n):
        age, rest = 35 + (i * 7) % 36, 56 + (i * 5) % 24
        kind = i % 4
        if kind == 0:
            opts: dict[str, Any] = {"age": age, "rest": rest}
        elif kind == 1:
            opts = {"method": "hrmax", "age": age, "beta_blocker": True}
        elif kind == 2:      # a talk test gave absolute thresholds
            opts = {"moderate": 95 + (i * 3) % 20, "high": 125 + (i * 3) % 20}
        else:
            opts = {"rest": rest, "max_hr": 170 + (i * 3) % 25}
        person = person_from_options(DEMO_NAMES[i], demo_address(i), opts)
        if i % 3 == 0:          # a ceiling a little above their high threshold
            person = person_from_options(person.name, person.strap,
                                         {**opts, "ceiling": round(person.thresholds.high_bpm + 8)})
        out.append(person)
    return out


def _physiology(p: Person) -> tuple[float, float]:
    """(rest, max) bpm to simulate the person with, from their thresholds."""
    t = p.thresholds
    rest = t.rest_bpm or max(45.0, t.moderate_bpm - 40.0)
    mx = t.max_bpm or max(t.high_bpm / 0.8, (t.ceiling_bpm or 0) + 15)
    return float(rest), float(max(mx, t.high_bpm + 20))


def class_plan(p: Person, duration_s: int, index: int) -> dict[str, Any]:
    """A simulator plan (plan-file dict) of a class for person p, duration_s long."""
    rest, mx = _physiology(p)
    t = p.thresholds

    def work(bpm: float) -> float:
        return round(min(0.95, max(0.05, (bpm - rest) / (mx - rest))), 3)

    effort = EFFORTS[index % len(EFFORTS)]
    steady = work((t.moderate_bpm + t.high_bpm) / 2 * effort)
    # those with a ceiling and an even index pass it on every push (the room says so)
    over = t.ceiling_bpm is not None and index % 2 == 0
    push = work(t.ceiling_bpm + 8) if over else work((t.high_bpm + 4) * effort)  # type: ignore[operator]
    # block lengths scale with the class, so a short test class has pushes too
    warm_s, steady_s = min(180, duration_s // 10), min(240, max(60, duration_s // 5))
    segs: list[dict[str, Any]] = [{"duration_s": max(10, warm_s), "workload": work(rest + 15),
                                   "label": "warm-up"}]
    left = duration_s - segs[0]["duration_s"]
    k = 0
    while left > 0:
        for d, w, label in ((steady_s, steady, "steady"), (60, push, "push")):
            d = min(d, left)
            if d > 0:
                segs.append({"duration_s": d, "workload": w, "label": f"{label} {k + 1}"})
                left -= d
        k += 1
    return {"name": f"class-{index}", "person": {"rest_bpm": rest, "max_bpm": mx},
            "physiology": {"tau_on_s": 25 + (index * 7) % 25, "tau_off_s": 40 + (index * 11) % 30},
            "segments": [s for s in segs if s["duration_s"] >= 10] or segs[:1]}


def _info(p: Person, i: int) -> StrapInfo:
    if p.is_address:
        return StrapInfo(name=f"Virtual HR {i + 1:04d}", address=p.strap, rssi=-55 - i % 30)
    return StrapInfo(name=p.strap, address=demo_address(i), rssi=-55 - i % 30)


def strap_for(p: Person, i: int, duration_s: int, *, plan: str | None = None, seed: int = 0,
              drops: list[Window] | None = None, arrive_s: float = 0.0) -> VirtualStrap:
    """The virtual strap of participant p (index i): a simulator plan (built-in name or file,
    default class_plan) repeated or cut to duration_s (seconds); drops default to the DROP_EVERY
    rule; arrive_s: the strap is asleep (not heard) until this many seconds into the class."""
    from hrzone.simulator import load_plan, parse_plan, simulate

    pl = (load_plan(plan) if plan is not None
          else parse_plan(class_plan(p, duration_s, i), f"virtual class strap {i + 1}"))
    notes = simulate(pl.repeated(duration_s), seed=seed + i).notifications
    t0 = notes[0].t_ns - 1_000_000_000 if notes else 0
    if drops is None:
        drops = ([Window(round(0.4 * duration_s), DROP_S)]
                 if i % DROP_EVERY == 2 and duration_s >= 4 * DROP_S else [])
    return VirtualStrap(((n.t_ns - t0, n.payload) for n in notes), _info(p, i), drops=drops,
                        wakes_s=arrive_s)


@dataclass(frozen=True, slots=True)
class StrapPlan:
    """One entry of a ROSTER_PLAN file: whose strap, which simulator plan, seed, drop windows,
    and when the person arrives (seconds into the class their strap is first heard)."""

    person: str
    plan: str | None = None
    seed: int = 0
    drops: tuple[Window, ...] | None = None
    arrive_s: float = 0.0


def read_roster_plan(path: str | Path) -> list[StrapPlan]:
    """A ROSTER_PLAN TOML file: `[[strap]]` tables with person (a roster name), and optional
    plan (simulator plan name or file), seed, drops = [[start_s, duration_s], ...], arrive_s
    (seconds). PlanError naming the file and the entry otherwise."""
    p = Path(path)
    try:
        obj = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(f"{p}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PlanError(f"{p}: not a TOML roster plan: {e}") from None
    straps = obj.get("strap")
    if not isinstance(straps, list) or not straps or set(obj) - {"strap"}:
        raise PlanError(f"{p}: expected [[strap]] tables (person, plan, seed, drops, arrive_s) "
                        "only")
    out = []
    for i, s in enumerate(straps, start=1):
        where = f"{p} strap {i}"
        if not isinstance(s, dict) or not isinstance(s.get("person"), str):
            raise PlanError(f"{where}: needs person = \"NAME\" (a roster name)")
        unknown = set(s) - {"person", "plan", "seed", "drops", "arrive_s"}
        if unknown:
            raise PlanError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        drops = s.get("drops")
        windows: tuple[Window, ...] | None = None
        if drops is not None:
            try:
                windows = tuple(Window(float(a), float(b)) for a, b in drops)
            except (TypeError, ValueError):
                raise PlanError(f"{where}: drops must be [[start_s, duration_s], ...]") from None
        seed = s.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise PlanError(f"{where}: seed must be an integer")
        arrive = s.get("arrive_s", 0)
        if isinstance(arrive, bool) or not isinstance(arrive, int | float) or not arrive >= 0:
            raise PlanError(f"{where}: arrive_s must be a number of seconds (0 or more)")
        plan = s.get("plan")
        if plan is not None and not isinstance(plan, str):
            raise PlanError(f"{where}: plan must be a plan name or file")
        if plan is not None and not Path(plan).is_absolute() and (p.parent / plan).exists():
            plan = str(p.parent / plan)
        out.append(StrapPlan(s["person"], plan, seed, windows, float(arrive)))
    return out
