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
