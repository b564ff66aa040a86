"""The profile as a front end edits it: every value with the thresholds it gives (in bpm), the
target zone and the cue switches; a preview of a change without saving it; saving it.

Values arrive as text, exactly as `hrzone profile set KEY VALUE` takes them (hrzone.profile
parses and checks them), so every front end accepts and refuses the same values.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from hrzone.errors import HrzoneError

Pairs = Iterable[tuple[str, str]]


def cue_switches() -> dict[str, bool]:
    """The on/off cue settings and their defaults (hrzone.cues.CuePrefs)."""
    from hrzone.cues import CuePrefs

    d = CuePrefs()
    return {f.name: getattr(d, f.name) for f in fields(CuePrefs) if isinstance(getattr(d, f.name), bool)}


def profile_json(path: Path | None = None) -> dict[str, Any]:
    """`profile show --json` plus the zones in bpm in words, the target zone and every cue
    switch with its effective value."""
    from hrzone.profile import profile_thresholds, read_profile

    prof = read_profile(path)
    try:
        thr, why = profile_thresholds(prof), None
    except HrzoneError as e:
        thr, why = None, str(e).removeprefix(f"{prof.path}: ")
    d = prof.to_json()
    d["thresholds"] = None if thr is None else thr.to_json()
    d["thresholds_note"] = why
    d["zones_text"] = None if thr is None else zones_text(thr)
    cues = dict(prof.cues)
    d["target"] = str(cues.get("target", "moderate"))
    d["cue_switches"] = {k: bool(cues.get(k, v)) for k, v in cue_switches().items()}
    return d


def zones_text(thr: Any) -> str:
    """What thresholds mean in bpm, in words."""
    text = (f"low below {thr.moderate_bpm:.0f} bpm, moderate {thr.moderate_bpm:.0f} to "
            f"{thr.high_bpm:.0f} bpm, high from {thr.high_bpm:.0f} bpm")
    if thr.ceiling_bpm:
        text += f"; ease off above {thr.ceiling_bpm:.0f} bpm"
    return text


def preview(pairs: Pairs) -> dict[str, Any]:
    """profile_json as it would be after setting `pairs` (ProfileError for a refused value);
    nothing is saved."""
    from hrzone.paths import profile_path
    from hrzone.profile import set_values

    pairs = list(pairs)
    with tempfile.TemporaryDirectory(prefix="hrzone-") as d:
        tmp = Path(d) / "profile.toml"
        if profile_path().is_file():
            shutil.copyfile(profile_path(), tmp)
        set_values(pairs, path=tmp)
        out = profile_json(tmp)
    out["path"] = str(profile_path())
    return out


def update(pairs: Pairs) -> dict[str, Any]:
    """Set `pairs` together and save (ProfileError, the file unchanged, for a refused value);
    profile_json afterwards with "recompute": what `log recompute` would change ('' if nothing)."""
    from hrzone.app.history import recompute_offer
    from hrzone.profile import profile_thresholds, set_values

    pairs = list(pairs)
    prof = set_values(pairs)
    out = profile_json()
    try:
        thr = profile_thresholds(prof)
    except HrzoneError:
        thr = None
    offers = sorted({recompute_offer(k, thr) for k, _ in pairs} - {""})
    out["recompute"] = " ".join(offers)
    return out
