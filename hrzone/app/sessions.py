"""Live sessions run as tasks inside an event loop that is already running (a web server; the
group class runs several at once), each watched through the same LiveStatus the terminal shows.

    runs = LiveSessions()
    run = runs.start(LiveRequest(virtual="recordings/walk30.jsonl"))   # in the running loop
    q = run.subscribe()          # ("status", {...}), ("cue", {...}), ("end", {...}) as they come
    await runs.stop(run.id)      # as Ctrl-C: stop event, summary, saved by the ledger rules

A session is planned and finished exactly as `hrzone live` does it (app.live.plan_live and
finish_live); only the loop differs: `run_source` is awaited here instead of going through
runner.run_cancellable, and stopping cancels the task, which run_session turns into a clean end.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from hrzone.app.broadcast import Broadcast, Watched
from hrzone.app.live import LiveOutcome, LivePlan, LiveRequest, plan_live
from hrzone.app.prefs import CueSetup
from hrzone.display import StatusSink
from hrzone.errors import HrzoneError
from hrzone.recording import Event, Header
from hrzone.session import SessionResult, Sink
from hrzone.zones import Thresholds

QUEUE_MAX = 256        # a subscriber that falls this far behind loses its oldest messages


class WatchSink(StatusSink):
    """The live status (hrzone.display.StatusSink) that tells a LiveRun of every change."""

    def __init__(self, run: LiveRun, **kw: Any):
        super().__init__(**kw)
        self.run = run
        self.header: Header | None = None
        self.data_wall: float | None = None

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        super().on_start(header, thresholds)
        self.header = header
        self.run.publish("status")

    def on_output(self, out: Any, state: Any) -> None:
        super().on_output(out, state)
        if len(out):
            self.data_wall = time.monotonic()
            self.run.publish("status")

    def on_event(self, event: Event) -> None:
        super().on_event(event)
        self.run.publish("event", {"t_s": round(event.t_ns / 1e9, 3), "event": event.kind,
                                   **event.data})
        self.run.publish("status")

    def on_cue(self, cue: Any) -> None:
        super().on_cue(cue)
        self.run.publish("cue", {"t_s": round(float(cue.t_s), 3), "kind": cue.kind,
                                 "text": cue.text})


class LiveRun(Watched):
    """One session running as a task: its status, its subscribers and, at the end, its outcome.

    kind: 'live' or 'calibrate' (zones hidden, marks shown); finish: turns the session result
    into the outcome (saving by the ledger rules) and runs in a worker thread.
    """

    def __init__(self, run_id: str, kind: str):
        self.id = run_id
        self.kind = kind
        self.plan: LivePlan | None = None       # set by LiveSessions.start
        self.sink: WatchSink = None  # type: ignore[assignment]  # built inside the plan
        self.source: Any = None
        self.started_wall = time.monotonic()
        self.task: asyncio.Task[SessionResult] | None = None
        self.outcome: LiveOutcome | None = None
        self.result: SessionResult | None = None
        self.error: str | None = None
        self.ended = asyncio.Event()
        self._watchers = Broadcast(QUEUE_MAX)

    def connected(self) -> bool:
        return self.sink.header is not None

    def snapshot(self) -> dict[str, Any]:
        """The current state: the JSON sink's status fields (display.LiveStatus.to_json) plus
        the run's id, kind, state, device, start, elapsed_s and, once ended, summary and save."""
        s = self.sink
        ended = self.ended.is_set()
        now = time.monotonic()
        idle = 0.0 if ended or s.data_wall is None else now - s.data_wall
        since = None if ended or s.header is None else now - self.started_wall
        reading = s.status.reading(idle, since)
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "state": self.state,
                             "device": s.status.device,
                             "start": None if s.header is None else s.header.created,
                             "elapsed_s": round(reading.elapsed_s, 1),
                             "target_s": round(reading.target_s, 1),
                             "ceiling_bpm": s.status.ceiling_bpm,
                             "hint": reading.target_hint,
                             "ceiling_text": reading.ceiling_text,
                             **s.status.to_json(idle)}
        if s.mark_log is not None:
            d["confirmations"] = list(s.status.marks)
        if ended:
            d["error"] = self.error
            d["end"] = self.end_json()
        return d

    def end_json(self) -> dict[str, Any] | None:
        """The summary and what became of the session (None until it has ended)."""
        o = self.outcome
        if o is None:
            return None if self.result is None else {"summary": self.result.summary.to_json()}
        return {"summary": o.summary.to_json(), "recording": o.recording.name,
                "saved_id": None if o.saved is None else o.saved.id,
                "duplicate_of": None if o.saved is None else o.saved.duplicate_of,
                "origin": o.origin, "save_requested": o.save_requested,
                "recording_error": o.recording_error, "save_error": o.save_error}

    def mark(self, label: str) -> None:
        """A talk-test mark now (HrzoneError before the strap is connected)."""
        if self.source is None or self.ended.is_set():
            raise HrzoneError("the strap is not connected yet: wait for the heart rate")
        self.source.mark(label)


class LiveSessions:
    """The live sessions of one event loop, by id (generic: one for a person, many for a
    group). Create and use it inside the running loop."""

    def __init__(self) -> None:
        self.runs: dict[str, LiveRun] = {}
        self._ids = itertools.count(1)

    def start(self, req: LiveRequest, *, kind: str = "live",
              plan: Callable[..., LivePlan] | None = None,
              finish: Callable[[LivePlan, SessionResult], LiveOutcome] | None = None,
              display: Callable[[LiveRun, CueSetup | None], WatchSink] | None = None,
              extra_sinks: list[Sink] = (),  # type: ignore[assignment]
              notify: Callable[[str], None] | None = None) -> LiveRun:
        """Plan the session (as `hrzone live` does; ThresholdError and friends raise here) and
        start it as a task. plan/finish: how the session is set up and what happens to its
        result (default: app.live's, saving by the ledger rules); display builds the watching
        sink (default: the live panel's status with the week so far and the target)."""
        from hrzone.app.live import finish_live

        run = LiveRun(str(next(self._ids)), kind)
        if req.record is None:   # sessions started in the same second get their own files
            req = replace(req, record=self._record_path(run.id))

        def panel(setup: CueSetup | None) -> Sink:
            if display is not None:
                return display(run, setup)
            if setup is None:
                return WatchSink(run)
            return WatchSink(run, week_before_min=setup.week_before_min,
                             goal_min=float(setup.prefs.weekly_goal_min),
                             target=str(getattr(setup.prefs, "target", "moderate")))

        p = (plan or plan_live)(req, display=panel, notify=notify)
        p.sinks.extend(extra_sinks)
        run.plan, run.sink = p, p.sinks[0]  # type: ignore[assignment]

        def on_source(source: Any, loop: asyncio.AbstractEventLoop) -> None:
            run.source = source

        run.task = asyncio.get_running_loop().create_task(
            self._run(run, p, finish or finish_live, on_source))
        self.runs[run.id] = run
        return run

    def _record_path(self, run_id: str) -> Path:
        """A new recording file in the data folder, unused by this loop's other sessions."""
        from hrzone.app.live import default_record_path

        path = default_record_path()
        taken = {r.plan.record for r in self.runs.values() if r.plan is not None}
        if path in taken or path.exists():
            path = path.with_name(f"{path.stem}-{run_id}{path.suffix}")
        return path

    async def _run(self, run: LiveRun, plan: LivePlan,
                   finish: Callable[[LivePlan, SessionResult], LiveOutcome],
                   on_source: Any) -> SessionResult:
        try:
            res = await plan.coroutine(on_source)
            run.result = res
            run.outcome = await asyncio.to_thread(finish, plan, res)
            return res
        except asyncio.CancelledError:
            run.error = "stopped before the strap was connected; nothing was recorded"
            raise
        except HrzoneError as e:
            run.error = str(e)
            raise
        except Exception as e:  # shown on the page; the server goes on
            run.error = f"unexpected {type(e).__name__}: {e}"
            raise
        finally:
            run.ended.set()
            run.publish("end")

    def get(self, run_id: str | None = None, kind: str | None = None) -> LiveRun | None:
        """The run with this id, else the latest (of this kind), else None."""
        if run_id is not None:
            return self.runs.get(run_id)
        runs = [r for r in self.runs.values() if kind is None or r.kind == kind]
        return runs[-1] if runs else None

    def running(self, kind: str | None = None) -> list[LiveRun]:
        """Runs not ended yet (of this kind)."""
        return [r for r in self.runs.values()
                if not r.ended.is_set() and (kind is None or r.kind == kind)]

    async def stop(self, run_id: str, timeout_s: float = 30.0) -> LiveRun:
        """End a session as Ctrl-C does and wait until it is finished (saved or not)."""
        run = self.runs[run_id]
        if run.task is not None and not run.ended.is_set():
            run.task.cancel(msg="stop")
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(run.task), timeout_s)
            await asyncio.wait_for(run.ended.wait(), timeout_s)
        return run

    async def stop_all(self) -> None:
        """Stop every running session (the server is shutting down)."""
        await asyncio.gather(*(self.stop(r.id) for r in self.running()),
                             return_exceptions=True)

