"""CLI glue for cues and audio: the option bundle and the sink it configures.

    @audio_options
    def live(..., audio, cue_log, audio_out, **opts): ...
        sink = cue_sink_from_options(audio, cue_log, audio_out, play=True, weekly=True)

No business logic here: preferences come from the profile ([cues] table and weekly goal), the
week's credited minutes from the session store, everything else from hrzone.audio.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from hrzone.audio.sink import CueSink
from hrzone.audio.voice import MODES
from hrzone.cues import CuePrefs

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


def cue_prefs_from_profile(today: date | None = None) -> tuple[CuePrefs, int]:
    """Cue preferences from the profile, and the credited minutes already in this week.

    The weekly goal is the profile's goal for the current week (progression applied) unless
    the [cues] table sets weekly_goal_min itself.
    """
    from hrzone.profile import load_profile, profile_cue_prefs
    from hrzone.store import day_totals, open_db
    from hrzone.week import week_credited_min, week_start_of

    prof = load_profile()
    today = today or datetime.now(prof.tz()).date()
    start = week_start_of(today, prof.week_start_day)
    prefs = profile_cue_prefs(prof, on=today)
    db = open_db()
    try:
        before = week_credited_min(day_totals(db, first=start), start)
    finally:
        db.close()
    return prefs, int(before)


def cue_sink_from_options(audio: str, cue_log: Path | None, audio_out: Path | None, *,
                          play: bool = True, speed: float | None = None, weekly: bool = False,
                          prefs: CuePrefs | None = None) -> CueSink | None:
    """The CueSink for these options, or None when there is nothing to say or write.

    play: speak during the session (False for `replay --fast`); speed: replay speed-up, which
    also compresses the --audio-out timeline; weekly: count this week's stored minutes (live
    sessions; a replay of an old recording starts from 0).
    """
    if audio == "off" and cue_log is None and audio_out is None:
        return None
    if audio_out is not None and audio == "off":
        raise click.UsageError("--audio-out needs --audio speech or tones")
    before = 0
    if prefs is None:
        prefs, before = cue_prefs_from_profile()
    if not weekly:
        before = 0
    return CueSink(prefs, audio=audio, play=play and audio != "off", cue_log=cue_log,
                   audio_out=audio_out, timeline_speed=speed or 1.0, weekly_before_min=before,
                   notify=lambda msg: click.echo(f"Note: {msg}", err=True))
