"""The crediting rule and the rounding of minutes: each exists here once, for every screen.

The weekly goal counts moderate-equivalent minutes: a moderate minute counts once, a vigorous
(high) minute twice (WHO 2020 guidelines; see docs/thresholds.md). Every front end -- summary,
live panel, spoken cues, history, week, plots, export, the web API -- calls these functions
instead of writing the rule out again, so two screens cannot disagree.
"""

from __future__ import annotations

import math



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
