"""`hrzone summary`: summaries of recorded sessions and imported workout files, folders and
archives; `--table` writes a cohort table (one row per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, jobs_option, json_option, progress_bar, threshold_options
from hrzone.cli.report import summary_text
from hrzone.errors import HrzoneError
from hrzone.loader import formats


def parse_shard(ctx: click.Context, param: click.Parameter,
                value: str | None) -> tuple[int, int] | None:
    """--shard K/N -> (K, N), 1 <= K <= N."""
    if value is None:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not K/N (e.g. 3/10)") from None
    if not 1 <= k <= n:
        raise click.BadParameter(f"{value!r}: K must be between 1 and N")
    return k, n


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
@click.option("--table", type=click.Path(path_type=Path),
              help="Write one row per session to this .csv (or .parquet, with pyarrow) file "
                   "instead of printing each summary.")
@jobs_option
@click.option("--shard", metavar="K/N", callback=parse_shard,
              help="Only the K-th of N equal slices of the files (one task of an array job); "
                   "the N shard tables concatenate into the table of a single run.")
@json_option
def summary(files: tuple[Path, ...], fmt: str | None, max_gap: float | None, as_json: bool,
            time_col: str | None, hr_col: str | None, rr_col: str | None,
            table: Path | None, jobs: int | None, shard: tuple[int, int] | None,
            **opts: object) -> None:
    """Summarise recorded sessions and workout files: zones, credited minutes, data quality.

    FILES may be folders, gzip files and zip archives (a Strava, Garmin or Apple Health export):
    every workout inside is summarised in turn, and files that are not workouts are skipped with
    a short reason. A bad file is reported and skipped; the exit code is 1 if any file failed.
    """
    from hrzone.app.imports import summarise_paths

    columns = {k: v for k, v in (("time_col", time_col), ("hr_col", hr_col),
                                 ("rr_col", rr_col)) if v}
    writer = None
    if table is not None:
        from hrzone.cohort import TableWriter, row

        writer = TableWriter(table)
    failures: list[str] = []
    n_ok = n_skipped = 0
    show = sys.stderr.isatty() and (writer is not None or not as_json)
    try:
        with progress_bar("summarising", show and (writer is not None or len(files) > 1)) as bar:
            first = True
            for d in summarise_paths(files, opts, fmt, max_gap, columns, jobs=jobs, shard=shard,
                                     on_progress=bar):
                if writer is not None:
                    writer.write(row(d))
                if d.status == "ok":
                    n_ok += 1
                elif d.status == "skipped":
                    n_skipped += 1
                else:
                    failures.append(d.reason)
                if writer is not None:
                    continue
                if as_json:
                    if d.summary is not None:
                        echo_json(d.summary.to_json())
                    else:
                        echo_json({"file": d.file, "error" if d.status == "failed"
                                   else "skipped": d.reason})
                elif d.summary is not None:
                    click.echo(("" if first else "\n") + summary_text(d.summary))
                    first = False
                elif d.status == "skipped":
                    click.echo(f"{d.file}: skipped ({d.reason})", err=True)
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    if writer is not None:
        click.echo(f"{table}: {writer.rows} row(s): {n_ok} session(s), {n_skipped} skipped, "
                   f"{len(failures)} failed", err=True)
    total = n_ok + n_skipped + len(failures)
    if failures:
        if len(failures) == 1 and total == 1 and writer is None and not as_json:
            raise HrzoneError(failures[0])
        if not as_json:
            click.echo(f"\n{len(failures)} of {total} file(s) failed:", err=True)
            for msg in failures:
                click.echo(f"  {msg}", err=True)
        raise SystemExit(1)
    if total == 0:
        raise HrzoneError(f"no workout files in {', '.join(map(str, files))}")
