"""A live session assembled once for every front end: the source (a real strap or a virtual
one), the sinks (the display and the cues), the recording file and saving to history.

    outcome = run_live(LiveRequest(virtual="recordings/walk30.jsonl", speed=0), display=sink)

Saving: a session from a real strap is added to the history unless `save=False`; a virtual one
(`virtual=...`) only with `save=True`, and then it is marked origin 'virtual'.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hrzone import store
from hrzone.app.files import recording_header
from hrzone.app.prefs import CueSetup, cue_setup, cue_sink
from hrzone.app.thresholds import thresholds_for
from hrzone.errors import HrzoneError, PlanError, ProfileError
from hrzone.runner import run_cancellable
from hrzone.session import SessionResult, Sink, run_session
from hrzone.summary import Summary
from hrzone.zones import Thresholds

OnSource = Callable[[Any, asyncio.AbstractEventLoop], None]


@dataclass(slots=True)
class LiveRequest:
    """What the user asked for. device: address or name (None: the strongest strap);
    strap: firmware profile name of the strap (firmware_profiles/); virtual: a recording file or simulator plan for a virtual
    strap, played at `speed` (0 = as fast as possible); record: the recording file (default: a
    new file in the data folder); save: add to history (None: yes for a real strap, no for a
    virtual one); opts: threshold options; audio/cue_log/audio_out: the cue choices."""

    device: str | None = None
    strap: str | None = None
    virtual: str | None = None
    speed: float = 1.0
    record: Path | None = None
    save: bool | None = None
    opts: Mapping[str, Any] = field(default_factory=dict)
    audio: str = "off"
    cue_log: Path | None = None
    audio_out: Path | None = None


@dataclass(slots=True)
class LiveOutcome:
    """How the session ended: its summary, the recording, the history entry (None when not
    saved), whether it was saved and its origin; recording_error: why the recording stopped
    early (full disk); save_error: why saving to history failed (the summary is still whole)."""

    summary: Summary
    recording: Path
    saved: store.AddResult | None
    origin: str
    save_requested: bool
    recording_error: str | None = None
    save_error: str | None = None


def default_record_path() -> Path:
    """A new recording file in the user's data folder (live-YYYYmmdd-HHMMSS.jsonl)."""
    from hrzone.paths import recordings_dir

    return recordings_dir() / f"live-{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl"


def virtual_air(spec: str, speed: float) -> Any:
    """A VirtualAir with one strap playing a recording file or a simulator plan."""
    from hrzone.ble.clock import ScaledClock, VirtualClock
    from hrzone.virtual import VirtualAir, strap_from_plan, strap_from_recording

    p = Path(spec)
    if p.is_file() and p.suffix.lower() not in (".toml", ".json"):
        strap = strap_from_recording(p)
    else:
        try:
            strap = strap_from_plan(spec)
        except PlanError as e:
            raise PlanError(f"--virtual {spec}: not a recording file, and {e}") from None
    clock = VirtualClock() if speed == 0 else ScaledClock(speed)
    return VirtualAir(clock, [strap])


async def run_source(*, device: str | None, strap: str | None, record: Path | None,
                     virtual: str | None, speed: float, sinks: list[Sink],
                     thresholds: Thresholds, on_source: OnSource | None = None,
                     setup: CueSetup | None = None) -> SessionResult:
    """Open the source, run the session until it ends or is cancelled (Ctrl-C).

    setup: the user's cue preferences and week so far for the session's cue stage (also with
    --audio off, so the panel's last cue and target follow the profile)."""
    from hrzone.ble.source import BleSource
    from hrzone.virtual import virtual_source

    air = None
    if virtual is not None:
        air = virtual_air(virtual, speed)
        source = virtual_source(air, device, strap=strap)
    else:
        source = BleSource(device, strap=strap)
    try:
        await source.open()
        if on_source is not None:
            on_source(source, asyncio.get_running_loop())
        return await run_session(
            source, thresholds, record_to=record, sinks=sinks,
            cue_setup=None if setup is None else (setup.prefs, setup.week_before_min))
    finally:
        await source.aclose()
        if air is not None:
            await air.aclose()
            closer = getattr(air.clock, "aclose", None)
            if closer is not None:
                await closer()


def build_display(as_json: bool, setup: CueSetup | None, stream: Any = None) -> Sink:
    """The live panel sink, told the week's minutes so far, the weekly goal and the target zone
    (from the cue setup; without one, an empty week toward the default goal)."""
    from hrzone.display import make_display

    if setup is None:
        return make_display(as_json, stream)
    return make_display(as_json, stream, week_before_min=setup.week_before_min,
                        goal_min=float(setup.prefs.weekly_goal_min),
                        target=str(getattr(setup.prefs, "target", "moderate")))


def live_thresholds(req: LiveRequest) -> Thresholds:
    """Thresholds for a live session: options > profile > a virtual recording's header."""
    header = recording_header(req.virtual) if req.virtual is not None else None
    return thresholds_for(req.opts, header, str(req.virtual))


@dataclass(slots=True)
class LivePlan:
    """A live session ready to run: the thresholds, the recording file, the cue setup (None when
    the profile's [cues] table is broken and no cue is asked for) and the sinks."""

    req: LiveRequest
    thresholds: Thresholds
    record: Path
    setup: CueSetup | None
    sinks: list[Sink]

    def coroutine(self, on_source: OnSource | None = None) -> Any:
        """The session coroutine (run_source) for this plan."""
        r = self.req
        return run_source(device=r.device, strap=r.strap, record=self.record, virtual=r.virtual,
                          speed=r.speed, sinks=self.sinks, thresholds=self.thresholds,
                          on_source=on_source, setup=self.setup)


def plan_live(req: LiveRequest, *, as_json: bool = False,
              display: Callable[[CueSetup | None], Sink] | None = None,
              notify: Callable[[str], None] | None = None) -> LivePlan:
    """Everything a live session needs before it starts (see run_live for the arguments)."""
    thresholds = live_thresholds(req)
    record = req.record or default_record_path()
    needs_cues = req.audio != "off" or req.cue_log is not None or req.audio_out is not None
    try:
        setup = cue_setup()           # the panel shows the week so far toward the goal
    except ProfileError:
        if needs_cues:
            raise
        setup = None                  # a broken [cues] table must not stop a silent session
    panel = (display or (lambda s: build_display(as_json, s)))(setup)
    cues = cue_sink(req.audio, req.cue_log, req.audio_out, play=True, weekly=True,
                    setup=setup, notify=notify) if needs_cues else None
    return LivePlan(req, thresholds, record, setup, [panel, *([cues] if cues is not None else [])])


def finish_live(plan: LivePlan, res: SessionResult) -> LiveOutcome:
    """Save a finished session when saving applies (module docstring) and say how it ended."""
    req, record = plan.req, plan.record
    origin = "virtual" if req.virtual is not None else "device"
    save = req.save if req.save is not None else req.virtual is None
    saved, save_error = None, None
    if save and res.summary.samples and os.path.exists(record):
        try:
            saved = store.save_session(res.summary, record, origin)
        except HrzoneError as e:  # e.g. the disk is full: the summary must still be shown
            save_error = str(e)
    return LiveOutcome(res.summary, record, saved, origin, save, res.recording_error, save_error)


def run_live(req: LiveRequest, *, as_json: bool = False,
             display: Callable[[CueSetup | None], Sink] | None = None,
             notify: Callable[[str], None] | None = None) -> LiveOutcome:
    """Run a live session to its end (or Ctrl-C) and save it when saving applies.

    display: builds the panel sink from the cue setup (default build_display); notify: where
    audio notes go. A server runs the same plan in its own event loop (app.sessions).
    """
    plan = plan_live(req, as_json=as_json, display=display, notify=notify)
    return finish_live(plan, run_cancellable(plan.coroutine()))
