"""Bulk `log add`: exports into the history, in parallel, recognised again without decoding,
and Ctrl-C that keeps every session written so far."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, realdata
from exports import apple_health_zip, garmin_zip, strava_zip
from history_helpers import make_recording, wobbly

from hrzone.app import imports
from hrzone.cli import cli

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def profile() -> None:
    for k, v in (("method", "bpm"), ("moderate_bpm", "110"), ("high_bpm", "150"),
                 ("timezone", "Europe/Berlin")):
        assert run("profile", "set", k, v)[0] == 0


def sessions() -> list[dict]:
    return json.loads(run("log", "list", "--json")[1])


def _strava(tmp: Path) -> Path:
    files = [("fit", realdata("sweatpy/4078723797.fit").read_bytes(), "Big ride", "Ride"),
             ("gpx", realdata("sweatpy/4078723797_strava.gpx").read_bytes(), "Same ride", "Ride"),
             ("tcx", realdata("sweatpy/3173437224.tcx").read_bytes(), "Treadmill", "Run"),
             ("fit", realdata("fit/fitdecode__Activity.fit").read_bytes(), "No HR", "Run")]
    return strava_zip(tmp, files)


def test_strava_and_garmin_exports_into_the_history(tmp_path: Path, profile: None) -> None:
    strava = _strava(tmp_path)
    garmin = garmin_zip(tmp_path, [("1_ACTIVITY.fit", realdata("sweatpy/4078723797.fit").read_bytes()),
                                   ("2_ACTIVITY.fit", realdata("gc/HRV-Data.fit").read_bytes())])
    code, out, err = run("log", "add", "--json", "--jobs", "1", str(strava), str(garmin))
    assert code == 1  # the activity without heart rate is refused; the rest goes in
    rep = json.loads(out)
    assert (rep["added"], rep["linked"], rep["already"], rep["refused"]) == (3, 1, 1, 1)
    assert rep["skipped"] >= 6 and rep["interrupted"] is False
    by_name = {Path(f["file"]).name: f for f in rep["files"]}
    assert by_name["1000000001.gpx.gz"]["status"] == "linked"       # the Strava GPX of the ride
    assert by_name["1_ACTIVITY.fit"]["status"] == "already"        # same bytes as the .fit.gz
    assert "no valid heart rate" in by_name["1000000003.fit.gz"]["reason"]
    rows = sessions()
    assert len(rows) == 4
    (ride,) = [r for r in rows if r["path"].endswith("1000000000.fit.gz")]
    shown = json.loads(run("log", "show", str(ride["id"]), "--json")[1])
    assert shown["summary"]["activity"] == {"name": "Big ride", "sport": "Ride"}
    assert "Big ride" in run("log", "show", str(ride["id"]))[1]


def test_already_imported_files_are_recognised_without_decoding(
        tmp_path: Path, profile: None, monkeypatch: pytest.MonkeyPatch) -> None:
    strava = _strava(tmp_path)
    apple, truth = apple_health_zip(tmp_path, days=14, seed=2)
    assert run("log", "add", "--jobs", "1", str(strava), str(apple))[0] == 1
    n = len(sessions())
    assert n == 3 + len(truth)

    from hrzone import importers

    def no_decoding(self, *a, **k):  # noqa: ANN001 - any decoding now is a failure
        raise AssertionError(f"{self.name} decoded again")

    with monkeypatch.context() as m:
        m.setattr(importers.Format, "load", no_decoding)
        code, out, err = run("log", "add", "--json", "--jobs", "1", str(strava), str(apple))
    rep = json.loads(out)
    assert rep["added"] == 0 and rep["already"] == 4  # 3 Strava files + the Apple export
    # Only files that gave no session are read again (refusals and skips are not kept): the
    # activity without heart rate, the CSV files and the route that are not workouts.
    again = {Path(f["file"]).name for f in rep["files"] if f["status"] == "failed"}
    assert again == {"1000000003.fit.gz", "bikes.csv", "profile.csv", "ecg_2021-03-02.csv", "1.gpx"}
    assert len(sessions()) == n
    # Remove one Apple workout: the export is read again, the others are known by identity.
    apple_ids = [s["id"] for s in sessions() if s["format"] == "apple_health"]
    assert run("log", "rm", str(apple_ids[0]))[0] == 0
    code, out, _ = run("log", "add", "--json", "--jobs", "1", str(apple))
    rep = json.loads(out)
    assert (rep["added"], rep["already"]) == (1, len(truth) - 1)


def test_parallel_and_serial_give_the_same_history(tmp_path: Path, profile: None,
                                                   hrzone_home: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10):
        make_recording(folder / f"r{i:02d}.jsonl", T0 + timedelta(days=i), wobbly(8, 115 + i),
                       note=str(i))
    gz = folder / "z_ride.fit.gz"
    gz.write_bytes(gzip.compress(realdata("sweatpy/6449921903_ACTIVITY.fit").read_bytes()))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    code, out1, _ = run("log", "add", "--json", "--jobs", "2", str(folder))
    assert code == 0, out1
    first = [(s["id"], s["path"], s["minutes"]) for s in sessions()]
    os.remove(hrzone_home / "data" / "history.db")
    code, out2, _ = run("log", "add", "--json", "--jobs", "1", str(folder))
    assert code == 0
    assert [(s["id"], s["path"], s["minutes"]) for s in sessions()] == first
    assert json.loads(out1) == json.loads(out2)


def test_start_applies_to_one_file_only(tmp_path: Path, profile: None) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    for i in range(2):
        make_recording(folder / f"{i}.jsonl", T0 + timedelta(days=i), wobbly(3, 120), note=str(i))
    code, _, err = run("log", "add", "--start", "2026-03-01T07:00", str(folder))
    assert code == 1 and "--start applies to one file at a time" in err


def test_ctrl_c_keeps_the_sessions_written_so_far(tmp_path: Path, profile: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    files = [make_recording(tmp_path / f"{i}.jsonl", T0 + timedelta(days=i), wobbly(5, 120),
                            note=str(i)) for i in range(5)]
    real = imports.decode_entry
    calls = []

    def interrupted(entry, job):  # noqa: ANN001
        calls.append(entry.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(entry, job)

    with monkeypatch.context() as m:
        m.setattr(imports, "decode_entry", interrupted)
        m.setattr(imports, "_decode_tolerant", interrupted)
        code, out, err = run("log", "add", "--jobs", "1", *map(str, files))
    assert code == 130
    assert "2 added" in out
    assert "Interrupted: the 2 session(s) added before Ctrl-C are kept; 3 of 5" in err
    assert len(sessions()) == 2
    code, out, _ = run("log", "add", "--jobs", "1", *map(str, files))
    assert code == 0 and "3 added, 0 linked as the same workout, 2 already there" in out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_the_middle_of_a_write_is_held_until_it_is_counted(
        tmp_path: Path, profile: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SIGINT that arrives while a session is being stored (after the row is written,
    before the report has counted it) ends the batch only once that session is counted: the
    history and the report agree."""
    from hrzone import store

    files = [make_recording(tmp_path / f"{i}.jsonl", T0 + timedelta(days=i), wobbly(5, 120),
                            note=str(i)) for i in range(4)]
    real = store.add_summary
    calls = []

    def add_then_ctrl_c(*a, **kw):  # noqa: ANN002, ANN003
        r = real(*a, **kw)
        calls.append(r.id)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)   # Ctrl-C lands right after the write
        return r

    with monkeypatch.context() as m:
        m.setattr(store, "add_summary", add_then_ctrl_c)
        report = imports.add_paths(files, jobs=1)
    assert report.interrupted and report.kept == 2 == len(calls)
    assert len(sessions()) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_during_a_parallel_batch(tmp_path: Path, hrzone_home: Path, profile: None) -> None:
    """A real Ctrl-C (SIGINT to the process group) while two workers decode: exit 130, the
    history holds exactly the sessions the report says, none half-written."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(40):
        make_recording(folder / f"{i:02d}.jsonl", T0 + timedelta(days=i), wobbly(90, 120),
                       note=str(i))
    env = {**os.environ, "HRZONE_HOME": str(hrzone_home)}
    p = subprocess.Popen([sys.executable, "-m", "hrzone", "log", "add", "--jobs", "2",
                          str(folder)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    db_path = hrzone_home / "data" / "history.db"
    deadline = time.monotonic() + 60
    n = 0
    while time.monotonic() < deadline and p.poll() is None:
        if db_path.exists():
            try:
                with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as db:
                    n = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
            except sqlite3.Error:
                n = 0
            if n >= 3:
                break
        time.sleep(0.05)
    assert p.poll() is None, "the batch ended before it could be interrupted"
    os.killpg(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    kept = len(sessions())
    assert 3 <= kept < 40
    assert f"Interrupted: the {kept} session(s) added before Ctrl-C are kept" in err
    assert "Traceback" not in err
    code, out, _ = run("log", "add", "--jobs", "2", str(folder))
    assert code == 0 and f"{40 - kept} added" in out and f"{kept} already there" in out


def test_a_zip_of_recordings_and_its_member_names(tmp_path: Path, profile: None) -> None:
    recs = [make_recording(tmp_path / f"{i}.jsonl", T0 + timedelta(days=i), wobbly(5, 120),
                           note=str(i)) for i in range(3)]
    z = tmp_path / "group.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        for r in recs:
            f.write(r, f"participants/{r.name}")
    code, out, _ = run("log", "add", str(z))
    assert code == 0 and "3 added" in out
    assert sorted(s["path"] for s in sessions()) == [f"{z}/participants/{r.name}" for r in recs]
    # The plain files are the same content: recognised.
    code, out, _ = run("log", "add", *map(str, recs))
    assert code == 0 and "3 already there" in out


def test_progress_is_reported_per_file_with_counts(tmp_path: Path, profile: None) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    for i in range(3):
        make_recording(folder / f"{i}.jsonl", T0 + timedelta(days=i), wobbly(3, 120), note=str(i))
    (folder / "x.pdf").write_bytes(b"%PDF-1.4\n")
    calls: list[tuple[int, int, dict[str, int]]] = []
    rep = imports.add_paths([folder], on_progress=lambda d, n, c: calls.append((d, n, dict(c))),
                            jobs=1)
    assert [c[:2] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert calls[-1][2] == {"added": 3, "skipped": 1}
    assert rep.kept == 3 and rep.exit_code == 0 and not rep.interrupted
    assert rep.reasons("skipped") == [("a PDF document, not a workout file", 1)]


def test_the_report_lists_ten_refusals_then_groups_them(tmp_path: Path, profile: None) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.csv").write_text(f"time,heart_rate\n{i},0\n{i + 1},0\n")
    code, out, _ = run("log", "add", "--jobs", "1", str(folder))
    assert code == 1
    assert "0 added, 0 linked as the same workout, 0 already there, 12 refused" in out
    assert out.count("  refused ") == 10
    assert "... and 2 more refused (--json lists every file):" in out
    assert "12 x " in out
