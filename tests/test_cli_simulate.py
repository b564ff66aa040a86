"""`hrzone simulate`: files written, output, determinism and error paths."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from hrzone.cli import cli
from hrzone.recording import read_recording
from hrzone.simulator import read_truth

SMALL = """
name = "tiny"
[person]
rest_bpm = 60
max_bpm = 180
[artifacts]
dropout = { count = 1, min_s = 8, max_s = 12 }
ectopic_per_min = 1.0
[[segments]]
duration_s = 120
workload = 0.5
[[segments]]
duration_s = 60
workload = "rest"
"""


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.toml"
    p.write_text(SMALL)
    return p


def test_writes_recording_and_truth_private(tmp_path: Path, plan_file: Path) -> None:
    out = tmp_path / "s.jsonl"
    res = run("simulate", "--plan", str(plan_file), "--seed", "4", "-o", str(out))
    assert res.exit_code == 0, res.output
    truth = tmp_path / "s.truth.json"
    assert f"wrote {out}" in res.output and f"wrote {truth}" in res.output
    for p in (out, truth):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    rec = read_recording(out)
    assert rec.header.source == "simulator" and rec.header.extra == {"plan": "tiny", "seed": 4}
    assert len(rec.notifications) < 180  # the dropout removed some
    doc = read_truth(truth)
    assert {a["kind"] for a in doc["artifacts"]} == {"dropout", "ectopic"}


def test_json_output_and_byte_identical_reruns(tmp_path: Path, plan_file: Path) -> None:
    outs = []
    for d in ("a", "b"):
        out = tmp_path / d / "s.jsonl"
        out.parent.mkdir()
        res = run("simulate", "--plan", str(plan_file), "--seed", "9", "-o", str(out), "--json")
        assert res.exit_code == 0
        doc = json.loads(res.output)
        assert doc["recording"] == str(out) and doc["duration_s"] == 180
        assert doc["totals"]["low_s"] + doc["totals"]["moderate_s"] + doc["totals"]["high_s"] \
            == doc["totals"]["observable_s"]
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert (tmp_path / "a" / "s.truth.json").read_bytes() == (tmp_path / "b" / "s.truth.json").read_bytes()


def test_builtin_plan_start_and_no_artifacts(tmp_path: Path) -> None:
    out = tmp_path / "n.jsonl"
    res = run("simulate", "--plan", "noisy", "--seed", "1", "-o", str(out), "--no-artifacts",
              "--start", "2025-05-01T18:00:00+02:00", "--json")
    assert res.exit_code == 0
    assert json.loads(res.output)["artifacts"] == 0
    assert read_recording(out).header.created == "2025-05-01T18:00:00.000+02:00"


def test_duration_repeats_the_plan(tmp_path: Path, plan_file: Path) -> None:
    out = tmp_path / "long.jsonl"
    res = run("simulate", "--plan", str(plan_file), "-o", str(out), "--duration", "1h30m", "--json")
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["duration_s"] == 5400
    truth = read_truth(tmp_path / "long.truth.json")
    assert sum(a["kind"] == "dropout" for a in truth["artifacts"]) == 30  # one per 3-min cycle


def test_list_plans() -> None:
    res = run("simulate", "--list", "--json")
    assert res.exit_code == 0
    assert [r["name"] for r in json.loads(res.output)] == ["walk30", "intervals", "gentle", "noisy",
                                                           "ride2h", "hot45"]
    assert "ride2h" in run("simulate", "--list").output


def test_bad_plan_exits_1_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("workload = 0.5", "workload = 5"))
    res = CliRunner().invoke(cli, ["simulate", "--plan", str(bad), "-o", str(tmp_path / "x.jsonl")])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "segments[0].workload" in lines[0]
    assert not (tmp_path / "x.jsonl").exists()
    res = CliRunner().invoke(cli, ["simulate", "--plan", "nonesuch", "-o", str(tmp_path / "x.jsonl")])
    assert res.exit_code == 1 and len(res.output.strip().splitlines()) == 1


def test_refuses_to_overwrite_without_force(tmp_path: Path, plan_file: Path) -> None:
    out = tmp_path / "s.jsonl"
    assert run("simulate", "--plan", str(plan_file), "-o", str(out)).exit_code == 0
    res = CliRunner().invoke(cli, ["simulate", "--plan", str(plan_file), "-o", str(out), "--seed", "2"])
    assert res.exit_code == 1 and "already exists" in res.output
    res = run("simulate", "--plan", str(plan_file), "-o", str(out), "--seed", "2", "--force")
    assert res.exit_code == 0 and read_recording(out).header.extra["seed"] == 2


@pytest.mark.parametrize("args", [
    ["--duration", "soon"], ["--start", "yesterday"], [],
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    base = ["simulate", "--plan", "walk30", "-o", str(tmp_path / "x.jsonl")] if args else ["simulate"]
    res = CliRunner().invoke(cli, base + args)
    assert res.exit_code == 2
