"""`hrzone replay` and `hrzone demo`: a recording through the live pipeline, events as they happen."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option, pick_thresholds, threshold_options
from hrzone.cli.report import event_line, summary_text
from hrzone.loader import signal_config_for
from hrzone.recording import Event, Header
from hrzone.session import SessionResult, Sink, run_session
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.source import ReplaySource
from hrzone.summary import Summary
from hrzone.zones import Thresholds

BUNDLED = Path(__file__).resolve().parents[2] / "recordings"
DEMO_RECORDING = "intervals.jsonl"


class PrintSink(Sink):
    """Prints cue-state changes and notable recording events as lines (or JSON Lines)."""

    def __init__(self, as_json: bool = False):
        self.as_json = as_json

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        if self.as_json:
            echo_json({"type": "start", "created": header.created, "device": header.device,
                       "thresholds": thresholds.to_json()})
        else:
            click.echo(f"Replaying a session started {header.created} "
                       f"({header.device.get('name', 'unknown device')}); moderate from "
                       f"{thresholds.moderate_bpm:g} bpm, high from {thresholds.high_bpm:g} bpm")

    def on_output(self, out: Output, state: pipeline.State) -> None:
        for e in out.events:
            if self.as_json:
                echo_json({"type": "cue", **e.to_json()})
            else:
                click.echo(event_line(e))

    def on_event(self, event: Event) -> None:
        if event.kind in ("mark", "note"):
            return
        if self.as_json:
            echo_json({"type": "event", "t_s": round(event.t_ns / 1e9, 3), "event": event.kind,
                       **event.data})
        elif event.kind in ("disconnect", "reconnect", "connect", "silent"):
            from hrzone.cli.report import clock
            click.echo(f"{clock(event.t_ns / 1e9):>8}  strap {event.kind}")

    def close(self, summary: Summary) -> None:
        if self.as_json:
            echo_json({"type": "summary", **summary.to_json()})
        else:
            click.echo("")
            click.echo(summary_text(summary))


def replay_file(path: Path, opts: dict, speed: float | None, as_json: bool,
                sinks: list[Sink] | None = None) -> SessionResult:
    """Replay one recording through the live pipeline with printing sinks."""
    source = ReplaySource(path, speed=speed)
    thresholds = pick_thresholds(opts, _HeaderOnly(path, source.header))
    return asyncio.run(run_session(
        source, thresholds, signal=signal_config_for(source.header.profile),
        sinks=[PrintSink(as_json), *(sinks or [])], file=str(path),
        batch=1 if speed is not None else 512))


class _HeaderOnly:
    """What pick_thresholds needs from a workout: its path and recording header."""

    def __init__(self, path: Path, header: Header):
        self.path, self.header = path, header


def speed_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--fast", is_flag=True, help="As fast as possible (no waiting).")(f)
    return click.option("--speed", type=click.FloatRange(min=0.001), default=None,
                        help="Replay N times faster than real time.")(f)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@speed_options
@threshold_options
@json_option
def replay(file: Path, speed: float | None, fast: bool, as_json: bool, **opts: object) -> None:
    """Replay a recording through the live pipeline, printing zone changes and cue events."""
    if fast and speed is not None:
        raise click.UsageError("give either --speed or --fast, not both")
    replay_file(file, opts, None if fast else (speed or 1.0), as_json)


@cli.command()
@click.option("--recording", "name", default=DEMO_RECORDING, show_default=True,
              help="Bundled recording to replay (a file name in recordings/).")
@speed_options
@threshold_options
@json_option
def demo(name: str, speed: float | None, fast: bool, as_json: bool, **opts: object) -> None:
    """Replay a bundled workout quickly: zone changes, cue events and the summary. No strap needed."""
    if fast and speed is not None:
        raise click.UsageError("give either --speed or --fast, not both")
    path = BUNDLED / name
    with tempfile.TemporaryDirectory() as tmp:
        if not path.exists():
            path = _simulate_demo(Path(tmp), name)
        replay_file(path, opts, None if fast else (speed or 300.0), as_json)


def _simulate_demo(folder: Path, name: str) -> Path:
    """When the bundled recordings are not installed, simulate the demo session on the fly."""
    from hrzone.errors import RecordingFormatError
    try:
        from hrzone import simulator
    except ImportError:
        raise RecordingFormatError(f"bundled recording {name} not found in {BUNDLED}") from None
    plan = simulator.load_plan(Path(name).stem)
    res = simulator.simulate(plan, seed=1, start=datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    rec, _ = simulator.write_simulation(res, folder / name)
    return Path(rec)
