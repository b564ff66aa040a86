"""Folders, gzip files and zip archives (zips inside zips too) as one flat list of files.

`expand(paths)` turns what a user names on the command line into `Entry`s, one per file to read,
in a deterministic order (arguments as given; folders and archives sorted by name), so that a
slice of the list (`--shard K/N`) is the same on every machine. An Entry is opened as a stream
of its decompressed bytes (`Entry.open`): gzip layers and archives are recognised by their
content (magic bytes), never only by their name.

What real exports look like, and what is done about it:
- Strava bulk export: `activities/*.fit.gz|.gpx.gz|.tcx.gz` beside `activities.csv`; that CSV
  gives each activity's name and type (`Entry.meta`), and is itself skipped, not imported.
- Garmin Connect data export: zips inside the zip (`DI_CONNECT/.../UploadedFiles_*.zip`) holding
  FIT files; monitoring/wellness FIT files are not workouts (the FIT importer says so).
- Apple Health `export.zip`: `apple_health_export/export.xml` holds the heart rate of every
  workout; the GPX files in `workout-routes/` are routes without heart rate and are skipped.

A zip inside a zip is copied to a private temporary folder (0o700, removed by the Expansion) so
that its members can be read in any order; archives nested deeper than MAX_DEPTH are skipped.
Hidden files (`.DS_Store`, `._x`) and macOS resource forks (`__MACOSX/`) are left out silently.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from hrzone.errors import ImportFormatError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
"""A zip's first bytes: a local file header, or the end record of an empty archive."""
MAX_DEPTH = 4
"""Archives inside archives are read this deep (a Garmin export needs 2); deeper is skipped."""
MAX_GZIP_LAYERS = 3
MAX_NESTED_BYTES = 8 << 30
"""A zip inside a zip is copied to a temporary file: at most this many bytes (8 GiB)."""
HEAD_BYTES = 65536
"""Bytes read from the start of a file to recognise its format."""
MAX_NAME_CHARS = 200
_BLOCK = 1 << 20
_CORRUPT = (zlib.error, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, OSError, ValueError,
            RuntimeError, NotImplementedError)
"""What reading a damaged gzip or zip stream raises (CRC, truncation, bad method, encryption)."""


def printable(name: str) -> str:
    """A name fit for a one-line message: control characters replaced, at most MAX_NAME_CHARS."""
    out = "".join(c if c.isprintable() else "?" for c in name)
    return out if len(out) <= MAX_NAME_CHARS else out[:MAX_NAME_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class Entry:
    """One file to read: a file on disk, or a member of a zip archive; gzip-compressed or not.

    name: what messages, tables and the history show ("export.zip/activities/1.fit.gz");
    file: the file on disk (the file itself, or the zip holding the member);
    member: the member's name inside `file`, None for a file on disk;
    meta: facts the export's index gives (Strava activities.csv: ("name", ...), ("sport", ...));
    skip: why this is not a workout, known without reading it ('' = read it);
    error: why it cannot be read at all (a missing file, a damaged archive; '' = none);
    explicit: named on the command line itself (not found in a folder or an archive): a file
    that is not a workout is then an error, not a skip.
    """

    name: str
    file: str
    member: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    skip: str = ""
    error: str = ""
    explicit: bool = False

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> Entry:
        """The Entry of a plain file on disk."""
        return cls(str(path), str(path))

    @property
    def path(self) -> Path:
        """`name` as a Path (what a Workout's `path` is)."""
        return Path(self.name)

    def _raw(self) -> BinaryIO:
        if self.member is None:
            return open(self.file, "rb")  # noqa: SIM115 - the caller closes it
        return _zip(self.file).open(self.member)  # type: ignore[return-value]

    def _stream(self, layers: int) -> BinaryIO:
        raw = self._raw()
        if layers == 0 and self.member is None:
            return raw
        chain = [raw]
        for _ in range(layers):
            chain.append(gzip.GzipFile(fileobj=chain[-1], mode="rb"))  # type: ignore[arg-type]
        return io.BufferedReader(_Checked(chain, self.name), _BLOCK)  # type: ignore[return-value]

    def open(self) -> BinaryIO:
        """A binary stream of the decompressed content; ImportFormatError (one line) when it
        cannot be opened, and (from read) when compressed data turns out to be damaged."""
        try:
            layers = 0
            while layers < MAX_GZIP_LAYERS:
                with self._stream(layers) as fh:
                    if fh.read(2) != GZIP_MAGIC:
                        break
                layers += 1
            return self._stream(layers)
        except ImportFormatError:
            raise
        except FileNotFoundError:
            raise ImportFormatError(f"{printable(self.name)}: no such file") from None
        except IsADirectoryError:
            raise ImportFormatError(f"{printable(self.name)}: is a directory") from None
        except OSError as e:
            raise ImportFormatError(f"{printable(self.name)}: cannot read: "
                                    f"{e.strerror or e}") from None
        except _CORRUPT as e:
            raise ImportFormatError(f"{printable(self.name)}: cannot read: "
                                    f"{_short(e)}") from None

    def head(self, n: int = HEAD_BYTES) -> bytes:
        """The first `n` decompressed bytes (fewer when the file is shorter)."""
        with self.open() as fh:
            return _read_upto(fh, n)

    def read_bytes(self, limit: int) -> bytes | None:
        """The whole decompressed content, or None when it is longer than `limit` bytes."""
        with self.open() as fh:
            data = _read_upto(fh, limit + 1)
        return data if len(data) <= limit else None

    def content_hash(self) -> str:
        """SHA-256 hex digest of the decompressed bytes: the history's session key (the same
        as store.file_hash for a plain file)."""
        h = hashlib.sha256()
        with self.open() as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                h.update(block)
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class BytesSource:
    """A file already read into memory, under the name of its Entry (read once, hashed and
    parsed from memory)."""

    name: str
    data: bytes
    meta: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> Path:
        return Path(self.name)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


Source = Entry | BytesSource
"""What an importer reads: `.name`, `.path` and `.open()` (a binary stream)."""


def source_of(src: Source | str | os.PathLike[str]) -> Source:
    """An importer's argument as a Source (a path becomes Entry.of(path))."""
    if isinstance(src, (Entry, BytesSource)):
        return src
    return Entry.of(src)


class _Checked(io.RawIOBase):
    """A (decompressing) stream whose damage (bad CRC, truncation) becomes one
    ImportFormatError; closing it closes the whole chain (gzip layers and the file under them)."""

    def __init__(self, chain: list[BinaryIO], name: str) -> None:
        self._chain = chain
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._chain[-1].read(len(b))
        except _CORRUPT as e:
            raise ImportFormatError(f"{printable(self._name)}: compressed data is damaged "
                                    f"({_short(e)})") from None
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        for f in reversed(self._chain):
            try:
                f.close()
            except _CORRUPT:
                pass
        super().close()


def _short(e: BaseException) -> str:
    return printable(f"{type(e).__name__}: {e}")[:120]


def _read_upto(fh: BinaryIO, n: int) -> bytes:
    parts = []
    left = n
    while left > 0:
        block = fh.read(min(left, _BLOCK))
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


_ZIPS: dict[str, zipfile.ZipFile] = {}
_MAX_OPEN_ZIPS = 8


def _zip(file: str) -> zipfile.ZipFile:
    """The open ZipFile of `file` (a few are kept open per process: members are read one by
    one, and a worker process reads many members of the same archive)."""
    zf = _ZIPS.get(file)
    if zf is None:
        if len(_ZIPS) >= _MAX_OPEN_ZIPS:
            old = _ZIPS.pop(next(iter(_ZIPS)))
            old.close()
        zf = _ZIPS[file] = zipfile.ZipFile(file)
    return zf


def kind_of(head: bytes) -> str:
    """'gzip', 'zip' or '' (anything else) from a file's first bytes."""
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head[:4] in ZIP_MAGICS:
        return "zip"
    return ""


def _hidden(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return any(p.startswith(".") and p not in (".", "..") for p in parts) or "__MACOSX" in parts


@dataclass
class Expansion:
    """Entries to read, in order, and the temporary folder holding nested archives (removed by
    close(); use it as a context manager)."""

    entries: list[Entry] = field(default_factory=list)
    _tmp: str | None = None
    _n_tmp: int = 0

    def __enter__(self) -> Expansion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temporary copies of nested archives."""
        if self._tmp is not None:
            for f in list(_ZIPS):
                if f.startswith(self._tmp):
                    _ZIPS.pop(f).close()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _temp_file(self) -> str:
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="hrzone-import-")  # 0o700
        self._n_tmp += 1
        return os.path.join(self._tmp, f"nested-{self._n_tmp}.zip")


def expand(paths: Iterable[str | os.PathLike[str]]) -> Expansion:
    """Every file to read under `paths` (files, folders, gzip files, zip archives, zips in
    zips, and names of members inside an archive such as `export.zip/activities/1.fit.gz`).

    Problems do not raise: a missing file or a damaged archive becomes an Entry with `error`,
    so that a batch goes on and the list (and its shards) stay the same on every run.
    """
    exp = Expansion()
    try:
        for p in paths:
            exp.entries.extend(_expand_arg(exp, str(p)))
    except BaseException:
        exp.close()
        raise
    return exp


def _expand_arg(exp: Expansion, arg: str) -> list[Entry]:
    p = Path(arg)
    if p.is_dir():
        return _annotate(_walk(exp, p), str(p))
    if p.exists() or not inside_archive(p):
        found = _expand_file(exp, Entry.of(arg), 0)
    else:
        found = _member_of(exp, p)
    return [replace(e, explicit=True) if e.name in (arg, str(p)) else e for e in found]


def _walk(exp: Expansion, folder: Path) -> list[Entry]:
    out: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for f in sorted(filenames):
            if not f.startswith("."):
                out.extend(_expand_file(exp, Entry.of(os.path.join(dirpath, f)), 0))
    return out


def inside_archive(p: Path) -> Path | None:
    """The existing archive file that `p` names a member of (p itself does not exist)."""
    for parent in p.parents:
        if parent.is_file():
            return parent
        if parent.exists():
            return None
    return None


def _member_of(exp: Expansion, p: Path) -> list[Entry]:
    archive = inside_archive(p)
    assert archive is not None
    want = str(p)
    found = [e for e in _expand_file(exp, Entry.of(str(archive)), 0)
             if e.name == want or e.name.startswith(want + "/")]
    if not found:
        return [Entry(want, want, error=f"{printable(want)}: no such file (nor a member of "
                                          f"{printable(str(archive))})")]
    return found


def _expand_file(exp: Expansion, e: Entry, depth: int) -> list[Entry]:
    """The entries of one file: itself, or the members of the archive it is (gzip or not)."""
    try:
        head = e.head(4)
    except ImportFormatError as err:
        return [replace(e, error=str(err))]
    if kind_of(head) != "zip":
        return [e]
    if depth >= MAX_DEPTH:
        return [replace(e, skip=f"an archive nested more than {MAX_DEPTH} deep (unzip it first)")]
    if e.member is None and kind_of(_raw_head(e)) == "zip":
        return _zip_members(exp, e.file, e.name, depth)
    # A zip inside a zip, or a gzip-compressed zip: copied to a temporary file first.
    try:
        tmp = exp._temp_file()
        with e.open() as src, open(tmp, "wb") as dst:
            copied = 0
            for block in iter(lambda: src.read(_BLOCK), b""):
                copied += len(block)
                if copied > MAX_NESTED_BYTES:
                    raise ImportFormatError(f"{printable(e.name)}: a nested archive larger than "
                                            f"{MAX_NESTED_BYTES >> 30} GiB (unzip it first)")
                dst.write(block)
    except ImportFormatError as err:
        return [replace(e, error=str(err))]
    except OSError as err:
        return [replace(e, error=f"{printable(e.name)}: cannot copy the nested archive to a "
                                 f"temporary file: {err.strerror or err}")]
    return _zip_members(exp, tmp, e.name, depth)


def _raw_head(e: Entry) -> bytes:
    try:
        with e._raw() as fh:
            return fh.read(4)
    except OSError:
        return b""


def _zip_members(exp: Expansion, file: str, name: str, depth: int) -> list[Entry]:
    try:
        infos = [i for i in _zip(file).infolist() if not i.is_dir()]
    except Exception as err:  # noqa: BLE001 - a damaged archive is one entry's error, whatever it raises
        _ZIPS.pop(file, None)
        return [Entry(name, file, error=f"{printable(name)}: not a readable zip archive "
                                        f"({_short(err)})")]
    out: list[Entry] = []
    seen: set[str] = set()
    for info in sorted(infos, key=lambda i: i.filename):
        member = info.filename
        if _hidden(member) or member in seen:
            continue
        seen.add(member)
        out.extend(_expand_file(exp, Entry(f"{name}/{member}", file, member), depth + 1))
    return _annotate(out, name)


# --- what an export's own files say ------------------------------------------------------------

STRAVA_INDEX = "activities.csv"
APPLE_EXPORT = "export.xml"
MAX_INDEX_BYTES = 64 << 20


def _annotate(entries: list[Entry], root: str) -> list[Entry]:
    """Apply what an export's index files say to the entries of one folder or archive."""
    by_name = {e.name: i for i, e in enumerate(entries)}
    out = list(entries)
    for i, e in enumerate(entries):
        base = e.name.rpartition("/")[2]
        folder = e.name[: len(e.name) - len(base)]
        if base == STRAVA_INDEX and not e.error:
            names = _strava_index(e)
            if names is None:
                continue
            out[i] = replace(e, skip="Strava activity list (its names and types are used)")
            for rel, meta in names.items():
                j = by_name.get(folder + rel)
                if j is not None and not out[j].meta:
                    out[j] = replace(out[j], meta=meta)
        elif base == APPLE_EXPORT:
            routes = folder + "workout-routes/"
            for j, other in enumerate(out):
                if other.name.startswith(routes) and not other.skip:
                    out[j] = replace(other, skip="route of an Apple Health workout (its heart "
                                                 "rate comes from export.xml)")
    return out


def _strava_index(e: Entry) -> dict[str, tuple[tuple[str, str], ...]] | None:
    """Strava's activities.csv: {"activities/1.fit.gz": (("name", ...), ("sport", ...))}, or
    None when the file is not such an index."""
    try:
        data = e.read_bytes(MAX_INDEX_BYTES)
    except ImportFormatError:
        return None
    if data is None:
        return None
    text = data.decode("utf-8-sig", errors="replace")
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, [])
        col = {h.strip(): i for i, h in reversed(list(enumerate(header)))}
        fn = col.get("Filename")
        if fn is None or ("Activity Name" not in col and "Activity Type" not in col):
            return None
        out: dict[str, tuple[tuple[str, str], ...]] = {}
        for row in rows:
            if len(row) <= fn or not row[fn].strip():
                continue
            meta = []
            for key, column in (("name", "Activity Name"), ("sport", "Activity Type")):
                i = col.get(column)
                if i is not None and i < len(row) and row[i].strip():
                    meta.append((key, printable(row[i].strip())))
            out[row[fn].strip().lstrip("/")] = tuple(meta)
    except csv.Error:
        return None
    return out


def select(entries: Sequence[Entry], shard: tuple[int, int] | None) -> list[Entry]:
    """The K-th of N contiguous, deterministic slices of `entries` (shard = (K, N), 1-based),
    or all of them. Concatenating the slices K = 1..N gives back the whole list in order."""
    if shard is None:
        return list(entries)
    k, n = shard
    if not (1 <= k <= n):
        raise ValueError(f"shard {k}/{n}: K must be between 1 and N")
    total = len(entries)
    return list(entries[(k - 1) * total // n: k * total // n])
