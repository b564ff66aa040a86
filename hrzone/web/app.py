"""The ASGI application of `hrzone serve`: pages, static files and the JSON API (docs/web.md).

Handlers call the application layer (hrzone.app) only; this module wires routes, the guard
(hrzone.web.security) and the live sessions that run in the server's own event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hrzone.app.classes import Classes
from hrzone.app.group import ClassRequest
from hrzone.app.sessions import LiveSessions
from hrzone.errors import HrzoneError
from hrzone.web import api, assets, class_api, live_api
from hrzone.web.security import Guard


@dataclass(slots=True)
class ServeConfig:
    """What `hrzone serve` was started with: where it listens, its token (None: loopback only),
    the virtual strap (a recording or plan played at `speed`) in place of Bluetooth, the strap's
    firmware profile, the server's cue audio, whether finished sessions are saved, threshold
    options; the class screen's class (`class run --serve`'s request; None: the roster's real
    straps), whether it starts with the server and whether its screen starts with zones only."""

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    virtual: str | None = None
    speed: float = 1.0
    strap: str | None = None
    audio: str = "off"
    save: bool = True
    opts: Mapping[str, Any] = field(default_factory=dict)
    klass: ClassRequest | None = None
    class_now: bool = False
    hide_bpm: bool = False


def _page_route(path: str, name: str) -> Route:
    async def endpoint(request: Request) -> Response:
        return Response(assets.page(name), media_type="text/html; charset=utf-8")
    return Route(path, endpoint, methods=["GET"], name=f"page_{name}")


async def _static(request: Request) -> Response:
    found = assets.static_files().get(request.path_params["name"])
    if found is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    data, ctype = found
    return Response(data, media_type=ctype, headers={"cache-control": "no-cache"})


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


async def _user_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=400)


def create_app(config: ServeConfig | None = None) -> Any:
    """The guarded ASGI app for `config` (default: loopback, no token, Bluetooth straps)."""
    cfg = config or ServeConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.runs = LiveSessions()
        app.state.proposals = {}
        app.state.classes = Classes(cfg.klass, cfg.hide_bpm)
        if cfg.class_now:
            app.state.classes.start()
        try:
            yield
        finally:  # Ctrl-C on the server ends running sessions as Ctrl-C ends `hrzone live`
            await app.state.runs.stop_all()
            await app.state.classes.stop()

    routes = [
        Route("/", lambda r: Response(status_code=307, headers={"location": "/live"})),
        *(_page_route(f"/{n}", n) for n in assets.NAV),
        _page_route("/sessions/{sid:int}", "session"),
        Route("/static/{name}", _static),
        *api.routes(),
        *live_api.routes(),
        *class_api.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: _not_found, HrzoneError: _user_error})
    app.state.config = cfg
    return Guard(app, cfg.host, cfg.token)
