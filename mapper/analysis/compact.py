"""The compact actor graph: integer-indexed actors and a sparse symmetric matrix of link weights.

The same graph as `actor_graph()` builds (docs/analysis.md, "The actor graph"), held as arrays:
actor `i` is `ids[i]` (sorted ids), with `sectors[i]` (an index into ALL_SECTORS) and `regions[i]`;
`weights` is an n x n scipy.sparse CSR matrix whose entry (i, j) is the link weight, (number of
shared collaborations) + (number of direct relations), zero where there is no link, symmetric,
with an empty diagonal. Which collaborations and relations make up a link is not stored: callers
that need them ask the networkx actor graph or the store.

It is built straight from `AnalysisRows` (a few bulk reads of a store, no record models): the
participation matrix B (actors x kept collaborations, 0/1) gives the shared collaborations as
the sparse product B·Bᵀ, and the direct relations are added as a sparse count matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from mapper.analysis._shared import (
    ACTOR_RELATION_TYPES,
    ALL_SECTORS,
    check_region,
    check_relation_types,
    check_years,
    collaboration_periods,
    overlapping,
    relation_periods,
    sectors_of,
)
from mapper.errors import InvalidParameter
from mapper.model import AnalysisRows

__all__ = [
    "CompactGraph",
    "IndexedRows",
    "Provenance",
    "compact_graph",
    "compact_graph_from_rows",
    "sector_region_groups",
]

_TAKES_PART = ("PARTICIPATES_IN", "FUNDS")
_TYPE_CODES = {name: code for code, name in enumerate(("PARTICIPATES_IN", *ACTOR_RELATION_TYPES))}


@dataclass(frozen=True, eq=False)
class CompactGraph:
    """An actor graph as arrays; see the module docstring."""

    ids: np.ndarray  # str objects, sorted
    sectors: np.ndarray  # int8 index into ALL_SECTORS (UNKNOWN_CODE: unknown sector)
    regions: np.ndarray  # str or None objects
    weights: sp.csr_array  # symmetric, int32, empty diagonal
    names: np.ndarray | None = None  # str objects
    provenance: Provenance | None = None  # what makes up each link, when built from rows

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, actor_id: object) -> bool:
        return isinstance(actor_id, str) and self.index(actor_id) is not None

    @property
    def degree(self) -> np.ndarray:
        """Number of linked actors of each actor."""
        return np.diff(self.weights.indptr)

    def links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, weight) of every link once, u < v, ordered by (u, v)."""
        upper = sp.triu(self.weights, k=1, format="csr")
        u = np.repeat(np.arange(len(self), dtype=np.intp), np.diff(upper.indptr))
        return u, upper.indices.astype(np.intp), upper.data

    def number_of_links(self) -> int:
        return int(self.weights.nnz // 2)

    def index(self, actor_id: str) -> int | None:
        """The index of `actor_id`, or None."""
        i = int(np.searchsorted(self.ids, actor_id))
        return i if i < len(self.ids) and self.ids[i] == actor_id else None

    def subgraph(self, keep: np.ndarray) -> CompactGraph:
        """The actors where the boolean array `keep` is True, and the links among them."""
        index = np.flatnonzero(keep)
        weights = sp.csr_array(self.weights[index][:, index])
        weights.sort_indices()
        names = self.names[index] if self.names is not None else None
        provenance = self.provenance.subset(index) if self.provenance is not None else None
        return CompactGraph(
            self.ids[index], self.sectors[index], self.regions[index], weights, names, provenance
        )

    def to_networkx(self) -> nx.Graph:
        """The graph as networkx: nodes with `sector`, `region` and `name`, links with `weight`."""
        G = nx.Graph()
        names = self.names if self.names is not None else [None] * len(self)
        G.add_nodes_from(
            (actor, {"sector": ALL_SECTORS[sector], "region": region, "name": name})
            for actor, sector, region, name in zip(
                self.ids.tolist(), self.sectors, self.regions, names, strict=True
            )
        )
        u, v, w = self.links()
        G.add_weighted_edges_from(
            zip(self.ids[u].tolist(), self.ids[v].tolist(), w.tolist(), strict=True)
        )
        return G


@dataclass(frozen=True, eq=False)
class Provenance:
    """What makes up the links of a compact graph, kept compact and looked up on demand.

    `participation` is the 0/1 matrix of the graph's actors x the kept collaborations (empty
    without shared collaborations); `direct_pairs` the kept direct relations as sorted pair
    codes min(u, v)·n + max(u, v) with their `direct_keys`; `funders` the 0/1 matrix of the
    graph's actors x every actor, 1 where that actor FUNDS this one within the years.
    """

    participation: sp.csr_array
    collaboration_ids: np.ndarray
    direct_pairs: np.ndarray
    direct_keys: np.ndarray
    funders: sp.csr_array
    funder_ids: np.ndarray

    def via(self, u: int, v: int) -> dict[str, list[str]]:
        """`{collaborations, relations}` of the link between actors `u` and `v`, sorted."""
        B = self.participation
        shared = np.intersect1d(
            B.indices[B.indptr[u] : B.indptr[u + 1]], B.indices[B.indptr[v] : B.indptr[v + 1]]
        )
        n = B.shape[0]
        code = min(u, v) * n + max(u, v)
        first, last = np.searchsorted(self.direct_pairs, [code, code + 1])
        return {
            "collaborations": sorted(self.collaboration_ids[shared].tolist()),
            "relations": sorted(self.direct_keys[first:last].tolist()),
        }

    def funders_of(self, u: int) -> list[str]:
        F = self.funders
        return sorted(self.funder_ids[F.indices[F.indptr[u] : F.indptr[u + 1]]].tolist())

    def subset(self, index: np.ndarray) -> Provenance:
        """The provenance of the subgraph of the actors `index` (sorted)."""
        n = self.participation.shape[0]
        position = np.full(n, -1, dtype=np.int64)
        position[index] = np.arange(len(index))
        low, high = np.divmod(self.direct_pairs, max(n, 1))
        keep = (position[low] >= 0) & (position[high] >= 0) if len(low) else np.zeros(0, bool)
        pairs = position[low[keep]] * len(index) + position[high[keep]]
        order = np.argsort(pairs, kind="stable")
        return Provenance(
            participation=sp.csr_array(self.participation[index]),
            collaboration_ids=self.collaboration_ids,
            direct_pairs=pairs[order],
            direct_keys=self.direct_keys[keep][order],
            funders=sp.csr_array(self.funders[index]),
            funder_ids=self.funder_ids,
        )


@dataclass(frozen=True, eq=False)
class IndexedRows:
    """`AnalysisRows` as integer arrays: what every scope's compact graph is built from."""

    actor_ids: np.ndarray  # sorted
    actor_names: np.ndarray
    actor_sectors: np.ndarray
    actor_regions: np.ndarray
    actor_attributes: dict[str, np.ndarray]  # filters.ACTOR_ATTRIBUTES: name -> values
    collaboration_ids: np.ndarray
    collaboration_regions: np.ndarray
    collaboration_first: np.ndarray  # float, nan = open
    collaboration_last: np.ndarray
    # memberships: an actor PARTICIPATES_IN or FUNDS a collaboration
    member_actor: np.ndarray
    member_collaboration: np.ndarray
    # direct relations between two actors
    direct_type: np.ndarray  # code in _TYPE_CODES
    direct_source: np.ndarray
    direct_target: np.ndarray
    direct_first: np.ndarray  # float, nan = open
    direct_last: np.ndarray
    direct_key: np.ndarray  # Relation.key

    @classmethod
    def from_rows(cls, rows: AnalysisRows) -> IndexedRows:
        """A store's rows as integer arrays; ids become indices. Relations to unknown ids
        (none, in a consistent store) are dropped."""
        order = sorted(range(len(rows.actor_ids)), key=rows.actor_ids.__getitem__)
        actor_ids = np.array([rows.actor_ids[i] for i in order], dtype=object)
        n = len(actor_ids)
        # one index for both kinds: actors 0..n-1, then collaborations
        index = {actor: i for i, actor in enumerate(actor_ids.tolist())}
        index.update((c, n + i) for i, c in enumerate(rows.collaboration_ids))
        codes = {name: np.int8(code) for name, code in _TYPE_CODES.items()}
        types = _lookup(codes, rows.relation_types, np.int8)
        source = _lookup(index, rows.relation_sources)
        source[source >= n] = -1  # a relation always starts at an actor
        target = _lookup(index, rows.relation_targets)
        target_actor = np.where(target < n, target, -1)
        target_collaboration = np.where(target >= n, target - n, -1)
        takes_part = np.isin(types, [_TYPE_CODES[t] for t in _TAKES_PART])
        member = takes_part & (source >= 0) & (target_collaboration >= 0)
        direct = (types > _TYPE_CODES["PARTICIPATES_IN"]) & (source >= 0) & (target_actor >= 0)
        first, last = relation_periods(
            _years(rows.relation_years), _years(rows.relation_starts), _years(rows.relation_ends)
        )
        collaboration_first, collaboration_last = collaboration_periods(
            _years(rows.collaboration_starts), _years(rows.collaboration_ends)
        )
        return cls(
            actor_ids=actor_ids,
            actor_names=np.array([rows.actor_names[i] for i in order], dtype=object),
            actor_sectors=np.array(
                [ALL_SECTORS.index(rows.actor_sectors[i]) for i in order], dtype=np.int8
            ),
            actor_regions=np.array([rows.actor_regions[i] for i in order], dtype=object),
            actor_attributes={
                name: np.array([values[i] for i in order], dtype=object)
                for name, values in rows.actor_attributes.items()
            },
            collaboration_ids=np.array(rows.collaboration_ids, dtype=object),
            collaboration_regions=np.array(rows.collaboration_regions, dtype=object),
            collaboration_first=collaboration_first,
            collaboration_last=collaboration_last,
            member_actor=source[member],
            member_collaboration=target_collaboration[member],
            direct_type=types[direct],
            direct_source=source[direct],
            direct_target=target_actor[direct],
            direct_first=first[direct],
            direct_last=last[direct],
            direct_key=np.array(rows.relation_keys, dtype=object)[direct]
            if len(rows.relation_keys)
            else np.zeros(0, dtype=object),
        )


def compact_graph_from_rows(
    rows: IndexedRows,
    *,
    relation_types: Iterable[str] | None = None,
    shared_collaborations: bool = True,
    region: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    attributes: Mapping[str, Any] | None = None,
    with_partners: bool = False,
) -> CompactGraph:
    """The compact actor graph of `rows` for a scope, with the filters of `actor_graph()`.

    `with_partners` adds to the actors that `attributes` keep every actor linked to one of
    them, and the links among all of these.

    Raises InvalidParameter for a relation type that does not link two actors, a region that
    is not a county, `year_from` after `year_to`, or an attribute the rows do not hold.
    """
    types = check_relation_types(relation_types)
    county = check_region(region)
    check_years(year_from, year_to)
    n = len(rows.actor_ids)
    kept_collaborations = overlapping(
        rows.collaboration_first, rows.collaboration_last, year_from, year_to
    )
    if county is not None:
        kept_collaborations &= rows.collaboration_regions == county
    member = kept_collaborations[rows.member_collaboration]
    actors, collaborations = rows.member_actor[member], rows.member_collaboration[member]
    kept = np.ones(n, dtype=bool)
    if county is not None:
        kept = rows.actor_regions == county
        kept[actors] = True
    in_years = overlapping(rows.direct_first, rows.direct_last, year_from, year_to)
    direct = np.isin(rows.direct_type, [_TYPE_CODES[t] for t in types]) & in_years
    direct &= kept[rows.direct_source] & kept[rows.direct_target]
    direct &= rows.direct_source != rows.direct_target
    weights = _direct_weights(rows.direct_source[direct], rows.direct_target[direct], n)
    B = _participation(actors, collaborations, n, len(rows.collaboration_ids))
    if not shared_collaborations:
        B = sp.csr_array(B.shape, dtype=np.int32)
    weights = weights + _shared_weights(B)
    kept = _with_attributes(rows, kept, attributes or {}, weights if with_partners else None)
    keep = np.flatnonzero(kept)
    weights = sp.csr_array(weights[keep][:, keep]) if len(keep) < n else sp.csr_array(weights)
    weights.sum_duplicates()
    weights.sort_indices()
    funds = (rows.direct_type == _TYPE_CODES["FUNDS"]) & in_years & kept[rows.direct_target]
    funds &= rows.direct_source != rows.direct_target
    u, v = rows.direct_source[direct], rows.direct_target[direct]
    codes = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)  # a pair, either way
    order = np.argsort(codes, kind="stable")
    provenance = Provenance(
        participation=B,
        collaboration_ids=rows.collaboration_ids,
        direct_pairs=codes[order],
        direct_keys=rows.direct_key[direct][order],
        funders=_participation(rows.direct_target[funds], rows.direct_source[funds], n, n),
        funder_ids=rows.actor_ids,
    )
    return CompactGraph(
        ids=rows.actor_ids[keep],
        sectors=rows.actor_sectors[keep],
        regions=rows.actor_regions[keep],
        weights=weights,
        names=rows.actor_names[keep],
        provenance=provenance.subset(keep) if len(keep) < n else provenance,
    )


def _with_attributes(
    rows: IndexedRows, kept: np.ndarray, attributes: Mapping[str, Any], weights: sp.csr_array | None
) -> np.ndarray:
    """`kept` narrowed to the actors whose attributes have the given values; with `weights`,
    widened again by every kept actor linked to one of those."""
    chosen = kept.copy()
    for name, value in attributes.items():
        if name not in rows.actor_attributes:
            raise InvalidParameter(name, "is not an actor field the store's rows hold")
        chosen &= rows.actor_attributes[name] == value
    if weights is None:
        return chosen
    linked = (weights @ chosen.astype(np.int32)) > 0
    return chosen | (linked & kept)


def compact_graph(G) -> CompactGraph:
    """The compact form of a networkx actor graph `G` (nodes with `sector`; `weight` or 1).

    >>> G = nx.Graph([("kth", "vinnova", {"weight": 2}), ("kth", "lund")])
    >>> nx.set_node_attributes(G, {"kth": "academia", "lund": "academia",
    ...     "vinnova": "public"}, "sector")
    >>> C = compact_graph(G)
    >>> C.ids.tolist(), C.degree.tolist(), C.weights.toarray()[0].tolist()
    (['kth', 'lund', 'vinnova'], [2, 1, 1], [0, 1, 2])
    """
    if isinstance(G, CompactGraph):
        return G
    sector = sectors_of(G)
    ids = np.array(sorted(G, key=str), dtype=object)
    index = {node: i for i, node in enumerate(ids.tolist())}
    u, v, w = [], [], []
    for a, b, weight in G.edges(data="weight", default=1):
        if a != b:
            u.append(index[a])
            v.append(index[b])
            w.append(weight)
    weights = _symmetric(np.array(u, dtype=np.intp), np.array(v, dtype=np.intp), w, len(ids))
    return CompactGraph(
        ids=ids,
        sectors=np.array([ALL_SECTORS.index(sector[node]) for node in ids], dtype=np.int8),
        regions=np.array([G.nodes[node].get("region") for node in ids], dtype=object),
        weights=weights,
        names=np.array([G.nodes[node].get("name") for node in ids], dtype=object),
    )


def sector_region_groups(G) -> nx.Graph:
    """One node per (sector, region) with its `count` of actors; edges with the `links` between
    two groups (links within a group are not edges). Actors without a region form (sector, None).

    Counted with numpy on the compact graph: what a map of a large ecosystem shows first.

    >>> G = nx.Graph([("a", "b"), ("a", "c")])
    >>> nx.set_node_attributes(G, {"a": "public", "b": "public", "c": "academia"}, "sector")
    >>> nx.set_node_attributes(G, {"a": "Skåne län", "b": "Skåne län"}, "region")
    >>> H = sector_region_groups(G)
    >>> H.nodes[("public", "Skåne län")]["count"], H[("public", "Skåne län")][("academia", None)]
    (2, {'links': 1})
    """
    C = compact_graph(G)
    regions = sorted({r for r in C.regions.tolist() if r is not None})
    region_code = {r: i + 1 for i, r in enumerate(regions)}  # 0: no region
    width = len(regions) + 1
    group = C.sectors.astype(np.int64) * width + np.fromiter(
        (region_code.get(r, 0) for r in C.regions.tolist()), dtype=np.int64, count=len(C)
    )
    key = {
        code: (ALL_SECTORS[code // width], regions[code % width - 1] if code % width else None)
        for code in np.unique(group).tolist()
    }
    H = nx.Graph()
    counts = np.bincount(group, minlength=len(ALL_SECTORS) * width)
    for code in sorted(key, key=lambda c: str(key[c])):
        H.add_node(key[code], sector=key[code][0], region=key[code][1], count=int(counts[code]))
    u, v, _ = C.links()
    a, b = group[u], group[v]
    apart = a != b
    pairs, links = np.unique(
        np.minimum(a, b)[apart] * (len(ALL_SECTORS) * width) + np.maximum(a, b)[apart],
        return_counts=True,
    )
    for pair, count in zip(pairs.tolist(), links.tolist(), strict=True):
        first, second = divmod(pair, len(ALL_SECTORS) * width)
        H.add_edge(key[first], key[second], links=count)
    return H


def _lookup(index: dict, keys, dtype=np.intp) -> np.ndarray:
    """index[key] for every key, -1 for a key not in `index` (none, in a consistent store)."""
    try:  # C-level iteration: several times faster than a generator with a default
        return np.fromiter(map(index.__getitem__, keys), dtype=dtype, count=len(keys))
    except KeyError:
        return np.fromiter((index.get(key, -1) for key in keys), dtype=dtype, count=len(keys))


def _years(values: list) -> np.ndarray:
    return np.array(values, dtype=float) if len(values) else np.zeros(0)


def _symmetric(u, v, w, n: int) -> sp.csr_array:
    data = np.concatenate([np.asarray(w, dtype=np.int32)] * 2)
    matrix = sp.csr_array((data, (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    matrix.sum_duplicates()
    return matrix


def _direct_weights(source: np.ndarray, target: np.ndarray, n: int) -> sp.csr_array:
    """Each direct relation adds 1 to its pair of actors, in either direction."""
    return _symmetric(source, target, np.ones(len(source), dtype=np.int32), n)


def _participation(rows: np.ndarray, columns: np.ndarray, n: int, width: int) -> sp.csr_array:
    """The 0/1 matrix with a 1 at each (row, column); a pair given twice counts once."""
    B = sp.csr_array((np.ones(len(rows), dtype=np.int32), (rows, columns)), shape=(n, width))
    B.sum_duplicates()
    B.data[:] = 1
    B.sort_indices()
    return B


def _shared_weights(B: sp.csr_array) -> sp.csr_array:
    """B·Bᵀ without its diagonal: the number of collaborations two actors both take part in."""
    shared = sp.csr_array(B @ B.T)
    shared.setdiag(0)
    shared.eliminate_zeros()
    return shared
