"""Compiled loops over a CSR graph (numba): betweenness, triangles, Louvain moves, force layouts.

Not part of the public API: `brokers.py` calls these on a `CompactGraph` and the tests check
them against networkx. Each kernel takes the CSR arrays of a symmetric graph without self-loops
(`indptr`, `indices`) and the actors' sector codes. `layout.py` calls the last four (Louvain's
local moving, and the force layouts of discs and of the members inside them). Compiled once per
machine (`cache=True` keeps the machine code in `__pycache__`).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "betweenness_sums",
    "byte_sum_counts",
    "disc_forces",
    "louvain_moves",
    "member_forces",
    "sector_triangles",
    "separate_discs",
]


@numba.njit(cache=True, nogil=True)
def _from_sources(indptr, indices, sectors, sources, total, cross, only):
    """Brandes' accumulation from each source, unweighted, in place into `total` and `cross`.

    `total[v]` sums, over the sources s and targets t (both other than v), the share of the
    shortest s-t paths through v; `cross[v]` the same over targets in another sector than s,
    or, when `only` is a sector (not -1), over targets in that sector.
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
            if only < 0:
                target = 1.0 if sectors[v] != source_sector else 0.0
            else:
                target = 1.0 if sectors[v] == only else 0.0
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
def _parallel_sums(indptr, indices, sectors, sources, parts, only):
    n = len(indptr) - 1
    total = np.zeros((parts, n), dtype=np.float64)
    cross = np.zeros((parts, n), dtype=np.float64)
    for part in numba.prange(parts):
        chunk = sources[part::parts]
        _from_sources(indptr, indices, sectors, chunk, total[part], cross[part], only)
    return total.sum(axis=0), cross.sum(axis=0)


def betweenness_sums(
    indptr, indices, sectors, sources, *, only: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised betweenness from `sources`: (all targets, targets in another sector, or
    in sector `only` when it is given).

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
        only,
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


@numba.njit(cache=True, nogil=True)
def _local_moving(indptr, indices, data, strength, order, resolution, threshold):
    """Louvain's local moving phase: each node, in `order`, joins the neighbouring community
    with the largest modularity gain, in passes until a pass gains less than `threshold`.

    Starts from singletons. The gain of moving v into community c is w(v, c) - resolution *
    strength(v) * total(c) / 2m, up to a constant factor (`strength` includes self-loops, which
    `indices` must not hold). Ties keep v where it is, then go to the community seen first.
    """
    n = len(indptr) - 1
    community = np.arange(n)
    total = strength.copy()
    two_m = strength.sum()
    to_community = np.zeros(n, dtype=np.float64)
    touched = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    if two_m <= 0.0:
        return community
    while True:
        gained = 0.0
        for v in order:
            own = community[v]
            count = 0
            for j in range(indptr[v], indptr[v + 1]):
                c = community[indices[j]]
                if not seen[c]:
                    seen[c] = True
                    touched[count] = c
                    count += 1
                to_community[c] += data[j]
            k = strength[v]
            total[own] -= k
            scale = resolution * k / two_m
            stay = to_community[own] - scale * total[own]
            best, best_gain = own, stay
            for i in range(count):
                c = touched[i]
                gain = to_community[c] - scale * total[c]
                if gain > best_gain:
                    best, best_gain = c, gain
            total[best] += k
            if best != own:
                community[v] = best
                gained += 2.0 * (best_gain - stay) / two_m
            for i in range(count):
                to_community[touched[i]] = 0.0
                seen[touched[i]] = False
        if gained < threshold:
            return community


def louvain_moves(indptr, indices, data, strength, order, resolution, threshold) -> np.ndarray:
    """Community of each node after Louvain's local moving (not numbered 0..k-1): see
    `_local_moving`. `data` are the weights of a symmetric CSR graph without its diagonal."""
    return _local_moving(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(data, dtype=np.float64),
        np.asarray(strength, dtype=np.float64),
        np.asarray(order, dtype=np.int64),
        float(resolution),
        float(threshold),
    )


@numba.njit(cache=True, nogil=True)
def _disc_forces(xy, radius, indptr, indices, pull, iterations, gravity, gap):
    """A force layout of discs that packs them, in place (as d3-force's link, centre and
    collision forces): each link is a spring of stiffness pull[j] toward the two discs just
    touching (`gap` apart), every disc is drawn toward the origin by its `gravity` times its
    distance, and overlapping discs are pushed apart, the smaller one further. The steps shrink
    linearly over the iterations."""
    k = len(radius)
    mass = radius * radius
    disp = np.zeros((k, 2), dtype=np.float64)
    for iteration in range(iterations):
        step = 1.0 - iteration / iterations
        for i in range(k):
            dx_sum, dy_sum = -gravity[i] * xy[i, 0], -gravity[i] * xy[i, 1]
            for j in range(indptr[i], indptr[i + 1]):
                other = indices[j]
                dx, dy = xy[other, 0] - xy[i, 0], xy[other, 1] - xy[i, 1]
                d = np.sqrt(dx * dx + dy * dy) + 1e-9
                stretch = (d - radius[i] - radius[other] - gap) / d
                share = mass[other] / (mass[i] + mass[other])  # the smaller disc moves more
                dx_sum += dx * stretch * pull[j] * share
                dy_sum += dy * stretch * pull[j] * share
            disp[i, 0], disp[i, 1] = dx_sum, dy_sum
        for i in range(k):
            xy[i, 0] += disp[i, 0] * step
            xy[i, 1] += disp[i, 1] * step
        _collide(xy, radius, mass, gap)


@numba.njit(cache=True, nogil=True)
def _collide(xy, radius, mass, gap):
    """One sweep over every pair of discs: push apart those closer than r_i + r_j + gap, the
    lighter one further. Return the number of pairs that overlapped."""
    k = len(radius)
    overlaps = 0
    for i in range(k):
        for j in range(i + 1, k):
            dx, dy = xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1]
            d = np.sqrt(dx * dx + dy * dy)
            need = radius[i] + radius[j] + gap
            if d < need:
                overlaps += 1
                if d < 1e-9:  # the same centre: apart along a direction fixed by the pair
                    angle = 2.399963 * (i * k + j)
                    dx, dy, d = np.cos(angle), np.sin(angle), 1.0
                    push = need
                else:
                    push = need - d
                share_i = mass[j] / (mass[i] + mass[j])
                xy[i, 0] -= dx / d * push * share_i
                xy[i, 1] -= dy / d * push * share_i
                xy[j, 0] += dx / d * push * (1.0 - share_i)
                xy[j, 1] += dy / d * push * (1.0 - share_i)
    return overlaps


@numba.njit(cache=True, nogil=True)
def _separate(xy, radius, gap, sweeps):
    """Push overlapping discs apart, in place, in up to `sweeps` sweeps of `_collide`; if some
    still overlap, scale every centre away from the origin until none does. Return the number
    of pairs the last sweep found overlapping."""
    k = len(radius)
    mass = radius * radius
    left = 0
    for _ in range(sweeps):
        left = _collide(xy, radius, mass, gap)
        if left == 0:
            return 0
    scale = 1.0
    for i in range(k):
        for j in range(i + 1, k):
            d = np.sqrt((xy[j, 0] - xy[i, 0]) ** 2 + (xy[j, 1] - xy[i, 1]) ** 2)
            scale = max(scale, (radius[i] + radius[j] + gap) / max(d, 1e-9))
    xy *= scale
    return left


@numba.njit(cache=True, nogil=True)
def _member_forces(
    xy, label, centre, radius, indptr, indices, pull, iterations, ideal, start, gravity
):
    """Fruchterman-Reingold inside discs, in place (the grid variant: repulsion only within 2 *
    `ideal`, found through a grid of cells that size), and only between members of one community.

    `indptr`, `indices`, `pull` are each node's within-community links with the stiffness of
    their springs (attraction pull * distance). Each node is also pulled toward its disc's
    `centre` (by its `gravity` * `ideal` at the rim, less inside) and kept inside the disc
    (`label` indexes `centre` and `radius`). Moves are capped by a temperature that cools
    linearly from `start`. Serial: on two shared cores, numba's threads lost more time waiting
    for each other under load (seconds at 13k actors) than they saved (a tenth of a second).
    """
    n = len(label)
    reach = 2.0 * ideal
    disp = np.zeros((n, 2), dtype=np.float64)
    cell_of = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    for iteration in range(iterations):
        temperature = start * (1.0 - iteration / iterations) + 0.02 * ideal
        low_x, low_y = xy[:, 0].min(), xy[:, 1].min()
        width = max(reach, max(xy[:, 0].max() - low_x, xy[:, 1].max() - low_y) / np.sqrt(4.0 * n))
        columns = int((xy[:, 0].max() - low_x) / width) + 1
        rows = int((xy[:, 1].max() - low_y) / width) + 1
        first = np.zeros(columns * rows + 1, dtype=np.int64)  # a counting sort by cell
        for i in range(n):
            column = int((xy[i, 0] - low_x) / width)
            row = int((xy[i, 1] - low_y) / width)
            cell_of[i] = column * rows + row
            first[cell_of[i] + 1] += 1
        for cell in range(columns * rows):
            first[cell + 1] += first[cell]
        filled = first[:-1].copy()
        for i in range(n):
            order[filled[cell_of[i]]] = i
            filled[cell_of[i]] += 1
        for i in range(n):
            xi, yi, own = xy[i, 0], xy[i, 1], label[i]
            dx_sum, dy_sum = 0.0, 0.0
            column = int((xi - low_x) / width)
            row = int((yi - low_y) / width)
            for c in range(max(0, column - 1), min(columns, column + 2)):
                for r in range(max(0, row - 1), min(rows, row + 2)):
                    cell = c * rows + r
                    for s in range(first[cell], first[cell + 1]):
                        j = order[s]
                        if j != i and label[j] == own:
                            dx, dy = xi - xy[j, 0], yi - xy[j, 1]
                            d2 = dx * dx + dy * dy
                            if d2 < reach * reach:
                                if d2 < 1e-12:
                                    angle = 2.399963 * (i + j)
                                    dx, dy, d2 = np.cos(angle) * 1e-3, np.sin(angle) * 1e-3, 1e-6
                                d = np.sqrt(d2)
                                f = ideal * ideal / d2 * (1.0 - d / reach)
                                dx_sum += dx * f
                                dy_sum += dy * f
            for j in range(indptr[i], indptr[i + 1]):
                other = indices[j]
                dx_sum += (xy[other, 0] - xi) * pull[j]  # a spring: pull[j] * distance
                dy_sum += (xy[other, 1] - yi) * pull[j]
            cx, cy, rc = centre[own, 0], centre[own, 1], radius[own]
            g = gravity[i] * ideal / rc  # at the rim: a pull toward the centre of gravity * ideal
            dx_sum += (cx - xi) * g
            dy_sum += (cy - yi) * g
            disp[i, 0], disp[i, 1] = dx_sum, dy_sum
        for i in range(n):
            length = np.sqrt(disp[i, 0] ** 2 + disp[i, 1] ** 2) + 1e-12
            step = min(length, temperature) / length
            x = xy[i, 0] + disp[i, 0] * step
            y = xy[i, 1] + disp[i, 1] * step
            own = label[i]
            dx, dy = x - centre[own, 0], y - centre[own, 1]
            d = np.sqrt(dx * dx + dy * dy)
            inside = 0.98 * radius[own]
            if d > inside:
                x = centre[own, 0] + dx * inside / d
                y = centre[own, 1] + dy * inside / d
            xy[i, 0], xy[i, 1] = x, y


def disc_forces(xy, radius, indptr, indices, pull, *, iterations, gravity, gap) -> np.ndarray:
    """Disc centres after `iterations` of `_disc_forces` from `xy` (k x 2): a new array."""
    xy = np.array(xy, dtype=np.float64)
    _disc_forces(
        xy,
        np.asarray(radius, dtype=np.float64),
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(pull, dtype=np.float64),
        int(iterations),
        np.asarray(gravity, dtype=np.float64),
        float(gap),
    )
    return xy


def separate_discs(xy, radius, *, gap, sweeps) -> tuple[np.ndarray, int]:
    """Disc centres pushed apart until no two discs are closer than `gap`: see `_separate`."""
    xy = np.array(xy, dtype=np.float64)
    left = _separate(xy, np.asarray(radius, dtype=np.float64), float(gap), int(sweeps))
    return xy, int(left)


def member_forces(
    xy, label, centre, radius, indptr, indices, pull, *, iterations, ideal, start, gravity
) -> np.ndarray:
    """Member positions after `iterations` of `_member_forces` from `xy` (n x 2): a new array."""
    xy = np.array(xy, dtype=np.float64)
    _member_forces(
        xy,
        np.asarray(label, dtype=np.int64),
        np.asarray(centre, dtype=np.float64),
        np.asarray(radius, dtype=np.float64),
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(pull, dtype=np.float64),
        int(iterations),
        float(ideal),
        float(start),
        np.asarray(gravity, dtype=np.float64),
    )
    return xy
