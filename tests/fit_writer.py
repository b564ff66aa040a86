"""A minimal FIT activity writer for tests (file_id, 1 Hz records with heart rate, one session
with a sport), following the FIT protocol's file header, definition/data messages and CRC."""

from __future__ import annotations

import struct
from datetime import datetime
from pathlib import Path

FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in Unix seconds
SPORTS = {"running": 1, "cycling": 2, "training": 10, "walking": 11}
SUB_SPORTS = {"generic": 0, "strength_training": 20}
_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def crc(data: bytes, value: int = 0) -> int:
    """The FIT CRC-16 of `data`."""
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[value & 0xF]
            value = (value >> 4) & 0x0FFF
            value = value ^ tmp ^ _CRC_TABLE[nibble]
    return value


def _definition(local: int, global_num: int, fields: list[tuple[int, int, int]]) -> bytes:
    body = struct.pack("<BBHB", 0, 0, global_num, len(fields))
    return bytes([0x40 | local]) + body + b"".join(struct.pack("<BBB", *f) for f in fields)


def write_fit(path: Path, start: datetime, hr_bpm: list[int], sport: str = "training",
              sub_sport: str = "strength_training") -> Path:
    """A FIT activity starting at aware `start` with one HR value a second."""
    t0 = int(start.timestamp()) - FIT_EPOCH
    recs = bytearray()
    recs += _definition(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84), (4, 4, 0x86)])
    recs += bytes([0]) + struct.pack("<BHHI", 4, 1, 1, t0)             # file_id: activity
    recs += _definition(1, 20, [(253, 4, 0x86), (3, 1, 0x02)])          # record
    for i, hr in enumerate(hr_bpm):
        recs += bytes([1]) + struct.pack("<IB", t0 + i, hr)
    recs += _definition(2, 18, [(253, 4, 0x86), (2, 4, 0x86), (5, 1, 0x00), (6, 1, 0x00),
                                (7, 4, 0x86), (8, 4, 0x86)])            # session
    dur_ms = len(hr_bpm) * 1000
    recs += bytes([2]) + struct.pack("<IIBBII", t0 + len(hr_bpm), t0, SPORTS[sport],
                                     SUB_SPORTS[sub_sport], dur_ms, dur_ms)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(recs), b".FIT")
    header += struct.pack("<H", crc(header))
    body = header + bytes(recs)
    path.write_bytes(body + struct.pack("<H", crc(body)))
    return path
