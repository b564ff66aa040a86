"""Where hrzone keeps the user's files: profile (config), session history (data), cache.

The folders come from platformdirs (e.g. ~/.config/hrzone, ~/.local/share/hrzone on Linux).
``HRZONE_HOME`` overrides all of them ($HRZONE_HOME/config, /data, /cache), which is how every
test keeps away from the real user folders (as llm's ``LLM_USER_PATH`` does).
Folders are created readable by the user only (0o700): heart-rate data is health data.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from hrzone.errors import HrzoneError

APP = "hrzone"
ENV_HOME = "HRZONE_HOME"


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
    try:
        p.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise HrzoneError(f"{p}: cannot create the hrzone {kind} folder: {e.strerror}") from None
    return p


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


def bundled_dir(name: str) -> Path:
    """A folder shipped with hrzone (``firmware_profiles``, ``recordings``): the one beside the
    package in a source checkout, else the copy a wheel installs under ``<prefix>/share/hrzone``."""
    import sys

    here = Path(__file__).resolve().parents[1] / name
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / APP / name


def write_private(path: str | os.PathLike[str], text: str) -> Path:
    """Write text atomically (temp file + os.replace), readable by the user only (0o600)."""
    p = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent or ".")
    except OSError as e:
        raise HrzoneError(f"{p}: cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return p
