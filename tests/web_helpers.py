"""Helpers of the web tests: a real `hrzone serve` in a subprocess on a free port, and plain
HTTP requests to it (urllib; the server is a real uvicorn, not a test client)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hrzone(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the hrzone CLI with `env`; the completed process (check=True)."""
    return subprocess.run([sys.executable, "-m", "hrzone", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=120)


@contextmanager
def serve(env: dict[str, str], *args: str, host: str = "127.0.0.1",
          command: tuple[str, ...] = ("serve",), output: list[str] | None = None) -> Iterator[str]:
    """`hrzone serve --no-browser --audio off ARGS` (or another serving command, e.g.
    ("class", "run", "--serve")) on a free port; yields its base URL and stops it with SIGINT
    (as Ctrl-C) afterwards; its standard output is appended to `output` when given."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hrzone", *command, "--no-browser", "--audio",
                             "off", "--host", host, "--port", str(port), *args], env=env,
                            cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT if output is None else subprocess.DEVNULL,
                            text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hrzone serve did not start: {proc.stdout.read()}")
                time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(2)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        if output is not None:
            output.append(out)


def request(url: str, method: str = "GET", body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(status, parsed JSON or bytes) of one request; errors are answers too."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("content-type", "")
    return status, json.loads(raw) if "json" in ctype else raw


def post(url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """A POST as the pages send it (with the X-Hrzone header)."""
    return request(url, "POST", {} if body is None else body, {"X-Hrzone": "1", **(headers or {})})


def chromium_or_skip() -> str:
    """The Chromium executable; the test is skipped without it, except in CI (CI=true) where a
    missing browser is a failure."""
    if Path(CHROMIUM).exists():
        pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium chromium-driver)")


def open_page(pw: Any, exe: str, base: str, viewport: dict[str, int]
              ) -> tuple[Any, Any, list[str]]:
    """Headless Chromium (exe) with one page of `viewport`; the list collects every request
    the pages make outside the server at `base` (it should stay empty)."""
    browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport=viewport)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
            else outside.append(r.url))
    return browser, page, outside


def screenshot_dirs(tmp_root: Path) -> list[Path]:
    """Where screenshots go: the test artefacts (HRZONE_ARTIFACTS, else pytest's temporary
    folder), and docs/screenshots when HRZONE_UPDATE_SCREENSHOTS=1."""
    out = [Path(os.environ.get("HRZONE_ARTIFACTS") or tmp_root) / "screenshots"]
    if os.environ.get("HRZONE_UPDATE_SCREENSHOTS") == "1":
        out.append(REPO / "docs" / "screenshots")
    for d in out:
        d.mkdir(parents=True, exist_ok=True)
    return out


def shoot(page: Any, dirs: list[Path], name: str) -> None:
    """Screenshots of `page` at phone and desktop sizes (full page) into every folder."""
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        first = dirs[0] / f"{name}-{size_name}.png"
        page.screenshot(path=str(first), full_page=True)
        for d in dirs[1:]:
            shutil.copyfile(first, d / first.name)
    page.set_viewport_size(DESKTOP)


def no_horizontal_overflow(page: Any) -> bool:
    """Whether the page fits its viewport's width (nothing to scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
