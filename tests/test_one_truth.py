"""One truth for every number: every screen shows the same credited minutes for a session.

For every bundled recording and several real files (FIT, TCX, GPX): `summary --json`,
`log show --json` after `log add`, `week --json` for the session's week, the end summary of the
session run through the live core (`live --virtual ... --speed 0 --save --json` for recordings,
`replay --fast --json` for imported files) and the spoken end cue (its `--cue-log` line) give
the same shown minutes (hrzone.credit.shown_min). Everything runs in process with HRZONE_HOME
in a temporary folder (conftest).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import RECORDINGS, realdata

from hrzone.cli import cli

REAL_FILES = ["fit/fitdecode__2013-02-06-12-11-14.fit", "gc/2009_08_30_21_17_25.tcx",
              "gc/UrbanBiker2019-04-18_16-12.gpx", "sweatpy/3173437224.tcx"]
END_CUE = re.compile(r"Session done\. ([0-9.]+) minutes? credited; ([0-9.]+) of ")


def run(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, (args, r.output)
    return r.stdout


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture(autouse=True)
def profile() -> None:
    for k, v in (("method", "bpm"), ("moderate_bpm", "100"), ("high_bpm", "130"),
                 ("timezone", "UTC")):
        run("profile", "set", k, v)


def end_cue(log: Path) -> tuple[float, float]:
    """(session, week) minutes said by the spoken end cue in a --cue-log file."""
    ends = [c for c in jsonl(log.read_text()) if c["kind"] == "end"]
    m = END_CUE.match(ends[-1]["text"])
    assert m, ends
    return float(m.group(1)), float(m.group(2))


def screens(path: Path, tmp_path: Path) -> dict[str, float]:
    """Credited minutes of `path` on every screen."""
    got: dict[str, float] = {}
    s = json.loads(run("summary", str(path), "--json"))
    got["summary"] = s["minutes"]["credited"]
    log = tmp_path / "cues.jsonl"
    if path.suffix == ".jsonl":
        out = run("live", "--virtual", str(path), "--speed", "0", "--save", "--json",
                  "--record", str(tmp_path / "live.jsonl"), "--audio", "off",
                  "--cue-log", str(log))
    else:
        out = run("replay", str(path), "--fast", "--json", "--audio", "off",
                  "--cue-log", str(log))
    got["live end summary"] = next(o for o in jsonl(out) if o["type"] == "summary")[
        "minutes"]["credited"]
    got["spoken end cue"], week_said = end_cue(log)
    assert week_said >= got["spoken end cue"]
    added = json.loads(run("log", "add", str(path), "--json"))
    sid = added["files"][0]["id"]
    shown = json.loads(run("log", "show", str(sid), "--json"))
    got["log show"] = shown["minutes"]["credited"]
    day = datetime.fromisoformat(s["start"]).date().isoformat()
    week = json.loads(run("week", "--date", day, "--json"))
    got["week"] = week["credited"]
    got["week's day"] = next(d["credited"] for d in week["days"] if d["date"] == day)
    return got


def check(got: dict[str, float]) -> None:
    assert got["summary"] > 0
    assert len(set(got.values())) == 1, got


@pytest.mark.parametrize("name", sorted(p.name for p in RECORDINGS.glob("*.jsonl")))
def test_bundled_recording_same_minutes_everywhere(name: str, tmp_path: Path) -> None:
    check(screens(RECORDINGS / name, tmp_path))


@pytest.mark.parametrize("rel", REAL_FILES)
def test_real_file_same_minutes_everywhere(rel: str, tmp_path: Path) -> None:
    check(screens(realdata(rel), tmp_path))
