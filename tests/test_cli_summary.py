"""`hrzone summary`: text and JSON output, threshold options, errors and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from synth import beats_for, series_from_beats, write_recording

from hrzone.cli import cli
from hrzone.zones import resolve_thresholds

TH = resolve_thresholds("bpm", moderate=100, high=130)


@pytest.fixture
def rec(tmp_path):
    rr = beats_for(lambda t: 90 if t < 120 else 115 if t < 420 else 140, 600, seed=2)
    p = tmp_path / "session.jsonl"
    write_recording(p, series_from_beats(rr), TH)
    return p


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_summary_json_schema_and_values(rec):
    r = invoke("summary", rec, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    for key in ("file", "start", "duration_s", "valid_s", "hr", "zones", "minutes", "thresholds",
                "artifacts", "gaps", "cues"):
        assert key in d
    assert d["thresholds"] == {"method": "bpm", "moderate_bpm": 100.0, "high_bpm": 130.0,
                               "ceiling_bpm": None}
    z = d["zones"]
    # 2 min low, 5 min moderate, 3 min high, less the few seconds each transition takes
    assert z["low_s"] == pytest.approx(120, abs=12)
    assert z["moderate_s"] == pytest.approx(300, abs=12)
    assert z["high_s"] == pytest.approx(180, abs=12)
    m = d["minutes"]
    # Each is rounded once from unrounded seconds (hrzone.credit.shown_min).
    assert m["credited"] == pytest.approx(m["moderate"] + 2 * m["vigorous"], abs=0.15)
    assert d["start"].startswith("2026-11-16T09:00:01")
    assert [c["zone"] for c in d["cues"] if c["kind"] == "zone"] == ["low", "moderate", "high"]


def test_threshold_options_override_the_file(rec):
    d = json.loads(invoke("summary", rec, "--json", "--moderate", "80", "--high", "150").output)
    assert d["thresholds"]["moderate_bpm"] == 80.0
    assert d["zones"]["high_s"] == 0 and d["zones"]["moderate_s"] > 550


def test_text_output(rec):
    r = invoke("summary", rec)
    assert r.exit_code == 0
    assert "credited" in r.output and "moderate from 100 bpm" in r.output


def test_many_files_keep_going_and_fail_at_the_end(rec, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("garbage\n")
    r = invoke("summary", rec, bad, rec, "--json")
    assert r.exit_code == 1
    lines = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert [("error" in x) for x in lines] == [False, True, False]
    assert str(bad) in lines[1]["error"]


@pytest.mark.parametrize("content,msg", [
    (None, "no such file"), ("", "file is empty"),
    ('{"format":"hrzone-recording","version":"9.0","created":"2026-01-01T00:00:00+00:00"}\n',
     "version '9.0'"),
])
def test_bad_files_one_line_exit_1(tmp_path, content, msg):
    p = tmp_path / "x.jsonl"
    if content is not None:
        p.write_text(content)
    r = invoke("summary", p)
    assert r.exit_code == 1
    err = r.stderr.strip()
    assert err.startswith("Error:") and msg in err and str(p) in err
    assert len(err.splitlines()) == 1 and "Traceback" not in r.output


def test_corrupt_line_named(rec):
    with open(rec, "a") as f:
        f.write('{"t": 999000000000, "w": 1, "p": "xyz"}\n{"t": 999000000001, "w": 1, "p": "0050"}\n')
    r = invoke("summary", rec)
    n = len(rec.read_text().splitlines()) - 1
    assert r.exit_code == 1 and f"line {n}: payload 'p' is not hex" in r.stderr


def test_bad_thresholds_exit_1(rec):
    r = invoke("summary", rec, "--moderate", "140", "--high", "120")
    assert r.exit_code == 1 and "must be below high" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_no_thresholds_anywhere(tmp_path):
    p = tmp_path / "n.jsonl"
    write_recording(p, series_from_beats(beats_for(lambda t: 100, 60)))
    r = invoke("summary", p)
    assert r.exit_code == 1 and "no thresholds" in r.stderr


def test_usage_error_exit_2(rec):
    r = CliRunner().invoke(cli, ["summary", str(rec), "--method", "nonsense"])
    assert r.exit_code == 2


def test_malformed_notifications_are_skipped_and_reported(tmp_path):
    p = tmp_path / "m.jsonl"
    write_recording(p, series_from_beats(beats_for(lambda t: 100, 60)), TH)
    lines = p.read_text().splitlines()
    lines.insert(10, '{"t": %d, "w": 1, "p": "10"}' % json.loads(lines[9])["t"])
    p.write_text("\n".join(lines) + "\n")
    d = json.loads(invoke("summary", p, "--json").output)
    assert d["malformed"] == 1 and "malformed" in d["warnings"][0]


def test_unexpected_error_is_one_line(monkeypatch, rec):
    import hrzone.app.files as mod

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(mod, "summarise_workout", boom)
    r = CliRunner().invoke(cli, ["summary", str(rec)])
    assert r.exit_code == 1 and "--debug" in r.stderr and "Traceback" not in r.stderr


def test_generic_csv_columns_by_option(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("when,pulse\n" + "".join(f"{i},{110 + i % 3}\n" for i in range(120)))
    r = invoke("summary", p, "--moderate", "100", "--high", "130")
    assert r.exit_code == 1 and "--time-col" in r.stderr
    d = json.loads(invoke("summary", p, "--time-col", "when", "--hr-col", "pulse",
                          "--moderate", "100", "--high", "130", "--json").output)
    assert d["format"] == "csv" and d["zones"]["moderate_s"] == pytest.approx(119, abs=1)
    r = invoke("summary", p, "--time-col", "when", "--format", "recording")
    assert r.exit_code == 1
