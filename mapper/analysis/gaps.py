"""Gaps: sector pairs with fewer links than the degrees of their actors lead one to expect."""

from __future__ import annotations

import numpy as np

from mapper.analysis._shared import SECTORS, check_count, without_unknown
from mapper.analysis.compact import compact_graph
from mapper.errors import InvalidParameter
from mapper.filters import DEFAULT_PERMUTATIONS

__all__ = ["COMPILED_FROM", "gaps"]

# With ten sector pairs and a Benjamini-Hochberg adjustment, the smallest adjusted p-value that
# P permutations can give is 10 / (P + 1): 200 permutations could never reach alpha = 0.05 with
# a margin, 1000 can (0.01).

_PAIRS = [(a, b) for i, a in enumerate(SECTORS) for b in SECTORS[i:]]
# A Sidon set: the sum of two codes tells which unordered pair of sectors a link joins.
_CODES = np.array([0, 1, 3, 7], dtype=np.uint8)
_PAIR_CODES = [int(_CODES[SECTORS.index(a)] + _CODES[SECTORS.index(b)]) for a, b in _PAIRS]
_PAIR_INDICES = [(SECTORS.index(a), SECTORS.index(b)) for a, b in _PAIRS]
_LANES = 8  # permutations packed into one uint64 per actor, one byte each
_PADDING = 15  # code of the dummy actor that pads the link list; 15 + 15 is no pair's code
_BLOCK = 255  # links summed per block before a byte lane could overflow
_CHUNK = _BLOCK * 512  # links per pass, so that a pass's arrays stay in the CPU cache
_CROSS = [i for i, (a, b) in enumerate(_PAIRS) if a != b]
_WITHIN = {a: _PAIRS.index((a, a)) for a in SECTORS}
# links x permutations from which the compiled counting pays for loading its compiler (about a
# second in a fresh process): 13k actors, 356k links and 200 permutations stay in numpy.
COMPILED_FROM = 200_000_000
_QUANTILES = (0.025, 0.975)  # the central 95 % of the permuted counts: null_low, null_high


def gaps(
    G,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    bins: int = 10,
    ratio_threshold: float = 0.5,
    alpha: float = 0.05,
) -> dict:
    """Compare the links between every pair of sectors with a degree-preserving null model.

    The null model shuffles the sector labels among actors of similar degree: the actors with
    degree >= 1 fall into `bins` equal-frequency degree bins, bin = floor(bins·r / n1) with r the
    number of such actors with a strictly smaller degree (so ties share a bin) and n1 the number
    of such actors, and each permutation shuffles the labels within every bin. Every figure of a
    pair comes from this one null. For each unordered pair of sectors (a, b), a = b included, in
    the actor graph `G`:

    - `observed`: the number of links between a and b (within a when a = b).
    - `expected`: the exact mean of that number under the null, in closed form (see
      docs/analysis.md). The expectations of all pairs add up to the number of links.
    - `ratio`: observed / expected (None when expected is 0).
    - `z`: (observed - expected) / the standard deviation of the permuted counts (None when it
      is 0); `null_low`, `null_high`: the 2.5 % and 97.5 % quantiles of the permuted counts.
    - `p_value`: one-sided, "fewer links than chance":
      (1 + #{permutations with count <= observed}) / (1 + permutations);
      `p_value_more`: one-sided, "more", with count >= observed.
    - `p_adjusted`: `p_value` Benjamini-Hochberg adjusted over the pairs that are tested.
    - `gap`: ratio < ratio_threshold and p_adjusted < alpha.
    - `expected_configuration`: the configuration-model formula D_a·D_b / 2m (D_a² / 4m within
      a sector), D_a the degree sum of sector a; it lets hubs link many times over, so it
      overstates the links among hubs. Kept for comparison, never used for the flags.

    Pairs with expected 0 (a sector without links) are not tested: their ratio, z and p-values
    are None and they are never a gap. Actors of unknown sector are left out (their number is
    `unknown_sector_actors`), with their links. Also returned: `isolated_actors` (degree 0,
    sorted) and `sectors_without_cross_links` (sectors with actors but no link to another
    sector). The result is reproducible from `seed`. `G` is a networkx graph (taken as
    undirected) or a `CompactGraph`; self-loops are ignored. Raises ValueError for a parameter
    out of range.

    >>> import networkx as nx
    >>> G = nx.path_graph(["kth", "lund", "vinnova", "region-skane"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "lund": "academia",
    ...     "vinnova": "public", "region-skane": "public"}, "sector")
    >>> pair = next(p for p in gaps(G)["pairs"] if p["sectors"] == ["public", "academia"])
    >>> pair["observed"], round(pair["expected"], 3), pair["expected_configuration"], pair["gap"]
    (1, 2.0, 1.5, False)
    """
    _check_parameters(permutations, bins, ratio_threshold, alpha)
    G, unknown = without_unknown(compact_graph(G))
    nodes, labels, u, v = _arrays(G)
    degree = np.bincount(u, minlength=len(nodes)) + np.bincount(v, minlength=len(nodes))
    bin_of = _bins_of_active(degree, bins)
    observed = _pair_counts(_CODES[labels[u]] + _CODES[labels[v]])
    expected = _expected(labels, bin_of, u, v)
    null = _permuted_counts(labels, degree, bin_of, u, v, permutations, np.random.default_rng(seed))
    columns = _null_statistics(observed, expected, null)
    testable = expected > 0
    adjusted = np.full(len(_PAIRS), np.nan)
    adjusted[testable] = _benjamini_hochberg(columns["p_value"][testable])
    columns["p_adjusted"] = adjusted
    configuration = _expected_configuration(labels, degree, len(u))
    pairs = [
        _pair(i, observed, expected, configuration, columns, ratio_threshold, alpha)
        for i in range(len(_PAIRS))
    ]
    return {
        "pairs": pairs,
        "actors": len(nodes),
        "unknown_sector_actors": unknown,
        "links": len(u),
        "isolated_actors": sorted(str(nodes[i]) for i in np.flatnonzero(degree == 0)),
        "sectors_without_cross_links": _sectors_without_cross_links(labels, pairs),
        "parameters": {
            "permutations": permutations,
            "seed": seed,
            "bins": bins,
            "ratio_threshold": ratio_threshold,
            "alpha": alpha,
        },
    }


def _check_parameters(permutations, bins, ratio_threshold, alpha) -> None:
    check_count("permutations", permutations)
    check_count("bins", bins)
    if not ratio_threshold > 0:
        raise InvalidParameter("ratio_threshold", f"must be > 0, got {ratio_threshold!r}")
    if not 0 < alpha < 1:
        raise InvalidParameter("alpha", f"must be between 0 and 1, got {alpha!r}")


def _arrays(G):
    """Nodes, their sector indices, and the two end-index arrays of the links (no self-loops)."""
    C = compact_graph(G)
    u, v, _ = C.links()
    return C.ids.tolist(), C.sectors.astype(np.intp), u, v


def _pair_counts(codes: np.ndarray) -> np.ndarray:
    """Number of links per pair, in _PAIRS order, from the links' summed sector codes."""
    return np.bincount(codes, minlength=max(_PAIR_CODES) + 1)[_PAIR_CODES]


def _bins_of_active(degree: np.ndarray, bins: int) -> np.ndarray:
    """Every actor's degree bin, numbered from 0; -1 for actors without links.

    Equal-frequency bins by degree rank among the actors with links; equal degrees share a bin.
    """
    bin_of = np.full(len(degree), -1, dtype=np.intp)
    active = degree > 0
    if active.any():
        ranked = degree[active]
        smaller = np.searchsorted(np.sort(ranked), ranked, side="left")
        bin_of[active] = smaller * bins // len(ranked)
    return bin_of


def _expected(labels: np.ndarray, bin_of: np.ndarray, u: np.ndarray, v: np.ndarray):
    """The exact mean link count of every pair (in _PAIRS order) under the shuffle within bins.

    A shuffle gives the actors of bin β the sectors of that bin in a uniformly random order, so a
    link's chance of joining sectors a and b depends only on the bins of its two ends: with c_βa
    actors of sector a among the n_β of bin β, P(u in a, v in b) = c_βa·c_γb / (n_β·n_γ) for
    ends in different bins β != γ, and c_βa·(c_βb - [a = b]) / (n_β·(n_β - 1)) within one bin
    (drawn without replacement). Summed over the links grouped by their bins' pair: O(links).
    """
    if len(u) == 0:
        return np.zeros(len(_PAIRS))
    bins, inverse = np.unique(bin_of[bin_of >= 0], return_inverse=True)
    dense = np.full(len(bin_of), -1, dtype=np.intp)
    dense[bin_of >= 0] = inverse
    k = len(bins)
    members = np.zeros((k, len(SECTORS)))
    np.add.at(members, (dense[bin_of >= 0], labels[bin_of >= 0]), 1)
    size = members.sum(axis=1)
    pairs, links = np.unique(dense[u] * k + dense[v], return_counts=True)
    first, second = np.divmod(pairs, k)
    between = first != second
    share = members / size[:, None]
    ordered = (share[first[between]] * links[between, None]).T @ share[second[between]]
    same, count = first[~between], links[~between]
    weight = count / (size[same] * (size[same] - 1))
    inside = members[same]
    ordered += (inside * weight[:, None]).T @ inside - np.diag(weight @ inside)
    return np.array(
        [ordered[i, j] + ordered[j, i] if i != j else ordered[i, i] for i, j in _PAIR_INDICES]
    )


def _expected_configuration(labels: np.ndarray, degree: np.ndarray, m: int) -> np.ndarray:
    """The configuration-model formula of every pair, in _PAIRS order (for comparison only)."""
    if m == 0:
        return np.zeros(len(_PAIRS))
    D = np.bincount(labels, weights=degree, minlength=len(SECTORS))
    return np.array([D[i] * D[j] / (2 * m if i != j else 4 * m) for i, j in _PAIR_INDICES])


def _permuted_counts(labels, degree, bin_of, u, v, permutations, rng) -> np.ndarray:
    """Link counts per pair (columns, _PAIRS order) under each permutation (rows).

    Only actors with links take part. They are renumbered so that each degree bin is one
    contiguous block; a permutation shuffles the sector codes inside every block (numpy's
    shuffle, so the seed alone fixes the answer). Eight permutations share one uint64 per actor
    (a byte each), so one gather per link end serves eight permutations; the sum of the two
    ends' codes names the pair in every byte. Large inputs are counted by a compiled kernel,
    small ones in numpy (no compiler to load): both count exactly, so the answer is the same.
    """
    active = np.flatnonzero(bin_of >= 0)
    if len(active) == 0:
        return np.zeros((permutations, len(_PAIRS)), dtype=np.int64)
    order = active[np.argsort(bin_of[active], kind="stable")]
    position = np.full(len(labels), len(order), dtype=np.intp)
    position[order] = np.arange(len(order))
    blocks = _blocks(np.sort(bin_of[active]), _CODES[labels[order]].astype(np.int64))
    count = _compiled_counts if len(u) * permutations >= COMPILED_FROM else _numpy_counts
    ends = position[u], position[v]
    counts = np.empty((permutations, len(_PAIRS)), dtype=np.int64)
    for first in range(0, permutations, _LANES):
        lanes = _shuffled_lanes(blocks, len(order), rng)
        counts[first : first + _LANES] = count(lanes, degree[order], *ends)[: permutations - first]
    return counts


def _compiled_counts(lanes, degree, u, v) -> np.ndarray:
    """Per byte lane (rows) the links of each pair (columns), by mapper/analysis/_kernels.py."""
    from mapper.analysis._kernels import byte_sum_counts  # numba: imported when needed

    return byte_sum_counts(lanes, u, v)[:, _PAIR_CODES]


def _null_statistics(observed, expected, null) -> dict[str, np.ndarray]:
    """Per pair: z, the central 95 % of the permuted counts, and both one-sided p-values."""
    draws = len(null)
    spread = null.std(axis=0, ddof=1) if draws > 1 else np.zeros(len(_PAIRS))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (observed - expected) / spread, np.nan)
    low, high = np.quantile(null, _QUANTILES, axis=0)
    return {
        "z": z,
        "null_low": low,
        "null_high": high,
        "p_value": (1 + (null <= observed).sum(axis=0)) / (1 + draws),
        "p_value_more": (1 + (null >= observed).sum(axis=0)) / (1 + draws),
    }


def _blocks(sorted_bins: np.ndarray, codes: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """(start, stop, codes) of each bin's contiguous block."""
    starts = np.flatnonzero(np.diff(sorted_bins, prepend=-1))
    stops = np.append(starts[1:], len(sorted_bins))
    return [(int(s), int(e), codes[s:e]) for s, e in zip(starts, stops, strict=True)]


def _padded(u: np.ndarray, v: np.ndarray, *, dummy: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad both end arrays with the dummy actor to a whole number of _BLOCKs."""
    extra = -len(u) % _BLOCK
    pad = np.full(extra, dummy, dtype=np.intp)
    return np.concatenate([u, pad]), np.concatenate([v, pad])


def _shuffled_lanes(blocks, n: int, rng) -> np.ndarray:
    """One uint64 per actor (plus the dummy): byte j holds its code in permutation j."""
    lanes = np.empty((n + 1, _LANES), dtype=np.uint8)
    lanes[n] = _PADDING
    for lane in range(_LANES):
        for start, stop, codes in blocks:
            shuffled = codes.copy()
            rng.shuffle(shuffled)
            lanes[start:stop, lane] = shuffled
    return lanes.view(np.uint64).ravel()


def _numpy_counts(lanes: np.ndarray, degree: np.ndarray, u: np.ndarray, v: np.ndarray):
    """Per byte lane (rows) the number of links of each pair (columns).

    Cross-sector pairs are counted, a cache-sized chunk of links at a time; within-sector ones
    follow from the handshake identity D_a = 2·N_aa + sum over b != a of N_ab, with D_a the
    degree sum of sector a in that lane.
    """
    u, v = _padded(u, v, dummy=len(lanes) - 1)
    counts = np.zeros((_LANES, len(_PAIRS)), dtype=np.int64)
    for start in range(0, len(u), _CHUNK):
        counts += _cross_counts(lanes, u[start : start + _CHUNK], v[start : start + _CHUNK])
    codes = lanes.view(np.uint8).reshape(-1, _LANES)[:-1]  # without the dummy actor
    for i, sector in enumerate(SECTORS):
        sector_degree = degree @ (codes == _CODES[i])
        crossing = sum(counts[:, column] for column in _CROSS if sector in _PAIRS[column])
        counts[:, _WITHIN[sector]] = (sector_degree - crossing) // 2
    return counts


def _cross_counts(lanes: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per byte lane the links of each cross-sector pair; `len(u)` is a multiple of _BLOCK."""
    sums = lanes[u]
    sums += lanes[v]  # bytewise: every byte sum is at most 30, so nothing carries over
    sums = sums.view(np.uint8).reshape(-1, _LANES)
    counts = np.zeros((_LANES, len(_PAIRS)), dtype=np.int64)
    for column in _CROSS:
        hits = (sums == _PAIR_CODES[column]).view(np.uint64).ravel()  # a 0/1 byte per lane
        per_block = hits.reshape(-1, _BLOCK).sum(axis=1, dtype=np.uint64)  # bytes stay <= 255
        counts[:, column] = per_block.view(np.uint8).reshape(-1, _LANES).sum(axis=0)
    return counts


def _benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, in the input order."""
    count = len(p_values)
    if count == 0:
        return p_values
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * count / np.arange(1, count + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    result = np.empty(count)
    result[order] = adjusted
    return result


def _pair(i, observed, expected, configuration, columns, ratio_threshold, alpha) -> dict:
    tested = bool(expected[i] > 0)
    ratio = float(observed[i] / expected[i]) if tested else None

    def tested_only(name: str) -> float | None:
        value = columns[name][i]
        return float(value) if tested and not np.isnan(value) else None

    adjusted = tested_only("p_adjusted")
    return {
        "sectors": list(_PAIRS[i]),
        "observed": int(observed[i]),
        "expected": float(expected[i]),
        "ratio": ratio,
        "z": tested_only("z"),
        "null_low": float(columns["null_low"][i]),
        "null_high": float(columns["null_high"][i]),
        "p_value": tested_only("p_value"),
        "p_value_more": tested_only("p_value_more"),
        "p_adjusted": adjusted,
        "gap": bool(tested and ratio < ratio_threshold and adjusted < alpha),
        "expected_configuration": float(configuration[i]),
    }


def _sectors_without_cross_links(labels: np.ndarray, pairs: list[dict]) -> list[str]:
    present = {SECTORS[i] for i in np.unique(labels)}
    crossing = {
        s
        for p in pairs
        if p["observed"] and p["sectors"][0] != p["sectors"][1]
        for s in p["sectors"]
    }
    return [sector for sector in SECTORS if sector in present and sector not in crossing]
