"""`hrzone week` and `hrzone weeks`: credited minutes against the weekly goal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.app.weeks import parse_date, week_view, weeks_view
from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option


def _bar(credited: float, goal: int, width: int = 30) -> str:
    n = 0 if goal <= 0 else min(width, round(width * credited / goal))
    return "#" * n + "." * (width - n)


@cli.command("week")
@click.option("--week", "week_label", metavar="YYYY-Www", help="Week to show, e.g. 2026-W47.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD", help="Show the week holding this date.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path),
              help="Also draw the week as a PNG (per-day stacked bars, goal line).")
@json_option
def week(week_label: str | None, on_date: str | None, plot_path: Path | None, as_json: bool) -> None:
    """Credited minutes this week (or another) against your goal, per day, with your streak."""
    if week_label and on_date:
        raise click.UsageError("give --week or --date, not both")
    rep = week_view(week_label, parse_date(on_date) if on_date else None)
    if plot_path is not None:
        from hrzone.plot import plot_week
        plot_week(rep, plot_path)
    if as_json:
        echo_json(rep)
        return
    _print_week(rep)
    if plot_path is not None:
        click.echo(f"plot written to {plot_path}")


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
    n = rep["streak"]
    click.echo(f"  streak: {n} week{'s' if n != 1 else ''} meeting the goal")
    k = rep.get("other_thresholds", 0)
    if k:
        click.echo(f"  note: {k} session{'s were' if k != 1 else ' was'} credited with other "
                   "thresholds than your current ones: run `hrzone log recompute` to re-credit")


@cli.command("weeks")
@click.option("--last", "last", type=click.IntRange(1, 520), default=12, show_default=True,
              help="Number of weeks up to the current one.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD",
              help="End with the week holding this date (default: this week).")
@json_option
def weeks(last: int, on_date: str | None, as_json: bool) -> None:
    """One line per week: credited minutes against the goal."""
    rows = weeks_view(last, parse_date(on_date) if on_date else None)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['week']}  {r['start']}  {r['credited']:5.1f}/{r['goal']:<4d} "
                   f"[{_bar(r['credited'], r['goal'], 20)}]{'  met' if r['met'] else ''}")
