"""Workouts recorded by other devices and apps, and hrzone's own recordings: one registry.

Each format is one module with two functions and one entry in REGISTRY below:

    sniff(head: bytes, name: str) -> bool      # its first bytes (name in lower case: a tie-break)
    load(src, max_gap_s, **options) -> Iterator[Workout]   # src: archive.Entry / BytesSource

`detect` asks the modules in registry order; formats marked `weak` (CSV: any text with a
delimiter) are asked only after the signatures of files that are not workouts (images, PDFs,
JSON of other apps, ...), which are skipped with a short reason (`NotAWorkout`). A file may hold
several workouts (an Apple Health export): `load_all` yields them; `load` wants exactly one.
gzip and zip are not formats but containers: see archive.py (every entry point accepts them).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hrzone.errors import ImportFormatError, NotAWorkout
from hrzone.importers._common import DEFAULT_MAX_GAP_S, fail, not_a_workout
from hrzone.importers.archive import Source, kind_of, printable, source_of
from hrzone.workout import Workout


@dataclass(frozen=True, slots=True)
class Format:
    """One readable format: its name (`--format`), usual extensions (tie-breaks only), the
    module holding its sniff() and load(), and what a user reads about it."""

    name: str
    extensions: tuple[str, ...]
    module: str
    description: str
    weak: bool = False          # recognised by a loose test: asked after the non-workout checks
    multi: bool = False         # one file may hold many workouts
    options: tuple[str, ...] = ()

    def mod(self) -> ModuleType:
        """The format's module (imported on first use)."""
        return importlib.import_module(self.module)

    def sniff(self, head: bytes, name: str) -> bool:
        return bool(self.mod().sniff(head, name))

    def load(self, src: Source, max_gap_s: float | None = None,
             **options: Any) -> Iterator[Workout]:
        return self.mod().load(src, max_gap_s, **options)  # type: ignore[no-any-return]


REGISTRY: tuple[Format, ...] = (
    Format("recording", (".jsonl",), "hrzone.importers.own", "hrzone recording (JSON Lines)"),
    Format("fit", (".fit",), "hrzone.importers.fit", "FIT activity"),
    Format("tcx", (".tcx",), "hrzone.importers.tcx", "Garmin TCX"),
    Format("gpx", (".gpx",), "hrzone.importers.gpx", "GPX track"),
    Format("apple_health", (".xml",), "hrzone.importers.apple_health",
           "Apple Health export", multi=True),
    Format("hrm", (".hrm",), "hrzone.importers.hrm", "Polar HRM"),
    Format("csv", (".csv", ".txt"), "hrzone.importers.csv", "CSV (Polar Sensor Logger, generic)",
           weak=True, options=("time_col", "hr_col", "rr_col")),
)
BY_NAME = {f.name: f for f in REGISTRY}
FORMATS: tuple[str, ...] = tuple(f.name for f in REGISTRY if f.name != "recording")
"""Names of the formats of other devices and apps (`--format` also takes "recording")."""

SNIFF_BYTES = 65536

__all__ = ["DEFAULT_MAX_GAP_S", "FORMATS", "REGISTRY", "Format", "NotAWorkout", "detect",
           "detect_head", "load", "load_all"]


# --- files that are not workouts ---------------------------------------------------------------

def _json_kind(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] not in (b"{", b"["):
        return None
    if b'"hrzone-sim-truth"' in text[:4096]:
        return "hrzone simulator ground truth (.truth.json)"
    return "a JSON file"


_NOT_WORKOUTS: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda h: h[:3] == b"\xff\xd8\xff", "a JPEG image"),
    (lambda h: h[:8] == b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (lambda h: h[:6] in (b"GIF87a", b"GIF89a"), "a GIF image"),
    (lambda h: h[:4] in (b"RIFF",) and h[8:12] == b"WEBP", "a WebP image"),
    (lambda h: h[4:8] == b"ftyp", "a video or HEIC image"),
    (lambda h: h[:5] == b"%PDF-", "a PDF document"),
    (lambda h: h[:3] == b"BZh", "bzip2-compressed (only gzip and zip are read: unpack it first)"),
    (lambda h: h[:6] == b"\xfd7zXZ\x00", "xz-compressed (only gzip and zip are read: unpack it first)"),
    (lambda h: h[:6] == b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (only gzip and zip are read)"),
    (lambda h: h[:4] == b"Rar!", "a RAR archive (only gzip and zip are read)"),
    (lambda h: h[257:262] == b"ustar", "a tar archive (only gzip and zip are read: unpack it)"),
    (lambda h: h[:4] == b"SQLi", "an SQLite database"),
)


def not_workout_reason(head: bytes) -> str | None:
    """Why a file with these first bytes is not a workout (a short phrase), or None."""
    for test, reason in _NOT_WORKOUTS:
        if test(head):
            return reason
    return _json_kind(head)


# --- detection and loading ---------------------------------------------------------------------

def detect_head(head: bytes, name: str) -> Format:
    """The Format of a file from its first bytes (SNIFF_BYTES of them); NotAWorkout for files
    that are not workouts or of no known format (one short line naming the file)."""
    lname = name.lower()
    if not head:
        fail(name, "file is empty")
    if kind_of(head) == "zip":
        not_a_workout(name, "a zip archive inside a file that is not one")
    for f in REGISTRY:
        if not f.weak and f.sniff(head, lname):
            return f
    why = not_workout_reason(head)
    if why is not None:
        not_a_workout(name, f"{why}, not a workout file")
    for f in REGISTRY:
        if f.weak and f.sniff(head, lname):
            return f
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        from hrzone.importers._xml import root_name

        root = root_name(head)
        not_a_workout(name, f"XML file whose root element is {printable(root or 'unknown')!r}, "
                            "not a TCX, GPX or Apple Health document")
    for f in REGISTRY:
        if lname.endswith(f.extensions) and f.name not in ("fit", "recording") and _texty(head):
            return f
    not_a_workout(name, "unknown format (not FIT, TCX, GPX, Apple Health, Polar HRM or CSV); "
                        "use --format to choose one")


def _texty(head: bytes) -> bool:
    return b"\x00" not in head[:4096]


def detect(path: str | os.PathLike[str] | Source) -> str:
    """The format name of a file, from its first bytes; ImportFormatError when unknown."""
    src = source_of(path)
    with src.open() as fh:
        head = fh.read(SNIFF_BYTES)
    return detect_head(head, src.name).name


def format_named(fmt: str, where: str) -> Format:
    """The registry entry of a --format name; ImportFormatError naming the choices."""
    f = BY_NAME.get(fmt.lower())
    if f is None:
        raise ImportFormatError(f"{printable(where)}: unknown format {fmt!r} (choose from "
                                f"{', '.join(BY_NAME)})")
    return f


def load_all(src: str | os.PathLike[str] | Source, fmt: str | None = None,
             max_gap_s: float | None = None, **options: Any) -> Iterator[Workout]:
    """Every workout in a file of any supported format (gzip-compressed or not).

    fmt: a registry name to skip detection; max_gap_s: the import gap rule (seconds; default
    DEFAULT_MAX_GAP_S); options: generic CSV column names (time_col, hr_col, rr_col).
    Raises ImportFormatError (one line, naming the file) for anything unreadable and
    NotAWorkout for files that are not workouts.
    """
    s = source_of(src)
    if fmt is None:
        with s.open() as fh:
            f = detect_head(fh.read(SNIFF_BYTES), s.name)
    else:
        f = format_named(fmt, s.name)
    if options and not set(options) <= set(f.options):
        fail(s.name, f"options {sorted(options)} only apply to CSV files")
    try:
        yield from f.load(s, max_gap_s, **options)
    except ImportFormatError:
        raise
    except (OSError, MemoryError, RecursionError) as e:
        fail(s.name, f"cannot read: {e}")


def load(src: str | os.PathLike[str] | Source, fmt: str | None = None,
         max_gap_s: float | None = None, **options: Any) -> Workout:
    """The one workout in a file (see load_all); ImportFormatError when it holds none or several."""
    s = source_of(src)
    it = load_all(s, fmt, max_gap_s, **options)
    first = next(it, None)
    if first is None:
        not_a_workout(s.name, "holds no workout")
    if next(it, None) is not None:
        n = 2 + sum(1 for _ in it)
        fail(s.name, f"holds {n} workouts: summarise them all with `hrzone summary`, or add "
                     "them with `hrzone log add`")
    return first
