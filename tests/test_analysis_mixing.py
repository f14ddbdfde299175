"""mixing(): the sector x sector link matrix, densities and E-I indices, worked out by hand."""

import json

import networkx as nx
import pytest

from mapper.analysis.mixing import mixing

SECTORS = ["public", "private", "civil_society", "academia"]


@pytest.fixture
def result():
    # public p1 p2 p3, academia a1 a2, civil society c1, no private actor
    G = nx.Graph()
    for node, sector in {"p1": "public", "p2": "public", "p3": "public", "a1": "academia",
                         "a2": "academia", "c1": "civil_society"}.items():
        G.add_node(node, sector=sector)
    G.add_edges_from([("p1", "p2"), ("p2", "p3"), ("p2", "a1"), ("a1", "a2"), ("a2", "c1")],
                     weight=1)
    G.add_edge("p1", "a1", weight=3)
    return mixing(G)


def test_counts_by_hand(result):
    assert result["sectors"] == SECTORS
    assert result["actors"] == {"public": 3, "private": 0, "civil_society": 1, "academia": 2}
    links = result["links"]
    assert links["public"] == {"public": 2, "private": 0, "civil_society": 0, "academia": 2}
    assert links["academia"] == {"public": 2, "private": 0, "civil_society": 1, "academia": 1}
    assert links["private"] == dict.fromkeys(SECTORS, 0)
    assert result["weights"]["public"]["academia"] == 4  # p1-a1 (3) + p2-a1 (1)
    assert result["weights"]["academia"]["public"] == 4


def test_symmetric_and_complete(result):
    for table in ("links", "weights", "density"):
        assert list(result[table]) == SECTORS
        for a in SECTORS:
            assert list(result[table][a]) == SECTORS
            for b in SECTORS:
                assert result[table][a][b] == result[table][b][a]


def test_density_by_hand(result):
    density = result["density"]
    assert density["public"]["public"] == pytest.approx(2 / 3)  # 2 of 3 pairs
    assert density["public"]["academia"] == pytest.approx(2 / 6)  # 2 of 3 x 2
    assert density["academia"]["academia"] == 1.0  # 1 of 1
    assert density["academia"]["civil_society"] == 0.5  # 1 of 2 x 1
    assert density["civil_society"]["civil_society"] is None  # one actor: no pair
    assert density["private"]["public"] is None


def test_ei_index_by_hand(result):
    # public: E = 2 (to academia), I = 2 -> 0; academia: E = 2 + 1, I = 1 -> 2/4;
    # civil society: E = 1, I = 0 -> 1; private: no link -> None
    assert result["ei_index"] == {"public": 0.0, "private": None, "civil_society": 1.0,
                                  "academia": 0.5}
    # overall: E = 3 cross-sector links, I = 3 within -> 0
    assert result["ei_index_overall"] == 0.0


def test_all_links_inside_one_sector():
    G = nx.complete_graph(["kth", "lund", "uu"])
    nx.set_node_attributes(G, "academia", "sector")
    result = mixing(G)
    assert result["ei_index"]["academia"] == -1.0
    assert result["ei_index_overall"] == -1.0
    assert result["links"]["academia"]["academia"] == 3


def test_empty_graph_and_json(result):
    empty = mixing(nx.Graph())
    assert empty["ei_index_overall"] is None
    assert empty["ei_index"] == dict.fromkeys(SECTORS)
    assert json.loads(json.dumps(result)) == result


def test_unknown_sector():
    G = nx.Graph()
    G.add_node("x", sector="church")
    with pytest.raises(ValueError, match="actor 'x' has sector 'church'; expected one of public"):
        mixing(G)
