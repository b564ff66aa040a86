"""Raw recordings: JSON Lines files that keep every notification exactly as the strap sent it.

Line 1 is a header object; each following line is a notification
``{"t": <monotonic ns since start>, "w": <UTC wall clock ns>, "p": "<payload hex>"}``
or an event ``{"t": ..., "w": ..., "event": "<kind>", ...}``. See docs/recording-format.md.
Files are written append-only, flushed per line, and created readable by the user only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from hrzone import __version__
from hrzone.errors import RecordingFormatError
from hrzone.jumps import fix_times
from hrzone.paths import create_private

FORMAT_NAME = "hrzone-recording"
FORMAT_VERSION = "1.0"
EVENT_KINDS = frozenset({
    "connect", "disconnect", "reconnect", "battery", "contact", "mark", "malformed", "note",
    "silent", "start", "stop",
})


@dataclass(frozen=True, slots=True)
class Notification:
    """One raw 0x2A37 notification: monotonic ns since start, UTC wall clock ns, payload bytes."""

    t_ns: int
    wall_ns: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened during a session (connect, disconnect, battery, mark, ...)."""

    t_ns: int
    wall_ns: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Header:
    """Recording header: who recorded what, when, with which thresholds."""

    created: str
    device: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None
    thresholds: dict[str, Any] = field(default_factory=dict)
    source: str = "unknown"
    hrzone_version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"type": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION,
                "created": self.created, "device": self.device, "profile": self.profile,
                "thresholds": self.thresholds, "source": self.source,
                "hrzone_version": self.hrzone_version, **self.extra}

    def start(self) -> datetime:
        """Creation time as an aware datetime (a naive one, from a hand-edited file, is UTC)."""
        when = datetime.fromisoformat(self.created)
        return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def now_iso(wall_ns: int | None = None) -> str:
    """UTC instant rendered in the machine's local offset, e.g. 2026-11-21T08:30:00.123+01:00."""
    ns = time.time_ns() if wall_ns is None else wall_ns
    dt = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).astimezone()
    return dt.isoformat(timespec="milliseconds")


class RecordingWriter:
    """Append-only recording writer: every line is flushed as it is written.

    A failure to create the file or write its header raises RecordingFormatError (nothing was
    recorded yet; a partly written file is removed). A later write failure (a full disk, an I/O
    error, a file-size limit) closes the file as it is and, when `on_error` is given, calls it
    once with a one-line message and drops every later line: the session goes on in memory and
    what was written stays readable (a cut last line is skipped by the reader with a warning).
    Without `on_error` the failure raises RecordingFormatError.
    """

    def __init__(self, path: str | os.PathLike[str], header: Header, fsync: bool = False,
                 on_error: Callable[[str], None] | None = None):
        self.path = Path(path)
        self._fsync = fsync
        self._on_error = on_error
        self.error: str | None = None
        self.lines = 0                  # lines fully written (header included)
        self.dropped = 0                # lines not written after a failure
        try:
            fd = create_private(self.path, append=True)
        except FileExistsError:
            raise RecordingFormatError(f"{self.path}: already exists; not overwriting a recording")
        except OSError as e:
            raise RecordingFormatError(f"{self.path}: cannot create: {e.strerror}") from None
        self._f: TextIO | None = os.fdopen(fd, "w", encoding="utf-8")
        self.header = header
        try:
            self._line(header.to_json())
        except OSError as e:
            self._abort()
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise RecordingFormatError(f"{self.path}: cannot write: {_reason(e)}") from None

    def _line(self, obj: dict[str, Any]) -> None:
        if self._f is None:
            if self.error is not None:
                self.dropped += 1
                return
            raise RecordingFormatError(f"{self.path}: recording already closed")
        try:
            self._f.write(json.dumps(obj, separators=(",", ":")) + "\n")
            self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())
        except OSError as e:
            if self.lines == 0:
                raise               # the header: __init__ reports it
            self.dropped += 1
            self._failed(e)
            return
        self.lines += 1

    def _failed(self, e: OSError) -> None:
        self._abort()
        self.error = f"{self.path}: cannot write ({_reason(e)}) after {self.lines - 1} line(s)"
        if self._on_error is None:
            raise RecordingFormatError(self.error) from None
        self._on_error(self.error)

    def _abort(self) -> None:
        """Close the file without caring whether its buffer reaches the disk."""
        f, self._f = self._f, None
        if f is not None:
            with contextlib.suppress(OSError):
                f.close()           # closes the descriptor even when the final flush fails

    def notification(self, t_ns: int, wall_ns: int, payload: bytes) -> None:
        """Append one raw notification."""
        self._line({"t": t_ns, "w": wall_ns, "p": payload.hex()})

    def event(self, t_ns: int, wall_ns: int, kind: str, **data: Any) -> None:
        """Append one event line (kind is one of EVENT_KINDS)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        self._line({"t": t_ns, "w": wall_ns, "event": kind, **data})

    def write(self, item: Notification | Event) -> None:
        """Append a notification or an event."""
        if isinstance(item, Notification):
            self.notification(item.t_ns, item.wall_ns, item.payload)
        else:
            self.event(item.t_ns, item.wall_ns, item.kind, **item.data)

    def close(self) -> None:
        """Flush to the disk and close (a failure here is reported like a failed write)."""
        if self._f is not None:
            try:
                self._f.flush()
                os.fsync(self._f.fileno())
                self._f.close()
                self._f = None
            except OSError as e:
                self._failed(e)

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(e: OSError) -> str:
    """'No space left on device' and the like, for one-line messages."""
    return e.strerror or str(e) or type(e).__name__


@dataclass(slots=True)
class Recording:
    """A whole recording read into memory."""

    path: Path
    header: Header
    notifications: list[Notification]
    events: list[Event]
    warnings: list[str]


MAX_LINE_BYTES = 8192
"""The longest recording line read (bytes, newline included); a notification line is ~60 bytes,
a header a few hundred. A longer line is an error, and is never read whole."""
MAX_T_NS = 2**63 - 1
"""Largest 't' and |'w'| accepted: int64 nanoseconds, as every writer produces."""
EARLIEST_CREATED_YEAR, LATEST_CREATED_YEAR = 1970, 2200
"""A header 'created' outside these years cannot be a recording's start: an error."""


def _parse_header(path: Path, line: str) -> Header:
    where = f"{path} line 1"
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        raise RecordingFormatError(f"{where}: not an hrzone recording (header is not JSON)") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise RecordingFormatError(f"{where}: not an hrzone recording (no '{FORMAT_NAME}' header)")
    version = str(obj.get("version", ""))
    major = version.split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        raise RecordingFormatError(
            f"{where}: recording format version {version!r} is not supported "
            f"(this hrzone reads {FORMAT_VERSION.split('.')[0]}.x)")
    known = {"type", "format", "version", "created", "device", "profile", "thresholds", "source",
             "hrzone_version"}
    created = obj.get("created")
    if not isinstance(created, str):
        raise RecordingFormatError(f"{where}: header field 'created' is missing")
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        raise RecordingFormatError(f"{where}: header field 'created' is not an ISO 8601 time") from None
    if not EARLIEST_CREATED_YEAR <= when.year <= LATEST_CREATED_YEAR:
        raise RecordingFormatError(f"{where}: header field 'created' year {when.year} is not "
                                   f"between {EARLIEST_CREATED_YEAR} and {LATEST_CREATED_YEAR}")
    for key in ("device", "thresholds"):
        if obj.get(key) is not None and not isinstance(obj[key], dict):
            raise RecordingFormatError(f"{where}: header field {key!r} must be an object")
    profile = obj.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise RecordingFormatError(f"{where}: header field 'profile' must be a name or null")
    return Header(created=created, device=dict(obj.get("device") or {}),
                  profile=profile, thresholds=dict(obj.get("thresholds") or {}),
                  source=str(obj.get("source", "unknown")),
                  hrzone_version=str(obj.get("hrzone_version", "")),
                  extra={k: v for k, v in obj.items() if k not in known})


# The exact shape RecordingWriter writes for a notification: parsed without the JSON decoder.
_FAST_NOTIFICATION = re.compile(r'\{"t":(0|[1-9][0-9]{0,18}),"w":(-?(?:0|[1-9][0-9]{0,18})),"p":"((?:[0-9a-f]{2})*)"\}\n?')


def _check_times(where: str, t: int, w: int) -> None:
    if not 0 <= t <= MAX_T_NS:
        raise RecordingFormatError(f"{where}: field 't' (monotonic ns) {_short(t)} is out of range "
                                   f"(0 to {MAX_T_NS})")
    if not -MAX_T_NS <= w <= MAX_T_NS:
        raise RecordingFormatError(f"{where}: field 'w' (wall-clock ns) {_short(w)} is out of range")


def _short(n: int) -> str:
    """An integer for a message: in full when short, else its digit count."""
    s = str(n) if -10**30 < n < 10**30 else f"of {len(str(abs(n)))} digits"
    return s


def _parse_line(path: Path, lineno: int, obj: Any) -> Notification | Event:
    where = f"{path} line {lineno}"
    if not isinstance(obj, dict):
        raise RecordingFormatError(f"{where}: expected a JSON object")
    t = obj.get("t")
    w = obj.get("w")
    if type(t) is not int or t < 0:
        raise RecordingFormatError(f"{where}: field 't' (monotonic ns) must be a non-negative integer")
    if type(w) is not int:
        raise RecordingFormatError(f"{where}: field 'w' (wall-clock ns) must be an integer")
    _check_times(where, t, w)
    if "p" in obj:
        p = obj["p"]
        if not isinstance(p, str):
            raise RecordingFormatError(f"{where}: payload 'p' is not a hex string")
        try:
            payload = bytes.fromhex(p)
        except ValueError:
            raise RecordingFormatError(f"{where}: payload 'p' is not hex") from None
        return Notification(t, w, payload)
    kind = obj.get("event")
    if not isinstance(kind, str):
        raise RecordingFormatError(f"{where}: line is neither a notification ('p') nor an event ('event')")
    data = {k: v for k, v in obj.items() if k not in ("t", "w", "event")}
    return Event(t, w, kind, data)


def _read_line(f: BinaryIO, p: Path, lineno: int) -> str | None:
    """The next line as text (None at the end), read with a bound of MAX_LINE_BYTES."""
    raw = f.readline(MAX_LINE_BYTES + 1)
    if not raw:
        return None
    if len(raw) > MAX_LINE_BYTES:
        raise RecordingFormatError(f"{p} line {lineno}: longer than {MAX_LINE_BYTES} bytes "
                                   "(not a recording line)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if lineno == 1:
            raise RecordingFormatError(f"{p} line 1: not an hrzone recording (not UTF-8 text)") from None
        raise RecordingFormatError(f"{p} line {lineno}: not UTF-8 text") from None


def iter_recording(path: str | os.PathLike[str], warnings: list[str] | None = None,
                   fh: BinaryIO | None = None) -> Iterator[Header | Notification | Event]:
    """Yield the header, then notifications and events in file order.

    Lines are read with a bound (MAX_LINE_BYTES). A truncated last line (no newline, not valid
    JSON) is skipped with a warning appended to ``warnings``; any other bad line raises
    RecordingFormatError naming the file and line. Time order is not checked here:
    read_recording applies the clock-jump rule (hrzone.jumps) to the whole file. `fh`: read
    this open binary stream (a member of an archive) instead of opening `path`, which then
    only names the file in messages.
    """
    p = Path(path)
    try:
        f = fh if fh is not None else open(p, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise RecordingFormatError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise RecordingFormatError(f"{p}: is a directory, not a recording") from None
    except OSError as e:
        raise RecordingFormatError(f"{p}: cannot open: {e.strerror}") from None
    with f:
        first = _read_line(f, p, 1)
        if first is None or not first.strip():
            if first is not None and f.read(MAX_LINE_BYTES).strip():
                raise RecordingFormatError(f"{p} line 1: not an hrzone recording (no header)")
            raise RecordingFormatError(f"{p}: file is empty")
        yield _parse_header(p, first)
        lineno = 1
        loads = json.loads
        fast = _FAST_NOTIFICATION.fullmatch
        while True:
            line = _read_line(f, p, lineno + 1)
            if line is None:
                break
            lineno += 1
            m = fast(line)
            if m is not None:
                t, w = int(m.group(1)), int(m.group(2))
                _check_times(f"{p} line {lineno}", t, w)
                yield Notification(t, w, bytes.fromhex(m.group(3)))
                continue
            if not line.strip():
                continue
            try:
                obj = loads(line)
            except RecursionError:
                raise RecordingFormatError(f"{p} line {lineno}: JSON nested too deeply") from None
            except json.JSONDecodeError:
                if not line.endswith("\n") and f.read(1) == b"":
                    if warnings is not None:
                        warnings.append(f"{p} line {lineno}: truncated last line skipped")
                    break
                raise RecordingFormatError(f"{p} line {lineno}: not valid JSON") from None
            except ValueError:  # an integer longer than Python converts (4300 digits)
                raise RecordingFormatError(f"{p} line {lineno}: not valid JSON "
                                           "(a number too long to be a time or a payload)") from None
            yield _parse_line(p, lineno, obj)


def read_recording(path: str | os.PathLike[str], fh: BinaryIO | None = None) -> Recording:
    """Read a whole recording (see iter_recording for the error rules).

    The clock-jump rule (hrzone.jumps.fix_times) is applied to the 't' of every line, events
    included: lines far from the session, out of time order or isolated are dropped, with one
    warning per kind saying how many.
    """
    warnings: list[str] = []
    it = iter_recording(path, warnings, fh)
    header = next(it)
    assert isinstance(header, Header)
    items = list(it)
    fix = fix_times([x.t_ns / 1e9 for x in items])
    if fix.dropped:
        keep = fix.keep.tolist()
        items = [x for x, k in zip(items, keep) if k]
        warnings.extend(f"{path}: {w}" for w in fix.warnings("lines"))
    notes = [x for x in items if isinstance(x, Notification)]
    events = [x for x in items if isinstance(x, Event)]
    return Recording(Path(path), header, notes, events, warnings)


def is_recording(path: str | os.PathLike[str]) -> bool:
    """True if the file starts with an hrzone recording header (content sniffing)."""
    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and FORMAT_NAME.encode() in head
