"""Finding heart-rate straps: BLE scan, profile matching, choosing one.

A strap is a candidate when it advertises the Heart Rate service (0x180D) or when its advertised
name matches a firmware profile (some straps leave the service out of their advertisement).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from hrzone.ble.clock import Clock, RealClock, race
from hrzone.errors import DeviceError, DeviceNotFoundError
from hrzone.straps import FirmwareProfile, match_strap, name_matches_any

HR_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True, slots=True)
class Found:
    """One strap heard during a scan; `device` is what BleakClient must be given."""

    device: BLEDevice
    name: str | None
    address: str
    rssi: int
    advertises_hr: bool
    profile: FirmwareProfile

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "rssi": self.rssi,
                "advertises_hr_service": self.advertises_hr, "profile": self.profile.name}


def _candidate(device: BLEDevice, adv: AdvertisementData,
               profiles: dict[str, FirmwareProfile]) -> Found | None:
    name = adv.local_name or device.name
    has_hr = HR_SERVICE_UUID in [u.lower() for u in adv.service_uuids]
    named = name_matches_any(profiles, name)
    if not has_hr and named is None:
        return None
    return Found(device, name, device.address, adv.rssi, has_hr,
                 named or match_strap(profiles, name))


def _wanted(f: Found, target: str | None) -> bool:
    if target is None:
        return True
    t = target.lower()
    return f.address.lower() == t or (f.name or "").lower() == t


async def scan(profiles: dict[str, FirmwareProfile], *, timeout_s: float = 5.0,
               target: str | None = None, clock: Clock | None = None,
               backend: type[BaseBleakScanner] | None = None) -> list[Found]:
    """Scan for heart-rate straps for up to timeout_s (clock seconds), strongest first.

    With `target` (address or exact name, case-insensitive) the scan stops as soon as that
    strap is heard. No service filter is passed to the OS, so straps that do not advertise
    0x180D are still found by name.
    """
    clock = clock or RealClock()
    found: dict[str, Found] = {}
    hit = asyncio.Event()

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        f = _candidate(device, adv, profiles)
        if f is not None:
            found[f.address] = f
            if target is not None and _wanted(f, target):
                hit.set()

    kw: dict[str, Any] = {"backend": backend} if backend is not None else {}
    try:
        scanner = BleakScanner(detection_callback=on_adv, **kw)
        await asyncio.wait_for(scanner.start(), clock.real_s(10.0) + 5.0)
    except (BleakError, OSError, asyncio.TimeoutError) as e:
        raise DeviceError(f"cannot start a Bluetooth scan: {e or type(e).__name__} "
                          "(is Bluetooth on? see docs/troubleshooting.md)") from None
    try:
        await race(clock.sleep(timeout_s), hit)
    finally:
        try:
            await asyncio.wait_for(scanner.stop(), 5.0)
        except (BleakError, OSError, asyncio.TimeoutError):
            pass
    return sorted(found.values(), key=lambda f: -f.rssi)


def choose(found: list[Found], target: str | None) -> Found:
    """The strap to connect to: the one named by `target`, else the strongest one heard."""
    if target is not None:
        for f in found:
            if _wanted(f, target):
                return f
        heard = ", ".join(f"{f.name or '?'} ({f.address})" for f in found) or "none"
        raise DeviceNotFoundError(f"--device {target!r} was not found (heard: {heard})")
    if not found:
        raise DeviceNotFoundError("no heart-rate strap found: wear it (straps sleep when dry "
                                  "or off the body), or see docs/troubleshooting.md")
    return found[0]
