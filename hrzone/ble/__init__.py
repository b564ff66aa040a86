"""Bluetooth LE heart-rate straps through bleak: scanning, a supervised live source, clocks.

bleak is imported lazily by the submodules that need it, so `hrzone` commands that never touch
Bluetooth do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hrzone.ble.scan import Found, scan
    from hrzone.ble.source import BleOptions, BleSource

__all__ = ["BleOptions", "BleSource", "Found", "scan"]


def __getattr__(name: str) -> Any:
    if name in ("BleOptions", "BleSource"):
        from hrzone.ble import source
        return getattr(source, name)
    if name in ("Found", "scan"):
        from hrzone.ble import scan as scan_mod
        return getattr(scan_mod, name)
    raise AttributeError(name)
