"""Built-in workout plans, written in the plan-file format and parsed like any plan file.

Steady segments sit well inside a zone (at least ~5 bpm from a threshold, drift included) so
that the ground truth is not dominated by HR hovering on a threshold.
"""

from __future__ import annotations

from typing import Any

from hrzone.simulator.plan import Plan, parse_plan


def _seg(minutes: float, workload: float | str, label: str = "", end: float | None = None
         ) -> dict[str, Any]:
    d: dict[str, Any] = {"duration_s": int(round(minutes * 60)), "workload": workload}
    if end is not None:
        d["end_workload"] = end
    if label:
        d["label"] = label
    return d


_INTERVALS = [_seg(5, 0.45, "warm-up")]
for _i in range(6):
    _INTERVALS += [_seg(2, 0.80, f"hard {_i + 1}"), _seg(2, 0.20, f"easy {_i + 1}")]
_INTERVALS += [_seg(5, 0.25, "cool-down")]

_GENTLE = [_seg(4, 0.20, "easy walk")]
for _i in range(3):
    _GENTLE += [_seg(3, 0.48, f"brisk {_i + 1}"), _seg(2, "rest", f"sit {_i + 1}"),
                _seg(3, 0.20, f"easy {_i + 1}")]
_GENTLE += [_seg(2, 0.15, "cool-down")]

_RIDE = [_seg(10, 0.20, "warm-up", end=0.36)]
for _i in range(3):
    _RIDE += [_seg(20, 0.48, f"tempo {_i + 1}"), _seg(8, 0.76, f"climb {_i + 1}"),
              _seg(4, 0.25, f"spin {_i + 1}")]
_RIDE += [_seg(10, 0.48, "tempo 4"), _seg(4, 0.25, "cool-down", end=0.10)]

_PLANS: dict[str, dict[str, Any]] = {
    "walk30": {
        "description": "30-minute brisk walk: 3 min easy, 24 min brisk (moderate), 3 min easy.",
        "person": {"rest_bpm": 62, "age": 45},
        "segments": [_seg(3, 0.30, "warm-up"), _seg(24, 0.50, "brisk walk"),
                     _seg(3, 0.25, "cool-down")],
    },
    "intervals": {
        "description": "Interval run: 5 min warm-up, 6 x (2 min hard / 2 min easy), 5 min cool-down.",
        "person": {"rest_bpm": 58, "max_bpm": 185},
        "segments": _INTERVALS,
    },
    "gentle": {
        "description": ("Gentle session for someone with MS: low intensity with rests and three "
                        "3-minute moderate stretches; a 128 bpm ceiling."),
        "person": {"rest_bpm": 74, "age": 52, "ceiling_bpm": 128},
        "physiology": {"tau_on_s": 35, "tau_off_s": 60},
        "segments": _GENTLE,
    },
    "noisy": {
        "description": ("40-minute moderate session with every strap artefact: dry strap at the "
                        "start, contact losses, dropouts, stale values, ectopic/missed/extra beats."),
        "person": {"rest_bpm": 65, "age": 38},
        "artifacts": {
            "dry_start_s": [30, 50], "dry_spike_frac": 0.6,
            "contact_loss": {"count": 2, "min_s": 15, "max_s": 40},
            "dropout": {"count": 2, "min_s": 8, "max_s": 30},
            "stale": {"count": 2, "min_s": 10, "max_s": 30},
            "ectopic_per_min": 1.0, "missed_per_min": 0.3, "extra_per_min": 0.3,
        },
        "segments": [_seg(5, 0.30, "warm-up"), _seg(30, 0.50, "steady"), _seg(5, 0.25, "cool-down")],
    },
    "ride2h": {
        "description": ("2-hour ride: warm-up, three blocks of 20 min tempo (moderate) + 8 min "
                        "climb (vigorous) + 4 min spin, tempo, cool-down."),
        "person": {"rest_bpm": 55, "max_bpm": 190},
        "segments": _RIDE,
    },
}

_PLANS["hot45"] = {
    "description": ("45-minute steady walk on a hot day: the same pace throughout while the "
                    "heart rate drifts up 30 bpm an hour (heat strain; hrzone's heat cue)."),
    "person": {"rest_bpm": 66, "age": 50, "method": "bpm", "moderate_bpm": 100,
               "high_bpm": 150},
    "physiology": {"heat_bpm_per_h": 30},
    "segments": [_seg(5, 0.30, "warm-up"), _seg(40, 0.38, "steady walk")],
}

BUILTIN_PLANS: dict[str, Plan] = {
    name: parse_plan({"name": name, **obj}, f"built-in plan {name}") for name, obj in _PLANS.items()
}
"""Named plans: walk30, intervals, gentle, noisy, ride2h, hot45."""
