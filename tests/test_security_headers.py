"""Issue 18: security headers on every answer, no server path in /health, no short token, no
empty file taken for a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import APISettings
from mapper.errors import StoreCorrupt
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent.parent / "seed_data"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("headers") / "secret-folder" / "map.db")
    service = MapperService(store)
    service.load([SEED])
    yield TestClient(create_app(service, APISettings(api_token="x" * 32)))
    store.close()


@pytest.mark.parametrize(
    "path", ["/health", "/actors", "/actors/nobody", "/analysis/gaps?format=csv", "/map", "/docs"]
)
def test_every_answer_has_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    if headers["content-type"].startswith("text/html"):
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    else:
        assert "default-src 'none'" in policy


def test_health_names_the_store_file_not_its_folders(client):
    body = client.get("/health").json()
    assert body["location"] == "map.db"


def test_an_empty_file_is_not_taken_for_a_store(tmp_path):
    empty = tmp_path / "map.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreCorrupt, match="is empty"):
        EmbeddedStore(empty)
    assert empty.stat().st_size == 0
