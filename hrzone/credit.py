"""The crediting rule and the rounding of minutes: each exists here once, for every screen.

The weekly goal counts moderate-equivalent minutes: a moderate minute counts once, a vigorous
(high) minute twice (WHO 2020 guidelines; see docs/thresholds.md). Every front end -- summary,
live panel, spoken cues, history, week, plots, export, the web API -- calls these functions
instead of writing the rule out again, so two screens cannot disagree.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hrzone.zones import HIGH, MODERATE

VIGOROUS_WEIGHT = 2.0  # one vigorous minute counts as two moderate minutes


def credited_s(moderate_s: float, high_s: float) -> float:
    """Moderate-equivalent seconds from seconds in the moderate and high zones."""
    return float(moderate_s) + VIGOROUS_WEIGHT * float(high_s)


def credited_min(moderate_s: float, high_s: float) -> float:
    """Moderate-equivalent minutes (unrounded) from seconds in the moderate and high zones."""
    return credited_s(moderate_s, high_s) / 60.0


def shown_min(minutes: float) -> float:
    """The one rounding rule for minutes a person sees or hears: one decimal, halves up.

    Round only for display: sums (a week, a day) add unrounded minutes and round the total.
    """
    return math.floor(float(minutes) * 10.0 + 0.5 + 1e-9) / 10.0


def weighted_credit_s(intensity: Any, credit_s: Any) -> np.ndarray:
    """Per-sample moderate-equivalent seconds from the core's per-sample intensity and credited
    seconds (zones.MODERATE counts once, zones.HIGH VIGOROUS_WEIGHT times, anything else 0).

    For running totals (spoken milestones, the live panel); sums of it equal credited_s of the
    summed zone seconds.
    """
    z = np.asarray(intensity)
    c = np.asarray(credit_s, np.float64)
    return (np.where(z == MODERATE, c, 0.0)
            + VIGOROUS_WEIGHT * np.where(z == HIGH, c, 0.0))


def spoken_min(minutes: float) -> str:
    """Minutes as said aloud: the shown number (shown_min) without a trailing '.0'."""
    return f"{shown_min(minutes):g}"
