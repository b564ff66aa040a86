"""Firmware profiles: every bundled file validates, matching works, bad files name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrzone.errors import ProfileError
from hrzone.straps import (
    DEFAULT_DIR, GENERIC, get_strap, load_strap_file, load_straps, match_strap,
    name_matches_any,
)
from hrzone.signal.config import SignalConfig

BUNDLED = sorted(DEFAULT_DIR.glob("*.toml"))
REQUIRED_FAMILIES = ("generic", "polar-h10", "polar-h9", "polar-oh1", "polar-verity-sense",
                     "garmin-hrm-dual", "garmin-hrm-pro", "wahoo-tickr", "coospo-h808s",
                     "energy-status")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_profile_validates_and_sources_every_fact(path: Path) -> None:
    prof = load_strap_file(path)
    assert prof.name == path.stem
    # every fact the file states has a source (parse_strap enforces it; check the result too)
    stated = {k for k in prof.sources}
    assert {"sensor", "rr", "contact", "off_body"} <= stated
    for src in prof.sources.values():
        assert len(src) > 10


def test_required_families_present() -> None:
    profiles = load_straps()
    for name in REQUIRED_FAMILIES:
        assert name in profiles
    assert profiles["energy-status"].energy_expended == "status"


@pytest.mark.parametrize("adv_name, model, expected", [
    ("Polar H10 1A2B3C4D", None, "polar-h10"),
    ("Polar H9 0A1B2C3D", None, "polar-h9"),
    ("Polar OH1 12345678", None, "polar-oh1"),
    ("Polar Sense 9A8B7C6D", None, "polar-verity-sense"),
    ("HRM-Dual:123456", None, "garmin-hrm-dual"),
    ("HRM-Pro:654321", None, "garmin-hrm-pro"),
    ("TICKR X 1234", None, "wahoo-tickr"),
    ("TICKR FIT 1234", None, "generic"),
    ("H808S-1234", None, "coospo-h808s"),
    ("Unknown strap", None, "generic"),
    (None, None, "generic"),
    ("Some name", "HRM-Dual", "garmin-hrm-dual"),   # model string when the name says nothing
    ("Polar H10 1A2B3C4D", "HRM-Dual", "polar-h10"),  # the name wins over the model
])
def test_matching(adv_name: str | None, model: str | None, expected: str) -> None:
    assert match_strap(load_straps(), adv_name, model).name == expected


def test_name_matches_any_excludes_generic() -> None:
    profiles = load_straps()
    assert name_matches_any(profiles, "Random") is None
    assert name_matches_any(profiles, "TICKR 55AA").name == "wahoo-tickr"  # type: ignore[union-attr]


def test_signal_config_mapping() -> None:
    base = SignalConfig()
    profiles = load_straps()
    dual = profiles["garmin-hrm-dual"].signal_config(base)
    assert dual.drop_trailing_rr and not base.drop_trailing_rr
    optical = profiles["polar-verity-sense"].signal_config(base)
    assert optical.stale_no_rr_s < base.stale_no_rr_s
    assert optical.settle_s >= 20
    # a strap with no quirks changes nothing
    assert profiles["polar-h10"].signal_config(base) == base
    # settle time never lowers a stricter base
    strict = base.with_overrides(settle_s=60.0)
    assert profiles["polar-oh1"].signal_config(strict).settle_s == 60.0


def test_get_profile_unknown_lists_names() -> None:
    with pytest.raises(ProfileError, match="unknown.*polar-h10"):
        get_strap("nope")


def _write(tmp_path: Path, body: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


GOOD = """
sensor = "ecg"
rr = true
contact = "supported"
off_body = "contact-lost"
[sources]
sensor = "a public source 1"
rr = "a public source 2"
contact = "a public source 3"
off_body = "a public source 4"
"""


@pytest.mark.parametrize("body, key", [
    (GOOD.replace('rr = true', 'rr = true\nfoo = 1'), "foo"),
    (GOOD.replace('sensor = "ecg"', 'sensor = "laser"'), "sensor"),
    (GOOD.replace('rr = true', 'rr = "yes"'), "rr"),
    (GOOD.replace('rr = true', 'rr = true\nsettle_s = -3'), "settle_s"),
    (GOOD.replace('rr = true', "rr = true\nname_patterns = ['(unclosed']"), "name_patterns"),
    (GOOD.replace('off_body = "a public source 4"', ''), "off_body"),   # fact without a source
    (GOOD.replace('rr = true', 'rr = true\nenergy_expended = "kj"'), "energy_expended"),
    (GOOD.replace('contact = "supported"\n', '', 1), "contact"),       # missing required
    (GOOD + "[signal]\nno_such = 1\n", "no_such"),
    (GOOD + "[signal]\ngap_s = -1.0\n", "gap_s"),
    (GOOD + "[signal]\ndrop_trailing_rr = 3\n", "drop_trailing_rr"),
])
def test_bad_profile_names_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    p = _write(tmp_path, body)
    with pytest.raises(ProfileError) as e:
        load_strap_file(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_strap_file(_write(tmp_path, "sensor = ["))
    with pytest.raises(ProfileError, match="no such"):
        load_strap_file(tmp_path / "missing.toml")


def test_user_folder_overrides_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, GOOD.replace('rr = true', 'rr = false'), "polar-h10.toml")
    monkeypatch.setenv("HRZONE_FIRMWARE_PROFILES", str(tmp_path))
    profiles = load_straps()
    assert profiles["polar-h10"].rr is False
    assert GENERIC in profiles
