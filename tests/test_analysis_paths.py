"""shortest_paths() and connections(): how two actors, or two sectors, are joined."""

import json

import networkx as nx
import pytest

from mapper.analysis.actor_graph import actor_graph
from mapper.analysis.paths import connections, shortest_paths
from mapper.errors import ActorNotFound
from mapper.model import Actor, Collaboration, Relation
from mapper.stores.common import build_snapshot

SECTOR = {"kth": "academia", "lund": "academia", "vinnova": "public", "region-skane": "public",
          "ikea": "private", "impact-hub": "civil_society", "coompanion": "civil_society",
          "alone": "private"}


def link(collaborations=(), relations=()):
    return {"weight": len(collaborations) + len(relations),
            "collaborations": list(collaborations), "relations": list(relations)}


@pytest.fixture(name="G")
def actor_graph_fixture():
    # kth -> coompanion: via vinnova (2 hops), via lund (2 hops), via ikea, impact-hub (3 hops)
    G = nx.Graph()
    for actor, sector in SECTOR.items():
        G.add_node(actor, sector=sector, name=actor.title())
    G.add_edge("kth", "vinnova", **link(["lab"], ["FUNDS:vinnova->kth@2021"]))
    G.add_edge("vinnova", "coompanion", **link(relations=["FUNDS:vinnova->coompanion"]))
    G.add_edge("kth", "lund", **link(["undated-net"]))
    G.add_edge("lund", "coompanion", **link(["skane-lab"]))
    G.add_edge("kth", "ikea", **link(["kth-forum"]))
    G.add_edge("ikea", "impact-hub", **link(["forum"]))
    G.add_edge("impact-hub", "coompanion", **link(["forum", "lab"]))
    G.add_edge("vinnova", "region-skane", **link(["skane-lab"]))
    G.add_edge("lund", "region-skane", **link(["skane-lab"]))
    G.add_edge("coompanion", "region-skane", **link(["skane-lab"]))
    return G


def actors(paths):
    return [[step["actor"] for step in path] for path in paths]


def test_shortest_paths_within_max_hops(G):
    paths = shortest_paths(G, "kth", "coompanion", k=5, max_hops=2)
    assert sorted(actors(paths)) == [["kth", "lund", "coompanion"],
                                     ["kth", "vinnova", "coompanion"]]


def test_longer_paths_come_after_shorter_ones(G):
    paths = actors(shortest_paths(G, "kth", "coompanion", k=3, max_hops=3))
    assert [len(path) - 1 for path in paths] == [2, 2, 3]
    assert len(shortest_paths(G, "kth", "coompanion", k=1)) == 1


def test_steps_say_what_links_them(G):
    path = next(p for p in shortest_paths(G, "kth", "coompanion", max_hops=2)
                if p[1]["actor"] == "vinnova")
    assert path == [
        {"actor": "kth", "name": "Kth", "sector": "academia", "via": None},
        {"actor": "vinnova", "name": "Vinnova", "sector": "public",
         "via": {"collaborations": ["lab"], "relations": ["FUNDS:vinnova->kth@2021"]}},
        {"actor": "coompanion", "name": "Coompanion", "sector": "civil_society",
         "via": {"collaborations": [], "relations": ["FUNDS:vinnova->coompanion"]}},
    ]
    assert json.loads(json.dumps(path)) == path


def test_no_path(G):
    assert shortest_paths(G, "kth", "alone") == []
    assert shortest_paths(G, "kth", "impact-hub", max_hops=1) == []


def test_same_actor(G):
    assert actors(shortest_paths(G, "kth", "kth")) == [["kth"]]


@pytest.mark.parametrize(("source", "target"), [("nobody", "kth"), ("kth", "nobody")])
def test_unknown_actor(G, source, target):
    with pytest.raises(ActorNotFound, match="no actor with id 'nobody'"):
        shortest_paths(G, source, target)


def test_paths_on_an_actor_graph_from_a_snapshot():
    snapshot = build_snapshot(
        [Actor(id="kth", name="KTH", sector="academia"),
         Actor(id="ikea", name="IKEA", sector="private"),
         Actor(id="vinnova", name="Vinnova", sector="public")],
        [Collaboration(id="forum", name="Forum", kind="event")],
        [Relation(type="PARTICIPATES_IN", source="kth", target="forum"),
         Relation(type="PARTICIPATES_IN", source="ikea", target="forum"),
         Relation(type="MEMBER_OF", source="ikea", target="vinnova")],
    )
    [path] = shortest_paths(actor_graph(snapshot), "kth", "vinnova")
    assert [step["via"] for step in path] == [
        None,
        {"collaborations": ["forum"], "relations": []},
        {"collaborations": [], "relations": ["MEMBER_OF:ikea->vinnova"]},
    ]


def test_connections_between_two_sectors(G):
    result = connections(G, "public", "civil_society")
    assert result["sectors"] == ["public", "civil_society"]
    assert result["total"] == 2
    # both weight 1: ordered by ids, the public actor first
    assert [[a["actor"] for a in link["actors"]] for link in result["links"]] == [
        ["region-skane", "coompanion"], ["vinnova", "coompanion"]]
    assert result["links"][1] == {
        "actors": [{"actor": "vinnova", "name": "Vinnova", "sector": "public"},
                   {"actor": "coompanion", "name": "Coompanion", "sector": "civil_society"}],
        "weight": 1, "collaborations": [], "relations": ["FUNDS:vinnova->coompanion"],
    }


def test_connections_ranked_by_weight(G):
    result = connections(G, "civil_society", "academia")
    assert [[a["actor"] for a in link["actors"]] for link in result["links"]] == [
        ["coompanion", "lund"]]
    G.add_edge("impact-hub", "kth", **link(["a", "b", "c"]))
    ranked = connections(G, "academia", "civil_society")["links"]
    assert [(link["actors"][0]["actor"], link["weight"]) for link in ranked] == [
        ("kth", 3), ("lund", 1)]


def test_connections_within_a_sector_and_limit(G):
    result = connections(G, "civil_society", "civil_society")
    assert [[a["actor"] for a in link["actors"]] for link in result["links"]] == [
        ["coompanion", "impact-hub"]]  # the weight-2 link, smaller id first
    limited = connections(G, "public", "civil_society", limit=1)
    assert (limited["total"], len(limited["links"])) == (2, 1)
    assert len(connections(G, "public", "civil_society", limit=None)["links"]) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("church", "public"), "'sector_a': 'church' is not a sector; expected one of public, "
                               "private, civil_society, academia"),
        (("public", "state"), "'sector_b': 'state' is not a sector"),
    ],
)
def test_connections_unknown_sector(G, arguments, message):
    with pytest.raises(ValueError, match=message):
        connections(G, *arguments)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda G: shortest_paths(G, "kth", "lund", k=0), "'k': must be an integer >= 1, got 0"),
        (lambda G: shortest_paths(G, "kth", "lund", max_hops=0), "'max_hops': must be an integer"),
        (lambda G: connections(G, "public", "public", limit=0), "'limit': must be an integer >= 1"),
    ],
)
def test_bad_parameters(G, call, message):
    with pytest.raises(ValueError, match=message):
        call(G)
