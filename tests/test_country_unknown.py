"""Real data's country and unknown sector: the country scope (with partners) and the actors of
unknown sector, on both stores, the compact graph agreeing with the networkx reference."""

from __future__ import annotations

import pytest

from mapper.analysis.actor_graph import actor_graph
from mapper.analysis.compact import IndexedRows, compact_graph_from_rows
from mapper.errors import InvalidParameter
from mapper.filters import ActorFilter, Scope
from mapper.model import Actor, Batch, Collaboration, Relation
from mapper.service import MapperService


def _actor(actor_id: str, sector: str, country: str | None) -> Actor:
    return Actor(id=actor_id, name=actor_id.upper(), sector=sector, country=country)


def _in(actor_id: str, project: str) -> Relation:
    return Relation(type="PARTICIPATES_IN", source=actor_id, target=project)


# umu (SE) and sintef (NO) share p1; sintef and ntnu (NO) share p2; ntnu and tum (DE) share p3;
# foo (unknown sector and country) is in p1 too; rise (SE) funds umu directly.
BATCH = Batch(
    actors=[
        _actor("umu", "academia", "SE"),
        _actor("rise", "public", "se"),
        _actor("sintef", "private", "NO"),
        _actor("ntnu", "academia", "NO"),
        _actor("tum", "academia", "DE"),
        _actor("foo", "unknown", None),
    ],
    collaborations=[Collaboration(id=p, name=p, kind="project") for p in ("p1", "p2", "p3")],
    relations=[
        _in("umu", "p1"),
        _in("sintef", "p1"),
        _in("foo", "p1"),
        _in("sintef", "p2"),
        _in("ntnu", "p2"),
        _in("ntnu", "p3"),
        _in("tum", "p3"),
        Relation(type="FUNDS", source="rise", target="umu", amount=10, year=2020),
    ],
)


@pytest.fixture
def service(store):
    store.apply(BATCH)
    return MapperService(store)


def _ids(service: MapperService, scope: Scope) -> list[str]:
    compact = sorted(service.compact(scope).ids.tolist())
    reference = sorted(actor_graph(service.snapshot(), **scope.graph_options()))
    rows = IndexedRows.from_rows(service.store.analysis_rows()[1])
    assert compact == reference == sorted(
        compact_graph_from_rows(rows, **scope.graph_options()).ids.tolist()
    )
    return compact


def test_country_scope_keeps_its_actors(service):
    assert _ids(service, Scope(country="SE")) == ["rise", "umu"]
    assert _ids(service, Scope(country="no")) == ["ntnu", "sintef"]


def test_with_partners_adds_the_actors_linked_to_them(service):
    assert _ids(service, Scope(country="SE", with_partners=True)) == [
        "foo", "rise", "sintef", "umu",
    ]
    links = service.compact(Scope(country="SE", with_partners=True)).number_of_links()
    assert links == 4  # umu-sintef, umu-foo, sintef-foo (p1), rise-umu (FUNDS)


def test_with_partners_needs_a_country():
    with pytest.raises(InvalidParameter, match="with_partners"):
        Scope(with_partners=True)


def test_an_unknown_country_code_names_the_parameter():
    with pytest.raises(InvalidParameter, match="'Sweden' is not a country code"):
        Scope(country="Sweden")


def test_actors_can_be_listed_by_country(service):
    page = service.actors(ActorFilter(country="NO"))
    assert [actor.id for actor in page.items] == ["ntnu", "sintef"]
    assert service.actor("foo").country is None and service.actor("rise").country == "SE"


def test_unknown_sector_actors_are_left_out_of_sector_statistics_and_counted(service):
    scope = Scope()
    mixing = service.mixing(scope)
    assert mixing["unknown_sector_actors"] == 1
    assert sum(mixing["actors"].values()) == 5
    assert mixing["links"]["academia"]["private"] == 2  # umu-sintef and sintef-ntnu; foo's not
    gaps = service.gaps(scope, permutations=50)
    assert gaps["unknown_sector_actors"] == 1 and gaps["actors"] == 5
    assert "foo" not in gaps["isolated_actors"]
    brokers = service.brokers(scope, top=10)
    assert brokers["unknown_sector_actors"] == 1
    assert "foo" not in [broker["actor"] for broker in brokers["brokers"]]


def test_unknown_sector_actors_are_stored_listed_and_on_paths(service):
    assert [a.id for a in service.actors(ActorFilter(sector="unknown")).items] == ["foo"]
    assert "foo" in service.compact(Scope()).ids.tolist()
    paths = service.paths("foo", "tum", Scope(), k=1, max_hops=4)
    assert [step["actor"] for step in paths[0]][:2] == ["foo", "sintef"]
    assert service.info().counts.actors_by_sector["unknown"] == 1
