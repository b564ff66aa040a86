"""Plots: PNGs of the expected pixel size that are not blank, for recordings and real files."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import RECORDINGS, realdata
from matplotlib.image import imread

from hrzone.plot import SESSION_SIZE_PX, WEEK_SIZE_PX, plot_week, plot_workout_file
from hrzone.week import DayTotal, week_report
from hrzone.zones import resolve_thresholds

THR = resolve_thresholds("hrr", age=45, rest=60, ceiling=165)


def _check_png(path: Path, size: tuple[int, int]) -> np.ndarray:
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    img = imread(path)
    assert img.shape[1] == size[0] and img.shape[0] == size[1]
    rgb = img[..., :3]
    # Not blank: real variation, several distinct colours, and not mostly one colour.
    assert rgb.std() > 0.05
    colours = np.unique((rgb.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 20
    return rgb


def _has_colour(rgb: np.ndarray, hex_colour: str, min_px: int = 50) -> bool:
    want = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return int(np.sum(np.all(np.abs(rgb - want) < 0.02, axis=-1))) >= min_px


@pytest.mark.parametrize("name", ["intervals.jsonl", "noisy.jsonl"])
def test_session_plot_of_bundled_recording(tmp_path: Path, name: str) -> None:
    src = RECORDINGS / name
    if not src.exists():
        pytest.skip(f"{src} is absent (bundled recordings)")
    out = plot_workout_file(src, THR, tmp_path / "s.png")
    rgb = _check_png(out, SESSION_SIZE_PX)
    # Zone bands are shaded (low, moderate, high colours all present).
    for colour in ("#dbe9f6", "#d9f0d3", "#fde0c5"):
        assert _has_colour(rgb, colour), colour


def test_session_plot_of_real_fit(tmp_path: Path) -> None:
    src = realdata("sweatpy/4078723797.fit")
    out = plot_workout_file(src, THR, tmp_path / "fit.png", size_px=(800, 400))
    _check_png(out, (800, 400))


def test_session_plot_marks_invalid_stretches(tmp_path: Path) -> None:
    src = realdata("polar_sensor_logger")
    files = sorted(p for p in src.iterdir() if p.suffix in (".txt", ".csv"))
    if not files:
        pytest.skip("no Polar Sensor Logger export")
    out = plot_workout_file(files[0], THR, tmp_path / "p.png")
    rgb = _check_png(out, SESSION_SIZE_PX)
    # HR=0 rows (contact lost) are invalid: grey (alpha 0.45) shaded over the low band.
    assert _has_colour(rgb, "#bdc5cc", 500)


def test_week_plot(tmp_path: Path) -> None:
    days = {date(2026, 11, 17): DayTotal(date(2026, 11, 17), 1800, 600, 1),
            date(2026, 11, 20): DayTotal(date(2026, 11, 20), 2400, 0, 1)}
    rep = week_report(date(2026, 11, 16), days, [], 150, 0, "UTC")
    out = plot_week(rep, tmp_path / "w.png")
    rgb = _check_png(out, WEEK_SIZE_PX)
    assert _has_colour(rgb, "#4daf4a", 500) and _has_colour(rgb, "#e66101", 200)


def test_empty_week_plot_still_draws_the_goal(tmp_path: Path) -> None:
    rep = week_report(date(2026, 11, 16), {}, [], 150, 0, "UTC")
    _check_png(plot_week(rep, tmp_path / "w.png"), WEEK_SIZE_PX)
