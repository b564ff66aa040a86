"""The virtual strap through bleak's own BleakScanner/BleakClient (backend=): no adapter needed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError

from hrzone.ble.clock import ScaledClock, VirtualClock
from hrzone.hrm import Measurement, encode_measurement, parse_measurement
from hrzone.recording import Header, RecordingWriter, now_iso
from hrzone.virtual import (
    StrapInfo, VirtualAir, VirtualStrap, Window, strap_from_recording, timeline_from_recording,
)

HR = "00002a37-0000-1000-8000-00805f9b34fb"


def beats(n: int, hr: int = 100, start_s: int = 0) -> list[tuple[int, bytes]]:
    """n notifications at 1 Hz with a constant HR and one RR each."""
    rr = int(round(60 / hr * 1024))
    return [((start_s + i) * 1_000_000_000,
             encode_measurement(Measurement(hr, True, None, (rr,)))) for i in range(n)]


def run(coro):  # noqa: ANN001, ANN201 - tiny helper
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_scan_finds_service_and_name_only_strap() -> None:
    async def go() -> dict:
        clock = VirtualClock()
        air = VirtualAir(clock, [
            VirtualStrap(beats(3), StrapInfo(name="Polar H10 AAAA0001", address="A0:00:00:00:00:01")),
            VirtualStrap(beats(3), StrapInfo(name="HRM-Dual:123456", address="A0:00:00:00:00:02",
                                             advertise_hr_service=False, rssi=-80)),
        ])
        _, scanner_cls = air.backends()
        async with BleakScanner(backend=scanner_cls) as scanner:
            await clock.sleep(0.5)
            seen = scanner.discovered_devices_and_advertisement_data
        # bleak's own service filter drops the strap that does not advertise 0x180D
        only_hr = await BleakScanner.discover(0.05, return_adv=True, backend=scanner_cls,
                                              service_uuids=["0000180d-0000-1000-8000-00805f9b34fb"])
        await clock.aclose()
        return {"all": seen, "hr": only_hr}

    res = run(go())
    assert set(res["all"]) == {"A0:00:00:00:00:01", "A0:00:00:00:00:02"}
    dev, adv = res["all"]["A0:00:00:00:00:02"]
    assert adv.local_name == "HRM-Dual:123456" and adv.service_uuids == [] and adv.rssi == -80
    assert isinstance(dev.details, VirtualStrap)
    assert set(res["hr"]) == {"A0:00:00:00:00:01"}


def test_connect_read_and_notify_through_bleak_client() -> None:
    async def go() -> tuple[list[bytes], dict, VirtualStrap]:
        clock = VirtualClock()
        strap = VirtualStrap(beats(5, hr=120), StrapInfo(model="H10", manufacturer="Polar Electro Oy",
                                                         firmware="5.0.0", battery=64))
        air = VirtualAir(clock, [strap])
        client_cls, scanner_cls = air.backends()
        dev = await BleakScanner.find_device_by_name(strap.info.name, 1.0, backend=scanner_cls)
        assert dev is not None
        got: list[bytes] = []
        info: dict = {}
        async with BleakClient(dev, backend=client_cls) as client:
            info["model"] = bytes(await client.read_gatt_char("2a24")).decode()
            info["manufacturer"] = bytes(await client.read_gatt_char("2a29")).decode()
            info["battery"] = (await client.read_gatt_char("2a19"))[0]
            info["location"] = (await client.read_gatt_char("2a38"))[0]
            await client.start_notify(HR, lambda _c, d: got.append(bytes(d)))
            with pytest.raises(BleakError, match="already started"):
                await client.start_notify(HR, lambda _c, d: None)
            await strap.finished.wait()
            info["name"] = client.name
        await air.aclose()
        await clock.aclose()
        return got, info, strap

    got, info, strap = run(go())
    assert [parse_measurement(p).heart_rate for p in got] == [120] * 5
    assert info == {"model": "H10", "manufacturer": "Polar Electro Oy", "battery": 64,
                    "location": 1, "name": "Virtual HR 0001"}
    assert strap.stats.sent == 5 and strap.stats.bare_address_connects == 0


def test_drop_window_disconnects_and_refuses_until_over() -> None:
    async def go() -> tuple[list[int], VirtualStrap, list[str]]:
        clock = VirtualClock()
        strap = VirtualStrap(beats(30), drops=[Window(10.0, 5.0)])
        air = VirtualAir(clock, [strap])
        client_cls, scanner_cls = air.backends()
        dev = await BleakScanner.find_device_by_name(strap.info.name, 1.0, backend=scanner_cls)
        lost = asyncio.Event()
        stamps: list[int] = []
        log: list[str] = []
        client = BleakClient(dev, disconnected_callback=lambda c: lost.set(), backend=client_cls)
        await client.connect()
        await client.start_notify(HR, lambda _c, d: stamps.append(clock.now_ns()))
        await lost.wait()
        log.append(f"lost at {strap.t_s():.1f}")
        assert not client.is_connected
        with pytest.raises(BleakDeviceNotFoundError):
            await client.connect()
        await clock.sleep(6.0)
        await client.connect()
        await client.start_notify(HR, lambda _c, d: stamps.append(clock.now_ns()))
        await strap.finished.wait()
        await client.disconnect()
        await clock.aclose()
        return stamps, strap, log

    stamps, strap, log = run(go())
    assert log == ["lost at 10.0"]
    assert strap.stats.refused_connects == 1
    secs = [s / 1e9 - stamps[0] / 1e9 for s in stamps]
    assert secs[:10] == pytest.approx(list(range(10)))
    assert 16.0 <= secs[10] <= 17.0          # resumed after the drop and the 6 s wait
    assert strap.stats.lost == 30 - len(stamps)


def test_bare_address_is_counted() -> None:
    async def go() -> VirtualStrap:
        clock = VirtualClock()
        strap = VirtualStrap(beats(1))
        air = VirtualAir(clock, [strap])
        client_cls, _ = air.backends()
        async with BleakClient(strap.info.address, backend=client_cls):
            pass
        return strap

    assert run(go()).stats.bare_address_connects == 1


def test_unknown_address_not_found() -> None:
    async def go() -> None:
        air = VirtualAir(VirtualClock(), [])
        client_cls, _ = air.backends()
        await BleakClient("00:11:22:33:44:55", backend=client_cls).connect()

    with pytest.raises(BleakDeviceNotFoundError):
        run(go())


def test_scaled_clock_keeps_notification_spacing() -> None:
    async def go() -> list[int]:
        clock = ScaledClock(50.0)
        strap = VirtualStrap(beats(6))
        air = VirtualAir(clock, [strap])
        client_cls, scanner_cls = air.backends()
        dev = await BleakScanner.find_device_by_name(strap.info.name, 1.0, backend=scanner_cls)
        stamps: list[int] = []
        async with BleakClient(dev, backend=client_cls) as client:
            await client.start_notify(HR, lambda _c, d: stamps.append(clock.now_ns()))
            await strap.finished.wait()
        return stamps

    stamps = run(go())
    gaps = [(b - a) / 1e9 for a, b in zip(stamps, stamps[1:])]
    assert len(gaps) == 5 and all(0.3 < g < 3.0 for g in gaps), gaps   # ~1 s each, loose under load


def test_timeline_from_recording_keeps_times_and_outages(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    with RecordingWriter(path, Header(created=now_iso(), device={"name": "Polar H9 12345678"})) as w:
        for t, p in beats(5, start_s=2):
            w.notification(t, t, p)
        w.event(7_500_000_000, 0, "disconnect", reason="link lost")
        w.event(20_000_000_000, 0, "reconnect")
        for t, p in beats(3, start_s=21):
            w.notification(t, t, p)
    notes, windows = timeline_from_recording(path)
    assert [t // 1_000_000_000 for t, _ in notes] == [0, 1, 2, 3, 4, 19, 20, 21]
    assert windows == [Window(5.5, 12.5)]
    strap = strap_from_recording(path)
    assert strap.info.name == "Polar H9 12345678"


def test_asleep_strap_is_not_heard_until_it_wakes_and_refusals_are_retried() -> None:
    from hrzone.ble.scan import scan
    from hrzone.straps import load_straps

    async def go() -> tuple[list[float], VirtualStrap, list[int]]:
        clock = VirtualClock()
        strap = VirtualStrap(beats(3), wakes_s=30.0, refusals=1)
        air = VirtualAir(clock, [strap])
        client_cls, scanner_cls = air.backends()
        heard = []
        for _ in range(2):                                   # 0-10 s and 10-20 s: asleep
            found = await scan(load_straps(), timeout_s=10.0, clock=clock, backend=scanner_cls)
            heard.append(len(found))
        with pytest.raises(BleakDeviceNotFoundError):        # asleep: no connection either
            await BleakClient(strap.info.address, backend=client_cls).connect()
        await clock.sleep(10.0)
        found = await scan(load_straps(), timeout_s=10.0, target=strap.info.address,
                           clock=clock, backend=scanner_cls)
        heard.append(len(found))
        client = BleakClient(found[0].device, backend=client_cls)
        with pytest.raises(BleakError, match="refused"):
            await client.connect()
        await client.connect()
        await client.disconnect()
        await clock.aclose()
        return heard, strap, air.scan_starts

    heard, strap, scans = run(go())
    assert heard == [0, 0, 1]
    assert strap.stats.refused_connects == 2 and strap.stats.connects == 1
    assert [round(s / 1e9) for s in scans] == [0, 10, 30]
