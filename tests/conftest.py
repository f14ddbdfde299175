"""Fixtures: every contract test runs on the embedded store and on a real Neo4j.

Neo4j comes from NEO4J_URI (and NEO4J_USER / NEO4J_PASSWORD) when set, otherwise from the
launcher in tools/neo4j-test-server, started once per session. Without Java the Neo4j tests
skip, except under CI=true, where a Neo4j that cannot start fails the run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapper.stores.embedded import EmbeddedStore

sys.path.insert(0, str(Path(__file__).parent))

ENABLE_HINT = (
    "Neo4j tests need Java 17 and Maven (the launcher in tools/neo4j-test-server) or a running "
    "server: NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=... pytest"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def neo4j_uri(request: pytest.FixtureRequest) -> Iterator[str]:
    """The Bolt URI of a real Neo4j for this test session."""
    from neo4j_server import Neo4jTestServer, java_available

    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    if not java_available():
        if _in_ci():
            pytest.fail(f"CI=true but Java is missing: {ENABLE_HINT}")
        pytest.skip(ENABLE_HINT)
    server = Neo4jTestServer()
    try:
        server.start()
    except RuntimeError as error:
        if _in_ci():
            pytest.fail(f"Neo4j did not start under CI=true: {error}")
        pytest.skip(f"Neo4j did not start ({error}). {ENABLE_HINT}")
    print(f"\nNeo4j test server {server.version} at {server.uri}", file=sys.stderr)
    request.config.stash[_VERSION_KEY] = server.version
    yield server.uri
    server.stop()


_VERSION_KEY = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    version = config.stash.get(_VERSION_KEY, None)
    if version:
        terminalreporter.write_line(f"Neo4j tests ran against Neo4j {version}")


@pytest.fixture(scope="session")
def neo4j_session_store(neo4j_uri: str):
    from mapper.stores.neo4j import Neo4jStore

    store = Neo4jStore(
        neo4j_uri,
        user=os.environ.get("NEO4J_USER"),
        password=os.environ.get("NEO4J_PASSWORD"),
        database=os.environ.get("NEO4J_DATABASE"),
    )
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_session_store):
    """An empty Neo4jStore (the shared test database, cleared before each test)."""
    neo4j_session_store.clear()
    return neo4j_session_store


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "map.db")
    yield store
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest):
    """An empty store of each kind: the contract tests run on both."""
    return request.getfixturevalue(f"{request.param}_store")
