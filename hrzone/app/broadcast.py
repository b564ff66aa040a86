"""Messages from a running session or class to everyone watching it (the web server's event
streams): each subscriber has its own bounded queue; one that falls behind loses its oldest
messages rather than holding up the session."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

Message = tuple[str, dict[str, Any]]


class Broadcast:
    """Subscribers' queues of (kind, data) messages, each at most `maxsize` long."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._queues: set[asyncio.Queue[Message]] = set()

    def __bool__(self) -> bool:
        return bool(self._queues)

    def subscribe(self) -> asyncio.Queue[Message]:
        """A queue of messages from now on; unsubscribe when done."""
        q: asyncio.Queue[Message] = asyncio.Queue(self.maxsize)
        self._queues.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[Message]) -> None:
        self._queues.discard(q)

    def send(self, msg: Message) -> None:
        """Put `msg` in every queue (dropping a full queue's oldest message)."""
        for q in self._queues:
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
            q.put_nowait(msg)


class Watched:
    """A task that pages watch (a live session, a class): subclasses set `_watchers` (a
    Broadcast), `ended` and `task`, and define connected() and snapshot() (its state as JSON)."""

    _watchers: Broadcast
    ended: asyncio.Event
    task: asyncio.Task[Any] | None

    def connected(self) -> bool:
        """Whether the straps are connected (the session or class has started)."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def state(self) -> str:
        """'connecting', 'running', 'stopping' or 'ended'."""
        if self.ended.is_set():
            return "ended"
        if self.task is not None and self.task.cancelling():
            return "stopping"
        return "running" if self.connected() else "connecting"

    def subscribe(self) -> asyncio.Queue[Message]:
        """A queue of (kind, data) messages from now on; unsubscribe when done."""
        return self._watchers.subscribe()

    def unsubscribe(self, q: asyncio.Queue[Message]) -> None:
        self._watchers.unsubscribe(q)

    def publish(self, kind: str, data: dict[str, Any] | None = None) -> None:
        """Send a message to every subscriber (without data: the snapshot)."""
        if self._watchers:
            self._watchers.send((kind, self.snapshot() if data is None else data))
