"""TCX and GPX importers: laps/tracks/multisport, hr in any namespace, XML bombs, bad bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import load_bytes
from conftest import REALDATA, realdata
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrzone.errors import ImportFormatError
from hrzone.importers import load
from hrzone.workout import Workout

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def _tp(t: str, hr: int | None) -> str:
    h = f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>" if hr is not None else ""
    return f"<Trackpoint><Time>{t}</Time>{h}</Trackpoint>"


def _tcx(activities: str) -> str:
    return (f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{TCX_NS}"><Activities>'
            f"{activities}</Activities><Author><Name>x</Name></Author></TrainingCenterDatabase>")


def _write(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_tcx_tracks_laps_and_pauses(tmp_path: Path) -> None:
    lap1 = ('<Lap StartTime="2024-05-01T10:00:00Z"><TotalTimeSeconds>3</TotalTimeSeconds>'
            '<AverageHeartRateBpm><Value>999</Value></AverageHeartRateBpm><Track>'
            + _tp("2024-05-01T10:00:00Z", 100) + _tp("2024-05-01T10:00:01Z", None)
            + _tp("2024-05-01T10:00:02Z", 102) + "</Track><Track>"  # new Track = timer restart
            + _tp("2024-05-01T10:05:00Z", 120) + "</Track></Lap>")
    lap2 = ('<Lap StartTime="2024-05-01T10:05:01Z"><TotalTimeSeconds>2</TotalTimeSeconds><Track>'
            + _tp("2024-05-01T10:05:01Z", 121) + _tp("2024-05-01T10:05:03Z", 122)
            + "</Track></Lap>")
    p = _write(tmp_path, "a.xml", _tcx(f'<Activity Sport="Running"><Id>x</Id>{lap1}{lap2}'
                                       "</Activity>"))
    w = load(p)
    assert w.fmt == "tcx"
    s = w.series
    assert s.t_s.tolist() == [0, 2, 300, 301, 303]
    assert s.hr_bpm.tolist() == [100, 102, 120, 121, 122]  # lap averages are not samples
    assert s.brk.tolist() == [False, False, True, False, False]  # a new Lap alone is no pause
    assert w.meta["timer_time_s"] == 5 and w.meta["laps"] == 2 and w.meta["sport"] == "Running"
    assert w.start.isoformat() == "2024-05-01T10:00:00+00:00"


def test_tcx_multisport_breaks_between_activities(tmp_path: Path) -> None:
    a1 = '<Activity Sport="Running"><Lap><Track>' + _tp("2024-05-01T10:00:00Z", 100) \
        + _tp("2024-05-01T10:00:01Z", 101) + "</Track></Lap></Activity>"
    a2 = '<Activity Sport="Biking"><Lap><Track>' + _tp("2024-05-01T10:00:05Z", 130) \
        + "</Track></Lap></Activity>"
    p = _write(tmp_path, "m.tcx", _tcx(f"<MultiSportSession><FirstSport>{a1}</FirstSport>"
                                       f"<NextSport>{a2}</NextSport></MultiSportSession>"))
    w = load(p)
    assert w.series.brk.tolist() == [False, False, True]
    assert w.meta["sports"] == ["Running", "Biking"] and w.meta["activities"] == 2


GPX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="T" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
            'xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0">')


def _pt(t: str, ext: str = "") -> str:
    return f'<trkpt lat="1" lon="2"><ele>3</ele><time>{t}</time><extensions>{ext}</extensions></trkpt>'


def test_gpx_hr_in_any_namespace_and_segments(tmp_path: Path) -> None:
    body = ("<trk><type>cycling</type><trkseg>"
            + _pt("2024-05-01T10:00:00Z", "<gpxtpx:TrackPointExtension><gpxtpx:hr>100"
                  "</gpxtpx:hr></gpxtpx:TrackPointExtension>")
            + _pt("2024-05-01T10:00:01Z", "<gpxdata:hr>101</gpxdata:hr>")
            + _pt("2024-05-01T10:00:02Z", "<hr>102</hr>")
            + _pt("2024-05-01T10:00:03Z", "<gpxtpx:cad>80</gpxtpx:cad>")
            + "</trkseg><trkseg>"
            + _pt("2024-05-01T12:00:04+02:00", '<x:TrackPointExtension xmlns:x="urn:v2">'
                  "<x:hr>104</x:hr></x:TrackPointExtension>")
            + "</trkseg></trk></gpx>")
    w = load(_write(tmp_path, "a.gpx", GPX_HEAD + body))
    assert w.fmt == "gpx" and w.meta["device"] == "T" and w.meta["sport"] == "cycling"
    s = w.series
    assert s.hr_bpm.tolist() == [100, 101, 102, 104]
    assert s.t_s.tolist() == [0, 1, 2, 4]
    assert s.brk.tolist() == [False, False, False, True]


def test_opentracks_incorrect_markup_still_finds_hr() -> None:
    w = load(realdata("misc/opentracks__legacy_gpx_trackpointextensions_incorrect.gpx"))
    assert w.series.hr_bpm.tolist() == [69]
    assert w.start.isoformat() == "2020-02-02T02:02:03+00:00"  # first trackpoint, as UTC


@pytest.mark.parametrize("decl", [
    '<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE gpx SYSTEM "http://example.com/evil.dtd">',
])
def test_xml_bombs_and_doctypes_are_refused(tmp_path: Path, decl: str) -> None:
    text = '<?xml version="1.0"?>' + decl + GPX_HEAD.split("?>", 1)[1] + "</gpx>"
    p = _write(tmp_path, "bomb.gpx", text)
    with pytest.raises(ImportFormatError, match="bomb.gpx: XML .* declarations are not allowed"):
        load(p)


def test_truncated_xml_keeps_samples_with_warning(tmp_path: Path) -> None:
    body = "<trk><trkseg>" + "".join(
        _pt(f"2024-05-01T10:00:{i:02d}Z", f"<hr>{100 + i}</hr>") for i in range(10))
    w = load(_write(tmp_path, "cut.gpx", GPX_HEAD + body[:-40]))
    assert len(w.series) == 9
    assert any("truncated" in x for x in w.warnings)
    with pytest.raises(ImportFormatError, match=r"cut2.gpx: line 1 column \d+"):
        load(_write(tmp_path, "cut2.gpx", GPX_HEAD + "<trk><trkseg><trkpt"))


def test_wrong_root_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="root element is 'gpx', not TrainingCenter"):
        load(_write(tmp_path, "a.gpx", GPX_HEAD + "</gpx>"), "tcx")
    body = ("<trk><trkseg>" + _pt("yesterday", "<hr>100</hr>") + _pt("2024-05-01T10:00:00Z",
            "<hr>fast</hr>") + _pt("2024-05-01T10:00:01Z", "<hr>99</hr>") + "</trkseg></trk></gpx>")
    w = load(_write(tmp_path, "b.gpx", GPX_HEAD + body))
    assert w.series.hr_bpm.tolist() == [99]
    assert any("unreadable time" in x for x in w.warnings)
    assert any("unreadable heart rate" in x for x in w.warnings)


def test_real_tcx_tracks_are_breaks() -> None:
    w = load(realdata("gc/2009_08_30_21_17_25.tcx"))
    assert w.meta["tracks"] == 7 and int(w.series.brk.sum()) == 6


def _load_bytes(data: bytes, fmt: str) -> Workout | None:
    return load_bytes(data, fmt, f".{fmt}")


def _seed(fmt: str) -> bytes:
    body = ("<trk><trkseg>" + "".join(_pt(f"2024-05-01T10:00:{i:02d}Z", f"<hr>{100 + i}</hr>")
                                      for i in range(5)) + "</trkseg></trk></gpx>")
    if fmt == "gpx":
        return (GPX_HEAD + body).encode()
    return _tcx('<Activity Sport="Running"><Lap><Track>' + "".join(
        _tp(f"2024-05-01T10:00:{i:02d}Z", 100 + i) for i in range(5))
        + "</Track></Lap></Activity>").encode()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["gpx", "tcx"]),
       edits=st.lists(st.tuples(st.floats(0, 0.999), st.binary(max_size=4)), max_size=6),
       cut=st.floats(0.0, 1.0))
def test_mutated_xml_never_tracebacks(fmt: str, edits: list[tuple[float, bytes]],
                                      cut: float) -> None:
    data = bytearray(_seed(fmt))
    for pos, repl in edits:
        i = int(pos * len(data))
        data[i:i + 1] = repl
    w = _load_bytes(bytes(data[:max(1, int(len(data) * cut))]), fmt)
    if w is not None:
        assert np.all(np.diff(w.series.t_s) >= 0)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200), fmt=st.sampled_from(["gpx", "tcx"]))
def test_random_bytes_as_xml_never_traceback(data: bytes, fmt: str) -> None:
    _load_bytes(data, fmt)


def test_big_real_gpx_streams() -> None:
    """The 3.4 MB Garmin Connect GPX loads in well under a second per MB, to a float64 series."""
    p = REALDATA / "sweatpy/activity_4078723797.gpx"
    if not p.is_file():
        pytest.skip(f"{p} is absent")
    w = load(p)
    assert len(w.series) == 8357 and w.series.t_s.dtype == np.float64
