"""CLI glue for cues and audio: the option bundle and the sink it configures.

    @audio_options
    def live(..., audio, cue_log, audio_out, **opts): ...
        sink = cue_sink_from_options(audio, cue_log, audio_out, play=True, weekly=True)

No business logic here: hrzone.app.prefs reads the preferences and the week's minutes and
builds the sink.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hrzone.audio.sink import CueSink
from hrzone.audio.voice import MODES

F = TypeVar("F", bound=Callable[..., Any])


def audio_options(f: F) -> F:
    """--audio speech|tones|off, --cue-log FILE, --audio-out FILE."""
    opts = [
        click.option("--audio", type=click.Choice(MODES), default="speech", show_default=True,
                     help="Spoken cues, distinct tones, or no sound."),
        click.option("--cue-log", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the cues as JSON Lines to FILE (readable by you only)."),
        click.option("--audio-out", type=click.Path(dir_okay=False, path_type=Path),
                     help="Render the session's cues onto a WAV timeline at their times."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def cue_sink_from_options(audio: str, cue_log: Path | None, audio_out: Path | None, *,
                          play: bool = True, speed: float | None = None,
                          weekly: bool = False) -> CueSink | None:
    """The CueSink for these options (hrzone.app.prefs.cue_sink), notes printed on stderr."""
    from hrzone.app.prefs import cue_sink

    if audio_out is not None and audio == "off":
        raise click.UsageError("--audio-out needs --audio speech or tones")
    return cue_sink(audio, cue_log, audio_out, play=play, speed=speed, weekly=weekly,
                    notify=lambda msg: click.echo(f"Note: {msg}", err=True))
