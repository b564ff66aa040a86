"""`hrzone week` and `hrzone weeks`: credited minutes against the weekly goal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.app.weeks import parse_date, week_view, weeks_view
from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option, person_option


def _bar(credited: float, goal: int, width: int = 30) -> str:
    n = 0 if goal <= 0 else min(width, round(width * credited / goal))
    return "#" * n + "." * (width - n)


@cli.command("week")
@click.option("--week", "week_label", metavar="YYYY-Www", help="Week to show, e.g. 2026-W47.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD", help="Show the week holding this date.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path),
              help="Also draw the week as a PNG (per-day stacked bars, goal line).")
@person_option
@json_option
def week(week_label: str | None, on_date: str | None, plot_path: Path | None, as_json: bool,
         person: str | None) -> None:
    """This week (or another): credited minutes against your goal per day, strength, cardio,
    stretching and balance days against theirs, how sessions felt, your streak, and one
    suggestion for the rest of the week."""
    if week_label and on_date:
        raise click.UsageError("give --week or --date, not both")
    rep = week_view(week_label, parse_date(on_date) if on_date else None, person=person)
    if plot_path is not None:
        from hrzone.plot import plot_week
        plot_week(rep, plot_path)
    if as_json:
        echo_json(rep)
        return
    _print_week(rep)
    if plot_path is not None:
        click.echo(f"plot written to {plot_path}")


_KIND_NAMES = {"cardio": "cardio", "strength": "strength", "stretch": "stretching",
               "balance": "balance"}


def _print_build_up(build_up: dict[str, Any]) -> None:
    a, s = build_up["aerobic"], build_up["strength"]
    if a:
        click.echo(f"  build-up: week {a['week']}, goal {a['goal']} min "
                   f"(from {a['start']}, {a['increase']:+d} a week, up to {a['target']})")
    if s:
        click.echo(f"  strength build-up: week {s['week']}, {s['goal']} days "
                   f"(from {s['start']}, {s['increase']:+d} every {s['every_weeks']} weeks, "
                   f"up to {s['target']})")


def _print_week(rep: dict[str, Any]) -> None:
    click.echo(f"Week {rep['week']} ({rep['start']} to {rep['end']}, {rep['timezone']})")
    click.echo(f"  credited {rep['credited']:.1f} of {rep['goal']} min  "
               f"[{_bar(rep['credited'], rep['goal'])}]"
               + ("  goal met" if rep["met"] else f"  {rep['remaining']:.1f} to go"))
    click.echo(f"  moderate {rep['moderate']:.1f} min, vigorous {rep['vigorous']:.1f} min "
               "(vigorous counts double)")
    for d in rep["days"]:
        click.echo(f"  {d['weekday']} {d['date']}  {d['credited']:5.1f} min"
                   + (f"  ({d['sessions']} session{'s' if d['sessions'] != 1 else ''})"
                      if d["sessions"] else ""))
    for kind, k in rep["kinds"].items():
        click.echo(f"  {_KIND_NAMES[kind]:<10s} {k['done']} of {k['goal']} days  "
                   f"[{_bar(k['done'], k['goal'], 7)}]" + ("  done" if k["met"] else ""))
    _print_build_up(rep["build_up"])
    for s in rep["sessions"]:
        if s.get("feel"):
            click.echo(f"  {s['start'][:10]} {s['kind']}: {s['feel']['line']}")
    n = rep["streak"]
    click.echo(f"  streak: {n} week{'s' if n != 1 else ''} meeting the goal")
    click.echo(f"  {rep['suggestion']}")
    if rep["warm"]:
        click.echo(f"  {rep['warm']['advice']}")
    if rep["hint"]:
        click.echo(f"  {rep['hint']['text']}")
    k = rep.get("other_thresholds", 0)
    if k:
        click.echo(f"  note: {k} session{'s were' if k != 1 else ' was'} credited with other "
                   "thresholds than your current ones: run `hrzone log recompute` to re-credit")


@cli.command("weeks")
@click.option("--last", "last", type=click.IntRange(1, 520), default=12, show_default=True,
              help="Number of weeks up to the current one.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD",
              help="End with the week holding this date (default: this week).")
@person_option
@json_option
def weeks(last: int, on_date: str | None, as_json: bool, person: str | None) -> None:
    """One line per week: credited minutes against the goal, and the days of each kind
    (strength, cardio, stretching, balance) against theirs."""
    rows = weeks_view(last, parse_date(on_date) if on_date else None, person=person)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        kinds = "  ".join(f"{k} {v['done']}/{v['goal']}"
                          for k, v in r["kinds"].items())
        up = "  (build-up)" if any(r["build_up"].values()) else ""
        click.echo(f"{r['week']}  {r['start']}  {r['credited']:5.1f}/{r['goal']:<4d} "
                   f"[{_bar(r['credited'], r['goal'], 20)}]{'  met' if r['met'] else '     '}"
                   f"  {kinds}{up}")
