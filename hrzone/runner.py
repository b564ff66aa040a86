"""Run a live session's coroutine so that Ctrl-C, SIGTERM and SIGHUP all end it cleanly.

A session stopped by the user must end the same way whatever stopped it: Ctrl-C in the
terminal (SIGINT), `kill` or a service manager (SIGTERM), or the terminal window being closed
(SIGHUP). On the first of these signals the session's task is cancelled with the signal's name
as the cancel message; `session.run_session` catches the cancellation, writes the `stop` event
(`"reason": "signal", "signal": "SIGTERM"`), closes the recording and returns the complete
summary, so the caller prints and saves it exactly as after the source's own end. Later signals
while the session is finishing are ignored (finishing is bounded by the device timeouts), so a
SIGTERM that follows a SIGHUP cannot cut the ending short.

A signal that arrives before the session has started (while scanning or connecting) raises
SessionStopped: nothing was recorded.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from hrzone.errors import SessionStopped

T = TypeVar("T")

#: The signals that end a session as Ctrl-C does (those the platform has).
END_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def run_cancellable(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on a new event loop until it returns; an end signal cancels it once.

    Returns what the coroutine returns (run_session returns normally after a cancellation).
    Raises SessionStopped if a signal cancelled the coroutine before it could finish cleanly.
    Handlers go through loop.add_signal_handler where the platform has it (POSIX, main thread);
    elsewhere Ctrl-C still arrives as KeyboardInterrupt and is turned into the same
    cancellation. Previous handlers are restored afterwards.
    """
    loop = asyncio.new_event_loop()
    task = loop.create_task(coro)
    stopped_by: list[str] = []

    def stop(name: str) -> None:
        if not stopped_by:
            stopped_by.append(name)
            task.cancel(msg=name)   # run_session records the name in the stop event

    installed = _install(loop, stop)
    try:
        while True:
            try:
                return loop.run_until_complete(task)
            except KeyboardInterrupt:
                stop("SIGINT")      # no loop handler (Windows, or not the main thread)
            except asyncio.CancelledError:
                raise SessionStopped(f"stopped by {stopped_by[0] if stopped_by else 'a signal'} "
                                     "before the session started; nothing was recorded"
                                     ) from None
    finally:
        _restore(loop, installed)
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _install(loop: asyncio.AbstractEventLoop, stop: Any) -> dict[signal.Signals, Any]:
    """Route every END_SIGNAL to `stop(name)`; returns the handlers to restore."""
    previous: dict[signal.Signals, Any] = {}
    for sig in END_SIGNALS:
        try:
            before = signal.getsignal(sig)
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):
            continue                # no loop signal support here (Windows, non-main thread)
        previous[sig] = before
    return previous


def _restore(loop: asyncio.AbstractEventLoop, previous: dict[signal.Signals, Any]) -> None:
    for sig, before in previous.items():
        loop.remove_signal_handler(sig)
        if before is not None:
            signal.signal(sig, before)
