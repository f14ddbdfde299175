"""Funding flows: how much money goes from which sector to which, by year and currency."""

from __future__ import annotations

from collections import defaultdict

from mapper.analysis._shared import SECTORS, check_years, overlaps, relation_period
from mapper.model import year_of

__all__ = ["funding"]

_RANK = {sector: i for i, sector in enumerate(SECTORS)}


def funding(G, *, year_from: int | None = None, year_to: int | None = None) -> dict:
    """Sum the FUNDS relations of the snapshot `G` by funder sector, recipient sector and year.

    A FUNDS relation goes from an actor (the funder) to an actor or a collaboration
    (`recipient`: "actor" or "collaboration"; a collaboration has no recipient sector, None).
    Its year is its `year`, else the year of its `start`, else None. An amount is summed per
    currency;
    a relation without an amount is counted (`count`) but adds 0, and a missing currency is
    "unknown". `year_from`/`year_to` keep the relations whose period overlaps the range
    (undated ones are kept, with year None). Returns:

    - `flows`: `[{funder_sector, recipient, recipient_sector, year, currency, amount, count}]`;
    - `funders`: per funder, `{funder, name, sector, totals: {currency: {amount, count}}}`;
    - `totals`: `{currency: {amount, count}}` over all kept relations.

    Raises ValueError when `year_from` is after `year_to`.

    >>> from mapper.model import Actor, Collaboration, Relation
    >>> from mapper.stores.common import build_snapshot
    >>> G = build_snapshot(
    ...     [Actor(id="vinnova", name="Vinnova", sector="public"),
    ...      Actor(id="coompanion", name="Coompanion", sector="civil_society")],
    ...     [Collaboration(id="lab", name="Lab", kind="project")],
    ...     [Relation(type="FUNDS", source="vinnova", target="coompanion", amount=2e6, year=2021),
    ...      Relation(type="FUNDS", source="vinnova", target="lab")])
    >>> result = funding(G)
    >>> result["flows"][0]  # doctest: +NORMALIZE_WHITESPACE
    {'funder_sector': 'public', 'recipient': 'actor', 'recipient_sector': 'civil_society',
     'year': 2021, 'currency': 'SEK', 'amount': 2000000.0, 'count': 1}
    >>> result["totals"]
    {'SEK': {'amount': 2000000.0, 'count': 1}, 'unknown': {'amount': 0.0, 'count': 1}}
    """
    check_years(year_from, year_to)
    flows = defaultdict(_Sum)
    by_funder = defaultdict(lambda: defaultdict(_Sum))
    totals = defaultdict(_Sum)
    for funder, recipient, data in G.edges(data=True):
        if data.get("type") != "FUNDS":
            continue
        if not overlaps(relation_period(data), year_from, year_to):
            continue
        amount, currency = data.get("amount"), data.get("currency") or "unknown"
        key = (G.nodes[funder].get("sector"), *_recipient(G, recipient), _year(data), currency)
        for total in (flows[key], by_funder[funder][currency], totals[currency]):
            total.add(amount)
    return {
        "flows": [
            dict(zip(_FLOW_FIELDS, key, strict=True)) | flows[key].as_dict()
            for key in sorted(flows, key=_flow_order)
        ],
        "funders": [
            {
                "funder": funder,
                "name": G.nodes[funder].get("name"),
                "sector": G.nodes[funder].get("sector"),
                "totals": _as_dicts(by_funder[funder]),
            }
            for funder in sorted(by_funder)
        ],
        "totals": _as_dicts(totals),
    }


class _Sum:
    """A running amount and count."""

    def __init__(self):
        self.amount, self.count = 0.0, 0

    def add(self, amount: float | None) -> None:
        self.amount += float(amount or 0)
        self.count += 1

    def as_dict(self) -> dict:
        return {"amount": self.amount, "count": self.count}


def _as_dicts(sums: dict) -> dict:
    return {currency: sums[currency].as_dict() for currency in sorted(sums)}


_FLOW_FIELDS = ("funder_sector", "recipient", "recipient_sector", "year", "currency")


def _recipient(G, recipient) -> tuple[str, str | None]:
    """("actor", its sector) or ("collaboration", None)."""
    if G.nodes[recipient].get("node_type") == "collaboration":
        return "collaboration", None
    return "actor", G.nodes[recipient].get("sector")


def _year(data: dict) -> int | None:
    year = data.get("year")
    return year_of(data.get("start")) if year is None else int(year)


def _flow_order(key: tuple) -> tuple:
    funder_sector, recipient, recipient_sector, year, currency = key
    return (
        _RANK.get(funder_sector, 99),
        recipient,
        _RANK.get(recipient_sector, 99),
        (year is None, year or 0),
        currency,
    )
