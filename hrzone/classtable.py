"""The class table: one row per participant after a class, from their session's Summary alone.

Minutes go through hrzone.credit (the crediting rule and the one rounding rule), so a row shows
what `hrzone summary` of that person's recording shows. Time above the ceiling counts the
seconds of the summary's per-second HR track above the person's ceiling; time in target is the
summary's seconds in the person's target zone; data quality is the share of the session with
valid heart rate, plus the gaps, artefacts and contact losses behind it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from hrzone.credit import shown_min
from hrzone.summary import Summary

CSV_FIELDS = ("name", "low_min", "moderate_min", "high_min", "credited_min", "target",
              "in_target_min", "above_ceiling_min", "ceiling_bpm", "valid_pct", "gaps",
              "gap_s", "artifacts", "contact_losses", "reconnects", "session_id", "joined_min")


@dataclass(frozen=True, slots=True)
class ClassRow:
    """One participant's class, seconds unrounded (rounded once in to_json)."""

    name: str
    target: str
    low_s: float
    moderate_s: float
    high_s: float
    credited_min: float
    in_target_s: float
    above_ceiling_s: float | None
    ceiling_bpm: float | None
    duration_s: float
    valid_s: float
    gaps: int
    gap_s: float
    artifacts: int
    contact_losses: int
    reconnects: int = 0
    session_id: int | None = None
    joined_s: float | None = None   # a late arrival: class-clock seconds when they joined

    @property
    def valid_pct(self) -> float:
        """Share of the session with valid heart rate, percent (0 for an empty session)."""
        return 0.0 if self.duration_s <= 0 else min(100.0, 100.0 * self.valid_s / self.duration_s)

    def to_json(self) -> dict[str, Any]:
        """The `class run --json` object of one person (minutes as every screen shows them)."""
        return {
            "name": self.name,
            "minutes": {"low": shown_min(self.low_s / 60), "moderate": shown_min(self.moderate_s / 60),
                        "high": shown_min(self.high_s / 60)},
            "credited_min": shown_min(self.credited_min),
            "target": self.target,
            "in_target_min": shown_min(self.in_target_s / 60),
            "above_ceiling_min": (None if self.above_ceiling_s is None
                                  else shown_min(self.above_ceiling_s / 60)),
            "ceiling_bpm": self.ceiling_bpm,
            "data_quality": {"valid_pct": round(self.valid_pct, 1), "gaps": self.gaps,
                             "gap_s": round(self.gap_s, 1), "artifacts": self.artifacts,
                             "contact_losses": self.contact_losses,
                             "reconnects": self.reconnects},
            "session_id": self.session_id,
            "joined_min": None if self.joined_s is None else round(self.joined_s / 60, 1),
        }


def above_ceiling_s(summary: Summary) -> float | None:
    """Seconds of the session's per-second HR above its ceiling (None without a ceiling)."""
    c = summary.thresholds.ceiling_bpm
    if c is None:
        return None
    ps = np.asarray(summary.per_second_hr)
    return float(np.count_nonzero((ps > 0) & (ps.astype(np.float64) > c)))


def class_row(name: str, target: str, summary: Summary, *, reconnects: int = 0,
              session_id: int | None = None, joined_s: float | None = None) -> ClassRow:
    """The row of one participant from their session summary (joined_s: when a late arrival
    joined, class-clock seconds)."""
    zone_s = {"low": summary.low_s, "moderate": summary.moderate_s, "high": summary.high_s}
    return ClassRow(name, target, summary.low_s, summary.moderate_s, summary.high_s,
                    summary.credited_min, zone_s[target], above_ceiling_s(summary),
                    summary.thresholds.ceiling_bpm, summary.duration_s, summary.valid_s,
                    summary.gaps, summary.gap_s, int(sum(summary.artifacts.values())),
                    summary.contact_losses, reconnects, session_id, joined_s)


def table_text(rows: list[ClassRow]) -> str:
    """The class table as aligned text, one line per person."""
    head = (f"{'name':<16s} {'low':>5s} {'mod':>5s} {'high':>5s} {'credit':>6s}  "
            f"{'target':<8s} {'in tgt':>6s} {'>ceil':>6s} {'valid':>6s}  notes")
    lines = [head, "-" * len(head)]
    for r in rows:
        j = r.to_json()
        m, q = j["minutes"], j["data_quality"]
        ceil = "—" if j["above_ceiling_min"] is None else f"{j['above_ceiling_min']:.1f}"
        notes = ", ".join(x for x in (
            f"{q['gaps']} gap(s) {q['gap_s']:.0f} s" if q["gaps"] else "",
            f"{q['reconnects']} reconnect(s)" if q["reconnects"] else "",
            f"{q['contact_losses']} contact loss(es)" if q["contact_losses"] else "",
            f"joined at {j['joined_min']:.1f} min" if j["joined_min"] is not None else "") if x)
        lines.append(f"{r.name[:16]:<16s} {m['low']:5.1f} {m['moderate']:5.1f} {m['high']:5.1f} "
                     f"{j['credited_min']:6.1f}  {r.target:<8s} {j['in_target_min']:6.1f} "
                     f"{ceil:>6s} {q['valid_pct']:5.1f}%  {notes}".rstrip())
    lines.append("minutes per zone; credit = moderate + 2 x high; valid = share of the session "
                 "with valid heart rate")
    return "\n".join(lines)


def table_csv(rows: list[ClassRow]) -> str:
    """The class table as CSV (CSV_FIELDS), minutes rounded as shown."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in rows:
        j = r.to_json()
        m, q = j["minutes"], j["data_quality"]
        w.writerow([r.name, m["low"], m["moderate"], m["high"], j["credited_min"], r.target,
                    j["in_target_min"], "" if j["above_ceiling_min"] is None else
                    j["above_ceiling_min"], "" if r.ceiling_bpm is None else r.ceiling_bpm,
                    q["valid_pct"], q["gaps"], q["gap_s"], q["artifacts"], q["contact_losses"],
                    q["reconnects"], "" if r.session_id is None else r.session_id,
                    "" if j["joined_min"] is None else j["joined_min"]])
    return buf.getvalue()
