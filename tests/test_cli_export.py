"""`hrzone export ID|FILE --tcx/--csv`."""

from __future__ import annotations

import csv
import stat
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from history_helpers import make_recording, wobbly

from hrzone.cli import cli
from hrzone.export import TCX_NS

BERLIN = ZoneInfo("Europe/Berlin")


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def session(tmp_path: Path) -> Path:
    f = make_recording(tmp_path / "a.jsonl", datetime(2026, 11, 18, 7, 0, tzinfo=BERLIN),
                       wobbly(5, 120))
    assert run("log", "add", str(f), "--moderate", "100", "--high", "140")[0] == 0
    return f


def test_export_id_to_tcx_and_csv(session: Path, tmp_path: Path) -> None:
    tcx, out_csv = tmp_path / "o.tcx", tmp_path / "o.csv"
    code, out, _ = run("export", "1", "--tcx", str(tcx), "--csv", str(out_csv))
    assert code == 0 and "wrote" in out
    for p in (tcx, out_csv):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    root = ET.parse(tcx).getroot()
    assert len(root.findall(f".//{{{TCX_NS}}}Trackpoint")) == 300
    with open(out_csv) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 300 and rows[0]["hr_raw_bpm"] == "120"


def test_export_falls_back_to_stored_seconds_when_the_file_is_gone(session: Path,
                                                                    tmp_path: Path) -> None:
    session.unlink()
    code, _, err = run("export", "1", "--csv", str(tmp_path / "o.csv"))
    assert code == 0, err
    with open(tmp_path / "o.csv") as f:
        rows = list(csv.DictReader(f))
    assert 295 <= len(rows) <= 300 and rows[0]["hr_raw_bpm"] == ""
    assert {r["zone"] for r in rows if r["valid"] == "1"} == {"moderate"}


def test_export_file_uses_options(session: Path, tmp_path: Path) -> None:
    code, _, err = run("export", str(session), "--csv", str(tmp_path / "o.csv"), "--age", "50")
    assert code == 0, err


def test_export_errors(tmp_path: Path) -> None:
    assert run("export", "1")[0] == 2  # neither --tcx nor --csv
    code, _, err = run("export", "7", "--tcx", str(tmp_path / "o.tcx"))
    assert code == 1 and "no session with id 7" in err
