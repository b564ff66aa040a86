"""Virtual heart-rate straps served through bleak's own backend= parameter (no adapter needed).

    air = VirtualAir(VirtualClock(), [strap_from_recording("x.jsonl")])
    source = virtual_source(air)        # a BleSource on bleak's real code path
    await source.open()
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from hrzone.virtual.strap import (
    BODY_LOCATIONS,
    StrapInfo,
    VirtualAir,
    VirtualStrap,
    Window,
    strap_from_plan,
    strap_from_recording,
    timeline_from_recording,
)

if TYPE_CHECKING:
    from hrzone.ble.source import BleSource

__all__ = ["BODY_LOCATIONS", "StrapInfo", "VirtualAir", "VirtualStrap", "Window",
           "strap_from_plan", "strap_from_recording", "timeline_from_recording", "virtual_source"]


def virtual_source(air: VirtualAir, target: str | None = None, **kw: Any) -> BleSource:
    """A BleSource wired to `air`: bleak's BleakScanner/BleakClient with the virtual backends,
    the air's clock, and `stop` set once a strap has played its whole timeline (straps start
    playing when subscribed, so with several straps in the air it is the one connected to).

    Must be called with an event loop running.
    """
    from hrzone.ble.source import BleSource

    client_cls, scanner_cls = air.backends()
    stop = asyncio.Event()
    kw.setdefault("source_name", "virtual")
    src = BleSource(target, clock=air.clock, client_backend=client_cls,
                    scanner_backend=scanner_cls, stop=stop, **kw)

    async def _watch() -> None:
        waits = [asyncio.ensure_future(s.finished.wait()) for s in air.straps]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        stop.set()

    task = asyncio.get_running_loop().create_task(_watch(), name="hrzone-virtual-end")
    src.background.append(task)
    return src
