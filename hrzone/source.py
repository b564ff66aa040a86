"""Heart-rate sources: one async interface for a live strap, a replayed recording, a simulator.

A source yields recording.Notification and recording.Event items in time order; `header`
describes the device once known. The BLE source lives in hrzone.ble.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

from hrzone.recording import Event, Header, Notification, read_recording


class HeartRateSource(ABC):
    """Something that produces raw heart-rate notifications and session events."""

    @property
    @abstractmethod
    def header(self) -> Header:
        """Device and session description for the recording header."""

    @abstractmethod
    def items(self) -> AsyncIterator[Notification | Event]:
        """Yield notifications and events as they happen (ends when the source ends)."""

    async def aclose(self) -> None:
        """Release the device; called once when the session ends (also on cancellation)."""


class ReplaySource(HeartRateSource):
    """Replays a recording with its original timing divided by `speed` (None: as fast as possible)."""

    def __init__(self, path: str | Path, speed: float | None = 1.0):
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive")
        self.path = Path(path)
        self.speed = speed
        self.recording = read_recording(self.path)

    @property
    def header(self) -> Header:
        return self.recording.header

    async def items(self) -> AsyncIterator[Notification | Event]:
        rec = self.recording
        merged = sorted([*rec.notifications, *rec.events], key=lambda x: x.t_ns)
        t0 = time.monotonic()
        for item in merged:
            if self.speed is not None:
                due = t0 + item.t_ns / 1e9 / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            yield item
