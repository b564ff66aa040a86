"""Every folder hrzone creates is 0700 and every file 0600, whatever the umask; outputs are
written to a temporary file and renamed, never through a symlink (hrzone.paths)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RECORDINGS, REPO

from hrzone import paths
from hrzone.cli import cli
from hrzone.errors import AudioError, HrzoneError

WALK = RECORDINGS / "walk30.jsonl"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


def _hrzone(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m hrzone ARGS` as a user would, but under umask 000 (the worst case)."""
    env = {**os.environ, "HRZONE_HOME": str(home), "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "hrzone", *args], cwd=REPO, env=env, text=True,
                       capture_output=True, timeout=300, preexec_fn=lambda: os.umask(0))
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def _walk(root: Path) -> Iterator[Path]:
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            yield Path(dirpath) / name


@pytest.fixture
def umask0() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_every_command_leaves_only_private_folders_and_files_under_umask_000(
        tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"  # not there yet: hrzone makes it (and "new")
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    run = lambda *a: _hrzone(home, *a)  # noqa: E731
    run("profile", "set", "age", "54", "rest_hr", "62")
    run("simulate", "--plan", "walk30", "-o", str(out / "sim.jsonl"))
    run("summary", str(WALK))
    run("replay", str(WALK), "--fast", "--audio", "tones", "--save",
        "--cue-log", str(out / "cues.jsonl"), "--audio-out", str(out / "cues.wav"))
    run("log", "add", str(RECORDINGS / "noisy.jsonl"))
    run("week", "--plot", str(out / "week.png"))
    run("plot", str(WALK), "-o", str(out / "walk.png"))
    run("export", str(WALK), "--tcx", str(out / "walk.tcx"), "--csv", str(out / "walk.csv"))
    run("live", "--virtual", str(WALK), "--speed", "0", "--save", "--audio", "off")
    run("class", "run", "--virtual", "3", "--speed", "0", "--for", "1m", "--csv",
        str(out / "class.csv"))

    created = list(_walk(home))
    assert home / "data" / "recordings" in created and home / "data" / "history.db" in created
    assert home / "config" / "profile.toml" in created
    assert any(p.suffix == ".jsonl" for p in (home / "data" / "recordings").iterdir())
    assert _mode(home.parent) == 0o700  # a missing parent of HRZONE_HOME is made private too
    for p in created:
        want = 0o700 if p.is_dir() else 0o600
        assert _mode(p) == want, f"{p} is {_mode(p):o}"
    outputs = sorted(p.name for p in out.iterdir())
    assert any((home / "data" / "people").glob("*/recordings/class-*.jsonl"))
    assert outputs == ["class.csv", "cues.jsonl", "cues.wav", "sim.jsonl", "sim.truth.json", "walk.csv",
                       "walk.png", "walk.tcx", "week.png"]  # no temporary file left
    for p in out.iterdir():
        assert _mode(p) == 0o600, f"{p} is {_mode(p):o}"


def test_history_database_and_its_wal_files_are_private(umask0: None) -> None:
    from hrzone.store import open_db

    db = open_db()
    try:
        db.execute("CREATE TABLE t (x)")  # writes the WAL
        files = [p for p in paths.data_dir().iterdir() if p.name.startswith("history.db")]
        assert sorted(p.name for p in files) == ["history.db", "history.db-shm", "history.db-wal"]
        for p in files:
            assert _mode(p) == 0o600, f"{p} is {_mode(p):o}"
    finally:
        db.close()


def test_private_dir_makes_every_missing_level_0700_and_tightens_the_leaf(
        tmp_path: Path, umask0: None) -> None:
    d = paths.private_dir(tmp_path / "a" / "b" / "c")
    assert [_mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", d)] == [0o700] * 3
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    paths.private_dir(old)
    assert _mode(old) == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(HrzoneError, match="file/sub: cannot create"):
        paths.private_dir(tmp_path / "file" / "sub")


def test_create_private_refuses_an_existing_path_and_a_symlink(tmp_path: Path, umask0: None) -> None:
    p = tmp_path / "rec.jsonl"
    os.close(paths.create_private(p))
    assert _mode(p) == 0o600
    with pytest.raises(FileExistsError):
        paths.create_private(p)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")  # dangling: O_EXCL must not create the target
    with pytest.raises(FileExistsError):
        paths.create_private(link)
    assert not (tmp_path / "elsewhere").exists()


def _victim(tmp_path: Path) -> Path:
    v = tmp_path / "victim.txt"
    v.write_text("keep me\n")
    os.chmod(v, 0o644)
    return v


def _assert_replaced(link: Path, victim: Path) -> None:
    assert not link.is_symlink() and link.is_file() and _mode(link) == 0o600
    assert victim.read_text() == "keep me\n" and _mode(victim) == 0o644
    assert not [p for p in link.parent.iterdir() if p.name.endswith(".partial")]


def test_private_output_replaces_a_symlink_and_an_old_file(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    paths.write_private(link, "new\n")
    _assert_replaced(link, victim)
    assert link.read_text() == "new\n"
    old = tmp_path / "old.txt"
    old.write_text("old")
    os.chmod(old, 0o644)
    paths.write_private(old, "new")
    assert old.read_text() == "new" and _mode(old) == 0o600


def test_private_output_is_all_or_nothing(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text("previous\n")
    with pytest.raises(RuntimeError):
        with paths.PrivateOutput(p) as out:
            out.write("half")
            raise RuntimeError("the session died")
    assert p.read_text() == "previous\n" and sorted(tmp_path.iterdir()) == [p]
    out = paths.PrivateOutput(p)
    out.write("streamed\n")
    partial = Path(out.tmp)
    assert partial.name.startswith(".log.jsonl.") and partial.name.endswith(".partial")
    assert p.read_text() == "previous\n"  # nothing visible until close
    out.close()
    assert p.read_text() == "streamed\n" and not partial.exists() and out.committed
    abandoned = paths.PrivateOutput(p)
    partial = Path(abandoned.tmp)
    del abandoned  # never closed (the session crashed): the temporary file goes away
    assert not partial.exists()


def test_private_output_refuses_a_folder_a_fifo_and_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is a folder"):
        paths.PrivateOutput(tmp_path, error=AudioError)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(HrzoneError, match="not a regular file"):
        paths.PrivateOutput(fifo)
    with pytest.raises(HrzoneError, match="folder .*nowhere does not exist"):
        paths.PrivateOutput(tmp_path / "nowhere" / "x.png")


def _cli(*args: str) -> None:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name,args", [
    ("walk.png", ("plot", str(WALK), "--age", "54", "-o", "{out}")),
    ("week.png", ("week", "--plot", "{out}")),
    ("walk.tcx", ("export", str(WALK), "--age", "54", "--tcx", "{out}")),
    ("walk.csv", ("export", str(WALK), "--age", "54", "--csv", "{out}")),
    ("cues.jsonl", ("replay", str(WALK), "--fast", "--age", "54", "--audio", "off",
                    "--cue-log", "{out}")),
    ("cues.wav", ("replay", str(WALK), "--fast", "--age", "54", "--audio", "tones",
                  "--audio-out", "{out}")),
])
def test_an_output_symlink_is_replaced_and_its_target_untouched(
        tmp_path: Path, name: str, args: tuple[str, ...]) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / name
    link.symlink_to(victim)
    _cli(*(a.replace("{out}", str(link)) for a in args))
    _assert_replaced(link, victim)
    assert link.stat().st_size > 0
    # An existing file readable by others ends up 0600 too.
    os.chmod(link, 0o644)
    _cli(*(a.replace("{out}", str(link)) for a in args))
    assert _mode(link) == 0o600
