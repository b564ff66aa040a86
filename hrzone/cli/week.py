"""`hrzone week` and `hrzone weeks`: credited minutes against the weekly goal."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from hrzone import store
from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option
from hrzone.errors import HrzoneError
from hrzone.profile import load_profile
from hrzone.week import parse_week, week_start_of


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HrzoneError(f"--date {text!r} is not a date (use YYYY-MM-DD)") from None


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
    prof = load_profile()
    today = datetime.now(prof.tz()).date()
    if week_label:
        start = parse_week(week_label, prof.week_start_day)
    else:
        d = _date(on_date) if on_date else today
        start = week_start_of(d, prof.week_start_day)
    db = store.open_db()
    try:
        rep = store.week_view(db, prof, start, today)
    finally:
        db.close()
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
    click.echo(f"  credited {rep['credited']:.0f} of {rep['goal']} min  "
               f"[{_bar(rep['credited'], rep['goal'])}]"
               + ("  goal met" if rep["met"] else f"  {rep['remaining']:.0f} to go"))
    click.echo(f"  moderate {rep['moderate']:.0f} min, vigorous {rep['vigorous']:.0f} min "
               "(vigorous counts double)")
    for d in rep["days"]:
        click.echo(f"  {d['weekday']} {d['date']}  {d['credited']:5.0f} min"
                   + (f"  ({d['sessions']} session{'s' if d['sessions'] != 1 else ''})"
                      if d["sessions"] else ""))
    n = rep["streak"]
    click.echo(f"  streak: {n} week{'s' if n != 1 else ''} meeting the goal")


@cli.command("weeks")
@click.option("--last", "last", type=click.IntRange(1, 520), default=12, show_default=True,
              help="Number of weeks up to the current one.")
@click.option("--date", "on_date", metavar="YYYY-MM-DD",
              help="End with the week holding this date (default: this week).")
@json_option
def weeks(last: int, on_date: str | None, as_json: bool) -> None:
    """One line per week: credited minutes against the goal."""
    prof = load_profile()
    until = _date(on_date) if on_date else None
    db = store.open_db()
    try:
        rows = store.weeks_view(db, prof, last, until)
    finally:
        db.close()
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['week']}  {r['start']}  {r['credited']:5.0f}/{r['goal']:<4d} "
                   f"[{_bar(r['credited'], r['goal'], 20)}]{'  met' if r['met'] else ''}")
