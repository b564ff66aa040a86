"""The class roster: who takes part, with which strap, thresholds, target zone and cue settings.

A participant is a `Person`, checked once when added (`person_from_options`): the strap is a
Bluetooth address (AA:BB:CC:DD:EE:FF, or a macOS device UUID) or an advertised name; the
thresholds come from the same options and the same rule as every command
(zones.resolve_thresholds); the cue settings are CuePrefs keys. The roster is a table in the
history database (store.m020_people); each person's own sessions live in their own history
under `person_dir(id)`, so removing a person removes their data and nobody else's.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hrzone.cues import TARGETS, CuePrefs
from hrzone.errors import HrzoneError, ThresholdError
from hrzone.paths import data_dir, private_dir
from hrzone.zones import Thresholds

MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
UUID = re.compile(r"^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")
MAX_NAME = 64
OPTION_KEYS = ("age", "rest", "max_hr", "method", "moderate", "high", "ceiling", "beta_blocker")
# CSV columns of `roster import` (option names as on the command line; 'max' is --max).
CSV_COLUMNS = ("name", "strap", "age", "rest", "max", "method", "moderate", "high", "ceiling",
               "beta_blocker", "target", "cues")


class RosterError(HrzoneError):
    """A roster entry or file a user gave is not usable (one line, naming the row and field)."""


@dataclass(frozen=True, slots=True)
class Person:
    """A participant: id (None until stored), name, strap (address or advertised name),
    resolved thresholds, the threshold options they came from, target zone, cue settings."""

    name: str
    strap: str
    thresholds: Thresholds
    options: dict[str, Any] = field(default_factory=dict)
    target: str = "moderate"
    cues: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def cue_prefs(self, weekly_goal_min: int | None = None) -> CuePrefs:
        """The person's cue preferences (their target included)."""
        obj: dict[str, Any] = {"target": self.target, **self.cues}
        if weekly_goal_min is not None and "weekly_goal_min" not in self.cues:
            obj["weekly_goal_min"] = weekly_goal_min
        return CuePrefs.from_json(obj, f"{self.name}: cues")

    @property
    def is_address(self) -> bool:
        """Whether the strap is given by address (else by advertised name)."""
        return bool(MAC.match(self.strap) or UUID.match(self.strap))

    def to_json(self) -> dict[str, Any]:
        t = self.thresholds
        return {"id": self.id, "name": self.name, "strap": self.strap, "target": self.target,
                "thresholds": {"method": t.method, "moderate_bpm": t.moderate_bpm,
                               "high_bpm": t.high_bpm, "ceiling_bpm": t.ceiling_bpm},
                "options": dict(self.options), "cues": dict(self.cues)}


def check_name(name: str, where: str = "name") -> str:
    """A participant's name, trimmed; RosterError when empty, too long or not printable."""
    n = " ".join(str(name).split())
    if not n:
        raise RosterError(f"{where}: empty name")
    if len(n) > MAX_NAME or not n.isprintable():
        raise RosterError(f"{where}: {n[:MAX_NAME]!r} is not a usable name "
                          f"(printable, at most {MAX_NAME} characters)")
    return n


def check_strap(strap: str, where: str = "strap") -> str:
    """A strap id: a Bluetooth address, a macOS device UUID, or an advertised name.

    Something that looks like an address but is not one (wrong length, not hex) is refused
    rather than taken for a name that no strap will ever advertise.
    """
    s = str(strap).strip()
    if not s:
        raise RosterError(f"{where}: empty strap id (give its address or advertised name; "
                          "`hrzone scan` lists them)")
    if MAC.match(s) or UUID.match(s):
        return s.upper()
    if ":" in s or re.fullmatch(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f-]*", s):
        raise RosterError(f"{where}: {s!r} is not a Bluetooth address (AA:BB:CC:DD:EE:FF) "
                          "nor a device UUID; give the address or the advertised name")
    if len(s) > MAX_NAME or not s.isprintable():
        raise RosterError(f"{where}: {s[:MAX_NAME]!r} is not a usable strap name")
    return s


def person_from_options(name: str, strap: str, opts: Mapping[str, Any], *,
                        target: str = "moderate", cues: Mapping[str, Any] | None = None,
                        where: str = "") -> Person:
    """A checked Person from threshold options (keys as OPTION_KEYS); RosterError naming
    `where` (e.g. 'people.csv row 3') and the field otherwise."""
    from hrzone.app.thresholds import thresholds_from_options

    pre = f"{where}: " if where else ""
    name = check_name(name, f"{pre}name")
    strap = check_strap(strap, f"{pre}{name}: strap")
    if target not in TARGETS:
        raise RosterError(f"{pre}{name}: target {target!r} is not a zone "
                          f"(use one of {', '.join(TARGETS)})")
    given = {k: v for k, v in opts.items() if k in OPTION_KEYS and v not in (None, False)}
    try:
        t = thresholds_from_options(given)
    except ThresholdError as e:
        raise RosterError(f"{pre}{name}: thresholds: {e}") from None
    if t is None:
        raise RosterError(f"{pre}{name}: no thresholds: give --age (and --rest), --max, or "
                          "--moderate and --high in bpm (a talk test)")
    p = Person(name, strap, t, given, target, dict(cues or {}))
    try:
        p.cue_prefs()
    except HrzoneError as e:
        raise RosterError(f"{pre}{e}") from None
    return p


def parse_cue_settings(pairs: Iterable[str], where: str = "--cue") -> dict[str, Any]:
    """`key=value` cue settings (true/false, numbers, text) as a dict; RosterError otherwise."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        if not eq or not key.strip():
            raise RosterError(f"{where} {pair!r}: give key=value, e.g. ceiling=true")
        out[key.strip()] = _value(text.strip())
    return out


def _value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


# -- storage ---------------------------------------------------------------------------------

def person_dir(person_id: int) -> Path:
    """The person's own folder (history and recordings), created 0o700."""
    return private_dir(data_dir() / "people" / str(int(person_id)), "a participant's folder")


def person_history(person_id: int) -> Path:
    """The person's own session history database (it may not exist yet)."""
    return person_dir(person_id) / "history.db"


def person_recordings(person_id: int) -> Path:
    """The folder the person's class recordings go into, created 0o700."""
    return private_dir(person_dir(person_id) / "recordings", "a participant's recordings folder")


def _row(r: sqlite3.Row) -> Person:
    return Person(r["name"], r["strap"], Thresholds.from_json(json.loads(r["thresholds"])),
                  json.loads(r["options"]), r["target"], json.loads(r["cues"]), int(r["id"]))


def people(db: sqlite3.Connection) -> list[Person]:
    """Everyone on the roster, in the order they were added."""
    return [_row(r) for r in db.execute("SELECT * FROM people ORDER BY id")]


def find(db: sqlite3.Connection, name: str) -> Person:
    """The person called `name` (case-insensitive); RosterError naming who is on the roster."""
    r = db.execute("SELECT * FROM people WHERE name = ? COLLATE NOCASE",
                   (" ".join(name.split()),)).fetchone()
    if r is None:
        names = ", ".join(p.name for p in people(db)) or "the roster is empty"
        raise RosterError(f"{name!r} is not on the roster ({names})")
    return _row(r)


def add(db: sqlite3.Connection, newcomers: Iterable[Person], wheres: Iterable[str] = ()
        ) -> list[Person]:
    """Add people in one transaction (all or none); RosterError on a duplicate name or strap
    (against the roster and within the batch), naming the row."""
    from hrzone.store import transaction

    newcomers = list(newcomers)
    labels = list(wheres) or [p.name for p in newcomers]
    have = people(db)
    names = {p.name.lower(): p.name for p in have}
    straps = {p.strap.lower(): p.name for p in have}
    for p, where in zip(newcomers, labels, strict=True):
        pre = f"{where}: " if where != p.name else ""
        if p.name.lower() in names:
            raise RosterError(f"{pre}{p.name!r} is already on the roster (names must differ; "
                              "`hrzone class roster rm` first to replace)")
        if p.strap.lower() in straps:
            raise RosterError(f"{pre}{p.name}: strap {p.strap!r} is already {straps[p.strap.lower()]}'s")
        names[p.name.lower()] = p.name
        straps[p.strap.lower()] = p.name
    added: list[Person] = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(db):
        for p in newcomers:
            cur = db.execute(
                "INSERT INTO people (name, strap, thresholds, options, target, cues, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (p.name, p.strap, json.dumps(p.thresholds.to_json()), json.dumps(p.options),
                 p.target, json.dumps(p.cues), now))
            added.append(Person(p.name, p.strap, p.thresholds, p.options, p.target, p.cues,
                                int(cur.lastrowid or 0)))
    return added


def remove(db: sqlite3.Connection, name: str) -> Person:
    """Take a person off the roster and delete their folder (history and recordings)."""
    from hrzone.store import transaction

    p = find(db, name)
    assert p.id is not None
    with transaction(db):
        db.execute("DELETE FROM people WHERE id = ?", (p.id,))
    folder = data_dir() / "people" / str(p.id)
    if folder.exists():
        try:
            shutil.rmtree(folder)
        except OSError as e:
            raise RosterError(f"{p.name} is off the roster but {folder} could not be deleted: "
                              f"{e.strerror or e}") from None
    return p


def read_csv(path: str | Path) -> list[tuple[str, Person]]:
    """People from a CSV file with a header row (CSV_COLUMNS; name and strap required, the
    others may be absent or empty); returns (row label, person) pairs. RosterError naming the
    file, the row and the field on the first bad one."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise RosterError(f"{p}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise RosterError(f"{p}: not a UTF-8 text file") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise RosterError(f"{p}: no people (a header row then one row per person)")
    cols = {c.strip().lower() for c in rows[0] if c is not None}
    unknown = sorted(cols - set(CSV_COLUMNS))
    if unknown:
        raise RosterError(f"{p}: unknown column(s) {', '.join(unknown)} "
                          f"(known: {', '.join(CSV_COLUMNS)})")
    if not {"name", "strap"} <= cols:
        raise RosterError(f"{p}: the header needs columns name and strap")
    out = []
    for i, raw in enumerate(rows, start=2):
        where = f"{p} row {i}"
        if None in raw:
            raise RosterError(f"{where}: more fields than columns")
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        opts = {}
        for col in ("age", "rest", "max", "moderate", "high", "ceiling"):
            if row.get(col):
                try:
                    opts["max_hr" if col == "max" else col] = float(row[col])
                except ValueError:
                    raise RosterError(f"{where}: {col} {row[col]!r} is not a number") from None
        if row.get("method"):
            opts["method"] = row["method"]
        flag = row.get("beta_blocker", "").lower()
        if flag not in ("", "true", "false", "yes", "no", "1", "0"):
            raise RosterError(f"{where}: beta_blocker {row['beta_blocker']!r}: use true or false")
        opts["beta_blocker"] = flag in ("true", "yes", "1")
        cues = parse_cue_settings([c for c in row.get("cues", "").split(";") if c.strip()],
                                  f"{where}: cues")
        out.append((where, person_from_options(row.get("name", ""), row.get("strap", ""), opts,
                                               target=row.get("target") or "moderate",
                                               cues=cues, where=where)))
    return out
