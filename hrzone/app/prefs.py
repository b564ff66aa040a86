"""Cue preferences with the week's credited minutes so far, and the cue sink they configure.

    setup = cue_setup()                      # CuePrefs from the profile + this week's minutes
    sink = cue_sink(audio="speech", play=True, weekly=True)

The preferences come from profile.profile_cue_prefs (the profile's [cues] table, the weekly goal
with progression); the week's minutes from the history, unrounded (hrzone.credit rounds them
only when they are shown or spoken).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from hrzone.audio.sink import CueSink
from hrzone.cues import CuePrefs
from hrzone.errors import AudioError


@dataclass(frozen=True, slots=True)
class CueSetup:
    """What the cue engine needs before a session: the user's preferences and the credited
    minutes already in the current week (unrounded)."""

    prefs: CuePrefs
    week_before_min: float
    week_start: date


def cue_setup(today: date | None = None) -> CueSetup:
    """The profile's cue preferences (weekly goal of the week holding `today`) and the credited
    minutes stored for that week so far."""
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
    return CueSetup(prefs, before, start)


def cue_sink(audio: str = "speech", cue_log: str | os.PathLike[str] | None = None,
             audio_out: str | os.PathLike[str] | None = None, *, play: bool = True,
             speed: float | None = None, weekly: bool = False, setup: CueSetup | None = None,
             notify: Callable[[str], None] | None = None) -> CueSink | None:
    """The CueSink for these choices, or None when there is nothing to say or write.

    play: speak during the session (False for a fast replay); speed: replay speed-up, which
    also compresses the audio_out timeline; weekly: count this week's stored minutes (live
    sessions; a replay of an old recording starts from 0). AudioError when audio_out is asked
    for with audio 'off'.
    """
    if audio == "off" and cue_log is None and audio_out is None:
        return None
    if audio_out is not None and audio == "off":
        raise AudioError("--audio-out needs --audio speech or tones")
    setup = setup or cue_setup()
    extra = {} if notify is None else {"notify": notify}
    return CueSink(setup.prefs, audio=audio, play=play and audio != "off", cue_log=cue_log,
                   audio_out=audio_out, timeline_speed=speed or 1.0,
                   weekly_before_min=setup.week_before_min if weekly else 0, **extra)
