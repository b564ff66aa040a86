"""Every spoken phrase, in one table keyed by language then phrase id.

Phrases are short, plain and calm: they are heard mid-exercise, often by someone with MS for
whom a long or alarming sentence is a distraction. Add a language by adding a table with the
same ids (tests check that every language has every id and the same {placeholders}).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from hrzone.errors import ProfileError

DEFAULT_LANGUAGE = "en"

PHRASES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "start": "Session started.",
        # Zone cues: where the person is and what to do, in talk-test terms, relative to the
        # target zone ({target} is one of the name.* phrases).
        "zone.low.target": "Low. You can sing.",
        "zone.moderate.target": "Moderate. You can talk, not sing.",
        "zone.high.target": "High. Too hard to talk.",
        "zone.low.back": "Low again. Good.",
        "zone.moderate.back": "Moderate again. Good.",
        "zone.high.back": "High again. Good.",
        "zone.moderate.above": "Moderate. Ease off if you want {target}.",
        "zone.high.above": "High. Ease off if you want {target}.",
        "zone.low.below": "Low. Pick up the pace a little.",
        "zone.moderate.below": "Moderate. Pick up the pace if you want {target}.",
        "name.low": "low",
        "name.moderate": "moderate",
        "name.high": "high",
        "hr": "Heart rate {bpm}.",
        "ceiling.above": "Ease off. You are above your ceiling.",
        "ceiling.below": "Back below your ceiling.",
        "signal.lost": "Signal lost. Check the strap.",
        "signal.back": "Signal back.",
        "battery.low": "Strap battery low.",
        # Heat drift (hrzone.heat): calm, a suggestion, not an alarm.
        "heat": "Your pulse is creeping up. Time to cool down and drink.",
        "minutes": "{n} minutes",
        "minutes.one": "1 minute",
        "milestone": "{minutes} credited.",
        "goal": "Weekly goal reached. Well done.",
        "end": "Session done. {session} credited; {week} of {goal} this week.",
        "end.nogoal": "Session done. {session} credited.",
    },
}

# espeak-ng voice per language (say and System.Speech use the system default voice).
ESPEAK_VOICES: Mapping[str, str] = {"en": "en"}


def languages() -> list[str]:
    """Languages with a phrase table."""
    return sorted(PHRASES)


def check_language(language: str) -> str:
    """Return `language` if it has a phrase table; raise ProfileError otherwise."""
    if language not in PHRASES:
        raise ProfileError(
            f"cue language {language!r} has no phrases (available: {', '.join(languages())})")
    return language


def placeholders(text: str) -> set[str]:
    """Names of the {placeholders} in a phrase template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def minutes(language: str, n: int) -> str:
    """'1 minute', '32 minutes' in `language` (the plural rule lives in the table)."""
    return phrase(language, "minutes.one") if n == 1 else phrase(language, "minutes", n=n)


def phrase(language: str, phrase_id: str, **params: object) -> str:
    """The phrase `phrase_id` in `language`, with its {placeholders} filled from params."""
    table = PHRASES[check_language(language)]
    try:
        template = table[phrase_id]
    except KeyError:
        raise ProfileError(f"no phrase {phrase_id!r} for language {language!r}") from None
    return template.format(**params)
