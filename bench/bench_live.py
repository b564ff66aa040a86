"""Live-path benchmark on the virtual strap (no adapter needed).

1. Latency: from the virtual strap emitting a notification (inside bleak's backend) to the zone
   decision reaching a session sink: bleak BleakClient callback -> BleSource -> queue ->
   run_session -> recording write -> signal core -> sink. Baseline: LiveSession.feed alone
   (recording write + signal core), the part without BLE plumbing.
2. Memory: a simulated 12-hour live session (43,200 notifications, recorded to a temp file),
   resident memory sampled every simulated hour: it must stay flat.

    /work/venv/bin/python bench/bench_live.py [--hours 12] [--latency-n 3600]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import math
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hrzone.ble.clock import VirtualClock
from hrzone.hrm import Measurement, encode_measurement
from hrzone.recording import Header, Notification, RecordingWriter, now_iso
from hrzone.session import LiveSession, Sink, run_session
from hrzone.virtual import StrapInfo, VirtualAir, VirtualStrap, virtual_source
from hrzone.zones import resolve_thresholds

TH = resolve_thresholds("bpm", moderate=110, high=140)
S = 1_000_000_000


def workout(n: int) -> Iterator[tuple[int, bytes]]:
    """n notifications at 1 Hz: HR wandering through all three zones, one or two RR each."""
    for i in range(n):
        hr = int(120 + 35 * math.sin(i / 300.0) + 5 * math.sin(i / 7.0))
        rr = int(round(61440 / hr))
        rrs = (rr, rr) if hr > 120 and i % 3 == 0 else (rr,)
        yield i * S, encode_measurement(Measurement(hr, True, None, rrs))


class Timer(Sink):
    """Records the perf_counter time each zone decision reaches the sinks."""

    def __init__(self, emitted: collections.deque[int]):
        self.emitted = emitted
        self.lat_ns: list[int] = []

    def on_output(self, out: Any, state: Any) -> None:
        now = time.perf_counter_ns()
        for _ in range(len(out)):
            self.lat_ns.append(now - self.emitted.popleft())


async def live_latency(n: int, tmp: Path) -> list[int]:
    clock = VirtualClock()
    strap = VirtualStrap(workout(n), StrapInfo(name="Polar H10 BENCH001"))
    emitted: collections.deque[int] = collections.deque()
    strap.on_emit = lambda _t, _p: emitted.append(time.perf_counter_ns())
    air = VirtualAir(clock, [strap])
    src = virtual_source(air)
    await src.open()
    timer = Timer(emitted)
    await run_session(src, TH, record_to=tmp / "latency.jsonl", sinks=[timer])
    await air.aclose()
    await clock.aclose()
    return timer.lat_ns


def baseline_latency(n: int, tmp: Path) -> list[int]:
    header = Header(created=now_iso(), device={"name": "bench"}, profile="polar-h10")
    live = LiveSession(header, TH, writer=RecordingWriter(tmp / "baseline.jsonl", header))
    out: list[int] = []
    for t, p in workout(n):
        item = Notification(t, t, p)
        t0 = time.perf_counter_ns()
        live.feed(item)
        out.append(time.perf_counter_ns() - t0)
    live.finish()
    return out


def rss_bytes() -> int:
    """Resident set size now (Linux /proc), else peak RSS from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            import os
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class HourlyMemory(Sink):
    def __init__(self) -> None:
        self.samples: list[tuple[int, int]] = []
        self._next_h = 1

    def on_output(self, out: Any, state: Any) -> None:
        if len(out) and out.t_s[-1] >= self._next_h * 3600:
            self.samples.append((self._next_h, rss_bytes()))
            self._next_h += 1


async def live_memory(hours: int, tmp: Path) -> tuple[list[tuple[int, int]], float, int]:
    clock = VirtualClock()
    n = hours * 3600
    strap = VirtualStrap(workout(n), StrapInfo(name="Polar H10 BENCH002"))
    air = VirtualAir(clock, [strap])
    src = virtual_source(air)
    await src.open()
    mem = HourlyMemory()
    t0 = time.perf_counter()
    res = await run_session(src, TH, record_to=tmp / "12h.jsonl", sinks=[mem])
    wall = time.perf_counter() - t0
    await air.aclose()
    await clock.aclose()
    return mem.samples, wall, res.summary.samples


def pct(xs: list[int], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=12)
    ap.add_argument("--latency-n", type=int, default=3600)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        base = baseline_latency(a.latency_n, tmp)
        live = asyncio.run(live_latency(a.latency_n, tmp))
        print(f"notification -> zone decision, {len(live)} notifications (µs)")
        print(f"{'path':<34}{'p50':>9}{'p99':>9}{'max':>10}")
        print(f"{'LiveSession.feed (baseline)':<34}{pct(base, .5):>9.1f}{pct(base, .99):>9.1f}"
              f"{max(base) / 1000:>10.1f}")
        print(f"{'virtual strap -> bleak -> sink':<34}{pct(live, .5):>9.1f}{pct(live, .99):>9.1f}"
              f"{max(live) / 1000:>10.1f}")
        print(f"ratio live/baseline: p50 {pct(live, .5) / pct(base, .5):.2f}x, "
              f"p99 {pct(live, .99) / pct(base, .99):.2f}x; target p99 < 2000 µs: "
              f"{'PASS' if pct(live, .99) < 2000 else 'FAIL'}")
        samples, wall, n = asyncio.run(live_memory(a.hours, tmp))
        print(f"\n{a.hours} h simulated live session: {n} samples in {wall:.1f} s; "
              f"resident memory by simulated hour (MiB):")
        print("  " + "  ".join(f"{h}h:{b / 2**20:.2f}" for h, b in samples))
        if len(samples) >= 3:
            first, last = samples[1][1], samples[-1][1]
            per_h = (last - first) / max(1, samples[-1][0] - samples[1][0])
            print(f"growth from hour 2 to hour {samples[-1][0]}: {(last - first) / 1024:.1f} KiB "
                  f"({per_h / 1024:.1f} KiB/h; the per-second HR array of the summary is 3.5 "
                  f"KiB/h by design)")
        print(f"median feed {statistics.median(base) / 1000:.1f} µs")


if __name__ == "__main__":
    main()
