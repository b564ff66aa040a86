"""`hrzone serve`: the browser dashboard on this machine (hrzone.web)."""

from __future__ import annotations

import secrets
import socket
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


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine (127.0.0.1, ::1) needs a "
                   "token: one is made and printed when --token is not given.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Port to listen on.")
@click.option("--token", metavar="T", help="Token every request must carry (cookie from the "
              "printed link, or an X-Hrzone-Token header).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
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
    """Serve the dashboard in your browser: live view, week, sessions, calibration, profile.

    Everything is served from this computer: no data leaves it. Stop with Ctrl-C (a running
    session ends and is saved as after Ctrl-C in `hrzone live`).
    """
    import uvicorn

    from hrzone.web import ServeConfig, create_app
    from hrzone.web.security import is_loopback

    if virtual is not None:
        from hrzone.app.live import virtual_air
        virtual_air(virtual, speed)           # a bad recording or plan fails here, in one line
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    _check_port(host, port)
    cfg = ServeConfig(host=host, port=port, token=token, virtual=virtual, speed=speed,
                      strap=strap, audio=audio, save=save, opts=opts)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/live" + (f"?token={token}" if token else "")
    click.echo(f"hrzone serves on {url}" + ("  (the link signs a browser in once)" if token else ""))
    click.echo("Stop with Ctrl-C.")
    if not no_browser:
        import webbrowser
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host=host, port=port,
                                           log_level="warning", timeout_graceful_shutdown=5,
                                           lifespan="on"))
    server.run()
