"""Option bundles shared by commands (decorators), and the JSON output helper.

What the options mean (the threshold precedence, ...) is decided in hrzone.app, never here:
commands pass the parsed options on as a dict.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from hrzone.zones import METHODS

F = TypeVar("F", bound=Callable[..., Any])


def threshold_options(f: F) -> F:
    """--age --rest --max --method --moderate --high --ceiling --beta-blocker."""
    opts = [
        click.option("--age", type=float, help="Age in years (estimates HRmax)."),
        click.option("--rest", type=float, help="Resting heart rate, bpm."),
        click.option("--max", "max_hr", type=float, help="Measured maximum heart rate, bpm."),
        click.option("--method", type=click.Choice(METHODS),
                     help="Threshold model: hrr (Karvonen), hrmax (% HRmax) or bpm (absolute)."),
        click.option("--moderate", type=float, help="Moderate threshold in bpm (method bpm)."),
        click.option("--high", type=float, help="High threshold in bpm (method bpm)."),
        click.option("--ceiling", type=float, help="Safety ceiling in bpm: an 'ease off' cue above it."),
        click.option("--beta-blocker", is_flag=True, default=False,
                     help="Estimate HRmax as 164 - 0.7*age (people taking beta-blockers)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def person_option(f: F) -> F:
    """--person NAME: a class participant's own history instead of yours."""
    return click.option("--person", metavar="NAME",
                        help="A class participant's own history (`hrzone class roster`).")(f)


def json_option(f: F) -> F:
    """--json: machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


def echo_json(obj: Any) -> None:
    """Print one JSON document on one line."""
    click.echo(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))


def jobs_option(f: Any) -> Any:
    """--jobs N: decoding processes."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Processes decoding files in parallel (default: every core for "
                             "8 files or more, else 1).")(f)


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr with counts (a no-op callback when not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int, counts: Mapping[str, int]) -> None:
        shown = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if n)
        bar.update(task, completed=done, total=total,
                   description=f"{label} ({shown})" if shown else label)

    bar.start()
    try:
        yield update
    finally:
        bar.stop()
