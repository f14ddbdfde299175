"""suggest_partners(): Adamic-Adar plus region and shared funders, each part shown."""

import json
import math

import networkx as nx
import pytest

from mapper.analysis.actor_graph import actor_graph
from mapper.analysis.suggestions import suggest_partners
from mapper.errors import ActorNotFound
from mapper.model import Actor, Relation
from mapper.stores.common import build_snapshot

STHLM = "Stockholms län"


@pytest.fixture(name="G")
def actor_graph_fixture():
    G = nx.Graph()
    for actor, sector, region, funders in [
        ("kth", "academia", STHLM, ["vinnova"]),
        ("impact-hub", "civil_society", STHLM, []),
        ("vinnova", "public", STHLM, []),
        ("ikea", "private", "Kronobergs län", ["almi", "vinnova"]),
        ("coompanion", "civil_society", STHLM, []),
        ("lund", "academia", STHLM, ["vinnova"]),
        ("stadsmissionen", "civil_society", STHLM, []),
        ("fryshuset", "civil_society", STHLM, []),
        ("almi", "public", None, []),
        ("region-skane", "public", "Skåne län", []),
    ]:
        G.add_node(actor, sector=sector, region=region, funders=funders, name=actor.title())
    # kth's neighbours: impact-hub (degree 4) and vinnova (degree 2)
    G.add_edges_from([("kth", "impact-hub"), ("kth", "vinnova"), ("impact-hub", "ikea"),
                      ("vinnova", "ikea"), ("impact-hub", "coompanion"), ("impact-hub", "lund")])
    return G


def test_scores_by_hand(G):
    suggestions = suggest_partners(G, "kth")
    # ikea: common neighbours impact-hub (degree 4) and vinnova (degree 2), shared funder vinnova
    # coompanion: impact-hub, same region; fryshuset, stadsmissionen: same region only (a tie,
    # broken by id); lund: same sector; almi, region-skane: score 0; impact-hub, vinnova: linked
    assert [s["actor"] for s in suggestions] == ["ikea", "coompanion", "fryshuset",
                                                 "stadsmissionen"]
    ikea, coompanion, fryshuset, _ = suggestions
    assert ikea["parts"] == pytest.approx(
        {"adamic_adar": 1 / math.log(4) + 1 / math.log(2), "shared_region": 0.0,
         "shared_funders": 0.5})
    assert ikea["score"] == pytest.approx(1 / math.log(4) + 1 / math.log(2) + 0.5)
    assert ikea["common_neighbours"] == ["impact-hub", "vinnova"]
    assert ikea["shared_funders"] == ["vinnova"]
    assert (ikea["name"], ikea["sector"]) == ("Ikea", "private")
    assert coompanion["score"] == pytest.approx(1 / math.log(4) + 0.5)
    assert fryshuset == {
        "actor": "fryshuset", "name": "Fryshuset", "sector": "civil_society", "score": 0.5,
        "parts": {"adamic_adar": 0.0, "shared_region": 0.5, "shared_funders": 0.0},
        "common_neighbours": [], "shared_funders": [],
    }
    assert json.loads(json.dumps(suggestions)) == suggestions


def test_weights_and_k(G):
    suggestions = suggest_partners(G, "kth", k=5, region_weight=0, funder_weight=2)
    assert [s["actor"] for s in suggestions] == ["ikea", "coompanion"]
    assert suggestions[0]["parts"]["shared_funders"] == 2.0
    assert [s["actor"] for s in suggest_partners(G, "kth", k=1)] == ["ikea"]


def test_unknown_region_is_never_shared(G):
    assert suggest_partners(G, "almi") == []  # no links, no region, no funders


def test_unknown_actor(G):
    with pytest.raises(ActorNotFound, match="no actor with id 'nobody'"):
        suggest_partners(G, "nobody")


@pytest.mark.parametrize(
    ("parameters", "message"),
    [({"k": 0}, "'k': must be an integer >= 1, got 0"),
     ({"region_weight": -1}, "'region_weight': must be a number >= 0, got -1"),
     ({"funder_weight": float("nan")}, "'funder_weight': must be a number >= 0, got nan")],
)
def test_bad_parameters(G, parameters, message):
    with pytest.raises(ValueError, match=message):
        suggest_partners(G, "kth", **parameters)


def test_shared_funders_come_from_the_snapshot():
    snapshot = build_snapshot(
        [Actor(id="vinnova", name="Vinnova", sector="public"),
         Actor(id="kth", name="KTH", sector="academia"),
         Actor(id="coompanion", name="Coompanion", sector="civil_society")],
        [],
        [Relation(type="FUNDS", source="vinnova", target="kth", year=2019),
         Relation(type="FUNDS", source="vinnova", target="coompanion", year=2023)],
    )
    # both funded by vinnova, so both are linked to it, and vinnova (degree 2) is a common neighbour
    [suggestion] = suggest_partners(actor_graph(snapshot), "kth")
    assert suggestion["actor"] == "coompanion"
    assert suggestion["shared_funders"] == ["vinnova"]
    assert suggestion["parts"] == pytest.approx(
        {"adamic_adar": 1 / math.log(2), "shared_region": 0.0, "shared_funders": 0.5})
    # the 2023 funding is outside the years: no shared funder and no common neighbour
    assert suggest_partners(actor_graph(snapshot, year_to=2020), "kth") == []
