"""`hrzone export ID|FILE --tcx out.tcx | --csv out.csv`: a session for other services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.options import threshold_options, thresholds_from_options
from hrzone.profile import load_profile, profile_thresholds


@cli.command("export")
@click.argument("session")
@click.option("--tcx", "tcx", type=click.Path(path_type=Path), help="Write TCX (Garmin v2) here.")
@click.option("--csv", "csv_", type=click.Path(path_type=Path), help="Write CSV here.")
@click.option("--format", "fmt", help="Input file format (default: detected from the content).")
@threshold_options
def export(session: str, tcx: Path | None, csv_: Path | None, fmt: str | None, **opts: Any) -> None:
    """Export SESSION (a history id from `hrzone log list`, or a workout file) as TCX or CSV."""
    if tcx is None and csv_ is None:
        raise click.UsageError("give --tcx FILE and/or --csv FILE")
    # A stored session keeps its own thresholds unless options are given; a file uses the profile.
    thr = thresholds_from_options(opts, fallback=None)
    if thr is None and not (session.isdigit() and not Path(session).exists()):
        thr = profile_thresholds(load_profile())
    from hrzone.export import track_for, write_csv, write_tcx

    track = track_for(session, thr, fmt)
    for path, write in ((tcx, write_tcx), (csv_, write_csv)):
        if path is not None:
            write(track, path)
            click.echo(f"wrote {path}")
