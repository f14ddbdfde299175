"""Compiled loops over a CSR graph (numba): shortest-path betweenness and sector triangles.

Not part of the public API: `brokers.py` calls these on a `CompactGraph` and the tests check
them against networkx. Each kernel takes the CSR arrays of a symmetric graph without self-loops
(`indptr`, `indices`) and the actors' sector codes. Compiled once per machine (`cache=True`
keeps the machine code in `__pycache__`).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["betweenness_sums", "byte_sum_counts", "sector_triangles"]


@numba.njit(cache=True, nogil=True)
def _from_sources(indptr, indices, sectors, sources, total, cross):
    """Brandes' accumulation from each source, unweighted, in place into `total` and `cross`.

    `total[v]` sums, over the sources s and targets t (both other than v), the share of the
    shortest s-t paths through v; `cross[v]` the same over targets in another sector than s.
    The breadth-first pass writes each actor's successors on shortest paths into one flat list
    (actors are processed in BFS order, so each one's successors are contiguous); the
    accumulation then reads only those, not every neighbour again.
    """
    n = len(indptr) - 1
    distance = np.full(n, -1, dtype=np.int32)
    paths = np.zeros(n, dtype=np.float64)
    share = np.zeros(n, dtype=np.float64)
    share_cross = np.zeros(n, dtype=np.float64)
    order = np.empty(n, dtype=np.int32)
    first_successor = np.empty(n + 1, dtype=np.int64)
    successors = np.empty(len(indices), dtype=np.int32)
    for s in sources:
        distance[s] = 0
        paths[s] = 1.0
        order[0] = s
        head, tail, filled = 0, 1, 0
        while head < tail:  # breadth-first; `order` is the queue
            v = order[head]
            first_successor[head] = filled
            head += 1
            next_level = distance[v] + 1
            for j in range(indptr[v], indptr[v + 1]):
                w = indices[j]
                if distance[w] < 0:
                    distance[w] = next_level
                    order[tail] = w
                    tail += 1
                if distance[w] == next_level:
                    paths[w] += paths[v]
                    successors[filled] = w
                    filled += 1
        first_successor[tail] = filled
        source_sector = sectors[s]
        for i in range(tail - 1, -1, -1):  # reversed BFS order: successors are done
            v = order[i]
            sum_all = 0.0
            sum_cross = 0.0
            for j in range(first_successor[i], first_successor[i + 1]):
                w = successors[j]
                sum_all += share[w]
                sum_cross += share_cross[w]
            delta = paths[v] * sum_all
            delta_cross = paths[v] * sum_cross
            target = 1.0 if sectors[v] != source_sector else 0.0
            share[v] = (1.0 + delta) / paths[v]  # what v passes to each predecessor, per path
            share_cross[v] = (target + delta_cross) / paths[v]
            if v != s:
                total[v] += delta
                cross[v] += delta_cross
        for i in range(tail):  # reset only what this source touched
            w = order[i]
            distance[w] = -1
            paths[w] = 0.0


@numba.njit(cache=True, parallel=True)
def _parallel_sums(indptr, indices, sectors, sources, parts):
    n = len(indptr) - 1
    total = np.zeros((parts, n), dtype=np.float64)
    cross = np.zeros((parts, n), dtype=np.float64)
    for part in numba.prange(parts):
        chunk = sources[part::parts]
        _from_sources(indptr, indices, sectors, chunk, total[part], cross[part])
    return total.sum(axis=0), cross.sum(axis=0)


def betweenness_sums(indptr, indices, sectors, sources) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised betweenness from `sources`: (all targets, targets in another sector).

    Both count ordered (source, target) pairs, so an exact run counts each unordered pair
    twice. Runs on every core numba has (one part of the sources each).
    """
    sources = np.asarray(sources, dtype=np.int64)
    parts = max(1, min(numba.get_num_threads(), len(sources)))
    return _parallel_sums(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int32),
        np.asarray(sectors, dtype=np.int8),
        sources,
        parts,
    )


@numba.njit(cache=True, nogil=True)
def _triangles(indptr, indices, sectors, kinds):
    """closed[v, s, t]: links between v's neighbours in sectors s and t (s <= t), per actor.

    Forward triangle listing: every link points from the lower to the higher (degree, index),
    and each triangle is found once, from its lowest corner, by marking that corner's forward
    neighbours. O(links^1.5).
    """
    n = len(indptr) - 1
    degree = indptr[1:] - indptr[:-1]
    forward_count = np.zeros(n, dtype=np.int64)
    for v in range(n):
        for j in range(indptr[v], indptr[v + 1]):
            w = indices[j]
            if degree[v] < degree[w] or (degree[v] == degree[w] and v < w):
                forward_count[v] += 1
    start = np.zeros(n + 1, dtype=np.int64)
    start[1:] = np.cumsum(forward_count)
    forward = np.empty(start[n], dtype=np.int64)
    filled = start[:-1].copy()
    for v in range(n):
        for j in range(indptr[v], indptr[v + 1]):
            w = indices[j]
            if degree[v] < degree[w] or (degree[v] == degree[w] and v < w):
                forward[filled[v]] = w
                filled[v] += 1
    closed = np.zeros((n, kinds, kinds), dtype=np.int64)
    marked = np.zeros(n, dtype=np.bool_)
    for u in range(n):
        for j in range(start[u], start[u + 1]):
            marked[forward[j]] = True
        for j in range(start[u], start[u + 1]):
            v = forward[j]
            for i in range(start[v], start[v + 1]):
                w = forward[i]
                if marked[w]:
                    a, b, c = sectors[u], sectors[v], sectors[w]
                    closed[u, min(b, c), max(b, c)] += 1
                    closed[v, min(a, c), max(a, c)] += 1
                    closed[w, min(a, b), max(a, b)] += 1
        for j in range(start[u], start[u + 1]):
            marked[forward[j]] = False
    return closed


def sector_triangles(indptr, indices, sectors, kinds: int) -> np.ndarray:
    """Per actor v and sectors s <= t: how many links join a neighbour of v in s to one in t."""
    return _triangles(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(sectors, dtype=np.int64),
        kinds,
    )


@numba.njit(cache=True, parallel=True)
def _byte_sum_counts(words, u, v, parts):
    """counts[lane, s]: links whose two ends' byte `lane` sums to s (words: 8 bytes per actor)."""
    counts = np.zeros((parts, 8, 256), dtype=np.int64)
    size = (len(u) + parts - 1) // parts
    for part in numba.prange(parts):
        local = counts[part]
        for i in range(part * size, min(len(u), (part + 1) * size)):
            total = words[u[i]] + words[v[i]]  # bytewise: each byte sum is below 256
            for lane in range(8):
                local[lane, (total >> np.uint64(8 * lane)) & np.uint64(0xFF)] += 1
    return counts.sum(axis=0)


def byte_sum_counts(words, u, v) -> np.ndarray:
    """Per byte lane (rows), how many links (u[i], v[i]) have byte sums 0..255 (columns), for the
    eight one-byte codes packed in each actor's 64-bit word."""
    parts = max(1, min(numba.get_num_threads(), len(u) // 100_000 + 1))
    return _byte_sum_counts(
        np.asarray(words, dtype=np.uint64),
        np.asarray(u, dtype=np.int64),
        np.asarray(v, dtype=np.int64),
        parts,
    )
