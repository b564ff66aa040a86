"""`hrzone profile show|set|path`: the user profile (thresholds, goal, week, time zone, cues)."""

from __future__ import annotations

from dataclasses import fields

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option
from hrzone.errors import HrzoneError
from hrzone.paths import profile_path
from hrzone.profile import (
    KEYS,
    PROGRESSION_KEYS,
    STRENGTH_PROGRESSION_KEYS,
    Profile,
    profile_thresholds,
    read_profile,
    set_values,
    show_value,
)
from hrzone.zones import Thresholds


def _cue_names() -> str:
    from hrzone.cues import CuePrefs

    return ", ".join(["voice", *(f.name for f in fields(CuePrefs))])


_KEY_HELP = "\n".join(f"  {k}: {v.allowed}" for k, v in KEYS.items()) + "\n" + "\n".join(
    f"  progression.{k}: {v.allowed}" for k, v in PROGRESSION_KEYS.items()) + "\n" + "\n".join(
    f"  strength_progression.{k}: {v.allowed}" for k, v in STRENGTH_PROGRESSION_KEYS.items()) + (
    f"\n  cues.<name>: a cue setting ({_cue_names()}; see docs/cues.md)")


def _thresholds(prof: Profile) -> tuple[Thresholds | None, str | None]:
    """The profile's thresholds, or None and why not (incomplete or a problem)."""
    try:
        return profile_thresholds(prof), None
    except HrzoneError as e:
        return None, str(e)


def _local(prof: Profile, message: str) -> str:
    """A message without the profile path in front (`profile show` prints the path once)."""
    return message.removeprefix(f"{prof.path}: ")


@cli.group("profile")
def profile_group() -> None:
    """Show or change your profile: thresholds, weekly goal, week start, time zone, cues."""


@profile_group.command("show")
@json_option
def show(as_json: bool) -> None:
    """Show every profile value (defaults filled in), the thresholds it gives, and any problem
    in the file (one line each, naming the key)."""
    prof = read_profile()  # never fails on the content: this is where problems are shown
    thr, why = _thresholds(prof)
    if as_json:
        d = prof.to_json()
        d["thresholds"] = None if thr is None else thr.to_json()
        d["thresholds_note"] = why
        echo_json(d)
        return
    click.echo(f"# {prof.path}{'' if prof.path and prof.path.exists() else ' (not created yet)'}")
    for k in KEYS:
        v = getattr(prof, k)
        if v is None:
            continue
        click.echo(f"{k} = {show_value(v)}")
    click.echo(f"timezone in use = {prof.to_json()['timezone_effective']}")
    if prof.progression:
        p = prof.progression
        click.echo(f"progression = {p.start} min from {p.from_date}, +{p.increase} a week, "
                   f"up to {p.target}")
    if prof.strength_progression:
        sp = prof.strength_progression
        click.echo(f"strength_progression = {sp.start} days from {sp.from_date}, "
                   f"+{sp.increase} every {sp.every_weeks} weeks, up to {sp.target}")
    for k, v in prof.cues.items():
        click.echo(f"cues.{k} = {show_value(v)}")
    if thr is not None:
        click.echo(f"thresholds: moderate from {thr.moderate_bpm:g} bpm, high from "
                   f"{thr.high_bpm:g} bpm ({thr.method})"
                   + (f", ceiling {thr.ceiling_bpm:g} bpm" if thr.ceiling_bpm else ""))
    elif why is None:
        click.echo("thresholds: none (set age, rest_hr or max_hr, or method bpm with "
                   "moderate_bpm and high_bpm)")
    elif any(why == pr.message for pr in prof.problems):
        click.echo("thresholds: none (see the problem below)")
    else:
        click.echo(f"thresholds: none yet: {_local(prof, why)}")
    for pr in prof.problems:
        click.echo(f"problem: {_local(prof, pr.message)}")
    if prof.problems:
        click.echo("(fix with `hrzone profile set KEY VALUE`, or KEY none to remove a key; "
                   "commands that need a broken key stop until then)")


@profile_group.command("set", epilog="Keys:\n\n" + _KEY_HELP.replace("\n", "\n\n"),
                       context_settings={"ignore_unknown_options": True})
@click.argument("pairs", nargs=-1, required=True, metavar="KEY VALUE [KEY VALUE]...")
def set_(pairs: tuple[str, ...]) -> None:
    """Set KEY to VALUE ("none" removes it); several pairs are checked and saved together.

    A value of the wrong type or out of range, an unknown key, or threshold keys that contradict
    each other are refused (exit 1), the file unchanged; the file is rewritten atomically.
    """
    if len(pairs) % 2:
        raise click.UsageError(f"{pairs[-1]!r} has no value: give KEY VALUE pairs")
    kv = list(zip(pairs[::2], pairs[1::2]))
    prof = set_values(kv)
    for key, value in kv:
        click.echo(f"{key} = {value} ({prof.path})")
    for pr in prof.problems:  # left from a hand edit: set_values refuses new ones
        click.echo(f"Note: still a problem: {pr.message}", err=True)
    thr, why = _thresholds(prof)
    if why is not None and not any(why == pr.message for pr in prof.problems):
        click.echo(f"Note: {why}", err=True)  # keys are set one at a time: say what is missing
    if thr is not None:
        from hrzone.app.history import recompute_offer
        offers = {recompute_offer(key, thr) for key, _ in kv} - {""}
        for offer in offers:
            click.echo(offer)


@profile_group.command("path")
def path() -> None:
    """Print the path of the profile file."""
    click.echo(str(profile_path()))
