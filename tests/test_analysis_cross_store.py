"""The same question gives the same numbers on the embedded store and on Neo4j."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import read_batch
from mapper.service import MapperService, Scope

SEED = Path(__file__).parent.parent / "seed_data"

SCOPES = [
    Scope(),
    Scope(region="Skåne län"),
    Scope(year_from=2018, year_to=2020),
    Scope(relation_types=("PART_OF",), shared_collaborations=True),
    Scope(relation_types=("FUNDS", "MEMBER_OF"), shared_collaborations=False),
]


@pytest.fixture(scope="module")
def batch():
    return read_batch([SEED])


@pytest.fixture
def services(embedded_store, neo4j_store, batch):
    embedded_store.apply(batch)
    neo4j_store.apply(batch)
    return MapperService(embedded_store), MapperService(neo4j_store)


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: repr(scope)[6:60])
def test_every_analysis_agrees(services, scope):
    embedded, neo4j = services
    questions = [
        lambda s: s.mixing(scope),
        lambda s: s.gaps(scope, permutations=100, seed=7),
        lambda s: s.brokers(scope, top=20),
        lambda s: s.connections("public", "academia", scope, limit=100),
        lambda s: s.funding(year_from=scope.year_from, year_to=scope.year_to),
    ]
    for question in questions:
        assert question(embedded) == question(neo4j)


def test_paths_suggestions_and_neighbours_agree(services):
    left, right = services
    assert left.paths("vinnova", "lsv", Scope(), k=5) == right.paths("vinnova", "lsv", Scope(), k=5)
    assert left.suggestions("vinnova", Scope()) == right.suggestions("vinnova", Scope())
    for depth in (1, 2, 3):
        assert [(a.id, d) for a, d in left.neighbours("msi", depth=depth)] == [
            (a.id, d) for a, d in right.neighbours("msi", depth=depth)
        ]


def test_the_seed_data_round_trips_through_both_stores(services, batch):
    embedded, neo4j = services
    for service in (embedded, neo4j):
        counts = service.info().counts
        assert (counts.actors, counts.collaborations, counts.relations) == (
            len(batch.actors),
            len(batch.collaborations),
            len(batch.relations),
        )
        for actor in batch.actors:
            assert service.actor(actor.id) == actor
