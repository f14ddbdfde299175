"""The README's table of endpoints and their query parameters is the API's (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

from api.app import create_app
from mapper.filters import Scope, options
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

README = Path(__file__).parent.parent / "README.md"
SCOPE = [name for name, *_ in options(Scope)]  # what `scope` stands for in the table
_ROW = re.compile(r"^\| `(GET|POST) ([^`]+)` \| (.*) \|$")


def _readme_table() -> dict[str, set[str]]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("<!-- endpoints: begin -->") : text.index("<!-- endpoints: end -->")]
    found = {}
    for line in table.splitlines():
        match = _ROW.match(line)
        if match:
            method, path, cell = match.groups()
            names = set(re.findall(r"`([a-z_]+)`", cell))
            if "scope" in names:
                names = (names - {"scope"}) | set(SCOPE)
            found[f"{method} {path}"] = names
    return found


def _schema_table() -> dict[str, set[str]]:
    schema = create_app(MapperService(EmbeddedStore(":memory:"))).openapi()
    return {
        f"{method.upper()} {path}": {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_the_readme_names_every_endpoint_and_exactly_its_parameters():
    readme, schema = _readme_table(), _schema_table()
    assert sorted(readme) == sorted(schema), "endpoints in the README and the API differ"
    for endpoint, names in schema.items():
        assert readme[endpoint] == names, endpoint
