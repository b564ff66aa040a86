"""A HeartRateSource that plays a simulated session, so a live session can run without a strap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from hrzone.recording import Event, Header, Notification
from hrzone.simulator.engine import SimResult
from hrzone.source import DeviceInfo, HeartRateSource


class SimulatorSource(HeartRateSource):
    """Yields a SimResult's notifications at their session times divided by `speed`
    (None: as fast as possible). Wall-clock fields are those of the simulation."""

    def __init__(self, result: SimResult, speed: float | None = 1.0):
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive")
        self.result = result
        self.speed = speed

    @property
    def header(self) -> Header:
        """The simulation's header (what a recording of it would start with)."""
        return self.result.header

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo.from_header(self.result.header)

    async def items(self) -> AsyncIterator[Notification | Event]:
        t0 = time.monotonic()
        for item in self.result.notifications:
            if self.speed is not None:
                delay = t0 + item.t_ns / 1e9 / self.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            yield item
