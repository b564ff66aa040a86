"""`hrzone summary`: summaries of recorded sessions and imported workout files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hrzone.cli import cli
from hrzone.app.files import summarise_file
from hrzone.cli.options import echo_json, json_option, threshold_options
from hrzone.cli.report import summary_text
from hrzone.errors import HrzoneError
from hrzone.loader import formats


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@threshold_options
@click.option("--format", "fmt", type=click.Choice(formats()),
              help="File format (default: detected from the content).")
@click.option("--max-gap", type=float, help="Seconds between samples beyond which time is not "
              "credited (default: 5 s for recordings, chosen from the data for imports).")
@click.option("--time-col", help="Generic CSV: name of the time column (ISO 8601 or seconds).")
@click.option("--hr-col", help="Generic CSV: name of the heart-rate column (bpm).")
@click.option("--rr-col", help="Generic CSV: name of the RR-interval column (ms).")
@json_option
def summary(files: tuple[Path, ...], fmt: str | None, max_gap: float | None, as_json: bool,
            time_col: str | None, hr_col: str | None, rr_col: str | None,
            **opts: object) -> None:
    """Summarise recorded sessions and workout files: zones, credited minutes, data quality.

    Several files are processed one after another; a bad file is reported and skipped, and the
    exit code is 1 if any file failed.
    """
    columns = {k: v for k, v in (("time_col", time_col), ("hr_col", hr_col),
                                 ("rr_col", rr_col)) if v}
    failures: list[tuple[Path, str]] = []
    show_progress = len(files) > 1 and sys.stderr.isatty() and not as_json
    progress = None
    if show_progress:
        from rich.progress import Progress
        progress = Progress(transient=True)
        progress.start()
        task = progress.add_task("summarising", total=len(files))
    try:
        for i, path in enumerate(files):
            try:
                s = summarise_file(path, opts, fmt, max_gap, columns)
            except HrzoneError as e:
                failures.append((path, str(e)))
                if as_json:
                    echo_json({"file": str(path), "error": str(e)})
                elif len(files) == 1:
                    raise
            else:
                if as_json:
                    echo_json(s.to_json())
                else:
                    click.echo(summary_text(s) + ("\n" if i < len(files) - 1 else ""))
            if progress is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    if failures:
        if not as_json:
            click.echo(f"\n{len(failures)} of {len(files)} file(s) failed:", err=True)
            for _, msg in failures:
                click.echo(f"  {msg}", err=True)
        raise SystemExit(1)
