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


def _answer(result: dict) -> dict:
    """An answer without its question (`scope`: the store generations differ)."""
    return {key: value for key, value in result.items() if key != "scope"}


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
        assert _answer(question(embedded)) == _answer(question(neo4j))


def test_paths_suggestions_and_neighbours_agree(services):
    left, right = services
    assert left.paths("vinnova", "lsv", Scope(), k=5) == right.paths("vinnova", "lsv", Scope(), k=5)
    assert left.suggestions("vinnova", Scope()) == right.suggestions("vinnova", Scope())
    for depth in (1, 2, 3):
        assert [(a.id, d) for a, d in left.neighbours("msi", depth=depth).items] == [
            (a.id, d) for a, d in right.neighbours("msi", depth=depth).items
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


def test_neo4j_counts_mixing_in_cypher_like_the_pure_function(neo4j_store):
    import random

    from mapper.analysis.actor_graph import actor_graph
    from mapper.analysis.mixing import mixing
    from mapper.model import Actor, Batch, Collaboration, Relation

    rng = random.Random(11)
    sectors = ["public", "private", "civil_society", "academia"]
    actors = [Actor(id=f"a{i}", name=f"A {i}", sector=rng.choice(sectors)) for i in range(60)]
    collaborations = [Collaboration(id=f"c{i}", name=f"C {i}", kind="project") for i in range(15)]
    relations = {
        r.key: r
        for r in [
            *(
                Relation(type="PARTICIPATES_IN", source=f"a{rng.randrange(60)}", target=f"c{c}")
                for c in range(15)
                for _ in range(rng.randrange(1, 8))
            ),
            *(
                Relation(type=kind, source=f"a{i}", target=f"a{(i + rng.randrange(1, 59)) % 60}")
                for i in range(60)
                for kind in rng.sample(["COLLABORATES_WITH", "FUNDS", "MEMBER_OF", "PART_OF"], 2)
            ),
            *(Relation(type="FUNDS", source=f"a{i}", target=f"c{i % 15}") for i in range(0, 60, 7)),
        ]
    }
    neo4j_store.apply(
        Batch(actors=actors, collaborations=collaborations, relations=list(relations.values()))
    )
    service = MapperService(neo4j_store)
    for scope in (Scope(), Scope(relation_types=("FUNDS",)), Scope(shared_collaborations=False)):
        pure = mixing(
            actor_graph(
                neo4j_store.snapshot(),
                relation_types=scope.relation_types,
                shared_collaborations=scope.shared_collaborations,
            )
        )
        assert _answer(service.mixing(scope)) == pure
