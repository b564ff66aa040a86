"""Group class benchmark: 30 virtual straps at 1 Hz for 10 minutes through `hrzone class run`'s
code (hrzone.app.group.class_session: one scan, 30 BleSources through bleak's backend=, 30
sessions, the room arbiter, the class monitor's tiles).

1. Virtual clock (time jumps when everything is idle): every notification the straps delivered
   is in the recordings (none lost), and the CPU time per simulated second = hrzone's share of
   one core at the real-time rate (straps, bleak and the backends included, so an upper bound).
   Baseline: the same with 1 strap, per strap.
2. Scaled clock (`--speed`, default 10x real time): notification -> per-person tile update
   latency, from the strap's emit inside bleak's backend to ClassMonitor's subscriber call.

    .venv/bin/python bench/bench_class.py [--straps 30] [--minutes 10] [--speed 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict, deque
from datetime import date
from typing import Any


def one_class(n: int, minutes: float, speed: float) -> dict[str, Any]:
    """Run one class of n virtual straps in a fresh HRZONE_HOME; what it measured."""
    home = tempfile.mkdtemp(prefix="bench_class_")
    os.environ["HRZONE_HOME"] = home
    from hrzone.app.group import ClassRequest, Room, class_session, prepare
    from hrzone.app.monitor import ClassMonitor
    from hrzone.arbiter import RoomRules
    from hrzone.recording import read_recording

    duration = minutes * 60
    members, air, _ = prepare(ClassRequest(virtual=str(n), speed=speed, duration_s=duration))
    emitted: dict[str, deque[float]] = defaultdict(deque)
    latencies: list[float] = []
    delivered: dict[str, int] = defaultdict(int)
    stops = {m.person.name: m for m in members}

    def emit(name: str) -> None:
        m = stops[name]
        if m.stop is None or not m.stop.is_set():   # after the class ended it is not its data
            delivered[name] += 1
            emitted[name].append(time.perf_counter())

    for name, strap in air.straps.items():
        strap.on_emit = lambda _t, _p, name=name: emit(name)
    monitor = ClassMonitor()
    seen = defaultdict(int)

    def on_tile(tile: Any) -> None:
        sink = monitor.sinks.get(tile.name)
        if sink is None or not sink.status.got_data:
            return
        q = emitted[tile.name]
        # one tile update per processed notification; other updates (events) find q empty
        if q and seen[tile.name] < _outputs(sink):
            latencies.append(time.perf_counter() - q.popleft())
            seen[tile.name] += 1

    monitor.subscribe(on_tile)
    t0 = air.clock.now_ns()
    room = Room(RoomRules(), lambda: (air.clock.now_ns() - t0) / 1e9, monitor=monitor)

    async def go() -> Any:
        try:
            return await class_session(members, air, monitor, room, duration_s=duration,
                                       origin="virtual")
        finally:
            await air.virtual.aclose()
            closer = getattr(air.clock, "aclose", None)
            if closer is not None:
                await closer()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    results, reconnects = asyncio.run(go())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    recorded = dropped = 0
    for m in members:
        dropped += air.straps[m.person.name].stats.lost
        recorded += len(read_recording(results[m.person.name].recording).notifications)
    return {"n": n, "sim_s": duration, "cpu_s": cpu, "wall_s": wall, "delivered": sum(delivered.values()),
            "recorded": recorded, "lost_in_drops": dropped, "reconnects": sum(reconnects.values()),
            "latencies": latencies}


def _outputs(sink: Any) -> int:
    """Processed notifications of a participant so far (their tile sink counts outputs)."""
    return getattr(sink, "outputs", 0)


def _patch_output_count() -> None:
    """Count outputs per tile sink (the bench's own hook; the library does not need it)."""
    from hrzone.app.monitor import TileSink

    orig = TileSink.on_output

    def on_output(self: Any, out: Any, state: Any) -> None:
        if len(out):
            self.outputs = getattr(self, "outputs", 0) + 1
        orig(self, out, state)

    TileSink.on_output = on_output  # type: ignore[method-assign]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--straps", type=int, default=30)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--speed", type=float, default=10.0)
    a = ap.parse_args()
    _patch_output_count()
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}")
    base = one_class(1, a.minutes, 0)
    virt = one_class(a.straps, a.minutes, 0)
    scaled = one_class(a.straps, a.minutes, a.speed)
    core_pct = 100 * virt["cpu_s"] / virt["sim_s"]
    base_pct = 100 * base["cpu_s"] / base["sim_s"]
    print(f"\n{a.straps} straps x {a.minutes:g} min at 1 Hz")
    print("| what | result |\n|---|---|")
    print(f"| notifications delivered by the straps → recorded | {virt['delivered']:,} → "
          f"{virt['recorded']:,} ({virt['delivered'] - virt['recorded']} lost; "
          f"{virt['lost_in_drops']} fell in the planned link drops, {virt['reconnects']} reconnects) |")
    print(f"| CPU per simulated second, virtual clock (= share of one core in real time) | "
          f"{core_pct:.2f} % ({virt['cpu_s']:.1f} s CPU for {virt['sim_s']:.0f} s; "
          f"wall {virt['wall_s']:.1f} s) |")
    print(f"| **baseline:** 1 strap, same class | {base_pct:.3f} % "
          f"(x{a.straps} = {base_pct * a.straps:.2f} %; 30 straps cost "
          f"{core_pct / (base_pct * a.straps):.2f}x linear) |")
    lat = scaled["latencies"]
    print(f"| notification → tile update at {a.speed:g}x real time "
          f"({len(lat):,} updates) | p50 {1e3 * statistics.median(lat):.2f} ms, "
          f"p95 {1e3 * pct(lat, 0.95):.2f} ms, p99 {1e3 * pct(lat, 0.99):.2f} ms, "
          f"max {1e3 * max(lat):.1f} ms |")
    print(f"| same run: delivered before the end → recorded | {scaled['delivered']:,} → "
          f"{scaled['recorded']:,} (lost {max(0, scaled['delivered'] - scaled['recorded'])}); CPU {100 * scaled['cpu_s'] / scaled['wall_s']:.1f} % of a "
          f"core at {a.speed:g}x |")


if __name__ == "__main__":
    main()
