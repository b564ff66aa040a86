"""`hrzone plot FILE -o session.png`: a session as a picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.options import pick_thresholds, threshold_options


@cli.command("plot")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="PNG file to write.")
@click.option("--size", type=(int, int), default=(1200, 500), show_default=True,
              metavar="W H", help="Picture size in pixels.")
@click.option("--format", "fmt", help="File format (default: detected from the content).")
@threshold_options
def plot(file: Path, output: Path, size: tuple[int, int], fmt: str | None, **opts: Any) -> None:
    """Plot heart rate over time with zone bands, invalid/gap stretches and cue events."""
    from hrzone.plot import (
        plot_workout_file,  # matplotlib is slow to import: only when plotting
    )

    thr = pick_thresholds(opts)
    plot_workout_file(file, thr, output, fmt=fmt, size_px=size)
    click.echo(f"plot written to {output}")
