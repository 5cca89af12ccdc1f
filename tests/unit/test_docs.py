"""README, docs/ and the committed OpenAPI schema stay true to the code.

When one of these fails, run ``.venv/bin/python -m backend.docgen`` and commit the result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend import docgen

ROOT = Path(__file__).resolve().parents[2]


def _section(path: Path, marker: str) -> str:
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", text, re.S)
    assert found is not None, f"{path.name} lacks the {marker} markers"
    return found.group(1)


def test_readme_settings_table_is_generated_from_the_code():
    assert _section(ROOT / "README.md", "settings-table") == docgen.settings_table()


def test_access_doc_permission_table_is_generated_from_the_code():
    assert _section(ROOT / "docs" / "access.md", "permissions-table") == docgen.permissions_table()


def test_committed_openapi_schema_matches_the_app():
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(docgen.openapi_json())


def test_readme_names_the_scripts_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for script in re.findall(r"\./(scripts/[\w-]+)", readme):
        assert (ROOT / script).exists(), script
