"""`hrzone plot FILE -o session.png`: a session as a picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.options import threshold_options


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
    from hrzone.app.files import plot_file

    plot_file(file, output, opts, fmt=fmt, size_px=size)
    click.echo(f"plot written to {output}")
