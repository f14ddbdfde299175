"""Fixtures: every contract test runs on the embedded store and on a real Neo4j.

Neo4j comes from NEO4J_URI (and NEO4J_USER / NEO4J_PASSWORD) when set, otherwise from the
launcher in tools/neo4j-test-server, started once per session. Without Java the Neo4j tests
skip, except under CI=true, where a Neo4j that cannot start fails the run.

Which stores, as networkx's ``--backend`` / NETWORKX_TEST_BACKEND::

    pytest --store both       # the default (also under CI=true)
    pytest --store embedded   # no Neo4j is started; every test that needs it is deselected
    pytest --store neo4j      # tests over both stores run only their Neo4j half
    MAPPER_TEST_STORE=embedded pytest     # the same as --store embedded

A test needs Neo4j when it is marked ``neo4j``, uses ``neo4j_uri`` (``neo4j_store`` and
``neo4j_session_store`` do), or has a parameter whose value is ``"neo4j"`` (the ``store``
fixture, or a test's own ``parametrize("kind", ["embedded", "neo4j"])``); such a test gets the
``neo4j`` mark, so ``-m "not neo4j"`` works too. A parameter ``"embedded"`` makes it the
embedded half, which ``--store neo4j`` deselects; tests about neither store always run.

Tests marked ``slow`` are skipped unless CI=true or ``pytest --run-slow``.
``@pytest.mark.slow(store="neo4j")`` makes only that store's half slow.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapper.stores.embedded import EmbeddedStore

STORES = ("embedded", "neo4j", "both")
SLOW_REASON = "slow: run with --run-slow (CI runs it)"

ENABLE_HINT = (
    "Neo4j tests need Java 17 and Maven (the launcher in tools/neo4j-test-server) or a running "
    "server: NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=... pytest"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mapper")
    group.addoption(
        "--store",
        choices=STORES,
        default=None,
        help="the stores to test: embedded, neo4j or both (default: $MAPPER_TEST_STORE or both)",
    )
    group.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow (CI=true runs them always)",
    )


def _selected_store(config: pytest.Config) -> str:
    chosen = config.getoption("--store") or os.environ.get("MAPPER_TEST_STORE") or "both"
    if chosen not in STORES:
        raise pytest.UsageError(f"MAPPER_TEST_STORE={chosen!r}: expected one of {STORES}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    _selected_store(config)  # a bad MAPPER_TEST_STORE stops the run before collection


def pytest_report_header(config: pytest.Config) -> str:
    slow = "run" if _in_ci() or config.getoption("--run-slow") else "skipped (run with --run-slow)"
    return f"stores: {_selected_store(config)}; slow tests: {slow}"


def _store_of(item: pytest.Item) -> str | None:
    """The store a test runs on: "neo4j", "embedded", or None for a test about neither."""
    callspec = getattr(item, "callspec", None)
    values = [v for v in callspec.params.values() if isinstance(v, str)] if callspec else []
    if "neo4j" in values:
        return "neo4j"
    if "embedded" in values:
        return "embedded"
    if item.get_closest_marker("neo4j") or "neo4j_uri" in getattr(item, "fixturenames", ()):
        return "neo4j"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unwanted = {"embedded": "neo4j", "neo4j": "embedded"}.get(_selected_store(config))
    run_slow = _in_ci() or config.getoption("--run-slow")
    kept, deselected = [], []
    for item in items:
        store = _store_of(item)
        if store is not None and store == unwanted:
            deselected.append(item)
            continue
        if store == "neo4j":
            item.add_marker(pytest.mark.neo4j)
        slow = [mark.kwargs.get("store") for mark in item.iter_markers("slow")]
        if not run_slow and any(only in (None, store) for only in slow):
            item.add_marker(pytest.mark.skip(reason=SLOW_REASON))
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def neo4j_uri(request: pytest.FixtureRequest) -> Iterator[str]:
    """The Bolt URI of a real Neo4j for this test session."""
    from tests.neo4j_server import Neo4jTestServer, java_available

    if _selected_store(request.config) == "embedded":
        pytest.skip("--store embedded: this run has no Neo4j")
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
