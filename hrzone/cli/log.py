"""`hrzone log add|list|show|rm|recompute`: the session history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone import store
from hrzone.cli import cli
from hrzone.cli.options import (
    echo_json,
    json_option,
    pick_thresholds,
    threshold_options,
)
from hrzone.errors import HrzoneError
from hrzone.profile import load_profile


def _mins(s: store.SessionRow) -> str:
    return (f"{s.moderate_s / 60:5.1f} mod {s.high_s / 60:5.1f} vig "
            f"{(s.moderate_s + 2 * s.high_s) / 60:6.1f} credited")


@cli.group("log")
def log() -> None:
    """Your session history: add workout files, list, show, remove, re-credit."""


@log.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="File format (default: detected from the content).")
@threshold_options
@json_option
def add(files: tuple[Path, ...], fmt: str | None, as_json: bool, **opts: Any) -> None:
    """Add workout FILES (recordings, FIT, TCX, GPX, CSV); the same file twice is one session."""
    prof = load_profile()
    thr = pick_thresholds(opts)
    tz = prof.tz()
    db = store.open_db()
    results, failed = [], 0
    try:
        for f in files:
            try:
                r = store.add_file(db, f, thr, tz, fmt)
            except HrzoneError as e:
                failed += 1
                click.echo(f"Error: {e}", err=True)
                continue
            results.append({"file": str(f), "id": r.id, "added": r.created,
                            "duplicate_of": r.duplicate_of})
            if not as_json:
                what = "added" if r.created else f"already in history (same content as {r.path})"
                link = f", same workout as session {r.duplicate_of} (linked, not credited twice)" \
                    if r.duplicate_of else ""
                click.echo(f"{f}: session {r.id} {what}{link}")
    finally:
        db.close()
    if as_json:
        echo_json(results)
    if failed:
        raise click.exceptions.Exit(1)


@log.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List sessions, oldest first (linked duplicates marked with their primary)."""
    db = store.open_db()
    try:
        rows = store.list_sessions(db)
    finally:
        db.close()
    if as_json:
        echo_json([r.to_json() for r in rows])
        return
    if not rows:
        click.echo("No sessions yet: add some with `hrzone log add FILE`.")
    for r in rows:
        dup = f"  (same workout as {r.duplicate_of})" if r.duplicate_of else ""
        click.echo(f"{r.id:5d}  {r.start:%Y-%m-%d %H:%M}  {r.duration_s / 60:6.1f} min  "
                   f"{_mins(r)}  {r.fmt:9s} {Path(r.path).name}{dup}")


@log.command("show")
@click.argument("session_id", type=int)
@json_option
def show(session_id: int, as_json: bool) -> None:
    """Show one session: minutes, days credited, thresholds, linked duplicates."""
    db = store.open_db()
    try:
        d = store.session_detail(db, session_id)
    finally:
        db.close()
    if as_json:
        echo_json(d)
        return
    m = d["minutes"]
    click.echo(f"session {d['id']}: {d['path']} ({d['format']}{', RR' if d['has_rr'] else ''})")
    click.echo(f"start {d['start']}, {d['duration_s'] / 60:.1f} min, valid {d['valid_s'] / 60:.1f} min")
    click.echo(f"moderate {m['moderate']:.1f} min, vigorous {m['vigorous']:.1f} min, "
               f"credited {m['credited']:.1f} min")
    t = d["thresholds"]
    click.echo(f"thresholds: moderate {t['moderate_bpm']:g} bpm, high {t['high_bpm']:g} bpm "
               f"({t['method']})")
    for day in d["days"]:
        click.echo(f"  {day['day']}: moderate {day['moderate_s'] / 60:.1f} min, "
                   f"vigorous {day['high_s'] / 60:.1f} min")
    if d["duplicate_of"]:
        click.echo(f"same workout as session {d['duplicate_of']}: credited there, not here")
    for o in d["linked"]:
        click.echo(f"linked: session {o['id']} {o['path']} ({o['format']}), the same workout, "
                   "not credited twice")


@log.command("rm")
@click.argument("session_ids", nargs=-1, required=True, type=int)
def rm(session_ids: tuple[int, ...]) -> None:
    """Remove sessions from the history (their files are not touched)."""
    db = store.open_db()
    try:
        for sid in session_ids:
            relinked = store.remove(db, sid)
            extra = f"; sessions {', '.join(map(str, relinked))} regrouped" if relinked else ""
            click.echo(f"removed session {sid}{extra}")
    finally:
        db.close()


@log.command("recompute")
@threshold_options
def recompute(**opts: Any) -> None:
    """Re-credit every session with the current thresholds and time zone (profile or options)."""
    prof = load_profile()
    thr = pick_thresholds(opts)
    db = store.open_db()
    try:
        n = store.recompute(db, thr, prof.tz())
    finally:
        db.close()
    click.echo(f"re-credited {n} session(s): moderate from {thr.moderate_bpm:g} bpm, high from "
               f"{thr.high_bpm:g} bpm")
