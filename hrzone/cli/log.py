"""`hrzone log add|list|show|rm|recompute`: the session history (hrzone.app.history);
`log strength|stretch|balance|note` live in hrzone/cli/activity.py."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hrzone.app import history
from hrzone.app.history import AddOutcome
from hrzone.cli import cli
from hrzone.cli.options import echo_json, jobs_option, json_option, progress_bar, threshold_options
from hrzone.credit import shown_min
from hrzone.errors import HrzoneError
from hrzone.store import SessionRow


def _mins(s: SessionRow) -> str:
    return (f"{shown_min(s.moderate_s / 60):5.1f} mod {shown_min(s.high_s / 60):5.1f} vig "
            f"{shown_min(s.credited_min):6.1f} credited")


def _origin(origin: str, kind: str = "cardio") -> str:
    return ("" if origin == "device" else f"  [{origin}]") + ("" if kind == "cardio" else
                                                             f"  [{kind}]")


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise HrzoneError(f"--start {text!r} is not an ISO 8601 time "
                          "(e.g. 2026-11-20T07:30 or 2026-11-20T07:30+01:00)") from None


@cli.group("log")
def log() -> None:
    """Your session history: add workout files, log strength, stretching and balance, note how a
    session felt, list, show, remove, re-credit."""


def _say(o: AddOutcome) -> None:
    for w in o.warnings:
        click.echo(f"{o.file}: warning: {w}", err=True)
    if o.status == "skipped":
        click.echo(f"{o.file}: skipped ({o.reason})", err=True)
    elif o.status == "failed":
        click.echo(f"Error: {o.reason}", err=True)
    elif o.status == "refused":
        click.echo(f"{o.file}: refused: {o.reason}", err=True)
    elif o.status == "already":
        click.echo(f"{o.file}: session {o.id} already in history ({o.reason})")
    else:
        link = (f", same workout as session {o.duplicate_of} (linked, not credited twice)"
                if o.status == "linked" else "")
        click.echo(f"{o.file}: session {o.id} added{_origin(o.origin, o.kind)}{link}")


@log.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="File format (default: detected from the content).")
@click.option("--start", "start", metavar="ISO",
              help="The real start of a file whose own start date cannot be trusted "
                   "(e.g. 2026-11-20T07:30; the profile's time zone when none is given).")
@jobs_option
@threshold_options
@json_option
def add(files: tuple[Path, ...], fmt: str | None, start: str | None, jobs: int | None,
        as_json: bool, **opts: Any) -> None:
    """Add workout FILES (recordings, FIT, TCX, GPX, CSV, Apple Health) to the history; the
    same file twice is one session.

    FILES may be folders, gzip files and zip archives (years of a Strava, Garmin Connect or
    Apple Health export in one go): files are decoded in parallel, those already in the history
    are recognised by their content without being read again, and files that are not workouts
    are skipped. Files with no valid heart rate, no trustworthy start date (unless --start is
    given) or longer than 24 h are refused, one line each. Ctrl-C keeps every session added so
    far. Exit code 1 when any file was refused or could not be read (the others are still
    added), 130 when interrupted, else 0.
    """
    from hrzone.app.imports import add_paths

    bar_wanted = not as_json and sys.stderr.isatty()
    with progress_bar("adding", bar_wanted) as bar:
        per_file = None if (as_json or bar is not None) else _say
        report = add_paths(files, opts, fmt, _start(start), jobs=jobs, on_outcome=per_file,
                           on_progress=bar)
    if as_json:
        for o in report.outcomes:
            for w in o.warnings:
                click.echo(f"{o.file}: warning: {w}", err=True)
        echo_json(report.to_json())
    else:
        _report(report, listed=bar is not None)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


MAX_LISTED = 10


def _report(report: Any, listed: bool) -> None:
    """The batch's final lines: counts, refusals and skips grouped by reason, interruption."""
    j = report.to_json()
    skipped = f", {j['skipped']} skipped" if j["skipped"] else ""
    click.echo(f"{j['added']} added, {j['linked']} linked as the same workout, "
               f"{j['already']} already there{skipped}, {j['refused']} refused")
    bad = [o for o in report.outcomes if o.status in ("refused", "failed")]
    for o in bad[:MAX_LISTED]:
        click.echo(f"  refused {o.file}: {o.reason}")
    if len(bad) > MAX_LISTED:
        click.echo(f"  ... and {len(bad) - MAX_LISTED} more refused (--json lists every file):")
        for reason, n in report.reasons("refused", "failed")[:MAX_LISTED]:
            click.echo(f"    {n} x {reason}")
    if listed and j["skipped"]:
        click.echo(f"  skipped {j['skipped']} file(s) that are not workouts:")
        for reason, n in report.reasons("skipped")[:MAX_LISTED]:
            click.echo(f"    {n} x {reason}")
    if report.interrupted:
        click.echo(f"Interrupted: the {report.kept} session(s) added before Ctrl-C are kept; "
                   f"{report.total - report.done} of {report.total} file(s) were not read. Run "
                   "the same command again to finish (files already added are recognised).",
                   err=True)


@log.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List sessions, oldest first (linked duplicates marked with their primary; virtual and
    simulated sessions marked as such)."""
    rows = history.list_sessions()
    if as_json:
        echo_json([r.to_json() for r in rows])
        return
    if not rows:
        click.echo("No sessions yet: add some with `hrzone log add FILE`.")
    for r in rows:
        dup = f"  (same workout as {r.duplicate_of})" if r.duplicate_of else ""
        click.echo(f"{r.id:5d}  {r.start:%Y-%m-%d %H:%M}  {r.duration_s / 60:6.1f} min  "
                   f"{_mins(r)}  {r.fmt:9s} {Path(r.path).name}{dup}{_origin(r.origin, r.kind)}")


@log.command("show")
@click.argument("session_id", type=int)
@json_option
def show(session_id: int, as_json: bool) -> None:
    """Show one session: kind, minutes, days credited, thresholds, linked duplicates, and how
    it felt."""
    d = history.session_detail(session_id)
    if as_json:
        echo_json(d)
        return
    m = d["minutes"]
    click.echo(f"session {d['id']}: {d['path']} ({d['format']}{', RR' if d['has_rr'] else ''})"
               + ("" if d["origin"] == "device" else f", {d['origin']} session")
               + f", {d['kind']}")
    named = d["summary"].get("activity") or {}
    if named.get("name") or named.get("sport"):
        click.echo(" - ".join(str(x) for x in (named.get("name"), named.get("sport")) if x))
    if d["feel"] is not None:
        click.echo(f"felt: {d['feel']['line']}")
    if d["valid_s"] <= 0:  # a logged session without heart rate
        click.echo(f"start {d['start']}, {d['duration_s'] / 60:.0f} min, no heart rate")
        return
    click.echo(f"start {d['start']}, {d['duration_s'] / 60:.1f} min, valid {d['valid_s'] / 60:.1f} min")
    click.echo(f"moderate {m['moderate']:.1f} min, vigorous {m['vigorous']:.1f} min, "
               f"credited {m['credited']:.1f} min")
    t = d["thresholds"]
    click.echo(f"thresholds: moderate {t['moderate_bpm']:g} bpm, high {t['high_bpm']:g} bpm "
               f"({t['method']})")
    for day in d["days"]:
        click.echo(f"  {day['day']}: moderate {shown_min(day['moderate_s'] / 60):.1f} min, "
                   f"vigorous {shown_min(day['high_s'] / 60):.1f} min, "
                   f"credited {day['credited']:.1f} min")
    if d["duplicate_of"]:
        click.echo(f"same workout as session {d['duplicate_of']}: credited there, not here")
    for o in d["linked"]:
        click.echo(f"linked: session {o['id']} {o['path']} ({o['format']}), the same workout, "
                   "not credited twice")


@log.command("rm")
@click.argument("session_ids", nargs=-1, required=True, type=int)
def rm(session_ids: tuple[int, ...]) -> None:
    """Remove sessions from the history (their files are not touched)."""
    for sid, relinked in history.remove_sessions(session_ids):
        extra = f"; sessions {', '.join(map(str, relinked))} regrouped" if relinked else ""
        click.echo(f"removed session {sid}{extra}")


@log.command("recompute")
@threshold_options
@json_option
def recompute(as_json: bool, **opts: Any) -> None:
    """Re-credit every session with the current thresholds and time zone (profile or options).

    Each session is summarised again from its file when the file is still there unchanged
    (the numbers `hrzone summary` gives), else from its stored per-second heart rate.
    """
    r = history.recompute(opts)
    if as_json:
        echo_json(r.to_json())
        return
    t = r.thresholds
    click.echo(f"{r.line()} (moderate from {t.moderate_bpm:g} bpm, high from {t.high_bpm:g} bpm)")
    if r.approximate:
        click.echo(f"  {r.approximate} session(s) re-credited from the stored per-second heart "
                   "rate (their file is gone or changed)")


from hrzone.cli import activity  # noqa: E402,F401  (registers log strength|stretch|balance|note)
