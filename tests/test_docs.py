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


def _gap_table_rows(pairs: list[dict]) -> list[str]:
    """The README's gap table rows, in order of ratio, as the code computes them."""

    def number(value, digits):
        return "–" if value is None else f"{value:.{digits}f}"

    rows = []
    for pair in sorted(pairs, key=lambda p: (p["ratio"] is None, p["ratio"] or 0.0)):
        name = " – ".join(sector.replace("_", " ") for sector in pair["sectors"])
        cells = [
            name, str(pair["observed"]), number(pair["expected"], 1), number(pair["ratio"], 2),
            number(pair["z"], 1), f"{pair['null_low']:.0f}–{pair['null_high']:.0f}",
            number(pair["p_value"], 3), number(pair["p_value_more"], 3),
            number(pair["p_adjusted"], 3), "**yes**" if pair["gap"] else "no",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def test_the_readme_gap_table_is_what_the_code_computes(tmp_path):
    from ingest import read_batch
    from mapper.service import MapperService, Scope
    from mapper.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "map.db")
    try:
        store.apply(read_batch([ROOT / "seed_data"]))
        pairs = MapperService(store).gaps(Scope())["pairs"]
    finally:
        store.close()
    expected = _gap_table_rows(pairs)
    table = [line for line in README.split("\n## For data stewards")[0].splitlines()
             if line.startswith("| ") and " – " in line]
    assert table == expected, "README gap table is stale; rows now:\n" + "\n".join(expected)
