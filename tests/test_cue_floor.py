"""The floor under spurious cues (hrzone/signal/cue_floor.py) on series built by hand."""

from __future__ import annotations

import numpy as np

from hrzone.signal.cue_eval import grid, true_changes
from hrzone.signal.cue_floor import Excursion, excursions, floor
from hrzone.zones import HIGH, LOW, MODERATE, Thresholds

TH = Thresholds("bpm", 120.0, 145.0)


def at_1hz(*segments: tuple[int, float]):
    hr = np.concatenate([np.full(n, bpm, float) for n, bpm in segments])
    return grid(np.arange(hr.size, dtype=float), hr)


# Four true changes (up and down over each threshold) and two excursions: 35 s up into high
# from moderate, 50 s down into low from moderate.
SESSION = at_1hz((300, 110), (300, 130), (35, 150), (300, 130), (50, 110), (300, 130),
                 (300, 150), (300, 130), (300, 110))


def test_excursions_are_short_runs_away_from_a_sustained_zone() -> None:
    ch = true_changes(SESSION, TH)
    assert [(c.zone, c.previous) for c in ch] == [
        (LOW, -1), (MODERATE, LOW), (HIGH, MODERATE), (MODERATE, HIGH), (LOW, MODERATE)]
    assert excursions(SESSION, TH, ch) == [Excursion(600.0, HIGH, MODERATE, 35),
                                           Excursion(935.0, LOW, MODERATE, 50)]


def test_floor_is_the_fewest_excursions_fixed_delays_must_call() -> None:
    ch = true_changes(SESSION, TH)
    ex = excursions(SESSION, TH, ch)
    # Waiting out both excursions needs a 50 s delay for falls into low: a quarter of the
    # changes, over the 40 s p95. So one excursion must be called.
    f = floor(ch, ex)
    assert f is not None and f.spurious == 1 and f.missed == 0
    assert f.median_s <= 20 and f.p95_s <= 40
    # With a p95 of 60 s allowed, both can be waited out.
    assert floor(ch, ex, max_p95_s=60).spurious == 0
    # Missing every fall into low (a quarter of the changes) is allowed at 30 % missed.
    g = floor(ch, ex, max_missed=0.3)
    assert g is not None and g.spurious == 0 and g.missed == 1


def test_a_zone_passed_through_is_an_excursion_unless_a_change_names_it() -> None:
    g = at_1hz((300, 110), (20, 130), (300, 160))
    ex = excursions(g, TH, true_changes(g, TH))
    assert len(ex) == 1 and ex[0].zone == MODERATE and ex[0].home == LOW
    assert ex[0].kind == (1, 0)
    # A 40 s visit to high just before a sustained high run is not one: a cue there can name
    # the change.
    g2 = at_1hz((300, 130), (40, 150), (30, 130), (300, 150))
    assert excursions(g2, TH, true_changes(g2, TH)) == []


def test_truth_follower_calls_after_its_delays_and_keeps_quick_returns_quiet() -> None:
    from hrzone.signal.cue_eval import score, truth_zones
    from hrzone.signal.cue_floor import truth_follower
    delays = {(1, 0): 20, (1, 1): 20, (-1, 0): 40, (-1, 1): 40}
    ann = truth_follower(SESSION, truth_zones(SESSION, TH), delays, quiet_s=60)
    # Low at the start is not named; each change is named its delay after the truth moved;
    # both excursions are named (35 s > 20 s up, 50 s > 40 s down) and the returns from them,
    # within 60 s, are silent.
    assert ann == [(320.0, MODERATE), (620.0, HIGH), (975.0, LOW), (1305.0, HIGH),
                   (1625.0, MODERATE), (1925.0, LOW)]
    s = score(SESSION, TH, ann)
    assert (s.spurious, s.missed, sorted(s.delays)) == (2, 0, [20.0, 20.0, 40.0, 40.0])
