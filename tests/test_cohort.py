"""Cohort tables: `summary --table`, `--jobs`, `--shard K/N` (shards concatenate into exactly
the single-run table), Parquet when pyarrow is there and a clean error when it is not."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RECORDINGS, realdata
from history_helpers import make_recording, wobbly

from hrzone.cli import cli
from hrzone.cohort import NAMES, read_csv

THR = ["--moderate", "110", "--high", "150"]


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    """A study folder: participants' recordings, watch files (some gzipped, some zipped), a
    broken file and files that are not workouts."""
    root = tmp_path / "study"
    for p in range(4):
        d = root / f"participant_{p:02d}"
        d.mkdir(parents=True)
        for s in range(2):
            make_recording(d / f"session_{s}.jsonl", datetime(2026, 2, 2 + 7 * s, 9, 0,
                                                                 tzinfo=UTC) + timedelta(hours=p),
                           wobbly(6 + p, 105 + 10 * s), note=f"{p}-{s}")
    (root / "participant_00" / "ride.fit.gz").write_bytes(
        gzip.compress(realdata("sweatpy/6471559601_ACTIVITY.fit").read_bytes()))
    with zipfile.ZipFile(root / "participant_01" / "watch.zip", "w") as z:
        z.writestr("a.tcx", realdata("sweatpy/3173437224.tcx").read_bytes())
        z.writestr("b.gpx", realdata("gc/UrbanBiker2019-04-18_16-12.gpx").read_bytes())
    (root / "participant_02" / "broken.fit").write_bytes(
        realdata("fit/fitdecode__garmin-fenix-5-run.fit").read_bytes()[:20])
    (root / "participant_03" / "consent.pdf").write_bytes(b"%PDF-1.5\n")
    (root / "README.md").write_text("# study\n")
    return root


def test_table_has_one_row_per_session_and_one_per_file_without(cohort: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    code, _, err = run("summary", *THR, str(cohort), "--table", str(out))
    assert code == 1  # broken.fit failed; it has its row, the table is complete
    rows = read_csv(out)
    assert list(rows[0]) == list(NAMES)
    assert [r["status"] for r in rows].count("ok") == 8 + 1 + 2
    (broken,) = [r for r in rows if r["file"].endswith("broken.fit")]
    assert broken["status"] == "failed" and broken["error"]
    skipped = {Path(r["file"]).name for r in rows if r["status"] == "skipped"}
    assert skipped == {"consent.pdf", "README.md"}
    assert f"{out}: {len(rows)} row(s): 11 session(s), 2 skipped, 1 failed" in err
    assert out.stat().st_mode & 0o777 == 0o600
    # Each row says what `summary --json` says of that file.
    rec = cohort / "participant_02" / "session_1.jsonl"
    j = json.loads(run("summary", "--json", *THR, str(rec))[1])
    (r,) = [r for r in rows if r["file"] == str(rec)]
    assert float(r["credited_min"]) == j["minutes"]["credited"]
    assert float(r["moderate_s"]) == j["zones"]["moderate_s"]
    assert r["start"] == j["start"] and r["format"] == "recording"
    assert int(r["samples"]) == j["samples"] and r["has_rr"] == "true"


def test_shards_concatenate_into_the_single_run_table(cohort: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.csv"
    run("summary", *THR, str(cohort), "--table", str(whole), "--jobs", "1")
    single = whole.read_text()
    for n in (2, 3, 5):
        parts = []
        for k in range(1, n + 1):
            part = tmp_path / f"shard_{k}_of_{n}.csv"
            jobs = "2" if k % 2 else "1"
            run("summary", *THR, str(cohort), "--table", str(part), "--shard", f"{k}/{n}",
                "--jobs", jobs)
            parts.append(part.read_text())
        header = parts[0].splitlines(keepends=True)[0]
        assert all(p.startswith(header) for p in parts)
        joined = header + "".join(p[len(header):] for p in parts)
        assert joined == single, f"{n} shards"


def test_parallel_table_equals_serial(cohort: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    run("summary", *THR, str(cohort), "--table", str(a), "--jobs", "1")
    run("summary", *THR, str(cohort), "--table", str(b), "--jobs", "2")
    assert a.read_text() == b.read_text()


def test_bad_shard_and_table_names(tmp_path: Path) -> None:
    f = str(RECORDINGS / "walk30.jsonl")
    r = CliRunner().invoke(cli, ["summary", f, "--shard", "4/3"])
    assert r.exit_code == 2 and "K must be between 1 and N" in r.output
    r = CliRunner().invoke(cli, ["summary", f, "--shard", "x"])
    assert r.exit_code == 2
    code, _, err = run("summary", f, "--table", str(tmp_path / "t.xlsx"))
    assert code == 1 and "must be a .csv or .parquet file" in err


def test_parquet_table(cohort: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out, csv_out = tmp_path / "t.parquet", tmp_path / "t.csv"
    run("summary", *THR, str(cohort), "--table", str(out))
    run("summary", *THR, str(cohort), "--table", str(csv_out))
    t = pq.read_table(out)
    assert t.column_names == list(NAMES)
    rows = read_csv(csv_out)
    assert t.num_rows == len(rows)
    got = t.to_pylist()
    for a, b in zip(got, rows):
        assert a["file"] == b["file"] and a["status"] == b["status"]
        if b["credited_min"]:
            assert a["credited_min"] == float(b["credited_min"])


def test_parquet_without_pyarrow_is_one_clean_line(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyarrow" else real(name, *a))
    code, _, err = run("summary", str(RECORDINGS / "walk30.jsonl"), "--table",
                       str(tmp_path / "t.parquet"))
    assert code == 1 and err.count("\n") == 1 and "needs pyarrow" in err
    assert not (tmp_path / "t.parquet").exists()
