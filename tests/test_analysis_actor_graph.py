"""actor_graph(): who is linked to whom, by what, within a region and a period."""

import itertools

import networkx as nx
import pytest

from mapper.analysis.actor_graph import actor_graph
from mapper.model import ACTOR_RELATION_TYPES, Actor, Batch, Collaboration, Relation
from mapper.stores.common import build_snapshot
from mapper.stores.embedded import EmbeddedStore

ACTORS = [
    Actor(id="vinnova", name="Vinnova", sector="public", kinds="funder", subsector="agency",
          region="Stockholms län"),
    Actor(id="region-skane", name="Region Skåne", sector="public", region="Skåne län"),
    Actor(id="lund", name="Lunds universitet", sector="academia", region="Skåne län"),
    Actor(id="kth", name="KTH", sector="academia", region="Stockholms län"),
    Actor(id="ikea", name="IKEA", sector="private", region="Kronobergs län"),
    Actor(id="coompanion", name="Coompanion Skåne", sector="civil_society", region="Skåne län"),
    Actor(id="stadsmissionen", name="Stadsmissionen", sector="civil_society"),
]
COLLABORATIONS = [
    Collaboration(id="skane-lab", name="Skånelabbet", kind="project", start="2018", end="2020",
                  region="Skåne län"),
    Collaboration(id="kth-forum", name="KTH-forum", kind="event", start="2022",
                  region="Stockholms län"),
    Collaboration(id="undated-net", name="Nätverket", kind="network"),
]
RELATIONS = [
    Relation(type="PARTICIPATES_IN", source="region-skane", target="skane-lab", role="lead"),
    Relation(type="PARTICIPATES_IN", source="lund", target="skane-lab"),
    Relation(type="PARTICIPATES_IN", source="coompanion", target="skane-lab"),
    Relation(type="FUNDS", source="vinnova", target="skane-lab", amount=1e6, year=2018),
    Relation(type="PARTICIPATES_IN", source="kth", target="kth-forum"),
    Relation(type="PARTICIPATES_IN", source="vinnova", target="kth-forum", role="speaker"),
    Relation(type="PARTICIPATES_IN", source="ikea", target="kth-forum"),
    Relation(type="PARTICIPATES_IN", source="lund", target="undated-net"),
    Relation(type="PARTICIPATES_IN", source="kth", target="undated-net"),
    Relation(type="COLLABORATES_WITH", source="lund", target="kth", year=2015),
    Relation(type="MEMBER_OF", source="coompanion", target="stadsmissionen"),
    Relation(type="FUNDS", source="vinnova", target="kth", year=2021),
]
SNAPSHOT = build_snapshot(ACTORS, COLLABORATIONS, RELATIONS)


def weights(A):
    return {tuple(sorted((u, v))): w for u, v, w in A.edges(data="weight")}


def test_links_by_hand():
    A = actor_graph(SNAPSHOT)
    skane_lab = ["coompanion", "lund", "region-skane", "vinnova"]  # vinnova funds it: takes part
    expected = {pair: 1 for pair in itertools.combinations(skane_lab, 2)}
    expected |= {("ikea", "kth"): 1, ("ikea", "vinnova"): 1}  # kth-forum
    expected[("kth", "lund")] = 2  # undated-net + COLLABORATES_WITH
    expected[("kth", "vinnova")] = 2  # kth-forum + FUNDS
    expected[("coompanion", "stadsmissionen")] = 1  # MEMBER_OF
    assert weights(A) == expected
    assert A["kth"]["lund"]["collaborations"] == ["undated-net"]
    assert A["kth"]["lund"]["relations"] == ["COLLABORATES_WITH:lund->kth@2015"]
    assert A["kth"]["vinnova"]["relations"] == ["FUNDS:vinnova->kth@2021"]
    assert A["kth"]["vinnova"]["distance"] == 0.5
    for _, _, data in A.edges(data=True):
        assert data["weight"] == len(data["collaborations"]) + len(data["relations"])


def test_nodes_carry_the_actor_fields():
    A = actor_graph(SNAPSHOT)
    assert set(A) == {actor.id for actor in ACTORS}
    assert A.nodes["vinnova"] == {
        "sector": "public", "name": "Vinnova", "region": "Stockholms län", "kinds": ["funder"],
        "subsector": "agency", "country": "SE", "funders": [],
    }
    assert A.nodes["kth"]["funders"] == ["vinnova"]
    assert not A.is_directed() and not A.is_multigraph()


def test_year_from_drops_what_ended_before():
    A = actor_graph(SNAPSHOT, year_from=2021)
    # skane-lab (2018-2020) and COLLABORATES_WITH@2015 are gone; undated-net and MEMBER_OF stay
    assert weights(A) == {
        ("ikea", "kth"): 1, ("ikea", "vinnova"): 1, ("kth", "vinnova"): 2, ("kth", "lund"): 1,
        ("coompanion", "stadsmissionen"): 1,
    }
    assert A.degree("region-skane") == 0


def test_year_to_drops_what_started_after():
    A = actor_graph(SNAPSHOT, year_to=2019)
    assert "ikea" in A and A.degree("ikea") == 0  # kth-forum starts 2022
    assert A["kth"]["lund"]["weight"] == 2
    assert not A.has_edge("kth", "vinnova")  # kth-forum 2022, FUNDS 2021
    assert A.nodes["kth"]["funders"] == []
    assert A["lund"]["vinnova"]["collaborations"] == ["skane-lab"]


@pytest.mark.parametrize(("start", "end"), [(None, None), ("2015", None), ("2015", "2017"),
                                             (None, "2017"), ("2019-05-01", "2021-01-31")])
@pytest.mark.parametrize(("year_from", "year_to"), [(None, None), (2016, None), (None, 2016),
                                                     (2018, 2019), (2021, 2030), (2010, 2014)])
def test_collaboration_years_agree_with_the_model(start, end, year_from, year_to):
    collaboration = Collaboration(id="c", name="C", kind="project", start=start, end=end)
    G = build_snapshot(
        [Actor(id="a", name="A", sector="public"), Actor(id="b", name="B", sector="private")],
        [collaboration],
        [Relation(type="PARTICIPATES_IN", source=x, target="c") for x in ("a", "b")],
    )
    linked = actor_graph(G, year_from=year_from, year_to=year_to).has_edge("a", "b")
    assert linked == collaboration.active_in(year_from, year_to)


@pytest.mark.parametrize(
    ("fields", "kept"),
    [({}, True), ({"year": 2019}, True), ({"year": 2015}, False), ({"year": 2022}, False),
     ({"start": "2015", "end": "2019"}, True), ({"start": "2015"}, False),
     ({"start": "2015", "year": 2020}, True), ({"end": "2018"}, False), ({"end": "2019"}, True)],
)
def test_relation_years(fields, kept):
    G = build_snapshot(
        [Actor(id="a", name="A", sector="public"), Actor(id="b", name="B", sector="private")],
        [],
        [Relation(type="COLLABORATES_WITH", source="a", target="b", **fields)],
    )
    assert actor_graph(G, year_from=2019, year_to=2020).has_edge("a", "b") is kept


def test_region_keeps_its_collaborations_and_the_actors_in_or_around_them():
    A = actor_graph(SNAPSHOT, region="Region Skåne")
    # located in Skåne: region-skane, lund, coompanion; taking part in skane-lab: also vinnova
    assert set(A) == {"region-skane", "lund", "coompanion", "vinnova"}
    assert all(data["collaborations"] == ["skane-lab"] for _, _, data in A.edges(data=True))
    assert A.number_of_edges() == 6


def test_region_with_a_located_actor_outside_any_collaboration():
    A = actor_graph(SNAPSHOT, region="Kronobergs län")
    assert list(A) == ["ikea"] and A.number_of_edges() == 0


def test_relation_types_choose_the_direct_links():
    A = actor_graph(SNAPSHOT, relation_types=["COLLABORATES_WITH"])
    assert A["kth"]["vinnova"]["weight"] == 1
    assert A["kth"]["lund"]["weight"] == 2
    assert not A.has_edge("coompanion", "stadsmissionen")
    assert A.nodes["kth"]["funders"] == ["vinnova"]  # funders do not depend on relation_types
    assert weights(actor_graph(SNAPSHOT, relation_types=None)) == weights(actor_graph(SNAPSHOT))
    assert set(ACTOR_RELATION_TYPES) == {"COLLABORATES_WITH", "FUNDS", "PART_OF", "MEMBER_OF"}


def test_without_shared_collaborations_only_direct_relations_link():
    A = actor_graph(SNAPSHOT, shared_collaborations=False)
    assert weights(A) == {
        ("kth", "lund"): 1, ("coompanion", "stadsmissionen"): 1, ("kth", "vinnova"): 1,
    }


def test_a_funded_collaboration_makes_the_funder_take_part():
    A = actor_graph(SNAPSHOT, relation_types=[])
    assert A["lund"]["vinnova"]["collaborations"] == ["skane-lab"]


def test_embedded_store_snapshot_gives_the_same_graph():
    store = EmbeddedStore(":memory:")
    try:
        store.apply(Batch(actors=ACTORS, collaborations=COLLABORATIONS, relations=RELATIONS))
        A, B = actor_graph(store.snapshot()), actor_graph(SNAPSHOT)
    finally:
        store.close()
    assert nx.utils.graphs_equal(A, B)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"relation_types": ["FRIENDS_WITH"]},
         "'relation_types': 'FRIENDS_WITH' does not link two actors; expected any of "
         "COLLABORATES_WITH, FUNDS, PART_OF, MEMBER_OF"),
        ({"relation_types": ["PARTICIPATES_IN"]}, "'PARTICIPATES_IN' does not link two actors"),
        ({"region": "Atlantis"}, "'Atlantis' is not a Swedish county or region"),
        ({"year_from": 2020, "year_to": 2019}, "'year_from': 2020 is after year_to 2019"),
    ],
)
def test_bad_parameters(parameters, message):
    with pytest.raises(ValueError, match=message):
        actor_graph(SNAPSHOT, **parameters)


def test_changing_the_actor_graph_leaves_the_snapshot_alone():
    A = actor_graph(SNAPSHOT)
    A.nodes["vinnova"]["kinds"].append("network")
    assert SNAPSHOT.nodes["vinnova"]["kinds"] == ["funder"]
