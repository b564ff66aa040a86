"""`hrzone log strength|stretch|balance` and `hrzone log note`: sessions without heart rate and
how a session felt (hrzone.app.activities, hrzone.app.feel)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hrzone.app.activities import log_activity
from hrzone.app.feel import NoteOutcome, note_session
from hrzone.app.weeks import parse_date
from hrzone.cli.log import log
from hrzone.cli.options import echo_json, json_option

_WHAT = {"strength": "strength training (weights, bands, body weight)",
         "stretch": "stretching", "balance": "balance exercises"}


def _logger(kind: str) -> Callable[..., None]:
    @click.option("--minutes", type=float, help="How long it lasted, in minutes (optional).")
    @click.option("--date", "on_date", metavar="YYYY-MM-DD", help="The day (default: today).")
    @click.option("--note", help="A free note about the session.")
    @json_option
    def command(minutes: float | None, on_date: str | None, note: str | None,
                as_json: bool) -> None:
        done = log_activity(kind, minutes, parse_date(on_date) if on_date else None, note)
        if as_json:
            echo_json(done.to_json())
        else:
            click.echo(f"logged {done.line()}")

    command.__doc__ = (f"Log a session of {_WHAT[kind]}: it counts toward the week's "
                       f"{kind} days (`hrzone week`).")
    return command


for _kind in _WHAT:
    log.command(_kind)(_logger(_kind))


def say_note(o: NoteOutcome) -> None:
    """Print a stored note, its heat advice and the blunted-response hint (the text front end)."""
    click.echo(f"session {o.id}: {o.feel.line()}")
    if o.advice:
        click.echo(o.advice)
    if o.hint is not None:
        click.echo(o.hint.text())


@log.command("note")
@click.argument("session_id", type=int)
@click.option("--rpe", type=float, help="How hard it felt, on your profile's scale "
                                        "(rpe_scale: borg 6-20, or cr10 0-10).")
@click.option("--fatigue-before", type=int, help="Fatigue before the session, 0-10.")
@click.option("--fatigue-after", type=int, help="Fatigue after the session, 0-10.")
@click.option("--warm/--not-warm", default=None, help="You felt too warm (or not).")
@click.option("--text", help="A free note.")
@json_option
def note(session_id: int, as_json: bool, **values: Any) -> None:
    """Note how session SESSION_ID felt: effort (RPE), fatigue before and after, too warm, a
    note. Values not given are kept."""
    o = note_session(session_id, **values)
    if as_json:
        echo_json(o.to_json())
    else:
        say_note(o)
