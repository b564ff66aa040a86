"""Workout files handed over by a front end (a browser upload): kept in the data folder's
`uploads/` (0700, files 0600) and added to the history by the ledger rules (app.history).

Only the file's bytes and a cleaned-up name are used: the name keeps letters, digits, '.', '-'
and '_' of its last path part, so no part of it can point outside the uploads folder. A file the
history did not take (refused, unreadable, already there) is deleted again.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from hrzone.app.history import AddReport, add_files
from hrzone.errors import HrzoneError

MAX_UPLOAD_BYTES = 64 * 1024 * 1024   # a FIT file is well below 1 MB; an archive of years fits
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
KEEP = ("added", "linked")


class UploadError(HrzoneError):
    """An upload that cannot be taken (too large, empty)."""


def uploads_dir() -> Path:
    """The private folder uploaded files are kept in."""
    from hrzone.paths import data_dir, private_dir

    return private_dir(data_dir() / "uploads", "uploads folder")


def safe_name(name: str) -> str:
    """A file name made of the last part of `name` (letters, digits, '.', '-', '_'; at most 80
    characters; never hidden, never empty)."""
    base = re.split(r"[\\/]", name or "")[-1]
    clean = _UNSAFE.sub("_", base).lstrip("._")[-80:]
    return clean or "upload"


def add_upload(name: str, data: bytes) -> AddReport:
    """Keep an uploaded file and add it to the history (app.history.add_files); the report says
    what became of it (the file is removed unless it was added or linked)."""
    from hrzone.paths import create_private

    if not data:
        raise UploadError(f"{safe_name(name)}: the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"{safe_name(name)}: {len(data) / 2**20:.0f} MB is more than the "
                          f"{MAX_UPLOAD_BYTES // 2**20} MB an upload may have")
    folder = uploads_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        path = folder / f"{stamp}{'' if n == 0 else f'-{n}'}-{safe_name(name)}"
        try:
            fd = create_private(path)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - a thousand uploads in one second
        raise UploadError("too many uploads at once: try again")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as e:
        path.unlink(missing_ok=True)
        raise UploadError(f"{safe_name(name)}: cannot keep the upload: {e.strerror or e}") from None
    report = add_files([path])
    if not any(o.status in KEEP for o in report.outcomes):
        path.unlink(missing_ok=True)
    return report
