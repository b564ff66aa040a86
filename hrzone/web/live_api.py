"""JSON API and event stream of the live and calibrate pages (docs/web.md).

Sessions run in the server's event loop (app.sessions.LiveSessions); the stream sends the same
status the terminal's JSON sink prints (display.LiveStatus.to_json) each time it changes, and
once a second when nothing arrives, so "no signal" shows up without data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from hrzone.app.live import LiveRequest
from hrzone.app.sessions import LiveRun, LiveSessions, WatchSink
from hrzone.calibrate import MARK_KINDS, MarkLog
from hrzone.errors import HrzoneError
from hrzone.web.api import error, json_body

HEARTBEAT_S = 1.0


def _runs(request: Request) -> LiveSessions:
    return request.app.state.runs


def _request(request: Request, body: dict[str, Any], **kw: Any) -> LiveRequest:
    cfg = request.app.state.config
    device = body.get("device")
    if device is not None and not isinstance(device, str):
        raise HrzoneError("device must be a strap's address or name")
    return LiveRequest(device=device or None, strap=cfg.strap, virtual=cfg.virtual,
                       speed=cfg.speed, opts=cfg.opts, **kw)


def _run_for(request: Request, kind: str) -> LiveRun | None:
    return _runs(request).get(request.query_params.get("id"), kind)


async def straps(request: Request) -> Response:
    """GET /api/straps: straps in range (a Bluetooth scan of a few seconds, or the virtual one)."""
    from hrzone.app.straps import find_straps

    cfg = request.app.state.config
    found = await find_straps(5.0, cfg.virtual, 0)
    return JSONResponse({"virtual": cfg.virtual is not None,
                         "straps": [f.to_json() for f in found]})


async def live(request: Request) -> Response:
    """GET /api/live[?id=]: the session's state (the JSON sink's status fields and more), or
    {"state": "idle"} before any session."""
    run = _run_for(request, "live")
    return JSONResponse({"state": "idle"} if run is None else run.snapshot())


async def live_start(request: Request) -> Response:
    """POST /api/live/start {"device"?: str, "another"?: bool}: start a session (the serve's
    virtual strap when it has one); 409 while one runs unless "another" is true."""
    body = await json_body(request)
    runs = _runs(request)
    if runs.running("live") and not body.get("another"):
        return error("a session is already running: stop it first", 409)
    cfg = request.app.state.config
    req = _request(request, body, save=cfg.save, audio=cfg.audio)
    run = runs.start(req, notify=lambda msg: None)
    return JSONResponse(run.snapshot())


async def _stop(request: Request, kind: str) -> LiveRun | None:
    body = await json_body(request)
    run = _runs(request).get(body.get("id") and str(body["id"]), kind)
    if run is None:
        return None
    return await _runs(request).stop(run.id)


async def live_stop(request: Request) -> Response:
    """POST /api/live/stop {"id"?}: end the (latest) session as Ctrl-C does; its final state
    with "end" (summary, saved id)."""
    run = await _stop(request, "live")
    return error("no live session", 404) if run is None else JSONResponse(run.snapshot())


def sse(kind: str, data: dict[str, Any]) -> str:
    """One Server-Sent Event: its kind and JSON data."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _stream(run: LiveRun) -> AsyncIterator[str]:
    q = run.subscribe()
    try:
        yield sse("status", run.snapshot())
        while not run.ended.is_set():
            try:
                kind, data = await asyncio.wait_for(q.get(), HEARTBEAT_S)
            except TimeoutError:
                kind, data = "status", run.snapshot()
            yield sse(kind, data)
        while not q.empty():
            kind, data = q.get_nowait()
            yield sse(kind, data)
        yield sse("end", run.snapshot())
    finally:
        run.unsubscribe(q)


async def events(request: Request) -> Response:
    """GET /api/live/events?id=: Server-Sent Events of a session (live or talk test): status,
    event, cue, end."""
    run = _runs(request).get(request.query_params.get("id"))
    if run is None:
        return error("no such session", 404)
    return StreamingResponse(_stream(run), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


async def calibrate(request: Request) -> Response:
    """GET /api/calibrate[?id=]: the talk test's state (heart rate, confirmed marks)."""
    run = _run_for(request, "calibrate")
    return JSONResponse({"state": "idle"} if run is None else run.snapshot())


async def calibrate_start(request: Request) -> Response:
    """POST /api/calibrate/start {"device"?}: start a talk test (zones hidden, not saved)."""
    from hrzone.app.calibration import WINDOW_S, finish_calibration, plan_calibration

    body = await json_body(request)
    runs = _runs(request)
    if runs.running():
        return error("a session is already running: stop it first", 409)
    run = runs.start(_request(request, body, save=False), kind="calibrate",
                     plan=plan_calibration, finish=finish_calibration,
                     display=lambda r, _setup: WatchSink(r, marks=MarkLog(WINDOW_S)))
    return JSONResponse(run.snapshot())


async def calibrate_mark(request: Request) -> Response:
    """POST /api/calibrate/mark {"mark": "sing"|"talk"}: mark now ("sing": can no longer sing;
    "talk": can no longer talk)."""
    body = await json_body(request)
    kind = body.get("mark")
    if kind not in MARK_KINDS:
        return error(f"mark must be one of {', '.join(MARK_KINDS)}")
    run = _runs(request).get(None, "calibrate")
    if run is None or run.ended.is_set():
        return error("no talk test is running", 409)
    run.mark(kind)
    await asyncio.sleep(0)   # the mark is confirmed by the sink as it passes
    return JSONResponse(run.snapshot())


async def calibrate_finish(request: Request) -> Response:
    """POST /api/calibrate/finish: end the talk test; the proposal beside the thresholds in use
    (the `calibrate --json` object) or {"error"} saying why there is none."""
    from hrzone.app.calibration import comparison, proposal_for

    run = await _stop(request, "calibrate")
    if run is None:
        return error("no talk test", 404)
    if run.outcome is None:
        return error(run.error or "the talk test recorded nothing", 400)
    proposal = await run_in_threadpool(proposal_for, run.outcome.recording)
    request.app.state.proposals[run.id] = proposal
    return JSONResponse({"id": run.id, **comparison(proposal)})


async def calibrate_save(request: Request) -> Response:
    """POST /api/calibrate/save {"id"?}: save the proposal of that (the latest) talk test in the
    profile (method bpm); what `log recompute` would change."""
    from hrzone.app.calibration import save_thresholds

    body = await json_body(request)
    proposals = request.app.state.proposals
    key = str(body["id"]) if body.get("id") is not None else (max(proposals, key=int)
                                                              if proposals else None)
    if key not in proposals:
        return error("no proposal to save: finish a talk test first", 404)
    offer = await run_in_threadpool(save_thresholds, proposals[key].thresholds)
    return JSONResponse({"saved": True, "thresholds": proposals[key].thresholds.to_json(),
                         "recompute": offer})


def routes() -> list[Route]:
    """The routes of this module."""
    return [
        Route("/api/straps", straps), Route("/api/live", live),
        Route("/api/live/start", live_start, methods=["POST"]),
        Route("/api/live/stop", live_stop, methods=["POST"]),
        Route("/api/live/events", events),
        Route("/api/calibrate", calibrate),
        Route("/api/calibrate/start", calibrate_start, methods=["POST"]),
        Route("/api/calibrate/mark", calibrate_mark, methods=["POST"]),
        Route("/api/calibrate/finish", calibrate_finish, methods=["POST"]),
        Route("/api/calibrate/save", calibrate_save, methods=["POST"]),
    ]
