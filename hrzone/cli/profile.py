"""`hrzone profile show|set|path`: the user profile (thresholds, goal, week, time zone, cues)."""

from __future__ import annotations

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option
from hrzone.errors import HrzoneError
from hrzone.paths import profile_path
from hrzone.profile import (
    KEYS,
    PROGRESSION_KEYS,
    load_profile,
    profile_thresholds,
    set_value,
)

_KEY_HELP = "\n".join(f"  {k}: {v.allowed}" for k, v in KEYS.items()) + "\n" + "\n".join(
    f"  progression.{k}: {v.allowed}" for k, v in PROGRESSION_KEYS.items()) + (
    "\n  cues.<name>: a cue preference (string, number or true/false)")


def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


@cli.group("profile")
def profile_group() -> None:
    """Show or change your profile: thresholds, weekly goal, week start, time zone, cues."""


@profile_group.command("show")
@json_option
def show(as_json: bool) -> None:
    """Show every profile value (defaults filled in) and the thresholds it gives."""
    prof = load_profile()
    thr = profile_thresholds(prof)
    if as_json:
        d = prof.to_json()
        d["thresholds"] = None if thr is None else thr.to_json()
        echo_json(d)
        return
    click.echo(f"# {prof.path}{'' if prof.path and prof.path.exists() else ' (not created yet)'}")
    for k in KEYS:
        v = getattr(prof, k)
        if v is None:
            continue
        click.echo(f"{k} = {_fmt(v)}")
    click.echo(f"timezone in use = {prof.to_json()['timezone_effective']}")
    if prof.progression:
        p = prof.progression
        click.echo(f"progression = {p.start} min from {p.from_date}, +{p.increase} a week, "
                   f"up to {p.target}")
    for k, v in prof.cues.items():
        click.echo(f"cues.{k} = {_fmt(v)}")
    if thr is None:
        click.echo("thresholds: none (set age, rest_hr or max_hr, or method bpm with "
                   "moderate_bpm and high_bpm)")
    else:
        click.echo(f"thresholds: moderate from {thr.moderate_bpm:g} bpm, high from "
                   f"{thr.high_bpm:g} bpm ({thr.method})"
                   + (f", ceiling {thr.ceiling_bpm:g} bpm" if thr.ceiling_bpm else ""))


@profile_group.command("set", epilog="Keys:\n\n" + _KEY_HELP.replace("\n", "\n\n"))
@click.argument("key")
@click.argument("value")
def set_(key: str, value: str) -> None:
    """Set KEY to VALUE ("none" removes it); the file is rewritten atomically."""
    prof = set_value(key, value)
    click.echo(f"{key} = {value} ({prof.path})")
    try:
        thr = profile_thresholds(prof)
    except HrzoneError as e:  # keys are set one at a time; say what is still missing
        click.echo(f"Note: {e}", err=True)
    else:
        from hrzone.app.history import recompute_offer
        offer = recompute_offer(key, thr)
        if offer:
            click.echo(offer)


@profile_group.command("path")
def path() -> None:
    """Print the path of the profile file."""
    click.echo(str(profile_path()))
