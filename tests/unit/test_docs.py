"""The README stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from backend.config import SETTINGS_DOC

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_lists_every_setting_as_the_code_documents_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", readme, re.S)
    assert table is not None
    rows = [line for line in table.group(1).splitlines() if line.startswith("| `")]
    expected = [f"| `{name}` | `{default}` | {meaning} |" for name, default, meaning in SETTINGS_DOC]
    assert rows == expected


def test_readme_names_the_scripts_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for script in re.findall(r"\./(scripts/[\w-]+)", readme):
        assert (ROOT / script).exists(), script


def test_access_doc_shows_the_permission_table_of_the_code():
    from grid.permissions import PERMISSIONS
    from grid.tables import Role

    doc = (ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- permissions-table:start -->\n(.*?)\n<!-- permissions-table:end -->", doc, re.S)
    assert table is not None
    rows = {line.split("|")[1].strip(" `"): line for line in table.group(1).splitlines()[2:]}
    assert set(rows) == {a.value for a in PERMISSIONS}
    for action, allowed in PERMISSIONS.items():
        cells = [c.strip() for c in rows[action.value].split("|")[2:-1]]
        assert cells == ["✓" if r in allowed else "" for r in Role], action
