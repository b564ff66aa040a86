"""The room's arbiter: safety only by default, named, one voice at a time, safety first, each
person at most once per person_gap_s; zone cues for a small group on request."""

from __future__ import annotations

import pytest

from hrzone import arbiter
from hrzone.arbiter import RoomRules, RoomState
from hrzone.cues import ALERT, INFO, SAFETY, STATUS, Cue
from hrzone.errors import HrzoneError

EASE = Cue(0.0, "ceiling", SAFETY, "Ease off. You are above your ceiling.", "ceiling:above",
           "ceiling")
BELOW = Cue(0.0, "ceiling", ALERT, "Back below your ceiling.", "ceiling:below")
ZONE = Cue(0.0, "zone", INFO, "Moderate. You can talk, not sing.", "zone:moderate")
MILESTONE = Cue(0.0, "milestone", STATUS, "10 minutes credited.", "milestone:10")


def run(offers: list[tuple[float, str, Cue]], until_s: float, rules: RoomRules,
        dt: float = 0.5) -> list[arbiter.RoomCue]:
    """Offer cues at their times and step the room every dt seconds; what it said, with the
    time it was said in t_s."""
    state, said = RoomState(), []
    offers = sorted(offers, key=lambda o: o[0])
    t = 0.0
    while t <= until_s:
        while offers and offers[0][0] <= t:
            _, who, cue = offers.pop(0)
            state = arbiter.offer(who, cue, t, state, rules)
        out, state = arbiter.step(t, state, rules)
        said += [arbiter.RoomCue(t, c.person, c.kind, c.priority, c.key, c.text) for c in out]
        t = round(t + dt, 6)
    return said


def test_two_people_above_their_ceiling_at_once_are_both_told_one_after_the_other():
    rules = RoomRules()
    said = run([(10.0, "Anna", EASE), (10.0, "Ben", EASE)], 30, rules)
    assert [c.person for c in said] == ["Anna", "Ben"]
    assert said[0].text == "Anna, ease off. You are above your ceiling."
    assert said[1].text.startswith("Ben, ease off")
    assert said[0].t_s == 10.0                                  # safety is said at once
    gap = said[1].t_s - said[0].t_s
    assert rules.utterance_s <= gap <= rules.utterance_s + 0.5  # one voice at a time, no idling


def test_each_person_at_most_once_a_minute_and_safety_waits_its_turn():
    rules = RoomRules()
    # Anna's engine repeats 'ease off' every 20 s (more often than the room allows)
    offers = [(t, "Anna", EASE) for t in (0.0, 20.0, 40.0, 60.0, 80.0, 100.0, 120.0)]
    said = run(offers, 130, rules)
    times = [c.t_s for c in said]
    assert len(times) >= 2
    assert all(b - a >= rules.person_gap_s for a, b in zip(times, times[1:]))
    assert times[0] == 0.0 and times[1] == 60.0                # a queued safety cue is not lost


def test_safety_first_and_no_zone_chatter_by_default():
    said = run([(5.0, "Anna", ZONE), (5.0, "Ben", MILESTONE), (5.0, "Cora", BELOW)], 60,
               RoomRules())
    assert said == []
    rules = RoomRules(frozenset({"Anna"}))
    said = run([(5.0, "Anna", ZONE), (5.0, "Ben", EASE), (5.0, "Cora", ZONE)], 60, rules)
    assert [(c.person, c.kind) for c in said] == [("Ben", "ceiling"), ("Anna", "zone")]
    assert said[1].text == "Anna, moderate. You can talk, not sing."


def test_back_below_before_being_told_withdraws_the_queued_ease_off():
    rules = RoomRules()
    high = Cue(1.0, "zone", INFO, "High.", "zone:high")
    said = run([(0.0, "Anna", EASE), (1.0, "Anna", high), (30.0, "Anna", EASE),
                (35.0, "Anna", BELOW)], 120, rules)
    # the second 'ease off' (queued behind the once-a-minute rule) is withdrawn at 35 s
    assert [c.t_s for c in said] == [0.0]


def test_a_zone_cue_is_old_news_after_max_wait():
    rules = RoomRules(frozenset({"Anna"}))
    said = run([(0.0, "Anna", EASE), (1.0, "Anna", ZONE)], 120, rules)
    assert [c.kind for c in said] == ["ceiling"]               # Anna's gap outlasts the wait


def test_zone_cues_only_for_a_small_group():
    with pytest.raises(HrzoneError, match="at most 4"):
        RoomRules(frozenset({"a", "b", "c", "d", "e"}))


def test_next_due_says_when_the_queue_can_move():
    rules = RoomRules()
    s = arbiter.offer("Anna", EASE, 0.0, RoomState(), rules)
    said, s = arbiter.step(0.0, s, rules)
    assert said and arbiter.next_due(s, rules) is None
    s = arbiter.offer("Anna", EASE, 10.0, s, rules)
    assert arbiter.next_due(s, rules) == 60.0
