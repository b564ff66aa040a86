"""Folders, gzip files and zip archives (zips in zips): what `expand` lists, how entries read,
and the real export layouts (Strava, Garmin Connect, Apple Health) built from real files."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RECORDINGS, realdata
from exports import apple_health_zip, fit_file, garmin_zip, strava_zip

from hrzone.cli import cli
from hrzone.errors import ImportFormatError, NotAWorkout
from hrzone.importers import detect, load
from hrzone.importers.archive import MAX_DEPTH, Entry, expand, select
from hrzone.loader import load_workout

THR = ["--moderate", "110", "--high", "150"]


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def names(paths: list[Path | str]) -> list[str]:
    with expand(paths) as exp:
        return [e.name for e in exp.entries]


def test_gzip_of_every_format_is_read_by_content(tmp_path: Path) -> None:
    for rel in ("fit/fitdecode__garmin-fenix-5-run.fit", "sweatpy/3173437224.tcx",
                "gc/UrbanBiker2019-04-18_16-12.gpx", "rr/exercise_rri.hrm",
                "polar_sensor_logger/biobss__Polar_Sense_HR.txt"):
        src = realdata(rel)
        plain = load(src)
        gz = tmp_path / (src.name + ".gz")
        gz.write_bytes(gzip.compress(src.read_bytes()))
        odd = tmp_path / "no_extension"  # by content, not by name
        odd.write_bytes(gz.read_bytes())
        for p in (gz, odd):
            w = load(p)
            assert w.fmt == plain.fmt and len(w.series) == len(plain.series)
            assert w.series.hr_bpm.tolist() == plain.series.hr_bpm.tolist()
            assert w.start == plain.start
    rec = tmp_path / "walk30.jsonl.gz"
    rec.write_bytes(gzip.compress((RECORDINGS / "walk30.jsonl").read_bytes()))
    assert detect(rec) == "recording"
    w = load_workout(rec)
    assert w.fmt == "recording" and len(w.series) == len(load_workout(RECORDINGS / "walk30.jsonl").series)


def test_summary_of_a_gzipped_fit_is_the_same_as_the_fit(tmp_path: Path) -> None:
    fit = realdata("sweatpy/4078723797.fit")
    gz = tmp_path / "ride.fit.gz"
    gz.write_bytes(gzip.compress(fit.read_bytes()))
    a = run("summary", "--json", *THR, str(fit))[1]
    code, b, err = run("summary", "--json", *THR, str(gz))
    assert code == 0, err
    assert a.replace(str(fit), "X") == b.replace(str(gz), "X")


def test_zip_in_zip_and_members_named_inside(tmp_path: Path) -> None:
    fit = realdata("fit/fitdecode__garmin-fenix-5-walk.fit").read_bytes()
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("b/walk.fit", fit)
        z.writestr("a/walk.fit.gz", gzip.compress(fit))
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as z:
        z.write(inner, "nested/inner.zip")
        z.writestr("readme.txt", "hello")
        z.writestr(".DS_Store", b"\x00\x00\x00\x01Bud1")
        z.writestr("__MACOSX/._x", b"\x00")
    listed = names([outer])
    assert listed == [f"{outer}/nested/inner.zip/a/walk.fit.gz",
                      f"{outer}/nested/inner.zip/b/walk.fit", f"{outer}/readme.txt"]
    member = f"{outer}/nested/inner.zip/b/walk.fit"
    assert names([member]) == [member]
    w = load_workout(member)
    assert w.fmt == "fit" and str(w.path) == member
    with pytest.raises(ImportFormatError, match="holds several workouts"):
        load_workout(outer)
    with pytest.raises(ImportFormatError, match="no such file"):
        load_workout(f"{outer}/nested/missing.fit")
    code, out, err = run("summary", *THR, member)
    assert code == 0 and "walk.fit" in out, err


def test_a_zip_quine_stops_at_the_depth_limit(tmp_path: Path) -> None:
    data = b""
    for i in range(MAX_DEPTH + 2):
        p = tmp_path / f"z{i}.zip"
        with zipfile.ZipFile(p, "w") as z:
            if data:
                z.writestr(f"z{i - 1}.zip", data)
            else:
                z.writestr("x.txt", "x")
        data = p.read_bytes()
    with expand([tmp_path / f"z{MAX_DEPTH + 1}.zip"]) as exp:
        (e,) = exp.entries
        assert "nested more than" in e.skip


def test_damaged_archives_are_one_entry_with_one_line(tmp_path: Path) -> None:
    good = tmp_path / "a.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("walk.fit", realdata("fit/fitdecode__garmin-fenix-5-walk.fit").read_bytes())
    raw = bytearray(good.read_bytes())
    cut = tmp_path / "cut.zip"
    cut.write_bytes(bytes(raw[: len(raw) // 2]))
    flipped = tmp_path / "flipped.zip"
    raw[60] ^= 0xFF  # inside the deflated member: a CRC or inflate error when read
    flipped.write_bytes(bytes(raw))
    bad_gz = tmp_path / "x.fit.gz"
    bad_gz.write_bytes(gzip.compress(b"0" * 20000)[:-30])
    code, out, err = run("summary", "--json", *THR, str(cut), str(flipped), str(bad_gz))
    assert code == 1
    lines = [ln for ln in out.splitlines()]
    assert len(lines) == 3
    for ln in lines + err.strip().splitlines():
        assert len(ln) < 400 and "Traceback" not in ln


def test_files_that_are_not_workouts_are_skipped_with_a_short_reason(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(5000))
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n" + bytes(100))
    (folder / "sub" / "walk30.truth.json").write_bytes((RECORDINGS / "walk30.truth.json").read_bytes())
    (folder / "other.json").write_text('{"a": 1, "b": [1, 2, 3]}')
    (folder / "wellness.fit").write_bytes(fit_file("monitoring_b"))
    (folder / "course.fit").write_bytes(fit_file("course"))
    (folder / "notes.txt").write_text("went for a run\n")
    (folder / "walk30.jsonl").write_bytes((RECORDINGS / "walk30.jsonl").read_bytes())
    code, out, err = run("summary", *THR, str(folder))
    assert code == 0, err
    skipped = [ln for ln in err.splitlines() if ": skipped (" in ln]
    assert len(skipped) == 7
    assert any("a JPEG image" in ln for ln in skipped)
    assert any("simulator ground truth" in ln for ln in skipped)
    assert any("monitoring (wellness) data" in ln for ln in skipped)
    assert all(len(ln) < 200 for ln in err.splitlines())
    assert "walk30.jsonl" in out
    # Named alone, a file that is not a workout is an error (one short line, exit 1).
    code, _, err = run("summary", *THR, str(folder / "photo.jpg"))
    assert code == 1 and err.strip().endswith("a JPEG image, not a workout file")
    with pytest.raises(NotAWorkout, match="simulator ground truth"):
        load(folder / "sub" / "walk30.truth.json")


def test_strava_export_names_types_and_layout(tmp_path: Path) -> None:
    files = [("fit", realdata("sweatpy/4078723797.fit").read_bytes(), 'Big "ride", day 1', "Ride"),
             ("gpx", realdata("gc/UrbanBiker2019-04-18_16-12.gpx").read_bytes(), "Commute", "Ride"),
             # Strava's TCX files start with spaces before the XML declaration
             ("tcx", b"          " + realdata("sweatpy/3173437224.tcx").read_bytes(), "Run", "Run")]
    z = strava_zip(tmp_path, files)
    table = tmp_path / "t.csv"
    code, _, err = run("summary", *THR, str(z), "--table", str(table))
    assert code == 0, err
    from hrzone.cohort import read_csv

    rows = {Path(r["file"]).name: r for r in read_csv(table)}
    ride = rows["1000000000.fit.gz"]
    assert (ride["status"], ride["name"], ride["sport"]) == ("ok", 'Big "ride", day 1', "Ride")
    assert rows["1000000002.tcx.gz"]["status"] == "ok"
    assert rows["activities.csv"]["status"] == "skipped"
    assert rows["photo1.jpg"]["status"] == rows["1.gpx"]["status"] == "skipped"
    assert "route" in rows["1.gpx"]["error"]


def test_garmin_export_nested_zips_and_wellness_files(tmp_path: Path) -> None:
    acts = [("alice_1_ACTIVITY.fit", realdata("sweatpy/6449921903_ACTIVITY.fit").read_bytes()),
            ("alice_2_ACTIVITY.fit", realdata("fit/fitdecode__garmin-fenix-5-run.fit").read_bytes())]
    z = garmin_zip(tmp_path, acts, [("alice_3_WELLNESS.fit", fit_file("monitoring_b")),
                                    ("alice_4_SLEEP_DATA.fit", fit_file("sleep"))])
    code, out, err = run("summary", "--json", *THR, str(z))
    assert code == 0, err
    import json

    docs = [json.loads(ln) for ln in out.splitlines()]
    ok = [d for d in docs if "minutes" in d]
    assert sorted(Path(d["file"]).name for d in ok) == ["alice_1_ACTIVITY.fit",
                                                       "alice_2_ACTIVITY.fit"]
    assert all("UploadedFiles_0-_Part1.zip/" in d["file"] for d in ok)
    skipped = {Path(d["file"]).name: d["skipped"] for d in docs if "skipped" in d}
    assert "not an activity" in skipped["alice_3_WELLNESS.fit"]
    assert "not an activity" in skipped["alice_4_SLEEP_DATA.fit"]
    assert "JSON" in skipped["user_profile.json"]


def test_apple_health_zip_routes_skipped_workouts_read(tmp_path: Path) -> None:
    z, truth = apple_health_zip(tmp_path, days=21, seed=4)
    with expand([z]) as exp:
        routes = [e for e in exp.entries if "workout-routes/" in e.name]
        assert routes and all("route of an Apple Health workout" in e.skip for e in routes)
    code, out, err = run("summary", "--json", *THR, str(z))
    assert code == 0, err
    import json

    docs = [json.loads(ln) for ln in out.splitlines()]
    sessions = [d for d in docs if d.get("format") == "apple_health"]
    assert len(sessions) == len(truth)


def test_select_slices_concatenate_to_the_whole() -> None:
    entries = [Entry(str(i), str(i)) for i in range(23)]
    for n in (1, 2, 3, 7, 23, 30):
        parts = [select(entries, (k, n)) for k in range(1, n + 1)]
        assert [e for p in parts for e in p] == entries
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    with pytest.raises(ValueError):
        select(entries, (0, 3))


def test_missing_files_and_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run("summary", *THR, str(tmp_path / "empty"))
    assert code == 1 and "no workout files" in err
    code, _, err = run("summary", *THR, str(tmp_path / "nope.fit"))
    assert code == 1 and "no such file" in err


def test_replay_and_plot_take_gzip_files_and_archive_members(tmp_path: Path) -> None:
    fit = realdata("sweatpy/6449921903_ACTIVITY.fit").read_bytes()
    gz = tmp_path / "ride.fit.gz"
    gz.write_bytes(gzip.compress(fit))
    z = tmp_path / "rides.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("a/ride.fit", fit)
        f.writestr("a/walk.jsonl.gz", gzip.compress((RECORDINGS / "walk30.jsonl").read_bytes()))
    code, out, err = run("replay", "--fast", "--json", *THR, str(gz))
    assert code == 0, err
    assert '"type":"summary"' in out
    code, out, err = run("replay", "--fast", *THR, f"{z}/a/walk.jsonl.gz")
    assert code == 0 and "29:5" in out, err
    png = tmp_path / "p.png"
    code, _, err = run("plot", *THR, f"{z}/a/ride.fit", "-o", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG", err


def test_shift_fit_moves_every_date_and_keeps_the_samples() -> None:
    from datetime import timedelta

    from exports import shift_fit

    from hrzone.importers.archive import BytesSource

    data = realdata("fit/fitparse__sample_mulitple_header.fit").read_bytes()  # chained files
    a = load(BytesSource("a.fit", data))
    b = load(BytesSource("b.fit", shift_fit(data, 86400 * 1000 + 7)))
    assert b.start - a.start == timedelta(days=1000, seconds=7) and not b.warnings
    assert b.series.hr_bpm.tolist() == a.series.hr_bpm.tolist()
    assert b.series.t_s.tolist() == a.series.t_s.tolist()
