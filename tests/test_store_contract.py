"""The GraphStore contract, through the protocol only, on the embedded store and on Neo4j."""

from __future__ import annotations

import pytest

from mapper.errors import (
    ActorNotFound,
    CollaborationNotFound,
    InvalidBatch,
    UnknownReference,
)
from mapper.filters import ActorFilter, CollaborationFilter, options
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.stores.base import GraphStore
from mapper.stores.common import build_snapshot

QUOTE = "Vinnova och Tillväxtverket fördelar 120 miljoner – ”sociala innovationer” 🚀"


def actor(actor_id: str, sector: str = "public", **fields) -> Actor:
    return Actor(id=actor_id, name=fields.pop("name", actor_id.title()), sector=sector, **fields)


def collaboration(collaboration_id: str, **fields) -> Collaboration:
    fields.setdefault("kind", "project")
    return Collaboration(id=collaboration_id, name=collaboration_id.title(), **fields)


def takes_part(actor_id: str, collaboration_id: str, role: str = "partner") -> Relation:
    return Relation(type="PARTICIPATES_IN", source=actor_id, target=collaboration_id, role=role)


RICH_ACTOR = Actor(
    id="malmo-universitet",
    name="Malmö universitet",
    name_en="Malmö University",
    kinds=["organisation", "network"],
    sector="academia",
    subsector="university",
    region="Region Skåne",
    country="SE",
    url="https://mau.se/",
    aliases=["Malmö högskola", 'Mötesplats "MSI"'],
    description="Hosts Mötesplats för Social Innovation 🌱 – åäö ÅÄÖ",
    sources=[
        Source(document="002_08963f020c09ac5b.txt", quote=QUOTE),
        Source(url="https://mau.se/om-oss/"),
    ],
)

RICH_COLLABORATION = Collaboration(
    id="social-innovation-summit-2020",
    name="Social Innovation Summit",
    name_en="Social Innovation Summit",
    kind="event",
    start="2020-11-24",
    end="2020-11-25",
    region="Skåne",
    description="Två dagar i Malmö",
    data={"participants": 130, "areas": [{"area": "Välfärd", "share": 0.4}]},
    sources=[Source(document="002_08963f020c09ac5b.txt", quote=QUOTE)],
)


def seeded(store: GraphStore) -> GraphStore:
    """A small ecosystem: 4 actors in 3 sectors, 2 collaborations, 6 relations."""
    store.apply(
        Batch(
            actors=[
                actor("vinnova", kinds=["organisation", "funder"], subsector="agency"),
                actor("region-skane", region="Skåne län", subsector="region"),
                RICH_ACTOR,
                actor("impact-hub", sector="private", kinds=["organisation", "network"]),
            ],
            collaborations=[
                RICH_COLLABORATION,
                collaboration("strategy", kind="policy", start="2018", end="2020"),
            ],
            relations=[
                takes_part("malmo-universitet", "social-innovation-summit-2020", "organiser"),
                takes_part("impact-hub", "social-innovation-summit-2020", "speaker"),
                takes_part("vinnova", "strategy", "lead"),
                Relation(
                    type="FUNDS", source="vinnova", target="region-skane", amount=5e6, year=2018
                ),
                Relation(type="FUNDS", source="vinnova", target="strategy", amount=1.2e8),
                Relation(
                    type="COLLABORATES_WITH", source="region-skane", target="malmo-universitet"
                ),
            ],
        )
    )
    return store


def everything(store: GraphStore) -> tuple[list[Actor], list[Collaboration], list[Relation]]:
    """Every record in a store, each kind ordered by id or key."""
    actors = store.find(ActorFilter()).items
    collaborations = store.find(CollaborationFilter()).items
    relations = {r.key: r for record in actors for r in store.relations(record.id)}
    return actors, collaborations, [relations[key] for key in sorted(relations)]


def state(store: GraphStore) -> tuple:
    """Everything observable in a store, for before/after comparisons."""
    return everything(store)


def relation(store: GraphStore, key: str) -> Relation:
    (found,) = [r for r in everything(store)[2] if r.key == key]
    return found


def test_every_field_round_trips(store):
    seeded(store)
    assert store.get_actor("malmo-universitet") == RICH_ACTOR
    assert store.get_collaboration("social-innovation-summit-2020") == RICH_COLLABORATION
    funds = relation(store, "FUNDS:vinnova->region-skane@2018")
    assert (funds.amount, funds.currency, funds.year) == (5e6, "SEK", 2018)


def test_region_is_stored_as_the_county_name(store):
    seeded(store)
    assert store.get_actor("malmo-universitet").region == "Skåne län"


def test_the_same_record_twice_is_one_record(store):
    first = store.apply(Batch(actors=[RICH_ACTOR]))
    second = store.apply(Batch(actors=[RICH_ACTOR]))
    assert (first.actors.created, second.actors.unchanged) == (1, 1)
    assert store.counts().actors == 1


def test_a_record_replaces_the_stored_one(store):
    store.apply(Batch(actors=[RICH_ACTOR]))
    renamed = RICH_ACTOR.model_copy(update={"name": "Malmö universitet (MAU)", "sources": ()})
    assert store.apply(Batch(actors=[renamed])).actors.updated == 1
    assert store.get_actor("malmo-universitet") == renamed


def test_loading_the_same_batch_twice_changes_nothing(store):
    seeded(store)
    report = seeded(store).apply(Batch())
    assert report.summary().count("0 created") == 3
    again = store.apply(Batch(actors=[RICH_ACTOR], collaborations=[RICH_COLLABORATION]))
    assert (again.actors.unchanged, again.collaborations.unchanged) == (1, 1)


def test_a_batch_with_one_unknown_reference_changes_nothing(store):
    seeded(store)
    before = state(store)
    batch = Batch(
        actors=[actor("tillvaxtverket"), RICH_ACTOR.model_copy(update={"name": "Changed"})],
        relations=[
            takes_part("tillvaxtverket", "strategy"),
            Relation(type="MEMBER_OF", source="tillvaxtverket", target="region-skane-typo"),
        ],
    )
    with pytest.raises(UnknownReference, match=r"MEMBER_OF:tillvaxtverket->region-skane-typo"):
        store.apply(batch)
    assert state(store) == before


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        (
            takes_part("vinnova", "region-skane"),
            "relation PARTICIPATES_IN:vinnova->region-skane:partner: target 'region-skane' "
            "is not a known collaboration id; nothing was written",
        ),
        (
            Relation(type="PART_OF", source="strategy", target="vinnova"),
            "relation PART_OF:strategy->vinnova: source 'strategy' is not a known actor id; "
            "nothing was written",
        ),
        (
            Relation(type="FUNDS", source="vinnova", target="nobody"),
            "relation FUNDS:vinnova->nobody: target 'nobody' is not a known actor or "
            "collaboration id; nothing was written",
        ),
    ],
)
def test_relations_must_point_at_the_right_kind_of_record(store, relation, message):
    seeded(store)
    with pytest.raises(UnknownReference) as raised:
        store.apply(Batch(relations=[relation]))
    assert str(raised.value) == message


def test_an_id_cannot_name_an_actor_and_a_collaboration(store):
    seeded(store)
    with pytest.raises(InvalidBatch, match="'strategy' would name both"):
        store.apply(Batch(actors=[actor("strategy")]))


def test_relations_may_point_at_records_of_the_same_batch_or_the_store(store):
    seeded(store)
    report = store.apply(
        Batch(
            actors=[actor("skr")],
            relations=[Relation(type="MEMBER_OF", source="region-skane", target="skr")],
        )
    )
    assert (report.actors.created, report.relations.created) == (1, 1)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["impact-hub", "malmo-universitet", "region-skane", "vinnova"]),
        ({"sector": "public"}, ["region-skane", "vinnova"]),
        ({"kind": "funder"}, ["vinnova"]),
        ({"kind": "network"}, ["impact-hub", "malmo-universitet"]),
        ({"region": "Skåne län"}, ["malmo-universitet", "region-skane"]),
        ({"q": "HÖGSKOLA"}, ["malmo-universitet"]),
        ({"q": "malmö"}, ["malmo-universitet"]),
        ({"q": "100%"}, []),
        ({"region": "Region Skåne"}, ["malmo-universitet", "region-skane"]),
        ({"subsector": "agency"}, ["vinnova"]),
        ({"sector": "public", "region": "Skåne län"}, ["region-skane"]),
        ({"sector": "public", "kind": "funder", "subsector": "agency", "q": "vinn"}, ["vinnova"]),
    ],
)
def test_list_actors_filters(store, filters, expected):
    seeded(store)
    page = store.find(ActorFilter(**filters))
    assert [a.id for a in page.items] == expected


def test_every_declared_filter_is_a_query_in_the_store(store):
    """A filter declared in mapper.filters and not written as a store query fails here."""
    seeded(store)
    every = {name: kind for name, kind, *_ in options(ActorFilter)}
    values = {"sector": "public", "kind": "organisation", "subsector": "region", "region": "12",
              "country": "se", "q": "region-sk"}
    assert set(values) == set(every)
    page = store.find(ActorFilter(**values))
    assert [a.id for a in page.items] == ["region-skane"]
    values = {"kind": "policy", "region": "Skåne", "year": 2019, "q": "strategy"}
    assert set(values) == {name for name, *_ in options(CollaborationFilter)}
    assert store.find(CollaborationFilter(**values)).items \
        == []


def test_list_actors_pages_with_a_total(store):
    seeded(store)
    page = store.find(ActorFilter(), limit=2, offset=1)
    assert ([a.id for a in page.items], page.total) == (["malmo-universitet", "region-skane"], 4)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["social-innovation-summit-2020", "strategy"]),
        ({"kind": "policy"}, ["strategy"]),
        ({"year": 2019}, ["strategy"]),
        ({"year": 2020}, ["social-innovation-summit-2020", "strategy"]),
        ({"year": 2017}, []),
        ({"region": "Skåne län"}, ["social-innovation-summit-2020"]),
    ],
)
def test_list_collaborations_filters(store, filters, expected):
    seeded(store)
    page = store.find(CollaborationFilter(**filters))
    assert [c.id for c in page.items] == expected


def test_relations_of_a_record_both_ways(store):
    seeded(store)
    assert [r.key for r in store.relations("vinnova")] == [
        "FUNDS:vinnova->region-skane@2018",
        "FUNDS:vinnova->strategy",
        "PARTICIPATES_IN:vinnova->strategy:lead",
    ]
    assert [r.key for r in store.relations("region-skane")] == [
        "COLLABORATES_WITH:region-skane->malmo-universitet",
        "FUNDS:vinnova->region-skane@2018",
    ]
    assert len(store.relations("social-innovation-summit-2020")) == 2
    assert store.relations("nobody") == []


def test_neighbours_by_relation_and_shared_collaboration(store):
    seeded(store)
    assert store.neighbours("impact-hub") == {"malmo-universitet": 1}
    assert store.neighbours("impact-hub", depth=3) == {
        "malmo-universitet": 1,
        "region-skane": 2,
        "vinnova": 3,
    }


def test_get_actors_in_the_order_asked_leaving_out_unknown_ids(store):
    seeded(store)
    many = [actor(f"a-{i:04d}") for i in range(1200)]  # more than one query's worth of ids
    store.apply(Batch(actors=many))
    asked = ["vinnova", "nobody", "impact-hub", "vinnova", *(a.id for a in reversed(many))]
    found = store.get_actors(asked)
    assert [a.id for a in found] == ["vinnova", "impact-hub", *(a.id for a in reversed(many))]
    assert found[0] == store.get_actor("vinnova")
    assert store.get_actors([]) == []


def test_unknown_ids_name_the_id(store):
    with pytest.raises(ActorNotFound, match="no actor with id 'no-such-actor'"):
        store.get_actor("no-such-actor")
    with pytest.raises(CollaborationNotFound, match="'no-such-project'"):
        store.get_collaboration("no-such-project")
    with pytest.raises(ActorNotFound):
        store.neighbours("no-such-actor")


def test_counts(store):
    counts = seeded(store).counts()
    assert (counts.actors, counts.collaborations, counts.relations) == (4, 2, 6)
    assert counts.actors_by_sector == {"academia": 1, "private": 1, "public": 2}
    assert counts.actors_by_kind == {"funder": 1, "network": 2, "organisation": 4}
    assert counts.relations_by_type == {"COLLABORATES_WITH": 1, "FUNDS": 2, "PARTICIPATES_IN": 3}


def test_snapshot_holds_every_node_edge_and_attribute(store):
    G = seeded(store).snapshot()
    assert (G.number_of_nodes(), G.number_of_edges()) == (6, 6)
    node = G.nodes["malmo-universitet"]
    assert node["node_type"] == "actor"
    assert Actor.model_validate({k: v for k, v in node.items() if k != "node_type"}) == RICH_ACTOR
    assert G.nodes["strategy"]["node_type"] == "collaboration"
    edge = G.edges["vinnova", "region-skane", "FUNDS:vinnova->region-skane@2018"]
    assert (edge["type"], edge["amount"], edge["year"]) == ("FUNDS", 5e6, 2018)


def test_snapshot_equals_the_graph_built_from_the_stored_records(store):
    """The stores read the snapshot straight from stored JSON; the models must agree with it."""
    seeded(store)
    actors, collaborations, relations = everything(store)
    expected, G = build_snapshot(actors, collaborations, relations), store.snapshot()
    assert sorted(G.nodes(data=True)) == sorted(expected.nodes(data=True))
    assert sorted(G.edges(keys=True, data=True)) == sorted(expected.edges(keys=True, data=True))


def test_snapshot_follows_writes(store):
    seeded(store)
    assert store.snapshot().number_of_nodes() == 6
    store.apply(Batch(actors=[actor("skr")]))
    assert store.snapshot().number_of_nodes() == 7


@pytest.mark.parametrize(
    "name",
    [
        "') DETACH DELETE n //",
        "<script>alert(1)</script>",
        "'; DROP TABLE actors; --",
        'Robert"); MATCH (n) DETACH DELETE n; //',
        "=cmd|' /C calc'!A0",
        "\u202eRTL override",
    ],
)
def test_hostile_names_are_stored_as_text(store, name):
    seeded(store)
    hostile = actor("hostile", name=name, aliases=[name], description=name)
    store.apply(Batch(actors=[hostile]))
    assert store.get_actor("hostile") == hostile
    assert store.counts().actors == 5
    page = store.find(ActorFilter(q=name))
    assert [a.id for a in page.items] == ["hostile"]
