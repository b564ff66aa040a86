"""Configuration of the signal core: what counts as bad data, and how it is cleaned."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class SignalConfig:
    """Tunable rules of the signal core (units in the names).

    gap_s: a silence longer than this between samples is a gap; the gap credits nothing.
        Live recordings use a strict 5 s; importers of "smart recording" files use a longer one.
    hr_min_bpm / hr_max_bpm: plausible heart-rate range; values outside are rejected.
    stale_s: strap HR repeated unchanged with no RR for this long, while the strap has been
        sending RR, marks the signal stale (a strap that lost contact but keeps its last value).
    stale_no_rr_s: the same for sensors that never send RR (optical): identical HR this long.
    settle_s: seconds after the start or a reconnect during which data is not trusted
        (firmware profiles set this for straps that need to settle).
    hampel_window: trailing samples in the spike filter; hampel_k: MADs that make a spike;
        hampel_floor_bpm: never call a change smaller than this a spike.
    rr_hr_beats: clean beats averaged for HR derived from RR; rr_max_age_s: RR older than this
        is not used for HR; rr_max_corrected: at most this many corrected beats among them.
    rr_agree_frac: strap HR and RR-derived HR that differ by more than this fraction mark the
        strap HR as a dry-strap spike (RR-derived HR is used instead).
    drop_trailing_rr: drop the last RR of each notification (Garmin HRM-Dual quirk).
    smooth_samples: HR reported is the median of this many latest accepted values.
    """

    gap_s: float = 5.0
    hr_min_bpm: float = 30.0
    hr_max_bpm: float = 240.0
    stale_s: float = 5.0
    stale_no_rr_s: float = 30.0
    settle_s: float = 0.0
    hampel_window: int = 9
    hampel_k: float = 4.0
    hampel_floor_bpm: float = 15.0
    rr_hr_beats: int = 3
    rr_max_age_s: float = 4.0
    rr_max_corrected: int = 1
    rr_agree_frac: float = 0.15
    drop_trailing_rr: bool = False
    smooth_samples: int = 3

    def with_overrides(self, **kw: Any) -> SignalConfig:
        """A copy with some fields changed (unknown names raise TypeError)."""
        return replace(self, **kw)


LIVE = SignalConfig()
