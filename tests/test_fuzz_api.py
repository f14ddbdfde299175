"""Schemathesis over the OpenAPI schema, against the API on the embedded store with seed_data.

Every operation gets generated requests (valid and invalid parameters, derandomized, bounded):
no response is a 5xx, and every response matches what the schema documents for it (status
code, content type, body schema, headers). A schema-valid request may still be a 422 where the
schema cannot express the rule (`region` must name a county, `year_from` <= `year_to`); then
the error names the parameter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.security import APISettings
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).resolve().parent.parent / "seed_data"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("fuzz-api") / "map.db")
    service = MapperService(store)
    service.load([SEED])
    app = create_app(service, APISettings(api_token="fuzz-token", max_upload_bytes=100_000))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    store.close()


def _operations() -> list[tuple[str, str]]:
    with EmbeddedStore(":memory:") as store:
        paths = create_app(MapperService(store)).openapi()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() for method in methods]


FUZZ = settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# One test per operation (schemathesis' own pytest plugin does not run under pytest 9).
@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_server_errors_and_every_response_matches_the_schema(api_schema, method, path):
    operation = api_schema[path][method]

    @FUZZ
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        if response.status_code == 422:  # what the schema cannot say, the error names
            assert response.json()["error"]["parameter"]

    run()
