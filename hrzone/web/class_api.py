"""JSON API and event stream of the class screen (docs/web.md, docs/class.md).

The class runs in the server's event loop (app.classes.Classes, the same functions as `hrzone
class run`); every answer is built from its ClassRun.snapshot() (the ClassMonitor's tiles,
Tile.to_json) and the stream sends each tile as it changes, the room's cues, and the whole class
once a second (so a strap that went quiet shows "no signal" without new data).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from hrzone.app.classes import ClassRun, Classes
from hrzone.errors import HrzoneError
from hrzone.web.api import error, json_body
from hrzone.web.live_api import HEARTBEAT_S, sse


def _classes(request: Request) -> Classes:
    return request.app.state.classes


async def class_state(request: Request) -> Response:
    """GET /api/class: the latest class (tiles, view, room cues, class table once ended), or
    {"state": "idle"} with the view settings before any."""
    classes = _classes(request)
    run = classes.latest()
    if run is None:
        return JSONResponse({"state": "idle", "hide_bpm": classes.hide_bpm,
                             "zone_cues": list(classes.req.zone_cues),
                             "virtual": classes.req.virtual is not None, "tiles": []})
    return JSONResponse(run.snapshot())


async def class_start(request: Request) -> Response:
    """POST /api/class/start: start a class (the server's class: `class run --serve`'s options,
    or the roster's straps); 409 while one runs."""
    await json_body(request)
    classes = _classes(request)
    run = classes.latest()
    if run is not None and not run.ended.is_set():
        return error("a class is already running: stop it first", 409)
    return JSONResponse(classes.start().snapshot())


async def class_stop(request: Request) -> Response:
    """POST /api/class/stop: end the class as Ctrl-C ends `class run` (everyone's session
    summarised and saved); the class with its table."""
    await json_body(request)
    run = await _classes(request).stop()
    return error("no class", 404) if run is None else JSONResponse(run.snapshot())


async def class_settings(request: Request) -> Response:
    """POST /api/class/settings {"hide_bpm"?: bool, "zone_cues"?: [name, ...]}: show zones
    only on every screen; the room's zone cues for a small group (while a class runs)."""
    body = await json_body(request)
    classes = _classes(request)
    run = classes.latest()
    hide = body.get("hide_bpm")
    names = body.get("zone_cues")
    if hide is not None and not isinstance(hide, bool):
        raise HrzoneError("hide_bpm must be true or false")
    if names is not None and (not isinstance(names, list)
                              or not all(isinstance(n, str) for n in names)):
        raise HrzoneError("zone_cues must be a list of names")
    if names is not None:
        if run is None or run.ended.is_set():
            return error("no class is running: start one to set zone cues", 409)
        run.set_zone_cues(names)
    if hide is not None:
        classes.hide_bpm = hide
        if run is not None:
            run.set_view(hide)
    return await class_state(request)


async def _stream(run: ClassRun) -> AsyncIterator[str]:
    q = run.subscribe()
    try:
        yield sse("class", run.snapshot())
        next_beat = time.monotonic() + HEARTBEAT_S
        while not run.ended.is_set():
            try:
                kind, data = await asyncio.wait_for(q.get(), max(0.0, next_beat - time.monotonic()))
                yield sse(kind, data)
            except TimeoutError:
                pass
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + HEARTBEAT_S
                yield sse("class", run.snapshot())
        yield sse("end", run.snapshot())
    finally:
        run.unsubscribe(q)


async def class_events(request: Request) -> Response:
    """GET /api/class/events: Server-Sent Events of the latest class: class (the snapshot,
    at once and every second), tile (one tile as it changes), cue (the room said it), end."""
    run = _classes(request).latest()
    if run is None:
        return error("no class", 404)
    return StreamingResponse(_stream(run), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


def routes() -> list[Route]:
    """The routes of this module."""
    return [
        Route("/api/class", class_state),
        Route("/api/class/start", class_start, methods=["POST"]),
        Route("/api/class/stop", class_stop, methods=["POST"]),
        Route("/api/class/settings", class_settings, methods=["POST"]),
        Route("/api/class/events", class_events),
    ]

