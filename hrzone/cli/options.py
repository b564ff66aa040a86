"""Option bundles shared by commands (decorators), and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hrzone.zones import METHODS, Thresholds, resolve_thresholds

F = TypeVar("F", bound=Callable[..., Any])


def threshold_options(f: F) -> F:
    """--age --rest --max --method --moderate --high --ceiling --beta-blocker."""
    opts = [
        click.option("--age", type=float, help="Age in years (estimates HRmax)."),
        click.option("--rest", type=float, help="Resting heart rate, bpm."),
        click.option("--max", "max_hr", type=float, help="Measured maximum heart rate, bpm."),
        click.option("--method", type=click.Choice(METHODS),
                     help="Threshold model: hrr (Karvonen), hrmax (% HRmax) or bpm (absolute)."),
        click.option("--moderate", type=float, help="Moderate threshold in bpm (method bpm)."),
        click.option("--high", type=float, help="High threshold in bpm (method bpm)."),
        click.option("--ceiling", type=float, help="Safety ceiling in bpm: an 'ease off' cue above it."),
        click.option("--beta-blocker", is_flag=True, default=False,
                     help="Estimate HRmax as 164 - 0.7*age (people taking beta-blockers)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def thresholds_from_options(opts: dict[str, Any], fallback: Thresholds | None = None) -> Thresholds | None:
    """Thresholds from the threshold options, or `fallback` when none were given.

    A ceiling given alone is applied on top of the fallback.
    """
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


def json_option(f: F) -> F:
    """--json: machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


def echo_json(obj: Any) -> None:
    """Print one JSON document on one line."""
    click.echo(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))


def pick_thresholds(opts: dict[str, Any], header: Any = None, where: str = "recording") -> Thresholds:
    """Thresholds for a run: command-line options, else the user profile, else the thresholds
    stored in a recording's header (`where` names the file in errors).

    Raises ThresholdError (one line) when none of them gives thresholds.
    """
    from hrzone.errors import ThresholdError
    from hrzone.profile import load_profile, profile_thresholds

    fallback = profile_thresholds(load_profile())
    if fallback is None and header is not None and header.thresholds:
        fallback = Thresholds.from_json(header.thresholds, f"{where} header")
    t = thresholds_from_options(opts, fallback)
    if t is None:
        raise ThresholdError(
            "no thresholds: give --age (and --rest), --max, or --moderate and --high in bpm, "
            "or save them once with 'hrzone profile set'")
    return t
