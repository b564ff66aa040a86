"""`hrzone scan`, `hrzone live`, `hrzone calibrate`: a strap (real or virtual) in real time."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from hrzone.cli.options import echo_json, json_option, threshold_options


def virtual_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="With --virtual: time factor (10 = ten times real time, "
                          "0 = as fast as possible).")(f)
    return click.option("--virtual", "virtual", metavar="FILE|PLAN",
                        help="Use a virtual strap playing a recording or a simulator plan "
                             "(no Bluetooth needed).")(f)


def _deprecated_profile(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        click.echo("Warning: --profile is deprecated for the strap's firmware profile; "
                   "use --strap.", err=True)
        ctx.meta["hrzone.strap"] = value


def _strap(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    return value if value is not None else ctx.meta.get("hrzone.strap")


def device_options(f: Callable[..., Any]) -> Callable[..., Any]:
    # --profile was the old name of --strap (confusable with the user profile): hidden alias
    f = click.option("--profile", hidden=True, expose_value=False, is_eager=True,
                     callback=_deprecated_profile)(f)
    f = click.option("--strap", "strap", metavar="NAME", callback=_strap,
                     help="Firmware profile of the strap (firmware_profiles/*.toml) instead of "
                          "the automatic match, e.g. garmin-hrm-dual.")(f)
    return click.option("--device", "device", metavar="ADDRESS|NAME",
                        help="Strap to connect to (default: the strongest one found).")(f)


@cli.command("scan")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.5, 120), default=8.0,
              show_default=True, help="Seconds to listen for straps.")
@virtual_options
@json_option
def scan_cmd(timeout_s: float, virtual: str | None, speed: float, as_json: bool) -> None:
    """List heart-rate straps in range: name, address, signal strength, matched profile."""
    from hrzone.app.straps import find_straps

    found = asyncio.run(find_straps(timeout_s, virtual, speed))
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


@cli.command("live")
@device_options
@click.option("--record", "record", type=click.Path(dir_okay=False, path_type=Path),
              help="Recording file to write (default: a new file in the data folder).")
@virtual_options
@threshold_options
@audio_options
@click.option("--save/--no-save", default=None,
              help="Add the finished session to your history (hrzone week). Default: yes for "
                   "a real strap, no with --virtual (a virtual session saved with --save is "
                   "marked virtual).")
@click.option("--ask/--no-ask", default=None,
              help="After a saved session, ask how it felt (RPE, fatigue, too warm, a note). "
                   "Default: yes on a terminal.")
@json_option
def live_cmd(device: str | None, strap: str | None, record: Path | None, virtual: str | None,
             speed: float, as_json: bool, audio: str, cue_log: Path | None,
             audio_out: Path | None, save: bool | None, ask: bool | None, **opts: Any) -> None:
    """Show intensity live from a strap until Ctrl-C; record everything; print the summary.

    Spoken cues (--audio) tell you when you reach or leave a zone; the session is added to your
    history when it ends (--no-save to skip; a --virtual session only with --save).
    """
    from hrzone.app.live import LiveRequest, run_live

    if audio_out is not None and audio == "off":
        raise click.UsageError("--audio-out needs --audio speech or tones")
    req = LiveRequest(device=device, strap=strap, virtual=virtual, speed=speed,
                      record=record, save=save, opts=opts, audio=audio, cue_log=cue_log,
                      audio_out=audio_out)
    res = run_live(req, as_json=as_json,
                   notify=lambda msg: click.echo(f"Note: {msg}", err=True))
    if as_json:
        if res.saved is not None:
            echo_json({"type": "saved", "id": res.saved.id, "created": res.saved.created,
                       "duplicate_of": res.saved.duplicate_of, "origin": res.origin,
                       "recording": str(res.recording)})
        _raise_save_error(res.save_error)
        return
    from hrzone.cli.report import summary_text
    click.echo("")
    click.echo(summary_text(res.summary))
    click.echo(f"Recording: {res.recording}")
    if res.recording_error:
        click.echo(f"Recording stopped early: {res.recording_error}; the summary above "
                   "covers the whole session.")
    if res.saved is not None:
        click.echo(f"Saved to your history as session {res.saved.id}"
                   + (f" ({res.origin})" if res.origin != "device" else "")
                   + (f" (same workout as session {res.saved.duplicate_of})"
                      if res.saved.duplicate_of else ""))
        if ask or (ask is None and _is_tty(sys.stdin)):
            from hrzone.cli.activity import ask_feel
            ask_feel(res.saved.id)
    elif not res.save_requested and virtual is not None:
        click.echo("Not saved to your history (a virtual session; add --save to keep it).")
    _raise_save_error(res.save_error)


def _raise_save_error(error: str | None) -> None:
    """Exit 1 with one line after the summary was shown, when the history could not take it."""
    if error is not None:
        from hrzone.errors import StoreError
        raise StoreError(f"not saved to your history: {error}")


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
def calibrate_cmd(device: str | None, strap: str | None, record: Path | None,
                  from_: Path | None, window_s: float, accept: bool, virtual: str | None,
                  speed: float, as_json: bool) -> None:
    """Guided talk test: mark when you can no longer sing, then talk; get bpm thresholds.

    Warm up, then increase effort slowly. Press s when you can no longer sing comfortably,
    t when you can no longer talk comfortably, q to finish (on a terminal no Enter is needed).
    Each mark is confirmed on screen with its heart rate; the proposal is shown beside the
    thresholds you use now, and y or n (one key) saves it or not.
    """
    from hrzone.app.live import default_record_path, run_source
    from hrzone.app.calibration import (
        comparison, current_thresholds, proposal_for, provisional_thresholds, save_thresholds)
    from hrzone.calibrate import describe_proposal
    from hrzone.display import make_calibration_display
    from hrzone.runner import run_cancellable

    if from_ is None:
        record = record or default_record_path()
        provisional = provisional_thresholds()   # zones are hidden during the test
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
                run_cancellable(run_source(device=device, strap=strap, record=record,
                                       virtual=virtual, speed=speed, sinks=[display],
                                       thresholds=provisional, on_source=on_source))
            finally:
                stop.set()          # the reader must not take the answer to the save prompt
                for r in readers:
                    r.join(1.0)
        from_ = record
    proposal = proposal_for(from_, window_s=window_s)
    th = proposal.thresholds
    if as_json:
        echo_json({"recording": str(from_), **comparison(proposal)})
    else:
        for m in proposal.marks:
            click.echo(f"{m.mark.kind:>5} mark at {m.mark.t_s / 60:5.1f} min: median "
                       f"{m.hr_bpm:.0f} bpm over {m.samples} samples")
        click.echo(click.wrap_text(
            f"Proposed: {describe_proposal(proposal, current_thresholds())}", 78,
            subsequent_indent="  "))
        click.echo(f"  (--moderate {th.moderate_bpm:g} --high {th.high_bpm:g})")
    save = accept
    if not accept and not as_json and sys.stdin.isatty():
        with _single_keys(sys.stdin) as single:
            keys = _keys(sys.stdin) if single else iter(lambda: click.getchar().lower(), None)
            save = _ask_yes_no("Save them in your profile?", keys)
    if save:
        offer = save_thresholds(th)
        if not as_json:
            click.echo("Saved (method bpm) in your profile.")
            if offer:
                click.echo(offer)
