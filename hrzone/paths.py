"""Where hrzone keeps the user's files: profile (config), session history (data), cache.

The folders come from platformdirs (e.g. ~/.config/hrzone, ~/.local/share/hrzone on Linux).
``HRZONE_HOME`` overrides all of them ($HRZONE_HOME/config, /data, /cache), which is how every
test keeps away from the real user folders (as llm's ``LLM_USER_PATH`` does).
Heart-rate data is health data, so everything hrzone creates is the user's alone, whatever the
umask: folders 0o700 (``private_dir``), files 0o600. Files that must not exist yet (recordings,
the database) are made by ``create_private``; outputs (plots, exports, cue logs, WAVs, the
profile) by ``PrivateOutput``/``write_private``: a temporary file in the same folder, renamed
over the path at the end, so an existing file or a symlink at the path is replaced, never written
through, and a reader never sees half a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import platformdirs

from hrzone.errors import HrzoneError

APP = "hrzone"
ENV_HOME = "HRZONE_HOME"
DIR_MODE = 0o700
FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _dir(kind: str) -> Path:
    home = os.environ.get(ENV_HOME)
    if home:
        p = Path(home).expanduser() / kind
    elif kind == "config":
        p = Path(platformdirs.user_config_dir(APP))
    elif kind == "data":
        p = Path(platformdirs.user_data_dir(APP))
    else:
        p = Path(platformdirs.user_cache_dir(APP))
    return private_dir(p, f"the hrzone {kind} folder")


def config_dir() -> Path:
    """The user config folder (holds profile.toml), created 0o700 if missing."""
    return _dir("config")


def data_dir() -> Path:
    """The user data folder (holds history.db), created 0o700 if missing."""
    return _dir("data")


def cache_dir() -> Path:
    """The user cache folder, created 0o700 if missing."""
    return _dir("cache")


def profile_path() -> Path:
    """Path of the user profile TOML file (it may not exist yet)."""
    return config_dir() / "profile.toml"


def history_path() -> Path:
    """Path of the session history SQLite database (it may not exist yet)."""
    return data_dir() / "history.db"


def recordings_dir() -> Path:
    """The folder live sessions record into by default (data/recordings), created 0o700."""
    return private_dir(data_dir() / "recordings", "the recordings folder")


def bundled_dir(name: str) -> Path:
    """A folder shipped with hrzone (``firmware_profiles``, ``recordings``): the one beside the
    package in a source checkout, else the copy a wheel installs under ``<prefix>/share/hrzone``."""
    import sys

    here = Path(__file__).resolve().parents[1] / name
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / APP / name


def _chmod_fd(fd: int, mode: int) -> None:
    # The mode given to open/mkdir is masked by the umask (0o200 would leave a file the user
    # cannot write; some tools widen it); fchmod sets exactly what we mean.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def private_dir(path: str | os.PathLike[str], what: str = "folder") -> Path:
    """Create the folder `path` and any missing parents with mode 0o700 whatever the umask.

    An existing `path` that others can read is tightened to 0o700 (folders made by older
    versions); existing parents are left alone. Raises HrzoneError naming `what` on failure.
    """
    p = Path(path)
    missing: list[Path] = []
    q = p
    while not q.is_dir():
        missing.append(q)
        if q.parent == q:
            break
        q = q.parent
    try:
        for d in reversed(missing):
            try:
                os.mkdir(d, DIR_MODE)
            except FileExistsError:
                if not d.is_dir():
                    raise
            os.chmod(d, DIR_MODE)  # mkdir's mode is masked by the umask
        if not missing and stat.S_IMODE(p.stat().st_mode) & 0o077:
            try:
                os.chmod(p, DIR_MODE)
            except PermissionError:
                pass  # not ours to change (a folder the user pointed HRZONE_HOME-style at)
    except OSError as e:
        raise HrzoneError(f"{p}: cannot create {what}: {e.strerror or e}") from None
    return p


def create_private(path: str | os.PathLike[str], *, append: bool = False) -> int:
    """Create the file `path`, which must not exist yet (not even as a symlink), with mode 0o600
    whatever the umask; return the open write-only file descriptor (O_APPEND if `append`).

    Raises FileExistsError when something is already there, OSError for other failures: the
    caller names what the file is (a recording, the history database) in its own error.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
                 | (os.O_APPEND if append else 0), FILE_MODE)
    try:
        _chmod_fd(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def _discard(f: IO[Any], tmp: str) -> None:
    try:
        f.close()
    except OSError:
        pass
    try:
        os.unlink(tmp)
    except OSError:
        pass


class PrivateOutput:
    """An output file being written: `.file` is a temporary 0o600 file beside `path`
    (named ``.<name>.<random>.partial``); commit() renames it over `path`, discard() removes it.

    The rename replaces whatever was at `path` (an old file of any mode, or a symlink, whose
    target is left untouched), so the result is always a fresh 0o600 file and a reader never
    sees half of it. A path that is a folder or a device is refused. Never committed (an error,
    a crash of the session), the temporary file is removed when the object is collected or
    Python exits. Use it as a context manager (commit on success, discard on error), or keep it
    open across a session and call close() (= commit) at the end; write/flush are the file's.
    Errors are raised as `error` (a HrzoneError class) naming the path.
    """

    def __init__(self, path: str | os.PathLike[str], *, binary: bool = False,
                 error: type[HrzoneError] = HrzoneError):
        self.path = Path(path)
        self.error = error
        self._check_target()
        parent = self.path.parent
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name[:200]}.", suffix=".partial",
                                            dir=parent)
        except FileNotFoundError:
            raise error(f"{self.path}: folder {parent} does not exist") from None
        except OSError as e:
            raise error(f"{self.path}: cannot write: {e.strerror or e}") from None
        try:
            _chmod_fd(fd, FILE_MODE)
            self.file: IO[Any] = (os.fdopen(fd, "wb") if binary
                                  else os.fdopen(fd, "w", encoding="utf-8", newline=""))
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise
        self._finalizer = weakref.finalize(self, _discard, self.file, self.tmp)

    def _check_target(self) -> None:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return
        except OSError as e:
            raise self.error(f"{self.path}: cannot write: {e.strerror or e}") from None
        if stat.S_ISDIR(st.st_mode):
            raise self.error(f"{self.path}: is a folder; give a file name")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise self.error(f"{self.path}: not a regular file (hrzone writes its outputs to files only)")

    @property
    def committed(self) -> bool:
        """True once the file has been renamed into place (or discarded)."""
        return not self._finalizer.alive

    def write(self, data: Any) -> int:
        """Write to the temporary file (str, or bytes when binary)."""
        try:
            return self.file.write(data)
        except OSError as e:
            raise self.error(f"{self.path}: cannot write: {e.strerror or e}") from None

    def flush(self) -> None:
        """Flush the temporary file's buffer to the operating system."""
        try:
            self.file.flush()
        except OSError as e:
            raise self.error(f"{self.path}: cannot write: {e.strerror or e}") from None

    def commit(self) -> Path:
        """Flush, sync and rename the temporary file over `path`; return `path`."""
        if not self._finalizer.alive:
            return self.path
        try:
            self._check_target()  # it may have changed while the session ran
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self.tmp, self.path)
        except OSError as e:
            self.discard()
            raise self.error(f"{self.path}: cannot write: {e.strerror or e}") from None
        except BaseException:
            self.discard()
            raise
        self._finalizer.detach()
        return self.path

    close = commit

    def discard(self) -> None:
        """Close and remove the temporary file; `path` is left as it was."""
        self._finalizer()

    def __enter__(self) -> PrivateOutput:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_private(path: str | os.PathLike[str], text: str,
                  error: type[HrzoneError] = HrzoneError) -> Path:
    """Write text to `path` through a PrivateOutput (temp file + rename, mode 0o600)."""
    with PrivateOutput(path, error=error) as out:
        out.write(text)
    return out.path
