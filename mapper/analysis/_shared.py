"""Checks and small helpers shared by the analysis modules; not part of the public API."""

from __future__ import annotations

from typing import Any

import numpy as np

from mapper.errors import InvalidParameter
from mapper.filters import check_region, check_relation_types, check_years
from mapper.model import ACTOR_RELATION_TYPES, KNOWN_SECTORS, Sector, year_of

__all__ = [
    "ACTOR_RELATION_TYPES",
    "ALL_SECTORS",
    "SECTORS",
    "UNKNOWN",
    "UNKNOWN_CODE",
    "check_count",
    "check_region",
    "check_relation_types",
    "check_sector",
    "check_years",
    "collaboration_period",
    "collaboration_periods",
    "overlapping",
    "overlaps",
    "relation_period",
    "relation_periods",
    "sectors_of",
    "without_unknown",
]

SECTORS: tuple[str, ...] = KNOWN_SECTORS
"""The sectors of sector statistics, in order; an actor's sector code indexes this tuple."""

UNKNOWN: str = Sector.UNKNOWN.value
UNKNOWN_CODE: int = len(SECTORS)
"""The sector code of actors of unknown sector (one past SECTORS)."""

ALL_SECTORS: tuple[str, ...] = (*SECTORS, UNKNOWN)
"""Every sector an actor may have, indexed by its sector code."""


def check_sector(value: Any, name: str = "sector") -> str:
    """Return `value` as a sector name, or raise ValueError naming it and the four sectors."""
    value = getattr(value, "value", value)
    if value not in SECTORS:
        raise InvalidParameter(
            name, f"{value!r} is not a sector; expected one of {', '.join(SECTORS)}"
        )
    return value


def sectors_of(G) -> dict[Any, str]:
    """Map every node of an actor graph to its sector (`unknown` included); raise ValueError
    for a node without one."""
    sectors = {}
    for node, sector in G.nodes(data="sector"):
        if sector not in ALL_SECTORS:
            raise ValueError(
                f"actor {node!r} has sector {sector!r}; expected one of {', '.join(ALL_SECTORS)}"
            )
        sectors[node] = sector
    return sectors


def without_unknown(G) -> tuple[Any, int]:
    """(the actor graph without its actors of unknown sector, how many there were).

    What sector statistics (gaps, mixing, brokers) look at: an actor whose sector is not known
    cannot count for or against any sector. `G` is a networkx graph or a CompactGraph.

    >>> import networkx as nx
    >>> G = nx.path_graph(["kth", "x", "vinnova"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "x": "unknown", "vinnova": "public"},
    ...     "sector")
    >>> H, unknown = without_unknown(G)
    >>> sorted(H), unknown
    (['kth', 'vinnova'], 1)
    """
    sectors = getattr(G, "sectors", None)
    if sectors is not None:  # a CompactGraph
        known = sectors != UNKNOWN_CODE
        unknown = len(known) - int(known.sum())
        return (G.subgraph(known) if unknown else G), unknown
    unknown_nodes = [node for node, sector in G.nodes(data="sector") if sector == UNKNOWN]
    if not unknown_nodes:
        return G, 0
    return G.subgraph(set(G) - set(unknown_nodes)), len(unknown_nodes)


def check_count(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return `value` if it is an int >= `minimum`, else raise InvalidParameter naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidParameter(name, f"must be an integer >= {minimum}, got {value!r}")
    return value


def collaboration_period(attributes: dict) -> tuple[int | None, int | None]:
    """First and last year of a collaboration node, as `Collaboration.active_in` reads them.

    A start without an end is taken to be the start year; a missing bound is open.
    """
    start = year_of(attributes.get("start"))
    return start, year_of(attributes.get("end")) or start


def relation_period(attributes: dict) -> tuple[int | None, int | None]:
    """First and last year of a relation edge: from `start`/`end`, else from `year`."""
    year = attributes.get("year")
    start, end = year_of(attributes.get("start")), year_of(attributes.get("end"))
    first = start if start is not None else year
    if end is not None:
        return first, end
    return first, year if year is not None else first


def overlaps(
    period: tuple[int | None, int | None], year_from: int | None, year_to: int | None
) -> bool:
    """Whether a period overlaps [year_from, year_to]; open bounds and undated periods always do."""
    first, last = period
    if year_from is not None and last is not None and last < year_from:
        return False
    return not (year_to is not None and first is not None and first > year_to)


def relation_periods(year, start, end) -> tuple[np.ndarray, np.ndarray]:
    """First and last year of relations as float arrays (nan = open), as `relation_period`."""
    first = np.where(np.isnan(start), year, start)
    last = np.where(np.isnan(end), np.where(np.isnan(year), first, year), end)
    return first, last


def collaboration_periods(start, end) -> tuple[np.ndarray, np.ndarray]:
    """First and last year of collaborations (nan = open), as `collaboration_period`."""
    return start, np.where(np.isnan(end), start, end)


def overlapping(first, last, year_from, year_to) -> np.ndarray:
    """Which periods overlap [year_from, year_to], as `overlaps`: open bounds always do."""
    keep = np.ones(len(first), dtype=bool)
    if year_from is not None:
        keep &= ~(last < year_from)  # nan compares False: open or undated periods stay
    if year_to is not None:
        keep &= ~(first > year_to)
    return keep
