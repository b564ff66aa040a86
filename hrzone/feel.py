"""How a session felt: perceived exertion (RPE), fatigue before and after, "felt too warm" and a
free note; and the blunted-response check that compares what a person felt with what the heart
rate credited. Pure: values in, values out (hrzone.journal stores them, hrzone.app.feel decides
when to say what).

Scales (docs/thresholds.md): Borg's RPE 6-20 and Borg's category-ratio CR10 0-10 (Borg,
"Psychophysical bases of perceived exertion", Med Sci Sports Exerc 14(5), 1982). The profile's
``rpe_scale`` says which one a person uses; every note keeps its scale.

The blunted-response check (issue 12): heart rate can be blunted by beta-blockers or by
autonomic dysfunction in MS, so a session felt as hard may be credited as low or moderate; the
reverse (felt easy, credited mostly high) says the thresholds may be too low. hrzone never
re-tunes silently: it says so once and suggests a talk test (`hrzone calibrate`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hrzone.errors import HrzoneError

SCALES: dict[str, tuple[float, float]] = {"borg": (6, 20), "cr10": (0, 10)}
# "Hard" (Borg 15 "hard"; CR10 7 "very strong") and "light" (Borg 11 "fairly light"; CR10 2
# "weak/light"): the anchors of Borg's scales; ACSM's Table 6.1 puts vigorous at RPE 14-17 and
# light below 12.
HARD = {"borg": 15.0, "cr10": 7.0}
LIGHT = {"borg": 11.0, "cr10": 2.0}
FATIGUE_RANGE = (0, 10)
MIN_RATED_SESSIONS = 3       # "several" sessions before the hint is given
RECENT_RATED = 10            # the check looks at the last ten rated sessions
MIN_VALID_S = 600.0          # 10 min of valid HR: the shortest bout in the MS guidance
MOSTLY = 0.5                 # "mostly": more than half of the valid time


class NoteError(HrzoneError):
    """A session note has a bad value (RPE off its scale, fatigue outside 0-10)."""


@dataclass(frozen=True, slots=True)
class Feel:
    """How one session felt. rpe on `scale` (borg 6-20, cr10 0-10); fatigue 0-10; warm: the
    person felt too warm; text: a free note. None: not given."""

    rpe: float | None = None
    scale: str = "borg"
    fatigue_before: int | None = None
    fatigue_after: int | None = None
    warm: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise NoteError(f"rpe scale {self.scale!r} is not one of {', '.join(SCALES)}")
        if self.rpe is not None:
            lo, hi = SCALES[self.scale]
            if (not isinstance(self.rpe, (int, float)) or isinstance(self.rpe, bool)
                    or not math.isfinite(self.rpe) or not lo <= self.rpe <= hi):
                raise NoteError(f"--rpe {self.rpe!r} is off the {scale_name(self.scale)} "
                                f"scale (use {lo:g}-{hi:g}; profile key rpe_scale)")
            if self.scale == "borg" and self.rpe != int(self.rpe):
                raise NoteError(f"--rpe {self.rpe:g}: the Borg 6-20 scale has whole numbers")
        for name in ("fatigue_before", "fatigue_after"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)
                                  or not FATIGUE_RANGE[0] <= v <= FATIGUE_RANGE[1]):
                raise NoteError(f"--{name.replace('_', '-')} {v!r} is not allowed "
                                "(use a whole number 0-10)")

    @property
    def empty(self) -> bool:
        """Nothing was noted."""
        return (self.rpe is None and self.fatigue_before is None and self.fatigue_after is None
                and not self.warm and not self.text)

    def rating(self) -> str | None:
        """'hard', 'light' or None (in between, or no RPE) by the anchors HARD and LIGHT."""
        if self.rpe is None:
            return None
        if self.rpe >= HARD[self.scale]:
            return "hard"
        if self.rpe <= LIGHT[self.scale]:
            return "light"
        return None

    def line(self) -> str:
        """One line a person reads: 'RPE 15 (6-20), fatigue 3 -> 6, felt too warm: "hot gym"'."""
        parts = []
        if self.rpe is not None:
            lo, hi = SCALES[self.scale]
            parts.append(f"RPE {self.rpe:g} ({lo:g}-{hi:g})")
        if self.fatigue_before is not None or self.fatigue_after is not None:
            a = "?" if self.fatigue_before is None else str(self.fatigue_before)
            b = "?" if self.fatigue_after is None else str(self.fatigue_after)
            parts.append(f"fatigue {a} -> {b} (0-10)")
        if self.warm:
            parts.append("felt too warm")
        if self.text:
            parts.append(f'"{self.text}"')
        return ", ".join(parts) or "no note"

    def to_json(self) -> dict[str, Any]:
        return {"rpe": self.rpe, "rpe_scale": self.scale, "fatigue_before": self.fatigue_before,
                "fatigue_after": self.fatigue_after, "warm": self.warm, "text": self.text or None,
                "rating": self.rating(), "line": self.line()}


def scale_name(scale: str) -> str:
    """'Borg 6-20' or 'CR10 0-10'."""
    lo, hi = SCALES[scale]
    return f"{'Borg' if scale == 'borg' else 'CR10'} {lo:g}-{hi:g}"


def merged(old: Feel | None, scale: str, *, rpe: float | None = None,
           fatigue_before: int | None = None, fatigue_after: int | None = None,
           warm: bool | None = None, text: str | None = None) -> Feel:
    """`old` with the given values replaced (a note is built up a value at a time); a new RPE
    is on `scale`, an old one keeps its own."""
    base = old or Feel(scale=scale)
    return Feel(rpe=base.rpe if rpe is None else float(rpe),
                scale=base.scale if rpe is None and base.rpe is not None else scale,
                fatigue_before=base.fatigue_before if fatigue_before is None else fatigue_before,
                fatigue_after=base.fatigue_after if fatigue_after is None else fatigue_after,
                warm=base.warm if warm is None else warm,
                text=base.text if text is None else text.strip())


@dataclass(frozen=True, slots=True)
class Rated:
    """A rated session as the check sees it: its note and its seconds per zone."""

    id: int
    feel: Feel
    valid_s: float
    high_s: float


@dataclass(frozen=True, slots=True)
class BluntedHint:
    """The hint: direction 'blunted' (felt hard, credited mostly low or moderate) or 'high'
    (felt light, credited mostly high); the sessions that show it."""

    direction: str
    sessions: tuple[int, ...]

    def text(self) -> str:
        """What hrzone says, once."""
        n = len(self.sessions)
        if self.direction == "blunted":
            return (f"{n} sessions you rated hard were credited mostly as low or moderate: your "
                    "heart rate may respond less than the thresholds expect (beta-blockers and "
                    "MS can blunt it). Then the talk test says more than bpm: if you can talk "
                    "but not sing you are at moderate, if you cannot talk, high. `hrzone "
                    "calibrate` proposes thresholds from a talk test; they may be lower than "
                    "your current ones. Nothing was changed.")
        return (f"{n} sessions you rated light were credited mostly as high: your thresholds may "
                "be too low for you. The talk test: if you can still sing you are at low, if you "
                "can talk but not sing, moderate. `hrzone calibrate` proposes thresholds from a "
                "talk test; they may be higher than your current ones. Nothing was changed.")

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction, "sessions": list(self.sessions), "text": self.text()}


def blunted_check(rated: Iterable[Rated]) -> BluntedHint | None:
    """The hint when several of the last RECENT_RATED rated sessions (newest last, each with at
    least MIN_VALID_S of valid HR) disagree with their crediting in one direction, else None.

    'blunted': rated hard (HARD) with at most half the valid time high; 'high': rated light
    (LIGHT) with more than half of it high. The direction with more sessions wins.
    """
    recent = [r for r in rated if r.feel.rpe is not None and r.valid_s >= MIN_VALID_S]
    recent = recent[-RECENT_RATED:]
    blunted = tuple(r.id for r in recent
                    if r.feel.rating() == "hard" and r.high_s <= MOSTLY * r.valid_s)
    high = tuple(r.id for r in recent
                 if r.feel.rating() == "light" and r.high_s > MOSTLY * r.valid_s)
    best = max((("blunted", blunted), ("high", high)), key=lambda d: len(d[1]))
    if len(best[1]) < MIN_RATED_SESSIONS or len(blunted) == len(high):
        return None
    return BluntedHint(best[0], best[1])
