"""The talk test as an application: plan a calibration session (heart rate and marks, zones
hidden), propose thresholds from its recording, put them beside the current ones, save them.

The rule itself (medians before each mark) is hrzone.calibrate's; this module only connects it
to the profile and to a live session, for every front end (terminal and browser).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hrzone.app.live import LiveOutcome, LivePlan, LiveRequest, default_record_path
from hrzone.app.prefs import CueSetup
from hrzone.calibrate import Proposal, comparison_json, propose_from_recording
from hrzone.session import SessionResult, Sink
from hrzone.zones import Thresholds, resolve_thresholds

WINDOW_S = 30.0


def provisional_thresholds() -> Thresholds:
    """Thresholds the core needs during a talk test; the display hides zones, so these never
    reach the screen."""
    return resolve_thresholds("bpm", moderate=100, high=140)


def plan_calibration(req: LiveRequest, *, display: Callable[[CueSetup | None], Sink],
                     notify: Callable[[str], None] | None = None) -> LivePlan:
    """A talk-test session: provisional thresholds, no cues, the recording in the data folder
    (or req.record); `display` gets no cue setup (zones are hidden)."""
    return LivePlan(req, provisional_thresholds(), req.record or default_record_path(), None,
                    [display(None)])


def finish_calibration(plan: LivePlan, res: SessionResult) -> LiveOutcome:
    """A talk test is not a workout for the history: the outcome of an unsaved session."""
    return LiveOutcome(res.summary, plan.record, None, "device", False, res.recording_error)


def current_thresholds() -> Thresholds | None:
    """The profile's thresholds, or None (none yet, or a broken profile)."""
    from hrzone.errors import HrzoneError
    from hrzone.profile import load_profile, profile_thresholds

    try:
        return profile_thresholds(load_profile())
    except HrzoneError:
        return None


def proposal_for(record: str | os.PathLike[str], window_s: float = WINDOW_S) -> Proposal:
    """Thresholds proposed from a recording's marks (ThresholdError, one line, when impossible)."""
    return propose_from_recording(record, window_s=window_s)


def comparison(proposal: Proposal) -> dict[str, Any]:
    """The proposal beside the thresholds in use, with the plain-words text (`calibrate --json`)."""
    return comparison_json(proposal, current_thresholds())


def save_thresholds(th: Thresholds) -> str:
    """Write bpm thresholds into the user profile; returns what `hrzone log recompute` would
    change with them ('' when nothing would)."""
    from hrzone.app.history import recompute_offer
    from hrzone.profile import load_profile, save_raw

    prof = load_profile()
    raw = dict(prof.raw)
    raw.update(method="bpm", moderate_bpm=th.moderate_bpm, high_bpm=th.high_bpm)
    save_raw(raw, prof.path)
    return recompute_offer("moderate_bpm", th)
