"""Thresholds for a run: one precedence rule for every command and front end.

Command-line options > the user profile > the thresholds stored in the file's own header. A
stored session is re-credited or exported with its own thresholds unless options are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hrzone.errors import ThresholdError
from hrzone.recording import Header
from hrzone.zones import Thresholds, resolve_thresholds

NO_THRESHOLDS = ("no thresholds: give --age (and --rest), --max, or --moderate and --high in "
                 "bpm, or save them once with 'hrzone profile set'")
# Profile keys whose change changes the thresholds (and so what `log recompute` would do).
PROFILE_THRESHOLD_KEYS = frozenset({"age", "rest_hr", "max_hr", "method", "moderate_bpm",
                                    "high_bpm", "ceiling_bpm", "beta_blocker"})
OPTION_KEYS = ("age", "rest", "max_hr", "method", "moderate", "high", "ceiling", "beta_blocker")


def thresholds_from_options(opts: Mapping[str, Any],
                            fallback: Thresholds | None = None) -> Thresholds | None:
    """Thresholds from the threshold options (keys as in OPTION_KEYS), or `fallback` when none
    were given. A ceiling given alone is applied on top of the fallback."""
    keys = ("age", "rest", "max_hr", "method", "moderate", "high")
    given = any(opts.get(k) is not None for k in keys) or bool(opts.get("beta_blocker"))
    if not given:
        if fallback is not None and opts.get("ceiling") is not None:
            return resolve_thresholds("bpm", moderate=fallback.moderate_bpm, high=fallback.high_bpm,
                                      ceiling=opts["ceiling"])
        return fallback
    return resolve_thresholds(
        opts.get("method"), age=opts.get("age"), rest=opts.get("rest"), max_hr=opts.get("max_hr"),
        moderate=opts.get("moderate"), high=opts.get("high"), ceiling=opts.get("ceiling"),
        beta_blocker=bool(opts.get("beta_blocker")))


def profile_thresholds() -> Thresholds | None:
    """The user profile's thresholds, or None when it has none (ProfileError if it is broken)."""
    from hrzone.profile import load_profile
    from hrzone.profile import profile_thresholds as from_profile

    return from_profile(load_profile())


def thresholds_for(opts: Mapping[str, Any] | None = None, header: Header | None = None,
                   where: str = "recording") -> Thresholds:
    """Thresholds for a run: options, else the profile, else `header`'s (an own recording's;
    `where` names the file in errors). ThresholdError (one line) when none gives thresholds."""
    fallback = profile_thresholds()
    if fallback is None and header is not None and header.thresholds:
        fallback = Thresholds.from_json(header.thresholds, f"{where} header")
    t = thresholds_from_options(opts or {}, fallback)
    if t is None:
        raise ThresholdError(NO_THRESHOLDS)
    return t


def thresholds_for_session(opts: Mapping[str, Any] | None, stored: Mapping[str, Any],
                           where: str) -> Thresholds:
    """Thresholds for a stored session: options, else those it was credited with."""
    t = thresholds_from_options(opts or {}, Thresholds.from_json(dict(stored), where))
    assert t is not None
    return t
