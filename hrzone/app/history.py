"""The session history as a user sees it: adding files (the ledger rules), saving a finished
session, listing, showing, removing, and re-crediting after a threshold change.

The ledger rules (`add_files`): a file is refused, with one line saying why, when it has no
valid heart rate, when its start date cannot be trusted (a device-relative or power-on time, a
year before 2000, a time in the future; `start=` overrides it), or when it lasts more than 24 h.
A session is stored with the summary's own seconds per zone, so `log show` and `week` say what
`summary` says; only `recompute` re-credits, explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hrzone import journal, store
from hrzone.app.files import origin_of, recording_header
from hrzone.app.thresholds import thresholds_for
from hrzone.credit import credited_min, shown_min
from hrzone.summary import Summary
from hrzone.zones import Thresholds


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What became of one file: status 'added', 'linked' (added, the same workout as session
    `duplicate_of`, not credited twice), 'already' (same content as session `id`), 'refused'
    (a ledger rule; `reason`), 'failed' (it could not be read; `reason`) or 'skipped' (found
    in a folder or an archive, it is not a workout: an image, a route, ...; `reason`)."""

    file: str
    status: str
    id: int | None = None
    duplicate_of: int | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()
    credited_min: float | None = None
    origin: str = "device"
    kind: str = "cardio"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "id": self.id,
                "duplicate_of": self.duplicate_of, "reason": self.reason or None,
                "warnings": list(self.warnings), "origin": self.origin, "kind": self.kind,
                "credited": None if self.credited_min is None else shown_min(self.credited_min)}


@dataclass(slots=True)
class AddReport:
    """A batch of `log add`: one outcome per file, and the counts per status."""

    outcomes: list[AddOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def exit_code(self) -> int:
        """1 when any file was refused or failed (even if others were added), else 0."""
        return 1 if any(o.status in ("refused", "failed") for o in self.outcomes) else 0

    def to_json(self) -> dict[str, Any]:
        return {"files": [o.to_json() for o in self.outcomes],
                "added": self.count("added"), "linked": self.count("linked"),
                "already": self.count("already"),
                "refused": self.count("refused") + self.count("failed")}


def add_files(files: Sequence[str | os.PathLike[str]], opts: Mapping[str, Any] | None = None,
              fmt: str | None = None, start: datetime | None = None,
              on_outcome: Callable[[AddOutcome], None] | None = None,
              jobs: int | None = 1) -> AddReport:
    """Add workout files to the history under the ledger rules (module docstring); idempotent.

    files may be folders, gzip files and zip archives (hrzone.app.imports.add_paths does the
    work, decoding in `jobs` processes); start: the true start of a single file whose own start
    is untrusted (`--start`); on_outcome is called as each file is done.
    """
    from hrzone.app.imports import add_paths

    return add_paths(files, opts, fmt, start, jobs=jobs, on_outcome=on_outcome)


def refusal(summary: Summary, trusted: bool) -> str:
    """Why a summarised file may not enter the history ('' when it may)."""
    if summary.valid_s <= 0:
        return "no valid heart rate in this file"
    if not trusted:
        return (f"no trustworthy start date ({summary.start.isoformat()} is a device-relative, "
                "pre-2000 or future time): give the real start with --start ISO")
    if summary.duration_s > store.MAX_SESSION_S:
        return (f"lasts {summary.duration_s / 3600:.1f} h: longer than 24 h is not one workout "
                "(a clock jump in the file?)")
    return ""


def save_session(summary: Summary, path: str | os.PathLike[str],
                 origin: str = "device") -> store.AddResult:
    """Add a finished live or replayed session to the history (`origin` marks virtual and
    simulated ones)."""
    return store.save_session(summary, path, origin)


def list_sessions() -> list[store.SessionRow]:
    """Every stored session, oldest first."""
    db = store.open_db()
    try:
        return store.list_sessions(db)
    finally:
        db.close()


def session_detail(sid: int) -> dict[str, Any]:
    """Everything `log show` prints (the `log show --json` shape), how it felt included."""
    db = store.open_db()
    try:
        d = store.session_detail(db, sid)
        feel = journal.get_feel(db, sid)
        d["feel"] = None if feel is None else feel.to_json()
        return d
    finally:
        db.close()


def remove_sessions(ids: Sequence[int]) -> list[tuple[int, list[int]]]:
    """Remove sessions; for each, the ids of sessions regrouped because they were linked to it."""
    db = store.open_db()
    try:
        return [(sid, store.remove(db, sid)) for sid in ids]
    finally:
        db.close()


@dataclass(frozen=True, slots=True)
class RecomputeReport:
    """What re-crediting with `thresholds` changes (or would): sessions whose credit changes,
    how many were re-credited from the stored per-second HR (their file is gone or changed),
    and the current week's credited minutes before and after (unrounded)."""

    thresholds: Thresholds
    sessions: int
    changed: int
    approximate: int
    week_before_min: float
    week_after_min: float
    applied: bool

    def line(self) -> str:
        """The one-line preview (or result) a user reads; a preview that changes nothing is ''."""
        if not self.changed:
            if not self.applied:
                return ""
            return (f"all {self.sessions} session(s) already credited with these thresholds"
                    if self.sessions else "no sessions in your history yet")
        week = (f"this week {shown_min(self.week_before_min):.1f} -> "
                f"{shown_min(self.week_after_min):.1f} min")
        if self.applied:
            return f"re-credited {self.changed} session(s); {week}"
        return f"{self.changed} session(s) would change; {week}: run `hrzone log recompute`"

    def to_json(self) -> dict[str, Any]:
        return {"thresholds": self.thresholds.to_json(), "sessions": self.sessions,
                "changed": self.changed, "approximate": self.approximate,
                "week_before": shown_min(self.week_before_min),
                "week_after": shown_min(self.week_after_min), "applied": self.applied}


def _week_min(days: Mapping[int, list[Any]], first: date, last: date,
              primaries: set[int]) -> float:
    mod = high = 0.0
    for sid, ds in days.items():
        if sid in primaries:
            for d in ds:
                if first <= d.day <= last:
                    mod += d.moderate_s
                    high += d.high_s
    return credited_min(mod, high)


def _recompute(thresholds: Thresholds | None, opts: Mapping[str, Any] | None, apply: bool,
               today: date | None) -> RecomputeReport:
    from hrzone.profile import load_profile
    from hrzone.week import week_start_of

    prof = load_profile()
    thr = thresholds or thresholds_for(opts)
    tz = prof.tz()
    first = week_start_of(today or datetime.now(tz).date(), prof.week_start_day)
    last = first + timedelta(days=6)
    db = store.open_db()
    try:
        primaries = {s.id for s in store.list_sessions(db) if s.duplicate_of is None}
        before = _week_min(store.session_days(db, first, last), first, last, primaries)
        plan = (store.recompute if apply else store.plan_recompute)(db, thr, tz)
    finally:
        db.close()
    after = _week_min({c.id: c.days for c in plan}, first, last, primaries)
    return RecomputeReport(thr, len(plan), sum(c.changed for c in plan),
                           sum(1 for c in plan if c.changed and not c.exact), before, after, apply)


def recompute(opts: Mapping[str, Any] | None = None, today: date | None = None) -> RecomputeReport:
    """Re-credit every stored session with the current thresholds (options > profile) and time
    zone: each is summarised again from its file when the file is unchanged, else from its
    stored per-second HR."""
    return _recompute(None, opts, True, today)


def recompute_preview(thresholds: Thresholds, today: date | None = None) -> RecomputeReport:
    """What `recompute` with `thresholds` would change, without writing anything."""
    return _recompute(thresholds, None, False, today)


def save_replay(summary: Summary, path: str | os.PathLike[str],
                fmt: str | None = None) -> tuple[store.AddResult, str]:
    """Save a replayed file's session (`replay --save`), marked 'simulated' or 'virtual' when
    its recording header says so. Returns the history entry and the origin."""
    origin = origin_of(recording_header(path)) if fmt in (None, "recording") else "device"
    return store.save_session(summary, path, origin), origin


def recompute_offer(key: str, thresholds: Thresholds | None) -> str:
    """After profile key `key` was set (or calibration saved thresholds): the one-line preview
    of what `hrzone log recompute` would change, or '' when nothing would."""
    from hrzone.app.thresholds import PROFILE_THRESHOLD_KEYS

    if thresholds is None or key not in PROFILE_THRESHOLD_KEYS:
        return ""
    return recompute_preview(thresholds).line()
