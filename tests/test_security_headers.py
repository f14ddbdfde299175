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


def test_health_says_more_only_with_the_token(client):
    assert "details" not in client.get("/health").json()
    assert client.get("/health?verbose=true").status_code == 401
    wrong = {"Authorization": "Bearer " + "y" * 32}
    assert client.get("/health?verbose=true", headers=wrong).status_code == 401
    right = {"Authorization": "Bearer " + "x" * 32}
    details = client.get("/health?verbose=true", headers=right).json()["details"]
    assert details["location"].endswith("/secret-folder/map.db")
    assert details["work"]["workers"] == 0
    assert details["work"]["budget"]["link_visits"] == 2_500_000_000
    no_token = TestClient(create_app(client.app.state.service))
    assert no_token.get("/health?verbose=true", headers=right).status_code == 403


def test_a_neo4j_address_keeps_its_user_for_the_owner_only():
    from mapper.service import StoreInfo
    from mapper.stores.base import Counts

    info = StoreInfo("neo4j", "neo4j://anna:secret@db.example:7687", Counts())
    assert info.public_location == "neo4j://db.example:7687"
    assert info.private_location == "neo4j://anna@db.example:7687"


def test_an_empty_file_is_not_taken_for_a_store(tmp_path):
    empty = tmp_path / "map.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreCorrupt, match="is empty"):
        EmbeddedStore(empty)
    assert empty.stat().st_size == 0
