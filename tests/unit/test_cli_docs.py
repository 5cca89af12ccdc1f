"""The README's table of ``gridgov`` commands lists every command and option the CLI has."""

from __future__ import annotations

from pathlib import Path

import click

from backend.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group: click.Group, prefix: str = "gridgov") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out += _commands(command, path)
        else:
            out.append((path, command))
    return out


def _table_rows() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The `gridgov` command", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `gridgov")]


def test_readme_lists_every_command_with_its_options():
    rows = _table_rows()
    for path, command in _commands(main):
        row = next((r for r in rows if f"`{path}" in r), None)
        assert row is not None, f"README has no row for `{path}`"
        for param in command.params:
            if isinstance(param, click.Option) and not param.prompt and not param.hidden:
                flags = [f for f in (*param.opts, *param.secondary_opts) if f.startswith("--")]
                assert any(f in row for f in flags), f"`{path}` row misses {flags[0]}"


def _named_path(snippet: str) -> str:
    """``gridgov import-units FILE.geojson`` → ``gridgov import-units``."""
    words = []
    for word in snippet.split():
        if word.startswith(("[", "-")) or not word.islower() or "." in word:
            break
        words.append(word)
    return " ".join(words)


def test_readme_lists_no_command_the_cli_does_not_have():
    known = {path for path, _ in _commands(main)}
    for row in _table_rows():
        first_cell = row.split("|")[1]
        for snippet in first_cell.split("`")[1::2]:
            assert _named_path(snippet) in known, snippet
