"""Straps in range, for every front end: a Bluetooth scan, or the virtual strap(s) of a
recording or simulator plan (`--virtual`)."""

from __future__ import annotations

from typing import Any


async def find_straps(timeout_s: float = 8.0, virtual: str | None = None,
                      speed: float = 0.0) -> list[Any]:
    """Heart-rate straps found (hrzone.ble.scan.Found), strongest first; with `virtual`, the
    virtual strap playing that recording or plan instead of Bluetooth."""
    from hrzone.app.live import virtual_air
    from hrzone.ble.scan import scan
    from hrzone.straps import load_straps

    profiles = load_straps()
    if virtual is None:
        return await scan(profiles, timeout_s=timeout_s)
    air = virtual_air(virtual, speed or 0)
    _, scanner_cls = air.backends()
    try:
        return await scan(profiles, timeout_s=min(timeout_s, 1.0), clock=air.clock,
                          backend=scanner_cls)
    finally:
        await air.aclose()
