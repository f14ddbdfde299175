"""funding(): FUNDS amounts by funder sector, recipient sector, year and currency."""

import json

import pytest

from mapper.analysis.funding import funding
from mapper.model import Actor, Collaboration, Relation
from mapper.stores.common import build_snapshot

SNAPSHOT = build_snapshot(
    [Actor(id="vinnova", name="Vinnova", sector="public"),
     Actor(id="region-skane", name="Region Skåne", sector="public"),
     Actor(id="ikea-foundation", name="IKEA Foundation", sector="private"),
     Actor(id="coompanion", name="Coompanion", sector="civil_society"),
     Actor(id="lund", name="Lunds universitet", sector="academia")],
    [Collaboration(id="skane-lab", name="Skånelabbet", kind="project", start="2018")],
    [Relation(type="FUNDS", source="vinnova", target="coompanion", amount=100, year=2019),
     Relation(type="FUNDS", source="region-skane", target="coompanion", amount=50, year=2019),
     Relation(type="FUNDS", source="vinnova", target="coompanion", amount=25, year=2020),
     Relation(type="FUNDS", source="vinnova", target="skane-lab", amount=10, start="2018"),
     Relation(type="FUNDS", source="ikea-foundation", target="lund", amount=7, currency="EUR",
              year=2019),
     Relation(type="FUNDS", source="ikea-foundation", target="lund", year=2020),
     Relation(type="FUNDS", source="vinnova", target="lund"),
     Relation(type="PARTICIPATES_IN", source="lund", target="skane-lab")],
)


def flows(result):
    return {(f["funder_sector"], f["recipient_sector"] or f["recipient"], f["year"],
             f["currency"]): (f["amount"], f["count"]) for f in result["flows"]}


def test_flows_by_hand():
    result = funding(SNAPSHOT)
    assert flows(result) == {
        ("public", "civil_society", 2019, "SEK"): (150.0, 2),  # vinnova 100 + region 50
        ("public", "civil_society", 2020, "SEK"): (25.0, 1),
        ("public", "collaboration", 2018, "SEK"): (10.0, 1),  # the year of its start
        ("public", "academia", None, "unknown"): (0.0, 1),  # no amount, no year
        ("private", "academia", 2019, "EUR"): (7.0, 1),
        ("private", "academia", 2020, "unknown"): (0.0, 1),
    }
    # sorted by funder sector, recipient sector (collaboration last), year, currency
    assert [(f["funder_sector"], f["recipient_sector"] or f["recipient"])
            for f in result["flows"]][:4] == [
        ("public", "civil_society"), ("public", "civil_society"), ("public", "academia"),
        ("public", "collaboration")]


def test_totals_and_funders_by_hand():
    result = funding(SNAPSHOT)
    assert result["totals"] == {
        "EUR": {"amount": 7.0, "count": 1},
        "SEK": {"amount": 185.0, "count": 4},
        "unknown": {"amount": 0.0, "count": 2},
    }
    assert result["funders"] == [
        {"funder": "ikea-foundation", "name": "IKEA Foundation", "sector": "private",
         "totals": {"EUR": {"amount": 7.0, "count": 1}, "unknown": {"amount": 0.0, "count": 1}}},
        {"funder": "region-skane", "name": "Region Skåne", "sector": "public",
         "totals": {"SEK": {"amount": 50.0, "count": 1}}},
        {"funder": "vinnova", "name": "Vinnova", "sector": "public",
         "totals": {"SEK": {"amount": 135.0, "count": 3}, "unknown": {"amount": 0.0, "count": 1}}},
    ]
    assert json.loads(json.dumps(result)) == result


def test_years_keep_overlapping_and_undated_relations():
    result = funding(SNAPSHOT, year_from=2020)
    assert flows(result) == {
        ("public", "civil_society", 2020, "SEK"): (25.0, 1),
        ("public", "academia", None, "unknown"): (0.0, 1),
        ("private", "academia", 2020, "unknown"): (0.0, 1),
    }
    assert set(flows(funding(SNAPSHOT, year_from=2018, year_to=2018))) == {
        ("public", "collaboration", 2018, "SEK"), ("public", "academia", None, "unknown")}


def test_no_funding():
    empty = build_snapshot([Actor(id="kth", name="KTH", sector="academia")], [], [])
    assert funding(empty) == {"flows": [], "funders": [], "totals": {}}


def test_years_the_wrong_way_round():
    with pytest.raises(ValueError, match="parameter \'year_from\': 2021 is after year_to 2020"):
        funding(SNAPSHOT, year_from=2021, year_to=2020)
