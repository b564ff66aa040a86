"""Pictures of a session and of a week, rendered headless with matplotlib's Agg canvas.

No pyplot (no global figure state, no display needed): each plot builds its own Figure and
writes a PNG readable by the user only. Sizes are exact pixels (figure inches x dpi).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hrzone.errors import HrzoneError
from hrzone.paths import PrivateOutput
from hrzone.signal.pipeline import Output
from hrzone.workout import Workout
from hrzone.zones import Thresholds

SESSION_SIZE_PX = (1200, 500)
WEEK_SIZE_PX = (900, 500)
DPI = 100
ZONE_COLOURS = {"low": "#dbe9f6", "moderate": "#d9f0d3", "high": "#fde0c5"}
MODERATE_COLOUR, VIGOROUS_COLOUR = "#4daf4a", "#e66101"


def check_size(size_px: tuple[int, int]) -> None:
    """HrzoneError unless both sides are 100-10000 px."""
    w, h = size_px
    if not (100 <= w <= 10_000 and 100 <= h <= 10_000):
        raise HrzoneError(f"plot size {w}x{h} px is not allowed (100-10000 each way)")


def _figure(size_px: tuple[int, int]) -> Figure:
    check_size(size_px)
    w, h = size_px
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write the PNG (an SVG when `path` ends in .svg, without metadata) through
    paths.PrivateOutput: mode 0o600, renamed into place (heart-rate data is health data; an
    existing file or symlink at `path` is replaced, not written through)."""
    svg = str(path).lower().endswith(".svg")
    meta = {"Date": None, "Creator": None, "Format": None, "Type": None} if svg else None
    with PrivateOutput(path, binary=True) as out:
        fig.savefig(out.file, format="svg" if svg else "png", dpi=DPI, metadata=meta)
    return out.path


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [i0, i1) where mask is True."""
    if mask.size == 0:
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def plot_session(out: Output, thresholds: Thresholds, path: str | os.PathLike[str], *,
                 title: str = "", gap_s: float = 5.0,
                 size_px: tuple[int, int] = SESSION_SIZE_PX) -> Path:
    """HR over time (minutes) with zone bands, invalid and gap stretches, and cue events."""
    fig = _figure(size_px)
    ax = fig.add_subplot(1, 1, 1)
    t_min = out.t_s / 60.0
    hr = out.hr_bpm
    finite = hr[np.isfinite(hr)]
    lo = min(float(finite.min()) if finite.size else 60.0, thresholds.moderate_bpm) - 10
    hi = max(float(finite.max()) if finite.size else 160.0, thresholds.high_bpm,
             thresholds.ceiling_bpm or 0) + 10
    mod, high = thresholds.moderate_bpm, thresholds.high_bpm
    ax.axhspan(lo, mod, color=ZONE_COLOURS["low"], label=f"low < {mod:.0f} bpm", zorder=0)
    ax.axhspan(mod, high, color=ZONE_COLOURS["moderate"],
               label=f"moderate {mod:.0f}-{high:.0f} bpm", zorder=0)
    ax.axhspan(high, hi, color=ZONE_COLOURS["high"], label=f"high ≥ {high:.0f} bpm", zorder=0)
    if thresholds.ceiling_bpm:
        ax.axhline(thresholds.ceiling_bpm, color="#b2182b", ls="--", lw=1,
                   label=f"ceiling {thresholds.ceiling_bpm:.0f} bpm")
    first = True
    for i0, i1 in _runs(~out.valid):
        a = t_min[max(i0 - 1, 0)]
        b = t_min[min(i1, len(out) - 1)]
        ax.axvspan(a, b, color="#999999", alpha=0.45, lw=0, zorder=1,
                   label="invalid" if first else None)
        first = False
    first = True
    dt = np.diff(out.t_s)
    for k in np.flatnonzero(dt > gap_s).tolist():
        ax.axvspan(t_min[k], t_min[k + 1], facecolor="none", edgecolor="#555555", hatch="//",
                   lw=0, zorder=1, label="gap" if first else None)
        first = False
    # NaN breaks the line where HR is invalid; gaps break it too.
    y = hr.copy()
    if len(out) > 1:
        cut = np.flatnonzero(dt > gap_s) + 1
        t_plot = np.insert(t_min, cut, np.nan)
        y = np.insert(y, cut, np.nan)
    else:
        t_plot = t_min
    ax.plot(t_plot, y, color="#b2182b", lw=1.2, label="heart rate", zorder=3)
    for e in out.events:
        colour = {"zone": "#2166ac", "ceiling": "#b2182b", "signal": "#444444"}.get(e.kind, "k")
        ax.axvline(e.t_s / 60.0, color=colour, lw=0.8, ls=":", zorder=2)
        j = e.to_json()
        label = j.get("zone") or ("ease off" if j.get("above") else "ceiling ok"
                                  if e.kind == "ceiling" else f"signal {j.get('signal')}")
        ax.annotate(str(label), (e.t_s / 60.0, hi), xytext=(2, -10), textcoords="offset points",
                    fontsize=7, rotation=90, va="top", color=colour)
    ax.set_ylim(lo, hi)
    if len(out):
        ax.set_xlim(float(t_min[0]), float(max(t_min[-1], t_min[0] + 1 / 60)))
    ax.set_xlabel("minutes")
    ax.set_ylabel("heart rate (bpm)")
    ax.set_title(title or "session")
    ax.legend(loc="lower right", fontsize=7, ncol=4)
    fig.tight_layout()
    return _save(fig, path)


def plot_workout_file(src: str | os.PathLike[str], thresholds: Thresholds,
                      path: str | os.PathLike[str], fmt: str | None = None,
                      size_px: tuple[int, int] = SESSION_SIZE_PX) -> Path:
    """Load a workout file, run it through the signal core and plot it (see plot_session)."""
    from hrzone.loader import load_workout

    check_size(size_px)
    return plot_workout(load_workout(src, fmt), thresholds, path, size_px)


def plot_workout(w: Workout, thresholds: Thresholds, path: str | os.PathLike[str],
                 size_px: tuple[int, int] = SESSION_SIZE_PX, note: str = "") -> Path:
    """Run a loaded workout through the signal core and plot it (see plot_session); `note`
    (how it felt) goes under the title."""
    from hrzone.signal import pipeline

    check_size(size_px)
    out, _ = pipeline.run(w.series, pipeline.initial(thresholds, w.signal))
    start = w.start + timedelta(seconds=float(out.t_s[0]) if len(out) else 0.0)
    title = f"{Path(w.path).name} - {start:%Y-%m-%d %H:%M}" + (f"\nfelt: {note}" if note else "")
    return plot_session(out, thresholds, path, title=title, gap_s=w.signal.gap_s, size_px=size_px)


def plot_week(report: dict[str, Any], path: str | os.PathLike[str],
              size_px: tuple[int, int] = WEEK_SIZE_PX) -> Path:
    """Per-day stacked bars (moderate, vigorous x2 = credited) and the running total vs the goal.

    `report` is store.week_view's dict (the `hrzone week --json` shape).
    """
    fig = _figure(size_px)
    ax = fig.add_subplot(1, 1, 1)
    days = report["days"]
    x = np.arange(len(days))
    mod = np.array([d["moderate"] for d in days], float)
    # The vigorous bar is what vigorous minutes add to the credit (hrzone.credit's weight).
    vig2 = np.array([d["credited"] for d in days], float) - mod
    ax.bar(x, mod, color=MODERATE_COLOUR, label="moderate")
    ax.bar(x, vig2, bottom=mod, color=VIGOROUS_COLOUR, label="vigorous (x2)")
    cum = np.cumsum(mod + vig2)
    ax.step(x, cum, where="mid", color="#333333", lw=1.5, label="week so far")
    goal = float(report["goal"])
    ax.axhline(goal, color="#2166ac", ls="--", lw=1.5, label=f"goal {goal:g} min")
    labels = [datetime.fromisoformat(d["date"]).strftime("%a\n%d %b") for d in days]
    ax.set_xticks(x, labels)
    ax.set_ylim(0, max(goal, float(cum[-1]) if cum.size else 0.0) * 1.15 + 1)
    ax.set_ylabel("credited minutes")
    kinds = "   ".join(f"{k} {v['done']}/{v['goal']} days"
                       for k, v in (report.get("kinds") or {}).items())
    ax.set_title(f"{report['week']}: {report['credited']:g} of {goal:g} credited minutes"
                 + (f"\n{kinds}" if kinds else ""))
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
