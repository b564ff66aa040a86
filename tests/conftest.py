"""Shared fixtures: every test runs with HRZONE_HOME in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples every run (a red build is always reproducible); local runs keep
# exploring new ones. Select with HYPOTHESIS_PROFILE=dev|ci.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parents[1]
RECORDINGS = REPO / "recordings"
# HRZONE_REALDATA points elsewhere (e.g. from a git worktree, whose parent has no shared/).
REALDATA = Path(os.environ.get("HRZONE_REALDATA") or REPO.parent / "shared" / "realdata")


def realdata(rel: str = "") -> Path:
    """Path into ../shared/realdata, skipping the test with a reason when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent (it sits beside the checkout in CI)")
    p = REALDATA / rel
    if not p.exists():
        pytest.skip(f"{p} is absent")
    return p


@pytest.fixture(autouse=True)
def hrzone_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every user path (config, data, cache) at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("hrzone_home")
    monkeypatch.setenv("HRZONE_HOME", str(home))
    return home


def pytest_report_header(config: pytest.Config) -> str:
    return f"realdata: {REALDATA if REALDATA.is_dir() else 'absent'}; CI={os.environ.get('CI', '')}"


def load_bytes(data: bytes, fmt: str | None, suffix: str) -> object | None:
    """Import `data` from a temporary file named x<suffix>: the Workout, or None when it failed
    with a one-line ImportFormatError naming the file (anything else propagates: a bug)."""
    import tempfile

    from hrzone.errors import ImportFormatError
    from hrzone.importers import load

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"x{suffix}"
        p.write_bytes(data)
        try:
            return load(p, fmt)
        except ImportFormatError as e:
            assert "\n" not in str(e) and str(p) in str(e)
            return None
