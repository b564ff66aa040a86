"""`hrzone export ID|FILE --tcx out.tcx | --csv out.csv`: a session for other services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.options import person_option, threshold_options


@cli.command("export")
@click.argument("session")
@click.option("--tcx", "tcx", type=click.Path(path_type=Path), help="Write TCX (Garmin v2) here.")
@click.option("--csv", "csv_", type=click.Path(path_type=Path), help="Write CSV here.")
@click.option("--format", "fmt", help="Input file format (default: detected from the content).")
@threshold_options
@person_option
def export(session: str, tcx: Path | None, csv_: Path | None, fmt: str | None,
           person: str | None, **opts: Any) -> None:
    """Export SESSION (a history id from `hrzone log list`, or a workout file) as TCX or CSV."""
    if tcx is None and csv_ is None:
        raise click.UsageError("give --tcx FILE and/or --csv FILE")
    from hrzone.app.files import export_session

    for path in export_session(session, opts, fmt, tcx=tcx, csv=csv_, person=person):
        click.echo(f"wrote {path}")
