"""JSON API of the week, sessions and profile pages (docs/web.md). Each handler parses the
request, calls one application function (in a worker thread: they read the history) and
returns its answer; a user error is a 400 with {"error": one line}."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hrzone.errors import HrzoneError, StoreError


def error(message: str, status: int = 400) -> JSONResponse:
    """A JSON error answer: {"error": message}."""
    return JSONResponse({"error": message}, status_code=status)


async def json_body(request: Request, limit: int = 64 * 1024) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); HrzoneError if it is not one."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise HrzoneError("request body too large")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise HrzoneError("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise HrzoneError("the request body is not a JSON object")
    return body


def _week(date_text: str | None) -> dict[str, Any]:
    from hrzone.app.advice import next_step
    from hrzone.app.weeks import parse_date, week_view

    rep = week_view(on=parse_date(date_text, "date") if date_text else None)
    return {**rep, "next_step": next_step(rep)}


async def week(request: Request) -> Response:
    """GET /api/week?date=YYYY-MM-DD: the `week --json` object plus "next_step" in words."""
    return JSONResponse(await run_in_threadpool(_week, request.query_params.get("date")))


async def weeks(request: Request) -> Response:
    """GET /api/weeks?last=N: the `weeks --json` rows (N 1-520, default 12)."""
    from hrzone.app.weeks import weeks_view

    try:
        last = int(request.query_params.get("last", "12"))
    except ValueError:
        return error("last must be a whole number of weeks")
    if not 1 <= last <= 520:
        return error("last must be 1-520 weeks")
    return JSONResponse(await run_in_threadpool(weeks_view, last))


async def week_svg(request: Request) -> Response:
    """GET /api/week.svg?date=: the week as stacked bars against the goal."""
    from hrzone.app.pictures import week_svg as draw

    rep = await run_in_threadpool(_week, request.query_params.get("date"))
    return Response(await run_in_threadpool(draw, rep), media_type="image/svg+xml")


async def sessions(request: Request) -> Response:
    """GET /api/sessions: every stored session (the `log list --json` rows), newest first."""
    from hrzone.app.history import list_sessions

    rows = await run_in_threadpool(list_sessions)
    return JSONResponse([r.to_json() for r in reversed(rows)])


async def _by_id(request: Request, fn: Any, *args: Any) -> Any:
    try:
        return await run_in_threadpool(fn, request.path_params["sid"], *args)
    except StoreError as e:
        if "no session with id" in str(e):
            raise _NotFound(str(e)) from None
        raise


class _NotFound(Exception):
    pass


async def session(request: Request) -> Response:
    """GET /api/sessions/{id}: the `log show --json` object."""
    from hrzone.app.history import session_detail

    try:
        return JSONResponse(await _by_id(request, session_detail))
    except _NotFound as e:
        return error(str(e), 404)


async def session_plot(request: Request) -> Response:
    """GET /api/sessions/{id}/plot.svg: HR with zone bands in bpm, gaps and cue events."""
    from hrzone.app.pictures import session_svg

    try:
        return Response(await _by_id(request, session_svg), media_type="image/svg+xml")
    except _NotFound as e:
        return error(str(e), 404)


async def session_export(request: Request) -> Response:
    """GET /api/sessions/{id}/export.{tcx|csv}: the session as a download."""
    from hrzone.app.pictures import EXPORTS, session_export as export

    kind = request.path_params["kind"]
    if kind not in EXPORTS:
        return error("not found", 404)
    try:
        data, name = await _by_id(request, export, kind)
    except _NotFound as e:
        return error(str(e), 404)
    return Response(data, media_type=EXPORTS[kind],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def upload(request: Request) -> Response:
    """POST /api/sessions/upload?name=FILE with the file's bytes as the body: `log add` (the
    `log add --json` report). Larger than app.uploads.MAX_UPLOAD_BYTES: 413."""
    from hrzone.app.uploads import MAX_UPLOAD_BYTES, add_upload

    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_UPLOAD_BYTES:
        return error(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB", 413)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            return error(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB", 413)
    report = await run_in_threadpool(add_upload, request.query_params.get("name", ""), bytes(data))
    return JSONResponse(report.to_json(), status_code=200 if report.exit_code == 0 else 422)


async def profile(request: Request) -> Response:
    """GET /api/profile: every value, the thresholds and zones in bpm, target, cue switches."""
    from hrzone.app.profile_view import profile_json

    return JSONResponse(await run_in_threadpool(profile_json))


def _pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
    values = body.get("set")
    if not isinstance(values, dict) or not values:
        raise HrzoneError('give {"set": {"key": "value", ...}}')
    out = []
    for k, v in values.items():
        text = "none" if v is None or v == "" else str(v).lower() if isinstance(v, bool) else str(v)
        out.append((str(k), text))
    return out


async def profile_preview(request: Request) -> Response:
    """POST /api/profile/preview {"set": {...}}: the profile as it would be; nothing saved."""
    from hrzone.app.profile_view import preview

    pairs = _pairs(await json_body(request))
    return JSONResponse(await run_in_threadpool(preview, pairs))


async def profile_set(request: Request) -> Response:
    """POST /api/profile {"set": {key: value}}: as `profile set` (values as text; "" or null
    removes a key); the profile afterwards."""
    from hrzone.app.profile_view import update

    pairs = _pairs(await json_body(request))
    return JSONResponse(await run_in_threadpool(update, pairs))


def routes() -> list[Route]:
    """The routes of this module."""
    return [
        Route("/api/week", week), Route("/api/weeks", weeks), Route("/api/week.svg", week_svg),
        Route("/api/sessions", sessions),
        Route("/api/sessions/upload", upload, methods=["POST"]),
        Route("/api/sessions/{sid:int}", session),
        Route("/api/sessions/{sid:int}/plot.svg", session_plot),
        Route("/api/sessions/{sid:int}/export.{kind}", session_export),
        Route("/api/profile", profile, methods=["GET"]),
        Route("/api/profile", profile_set, methods=["POST"]),
        Route("/api/profile/preview", profile_preview, methods=["POST"]),
    ]
