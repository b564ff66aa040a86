"""`hrzone serve` without a browser: the JSON API against the CLI, the security rules, and the
served assets (no URL outside the server)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from web_helpers import REPO, hrzone, post, request, serve

STATUS_FIELDS = ("t_s", "hr_bpm", "signal", "signal_reason", "zone", "target", "credited_min",
                 "week_min", "goal_min", "above_ceiling", "last_cue", "low_s", "moderate_s",
                 "high_s", "target_s", "battery")


@pytest.fixture
def env(hrzone_home: Path) -> dict[str, str]:
    e = {**os.environ, "HRZONE_HOME": str(hrzone_home), "MPLBACKEND": "Agg"}
    hrzone(e, "profile", "set", "age", "50", "rest_hr", "60", "ceiling_bpm", "140")
    return e


def test_stream_agrees_with_json_sink(env: dict[str, str]) -> None:
    """Every status line of the terminal's JSON sink has a web status with the same numbers."""
    from hrzone.app.live import LiveRequest
    from hrzone.app.sessions import LiveSessions
    from hrzone.display import JsonSink

    out = io.StringIO()

    async def go() -> list[dict[str, Any]]:
        runs = LiveSessions()
        run = runs.start(LiveRequest(virtual=str(REPO / "recordings/intervals.jsonl"), speed=0,
                                     save=False),
                         extra_sinks=[JsonSink(out, goal_min=150.0)])
        q = run.subscribe()
        msgs = []
        while not (run.ended.is_set() and q.empty()):
            try:
                msgs.append(await asyncio.wait_for(q.get(), 1.0))
            except TimeoutError:
                pass
        return [d for k, d in msgs if k == "status"]

    web = asyncio.run(go())
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    cli = [x for x in lines if x["type"] == "status"]
    assert len(cli) > 100
    by_t = {d["t_s"]: d for d in web}
    for line in cli:
        w = by_t[line["t_s"]]
        assert {k: w[k] for k in STATUS_FIELDS} == {k: line[k] for k in STATUS_FIELDS}
    assert any(x["above_ceiling"] for x in cli) and any(x["last_cue"] for x in cli)


def test_api_live_agrees_with_cli_json(env: dict[str, str]) -> None:
    """GET /api/live after a session equals the last status of `hrzone live --json`."""
    rec = "recordings/walk30.jsonl"
    cli = hrzone(env, "live", "--virtual", rec, "--speed", "0", "--json", "--no-save",
                 "--audio", "off").stdout
    lines = [json.loads(x) for x in cli.splitlines()]
    last = [x for x in lines if x["type"] == "status"][-1]
    # the end-of-session cue comes after the last status line: the sink's state then has it
    last["last_cue"] = [x for x in lines if x["type"] == "cue"][-1]["text"]
    with serve(env, "--virtual", rec, "--speed", "0", "--no-save") as base:
        status, started = post(f"{base}/api/live/start")
        assert status == 200 and started["state"] in ("connecting", "running")
        for _ in range(300):
            status, now = request(f"{base}/api/live")
            if now["state"] == "ended":
                break
            asyncio.run(asyncio.sleep(0.1))
        assert now["state"] == "ended" and now["end"]["saved_id"] is None
        assert {k: now[k] for k in STATUS_FIELDS} == {k: last[k] for k in STATUS_FIELDS}
        assert now["end"]["summary"]["minutes"]["credited"] == now["credited_min"]


def test_week_and_sessions_api_match_cli(env: dict[str, str]) -> None:
    hrzone(env, "log", "add", "recordings/walk30.jsonl")
    week = json.loads(hrzone(env, "week", "--json", "--date", "2026-01-06").stdout)
    shown = json.loads(hrzone(env, "log", "show", "1", "--json").stdout)
    with serve(env) as base:
        status, api_week = request(f"{base}/api/week?date=2026-01-06")
        assert status == 200
        assert {k: v for k, v in api_week.items() if k != "next_step"} == week
        assert request(f"{base}/api/sessions")[1][0]["id"] == 1
        assert request(f"{base}/api/sessions/1")[1] == shown
        assert request(f"{base}/api/sessions/99")[0] == 404
        status, svg = request(f"{base}/api/sessions/1/plot.svg")
        assert status == 200 and svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
        assert b"bpm" in svg
        status, tcx = request(f"{base}/api/sessions/1/export.tcx")
        assert status == 200 and b"<TrainingCenterDatabase" in tcx
        assert request(f"{base}/api/sessions/1/export.exe")[0] == 404
        assert request(f"{base}/api/week?date=yesterday")[0] == 400


def test_upload_goes_through_the_ledger(env: dict[str, str]) -> None:
    data = (REPO / "recordings/gentle.jsonl").read_bytes()
    with serve(env) as base:
        status, rep = post(f"{base}/api/sessions/upload?name=../../etc/gentle.jsonl", data,
                           {"Content-Type": "application/octet-stream"})
        assert status == 200 and rep["added"] == 1
        stored = Path(rep["files"][0]["file"])
        assert stored.parent == Path(env["HRZONE_HOME"]) / "data" / "uploads"
        assert stored.name.endswith("-etc_gentle.jsonl") or stored.name.endswith("-gentle.jsonl")
        assert stored.stat().st_mode & 0o777 == 0o600
        status, again = post(f"{base}/api/sessions/upload?name=gentle.jsonl", data)
        assert status == 200 and again["files"][0]["status"] == "already"
        status, bad = post(f"{base}/api/sessions/upload?name=x.fit", b"not a workout")
        assert status == 422 and bad["refused"] == 1 and bad["files"][0]["reason"]
        assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]


def test_upload_size_limit(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hrzone.app import uploads

    with pytest.raises(uploads.UploadError, match="more than"):
        monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
        uploads.add_upload("big.fit", b"x" * 11)
    with serve(env) as base:
        # one byte over the limit in the announced length is refused before it is read
        status, body = request(f"{base}/api/sessions/upload?name=a.fit", "POST", b"x",
                               {"X-Hrzone": "1", "Content-Length": str(64 * 2**20 + 1)})
        assert status in (413, 400) or body is None


def test_security_rules(env: dict[str, str]) -> None:
    with serve(env) as base:
        # cross-site and header-less state changes are refused
        assert post(f"{base}/api/live/stop", headers={"Origin": "http://evil.example"})[0] == 403
        assert post(f"{base}/api/live/stop", headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
        assert request(f"{base}/api/live/stop", "POST", {})[0] == 403
        assert post(f"{base}/api/profile", {"set": {"age": "40"}},
                    {"Origin": "http://evil.example"})[0] == 403
        assert json.loads(hrzone(env, "profile", "show", "--json").stdout)["age"] == 50
        # another Host (DNS rebinding) is refused on a loopback server without a token
        assert request(f"{base}/api/week", headers={"Host": "evil.example"})[0] == 403
        # path traversal never reaches the file system
        for path in ("/static/../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
                     "/static/..%2fapp.py", "/static/app.py", "/sessions/..%2f..%2fetc",
                     "/api/sessions/..%2f1", "/api/sessions/1%2f..%2f..%2fetc%2fpasswd/plot.svg",
                     "/etc/passwd"):
            status, body = request(base + path)
            assert status == 404, path
        status, _ = request(f"{base}/live")
        assert status == 200


def test_token_required_off_loopback(env: dict[str, str]) -> None:
    token = "s3cret-token"
    with serve(env, "--token", token, host="0.0.0.0") as base:
        assert request(f"{base}/api/week")[0] == 401
        assert request(f"{base}/live")[0] == 401
        assert request(f"{base}/api/week?token=wrong")[0] == 401
        assert request(f"{base}/api/week", headers={"X-Hrzone-Token": token})[0] == 200
        assert request(f"{base}/api/week", headers={"Authorization": f"Bearer {token}"})[0] == 200
        assert request(f"{base}/api/week", headers={"Cookie": f"hrzone_token={token}"})[0] == 200
        # with the token, a cross-site POST is still refused
        assert post(f"{base}/api/live/stop", headers={"X-Hrzone-Token": token,
                                                       "Origin": "http://evil.example"})[0] == 403
        # the one-time link sets the cookie and drops the token from the address
        import urllib.request
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{base}/live?token={token}")
        except urllib.error.HTTPError as e:
            assert e.code == 303
            assert e.headers["location"] == "/live"
            assert f"hrzone_token={token}" in e.headers["set-cookie"]
            assert "HttpOnly" in e.headers["set-cookie"] and "SameSite=Strict" in e.headers["set-cookie"]
        else:
            raise AssertionError("no redirect")


import urllib.error  # noqa: E402
import urllib.request  # noqa: E402


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


def test_non_loopback_without_token_refuses() -> None:
    """Defence in depth: an app bound beyond loopback without a token answers nothing."""
    from hrzone.web import ServeConfig, create_app

    app = create_app(ServeConfig(host="0.0.0.0", token=None))
    sent: list[dict[str, Any]] = []

    async def go() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(msg: dict[str, Any]) -> None:
            sent.append(msg)

        await app({"type": "http", "method": "GET", "path": "/api/week", "query_string": b"",
                   "headers": [(b"host", b"127.0.0.1:8765")], "server": ("0.0.0.0", 8765)},
                  receive, send)

    asyncio.run(go())
    assert sent[0]["status"] == 403
    assert b"token" in sent[1]["body"]


def test_cli_makes_a_token_off_loopback(env: dict[str, str]) -> None:
    with serve(env, host="0.0.0.0") as base:
        assert request(f"{base}/api/week")[0] == 401


URL = re.compile(rb"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}|@import|url\(\s*['\"]?(?!data:)[a-z]+:")


def test_assets_name_no_outside_url() -> None:
    """Every served HTML/JS/CSS file (and the page frame) names no URL outside the server."""
    from hrzone.web import assets

    files = {name: data for name, (data, _) in assets.static_files().items()}
    files.update({f"page:{p}": assets.page(p) for p in assets.PAGES})
    assert {"app.css", "common.js", "live.js", "class.js", "page:class"} <= set(files)
    for name, data in files.items():
        assert not URL.findall(data), f"{name}: {URL.findall(data)}"
        assert b"http" not in data.replace(b"https?", b""), name


def test_plot_svg_has_no_outside_reference(env: dict[str, str]) -> None:
    from hrzone.app.history import add_files
    from hrzone.app.pictures import session_svg

    add_files([REPO / "recordings/gentle.jsonl"])
    svg = session_svg(1)
    urls = set(re.findall(rb"https?://[^\"'\s<>]+", svg))
    assert urls <= {b"http://www.w3.org/2000/svg", b"http://www.w3.org/1999/xlink"}
    assert b"<!DOCTYPE" not in svg and b"href=\"http" not in svg
