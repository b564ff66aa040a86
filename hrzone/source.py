"""Heart-rate sources: one async interface for a live strap, a replayed recording, a simulator.

A source yields recording.Notification and recording.Event items in time order; `info`
describes the device once known. The session, not the source, builds the recording header from
it (adding the thresholds and the stop event it owns). The BLE source lives in hrzone.ble.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hrzone.recording import Event, Header, Notification, read_recording


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What a source knows once open: which device, which strap profile, when t = 0 was."""

    created: str                        # t = 0 as an ISO 8601 instant (recording.now_iso)
    device: dict[str, Any] = field(default_factory=dict)
    strap: str | None = None            # firmware profile name (hrzone.straps), if any
    source: str = "unknown"             # ble, virtual, simulator, replay, test
    extra: dict[str, Any] = field(default_factory=dict)   # extra header keys to keep

    @classmethod
    def from_header(cls, header: Header) -> DeviceInfo:
        """The device description a recording's header holds (for replays)."""
        return cls(header.created, dict(header.device), header.profile, header.source,
                   dict(header.extra))


class HeartRateSource(ABC):
    """Something that produces raw heart-rate notifications and session events."""

    @property
    @abstractmethod
    def info(self) -> DeviceInfo:
        """The device, known once the source is open."""

    @abstractmethod
    def items(self) -> AsyncIterator[Notification | Event]:
        """Yield notifications and events as they happen (ends when the source ends)."""

    async def aclose(self) -> None:
        """Release the device; called once when the session ends (also on cancellation)."""

    def stamp(self) -> tuple[int, int] | None:
        """(t_ns since start, wall-clock ns) of now on this source's clock, or None when the
        source has no clock of its own (a replay): the session then uses its last item's."""
        return None


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
        """The replayed file's own header."""
        return self.recording.header

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo.from_header(self.recording.header)

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
