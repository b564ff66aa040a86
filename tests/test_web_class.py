"""The class screen's JSON API without a browser: the tiles are the ClassMonitor's, the class
table at the end is `class run --json`'s, the settings go through the app layer, and the
security rules of the other pages hold for the new endpoints."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from web_helpers import hrzone, post, request, serve


@pytest.fixture
def env(hrzone_home: Path) -> dict[str, str]:
    return {**os.environ, "HRZONE_HOME": str(hrzone_home), "MPLBACKEND": "Agg"}


def _wait_ended(base: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status, now = request(f"{base}/api/class")
        assert status == 200
        if now["state"] == "ended" or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


class _Response:
    def __init__(self, status: int, body: bytes):
        self.status_code = status
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class _Asgi:
    """Requests straight into the ASGI app, in the caller's event loop (the class's loop)."""

    def __init__(self, app: Any):
        self.app = app

    async def _call(self, method: str, path: str, body: Any, headers: dict[str, str]
                    ) -> _Response:
        raw = b"" if body is None else json.dumps(body).encode()
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(msg: dict[str, Any]) -> None:
            sent.append(msg)

        hdrs = [(b"host", b"127.0.0.1:8765"), (b"content-type", b"application/json"),
                *((k.lower().encode(), v.encode()) for k, v in headers.items())]
        await self.app({"type": "http", "method": method, "path": path, "query_string": b"",
                        "headers": hdrs, "server": ("127.0.0.1", 8765)}, receive, send)
        return _Response(sent[0]["status"],
                         b"".join(m.get("body", b"") for m in sent[1:]))

    async def get(self, path: str) -> _Response:
        return await self._call("GET", path, None, {})

    async def post(self, path: str, json: Any = None,
                   headers: dict[str, str] | None = None) -> _Response:
        return await self._call("POST", path, json, headers or {})


def test_tiles_json_is_the_monitor_snapshot(hrzone_home: Path) -> None:
    """GET /api/class's tiles equal ClassMonitor.tiles() taken at the same moment, during a
    class in the server's loop; the settings change the class through the app layer."""
    from hrzone.app.classes import Classes
    from hrzone.app.group import ClassRequest
    from hrzone.web import ServeConfig, create_app

    async def go() -> None:
        guard = create_app(ServeConfig())
        app = guard.app
        app.state.classes = Classes(ClassRequest(virtual="6", speed=4, duration_s=60, save=False))
        run = app.state.classes.start()
        client = _Asgi(guard)
        if True:
            compared = 0
            while compared < 3 and not run.ended.is_set():
                await asyncio.sleep(0.3)
                if not run.monitor.sinks:
                    continue
                before = run.monitor.seq
                body = (await client.get("/api/class")).json()
                if run.monitor.seq != before:      # a notification came in between: again
                    continue
                assert body["tiles"] == [t.to_json() for t in run.monitor.tiles()]
                assert len(body["tiles"]) == 6 and body["state"] == "running"
                compared += 1
            assert compared == 3
            hdr = {"X-Hrzone": "1"}
            r = await client.post("/api/class/settings", json={"zone_cues": ["anna", "Ben"]},
                                  headers=hdr)
            assert r.status_code == 200 and r.json()["zone_cues"] == ["Anna", "Ben"]
            assert run.room is not None and run.room.rules.zone_people == {"anna", "ben"}
            r = await client.post("/api/class/settings", json={"zone_cues": ["Zed"]}, headers=hdr)
            assert r.status_code == 400 and r.json()["error"] == "zone cues: Zed not in this class"
            r = await client.post("/api/class/settings", headers=hdr,
                                  json={"zone_cues": ["Anna", "Ben", "Chloé", "Dev", "Elif"]})
            assert r.status_code == 400 and "at most 4" in r.json()["error"]
            r = await client.post("/api/class/settings", json={"hide_bpm": "yes"}, headers=hdr)
            assert r.status_code == 400
            r = await client.post("/api/class/settings", json={"hide_bpm": True}, headers=hdr)
            assert r.json()["hide_bpm"] is True and run.hide_bpm is True
            r = await client.post("/api/class/start", headers=hdr)
            assert r.status_code == 409
            r = await client.post("/api/class/stop", headers=hdr)
            end = r.json()
            assert end["state"] == "ended" and len(end["table"]) == 6
            assert end["tiles"] == [t.to_json() for t in run.monitor.tiles()] or \
                all(t["signal"] == "no signal" for t in end["tiles"])

    asyncio.run(go())


def test_class_table_equals_class_run_json(env: dict[str, str]) -> None:
    """The table at the end of a class on the class screen is `class run --json`'s table of
    the same virtual class (and what `class run --serve --json` prints when stopped)."""
    args = ("--virtual", "6", "--speed", "0", "--for", "3m", "--no-save")
    cli = json.loads(hrzone(env, "class", "run", *args, "--json").stdout)   # makes the roster
    printed: list[str] = []
    with serve(env, *args, "--json", command=("class", "run", "--serve"), output=printed) as base:
        now = _wait_ended(base)
        assert now["state"] == "ended" and now["error"] is None
        assert now["table"] == cli
        assert [t["name"] for t in now["tiles"]] == [r["name"] for r in cli]
        assert request(f"{base}/class")[0] == 200
    assert printed and printed[0].strip(), printed
    assert json.loads(printed[0]) == cli


def test_class_security_rules(env: dict[str, str]) -> None:
    with serve(env) as base:
        # nothing to follow or stop before a class: 404s, as for unknown paths
        assert request(f"{base}/api/class")[1]["state"] == "idle"
        assert request(f"{base}/api/class/events")[0] == 404
        assert post(f"{base}/api/class/stop")[0] == 404
        assert post(f"{base}/api/class/settings", {"zone_cues": ["Anna"]})[0] == 409
        for path in ("/api/class/nope", "/class/../etc/passwd", "/api/class/events/1",
                     "/static/class.py"):
            assert request(base + path)[0] == 404, path
        # state changes need the X-Hrzone header and the same origin
        assert request(f"{base}/api/class/start", "POST", {})[0] == 403
        assert post(f"{base}/api/class/start", headers={"Origin": "http://evil.example"})[0] == 403
        assert post(f"{base}/api/class/settings", {"hide_bpm": True},
                    {"Sec-Fetch-Site": "cross-site"})[0] == 403
        assert request(f"{base}/api/class")[1]["hide_bpm"] is False
        assert request(f"{base}/api/class", headers={"Host": "evil.example"})[0] == 403
        status, page = request(f"{base}/class")
        assert status == 200 and b"/static/class.js" in page
    token = "class-token"
    with serve(env, "--token", token, host="0.0.0.0") as base:
        assert request(f"{base}/class")[0] == 401
        assert request(f"{base}/api/class")[0] == 401
        assert request(f"{base}/api/class/events")[0] == 401
        assert post(f"{base}/api/class/start")[0] == 401
        assert request(f"{base}/api/class", headers={"X-Hrzone-Token": token})[0] == 200
        assert post(f"{base}/api/class/stop", headers={"X-Hrzone-Token": token,
                                                        "Origin": "http://evil.example"})[0] == 403


def test_a_late_arrival_on_the_class_screen(tmp_path: Path) -> None:
    """The class screen hears of a late arrival: a "class" message drops her from the absent,
    her tile turns present, the end snapshot lists her as late and her row is in the table."""
    from hrzone import roster, store
    from hrzone.app.classes import Classes
    from hrzone.app.group import ClassRequest
    from hrzone.virtual.classroom import demo_people

    db = store.open_db()
    try:
        roster.add(db, demo_people(2))
    finally:
        db.close()
    plan = tmp_path / "plan.toml"
    plan.write_text('[[strap]]\nperson = "Anna"\n[[strap]]\nperson = "Ben"\narrive_s = 45\n',
                    encoding="utf-8")

    async def go() -> list[tuple[str, dict[str, Any]]]:
        classes = Classes(ClassRequest(virtual=str(plan), speed=0, duration_s=120, save=False))
        run = classes.start()
        q = run.subscribe()
        msgs = []
        while True:
            kind, data = await asyncio.wait_for(q.get(), 30)
            msgs.append((kind, data))
            if kind == "end":
                return msgs

    msgs = asyncio.run(go())
    absent = [d["absent"] for k, d in msgs if k == "class"]
    assert {"Ben"} in [set(a) for a in absent] and absent[-1] == {}
    ben = [d for k, d in msgs if k == "tile" and d["name"] == "Ben"]
    assert ben and all(t["present"] for t in ben)
    end = msgs[-1][1]
    assert set(end["late"]) == {"Ben"} and 45 <= end["late"]["Ben"] <= 62
    assert [r["name"] for r in end["table"]] == ["Anna", "Ben"] and end["absent"] == {}
