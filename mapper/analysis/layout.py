"""Layout: communities of actors (Louvain) and a map that places each community in its own disc.

`communities()` optimises weighted modularity with Louvain's method (Blondel et al. 2008): a
local moving phase (compiled, `_kernels.louvain_moves`) alternates with aggregation of each
community into one node (a sparse product), until a level gains less than `THRESHOLD`.

`layout()` places the actors in two steps. The community graph (one disc per community with
links, of radius sqrt(its linked members), links weighted by the summed weights between them) is
laid out from its spectral embedding by a force layout that packs the discs (springs along
links, a pull to the middle, collisions) and pushes them apart until none overlap; then each
community's members are placed inside its disc by a force layout (Fruchterman-Reingold) of the
links within it, with a weak pull toward the disc's centre that is stronger for its hubs.
Actors without links go on a ring around the discs, by sector. Both run on the compact graph:
about a second at 13k actors and 356k links, once numba's cache holds the compiled kernels.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from mapper.analysis._shared import check_count
from mapper.analysis.compact import CompactGraph, compact_graph
from mapper.errors import InvalidParameter

__all__ = ["ITERATIONS", "THRESHOLD", "communities", "layout", "layout_discs", "modularity"]

THRESHOLD = 1e-7  # a Louvain pass or level that gains less modularity than this ends its loop
ITERATIONS = 50  # force iterations inside the discs
_DISC_ITERATIONS = 300  # force iterations of the community graph (each: every pair of discs)
_IDEAL = 1.5  # distance between two members in a disc of radius sqrt(members): about sqrt(pi)
_SPRING = 0.3  # the stiffness of the springs along links inside a disc, see _place_members
_GRAVITY = 0.1  # the pull toward a disc's centre felt at its rim, in units of _IDEAL
_HUB = 10.0  # a community's strongest member feels 1 + _HUB times that pull
_DISC_GRAVITY = 0.02  # share of its way to the middle a disc of mean size steps each iteration
_DENSE_EIGEN = 1000  # community graphs up to this size get all their eigenvectors (numpy)
_GAP = 2.0  # free space between two discs, in the same units
_RING = 4.0  # distance from the outermost disc to the ring of actors without links
_SWEEPS = 500  # push-apart sweeps over every pair of discs before what is left is scaled away


def communities(G, *, seed: int = 0, resolution: float = 1.0) -> np.ndarray:
    """One community label per actor of `G` (in `compact_graph(G)` order), by Louvain's method.

    Weighted modularity, with `resolution` (above 1: smaller communities). Labels are 0..k-1
    by community size, largest first, ties by smallest member index; an actor without links is
    a community of its own. The node order of each pass is drawn from `seed`, so the same seed
    gives the same answer.

    >>> import networkx as nx
    >>> G = nx.barbell_graph(4, 0)  # two 4-cliques joined by one link; one is 0-3, the other 4-7
    >>> nx.set_node_attributes(G, "public", "sector")
    >>> G = nx.relabel_nodes(G, {i: f"actor-{i}" for i in G})
    >>> communities(G).tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    C = compact_graph(G)
    resolution = _check_resolution(resolution)
    from mapper.analysis._kernels import louvain_moves  # numba: imported when first needed

    W = sp.csr_array(C.weights, dtype=np.float64)
    n = W.shape[0]
    membership = np.arange(n)
    if n == 0 or W.nnz == 0:
        return membership
    rng = np.random.default_rng(seed)
    strength = W.sum(axis=1)
    best = -np.inf
    while True:
        level = louvain_moves(
            W.indptr,
            W.indices,
            W.data,
            strength,
            rng.permutation(W.shape[0]),
            resolution,
            THRESHOLD,
        )
        _, level = np.unique(level, return_inverse=True)
        if level.max() + 1 == W.shape[0]:  # nobody moved
            break
        candidate = level[membership]
        quality = modularity(C, candidate, resolution=resolution)
        if quality - best < THRESHOLD:
            break
        membership, best = candidate, quality
        W, strength = _aggregate(W, strength, level)
    return _by_size(membership)


def modularity(G, communities, *, resolution: float = 1.0) -> float:
    """Weighted modularity of the partition `communities` (one label per actor) of `G`.

    As networkx's `community.modularity`: the share of link weight within communities less the
    share expected from the actors' strengths, times `resolution`. 0.0 for a graph without links.

    >>> import networkx as nx
    >>> G = nx.barbell_graph(4, 0)
    >>> nx.set_node_attributes(G, "public", "sector")
    >>> G = nx.relabel_nodes(G, {i: f"actor-{i}" for i in G})
    >>> round(modularity(G, [0, 0, 0, 0, 1, 1, 1, 1]), 4)
    0.4231
    """
    C = compact_graph(G)
    labels = _check_labels(C, communities)
    W = C.weights
    two_m = float(W.data.sum())
    if two_m == 0.0:
        return 0.0
    rows = np.repeat(np.arange(len(C)), np.diff(W.indptr))
    same = labels[rows] == labels[W.indices]
    within = float(W.data[same].sum())
    totals = np.bincount(labels, weights=W.sum(axis=1))
    return within / two_m - resolution * float(np.sum((totals / two_m) ** 2))


def layout(
    G, *, seed: int = 0, communities: np.ndarray | None = None, iterations: int = ITERATIONS
) -> np.ndarray:
    """Coordinates (n x 2, float32) of the actors of `G` (in `compact_graph(G)` order): each
    community in a disc of its own, its members placed by the links among them.

    `communities` (one label per actor; default: `communities(G, seed=seed)`) says which actors
    share a disc; `iterations` is the number of force steps inside the discs. Actors without
    links go on a ring around the discs, by sector. The coordinates are centred (the discs'
    bounding box is centred on 0, and the ring on 0) and scaled so that the largest |coordinate|
    is 1; a lone actor sits at 0. The same seed gives the same layout. See `layout_discs` for
    the discs themselves.

    >>> import networkx as nx
    >>> G = nx.barbell_graph(4, 0)
    >>> nx.set_node_attributes(G, "public", "sector")
    >>> G = nx.relabel_nodes(G, {i: f"actor-{i}" for i in G})
    >>> xy = layout(G)
    >>> xy.shape, xy.dtype.name, float(np.abs(xy).max())
    ((8, 2), 'float32', 1.0)
    """
    return layout_discs(G, seed=seed, communities=communities, iterations=iterations)[0]


def layout_discs(
    G, *, seed: int = 0, communities: np.ndarray | None = None, iterations: int = ITERATIONS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`layout()`'s coordinates with its discs: (xy, centres, radii).

    Row j of `centres` (k x 2) and `radii` (k) is the disc of the j-th smallest community label
    (label j for the labels of `communities()`), in the coordinates of `xy`. Every member with
    links lies inside its community's disc, and no two discs overlap. A community without
    linked members has radius 0, at the middle of its members on the ring.

    >>> import networkx as nx
    >>> G = nx.barbell_graph(4, 0)
    >>> nx.set_node_attributes(G, "public", "sector")
    >>> G = nx.relabel_nodes(G, {i: f"actor-{i}" for i in G})
    >>> xy, centres, radii = layout_discs(G)
    >>> centres.shape, bool(np.linalg.norm(centres[0] - centres[1]) > radii.sum())
    ((2, 2), True)
    """
    C = compact_graph(G)
    iterations = check_count("iterations", iterations, minimum=0)
    given = communities
    labels = _communities(C, seed=seed) if given is None else _check_labels(C, given)
    n = len(C)
    k = int(labels.max()) + 1 if n else 0
    linked = C.degree > 0
    sizes = np.bincount(labels[linked], minlength=k)
    radii = np.sqrt(sizes.astype(np.float64))
    rng = np.random.default_rng(seed)
    centres = _place_discs(C, labels, radii, rng)
    xy = np.zeros((n, 2), dtype=np.float64)
    if linked.any():
        xy[linked] = _place_members(C, labels, linked, centres, radii, iterations, rng)
    xy[~linked] = _ring(C, ~linked, centres, radii)
    for label in np.flatnonzero(sizes == 0):  # no linked member: no disc
        members = labels == label
        if members.any():
            centres[label] = xy[members].mean(axis=0)
    extent = float(np.abs(xy).max()) if n else 0.0
    if extent > 0:
        xy /= extent
        centres /= extent
        radii /= extent
    return xy.astype(np.float32), centres, radii


_communities = communities  # for layout(), whose argument `communities` hides the function


def _check_resolution(resolution) -> float:
    if isinstance(resolution, bool) or not isinstance(resolution, int | float):
        raise InvalidParameter("resolution", f"must be a positive number, got {resolution!r}")
    if not resolution > 0 or not np.isfinite(resolution):
        raise InvalidParameter("resolution", f"must be a positive number, got {resolution!r}")
    return float(resolution)


def _check_labels(C: CompactGraph, communities) -> np.ndarray:
    """The labels as 0..k-1 (the rank of each label among the distinct ones)."""
    labels = np.asarray(communities)
    if labels.shape != (len(C),) or (len(C) and not np.issubdtype(labels.dtype, np.integer)):
        raise InvalidParameter(
            "communities", f"must be one integer label per actor ({len(C)}), got {labels.shape}"
        )
    return np.unique(labels, return_inverse=True)[1].reshape(-1).astype(np.intp)


def _aggregate(W: sp.csr_array, strength: np.ndarray, level: np.ndarray):
    """The graph of communities: summed weights between them (no diagonal), summed strengths."""
    k = int(level.max()) + 1
    P = sp.csr_array((np.ones(len(level)), (np.arange(len(level)), level)), shape=(len(level), k))
    A = sp.csr_array(P.T @ W @ P)
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    return A, np.bincount(level, weights=strength, minlength=k)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..k-1 by size, largest first, ties by smallest member."""
    _, first, inverse, counts = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -counts))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)]


def _community_links(C: CompactGraph, labels: np.ndarray, k: int) -> sp.csr_array:
    """Summed link weights between communities (k x k, no diagonal)."""
    n = len(C)
    P = sp.csr_array((np.ones(n), (np.arange(n), labels)), shape=(n, k))
    A = sp.csr_array(P.T @ sp.csr_array(C.weights, dtype=np.float64) @ P)
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    return A


def _place_discs(C: CompactGraph, labels, radii, rng) -> np.ndarray:
    """Disc centres (k x 2): a force layout of the community graph, then no overlaps."""
    from mapper.analysis._kernels import disc_forces, separate_discs

    k = len(radii)
    centres = np.zeros((k, 2), dtype=np.float64)
    discs = np.flatnonzero(radii > 0)
    if len(discs) <= 1:
        return centres
    A = _community_links(C, labels, k)[discs][:, discs]
    outward = A.sum(axis=1)
    u = np.repeat(np.arange(len(discs)), np.diff(A.indptr))
    pull = A.data / np.sqrt(outward[u] * outward[A.indices])  # in (0, 1]: cosine-like
    r = radii[discs]
    spread = np.sqrt(np.sum(r**2))  # the radius of a disc as large as all of them
    start = _spectral(sp.csr_array((pull, A.indices, A.indptr), shape=A.shape), rng) * spread
    start += rng.uniform(-0.05 * spread, 0.05 * spread, size=start.shape)
    iterations = max(20, min(_DISC_ITERATIONS, int(4e8 / len(discs) ** 2)))
    mass = r**2
    gravity = np.minimum(0.5, _DISC_GRAVITY * mass / mass.mean())  # the heavier sink further
    xy = disc_forces(
        start, r, A.indptr, A.indices, pull, iterations=iterations, gravity=gravity, gap=_GAP
    )
    sweeps = max(5, min(_SWEEPS, int(4e8 / len(discs) ** 2)))
    xy, _ = separate_discs(xy, r, gap=_GAP, sweeps=sweeps)
    low, high = (xy - r[:, None]).min(axis=0), (xy + r[:, None]).max(axis=0)
    centres[discs] = xy - (low + high) / 2  # the discs' bounding box centred on 0
    return centres


def _spectral(M: sp.csr_array, rng) -> np.ndarray:
    """Starting points (k x 2, within [-1, 1]) from the second and third eigenvectors of the
    normalised adjacency `M`, so the force layout starts from the graph's large-scale shape."""
    k = M.shape[0]
    if k < 4:
        return np.zeros((k, 2))
    if k <= _DENSE_EIGEN:
        vectors = np.linalg.eigh(M.toarray())[1][:, [-2, -3]]
    else:
        values, vectors = eigsh(M, k=3, which="LA", v0=rng.uniform(0.5, 1.0, k), tol=1e-4)
        vectors = vectors[:, np.argsort(values)[[-2, -3]]]
    flip = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), [0, 1]])  # a fixed sign
    extent = np.maximum(np.abs(vectors).max(axis=0), 1e-12)
    return vectors * flip / extent


def _place_members(C: CompactGraph, labels, linked, centres, radii, iterations, rng):
    """Positions of the linked actors inside their discs (a force layout within each)."""
    from mapper.analysis._kernels import member_forces

    index = np.flatnonzero(linked)
    own = labels[index]
    W = sp.csr_array(C.weights[index][:, index], dtype=np.float64)
    rows = np.repeat(np.arange(len(index)), np.diff(W.indptr))
    W.data[own[rows] != own[W.indices]] = 0.0
    W.eliminate_zeros()
    rows = np.repeat(np.arange(len(index)), np.diff(W.indptr))
    strength = np.maximum(W.sum(axis=1), 1e-12)
    # Each node's springs sum to a stiffness of _SPRING * _IDEAL / (its disc's radius): hubs are
    # not dragged around, and a member at the far side of its disc from all its partners feels
    # about the repulsion of its closest neighbours.
    pull = W.data / strength[rows] * (_SPRING * _IDEAL / radii[own])[rows]
    heaviest = np.zeros(len(radii))
    np.maximum.at(heaviest, own, strength)
    gravity = _GRAVITY * (1 + _HUB * strength / heaviest[own])  # hubs toward the middle
    angle = rng.uniform(0, 2 * np.pi, len(index))
    distance = radii[own] * np.sqrt(rng.uniform(0, 0.9, len(index)))
    xy = centres[own] + np.column_stack((np.cos(angle), np.sin(angle))) * distance[:, None]
    return member_forces(
        xy,
        own,
        centres,
        radii,
        W.indptr,
        W.indices,
        pull,
        iterations=iterations,
        ideal=_IDEAL,
        start=3 * _IDEAL,
        gravity=gravity,
    )


def _ring(C: CompactGraph, unlinked, centres, radii) -> np.ndarray:
    """Actors without links around every disc: evenly by angle, by sector then index, in as
    many rings (_IDEAL apart, from _RING outside the outermost disc) as keep them _IDEAL apart."""
    count = int(unlinked.sum())
    if count == 0:
        return np.zeros((0, 2))
    if not (radii > 0).any():  # no discs: one ring, or a lone actor at 0
        inner = count * _IDEAL / (2 * np.pi) if count > 1 else 0.0
    else:
        inner = float(np.max(np.linalg.norm(centres, axis=1) + radii)) + _RING
    rings = max(1, int(np.ceil(count * _IDEAL / (2 * np.pi * max(inner, _IDEAL)))))
    index = np.flatnonzero(unlinked)
    rank = np.empty(count, dtype=np.intp)
    rank[np.lexsort((index, C.sectors[index]))] = np.arange(count)
    angle = 2 * np.pi * rank / count
    radius = inner + _IDEAL * (rank % rings)
    return radius[:, None] * np.column_stack((np.cos(angle), np.sin(angle)))
