"""Audio for cues: speech rendering and cache, tones fallback, background player, WAV timeline.

    voice = Voice("speech")              # espeak-ng / say / System.Speech, or tones
    voice.prepare(texts)                 # pre-render at session start (cached)
    Player().play(voice.path(cue))       # background; never blocks
    render_timeline(cues, duration_s, "cues.wav", speed=1.0)

The session sink that plays the cue stage's cues with all of this is hrzone.audio.sink.CueSink.
"""

from __future__ import annotations

from hrzone.audio.player import Player, Started, player_commands
from hrzone.audio.speech import SpeechEngine, find_engine, install_hint
from hrzone.audio.timeline import Timeline, render_timeline
from hrzone.audio.tones import tone
from hrzone.audio.voice import MODES, Voice, audio_cache_dir
from hrzone.audio.wavio import RATE_HZ, read_wav, write_wav

__all__ = ["MODES", "RATE_HZ", "Player", "SpeechEngine", "Started", "Timeline", "Voice",
           "audio_cache_dir", "find_engine", "install_hint", "player_commands", "read_wav",
           "render_timeline", "tone", "write_wav"]
