"""A 500 or 503 from the API names the problem, not internals (issue 18, "say less").

A store's own error names its file or its Neo4j address and quotes SQLite, the Neo4j driver or
the stored record that failed. The API answers a fixed message per error class instead, and
the server's log keeps the whole story; the CLI, run by whoever owns the store, shows it all.
"""

from __future__ import annotations

import logging
import random
import socket
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.cli import cli
from mapper.errors import LoadTooLarge, StoreCorrupt, StoreMissing, StoreUnavailable
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).resolve().parent.parent / "seed_data"
FOLDER = "private-folder-4711"
SECRET = "Hemlig sektor 4711"

DAMAGED = "the store is damaged and cannot answer this; the server's log says what is wrong"
UNREACHABLE = "the store cannot be reached; try again shortly"


def _loaded_store(tmp_path: Path) -> Path:
    path = tmp_path / FOLDER / "map.db"
    path.parent.mkdir()
    with EmbeddedStore(path) as store:
        MapperService(store).load([SEED])
    return path


def _garbage_over_the_pages(path: Path) -> None:
    """Every page but the first overwritten, in place, while the store is open."""
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.seek(4096)
        file.write(random.Random(18).randbytes(size - 4096))


def _a_record_that_no_longer_parses(path: Path) -> None:
    with sqlite3.connect(path) as db:
        record = f'{{"id": "vinnova", "name": "Vinnova", "sector": "{SECRET}"}}'
        db.execute("UPDATE actors SET record = ? WHERE id = 'vinnova'", (record,))


def _assert_says_nothing_internal(body: str, *internals: str) -> None:
    for internal in internals:
        assert internal not in body, internal


@pytest.mark.parametrize("damage", [_garbage_over_the_pages, _a_record_that_no_longer_parses])
def test_a_damaged_store_is_a_500_without_its_path_or_records(tmp_path, caplog, damage):
    path = _loaded_store(tmp_path)
    with EmbeddedStore(path) as store:
        client = TestClient(create_app(MapperService(store)), raise_server_exceptions=False)
        assert client.get("/actors/vinnova").status_code == 200
        damage(path)
        with caplog.at_level(logging.ERROR, logger="mapper.api"):
            response = client.get("/actors/vinnova")
    assert response.status_code == 500, response.text
    error = response.json()["error"]
    assert (error["status"], error["type"], error["message"]) == (500, "StoreCorrupt", DAMAGED)
    assert "/" not in error["message"]
    _assert_says_nothing_internal(response.text, FOLDER, "map.db", str(tmp_path), SECRET, "sqlite")
    assert str(path) in caplog.text  # the server's log says which file, and what is wrong


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("path", ["/actors", "/actors/vinnova", "/health"])
def test_neo4j_out_of_reach_is_a_503_without_its_address_or_driver_text(path, caplog):
    from mapper.stores.neo4j import Neo4jStore

    port = _free_port()  # nothing listens on it
    with Neo4jStore(f"bolt://127.0.0.1:{port}") as store:
        client = TestClient(create_app(MapperService(store)), raise_server_exceptions=False)
        with caplog.at_level(logging.WARNING, logger="mapper.api"):
            response = client.get(path)
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert (error["status"], error["type"], error["message"]) == (
        503,
        "StoreUnavailable",
        UNREACHABLE,
    )
    _assert_says_nothing_internal(
        response.text, "127.0.0.1", str(port), "bolt", "Couldn't connect", "resolved", "refused"
    )
    assert f"bolt://127.0.0.1:{port}" in caplog.text and "ServiceUnavailable" in caplog.text


def test_the_cli_still_names_the_server_it_could_not_reach():
    port = _free_port()
    result = CliRunner().invoke(cli, ["--store", f"bolt://127.0.0.1:{port}", "info"])
    assert result.exit_code == 1
    assert f"bolt://127.0.0.1:{port}" in result.output and "Traceback" not in result.output


STORE_ERRORS = [
    (StoreMissing("there is no store at /srv/mapper/map.db; make one with ..."), 503,
     "there is no store yet; load seed files into it first"),
    (StoreUnavailable("/srv/mapper/map.db is locked by another writer (database is locked)"), 503,
     UNREACHABLE),
    (StoreCorrupt("/srv/mapper/map.db is not a usable ecosystem-mapper store (file is not a "
                  "database)"), 500, DAMAGED),
    (LoadTooLarge("this load does not fit in one transaction on Neo4j at bolt://neo4j.internal:"
                  "7687 (Neo.TransientError.General.MemoryPoolOutOfMemoryError)"), 507,
     "this load is too large for one transaction of the store; load the seed files in parts"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raised", "status", "message"), STORE_ERRORS, ids=[type(e).__name__ for e, *_ in STORE_ERRORS]
)
def test_each_store_error_has_its_own_fixed_message(embedded_store, raised, status, message):
    service = MapperService(embedded_store)

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    service.actor = fail  # type: ignore[method-assign]
    response = TestClient(create_app(service)).get("/actors/vinnova")
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["type"], error["message"]) == (type(raised).__name__, message)
    _assert_says_nothing_internal(response.text, "/srv", "bolt", "Neo.", "neo4j.internal")


def test_other_errors_keep_their_message(embedded_store):
    response = TestClient(create_app(MapperService(embedded_store))).get("/actors/no-such-actor")
    assert response.status_code == 404
    assert "'no-such-actor'" in response.json()["error"]["message"]
