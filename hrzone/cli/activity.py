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


def _answer(question: str, kind: type) -> Any:
    text = click.prompt(question, default="", show_default=False).strip()
    if not text:
        return None
    if kind is bool:
        return text.lower().startswith("y")
    try:
        return kind(text)
    except ValueError:
        click.echo(f"  {text!r} is not a number: skipped", err=True)
        return None


def ask_feel(sid: int) -> None:
    """Ask how session `sid` felt (Enter skips a question) and store the answers."""
    from hrzone.errors import HrzoneError
    from hrzone.feel import SCALES
    from hrzone.profile import load_profile

    lo, hi = SCALES[load_profile().rpe_scale]
    click.echo("How did it feel? (Enter skips a question)")
    values = {"rpe": _answer(f"  effort, RPE {lo:g}-{hi:g}", float),
              "fatigue_before": _answer("  fatigue before, 0-10", int),
              "fatigue_after": _answer("  fatigue now, 0-10", int),
              "warm": _answer("  too warm? y/n", bool),
              "text": _answer("  a note", str)}
    if all(v is None for v in values.values()):
        click.echo(f"No note; add one later with `hrzone log note {sid} --rpe N`.")
        return
    try:
        say_note(note_session(sid, **values))
    except HrzoneError as e:
        click.echo(f"Note not saved: {e} (try `hrzone log note {sid} ...`)", err=True)


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
