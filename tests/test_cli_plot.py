"""`hrzone plot FILE -o session.png`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from conftest import RECORDINGS, realdata
from history_helpers import make_recording
from matplotlib.image import imread

from hrzone.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_plot_recording_and_real_file(tmp_path: Path) -> None:
    srcs = [p for p in (RECORDINGS / "walk30.jsonl",) if p.exists()]
    srcs.append(realdata("gc") / next(p.name for p in realdata("gc").iterdir()
                                      if p.suffix.lower() == ".tcx"))
    for i, src in enumerate(srcs):
        out = tmp_path / f"{i}.png"
        code, text, err = run("plot", str(src), "-o", str(out), "--age", "50", "--size", "640", "360")
        assert code == 0, err
        assert str(out) in text
        img = imread(out)
        assert img.shape[:2] == (360, 640) and img[..., :3].std() > 0.05


def test_plot_errors(tmp_path: Path) -> None:
    code, _, err = run("plot", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x.png"),
                       "--age", "50")
    assert code == 1 and "no such file" in err
    bare = make_recording(tmp_path / "bare.jsonl", datetime(2026, 11, 18, 7, tzinfo=UTC), [120] * 30)
    code, _, err = run("plot", str(bare), "-o", str(tmp_path / "x.png"))
    assert code == 1 and "no thresholds" in err  # no options, no profile, none in its header
    assert run("plot", str(tmp_path / "nope.jsonl"))[0] == 2  # -o is required
    code, _, err = run("plot", str(tmp_path / "n.jsonl"), "-o", "x.png", "--age", "50",
                       "--size", "10", "10")
    assert code == 1 and "not allowed" in err
