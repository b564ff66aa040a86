"""A session: items from a source -> recording (as they arrive) -> signal core -> sinks.

The same code runs a live strap and a replay; only the source differs. LiveSession is the
synchronous heart (one item at a time, used by benchmarks too); run_session drives it from an
async HeartRateSource, builds the recording header from the source's DeviceInfo, and on any
clean end (the source ended, or the task was cancelled: Ctrl-C, SIGTERM, SIGHUP through
hrzone.runner) writes a `stop` event and closes the recording. A recording without a final
`stop` event was cut short by a crash or a kill -9. A failed write (full disk) stops the
recording, not the session: see SessionResult.recording_error. Neither does a sink's OSError
(the terminal of a display was closed): that sink is dropped and the session goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


from hrzone import cues
from hrzone.cues import Cue, CuePrefs
from hrzone.hrm import MalformedMeasurement
from hrzone.loader import load_workout, signal_config_for
from hrzone.recording import Event, Header, Notification, RecordingWriter, is_recording
from hrzone.series import Series, decode_payloads
from hrzone.signal import pipeline
from hrzone.signal.config import SignalConfig
from hrzone.signal.pipeline import Output
from hrzone.source import DeviceInfo, HeartRateSource, ReplaySource
from hrzone.summary import Accumulator, Summary
from hrzone.workout import Workout
from hrzone.zones import CueConfig, Thresholds

class Sink:
    """Receives what happens during a session. Override what you need; all are no-ops."""

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        """The session started (header known)."""

    def on_output(self, out: Output, state: pipeline.State) -> None:
        """The core processed samples (usually one); out.events holds cue-state changes."""

    def on_cue(self, cue: Cue) -> None:
        """The cue stage decided to say `cue` now (the end summary comes before close)."""

    def cue_setup(self) -> tuple[CuePrefs, float] | None:
        """The cue preferences and the week's credited minutes before this session that this
        sink speaks with; the first sink that has them sets the session's (None: no opinion)."""
        return None

    def on_event(self, event: Event) -> None:
        """A recording event arrived (connect, disconnect, battery, mark, ...)."""

    def on_malformed(self, item: Notification, error: str) -> None:
        """A notification could not be decoded (it is still recorded)."""

    def close(self, summary: Summary) -> None:
        """The session ended."""


@dataclass(slots=True)
class SessionResult:
    """A finished session: its summary, the recording written (if any) and, if writing the
    recording failed part-way (a full disk), why; the summary still covers the whole session."""

    summary: Summary
    recording: Path | None
    recording_error: str | None = None


def build_header(info: DeviceInfo, thresholds: Thresholds) -> Header:
    """The recording header for a session of this device with these thresholds."""
    return Header(created=info.created, device=dict(info.device), profile=info.strap,
                  thresholds=thresholds.to_json(), source=info.source, extra=dict(info.extra))


class LiveSession:
    """Feeds items one at a time through the streaming core, the cue stage and the sinks (no I/O
    but the writer).

    The cue stage (hrzone.cues) runs after the core on every chunk; each cue goes to every sink's
    on_cue. Its preferences are `cue_setup` (prefs, week's minutes before the session), else the
    first sink's cue_setup(), else the defaults.
    """

    def __init__(self, header: Header, thresholds: Thresholds, *, signal: SignalConfig | None = None,
                 cue_config: CueConfig | None = None, writer: RecordingWriter | None = None,
                 sinks: Iterable[Sink] = (), file: str = "<live>", fmt: str = "recording",
                 workout: Workout | None = None,
                 cue_setup: tuple[CuePrefs, float] | None = None):
        self.header = header
        self.fmt = fmt
        self.workout = workout
        self.signal = signal or signal_config_for(header.profile)
        self.state = pipeline.initial(thresholds, self.signal, cue_config)
        self.writer = writer
        self.sinks = list(sinks)
        self.file = file
        self.malformed = 0
        self.first_malformed: str | None = None
        self.acc = Accumulator()
        self._brk = False
        self._summary: Summary | None = None
        setup = cue_setup or next((c for c in (s.cue_setup() for s in self.sinks) if c), None)
        prefs, before = setup or (CuePrefs(), 0.0)
        self.cues = cues.initial(prefs, before)
        self.spoken: list[Cue] = []
        for s in self.sinks:
            s.on_start(header, thresholds)

    def feed(self, item: Notification | Event) -> Output | None:
        """Record and process one item; returns the core's output for a notification."""
        return self.feed_many([item])

    def feed_many(self, items: list[Notification | Event]) -> Output | None:
        """Record and process items in order; consecutive notifications form one chunk.

        The core gives the same result for any chunking, so this only saves overhead (used when
        replaying as fast as possible); returns the output of the last chunk, if any.
        """
        last: Output | None = None
        run: list[Notification] = []
        for item in items:
            if self.writer is not None:
                self.writer.write(item)
            if isinstance(item, Event):
                last = self._process(run) or last
                run = []
                if item.kind == "disconnect":
                    self._brk = True
                level = item.data.get("level") if item.kind == "battery" else None
                if isinstance(level, (int, float)) and not isinstance(level, bool):
                    said, self.cues = cues.battery(item.t_ns / 1e9, float(level), self.cues)
                    self._say(said)
                for s in self.sinks:
                    s.on_event(item)
                continue
            run.append(item)
        return self._process(run) or last

    def feed_series(self, chunk: Series) -> Output:
        """Process already-decoded samples (an imported workout file has no raw payloads)."""
        out, self.state = pipeline.process(chunk, self.state)
        self.acc.add(out)
        said, self.cues = cues.process(out, self.cues)
        self._say(said)
        for s in self.sinks:
            s.on_output(out, self.state)
        return out

    def _say(self, said: list[Cue]) -> None:
        self.spoken += said
        for c in said:
            for s in self.sinks:
                s.on_cue(c)

    def _process(self, run: list[Notification]) -> Output | None:
        """Decode a run of notifications exactly as a replayed file is, then process them."""
        if not run:
            return None
        brk = [False] * len(run)
        brk[0], self._brk = self._brk, False

        def malformed(i: int, e: MalformedMeasurement) -> None:
            self.malformed += 1
            if self.first_malformed is None:
                self.first_malformed = f"t={run[i].t_ns / 1e9:.1f}s: {e}"
            for s in self.sinks:
                s.on_malformed(run[i], str(e))

        dec = decode_payloads([n.t_ns for n in run], [n.payload for n in run], brk,
                              self.signal.drop_trailing_rr, malformed)
        if len(dec.series) == 0:
            self._brk = self._brk or brk[0]  # keep a pending break for the next notification
            return None
        return self.feed_series(dec.series)

    def finish(self) -> Summary:
        """Close the beat series and the recording; return the summary (sinks get it too)."""
        if self._summary is not None:
            return self._summary
        tail, self.state = pipeline.finish(self.state)
        self.acc.add(tail)
        if self.writer is not None:
            self.writer.close()
        w = self.workout
        warnings = list(w.warnings) if w is not None else []
        malformed = self.malformed + (w.malformed if w is not None else 0)
        if self.malformed:
            warnings.append(f"{self.malformed} malformed notification(s) skipped "
                            f"(first: {self.first_malformed})")
        meta = dict(w.meta) if w is not None else {"device": self.header.device,
                                                   "profile": self.header.profile}
        summary = self.acc.summary(self.state, file=self.file, fmt=self.fmt,
                                   start=self.header.start(), malformed=malformed,
                                   warnings=warnings, meta=meta)
        self._summary = summary
        said, self.cues = cues.finish(self.cues, summary)
        self._say(said)
        for s in self.sinks:
            s.close(summary)
        return summary


class _Guarded:
    """A sink whose OSError (a display whose terminal was closed: EIO, EPIPE) drops the sink
    instead of ending the session, so the summary, the recording and the history survive."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self.failed: OSError | None = None

    def _call(self, name: str, *args: object) -> None:
        if self.failed is None:
            try:
                getattr(self.sink, name)(*args)
            except OSError as e:
                self.failed = e

    def on_start(self, header: Header, thresholds: Thresholds) -> None:
        self._call("on_start", header, thresholds)

    def on_output(self, out: Output, state: pipeline.State) -> None:
        self._call("on_output", out, state)

    def on_event(self, event: Event) -> None:
        self._call("on_event", event)

    def on_malformed(self, item: Notification, error: str) -> None:
        self._call("on_malformed", item, error)

    def close(self, summary: Summary) -> None:
        self._call("close", summary)

    def __getattr__(self, name: str) -> object:
        return getattr(self.sink, name)


async def run_session(source: HeartRateSource, thresholds: Thresholds, *,
                      record_to: Path | None = None, signal: SignalConfig | None = None,
                      cue_config: CueConfig | None = None, sinks: Iterable[Sink] = (),
                      file: str | None = None, batch: int = 1,
                      cue_setup: tuple[CuePrefs, float] | None = None) -> SessionResult:
    """Run a source to its end (or until cancelled) and return the summary.

    cue_setup: the cue stage's (preferences, week's minutes before the session); see LiveSession.

    Every item is recorded as it arrives, so an interruption never loses what was received.
    Cancelling the task (hrzone.runner does so on Ctrl-C, SIGTERM, SIGHUP, with the signal's
    name as the cancel message) ends the session like the source ending: the summary is
    complete and the recording ends with a `stop` event giving the reason. `batch` > 1
    processes items in groups (for replays as fast as possible; live uses 1).
    """
    header = build_header(source.info, thresholds)
    sinks = [_Guarded(s) for s in sinks]
    last = [0, 0]                      # (t_ns, wall_ns) of the latest item, for stamps
    errors: list[str] = []

    def stamp() -> tuple[int, int]:
        now = source.stamp()
        return (max(now[0], last[0]), now[1]) if now is not None else (last[0], last[1])

    def write_failed(message: str) -> None:
        errors.append(message)
        note = Event(*stamp(), "note", {"message": f"recording stopped: {message}; the "
                                                   "session goes on in memory"})
        for s in sinks:
            s.on_event(note)

    writer = (RecordingWriter(record_to, header, on_error=write_failed)
              if record_to is not None else None)
    live = LiveSession(header, thresholds, signal=signal, cue_config=cue_config, writer=writer,
                       cue_setup=cue_setup, sinks=sinks,  # type: ignore[arg-type]  # _Guarded is a Sink by duck typing
                       file=file or str(record_to or getattr(source, "path", "<live>")))
    pending: list[Notification | Event] = []
    reason: dict[str, str] = {"reason": "end"}
    try:
        try:
            async for item in source.items():
                if isinstance(item, Event) and item.kind == "stop":
                    continue      # a replayed file's own end: this session writes its own
                last[0], last[1] = item.t_ns, item.wall_ns
                pending.append(item)
                if len(pending) >= batch:
                    live.feed_many(pending)
                    pending = []
        except asyncio.CancelledError as e:
            # Ctrl-C / a signal / task cancellation: finish cleanly below
            reason = ({"reason": "signal", "signal": str(e.args[0])} if e.args and e.args[0]
                      else {"reason": "cancelled"})
        finally:
            if pending:
                live.feed_many(pending)
            await source.aclose()
    except BaseException:
        if writer is not None:        # not a clean end: close what was received, no stop event
            writer.close()
        raise
    if writer is not None:
        writer.write(Event(*stamp(), "stop", reason))
    summary = live.finish()
    return SessionResult(summary, record_to, errors[0] if errors else None)


async def replay_file(path: Path, thresholds_for: Callable[[Header | None], Thresholds], *,
                      speed: float | None = 1.0, fmt: str | None = None,
                      sinks: Iterable[Sink] = ()) -> SessionResult:
    """Replay any supported file through the live core: an own recording notification by
    notification (events included), another format sample by sample (replay_workout).

    thresholds_for gets the recording header (None for imported files) and returns thresholds.
    A recording that is compressed or inside an archive is replayed from its decoded samples.
    """
    if fmt not in (None, "recording") or not (path.is_file() and is_recording(path)):
        w = load_workout(path, fmt=fmt)
        return await replay_workout(w, thresholds_for(w.header), speed=speed, sinks=sinks)
    source = ReplaySource(path, speed=speed)
    return await run_session(source, thresholds_for(source.header),
                             signal=signal_config_for(source.header.profile), sinks=sinks,
                             file=str(path), batch=1 if speed is not None else 512)


async def replay_workout(workout: Workout, thresholds: Thresholds, *, speed: float | None = 1.0,
                         cue_config: CueConfig | None = None, sinks: Iterable[Sink] = (),
                         chunk: int = 512) -> SessionResult:
    """Replay an imported workout (FIT/TCX/GPX/CSV) through the live core with its timing.

    Samples go in one at a time when timed, in chunks when `speed` is None (same result).
    """
    header = Header(created=workout.start.isoformat(), device=dict(workout.meta.get("device")
                    and {"name": str(workout.meta["device"])} or {}), source=workout.fmt)
    live = LiveSession(header, thresholds, signal=workout.signal, cue_config=cue_config,
                       sinks=sinks, file=str(workout.path), fmt=workout.fmt, workout=workout)
    s = workout.series
    step = chunk if speed is None else 1
    t0 = time.monotonic()
    try:
        for i in range(0, len(s), step):
            part = s.slice(i, i + step)
            if speed is not None:
                delay = t0 + float(part.t_s[0]) / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            live.feed_series(part)
    except asyncio.CancelledError:
        pass
    return SessionResult(live.finish(), None)
