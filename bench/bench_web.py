"""Web benchmark: from a notification arriving to the browser showing it, with 1 and 30 live
virtual straps at 1 Hz each, and the server's CPU.

A real `hrzone serve --virtual recordings/walk30.jsonl --speed 1` runs in a subprocess; N
sessions are started through the API (`"another": true`: app.sessions.LiveSessions runs them
side by side in the server's loop), and one headless Chromium page per session follows its
live view (each in its own browser context: Chromium allows 6 connections to a host per
context, and each page holds an event stream). Each page notes, in the animation frame after it updated the screen, the time
(Date.now) and the session time t_s of the status shown. The notification arrived at the
session's start (the recording header's wall clock at the connection) + t_s, on the same
machine clock, so latency = shown - (start + t_s): virtual strap -> BleSource -> session ->
signal core -> status -> SSE -> browser -> painted. Server CPU: utime + stime of the server
process over the measured window (/proc), as % of one core.

The class screen (`--class N`, default 30): `hrzone class run --serve --virtual N --speed 1`
(N virtual straps at 1 Hz, each person's whole session in the server's loop) and one headless
Chromium page at 1920x1080 showing all N tiles. Each tile update notes, in the animation frame
after it was drawn, the time and the tile's session time (elapsed_s: the last notification's
t_s) and connection wall clock (start): latency = shown - (start + t_s), strap -> BleSource ->
session -> ClassMonitor tile -> SSE -> browser -> painted. 0 skips it.

    .venv/bin/python bench/bench_web.py [--straps 1 30] [--class 30] [--seconds 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from web_helpers import CHROMIUM, CHROMIUM_ARGS, PHONE, hrzone, post, request, serve  # noqa: E402

WARMUP_S = 3.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def server_pid(port: int) -> int:
    """The pid of the process listening on `port` (the hrzone serve subprocess)."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "hrzone serve" in line or ("hrzone" in line and f"--port {port}" in line):
            if f"--port {port}" in line:
                return int(line.split()[0])
    raise RuntimeError("server process not found")


def measure(base: str, straps: int, seconds: float, browser: Any) -> dict[str, Any]:
    """Start `straps` sessions, follow each in its own page for `seconds`, stop them."""
    ids = []
    status, found = request(f"{base}/api/straps")     # as the page does: pick the strap found
    device = found["straps"][0]["address"]
    for _ in range(straps):
        status, run = post(f"{base}/api/live/start", {"another": True, "device": device})
        assert status == 200, run
        ids.append(run["id"])
    pages = []
    for rid in ids:
        # one browser context per page: Chromium keeps at most 6 connections to one host per
        # context, and every page holds one open event stream
        page = browser.new_context(viewport=PHONE).new_page()
        page.goto(f"{base}/live?id={rid}")
        pages.append(page)
    for page in pages:
        page.wait_for_function("() => window.hrzoneShown && window.hrzoneShown.some(m => m.start)",
                               timeout=60000)
    port = int(base.rsplit(":", 1)[1])
    pid = server_pid(port)
    time.sleep(WARMUP_S)
    t0_wall, c0 = time.time(), cpu_s(pid)
    time.sleep(seconds)
    t1_wall, c1 = time.time(), cpu_s(pid)
    lat: list[float] = []
    for page in pages:
        first: dict[float, dict[str, Any]] = {}   # a status is shown again by the heartbeat:
        for m in page.evaluate("() => window.hrzoneShown"):   # the first showing counts
            if m.get("start") and m.get("shown_ms") is not None and m["t_s"] not in first:
                first[m["t_s"]] = m
        for m in first.values():
            arrived_ms = _epoch_ms(m["start"]) + m["t_s"] * 1000.0
            if t0_wall * 1000 <= arrived_ms <= t1_wall * 1000:
                lat.append(m["shown_ms"] - arrived_ms)
    for rid in ids:
        post(f"{base}/api/live/stop", {"id": rid})
    for page in pages:
        page.context.close()
    lat.sort()
    cpu = 100.0 * (c1 - c0) / (t1_wall - t0_wall)
    return {"straps": straps, "seconds": round(t1_wall - t0_wall, 1), "shown": len(lat),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1), "max_ms": round(lat[-1], 1),
            "server_cpu_pct": round(cpu, 1), "cpu_pct_per_strap": round(cpu / straps, 2)}


def measure_class(env: dict[str, str], people: int, seconds: float, browser: Any) -> dict[str, Any]:
    """A virtual class of `people` at 1 Hz on the class screen for `seconds`."""
    with serve(env, "--virtual", str(people), "--speed", "1", "--no-save",
               command=("class", "run", "--serve")) as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{base}/class")
        page.wait_for_function(f"() => new Set(window.hrzoneTiles.filter(m => m.start)"
                               f".map(m => m.name)).size === {people}", timeout=60000)
        pid = server_pid(int(base.rsplit(":", 1)[1]))
        time.sleep(WARMUP_S)
        t0_wall, c0 = time.time(), cpu_s(pid)
        time.sleep(seconds)
        t1_wall, c1 = time.time(), cpu_s(pid)
        first: dict[tuple[str, float], dict[str, Any]] = {}
        for m in page.evaluate("() => window.hrzoneTiles"):  # events redraw a tile: first counts
            if m.get("start") and m.get("shown_ms") is not None:
                first.setdefault((m["name"], m["t_s"]), m)
        page.close()
    lat = sorted(m["shown_ms"] - (_epoch_ms(m["start"]) + m["t_s"] * 1000.0)
                 for m in first.values()
                 if t0_wall * 1000 <= _epoch_ms(m["start"]) + m["t_s"] * 1000.0 <= t1_wall * 1000)
    cpu = 100.0 * (c1 - c0) / (t1_wall - t0_wall)
    return {"class_screen": people, "seconds": round(t1_wall - t0_wall, 1), "shown": len(lat),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1), "max_ms": round(lat[-1], 1),
            "server_cpu_pct": round(cpu, 1), "cpu_pct_per_strap": round(cpu / people, 2)}


def _epoch_ms(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp() * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--straps", type=int, nargs="+", default=[1, 30])
    ap.add_argument("--class", dest="people", type=int, default=30,
                    help="people in the class screen's virtual class (0: skip)")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HRZONE_HOME": home, "MPLBACKEND": "Agg"}
        hrzone(env, "profile", "set", "age", "50", "rest_hr", "60")
        results = []
        with serve(env, "--virtual", "recordings/walk30.jsonl", "--speed", "1", "--no-save") \
                as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in args.straps:
                results.append(measure(base, n, args.seconds, browser))
            if args.people:
                results.append(measure_class(env, args.people, args.seconds, browser))
            browser.close()
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'straps':>14} {'shown':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'server CPU %':>12} {'per strap %':>11}")
    for r in results:
        what = f"class {r['class_screen']}" if "class_screen" in r else f"live {r['straps']}"
        print(f"{what:>14} {r['shown']:>6} {r['p50_ms']:>7} {r['p95_ms']:>7} "
              f"{r['max_ms']:>7} {r['server_cpu_pct']:>12} {r['cpu_pct_per_strap']:>11}")
    ok = all(r["p95_ms"] < 250 for r in results)
    print(f"p95 < 250 ms: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
