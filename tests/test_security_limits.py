"""Input limits: every size a caller may ask for has a documented maximum (mapper.service.LIMITS).

A request beyond a maximum is a 422 naming the parameter and the limit, from the API, and an
InvalidParameter from the service (so the CLI refuses it too). Very long ids and query strings
are a 404 or a 422, never a 500, on both stores.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.cli import cli
from mapper.errors import InvalidParameter
from mapper.service import LIMITS, MapperService, Scope
from tests.test_store_contract import seeded

DOCS = Path(__file__).resolve().parent.parent / "docs" / "security.md"
LONG = "x" * 10_000


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from mapper.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path_factory.mktemp("limits") / "map.db")
    yield TestClient(create_app(MapperService(seeded(store))), raise_server_exceptions=False)
    store.close()


# (endpoint, parameter, its maximum); every LIMITS field appears at least once.
BOUNDED = [
    ("/actors", "limit", LIMITS.page_size),
    ("/collaborations", "limit", LIMITS.page_size),
    ("/connections?sector_a=public&sector_b=academia", "limit", LIMITS.page_size),
    ("/actors/vinnova/neighbours", "depth", LIMITS.depth),
    ("/paths?source=vinnova&target=impact-hub", "max_hops", LIMITS.max_hops),
    ("/paths?source=vinnova&target=impact-hub", "k", LIMITS.paths),
    ("/analysis/gaps", "permutations", LIMITS.permutations),
    ("/map/gaps", "permutations", LIMITS.permutations),
    ("/analysis/brokers", "top", LIMITS.top),
    ("/actors/vinnova/suggestions", "k", LIMITS.top),
    ("/analysis/brokers", "sample", 100_000),
    ("/analysis/gaps", "bins", 100),
    ("/analysis/gaps", "seed", 2**32 - 1),
    ("/map/gaps", "seed", 2**32 - 1),
    ("/actors", "offset", 10**9),
    ("/collaborations", "offset", 10**9),
]


def _url(endpoint: str, parameter: str, value: int) -> str:
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{parameter}={value}"


def test_every_limit_is_checked_by_some_endpoint():
    checked = {limit for _, _, limit in BOUNDED}
    assert all(value in checked for value in dataclasses.asdict(LIMITS).values())


@pytest.mark.parametrize(("endpoint", "parameter", "limit"), BOUNDED)
def test_one_beyond_a_limit_is_a_422_naming_the_parameter_and_the_limit(
    client, endpoint, parameter, limit
):
    response = client.get(_url(endpoint, parameter, limit + 1))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "InvalidParameter"
    assert error["parameter"] == parameter
    assert str(limit) in error["message"]


@pytest.mark.parametrize(("endpoint", "parameter", "limit"), BOUNDED)
def test_a_huge_value_is_a_422_not_a_500(client, endpoint, parameter, limit):
    for value in (10**30, -(10**30), -1):
        response = client.get(_url(endpoint, parameter, value))
        assert response.status_code == 422, (value, response.text)
        assert response.json()["error"]["parameter"] == parameter


@pytest.mark.parametrize(
    ("endpoint", "parameter", "limit"),
    [b for b in BOUNDED if b[1] not in ("permutations", "sample", "offset", "seed")],
)
def test_the_limit_itself_is_allowed(client, endpoint, parameter, limit):
    assert client.get(_url(endpoint, parameter, limit)).status_code == 200


def test_the_largest_permutation_count_is_allowed(client):
    url = f"/analysis/gaps?permutations={LIMITS.permutations}"
    assert client.get(url).status_code == 200


# -- the same limits in the service, for the CLI ---------------------------------------------


SERVICE_CALLS = [
    ("limit", LIMITS.page_size, lambda s, v: s.actors(limit=v)),
    ("limit", LIMITS.page_size, lambda s, v: s.collaborations(limit=v)),
    ("limit", LIMITS.page_size, lambda s, v: s.connections("public", "academia", Scope(), limit=v)),
    ("depth", LIMITS.depth, lambda s, v: s.neighbours("vinnova", depth=v)),
    (
        "max_hops",
        LIMITS.max_hops,
        lambda s, v: s.paths("vinnova", "impact-hub", Scope(), max_hops=v),
    ),
    ("k", LIMITS.paths, lambda s, v: s.paths("vinnova", "impact-hub", Scope(), k=v)),
    ("permutations", LIMITS.permutations, lambda s, v: s.gaps(Scope(), permutations=v)),
    ("permutations", LIMITS.permutations, lambda s, v: s.gap_map(Scope(), permutations=v)),
    ("top", LIMITS.top, lambda s, v: s.brokers(Scope(), top=v)),
    ("k", LIMITS.top, lambda s, v: s.suggestions("vinnova", Scope(), k=v)),
    ("brokers", LIMITS.top, lambda s, v: s.actor_map(Scope(), brokers=v)),
    ("seed", 2**32 - 1, lambda s, v: s.gaps(Scope(), seed=v)),
]


@pytest.mark.parametrize(("parameter", "limit", "call"), SERVICE_CALLS)
def test_the_service_refuses_the_same_values(embedded_store, parameter, limit, call):
    service = MapperService(seeded(embedded_store))
    with pytest.raises(InvalidParameter, match=re.escape(f"..{limit}")) as caught:
        call(service, limit + 1)
    assert caught.value.name == parameter


def test_the_cli_refuses_a_value_beyond_a_limit_without_a_traceback(tmp_path):
    store = str(tmp_path / "map.db")
    from mapper.stores.embedded import EmbeddedStore

    EmbeddedStore(store).close()  # an empty store: a missing one is refused before the limit
    result = CliRunner().invoke(cli, ["--store", store, "gaps", "--permutations", "100000"])
    assert result.exit_code == 1
    assert "parameter 'permutations': 100000 is outside the allowed range 1..2000" in result.output
    assert "Traceback" not in result.output


def test_the_limits_are_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name, value in dataclasses.asdict(LIMITS).items():
        assert re.search(rf"`{name}`.*\|\s*{value}\s*\|", text), f"{name} = {value} not in {DOCS}"


# -- very long strings, on both stores -----------------------------------------------------------


LONG_REQUESTS = [
    f"/actors/{LONG}",
    f"/actors/{LONG}/neighbours",
    f"/actors/{LONG}/suggestions",
    f"/collaborations/{LONG}",
    f"/actors?q={LONG}",
    f"/actors?region={LONG}",
    f"/actors?kind={LONG}",
    f"/actors?sector={LONG}",
    f"/collaborations?region={LONG}",
    f"/collaborations?kind={LONG}",
    f"/analysis/mixing?region={LONG}",
    f"/analysis/gaps?relation_types={LONG}",
    f"/paths?source={LONG}&target=vinnova",
    f"/paths?source=vinnova&target={LONG}",
    f"/connections?sector_a={LONG}&sector_b=public",
    f"/map?region={LONG}",
    f"/map?lang={LONG}",
    f"/map/gaps?size_by={LONG}",
    f"/no/such/{LONG}",
]


@pytest.mark.parametrize("path", LONG_REQUESTS, ids=lambda p: p.replace(LONG, "<10kB>"))
def test_a_10_kb_id_or_query_is_a_404_or_422_never_a_500(store, path):
    client = TestClient(create_app(MapperService(seeded(store))), raise_server_exceptions=False)
    response = client.get(path)
    assert response.status_code in (404, 422, 200), response.text[:300]
    if response.status_code != 200:
        assert set(response.json()) == {"error"}


def test_a_10_kb_unknown_parameter_is_refused_in_a_short_answer(client):
    for path in (f"/actors?unknown={LONG}", f"/actors?{LONG}=1"):
        response = client.get(path)
        assert response.status_code == 422
        assert len(response.content) < 2_000
