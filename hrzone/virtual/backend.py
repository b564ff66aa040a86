"""bleak backends that talk to virtual straps instead of a Bluetooth adapter.

Passed through bleak's own ``backend=`` parameter::

    client_cls, scanner_cls = air.backends()
    BleakScanner(service_uuids=[...], backend=scanner_cls)
    BleakClient(ble_device, backend=client_cls)

so everything above the backend (BleakClient's characteristic resolution, notification callback
wrapping, disconnect callback, BleakScanner's filtering and device bookkeeping) is bleak's real
code. Written against bleak 3.x's backend API (concrete GATT objects, ``BaseBleakClient`` and
``BaseBleakScanner`` abstract methods).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import (
    AdvertisementData,
    AdvertisementDataCallback,
    BaseBleakScanner,
)
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bleak.uuids import normalize_uuid_16

from hrzone.ble.clock import cancel_and_wait
from hrzone.virtual.strap import VirtualAir, VirtualStrap

HR_SERVICE = normalize_uuid_16(0x180D)
HR_MEASUREMENT = normalize_uuid_16(0x2A37)
BODY_SENSOR_LOCATION = normalize_uuid_16(0x2A38)
BATTERY_SERVICE = normalize_uuid_16(0x180F)
BATTERY_LEVEL = normalize_uuid_16(0x2A19)
DEVICE_INFO_SERVICE = normalize_uuid_16(0x180A)
MANUFACTURER_NAME = normalize_uuid_16(0x2A29)
MODEL_NUMBER = normalize_uuid_16(0x2A24)
FIRMWARE_REVISION = normalize_uuid_16(0x2A26)


def _build_services(strap: VirtualStrap) -> tuple[BleakGATTServiceCollection,
                                                   dict[str, Callable[[], bytes | None]]]:
    """The strap's GATT table and a reader per readable characteristic UUID."""
    info = strap.info
    coll = BleakGATTServiceCollection()
    readers: dict[str, Callable[[], bytes | None]] = {}
    handle = 0

    def service(uuid: str) -> BleakGATTService:
        nonlocal handle
        handle += 1
        svc = BleakGATTService(None, handle, uuid)
        coll.add_service(svc)
        return svc

    def char(svc: BleakGATTService, uuid: str, props: list[str],
             read: Callable[[], bytes | None] | None = None) -> None:
        nonlocal handle
        handle += 2
        c = BleakGATTCharacteristic(None, handle, uuid, props, lambda: 20, svc)  # type: ignore[arg-type]
        coll.add_characteristic(c)
        if "notify" in props:
            handle += 1
            coll.add_descriptor(BleakGATTDescriptor(None, handle, normalize_uuid_16(0x2902), c))
        if read is not None:
            readers[uuid] = read

    hr = service(HR_SERVICE)
    char(hr, HR_MEASUREMENT, ["notify"])
    if info.body_location is not None:
        loc = info.body_location
        char(hr, BODY_SENSOR_LOCATION, ["read"], lambda: bytes((loc,)))
    if info.battery is not None:
        bat = service(BATTERY_SERVICE)
        char(bat, BATTERY_LEVEL, ["read", "notify"],
             lambda: bytes((strap.battery_level() or 0,)))
    dis_values = [(MANUFACTURER_NAME, info.manufacturer), (MODEL_NUMBER, info.model),
                  (FIRMWARE_REVISION, info.firmware)]
    if any(v is not None for _, v in dis_values):
        dis = service(DEVICE_INFO_SERVICE)
        for uuid, v in dis_values:
            if v is not None:
                char(dis, uuid, ["read"], lambda v=v: v.encode("utf-8"))
    return coll, readers


class VirtualClientBackend(BaseBleakClient):
    """A bleak client backend connected to a VirtualStrap (bound to a VirtualAir)."""

    air: ClassVar[VirtualAir]

    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Callable[[], None] | None = None, timeout: float = 10.0,
                 **kwargs: Any):
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback,
                         timeout=timeout)
        strap: VirtualStrap | None = None
        if isinstance(address_or_ble_device, BLEDevice):
            if isinstance(address_or_ble_device.details, VirtualStrap):
                strap = address_or_ble_device.details
        if strap is None:
            strap = self.air.find(self.address)
            if strap is not None and not isinstance(address_or_ble_device, BLEDevice):
                strap.stats.bare_address_connects += 1
        self._strap = strap
        self._connected = False
        self._readers: dict[str, Callable[[], bytes | None]] = {}
        self._callback: NotifyCallback | None = None

    # --- called by the strap --------------------------------------------------------------

    @property
    def notifying(self) -> bool:
        return self._connected and self._callback is not None

    def deliver(self, payload: bytes) -> None:
        if self._callback is not None:
            self._callback(bytearray(payload))

    def link_lost(self) -> None:
        """Unsolicited disconnect (strap out of range or off): tell bleak's callback."""
        if not self._connected:
            return
        self._teardown()
        if self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    def _teardown(self) -> None:
        self._connected = False
        self._callback = None
        self.services = None
        if self._strap is not None:
            self._strap.detach(self)

    # --- BaseBleakClient ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._strap.info.name if self._strap is not None else self.address

    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        strap = self._strap
        if strap is None or not strap.reachable():
            if strap is not None:
                strap.stats.refused_connects += 1
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} "
                                           "was not found.")
        if strap.refuse():
            strap.stats.refused_connects += 1
            raise BleakError(f"{strap.info.name}: connection refused (the strap is busy)")
        self.services, self._readers = _build_services(strap)
        self._connected = True
        strap.attach(self)

    async def disconnect(self) -> None:
        await asyncio.sleep(0)
        if self._connected:
            self._teardown()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Virtual straps need no pairing."""

    async def unpair(self) -> None:
        """Virtual straps need no pairing."""

    def _check(self) -> None:
        if not self._connected:
            raise BleakError("Not connected")

    @staticmethod
    def _uuid(characteristic: BleakGATTCharacteristic | Any) -> str:
        return characteristic.uuid if isinstance(characteristic, BleakGATTCharacteristic) \
            else str(characteristic)

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *,
                             use_cached: bool = False, **kwargs: Any) -> bytearray:
        await asyncio.sleep(0)
        self._check()
        reader = self._readers.get(self._uuid(characteristic))
        if reader is None:
            raise BleakError(f"characteristic {self._uuid(characteristic)} is not readable")
        return bytearray(reader() or b"")

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *,
                                   use_cached: bool = False, **kwargs: Any) -> bytearray:
        self._check()
        return bytearray(b"\x01\x00" if self._callback is not None else b"\x00\x00")

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any,
                              response: bool = True) -> None:
        self._check()
        raise BleakError(f"characteristic {self._uuid(characteristic)} is not writable")

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        self._check()
        raise BleakError("descriptor writes are not supported by the virtual strap")

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        self._check()
        if self._uuid(characteristic) != HR_MEASUREMENT:
            raise BleakError(f"notifications on {self._uuid(characteristic)} are not supported")
        if self._callback is not None:
            # the same pitfall as BlueZ: a second start_notify without stop_notify fails
            raise BleakError("Notifications already started (call stop_notify first)")
        self._callback = callback
        assert self._strap is not None
        self._strap.subscribed(self)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._check()
        self._callback = None

    # bleak < 0.20 style service discovery; harmless on newer bleak
    async def get_services(self, **kwargs: Any) -> BleakGATTServiceCollection:
        self._check()
        assert self.services is not None
        return self.services


class VirtualScannerBackend(BaseBleakScanner):
    """A bleak scanner backend that hears the virtual straps' advertisements."""

    air: ClassVar[VirtualAir]

    def __init__(self, detection_callback: AdvertisementDataCallback | None,
                 service_uuids: list[str] | None, scanning_mode: str = "active",
                 **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self.air.scan_starts.append(self.air.clock.now_ns())
        self._task = asyncio.get_running_loop().create_task(self._advertise())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    def set_scanning_filter(self, **kwargs: Any) -> None:
        """Kept for old bleak versions; filtering is by service_uuids."""

    async def _advertise(self) -> None:
        clock = self.air.clock
        while True:
            await asyncio.sleep(0)
            for strap in self.air.straps:
                if not strap.reachable() or strap.clients:
                    continue   # a connected strap stops advertising, like most straps
                info = strap.info
                uuids = ["0000180d-0000-1000-8000-00805f9b34fb"] if info.advertise_hr_service else []
                adv = AdvertisementData(local_name=info.name, manufacturer_data={},
                                        service_data={}, service_uuids=uuids, tx_power=None,
                                        rssi=info.rssi, platform_data=())
                if not self.is_allowed_uuid(uuids):
                    continue
                key = info.address
                if key in self.seen_devices:
                    device = self.seen_devices[key][0]
                else:
                    device = BLEDevice(info.address, info.name, strap)
                self.seen_devices[key] = (device, adv)
                self.call_detection_callbacks(device, adv)
            await clock.sleep(self.air.advert_interval_s)


def bind_backends(air: VirtualAir) -> tuple[type[VirtualClientBackend], type[VirtualScannerBackend]]:
    """Backend classes whose instances see `air` (bleak instantiates them itself)."""
    client = type("VirtualClientBackend", (VirtualClientBackend,), {"air": air})
    scanner = type("VirtualScannerBackend", (VirtualScannerBackend,), {"air": air})
    return client, scanner  # type: ignore[return-value]
