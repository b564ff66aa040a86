"""0x2A37 codec: spec vectors for every flag combination, malformed payloads, fuzz, round trip."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrzone.hrm import MalformedMeasurement, Measurement, encode_measurement, parse_measurement


def test_minimal_uint8():
    m = parse_measurement(bytes([0x00, 72]))
    assert m == Measurement(72, None, None, ())


def test_uint16_heart_rate_little_endian():
    m = parse_measurement(bytes([0x01, 0x2C, 0x01]))  # 300 bpm encoded LE
    assert m.heart_rate == 300 and m.hr_uint16


@pytest.mark.parametrize("bits,expected", [(0, None), (1, None), (2, False), (3, True)])
def test_contact_status_bits(bits, expected):
    m = parse_measurement(bytes([bits << 1, 80]))
    assert m.sensor_contact is expected


def test_energy_and_rr_order():
    # flags: uint8 HR, contact detected, energy present, RR present.
    data = bytes([0x1E, 90, 0x34, 0x12, 0x00, 0x04, 0x10, 0x04])
    m = parse_measurement(data)
    assert m.heart_rate == 90
    assert m.sensor_contact is True
    assert m.energy_expended == 0x1234
    assert m.rr_intervals == (1024, 1040)  # oldest first, 1/1024 s


def test_polar_h10_style_vector():
    # A typical H10 notification: flags 0x10 (RR present), HR 64, one RR of 937/1024 s.
    m = parse_measurement(bytes.fromhex("1040a903"))
    assert m.heart_rate == 64 and m.rr_intervals == (0x03A9,)


def test_reserved_bits_ignored():
    assert parse_measurement(bytes([0xE0, 70])) == parse_measurement(bytes([0x00, 70]))


@pytest.mark.parametrize("flags", range(32))
def test_every_flag_combination_round_trips(flags):
    wide = bool(flags & 1)
    contact = None if not flags & 4 else bool(flags & 2)
    m = Measurement(300 if wide else 150, contact, 77 if flags & 8 else None,
                    (800, 1000, 1200) if flags & 16 else (), wide)
    data = encode_measurement(m)
    # bit 1 alone (contact not supported) encodes as 0: both mean "not supported".
    assert data[0] == (flags & ~2 if not flags & 4 else flags)
    assert parse_measurement(data) == m


@pytest.mark.parametrize("data,why", [
    (b"", "empty"),
    (bytes([0x00]), "heart-rate"),
    (bytes([0x01, 0x50]), "uint16"),
    (bytes([0x08, 70, 0x01]), "Energy"),
    (bytes([0x10, 70]), "RR"),
    (bytes([0x10, 70, 0x00, 0x04, 0x01]), "odd"),
    (bytes([0x18, 70, 0x01, 0x00]), "RR"),
])
def test_malformed(data, why):
    with pytest.raises(MalformedMeasurement, match=why):
        parse_measurement(data)


def test_malformed_is_a_value_error():
    assert issubclass(MalformedMeasurement, ValueError)


@settings(max_examples=3000)
@given(st.binary(max_size=40))
def test_fuzz_only_malformed_escapes(data):
    try:
        m = parse_measurement(data)
    except MalformedMeasurement:
        return
    assert 0 <= m.heart_rate <= 0xFFFF
    assert all(0 <= r <= 0xFFFF for r in m.rr_intervals)
    # What parses re-encodes to a payload that parses to the same measurement.
    assert parse_measurement(encode_measurement(m)) == m


measurements = st.builds(
    Measurement,
    heart_rate=st.integers(0, 0xFFFF),
    sensor_contact=st.sampled_from([None, True, False]),
    energy_expended=st.one_of(st.none(), st.integers(0, 0xFFFF)),
    rr_intervals=st.lists(st.integers(0, 0xFFFF), max_size=9).map(tuple),
    hr_uint16=st.booleans(),
)


@given(measurements)
def test_round_trip(m):
    out = parse_measurement(encode_measurement(m))
    assert out.heart_rate == m.heart_rate
    assert out.sensor_contact == m.sensor_contact
    assert out.energy_expended == m.energy_expended
    assert out.rr_intervals == m.rr_intervals
    assert out.hr_uint16 == (m.hr_uint16 or m.heart_rate > 255)


def test_encode_rejects_out_of_range():
    with pytest.raises(ValueError):
        encode_measurement(Measurement(70000))


def test_all_single_byte_flag_prefixes_are_handled():
    for flags, rest in itertools.product(range(256), [b"", b"\x01", b"\x01\x02", b"\x01\x02\x03"]):
        try:
            parse_measurement(bytes([flags]) + rest)
        except MalformedMeasurement:
            pass
