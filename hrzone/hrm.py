"""Codec for the Bluetooth Heart Rate Measurement characteristic (0x2A37).

Layout (Bluetooth SIG, Heart Rate Service 1.0, section 3.1):

- flags (uint8): bit 0 HR format (0 uint8, 1 uint16 LE); bits 1-2 sensor contact status
  (0/1 not supported, 2 supported but not detected, 3 detected); bit 3 Energy Expended present
  (uint16 kJ); bit 4 RR intervals present (uint16 each, 1/1024 s, oldest first); bits 5-7 reserved.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEART_RATE_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

_HR_UINT16 = 0x01
_CONTACT_SUPPORTED = 0x04
_CONTACT_DETECTED = 0x02
_ENERGY = 0x08
_RR = 0x10


class MalformedMeasurement(ValueError):
    """A 0x2A37 payload is empty or shorter than its flags announce."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One decoded heart-rate notification.

    heart_rate is in bpm; sensor_contact is None when the strap does not support contact
    detection; energy_expended is in kJ (or None); rr_intervals are in 1/1024 s, oldest first.
    """

    heart_rate: int
    sensor_contact: bool | None = None
    energy_expended: int | None = None
    rr_intervals: tuple[int, ...] = ()
    hr_uint16: bool = False


def parse_measurement(data: bytes) -> Measurement:
    """Decode a 0x2A37 payload; raise MalformedMeasurement if it is truncated or has odd RR bytes."""
    n = len(data)
    if n == 0:
        raise MalformedMeasurement("empty payload")
    flags = data[0]
    pos = 1
    if flags & _HR_UINT16:
        if n < 3:
            raise MalformedMeasurement("flags announce a uint16 heart rate but payload is too short")
        hr = data[1] | (data[2] << 8)
        pos = 3
    else:
        if n < 2:
            raise MalformedMeasurement("payload has no heart-rate value")
        hr = data[1]
        pos = 2
    contact: bool | None = None
    if flags & _CONTACT_SUPPORTED:
        contact = bool(flags & _CONTACT_DETECTED)
    energy: int | None = None
    if flags & _ENERGY:
        if n < pos + 2:
            raise MalformedMeasurement("flags announce Energy Expended but payload is too short")
        energy = data[pos] | (data[pos + 1] << 8)
        pos += 2
    rr: tuple[int, ...] = ()
    if flags & _RR:
        rest = n - pos
        if rest == 0:
            raise MalformedMeasurement("flags announce RR intervals but payload has none")
        if rest % 2:
            raise MalformedMeasurement("RR interval list has an odd trailing byte")
        rr = struct.unpack_from(f"<{rest // 2}H", data, pos)
    return Measurement(hr, contact, energy, rr, bool(flags & _HR_UINT16))


def encode_measurement(m: Measurement) -> bytes:
    """Encode a Measurement as a 0x2A37 payload (uint16 HR when needed or requested)."""
    if not 0 <= m.heart_rate <= 0xFFFF:
        raise ValueError(f"heart rate {m.heart_rate} does not fit in uint16")
    wide = m.hr_uint16 or m.heart_rate > 0xFF
    flags = _HR_UINT16 if wide else 0
    if m.sensor_contact is not None:
        flags |= _CONTACT_SUPPORTED | (_CONTACT_DETECTED if m.sensor_contact else 0)
    out = bytearray()
    out += struct.pack("<H", m.heart_rate) if wide else bytes((m.heart_rate,))
    if m.energy_expended is not None:
        flags |= _ENERGY
        out += struct.pack("<H", m.energy_expended)
    if m.rr_intervals:
        flags |= _RR
        out += struct.pack(f"<{len(m.rr_intervals)}H", *m.rr_intervals)
    return bytes((flags,)) + bytes(out)
