"""The live displays as a person sees them: rich's recording console, a fake clock."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from rich.console import Console

from hrzone.bigtext import big_lines
from hrzone.calibrate import Mark, MarkLog, mark_hr
from hrzone.display import (JsonSink, LineSink, PanelSink, StatusSink, make_calibration_display,
                            make_display)
from hrzone.errors import ProfileError
from hrzone.hrm import Measurement, encode_measurement
from hrzone.recording import Event, Header, Notification
from hrzone.session import LiveSession, Sink
from hrzone.signal.pipeline import Output
from hrzone.zones import resolve_thresholds

S = 1_000_000_000
HEADER = Header(created="2026-03-02T10:00:00+00:00", device={"name": "Polar H10 1A2B3C4D"})
THRESHOLDS = resolve_thresholds("bpm", moderate=100, high=130, ceiling=150)


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeCue:
    def __init__(self, text: str, t_s: float, kind: str = "zone") -> None:
        self.text, self.t_s, self.kind = text, t_s, kind


def note(t: float, hr: int, contact: bool = True) -> Notification:
    return Notification(int(t * S), int(t * S), encode_measurement(
        Measurement(hr, contact, None, (int(round(61440 / hr)),))))


def screen(sink: PanelSink, width: int = 90) -> str:
    """The panel as text, exactly as it would be drawn now."""
    con = Console(record=True, width=width, file=io.StringIO())
    con.print(sink.render())
    return con.export_text()


def shows_big(text: str, word: str) -> bool:
    """Whether `word` appears in block letters (five consecutive rows, same column)."""
    rows = big_lines(word)
    lines = text.splitlines()
    for i in range(len(lines) - len(rows) + 1):
        col = lines[i].find(rows[0])
        while col >= 0:
            if all(lines[i + k][col:col + len(r)] == r for k, r in enumerate(rows)):
                return True
            col = lines[i].find(rows[0], col + 1)
    return False


def panel(clock: FakeClock, **kw: object) -> tuple[PanelSink, Console]:
    con = Console(record=True, width=90, file=io.StringIO())
    return PanelSink(con, clock=clock, auto_refresh=False, **kw), con


def feed(live: LiveSession, clock: FakeClock, hrs: list[int], t0: float = 0.0,
         contact: bool = True) -> float:
    """One notification a second (the fake wall clock moves with it); returns the next time."""
    for i, hr in enumerate(hrs):
        clock.now += 1.0
        live.feed(note(t0 + i, hr, contact))
    return t0 + len(hrs)


def test_panel_shows_zone_target_hr_week_and_last_cue() -> None:
    clock = FakeClock()
    sink, _ = panel(clock, week_before_min=40.0, goal_min=150.0, target="moderate")
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    feed(live, clock, [90] * 30 + [115] * 150)
    sink.on_cue(FakeCue("Moderate. You can talk, not sing.", 45.0))
    text = screen(sink)
    assert shows_big(text, "MODERATE") and shows_big(text, "115")
    assert "target moderate  ·  in target  ·  115 bpm" in text
    assert "Polar H10 1A2B3C4D" in text and "Elapsed  3:00" in text
    acc = live.finish()
    assert f"In target  {int(acc.moderate_s) // 60}:{int(acc.moderate_s) % 60:02d} in moderate" in text
    credited = (acc.moderate_s + 2 * acc.high_s) / 60          # the rule, written out here
    assert f"Credited  {credited:.1f} min this session" in text
    assert f"Week  {40 + credited:.1f} of 150 min" in text
    assert "Last cue  “Moderate. You can talk, not sing.” (0:45)" in text
    assert "Signal  ok" in text and "no signal" not in text


def test_panel_says_no_signal_when_data_stops_and_keeps_ticking() -> None:
    clock = FakeClock()
    sink, _ = panel(clock)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    feed(live, clock, [112] * 60)
    assert "112 bpm" in screen(sink) and "no signal" not in screen(sink)
    clock.now += 1.0                    # a short pause is not yet a lost signal
    assert "112 bpm" in screen(sink)
    clock.now += 4.0                    # nothing for 5 s: the panel does not freeze
    text = screen(sink)
    assert "112" not in text and shows_big(text, "NO SIGNAL") and shows_big(text, "—")
    assert "no signal (no data for 5 s)" in text
    assert not shows_big(text, "MODERATE")
    assert "Elapsed  1:05" in text      # the elapsed time goes on on the panel's own clock
    feed(live, clock, [113] * 3, t0=65.0)
    assert "113 bpm" in screen(sink)


@pytest.mark.parametrize("what, reason", [("contact", "contact lost"),
                                          ("disconnect", "reconnecting")])
def test_panel_no_signal_on_contact_loss_and_disconnect(what: str, reason: str) -> None:
    clock = FakeClock()
    sink, _ = panel(clock)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    t = feed(live, clock, [120] * 60)
    if what == "contact":
        feed(live, clock, [120] * 5, t0=t, contact=False)
    else:
        live.feed(Event(int(t * S), int(t * S), "disconnect", {"reason": "test"}))
    text = screen(sink)
    assert f"no signal ({reason})" in text and "120" not in text and shows_big(text, "NO SIGNAL")


def test_ceiling_alert_is_large_and_red() -> None:
    clock = FakeClock()
    sink, _ = panel(clock)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    t = feed(live, clock, [140] * 60)
    assert not shows_big(screen(sink), "EASE OFF")
    feed(live, clock, [160] * 20, t0=t)
    con = Console(record=True, width=90, file=io.StringIO(), force_terminal=True,
                  color_system="standard")
    con.print(sink.render())
    styled = con.export_text(styles=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", styled)
    assert shows_big(plain, "EASE OFF") and "You are above your ceiling of 150 bpm" in plain
    red = "\x1b[1;31m"
    alert_rows = [line for line in styled.splitlines() if big_lines("EASE OFF")[0] in line]
    assert alert_rows and all(red + big_lines("EASE OFF")[0] in line for line in alert_rows)
    assert red + "You are above your ceiling" in styled
    feed(live, clock, [120] * 30, t0=t + 20)
    assert not shows_big(screen(sink), "EASE OFF")


def test_close_leaves_one_final_panel() -> None:
    clock = FakeClock()
    sink, con = panel(clock)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    feed(live, clock, [110] * 40)
    live.finish()
    live.finish()                       # finishing twice does not draw again
    text = con.export_text()
    assert text.count("╭") == 1 and text.count("╰") == 1
    assert shows_big(text, "MODERATE") and "110 bpm" in text


def test_panel_fits_a_narrow_terminal() -> None:
    clock = FakeClock()
    sink, _ = panel(clock)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink])
    feed(live, clock, [110] * 40)
    text = screen(sink, width=50)
    assert all(len(line) <= 50 for line in text.splitlines())
    assert "MODERATE" in text and "110 bpm" in text      # one bold line instead of blocks


def test_json_and_lines_say_what_the_panel_says() -> None:
    clock = FakeClock()
    sink, _ = panel(clock, week_before_min=12.25, target="moderate")
    js, ls = io.StringIO(), io.StringIO()
    kw = dict(week_before_min=12.25, target="moderate")
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink, JsonSink(js, **kw), LineSink(ls, **kw)])
    t = feed(live, clock, [90] * 20 + [118] * 100 + [135] * 50)
    for s in live.sinks:
        s.on_cue(FakeCue("High. Ease off if you want moderate.", t - 5))
    text = screen(sink)
    last = [json.loads(x) for x in js.getvalue().splitlines() if '"type":"status"' in x][-1]
    assert f"Credited  {last['credited_min']:.1f} min" in text
    assert f"Week  {last['week_min']:.1f} of 150 min" in text
    assert f"{last['hr_bpm']:.0f} bpm" in text and last["zone"] == "high"
    assert shows_big(text, "HIGH") and "above target" in text
    assert "cue: High. Ease off if you want moderate." in ls.getvalue()
    assert '"type":"cue"' in js.getvalue()
    feed(live, clock, [135] * 5, t0=t, contact=False)
    last = [json.loads(x) for x in js.getvalue().splitlines() if '"type":"status"' in x][-1]
    assert last["signal"] == "no signal" and last["hr_bpm"] is None and last["zone"] == "invalid"
    assert last["signal_reason"] == "contact lost"
    assert "no signal (contact lost)" in ls.getvalue() and "no signal (contact lost)" in screen(sink)
    status = [x for x in ls.getvalue().splitlines() if " HR " in x]
    assert status and "week" in status[-1] and "of 150 min" in status[-1]


class Capture(Sink):
    """Keeps the cleaned HR the core produced (NaN where invalid)."""

    def __init__(self) -> None:
        self.t: list[float] = []
        self.hr: list[float] = []

    def on_output(self, out: Output, state: object) -> None:
        self.t += out.t_s.tolist()
        self.hr += np.where(out.valid, out.hr_bpm, np.nan).tolist()


def test_calibration_display_shows_heart_rate_and_marks_but_no_zones() -> None:
    clock = FakeClock()
    con = Console(record=True, width=90, file=io.StringIO())
    sink = PanelSink(con, clock=clock, auto_refresh=False, marks=MarkLog(30.0))
    cap = Capture()
    live = LiveSession(HEADER, THRESHOLDS, sinks=[sink, cap])
    hrs = [90 + i // 10 for i in range(400)]        # +6 bpm a minute, crossing both thresholds
    feed(live, clock, hrs[:300])
    assert "Marks  —" in screen(sink)
    live.feed(Event(int(300 * S), int(300 * S), "mark", {"mark": "sing"}))
    text = screen(sink)
    # the confirmation gives the heart rate the proposal will use for this mark
    expect = mark_hr(np.array(cap.t), np.array(cap.hr), Mark(300.0, "sing"))
    assert expect.samples >= 25
    assert f"Marks  Marked: can no longer sing at {expect.hr_bpm:.0f} bpm (5:00)" in text
    for word in ("LOW", "MODERATE", "HIGH"):
        assert not shows_big(text, word) and word not in text
    assert "target" not in text and "Credited" not in text and "hrzone talk test" in text
    assert shows_big(text, str(hrs[299])) or shows_big(text, str(hrs[298]))
    feed(live, clock, hrs[300:310], t0=300)
    live.feed(Event(int(310 * S), int(310 * S), "mark", {"mark": "talk"}))
    text = screen(sink)
    assert "Marked: can no longer sing" in text and "Marked: can no longer talk" in text


def test_calibration_lines_and_json_confirm_marks_without_zones() -> None:
    ls, js = io.StringIO(), io.StringIO()
    line, jsn = make_calibration_display(False, ls), make_calibration_display(True, js)
    live = LiveSession(HEADER, THRESHOLDS, sinks=[line, jsn])
    feed(live, FakeClock(), [90 + i // 10 for i in range(200)])
    live.feed(Event(int(200 * S), int(200 * S), "mark", {"mark": "talk"}))
    assert re.search(r"Marked: can no longer talk at \d+ bpm \(3:20\)", ls.getvalue())
    assert "zone" not in ls.getvalue() and "moderate" not in ls.getvalue()
    objs = [json.loads(x) for x in js.getvalue().splitlines()]
    assert all("zone" not in o for o in objs)
    assert objs[-1]["confirmation"].startswith("Marked: can no longer talk at ")


def test_make_display_picks_a_sink_and_keeps_old_calls() -> None:
    assert isinstance(make_display(True, io.StringIO()), JsonSink)
    assert isinstance(make_display(False, io.StringIO()), LineSink)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    d = make_display(False, Tty(), week_before_min=30, goal_min=120, target="high")
    assert isinstance(d, PanelSink) and d.status.goal_min == 120 and d.status.target == "high"
    assert isinstance(make_calibration_display(True, io.StringIO()), StatusSink)
    with pytest.raises(ProfileError, match="target zone 'vigorous'"):
        make_display(False, io.StringIO(), target="vigorous")
