"""Background cue player: the caller never waits; safety cues cut in.

`play(path)` only queues the file; a worker thread starts the platform's player (Linux paplay,
then aplay; macOS afplay; Windows winsound, asynchronously). A pre-empting play (the ceiling
cue) stops what is playing and clears the queue. If no player works, cues become silent after
one notice. ``HRZONE_AUDIO_PLAYER`` (a command, with ``{path}`` or the file appended) overrides
the choice, e.g. ``HRZONE_AUDIO_PLAYER="sox -q {path} -n"`` to play into a null sink.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hrzone.audio.voice import Notify, notice_stderr

ENV_PLAYER = "HRZONE_AUDIO_PLAYER"
MAX_QUEUED = 3  # older non-safety cues beyond this are dropped: late news is no news


@dataclass(frozen=True, slots=True)
class Started:
    """A clip that began playing: when it was requested and when its player was running
    (time.perf_counter seconds)."""

    path: Path
    requested_s: float
    started_s: float


def player_commands(platform: str = sys.platform) -> list[list[str]]:
    """Candidate player commands (argv templates with '{path}'), best first, installed only."""
    env = os.environ.get(ENV_PLAYER)
    if env:
        argv = shlex.split(env)
        return [argv if any("{path}" in a for a in argv) else argv + ["{path}"]]
    if platform.startswith("win"):
        return [["winsound", "{path}"]]
    if platform == "darwin":
        progs = [["afplay", "{path}"]]
    else:
        progs = [["paplay", "{path}"], ["aplay", "-q", "{path}"]]
    return [[shutil.which(p[0]) or p[0], *p[1:]] for p in progs if shutil.which(p[0])]


def player_hint(platform: str = sys.platform) -> str:
    if platform == "darwin":
        return "no audio player (afplay) found; cue audio is off"
    return ("no working audio player (paplay or aplay) found; cue audio is off "
            "(install pulseaudio-utils or alsa-utils)")


class _Winsound:
    """winsound behind the same wait/terminate seam as a subprocess."""

    def __init__(self, path: Path, duration_s: float):
        import winsound  # type: ignore[import-not-found]  # Windows only

        self._ws = winsound
        self._done = threading.Event()
        winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
        self._duration_s = duration_s
        self.returncode: int | None = None

    def communicate(self) -> tuple[bytes, bytes]:
        self._done.wait(self._duration_s)
        self.returncode = 0
        return b"", b""

    def terminate(self) -> None:
        self._ws.PlaySound(None, 0)
        self._done.set()


class Player:
    """Plays audio files one at a time on a daemon worker thread."""

    def __init__(self, commands: list[list[str]] | None = None, notify: Notify = notice_stderr,
                 on_start: Callable[[Started], None] | None = None):
        self.commands = player_commands() if commands is None else commands
        self.notify = notify
        self.on_start = on_start
        self._queue: deque[tuple[Path, float]] = deque()
        self._cv = threading.Condition()
        self._proc: subprocess.Popen[bytes] | _Winsound | None = None
        self._closed = False
        self._killed = False  # the current clip was stopped on purpose
        self._silent = not self.commands
        if self._silent:
            notify(player_hint())
        self._thread = threading.Thread(target=self._run, name="hrzone-audio", daemon=True)
        self._thread.start()

    @property
    def silent(self) -> bool:
        """True when no player works (cues are dropped)."""
        return self._silent

    def play(self, path: Path, preempt: bool = False) -> None:
        """Queue a file; with preempt, stop the current clip and play this one next. Never blocks."""
        now = time.perf_counter()
        with self._cv:
            if self._silent or self._closed:
                return
            if preempt:
                self._queue.clear()
                proc = self._proc
                if proc is not None:
                    self._killed = True
                    try:
                        proc.terminate()
                    except OSError:
                        pass
            elif len(self._queue) >= MAX_QUEUED:
                self._queue.popleft()
            self._queue.append((path, now))
            self._cv.notify()

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Block until nothing is playing or queued (or timeout); True if idle."""
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._queue or self._proc is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.05))
        return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Let queued clips finish (up to timeout_s), then stop the worker."""
        if not self._silent:
            self.wait_idle(timeout_s)
        with self._cv:
            self._closed = True
            self._queue.clear()
            if self._proc is not None:
                self._killed = True
                try:
                    self._proc.terminate()
                except OSError:
                    pass
            self._cv.notify_all()
        self._thread.join(timeout=2.0)

    def _spawn(self, argv_t: list[str], path: Path) -> subprocess.Popen[bytes] | _Winsound:
        if argv_t[0] == "winsound":
            from hrzone.audio.wavio import read_wav

            return _Winsound(path, read_wav(path).size / 22050.0 + 0.1)
        argv = [a.replace("{path}", str(path)) for a in argv_t]
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                path, requested = self._queue.popleft()
            self._play_one(path, requested)

    def _play_one(self, path: Path, requested: float) -> None:
        while self.commands:
            argv_t = self.commands[0]
            with self._cv:
                if self._closed:
                    return
                try:
                    proc = self._spawn(argv_t, path)
                except OSError:
                    proc = None
                self._proc = proc
            if proc is not None:
                if self.on_start is not None:
                    self.on_start(Started(path, requested, time.perf_counter()))
                proc.communicate()
                with self._cv:
                    self._proc = None
                    self._cv.notify_all()
                    killed, self._killed = self._killed, False
                if proc.returncode == 0 or killed:  # played, or cut by a pre-empting cue
                    return
            # This player does not work here (e.g. paplay without a sound server): try the next.
            with self._cv:
                self.commands = self.commands[1:]
                if not self.commands:
                    self._silent = True
                    self._queue.clear()
                    self._cv.notify_all()
            if not self.commands:
                self.notify(player_hint())
                return
