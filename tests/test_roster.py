"""The roster: validation with one-line errors naming the row and field, storage, removal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hrzone import roster, store
from hrzone.app.roster import add_person, import_people, list_people, remove_person
from hrzone.cli import cli
from hrzone.roster import RosterError, check_strap, person_from_options

BPM = {"moderate": 100, "high": 130}


@pytest.mark.parametrize("strap,expected", [
    ("f0:c1:a5:50:00:01", "F0:C1:A5:50:00:01"),
    ("0A1B2C3D-1111-2222-3333-444455556666", "0A1B2C3D-1111-2222-3333-444455556666"),
    ("Polar H10 1A2B3C4D", "Polar H10 1A2B3C4D"),
])
def test_strap_ids(strap: str, expected: str):
    assert check_strap(strap) == expected


@pytest.mark.parametrize("strap", ["F0:C1:A5:50:00", "ZZ:C1:A5:50:00:01", "", "0A1B2C3D-1111-2222"])
def test_unknown_strap_id_format_is_one_line(strap: str):
    with pytest.raises(RosterError) as e:
        person_from_options("Anna", strap, BPM)
    assert "\n" not in str(e.value) and "strap" in str(e.value)


@pytest.mark.parametrize("opts,words", [
    ({"moderate": 130, "high": 100}, "must be below high"),
    ({"moderate": 100, "high": 130, "ceiling": 90}, "--ceiling"),
    ({"age": 200}, "--age"),
    ({"rest": 60}, "--max or --age"),
    ({}, "no thresholds"),
])
def test_impossible_thresholds_are_one_line(opts: dict, words: str):
    with pytest.raises(RosterError) as e:
        person_from_options("Anna", "F0:00:00:00:00:01", opts)
    assert "\n" not in str(e.value) and words in str(e.value) and "Anna" in str(e.value)


def test_cue_settings_and_target_are_checked():
    with pytest.raises(RosterError, match="unknown cue setting 'loud'"):
        person_from_options("Anna", "F0:00:00:00:00:01", BPM, cues={"loud": True})
    with pytest.raises(RosterError, match="target 'max'"):
        person_from_options("Anna", "F0:00:00:00:00:01", BPM, target="max")
    p = person_from_options("Anna", "F0:00:00:00:00:01", BPM, cues={"ceiling_repeat_s": 90})
    assert p.cue_prefs().ceiling_repeat_s == 90


def test_duplicate_names_and_straps_are_refused():
    add_person("Anna", "F0:00:00:00:00:01", BPM)
    with pytest.raises(RosterError, match="'anna' is already on the roster"):
        add_person("anna", "F0:00:00:00:00:02", BPM)
    with pytest.raises(RosterError, match="already Anna's"):
        add_person("Ben", "f0:00:00:00:00:01", BPM)
    assert [p.name for p in list_people()] == ["Anna"]


def test_import_names_the_row_and_adds_all_or_none(tmp_path: Path):
    good = tmp_path / "people.csv"
    good.write_text("name,strap,age,rest,max,moderate,high,ceiling,target,cues\n"
                    "Anna,F0:00:00:00:00:01,52,74,,,,140,moderate,ceiling_repeat_s=90\n"
                    "Ben,Polar H10 1A2B3C4D,,,,95,120,,low,\n", encoding="utf-8")
    added = import_people(good)
    assert [(p.name, p.thresholds.method, p.target) for p in added] == [
        ("Anna", "hrr", "moderate"), ("Ben", "bpm", "low")]
    bad = tmp_path / "more.csv"
    bad.write_text("name,strap,moderate,high\nCora,F0:00:00:00:00:03,100,130\n"
                   "Dev,F0:00:00:00:00:04,130,100\n", encoding="utf-8")
    with pytest.raises(RosterError) as e:
        import_people(bad)
    assert str(e.value).startswith(f"{bad} row 3: Dev: thresholds")
    dup = tmp_path / "dup.csv"
    dup.write_text("name,strap,moderate,high\nEve,F0:00:00:00:00:05,100,130\n"
                   "eve,F0:00:00:00:00:06,100,130\n", encoding="utf-8")
    with pytest.raises(RosterError, match=f"{dup} row 3: 'eve' is already on the roster"):
        import_people(dup)
    assert [p.name for p in list_people()] == ["Anna", "Ben"]    # nothing of the bad files
    odd = tmp_path / "odd.csv"
    odd.write_text("name,strap,colour\nX,F0:00:00:00:00:07,red\n", encoding="utf-8")
    with pytest.raises(RosterError, match="unknown column"):
        import_people(odd)


def test_removing_a_person_removes_their_data_only():
    a = add_person("Anna", "F0:00:00:00:00:01", BPM)
    b = add_person("Ben", "F0:00:00:00:00:02", BPM)
    for p in (a, b):
        store.open_db(roster.person_history(p.id)).close()
    remove_person("anna")
    assert not roster.person_history(b.id).parent.parent.joinpath(str(a.id)).exists()
    assert roster.person_history(b.id).exists()
    c = add_person("Anna", "F0:00:00:00:00:01", BPM)
    assert c.id not in (a.id, b.id)                 # a new Anna never sees the old one's folder


def test_cli_roster_commands_and_one_line_errors():
    r = CliRunner()
    ok = r.invoke(cli, ["class", "roster", "add", "Anna", "--strap", "F0:00:00:00:00:01",
                        "--moderate", "100", "--high", "130", "--ceiling", "140",
                        "--cue", "ceiling_repeat_s=90"], catch_exceptions=False)
    assert ok.exit_code == 0 and "added Anna" in ok.output
    bad = r.invoke(cli, ["class", "roster", "add", "Ben", "--strap", "F0:00:00",
                         "--moderate", "100", "--high", "130"], catch_exceptions=False)
    assert bad.exit_code == 1
    assert bad.output.count("\n") == 1 and "not a Bluetooth address" in bad.output
    dup = r.invoke(cli, ["class", "roster", "add", "ANNA", "--strap", "F0:00:00:00:00:09",
                         "--moderate", "100", "--high", "130"], catch_exceptions=False)
    assert dup.exit_code == 1 and "already on the roster" in dup.output
    js = r.invoke(cli, ["class", "roster", "list", "--json"], catch_exceptions=False)
    assert '"name":"Anna"' in js.output and '"ceiling_bpm":140.0' in js.output
    show = r.invoke(cli, ["class", "roster", "show", "anna"], catch_exceptions=False)
    assert "0 session(s)" in show.output
    gone = r.invoke(cli, ["class", "roster", "rm", "Zed", "--yes"], catch_exceptions=False)
    assert gone.exit_code == 1 and "not on the roster (Anna)" in gone.output
    rm = r.invoke(cli, ["class", "roster", "rm", "Anna"], input="y\n", catch_exceptions=False)
    assert rm.exit_code == 0 and list_people() == []
