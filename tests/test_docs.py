"""Every command has help text and appears in the README; the README's commands are real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapper.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    assert f"mapper {name}" in README
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0


def test_the_readme_first_screen_gives_the_two_commands():
    first_screen = README.split("\n## ")[0]
    commands = re.findall(r"^    (pip install .*)$", first_screen, flags=re.MULTILINE)
    assert commands[0].startswith("pip install -e . && mapper load seed_data/ && mapper serve")
    assert commands[1] == "pip install -e '.[test]' && pytest"


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\npip install -e '.[test]' && pytest\n" in ci


def test_the_readme_says_what_is_public_and_how_writes_are_protected():
    security = README.split("\n## Security\n")[1].split("\n## ")[0]
    for needle in ("public", "POST /load", "MAPPER_API_TOKEN", "Bearer", "docs/security.md"):
        assert needle in security
    assert "## Reporting a problem" in (ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def test_every_local_link_in_the_docs_points_at_a_file():
    for document in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *ROOT.glob("*/README.md")]:
        text = document.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (document.parent / target).exists(), f"{document.name}: {target}"
