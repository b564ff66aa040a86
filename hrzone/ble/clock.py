"""Clocks for live sessions: real time, scaled time, and event-driven virtual time.

Everything in the live path that stamps or waits (notification timestamps, the silent-strap
watchdog, reconnect backoff, periodic battery reads, the virtual strap's notification timing)
asks a Clock, never `time` or `asyncio.sleep` directly. A real strap uses RealClock. The virtual
strap can run on ScaledClock (e.g. 50x, for demos) or on VirtualClock, which jumps straight to
the next scheduled wake-up whenever every task is idle: a 20-minute recording streams in well
under a second, with exactly the recording's timestamps, so tests are fast and deterministic.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Any, Protocol


class Clock(Protocol):
    """Monotonic and wall-clock time in ns, and sleeping on that time base."""

    def now_ns(self) -> int:
        """Monotonic time in ns (any origin; only differences matter)."""

    def wall_ns(self) -> int:
        """UTC wall-clock time in ns matching now_ns()."""

    async def sleep(self, seconds: float) -> None:
        """Wait this many clock seconds."""

    def real_s(self, seconds: float) -> float:
        """Real seconds to allow for a device operation given in clock seconds (timeouts)."""


class ScaledClock:
    """Real time sped up by `speed` (1.0 is real time)."""

    def __init__(self, speed: float = 1.0):
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._m0 = time.monotonic_ns()
        self._w0 = time.time_ns()

    def now_ns(self) -> int:
        return int((time.monotonic_ns() - self._m0) * self.speed)

    def wall_ns(self) -> int:
        return self._w0 + self.now_ns()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    def real_s(self, seconds: float) -> float:
        return seconds / self.speed


class RealClock(ScaledClock):
    """The machine's monotonic clock and wall clock."""

    def __init__(self) -> None:
        super().__init__(1.0)


class VirtualClock:
    """Discrete-event time: advances to the earliest pending sleep once no task can run.

    The driver task lets every runnable task finish its work (the event loop's ready queue is
    empty) before it moves time forward, so causality is kept: a notification at t is fully
    processed before anything scheduled after t happens. Real-time waits (an OS thread, a
    real timeout) do not hold virtual time back.
    """

    def __init__(self, wall0_ns: int | None = None):
        self._now = 0
        self._w0 = time.time_ns() if wall0_ns is None else wall0_ns
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._driver: asyncio.Task[None] | None = None
        self._idle: asyncio.Future[None] | None = None

    def now_ns(self) -> int:
        return self._now

    def wall_ns(self) -> int:
        return self._w0 + self._now

    def real_s(self, seconds: float) -> float:
        return seconds

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + max(0, int(seconds * 1e9)))

    async def sleep_until(self, t_ns: int) -> None:
        """Wait until virtual time t_ns (returns at once, after yielding, if already past)."""
        loop = asyncio.get_running_loop()
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive(), name="hrzone-virtual-clock")
        fut: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (max(t_ns, self._now), next(self._seq), fut))
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)
        await fut

    async def aclose(self) -> None:
        """Stop the driver task."""
        await cancel_and_wait(self._driver)
        self._driver = None

    @staticmethod
    async def _quiesce(loop: asyncio.AbstractEventLoop) -> None:
        ready = getattr(loop, "_ready", None)   # CPython's run queue; fall back to yielding a lot
        for _ in range(3):
            await asyncio.sleep(0)
        if ready is None:
            for _ in range(100):
                await asyncio.sleep(0)
            return
        for _ in range(100_000):
            if not ready:
                return
            await asyncio.sleep(0)

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        heap = self._heap
        while True:
            await self._quiesce(loop)
            while heap and heap[0][2].done():       # cancelled sleepers
                heapq.heappop(heap)
            if not heap:
                self._idle = loop.create_future()
                await self._idle
                continue
            t, _, fut = heapq.heappop(heap)
            if t > self._now:
                self._now = t
            fut.set_result(None)


async def race(clock_wait: asyncio.Future[None] | asyncio.Task[None] | object,
               event: asyncio.Event) -> bool:
    """Wait for a clock sleep or an event, whichever comes first; True if the event fired."""
    ev_task = asyncio.ensure_future(event.wait())
    sl_task = asyncio.ensure_future(clock_wait)  # type: ignore[arg-type]
    try:
        await asyncio.wait({ev_task, sl_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (ev_task, sl_task):
            if not t.done():
                t.cancel()
        await asyncio.gather(ev_task, sl_task, return_exceptions=True)
    return event.is_set()


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel a task (if any) and wait until it has finished unwinding."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
