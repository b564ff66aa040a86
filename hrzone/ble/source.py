"""BleSource: a heart-rate strap over Bluetooth LE as a HeartRateSource.

    source = BleSource("Polar H10 1A2B3C4D")
    await source.open()                 # scan, connect, read device info; source.info known
    result = await run_session(source, thresholds, record_to=path)

Life of a session: scan (a `BLEDevice`, never a bare address, goes to BleakClient), connect,
read Device Information / Body Sensor Location / battery, subscribe to 0x2A37. A supervisor task
then watches the link: an unsolicited disconnect, or silence for `silent_s` while "connected"
(a strap that stops notifying without dropping the link), leads to a `disconnect` event and
reconnect attempts until the user stops the session. While the strap is away hrzone keeps
scanning (each scan ends as soon as the strap is heard), so data flows again within a few
seconds of the strap being back, however long the outage; only failed connection attempts to a
strap that *is* advertising back off, and never by more than `backoff_max_s`. Every BLE call has
a timeout. Items are stamped with the Clock as they arrive; nothing received is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from bleak import BleakClient
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from hrzone.ble.clock import Clock, RealClock, race
from hrzone.ble.scan import Found, choose, scan
from hrzone.errors import DeviceError
from hrzone.recording import Event, Notification, now_iso
from hrzone.source import DeviceInfo, HeartRateSource
from hrzone.straps import FirmwareProfile, get_strap, load_straps, match_strap

HR_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
DIS = {"manufacturer": "00002a29-0000-1000-8000-00805f9b34fb",
       "model": "00002a24-0000-1000-8000-00805f9b34fb",
       "firmware": "00002a26-0000-1000-8000-00805f9b34fb"}
BODY_LOCATIONS = {0: "other", 1: "chest", 2: "wrist", 3: "finger", 4: "hand", 5: "ear lobe",
                  6: "foot"}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BleOptions:
    """Timing of the BLE client, in clock seconds."""

    scan_s: float = 8.0
    connect_timeout_s: float = 20.0
    gatt_timeout_s: float = 5.0
    silent_s: float = 5.0
    battery_every_s: float = 300.0
    # Only after a failed connection to a strap that was heard advertising; while it is not
    # heard, hrzone scans back to back. The cap keeps "data within 5 s of the strap being
    # back" true even after many failures.
    backoff_first_s: float = 0.5
    backoff_max_s: float = 3.0
    backoff_factor: float = 2.0
    rescan_s: float = 4.0


class BleSource(HeartRateSource):
    """A live strap (real or virtual) as a HeartRateSource; see module docstring."""

    def __init__(self, target: str | None = None, *, strap: str | None = None,
                 options: BleOptions = BleOptions(), clock: Clock | None = None,
                 straps: dict[str, FirmwareProfile] | None = None, source_name: str = "ble",
                 client_backend: type[BaseBleakClient] | None = None,
                 scanner_backend: type[BaseBleakScanner] | None = None,
                 stop: asyncio.Event | None = None):
        self.target = target
        self.forced_strap = strap
        self.opt = options
        self.clock = clock or RealClock()
        self.straps = straps if straps is not None else load_straps()
        if strap is not None:
            get_strap(strap, self.straps)          # fail early on a bad --strap
        self.source_name = source_name
        self._client_kw = {"backend": client_backend} if client_backend else {}
        self._scanner_backend = scanner_backend
        self.stop = stop or asyncio.Event()
        self.found: Found | None = None
        self.strap: FirmwareProfile | None = None
        self.device: dict[str, Any] = {}
        self.battery: int | None = None
        self.connected = False
        self.reconnects = 0
        self._info: DeviceInfo | None = None
        self._client: BleakClient | None = None
        self._queue: asyncio.Queue[Notification | Event] = asyncio.Queue()
        self._lost = asyncio.Event()
        self._t0 = 0
        self._wall0 = 0
        self._last_rx = 0
        self._contact: bool | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self.background: list[asyncio.Task[None]] = []   # helper tasks cancelled by aclose()

    # --- HeartRateSource ------------------------------------------------------------------

    @property
    def info(self) -> DeviceInfo:
        if self._info is None:
            raise DeviceError("BleSource.open() must connect before the device is known")
        return self._info

    def stamp(self) -> tuple[int, int]:
        return max(0, self._t()), self.clock.wall_ns()

    async def items(self) -> AsyncIterator[Notification | Event]:
        """Notifications and events as they arrive, until `stop` is set (or cancellation)."""
        q = self._queue
        while True:
            if q.empty():
                if self.stop.is_set():
                    return
                getter = asyncio.ensure_future(q.get())
                if not await _first(getter, self.stop):
                    continue
                yield getter.result()
            else:
                yield q.get_nowait()

    async def aclose(self) -> None:
        """Stop supervising and disconnect (bounded by the GATT timeout)."""
        self.stop.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor
        for t in self.background:
            t.cancel()
        await self._disconnect()

    def mark(self, label: str, **data: Any) -> None:
        """Put a 'mark' event (e.g. a talk-test key press) into the stream, stamped now."""
        self._event("mark", mark=label, **data)

    # --- opening --------------------------------------------------------------------------

    async def open(self, found: Found | None = None) -> DeviceInfo:
        """Scan, connect, read device information, subscribe; return what is known of it.

        found: a strap already heard by a scan (a class scans once for everyone), else scan.
        Time 0 of the recording is the moment the first connection is made.
        """
        found = found or choose(await self._scan(self.opt.scan_s), self.target)
        self.found = found
        await self._connect(found)
        self.strap = (get_strap(self.forced_strap, self.straps) if self.forced_strap
                      else match_strap(self.straps, found.name, self.device.get("model")))
        self._info = DeviceInfo(created=now_iso(self._wall0), device=dict(self.device),
                                strap=self.strap.name, source=self.source_name,
                                extra={"profile_matched": self.forced_strap is None})
        self._event("connect", name=found.name, address=found.address, rssi=found.rssi,
                    profile=self.strap.name)
        if self.battery is not None:
            self._event("battery", level=self.battery)
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise(),
                                                                  name="hrzone-ble-supervisor")
        return self._info

    async def _scan(self, timeout_s: float) -> list[Found]:
        return await scan(self.straps, timeout_s=timeout_s, target=self.target,
                          clock=self.clock, backend=self._scanner_backend)

    async def _call(self, aw: Awaitable[T], what: str, timeout_s: float | None = None) -> T:
        """Await a BLE operation with a timeout; BLE failures become DeviceError."""
        t = self.opt.gatt_timeout_s if timeout_s is None else timeout_s
        try:
            return await asyncio.wait_for(aw, self.clock.real_s(t))
        except asyncio.TimeoutError:
            raise DeviceError(f"{what}: no answer within {t:g} s") from None
        except (BleakError, OSError) as e:
            raise DeviceError(f"{what}: {e or type(e).__name__}") from None

    async def _connect(self, found: Found) -> None:
        """Connect with the scanned BLEDevice, read device info, start notifications."""
        self._lost.clear()
        client = BleakClient(found.device, disconnected_callback=self._on_disconnect,
                             timeout=self.opt.connect_timeout_s, **self._client_kw)
        self._client = client
        await self._call(client.connect(), f"connecting to {found.name or found.address}",
                         self.opt.connect_timeout_s)
        try:
            if not self.device:                        # first connection: recording time 0
                self._t0 = self.clock.now_ns()
                self._wall0 = self.clock.wall_ns()
                self.device = await self._read_device_info(client, found)
            self.battery = await self._read_battery(client)
            self._last_rx = self.clock.now_ns()
            await self._call(client.start_notify(HR_MEASUREMENT, self._on_notify),
                             "subscribing to heart rate (0x2A37)")
        except DeviceError:
            await self._disconnect()
            raise
        self.connected = True

    async def _read_text(self, client: BleakClient, uuid: str) -> bytes | None:
        if client.services.get_characteristic(uuid) is None:
            return None
        try:
            return bytes(await self._call(client.read_gatt_char(uuid), f"reading {uuid[4:8]}"))
        except DeviceError:
            return None

    async def _read_device_info(self, client: BleakClient, found: Found) -> dict[str, Any]:
        info: dict[str, Any] = {"name": found.name, "address": found.address}
        for key, uuid in DIS.items():
            raw = await self._read_text(client, uuid)
            info[key] = raw.decode("utf-8", "replace").rstrip("\x00").strip() if raw else None
        loc = await self._read_text(client, BODY_SENSOR_LOCATION)
        info["body_location"] = BODY_LOCATIONS.get(loc[0], f"reserved ({loc[0]})") if loc else None
        return info

    async def _read_battery(self, client: BleakClient) -> int | None:
        raw = await self._read_text(client, BATTERY_LEVEL)
        return int(raw[0]) if raw else None

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        self.connected = False
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), self.clock.real_s(self.opt.gatt_timeout_s))

    # --- callbacks (bleak calls these) ----------------------------------------------------

    def _t(self) -> int:
        return self.clock.now_ns() - self._t0

    def _event(self, kind: str, **data: Any) -> None:
        self._queue.put_nowait(Event(max(0, self._t()), self.clock.wall_ns(), kind, data))

    def _on_notify(self, _char: object, data: bytearray) -> None:
        now = self.clock.now_ns()
        self._last_rx = now
        payload = bytes(data)
        self._queue.put_nowait(Notification(max(0, now - self._t0), self.clock.wall_ns(), payload))
        if payload and payload[0] & 0x04:          # contact supported: report changes
            contact = bool(payload[0] & 0x02)
            if contact != self._contact:
                if self._contact is not None or not contact:
                    self._event("contact", contact=contact)
                self._contact = contact

    def _on_disconnect(self, _client: BleakClient) -> None:
        self._lost.set()

    # --- supervision ----------------------------------------------------------------------

    async def _supervise(self) -> None:
        next_battery = self.clock.now_ns() + int(self.opt.battery_every_s * 1e9)
        while not self.stop.is_set():
            silent_at = self._last_rx + int(self.opt.silent_s * 1e9)
            wake = min(silent_at, next_battery)
            sleep_s = max(0.0, (wake - self.clock.now_ns()) / 1e9)
            if await race(self.clock.sleep(sleep_s), self._lost):
                self._event("disconnect", reason="link lost")
                await self._disconnect()
                await self._reconnect()
                continue
            now = self.clock.now_ns()
            if now >= self._last_rx + int(self.opt.silent_s * 1e9):
                self._event("silent", silent_s=round((now - self._last_rx) / 1e9, 3))
                await self._disconnect()
                self._event("disconnect", reason="silent")
                await self._reconnect()
                continue
            if now >= next_battery:
                next_battery = now + int(self.opt.battery_every_s * 1e9)
                if self._client is not None:
                    level = await self._read_battery(self._client)
                    if level is not None and level != self.battery:
                        self.battery = level
                        self._event("battery", level=level)

    async def _reconnect(self) -> None:
        """Rescan and reconnect until connected or stopped.

        Not hearing the strap costs no waiting beyond the scan itself (which ends as soon as
        the strap is heard), so a strap coming back after any outage is reconnected within
        about one advertising interval plus a connection. A strap heard but refusing the
        connection is retried after a short backoff, capped at `backoff_max_s`.
        """
        assert self.found is not None
        down_at = self.clock.now_ns()
        delay = self.opt.backoff_first_s
        attempts = 0
        target = self.found.address
        while not self.stop.is_set():
            # a fresh BLEDevice each time: on macOS/BlueZ an old handle can go stale
            try:
                found = [f for f in await self._scan_for(target, self.opt.rescan_s)
                         if f.address.lower() == target.lower()]
            except DeviceError:
                found = []          # the adapter refused a scan: wait, then scan again
                await self.clock.sleep(delay)
                delay = min(self.opt.backoff_max_s, delay * self.opt.backoff_factor)
                continue
            if not found:
                continue            # not back yet: scan again at once
            attempts += 1           # connection attempts, in the reconnect event
            try:
                await self._connect(found[0])
            except DeviceError:
                await self.clock.sleep(delay)
                delay = min(self.opt.backoff_max_s, delay * self.opt.backoff_factor)
                continue
            self.reconnects += 1
            self._event("reconnect", attempts=attempts,
                        down_s=round((self.clock.now_ns() - down_at) / 1e9, 3))
            if self.battery is not None:
                self._event("battery", level=self.battery)
            return

    async def _scan_for(self, address: str, timeout_s: float) -> list[Found]:
        """Scan until the strap at `address` is heard (or timeout_s clock seconds pass)."""
        return await scan(self.straps, timeout_s=timeout_s, target=address,
                          clock=self.clock, backend=self._scanner_backend)


async def _first(getter: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for the queue getter or the stop event; True if the getter has a result."""
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        getter.cancel()
        raise
    finally:
        stopper.cancel()
    if getter.done() and not getter.cancelled():
        return True
    getter.cancel()
    return False
