"""Human-readable rendering of summaries and events (text only; JSON comes from to_json)."""

from __future__ import annotations

import math

from hrzone.credit import shown_min
from hrzone.summary import Summary
from hrzone.zones import CueEvent


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS or M:SS."""
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def event_line(e: CueEvent) -> str:
    """One line for a cue-state change, e.g. '  12:30  zone: moderate (was low), 112 bpm'."""
    hr = "" if not math.isfinite(e.hr_bpm) else f", {e.hr_bpm:.0f} bpm"
    j = e.to_json()
    if e.kind == "zone":
        what = f"zone: {j['zone']}" + ("" if j["previous"] == "invalid" else f" (was {j['previous']})")
    elif e.kind == "ceiling":
        what = "above ceiling: ease off" if e.value else "back below ceiling"
    else:
        what = "signal lost" if e.value == 0 else "signal back"
    return f"{clock(e.t_s):>8}  {what}{hr}"


def summary_text(s: Summary) -> str:
    """A short multi-line report of one session."""
    t = s.thresholds
    start = s.start.strftime("%Y-%m-%d %H:%M %z")
    lines = [f"{s.file}  ({s.fmt}, started {start}, {clock(s.duration_s)})"]
    ceiling = f", ceiling {t.ceiling_bpm:g} bpm" if t.ceiling_bpm else ""
    lines.append(f"  thresholds  {t.method}: moderate from {t.moderate_bpm:g} bpm, "
                 f"high from {t.high_bpm:g} bpm{ceiling}")
    lines.append(f"  valid time  {clock(s.valid_s)} of {clock(s.duration_s)}")
    lines.append(f"  zones       low {clock(s.low_s)}   moderate {clock(s.moderate_s)}   "
                 f"high {clock(s.high_s)}")
    lines.append(f"  minutes     moderate {shown_min(s.moderate_min):.1f} + 2 x vigorous "
                 f"{shown_min(s.vigorous_min):.1f} = {shown_min(s.credited_min):.1f} credited")
    if s.hr_mean is not None:
        lines.append(f"  heart rate  mean {s.hr_mean:.0f}, min {s.hr_min:.0f}, max {s.hr_max:.0f} bpm")
    else:
        lines.append("  heart rate  no valid heart rate in this file")
    quality = [f"{s.gaps} gap(s) ({clock(s.gap_s)})", f"{s.contact_losses} contact loss(es)"]
    arts = ", ".join(f"{v} {k}" for k, v in s.artifacts.items() if v)
    quality.append(f"artefacts: {arts or 'none'}")
    if s.malformed:
        quality.append(f"{s.malformed} malformed notification(s)")
    lines.append("  data        " + "; ".join(quality))
    zones = sum(1 for c in s.cues if c.kind == "zone")
    other = len(s.cues) - zones
    lines.append(f"  cues        {zones} zone change(s)" + (f", {other} other" if other else ""))
    for w in s.warnings:
        lines.append(f"  warning     {w}")
    return "\n".join(lines)
