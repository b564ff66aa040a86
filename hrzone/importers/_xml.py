"""Streaming, defended XML reading shared by the TCX and GPX importers.

xml.etree.ElementTree.iterparse never fetches external entities, but expat does expand internal
ones, so a DOCTYPE with entity declarations could blow up memory ("billion laughs"). TCX and GPX
never need a DOCTYPE: any file that declares one (or an entity) is rejected before parsing it.
Elements are matched by local name, whatever the namespace (devices disagree on namespaces).
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from hrzone.errors import ImportFormatError
from hrzone.importers._common import SampleBuilder, fail, finish
from hrzone.workout import Workout

_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_TAIL = max(len(x) for x in _FORBIDDEN)


class _Guarded(io.RawIOBase):
    """File wrapper that refuses DOCTYPE/ENTITY declarations as the parser reads the bytes.

    allow_doctype: a DOCTYPE with element and attribute declarations is let through (Apple
    Health's export.xml has one), entity declarations never are. Whitespace before the XML
    declaration (Strava's TCX files start with spaces) is dropped: expat refuses it.
    """

    def __init__(self, raw: BinaryIO, path: Path, allow_doctype: bool = False) -> None:
        self._raw = raw
        self._path = path
        self._tail = b""
        self._forbidden = _FORBIDDEN[1:] if allow_doctype else _FORBIDDEN
        self.first = True
        self._leading = True

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self.first and data:
            self.first = False
            if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
                fail(self._path, "UTF-16/32 encoded XML is not supported (save it as UTF-8)")
        while self._leading and data:
            stripped = data.lstrip(b" \t\r\n")
            if stripped:
                self._leading = False
                if stripped[:5] == b"<?xml":
                    data = stripped
                break
            data = self._raw.read(size)
        window = self._tail + data
        for bad in self._forbidden:
            if bad in window:
                fail(self._path, f"XML {bad[2:].decode().lower()} declarations are not allowed "
                                 "(refusing a possible XML bomb)")
        self._tail = window[-_TAIL:]
        return data


def root_name(head: bytes) -> str | None:
    """Local name of the first element of an XML document's first bytes (skipping leading
    whitespace, a BOM, the prolog, comments and a DOCTYPE with its internal subset)."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0 or i + 1 >= len(text):
            return None
        nxt = text[i + 1]
        if nxt in "?!":
            if text.startswith("<!--", i):
                end = text.find("-->", i) + 3
            elif text.startswith("<!DOCTYPE", i):
                end = _doctype_end(text, i)
            else:
                end = text.find(">", i) + 1
            if end <= 0:
                return None
            i = end
            continue
        j = i + 1
        while j < len(text) and not text[j].isspace() and text[j] not in "/>":
            j += 1
        return text[i + 1:j].rpartition(":")[2] or None


def _doctype_end(text: str, i: int) -> int:
    """Index after a DOCTYPE declaration starting at i (its [internal subset] included), 0 if
    it does not end within the text."""
    bracket = text.find("[", i)
    close = text.find(">", i)
    if bracket < 0 or (0 <= close < bracket):
        return close + 1
    end = text.find("]", bracket)
    while end >= 0:
        after = text[end + 1:].lstrip()
        if after.startswith(">"):
            return len(text) - len(after) + 1
        end = text.find("]", end + 1)
    return 0


def xml_sniff(head: bytes, root: str) -> bool:
    """True when `head` starts an XML document whose root element's local name is `root`."""
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return s[:1] == b"<" and root_name(head) == root


class XmlSyntaxError(ImportFormatError):
    """The XML is not well-formed (often: the file is truncated)."""


def local(tag: str) -> str:
    """Local name of an ElementTree tag ('{ns}hr' -> 'hr')."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag.rpartition(":")[2]


def iter_xml(path: Path, fh: BinaryIO, root: str,
             allow_doctype: bool = False) -> Iterator[tuple[str, ET.Element, str]]:
    """Yield (event, element, local name) for 'start' and 'end' events of a document whose root
    element must be `root` (ImportFormatError otherwise).

    The caller clears elements it has used; a ParseError becomes XmlSyntaxError ("file: line N
    column C: reason"), which callers catch to keep a truncated file's samples.
    """
    seen = False
    try:
        for event, elem in ET.iterparse(_Guarded(fh, path, allow_doctype),
                                        events=("start", "end")):
            name = local(elem.tag)
            if not seen:
                seen = True
                if name != root:
                    fail(path, f"root element is {name!r}, not {root}")
            yield event, elem, name
    except ET.ParseError as e:
        line, col = getattr(e, "position", (0, 0))
        reason = str(e).split(":")[0]
        raise XmlSyntaxError(f"{path}: line {line} column {col}: {reason}") from None
    except LookupError as e:  # the XML declaration names an encoding Python does not know
        fail(path, f"XML declaration: {e}")
    if not seen:
        fail(path, "no XML element found")


def text_of(elem: ET.Element) -> str:
    """Stripped text of an element ('' when none)."""
    return (elem.text or "").strip()


def parse_number(text: str) -> float | None:
    """A finite float from text, else None."""
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def truncated(e: XmlSyntaxError, n_samples: int, warns: list[str]) -> None:
    """A syntax error after some samples: keep them with a warning; before any: re-raise."""
    if n_samples == 0:
        raise e
    warns.append(f"file truncated or malformed ({str(e).split(': ', 1)[-1]}); "
                 "summarised what was readable")


def finish_track(path: Path, fmt: str, builder: SampleBuilder, *, bad_time: int, bad_hr: int, time_tag: str, sports: list[str],
                 warns: list[str], meta: dict[str, Any], first_t: float | None,
                 max_gap_s: float | None) -> Workout:
    """Common end of the TCX and GPX readers: warnings for skipped points, sports, the Workout."""
    if bad_time:
        warns.append(f"{bad_time} trackpoints with an unreadable {time_tag} were skipped")
    if bad_hr:
        warns.append(f"{bad_hr} trackpoints with an unreadable heart rate were skipped")
    meta["sports"] = list(dict.fromkeys(s for s in sports if s))
    meta["sport"] = ",".join(meta["sports"]) or None
    return finish(path, fmt, builder, max_gap_s=max_gap_s, warnings=warns, meta=meta,
                  t0_epoch_s=first_t, start_known=first_t is not None)
