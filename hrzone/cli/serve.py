"""`hrzone serve`: the browser dashboard on this machine (hrzone.web)."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.audio_options import MODES
from hrzone.cli.live import virtual_options
from hrzone.cli.options import threshold_options
from hrzone.errors import HrzoneError


def _check_port(host: str, port: int) -> None:
    """HrzoneError when the address cannot be listened on (port in use, unknown host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as e:
        raise HrzoneError(f"cannot listen on {host}:{port}: {e.strerror or e} "
                          "(another server there? try --port)") from None


def server_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--host, --port, --token and --no-browser (hrzone serve, hrzone class run --serve)."""
    for opt in reversed((
        click.option("--host", default="127.0.0.1", show_default=True,
                     help="Address to listen on. Anything but this machine (127.0.0.1, ::1) "
                          "needs a token: one is made and printed when --token is not given."),
        click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
                     help="Port to listen on."),
        click.option("--token", metavar="T", help="Token every request must carry (cookie "
                     "from the printed link, or an X-Hrzone-Token header)."),
        click.option("--no-browser", is_flag=True, help="Do not open a browser window."),
    )):
        f = opt(f)
    return f


def run_server(cfg: Any, page: str, no_browser: bool) -> Any:
    """Serve `cfg` (a ServeConfig; a token is made off loopback) until Ctrl-C, printing the
    link to `page`; the Starlette app afterwards (its state holds the classes run)."""
    import uvicorn

    from hrzone.web import create_app
    from hrzone.web.security import is_loopback

    if cfg.token is None and not is_loopback(cfg.host):
        cfg.token = secrets.token_urlsafe(24)
    _check_port(cfg.host, cfg.port)
    shown = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
    url = f"http://{shown}:{cfg.port}/{page}" + (f"?token={cfg.token}" if cfg.token else "")
    click.echo(f"hrzone serves on {url}" + ("  (the link signs a browser in once)"
                                            if cfg.token else ""), err=True)
    click.echo("Stop with Ctrl-C.", err=True)
    if not no_browser:
        import webbrowser
        webbrowser.open(url)
    guarded = create_app(cfg)
    server = uvicorn.Server(uvicorn.Config(guarded, host=cfg.host, port=cfg.port,
                                           log_level="warning", timeout_graceful_shutdown=5,
                                           lifespan="on"))
    try:
        server.run()
    except KeyboardInterrupt:     # uvicorn raises the Ctrl-C it handled once it has stopped
        pass
    return guarded.app


@cli.command("serve")
@server_options
@virtual_options
@click.option("--strap", metavar="NAME", help="Firmware profile of the strap instead of the "
              "automatic match.")
@click.option("--audio", type=click.Choice(MODES), default="speech", show_default=True,
              help="Cues spoken by this computer during a live session (the page can speak "
                   "them too).")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Add finished live sessions to your history (virtual ones marked virtual).")
@threshold_options
def serve_cmd(host: str, port: int, token: str | None, no_browser: bool, virtual: str | None,
              speed: float, strap: str | None, audio: str, save: bool, **opts: Any) -> None:
    """Serve the dashboard in your browser: live view, week, sessions, calibration, profile,
    and the class screen (the roster's straps; `hrzone class run --serve` for a virtual class).

    Everything is served from this computer: no data leaves it. Stop with Ctrl-C (a running
    session ends and is saved as after Ctrl-C in `hrzone live`).
    """
    from hrzone.web import ServeConfig

    if virtual is not None:
        from hrzone.app.live import virtual_air
        virtual_air(virtual, speed)           # a bad recording or plan fails here, in one line
    cfg = ServeConfig(host=host, port=port, token=token, virtual=virtual, speed=speed,
                      strap=strap, audio=audio, save=save, opts=opts)
    run_server(cfg, "live", no_browser)
