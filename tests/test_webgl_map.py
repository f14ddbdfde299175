"""The large-map page (visualize/webgl_map.py) as text: vendored files, data, escaping, size."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources

import numpy as np
import pytest
import scipy.sparse as sp

from visualize.webgl_map import (
    DRAWN_LINKS,
    VERSIONS,
    backbone,
    map_title,
    render_webgl_map,
)

HOSTILE = "</script><img src=x onerror=alert(1)>"


def vendor(name: str) -> bytes:
    return resources.files("visualize").joinpath("static", "vendor", name).read_bytes()


def test_the_vendored_files_are_the_ones_recorded_with_their_licences():
    readme = vendor("README.md").decode()
    for name, package in (("sigma.min.js", "sigma"), ("graphology.umd.min.js", "graphology")):
        digest = hashlib.sha256(vendor(name)).hexdigest()
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
        assert digest in row and VERSIONS[package] in row
        assert b"Permission is hereby granted" in vendor(f"{package}.LICENSE.txt")


def random_graph(n: int, m: int, seed: int = 0) -> sp.csr_array:
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    W = sp.coo_array((np.ones(keep.sum(), dtype=np.int32), (u[keep], v[keep])), shape=(n, n))
    W = sp.csr_array(W + W.T)
    W.sum_duplicates()
    return W


def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def render(n: int = 50, m: int = 200, **options) -> str:
    W = random_graph(n, m)
    xy = np.random.default_rng(1).uniform(-1, 1, (n, 2))
    names = [HOSTILE if i == 3 else f"Aktör {i}" for i in range(n)]
    return render_webgl_map(
        [f"a{i}" for i in range(n)], names, np.arange(n) % 4, W,
        positions={"community": xy}, **options,
    )


def test_the_page_is_self_contained_and_names_stay_text():
    page = render(query={"region": HOSTILE})
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<img" not in page.replace("\\u003cimg", "")  # only inside escaped JSON
    assert page.count("</script>") == page.count("<script")
    data = page_data(page)
    assert data["nodes"]["label"][3] == HOSTILE
    assert f"<title>{HOSTILE}" not in page and "&lt;/script&gt;" in page


def test_links_are_the_upper_triangle_of_the_weights():
    W = random_graph(50, 200)
    data = page_data(render())
    indptr, indices, weight = (data["links"][k] for k in ("indptr", "indices", "weight"))
    upper = sp.csr_array((weight, indices, indptr), shape=(50, 50))
    assert (upper + upper.T != W).nnz == 0
    assert data["links"]["drawn"] == list(range(len(weight)))  # few links: all drawn


def test_the_backbone_keeps_each_actors_strongest_links_within_the_limit():
    W = random_graph(3000, 60000, seed=2)
    upper = sp.triu(W, k=1, format="csr")
    upper.sort_indices()
    chosen = backbone(upper, per_actor=2, limit=10000)
    assert len(chosen) == 10000 and len(set(chosen.tolist())) == 10000
    rows = np.repeat(np.arange(3000), np.diff(upper.indptr))
    covered = set(rows[chosen].tolist()) | set(upper.indices[chosen].tolist())
    linked = set(np.flatnonzero(np.diff(W.indptr)).tolist())
    assert covered == linked  # every actor with a link has one drawn
    assert len(backbone(upper)) == min(upper.nnz, DRAWN_LINKS)


def test_a_map_of_13k_actors_and_350k_links_fits_in_5_mb():
    page = render(13_000, 356_000)
    assert len(page.encode("utf-8")) <= 5_000_000


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ({"region": "Skåne län", "year_from": 2015}, "sv", "Karta – Skåne län, 2015–…"),
        ({"sector": ["public", "academia"]}, "en", "Map – all of Sweden, Public sector, Academia"),
        ({"subsector": "municipality"}, "en", "Map – all of Sweden, municipality"),
    ],
)
def test_the_title_says_what_the_map_covers(query, lang, expected):
    assert map_title(query, lang, "Karta" if lang == "sv" else "Map") == expected


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="names has a different length"):
        render_webgl_map(["a", "b"], ["A"], np.zeros(2), sp.csr_array((2, 2)),
                         positions={"community": np.zeros((2, 2))})
