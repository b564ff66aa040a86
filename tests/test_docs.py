"""Docs stay true: every command has help and is shown in the README; CI runs the README command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hrzone.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def all_commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    out = []
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        out.append((name, cmd))
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", cmd.get_command(ctx, sub)) for sub in cmd.list_commands(ctx)]
    return out


@pytest.mark.parametrize("name,cmd", all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_and_is_in_the_readme(name, cmd):
    assert cmd is not None and (cmd.help or "").strip(), f"{name} has no help text"
    r = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert r.exit_code == 0
    assert f"hrzone {name}" in README, f"README does not show `hrzone {name}`"


def test_readme_has_the_two_commands_and_ci_runs_the_test_one_verbatim():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    demo = [b for b in blocks if b.strip().endswith("hrzone demo")]
    tests = [b for b in blocks if "pytest" in b and "\n" not in b.strip()]
    assert len(demo) == 1 and len(tests) == 1
    assert tests[0].strip() in (REPO / ".ci" / "run").read_text()


def test_every_doc_linked_from_the_readme():
    for doc in sorted((REPO / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in README, doc.name


def test_commands_that_report_have_json():
    reporting = {"summary", "replay", "demo", "simulate", "scan", "live", "week", "weeks",
                 "log list", "profile show", "calibrate"}
    for name, cmd in all_commands():
        if name in reporting:
            assert any("--json" in p.opts for p in cmd.params), f"{name} lacks --json"
