"""The pages and static files of `hrzone serve`, read once from the package (hrzone/web/static
and templates): a request can name only files listed here, never a path on disk."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}
PAGES = {"live": "Live", "week": "Week", "sessions": "Sessions", "session": "Session",
         "calibrate": "Calibrate", "profile": "Profile", "class": "Class"}
NAV = ("live", "week", "sessions", "calibrate", "profile", "class")


@cache
def static_files() -> dict[str, tuple[bytes, str]]:
    """Every file in hrzone/web/static by name: its bytes and content type."""
    out = {}
    for f in resources.files("hrzone.web").joinpath("static").iterdir():
        suffix = "." + f.name.rsplit(".", 1)[-1]
        if f.is_file() and suffix in TYPES:
            out[f.name] = (f.read_bytes(), TYPES[suffix])
    return out


@cache
def _template(name: str) -> str:
    return resources.files("hrzone.web").joinpath("templates", f"{name}.html").read_text("utf-8")


@cache
def page(name: str) -> bytes:
    """The HTML of page `name` (one of PAGES) inside the common frame."""
    nav = "".join(f'<a href="/{n}" data-page="{n}">{PAGES[n]}</a>' for n in NAV)
    html = Template(_template("base")).substitute(
        title=PAGES[name], page=name, nav=nav, main=_template(name))
    return html.encode("utf-8")
