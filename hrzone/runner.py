"""Run a session coroutine so that Ctrl-C ends it cleanly (the session still finishes)."""

from __future__ import annotations

import asyncio
from typing import Any

from hrzone.session import SessionResult


def run_cancellable(coro: Any) -> SessionResult:
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
