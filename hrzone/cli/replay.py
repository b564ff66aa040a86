"""`hrzone replay` and `hrzone demo`: a recording through the live pipeline, events as they happen."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

from hrzone.audio.sink import playback_note
from hrzone.cli import cli
from hrzone.cli.audio_options import audio_options, cue_sink_from_options
from hrzone.app.thresholds import thresholds_for
from hrzone.cli.options import echo_json, json_option, threshold_options
from hrzone.cli.report import clock, event_line, summary_text
from hrzone.cues import Cue
from hrzone.loader import formats
from hrzone.paths import bundled_dir
from hrzone.recording import Event, Header
from hrzone import session
from hrzone.session import SessionResult, Sink
from hrzone.signal import pipeline
from hrzone.signal.pipeline import Output
from hrzone.summary import Summary
from hrzone.zones import CueEvent, Thresholds

BUNDLED = bundled_dir("recordings")
DEMO_RECORDING = "intervals.jsonl"


class PrintSink(Sink):
    """Prints cue-state changes and notable recording events as lines (or JSON Lines)."""

    def __init__(self, as_json: bool = False):
        self.as_json = as_json
        self._cues: list[Cue] = []

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        if self.as_json:
            echo_json({"type": "start", "created": header.created, "device": header.device,
                       "thresholds": thresholds.to_json()})
        else:
            click.echo(f"Replaying a session started {header.created} "
                       f"({header.device.get('name', 'unknown device')}); moderate from "
                       f"{thresholds.moderate_bpm:g} bpm, high from {thresholds.high_bpm:g} bpm")

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self._print(list(out.events))

    def _print(self, events: list[CueEvent]) -> None:
        # Cue-state changes and the cues they led to, in time order.
        items: list[tuple[float, int, CueEvent | Cue]] = [(e.t_s, 0, e) for e in events]
        items += [(c.t_s, 1, c) for c in self._cues]
        self._cues = []
        for _, _, x in sorted(items, key=lambda i: (i[0], i[1])):
            if isinstance(x, Cue):
                if self.as_json:
                    echo_json({"type": "say", **x.to_json()})
                else:
                    click.echo(f"{clock(x.t_s):>8}  says: \"{x.text}\"")
            elif self.as_json:
                echo_json({"type": "cue", **x.to_json()})
            else:
                click.echo(event_line(x))

    def on_cue(self, cue: Cue) -> None:
        """A cue the session decided to say (printed with the next output, in time order)."""
        self._cues.append(cue)

    def on_event(self, event: Event) -> None:
        self._print([])
        if event.kind in ("mark", "note"):
            return
        if self.as_json:
            echo_json({"type": "event", "t_s": round(event.t_ns / 1e9, 3), "event": event.kind,
                       **event.data})
        elif event.kind in ("disconnect", "reconnect", "connect", "silent"):
            click.echo(f"{clock(event.t_ns / 1e9):>8}  strap {event.kind}")

    def close(self, summary: Summary) -> None:
        self._print([])
        if self.as_json:
            echo_json({"type": "summary", **summary.to_json()})
        else:
            click.echo("")
            click.echo(summary_text(summary))


def replay_file(path: Path, opts: dict, speed: float | None, as_json: bool,
                sinks: list[Sink] | None = None, printer: PrintSink | None = None,
                fmt: str | None = None) -> SessionResult:
    """Replay one file (any supported format) with the printing sink last."""
    return asyncio.run(session.replay_file(
        path, lambda header: thresholds_for(opts, header, str(path)), speed=speed, fmt=fmt,
        sinks=[*(sinks or []), printer or PrintSink(as_json)]))


def speed_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--fast", is_flag=True, help="As fast as possible (no waiting).")(f)
    return click.option("--speed", type=click.FloatRange(min=0.001), default=None,
                        help="Replay N times faster than real time.")(f)


def _cue_sinks(audio: str, cue_log: Path | None, audio_out: Path | None,
               speed: float | None, printer: PrintSink) -> list[Sink]:
    """The cue sink for the audio options; speech plays only when it can keep up (<= 10x), and
    the user who asked for sound (--audio) is told when it does not. The session's cue stage
    always runs, so what would be said is printed (PrintSink.on_cue) even with --audio off."""
    note = playback_note(audio, speed, audio_out)
    cue = cue_sink_from_options(audio, cue_log, audio_out, play=note is None, speed=speed)
    source = click.get_current_context().get_parameter_source("audio")
    if note is not None and source is not click.core.ParameterSource.DEFAULT:
        click.echo(f"Note: {note}", err=True)  # the user asked for sound: say why there is none
    return [] if cue is None else [cue]


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@speed_options
@threshold_options
@audio_options
@click.option("--format", "fmt", type=click.Choice(formats()),
              help="File format (default: detected from the content).")
@click.option("--save", is_flag=True, help="Add the session to your history (hrzone week).")
@json_option
def replay(file: Path, speed: float | None, fast: bool, as_json: bool, audio: str,
           cue_log: Path | None, audio_out: Path | None, save: bool, fmt: str | None,
           **opts: object) -> None:
    """Replay a recording (or a FIT/TCX/GPX/CSV file) through the live pipeline, printing
    zone changes and cue events.

    With --audio-out the session's spoken cues are rendered onto a WAV timeline (in the
    recording's own time, or compressed by --speed).
    """
    if fast and speed is not None:
        raise click.UsageError("give either --speed or --fast, not both")
    rate = None if fast else (speed or 1.0)
    printer = PrintSink(as_json)
    res = replay_file(file, opts, rate, as_json, printer=printer, fmt=fmt,
                      sinks=_cue_sinks(audio, cue_log, audio_out, rate, printer))
    if save:
        from hrzone.app.history import save_replay
        added, origin = save_replay(res.summary, file, fmt)
        if as_json:
            echo_json({"type": "saved", "id": added.id, "created": added.created,
                       "duplicate_of": added.duplicate_of, "origin": origin})
        else:
            click.echo(f"Saved to your history as session {added.id}"
                       + ("" if origin == "device" else f" ({origin})")
                       + ("" if added.created else " (already there)"))


@cli.command()
@click.option("--recording", "name", default=DEMO_RECORDING, show_default=True,
              help="Bundled recording to replay (a file name in recordings/).")
@speed_options
@threshold_options
@audio_options
@json_option
def demo(name: str, speed: float | None, fast: bool, as_json: bool, audio: str,
         cue_log: Path | None, audio_out: Path | None, **opts: object) -> None:
    """Replay a bundled workout quickly: zone changes, cue events and the summary. No strap needed."""
    if fast and speed is not None:
        raise click.UsageError("give either --speed or --fast, not both")
    path = BUNDLED / name
    rate = None if fast else (speed or 300.0)
    with tempfile.TemporaryDirectory() as tmp:
        if not path.exists():
            path = _simulate_demo(Path(tmp), name)
        printer = PrintSink(as_json)
        replay_file(path, opts, rate, as_json, printer=printer,
                    sinks=_cue_sinks(audio, cue_log, audio_out, rate, printer))


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
