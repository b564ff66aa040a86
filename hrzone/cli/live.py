"""`hrzone scan`, `hrzone live`, `hrzone calibrate`: a strap (real or virtual) in real time."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

try:  # single-key input on POSIX terminals; Windows reads lines instead
    import termios
    import tty
except ImportError:  # pragma: no cover
    termios = tty = None  # type: ignore[assignment]

from hrzone.cli import cli
from hrzone.cli.audio_options import audio_options
from hrzone.cli.options import echo_json, json_option, pick_thresholds, threshold_options
from hrzone.errors import DeviceError, PlanError
from hrzone.session import SessionResult, Sink, run_session
from hrzone.zones import Thresholds


def _virtual_air(spec: str, speed: float) -> Any:
    """A VirtualAir with one strap from a recording file or a simulator plan."""
    from hrzone.ble.clock import ScaledClock, VirtualClock
    from hrzone.virtual import VirtualAir, strap_from_plan, strap_from_recording

    p = Path(spec)
    if p.is_file() and p.suffix.lower() not in (".toml", ".json"):
        strap = strap_from_recording(p)
    else:
        try:
            strap = strap_from_plan(spec)
        except PlanError as e:
            raise PlanError(f"--virtual {spec}: not a recording file, and {e}") from None
    clock = VirtualClock() if speed == 0 else ScaledClock(speed)
    return VirtualAir(clock, [strap])


def _default_record_path() -> Path:
    from hrzone.paths import data_dir
    d = data_dir() / "recordings"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"live-{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl"


def virtual_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="With --virtual: time factor (10 = ten times real time, "
                          "0 = as fast as possible).")(f)
    return click.option("--virtual", "virtual", metavar="FILE|PLAN",
                        help="Use a virtual strap playing a recording or a simulator plan "
                             "(no Bluetooth needed).")(f)


def device_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--profile", "profile",
                     help="Firmware profile to use instead of the automatic match "
                          "(see firmware_profiles/).")(f)
    return click.option("--device", "device", metavar="ADDRESS|NAME",
                        help="Strap to connect to (default: the strongest one found).")(f)


@cli.command("scan")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.5, 120), default=8.0,
              show_default=True, help="Seconds to listen for straps.")
@virtual_options
@json_option
def scan_cmd(timeout_s: float, virtual: str | None, speed: float, as_json: bool) -> None:
    """List heart-rate straps in range: name, address, signal strength, matched profile."""
    from hrzone.ble.scan import scan
    from hrzone.profiles import load_profiles

    async def go() -> list[Any]:
        profiles = load_profiles()
        if virtual is None:
            return await scan(profiles, timeout_s=timeout_s)
        air = _virtual_air(virtual, speed or 0)
        _, scanner_cls = air.backends()
        try:
            return await scan(profiles, timeout_s=min(timeout_s, 1.0), clock=air.clock,
                              backend=scanner_cls)
        finally:
            await air.aclose()

    found = asyncio.run(go())
    if as_json:
        echo_json([f.to_json() for f in found])
        return
    if not found:
        click.echo("No heart-rate strap found. Wear it (most straps sleep when dry or off the "
                   "body); see docs/troubleshooting.md.")
        return
    for f in found:
        hr = "" if f.advertises_hr else "  (found by name; does not advertise 0x180D)"
        click.echo(f"{f.name or '?':<24} {f.address:<38} {f.rssi:>4} dBm  "
                   f"profile {f.profile.name}{hr}")


async def _live(opts: dict[str, Any], *, device: str | None, profile: str | None,
                record: Path | None, virtual: str | None, speed: float, sinks: list[Sink],
                thresholds: Thresholds, on_source: Callable[[Any, asyncio.AbstractEventLoop], None]
                | None = None) -> SessionResult:
    """Open the source, run the session until it ends or is cancelled (Ctrl-C)."""
    from hrzone.ble.source import BleSource
    from hrzone.virtual import virtual_source

    air = None
    if virtual is not None:
        air = _virtual_air(virtual, speed)
        source = virtual_source(air, device, profile=profile, thresholds=thresholds.to_json())
    else:
        source = BleSource(device, profile=profile, thresholds=thresholds.to_json())
    try:
        await source.open()
        if on_source is not None:
            on_source(source, asyncio.get_running_loop())
        return await run_session(source, thresholds, record_to=record, sinks=sinks)
    finally:
        await source.aclose()
        if air is not None:
            await air.aclose()
            closer = getattr(air.clock, "aclose", None)
            if closer is not None:
                await closer()


def _run_cancellable(coro: Any) -> SessionResult:
    """asyncio.run that turns Ctrl-C into task cancellation, so the session ends cleanly."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(coro)
    try:
        while True:
            try:
                return loop.run_until_complete(task)
            except KeyboardInterrupt:
                task.cancel()       # run_session catches the cancellation and finishes
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@cli.command("live")
@device_options
@click.option("--record", "record", type=click.Path(dir_okay=False, path_type=Path),
              help="Recording file to write (default: a new file in the data folder).")
@virtual_options
@threshold_options
@audio_options
@click.option("--save/--no-save", default=True, show_default=True,
              help="Add the finished session to your history (hrzone week).")
@json_option
def live_cmd(device: str | None, profile: str | None, record: Path | None, virtual: str | None,
             speed: float, as_json: bool, audio: str, cue_log: Path | None,
             audio_out: Path | None, save: bool, **opts: Any) -> None:
    """Show intensity live from a strap until Ctrl-C; record everything; print the summary.

    Spoken cues (--audio) tell you when you reach or leave a zone; the session is added to your
    history when it ends (--no-save to skip).
    """
    from hrzone.cli.audio_options import cue_sink_from_options
    from hrzone.display import make_display

    thresholds = pick_thresholds(opts)
    record = record or _default_record_path()
    display = make_display(as_json)
    cue = cue_sink_from_options(audio, cue_log, audio_out, play=True, weekly=True)
    res = _run_cancellable(_live(opts, device=device, profile=profile, record=record,
                                 virtual=virtual, speed=speed,
                                 sinks=[display, *([cue] if cue is not None else [])],
                                 thresholds=thresholds))
    saved = None
    if save and res.summary.samples:
        from hrzone.store import save_session
        saved = save_session(res.summary, record)
    if not as_json:
        from hrzone.cli.report import summary_text
        click.echo("")
        click.echo(summary_text(res.summary))
        click.echo(f"Recording: {record}")
        if saved is not None:
            click.echo(f"Saved to your history as session {saved.id}"
                       + (f" (same workout as session {saved.duplicate_of})"
                          if saved.duplicate_of else ""))


def _keys(stream: Any, stop: threading.Event | None = None) -> Iterator[str]:
    """Keys typed on a terminal, one at a time (see _single_keys), else each line's first letter
    ("" for an empty line). On a terminal, ends soon after `stop` is set."""
    if _is_tty(stream):
        import select
        fd = stream.fileno()
        while stop is None or not stop.is_set():
            if stop is not None and not select.select([fd], [], [], 0.1)[0]:
                continue
            ch = os.read(fd, 1)
            if not ch:
                return
            yield ch.decode("utf-8", "ignore").lower()
    else:
        for line in stream:
            yield line.strip().lower()[:1]


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty()) and termios is not None
    except (AttributeError, ValueError):
        return False


@contextmanager
def _single_keys(stream: Any) -> Iterator[bool]:
    """Put a terminal in cbreak mode (keys arrive without Enter and are not echoed; Ctrl-C
    still works), restoring it on any exit. Yields whether single keys are on."""
    if not _is_tty(stream):
        yield False
        return
    fd = stream.fileno()
    old = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def _key_reader(source: Any, loop: asyncio.AbstractEventLoop, stream: Any = None,
                stop: threading.Event | None = None) -> threading.Thread:
    """Read s / t / q from stdin in a thread; marks go into the live stream (the display then
    confirms each one). Set `stop` to end the thread on a terminal (before asking anything)."""
    stream = stream or sys.stdin

    def run() -> None:
        for key in _keys(stream, stop):
            if key == "s":
                loop.call_soon_threadsafe(source.mark, "sing")
            elif key == "t":
                loop.call_soon_threadsafe(source.mark, "talk")
            elif key == "q":
                loop.call_soon_threadsafe(source.stop.set)
                return

    thread = threading.Thread(target=run, daemon=True, name="hrzone-keys")
    thread.start()
    return thread


def _ask_yes_no(question: str, keys: Iterator[str]) -> bool:
    """Ask on screen and take one key: y is yes; n, Enter, Esc or q is no; others are ignored."""
    click.echo(f"{question} [y/n] ", nl=False)
    answer = False
    for key in keys:
        if key in ("y", "n", "q", "", "\n", "\r", "\x1b"):
            answer = key == "y"
            break
    click.echo("yes" if answer else "no")
    return answer


@cli.command("calibrate")
@device_options
@click.option("--record", "record", type=click.Path(dir_okay=False, path_type=Path),
              help="Recording file to write (default: a new file in the data folder).")
@click.option("--from", "from_", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Propose from an earlier recording with talk-test marks instead of a live test.")
@click.option("--window", "window_s", type=click.FloatRange(10, 120), default=30.0,
              show_default=True, help="Seconds of HR before each mark to take the median of.")
@click.option("--accept", is_flag=True, help="Save the proposed thresholds without asking.")
@virtual_options
@json_option
def calibrate_cmd(device: str | None, profile: str | None, record: Path | None,
                  from_: Path | None, window_s: float, accept: bool, virtual: str | None,
                  speed: float, as_json: bool) -> None:
    """Guided talk test: mark when you can no longer sing, then talk; get bpm thresholds.

    Warm up, then increase effort slowly. Press s when you can no longer sing comfortably,
    t when you can no longer talk comfortably, q to finish (on a terminal no Enter is needed).
    Each mark is confirmed on screen with its heart rate; the proposal is shown beside the
    thresholds you use now, and y or n (one key) saves it or not.
    """
    from hrzone.calibrate import comparison_json, describe_proposal, propose_from_recording
    from hrzone.display import make_calibration_display
    from hrzone.profile import load_profile, profile_thresholds
    from hrzone.zones import resolve_thresholds

    if from_ is None:
        record = record or _default_record_path()
        # The core needs thresholds; the display hides zones during the test (heart rate and
        # marks only), so these never reach the screen.
        provisional = resolve_thresholds("bpm", moderate=100, high=140)
        stop = threading.Event()
        readers: list[threading.Thread] = []

        def on_source(source: Any, loop: asyncio.AbstractEventLoop) -> None:
            readers.append(_key_reader(source, loop, stop=stop))

        with _single_keys(sys.stdin) as single:
            if not as_json:
                how = "one key, no Enter" if single else "each key followed by Enter"
                click.echo(f"Talk test: warm up, then raise the effort slowly. Press ({how}):\n"
                           "  s  when you can no longer sing comfortably\n"
                           "  t  when you can no longer talk comfortably\n"
                           "  q  to finish")
            display = make_calibration_display(as_json, sys.stderr if as_json else None,
                                               window_s=window_s)
            try:
                _run_cancellable(_live({}, device=device, profile=profile, record=record,
                                       virtual=virtual, speed=speed, sinks=[display],
                                       thresholds=provisional, on_source=on_source))
            finally:
                stop.set()          # the reader must not take the answer to the save prompt
                for r in readers:
                    r.join(1.0)
        from_ = record
    proposal = propose_from_recording(from_, window_s=window_s)
    th = proposal.thresholds
    current = profile_thresholds(load_profile())
    if as_json:
        echo_json({"recording": str(from_), **comparison_json(proposal, current)})
    else:
        for m in proposal.marks:
            click.echo(f"{m.mark.kind:>5} mark at {m.mark.t_s / 60:5.1f} min: median "
                       f"{m.hr_bpm:.0f} bpm over {m.samples} samples")
        click.echo(click.wrap_text(f"Proposed: {describe_proposal(proposal, current)}", 78,
                                   subsequent_indent="  "))
        click.echo(f"  (--moderate {th.moderate_bpm:g} --high {th.high_bpm:g})")
    save = accept
    if not accept and not as_json and sys.stdin.isatty():
        with _single_keys(sys.stdin) as single:
            keys = _keys(sys.stdin) if single else iter(lambda: click.getchar().lower(), None)
            save = _ask_yes_no("Save them in your profile?", keys)
    if save:
        _save_thresholds(th)
        if not as_json:
            click.echo("Saved (method bpm) in your profile.")


def _save_thresholds(th: Thresholds) -> None:
    """Write bpm thresholds into the user profile (hrzone.profile)."""
    try:
        from hrzone.profile import load_profile, save_raw
    except ImportError as e:  # pragma: no cover - the profile module ships with hrzone
        raise DeviceError(f"cannot save thresholds: {e}") from None
    prof = load_profile()
    raw = dict(prof.raw)
    raw.update(method="bpm", moderate_bpm=th.moderate_bpm, high_bpm=th.high_bpm)
    if prof.path is not None:
        prof.path.parent.mkdir(parents=True, exist_ok=True)
    save_raw(raw, prof.path)
