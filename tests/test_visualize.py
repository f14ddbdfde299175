"""The map pages as HTML: escaping, legends, colours, languages, no external URL, large maps."""

from __future__ import annotations

import html
import json
import random
import re
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import visualize
from api.app import create_app
from mapper.analysis.gaps import gaps
from mapper.cli import cli
from mapper.model import KNOWN_SECTORS, SECTOR_LABELS, Actor, Batch, Collaboration, Relation, Source
from mapper.service import MapperService, Scope
from mapper.stores.embedded import EmbeddedStore
from visualize import actor_map, gap_map, layout
from visualize._page import SECTOR_COLOURS, json_script, static, vis_assets
from visualize._strings import RELATION_LABELS
from visualize.actor_map import render_actor_map
from visualize.gap_map import ratio_colour, render_gap_map

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_QUOTE = "</script><script>alert(2)</script>\u2028"


def actor_graph_sample() -> nx.Graph:
    A = nx.Graph()
    rows = [
        ("vinnova", "Vinnova", "public", "Stockholms län", ["organisation", "funder"]),
        ("region-skane", "Region Skåne", "public", "Skåne län", ["organisation"]),
        ("ikea", "IKEA", "private", "Skåne län", ["organisation"]),
        ("hostile", HOSTILE, "civil_society", None, ["network"]),
        ("lund", "Lunds universitet", "academia", "Skåne län", ["organisation"]),
        ("kth-dept", "KTH Innovation", "academia", "Stockholms län", ["department"]),
    ]
    for actor, name, sector, region, kinds in rows:
        A.add_node(actor, name=name, sector=sector, region=region, kinds=kinds, subsector=None)
    for u, v in [
        ("vinnova", "lund"),
        ("vinnova", "region-skane"),
        ("region-skane", "hostile"),
        ("lund", "kth-dept"),
        ("ikea", "hostile"),
    ]:
        A.add_edge(u, v, weight=1, collaborations=["lab"], relations=[])
    return A


def synthetic_actor_graph(n: int, *, seed: int = 0) -> nx.Graph:
    """`n` actors in four sectors and five regions, about three links each."""
    rnd = random.Random(seed)
    sectors = list(SECTOR_LABELS)
    regions = ["Skåne län", "Stockholms län", "Västra Götalands län", "Uppsala län", None]
    A = nx.Graph()
    for i in range(n):
        A.add_node(
            f"actor-{i}",
            name=f"Aktör {i}",
            sector=sectors[i % 4],
            region=regions[i % 5],
            kinds=["organisation"],
        )
    for i in range(1, n):
        for _ in range(min(3, i)):
            A.add_edge(f"actor-{i}", f"actor-{rnd.randrange(i)}", weight=1)
    return A


def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="mapper-data">(.*?)</script>', page)
    assert match, "the page has no data script"
    return json.loads(match.group(1))


def without_data(page: str) -> str:
    return re.sub(r'<script type="application/json" id="mapper-data">.*?</script>', "", page)


@pytest.fixture(scope="module")
def sample_page() -> str:
    sources = {"hostile": [{"document": "doc.txt", "quote": HOSTILE_QUOTE}]}
    return render_actor_map(actor_graph_sample(), brokers=["region-skane"], sources=sources)


A = actor_graph_sample  # a short name for a fresh sample graph


def gap_result(A: nx.Graph) -> tuple[dict, Counter]:
    return gaps(A, permutations=50), Counter(sector for _, sector in A.nodes(data="sector"))


# -- escaping ---------------------------------------------------------------------------------


def test_json_script_escapes_what_could_end_the_script():
    script = json_script("d", {"a": "</script><!--&\u2028\u2029"})
    inner = script.removeprefix('<script type="application/json" id="d">').removesuffix("</script>")
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in inner
    assert json.loads(inner) == {"a": "</script><!--&\u2028\u2029"}


def test_hostile_names_reach_the_page_only_as_escaped_json(sample_page):
    assert HOSTILE not in sample_page
    assert "alert(2)" not in without_data(sample_page)
    assert sample_page.count("</script>") == 3  # the data, vis-network and the map's script
    names = {node["name"] for node in page_data(sample_page)["nodes"]}
    assert HOSTILE in names
    quote = page_data(sample_page)["nodes"][3]["sources"][0]["quote"]
    assert quote == HOSTILE_QUOTE


def test_the_map_script_never_writes_html_from_data():
    for script in (static("actor-map.js"), static("gap-map.js")):
        assert "innerHTML" not in script
        assert "insertAdjacentHTML" not in script
        assert "document.write" not in script
        assert "textContent" in script


def test_hostile_query_values_are_escaped_in_the_filter_form():
    query = {"region": '"><script>alert(3)</script>', "sector": ['"><b>']}
    page = render_actor_map(actor_graph_sample(), query=query)
    assert "alert(3)</script>" not in without_data(page)
    assert "&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;b&gt;" in page


def test_gap_map_escapes_its_table():
    result, counts = gap_result(actor_graph_sample())
    result["isolated_actors"] = [HOSTILE]
    page = render_gap_map(result, counts)
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# -- self-contained -----------------------------------------------------------------------------


def external_references(page: str) -> list[str]:
    pattern = r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//"
    found = re.findall(pattern, page, flags=re.IGNORECASE)
    found += re.findall(r"@import|url\(\s*[\"']?\s*(?:https?:)?//", page, flags=re.IGNORECASE)
    return found


def test_pyvis_bundles_a_standalone_vis_network():
    js, css = vis_assets()
    assert "vis-network" in js[:200] and "@version 9.1.2" in js[:400]
    for name in ("DataSet", "DataView", "Network"):
        assert name in js
    assert ".vis-network" in css


def test_the_static_files_ship_with_the_package_and_are_inlined(sample_page):
    folder = resources.files("visualize").joinpath("static")
    names = {file.name for file in folder.iterdir() if file.name.endswith((".css", ".js"))}
    shared = ("base.css", "common.css", "common.js")
    assert {"actor-map.css", "actor-map.js", "gap-map.css", "gap-map.js", *shared} <= names
    gap_page = render_gap_map(*gap_result(A()))
    for page, name in [(sample_page, "actor-map"), (gap_page, "gap-map")]:
        assert f"<style>\n{static(name + '.css')}</style>" in page
        assert f"<script>\n{static(name + '.js')}</script>" in page
        for included in shared:
            assert folder.joinpath(included).read_text(encoding="utf-8") in page
        assert "/* include" not in page


@pytest.mark.parametrize("which", ["actor", "gap"])
def test_pages_reference_nothing_outside_themselves(which, sample_page):
    pages = {"actor": lambda: sample_page, "gap": lambda: render_gap_map(*gap_result(A()))}
    page = pages[which]()
    assert external_references(page) == []
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link\b", page)
    assert "@version 9.1.2" in page  # vis-network inlined


# -- legend, colours, shapes, brokers -----------------------------------------------------------


def test_sectors_have_okabe_ito_colours_and_a_legend(sample_page):
    data = page_data(sample_page)
    assert {s["id"]: s["colour"] for s in data["sectors"]} == SECTOR_COLOURS
    assert SECTOR_COLOURS == {
        "public": "#0072B2",
        "private": "#E69F00",
        "civil_society": "#009E73",
        "academia": "#CC79A7",
        "unknown": "#999999",
    }
    for sector, colour in SECTOR_COLOURS.items():
        assert f'class="sector-filter" value="{sector}" checked' in sample_page
        assert f'fill="{colour}"' in sample_page
        assert SECTOR_LABELS[sector]["sv"] in sample_page


def test_links_kinds_and_brokers_are_explained_in_the_legend(sample_page):
    for text in ("Mellan sektorer", "Inom en sektor", "Mäklare", "Finansiär", "Avdelning"):
        assert text in sample_page
    data = page_data(sample_page)
    edges = {(e["from"], e["to"]): e["cross"] for e in data["edges"]}
    assert edges[("vinnova", "region-skane")] is False
    assert edges[("vinnova", "lund")] is True
    shapes = {n["id"]: n["shape"] for n in data["nodes"]}
    assert shapes == {
        "vinnova": "diamond",
        "region-skane": "dot",
        "ikea": "dot",
        "hostile": "triangle",
        "lund": "dot",
        "kth-dept": "square",
    }
    assert [n["id"] for n in data["nodes"] if n["broker"]] == ["region-skane"]


def test_size_follows_the_chosen_measure():
    A = actor_graph_sample()
    by_degree = {n["id"]: n["size"] for n in page_data(render_actor_map(A))["nodes"]}
    assert by_degree["region-skane"] > by_degree["ikea"]
    page = render_actor_map(A, size_by="betweenness", lang="en")
    assert "betweenness centrality" in page
    scores = {n["id"]: n["score"] for n in page_data(page)["nodes"]}
    assert scores["ikea"] == 0 and scores["region-skane"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lang": "de"}, "lang 'de' is not supported; expected one of sv, en"),
        ({"size_by": "pagerank"}, "size_by 'pagerank' is not one of degree, strength"),
        ({"size_by": "cross_sector_betweenness"}, "needs its scores"),
    ],
)
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        render_actor_map(actor_graph_sample(), **kwargs)


# -- languages ------------------------------------------------------------------------------------


def test_lang_switches_the_interface_but_not_the_names():
    A = actor_graph_sample()
    sv, en = render_actor_map(A, lang="sv"), render_actor_map(A, lang="en")
    assert '<html lang="sv">' in sv and '<html lang="en">' in en
    for sector in SECTOR_LABELS.values():
        assert sector["sv"] in sv and sector["en"] in en
    assert "Across sectors" in en and "Across sectors" not in sv
    assert "Aktörskarta" in sv and "Actor map" in en
    assert "Region Skåne" in {n["name"] for n in page_data(en)["nodes"]}
    assert page_data(en)["strings"]["details"] == "Details"


def test_gap_map_lang_switch():
    result, counts = gap_result(actor_graph_sample())
    sv, en = render_gap_map(result, counts, lang="sv"), render_gap_map(result, counts, lang="en")
    assert "<th>Förväntade</th>" in sv and "<th>Expected</th>" in en
    assert "<th>Expected</th>" not in sv
    assert "Näringsliv" in sv and "Private sector" in en


# -- titles, links and the filter form: what a map covers ---------------------------------------

SKANE = {"region": "Skåne län", "year_from": 2015, "year_to": 2019}


def render(which: str, **kwargs) -> str:
    if which == "actor":
        return render_actor_map(actor_graph_sample(), **kwargs)
    return render_gap_map(*gap_result(actor_graph_sample()), **kwargs)


def title_and_h1(page: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page).group(1))
    return html.unescape(title), html.unescape(h1)


def link(page: str, element_id: str) -> tuple[str, dict[str, list[str]]]:
    """The path and the query parameters of the link `element_id`."""
    href = html.unescape(re.search(rf'<a id="{element_id}"[^>]* href="([^"]*)"', page).group(1))
    url = urlsplit(href)
    return f"{url.scheme}://{url.netloc}{url.path}" if url.netloc else url.path, parse_qs(url.query)


@pytest.mark.parametrize(
    ("which", "lang", "query", "expected"),
    [
        ("gap", "sv", SKANE, "Luckor mellan sektorer — Skåne län, 2015–2019"),
        ("gap", "en", SKANE, "Gaps between sectors — Skåne län, 2015–2019"),
        ("actor", "sv", SKANE, "Aktörskarta — Skåne län, 2015–2019"),
        ("actor", "en", SKANE, "Actor map — Skåne län, 2015–2019"),
        ("actor", "sv", {}, "Aktörskarta — hela Sverige"),
        ("gap", "en", {}, "Gaps between sectors — all of Sweden"),
        ("actor", "sv", None, "Aktörskarta"),  # None: the scope is not known, none is claimed
        ("gap", "en", None, "Gaps between sectors"),
        (
            "gap",
            "sv",
            {"year_from": 2018, "relation_types": ("FUNDS", "PART_OF")},
            "Luckor mellan sektorer — hela Sverige, från 2018, relationer: Finansierar och Del av",
        ),
        (
            "gap",
            "en",
            {"year_to": 2020, "shared_collaborations": False, "subsector": "municipality"},
            "Gaps between sectors — all of Sweden, up to 2020, without shared collaborations, "
            "subsector: municipality",
        ),
        (
            "actor",
            "en",
            {"region": "Stockholms län", "sector": ["public", "academia", "private"]},
            "Actor map — Stockholms län, Public sector, Academia and Private sector",
        ),
        (  # all four relation types, or all four sectors, are no restriction
            "actor",
            "en",
            {"relation_types": list(RELATION_LABELS), "sector": list(SECTOR_LABELS)},
            "Actor map — all of Sweden",
        ),
        (  # the gap map is never by sector
            "gap",
            "en",
            {"sector": ["public"], "year_from": 2019, "year_to": 2019},
            "Gaps between sectors — all of Sweden, 2019",
        ),
    ],
)
def test_title_and_h1_name_the_scope(which, lang, query, expected):
    page = render(which, lang=lang, query=query)
    assert title_and_h1(page) == (expected, expected)


@pytest.mark.parametrize("which", ["actor", "gap"])
def test_a_hostile_region_is_escaped_in_the_title_links_and_form(which):
    region = '"></title><script>alert(4)</script>&amp;'
    page = render(which, query={"region": region}, lang="en")
    outside = without_data(page)
    assert "<script>alert(4)" not in outside and '"></title>' not in outside
    name = "Actor map" if which == "actor" else "Gaps between sectors"
    assert title_and_h1(page) == (f"{name} — {region}", f"{name} — {region}")
    assert "&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;&amp;amp;" in page
    for element_id in ("lang-link", "other-map-link"):
        assert link(page, element_id)[1]["region"] == [region]
    assert f'<option value="{html.escape(region)}" selected>' in page


def test_the_gap_map_links_keep_its_scope():
    query = {
        **SKANE,
        "relation_types": ("COLLABORATES_WITH", "FUNDS"),
        "shared_collaborations": False,
        "subsector": "municipality",
    }
    page = render("gap", lang="sv", query=query, api_base="http://127.0.0.1:8000")
    scope = {
        "region": ["Skåne län"],
        "year_from": ["2015"],
        "year_to": ["2019"],
        "relation_types": ["COLLABORATES_WITH", "FUNDS"],
        "shared_collaborations": ["false"],
        "subsector": ["municipality"],
    }
    assert link(page, "other-map-link") == ("http://127.0.0.1:8000/map", {**scope, "lang": ["sv"]})
    own = {"permutations": ["50"], "seed": ["0"]}  # the gap map's own, from the result
    assert link(page, "lang-link") == (
        "http://127.0.0.1:8000/map/gaps",
        {**scope, **own, "lang": ["en"]},
    )
    assert "Aktörskartan (samma urval)" in page and ">In English</a>" in page
    assert page_data(page)["api_base"] == "http://127.0.0.1:8000"


def test_the_actor_map_links_keep_its_scope():
    query = {**SKANE, "sector": ["public", "academia"], "relation_types": ["FUNDS"]}
    page = render("actor", lang="en", query=query, size_by="strength")
    scope = {
        "region": ["Skåne län"],
        "year_from": ["2015"],
        "year_to": ["2019"],
        "relation_types": ["FUNDS"],
    }
    assert link(page, "other-map-link") == ("/map/gaps", {**scope, "lang": ["en"]})
    assert link(page, "lang-link") == (
        "/map",
        {**scope, "sector": ["public", "academia"], "size_by": ["strength"], "lang": ["sv"]},
    )
    assert "Gaps between sectors (same scope)" in page and ">På svenska</a>" in page


def test_the_gap_map_has_the_actor_maps_filter_form():
    query = {**SKANE, "relation_types": ("FUNDS",), "shared_collaborations": False}
    page = render("gap", lang="en", query=query)
    form = re.search(r'<form id="filters".*?</form>', page).group(0)
    assert 'action="/map/gaps"' in form
    assert '<option value="Skåne län" selected>' in form
    assert 'name="year_from" min="1800" max="2200" value="2015"' in form
    assert 'name="year_to" min="1800" max="2200" value="2019"' in form
    assert 'value="FUNDS" checked' in form and 'value="PART_OF">' in form
    for name, value in [("shared_collaborations", "false"), ("lang", "en"), ("seed", "0")]:
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    assert 'name="size_by"' not in form and 'name="sector"' not in form
    actor_form = re.search(r'<form id="filters".*?</form>', render("actor", query=query)).group(0)
    assert 'action="/map"' in actor_form and 'name="size_by"' in actor_form


# -- gap map --------------------------------------------------------------------------------------


def test_gap_map_has_one_node_per_sector_and_one_edge_and_row_per_pair():
    A = actor_graph_sample()
    result, counts = gap_result(A)
    page = render_gap_map(result, counts, lang="en")
    data = page_data(page)
    assert [(n["id"], n["count"]) for n in data["nodes"]] == [
        ("public", 2),
        ("private", 1),
        ("civil_society", 1),
        ("academia", 2),
    ]
    assert len(data["edges"]) == len(result["pairs"]) == 10
    assert page.count("<tr") == 11  # header + one row per pair
    edge = next(e for e in data["edges"] if (e["from"], e["to"]) == ("public", "academia"))
    pair = next(p for p in result["pairs"] if p["sectors"] == ["public", "academia"])
    assert edge["label"].startswith(f"{pair['observed']} / {pair['expected']:.1f}")
    side, word = ("p_value_more", "more") if pair["ratio"] > 1 else ("p_value", "fewer")
    assert f"p = {pair[side]:.3f} ({word})" in edge["label"]
    assert edge["colour"] == ratio_colour(pair["ratio"])
    assert "Colour: observed / expected links" in page


def _gap_row(page: str, name: str) -> list[str]:
    row = re.search(rf"<tr[^>]*><td>{re.escape(name)}</td>(.*?)</tr>", page).group(1)
    return re.findall(r"<td>(.*?)</td>", row)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_p_shown_follows_the_colour(lang):
    result, counts = gap_result(actor_graph_sample())
    over = {"ratio": 1.8, "p_value": 1.0, "p_value_more": 0.012, "p_adjusted": 1.0}
    under = {"ratio": 0.4, "p_value": 0.004, "p_value_more": 1.0, "p_adjusted": 0.04}
    result["pairs"][0] = {**result["pairs"][0], **over}  # public - public
    result["pairs"][3] = {**result["pairs"][3], **under}  # public - academia
    page = render_gap_map(result, counts, lang=lang)
    more, fewer = ("fler", "färre") if lang == "sv" else ("more", "fewer")
    edges = {(e["from"], e["to"]): e for e in page_data(page)["edges"]}
    assert edges["public", "public"]["label"].endswith(f"p = 0.012 ({more})")
    assert edges["public", "academia"]["label"].endswith(f"p = 0.004 ({fewer})")
    public = "Offentlig sektor" if lang == "sv" else "Public sector"
    over_row = _gap_row(page, public)
    assert over_row[4:6] == [f"0.012 ({more})", "–"]  # no "1.000" for an over-connected pair
    assert "1.000" not in "".join(over_row)
    under_row = _gap_row(page, f"{public} – {'Akademi' if lang == 'sv' else 'Academia'}")
    assert under_row[4:6] == [f"0.004 ({fewer})", "0.040"]


def test_gap_rows_are_marked_and_dashed():
    result, counts = gap_result(actor_graph_sample())
    result["pairs"][1] = {**result["pairs"][1], "gap": True, "ratio": 0.1}
    page = render_gap_map(result, counts, lang="en")
    assert page.count("<tr class=gap>") == 1
    assert [e["gap"] for e in page_data(page)["edges"]].count(True) == 1


@pytest.mark.parametrize(
    ("ratio", "colour"),
    [(None, "#DDDDDD"), (0.0, "#D55E00"), (0.25, "#D55E00"), (1.0, "#AAAAAA"), (4.0, "#0072B2")],
)
def test_ratio_colours_diverge_around_one(ratio, colour):
    assert ratio_colour(ratio) == colour


def test_under_connected_is_redder_than_over_connected():
    under, over = ratio_colour(0.5), ratio_colour(2.0)
    assert int(under[1:3], 16) > int(under[5:7], 16)  # more red than blue
    assert int(over[5:7], 16) > int(over[1:3], 16)


# -- large maps -----------------------------------------------------------------------------------


def test_a_10k_actor_map_is_laid_out_on_the_server_with_physics_off(capsys):
    A = synthetic_actor_graph(10_000)
    started = time.perf_counter()
    page = render_actor_map(A)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n10k-actor map ({A.number_of_edges()} links) rendered in {seconds:.2f} s")
    data = page_data(page)
    assert data["mode"] == "large" and data["physics"] is False
    assert len(data["nodes"]) == 10_000
    assert all("x" in node and "y" in node for node in data["nodes"])
    assert sum(node["labelled"] for node in data["nodes"]) <= 61
    assert seconds < 15


def test_sector_layout_puts_sectors_apart():
    A = synthetic_actor_graph(400)
    positions = layout.sector_layout(A)
    centre = {}
    for sector in KNOWN_SECTORS:
        xs = [positions[n][0] for n, s in A.nodes(data="sector") if s == sector]
        ys = [positions[n][1] for n, s in A.nodes(data="sector") if s == sector]
        centre[sector] = (sum(xs) / len(xs), sum(ys) / len(ys))
    assert len({(round(x), round(y)) for x, y in centre.values()}) == 4


def test_above_the_aggregate_threshold_the_map_shows_sector_and_region_groups():
    A = synthetic_actor_graph(500)
    page = render_actor_map(A, aggregate_threshold=100, query={"year_from": 2018})
    data = page_data(page)
    assert data["mode"] == "aggregated"
    assert len(data["nodes"]) == 20  # 4 sectors x (4 regions + unknown)
    assert sum(node["count"] for node in data["nodes"]) == 500
    group = next(n for n in data["nodes"] if n["id"] == "public|Skåne län")
    assert group["count"] == len(
        [n for n, d in A.nodes(data=True) if d["sector"] == "public" and d["region"] == "Skåne län"]
    )
    assert data["query"] == {"year_from": 2018}  # the drill-down link keeps it


def test_groups_counted_on_the_compact_graph_are_the_networkx_aggregate():
    from mapper.analysis.compact import compact_graph, sector_region_groups
    from visualize.layout import aggregate

    A = synthetic_actor_graph(500)
    H, reference = sector_region_groups(compact_graph(A)), aggregate(A)
    assert list(H.nodes(data=True)) == list(reference.nodes(data=True))
    assert nx.utils.edges_equal(H.edges(data=True), reference.edges(data=True))
    fast = page_data(render_actor_map(None, groups=H))
    slow = page_data(render_actor_map(A, aggregate_threshold=100))
    assert fast["nodes"] == slow["nodes"]

    def edges(data):
        return sorted(
            (min(e["from"], e["to"]), max(e["from"], e["to"]), e["weight"], e["cross"])
            for e in data["edges"]
        )

    assert edges(fast) == edges(slow)


def test_a_large_map_is_drawn_without_a_networkx_graph(service, monkeypatch):
    import mapper.service as module

    def refuse(*args, **kwargs):
        raise AssertionError("the large map built a networkx graph")

    monkeypatch.setattr(service, "actor_graph", refuse)
    monkeypatch.setattr(service, "snapshot", refuse)
    monkeypatch.setattr(module, "WEBGL_FROM", 2)
    actors = len(service.compact(Scope()))
    full = webgl_data(service.actor_map(Scope(), lang="en"))
    assert len(full["nodes"]["id"]) == actors and full["opens"] is None
    monkeypatch.setattr(module, "AGGREGATE_THRESHOLD", 3)
    aggregated = webgl_data(service.actor_map(Scope(), lang="en"))
    assert aggregated["opens"] is not None and sum(aggregated["counts"]) == actors
    monkeypatch.setattr(module, "WEBGL_FROM", 0)  # a community this small: WebGL all the same
    one = webgl_data(service.actor_map(Scope(), lang="en", community=0))
    assert 0 < len(one["nodes"]["id"]) < actors


def webgl_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_exported_names():
    assert set(visualize.__all__) == {"render_actor_map", "render_gap_map"}
    assert "render_actor_map" in actor_map.__all__ and "render_gap_map" in gap_map.__all__


# -- API and CLI -----------------------------------------------------------------------------


def small_batch() -> Batch:
    source = Source(document="doc.txt", quote="Vinnova finansierar labbet.")
    return Batch(
        actors=[
            Actor(id="vinnova", name="Vinnova", sector="public", kinds=["organisation", "funder"]),
            Actor(id="lund", name="Lunds universitet", sector="academia", region="Skåne"),
            Actor(id="hostile", name=HOSTILE, sector="civil_society", sources=[source]),
            Actor(id="ikea", name="IKEA", sector="private", region="Skåne län"),
        ],
        collaborations=[Collaboration(id="lab", name="Labbet", kind="project", start="2019")],
        relations=[
            Relation(type="PARTICIPATES_IN", source="lund", target="lab"),
            Relation(type="PARTICIPATES_IN", source="hostile", target="lab"),
            Relation(type="FUNDS", source="vinnova", target="lab", year=2019),
            Relation(type="COLLABORATES_WITH", source="ikea", target="lund", year=2021),
        ],
    )


@pytest.fixture
def service(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "map.db")
    store.apply(small_batch())
    service = MapperService(store)
    yield service
    service.close()


@pytest.fixture
def client(service) -> TestClient:
    return TestClient(create_app(service))


def test_get_map_serves_the_actor_map(client):
    response = client.get("/map", params={"lang": "en", "size_by": "betweenness"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    data = page_data(response.text)
    assert {n["id"] for n in data["nodes"]} == {"vinnova", "lund", "hostile", "ikea"}
    hostile = next(n for n in data["nodes"] if n["id"] == "hostile")
    assert hostile["sources"] == [
        {"document": "doc.txt", "quote": "Vinnova finansierar labbet.", "url": None}
    ]
    assert HOSTILE not in response.text


def test_get_map_filters(client):
    data = page_data(client.get("/map", params=[("sector", "public"), ("sector", "academia")]).text)
    assert {n["id"] for n in data["nodes"]} == {"vinnova", "lund"}
    data = page_data(client.get("/map", params={"region": "Region Skåne"}).text)
    assert {n["id"] for n in data["nodes"]} == {"lund", "ikea"}
    assert data["query"]["region"] == "Skåne län"
    data = page_data(client.get("/map", params={"year_to": 2020}).text)
    assert [(e["from"], e["to"]) for e in data["edges"]] == [
        ("hostile", "lund"),
        ("hostile", "vinnova"),
        ("lund", "vinnova"),
    ]
    data = page_data(client.get("/map", params={"relation_types": "FUNDS"}).text)
    assert ("ikea", "lund") not in {(e["from"], e["to"]) for e in data["edges"]}


def test_get_map_gaps_serves_the_gap_map(client):
    response = client.get("/map/gaps", params={"lang": "en", "permutations": 20})
    assert response.status_code == 200
    assert len(page_data(response.text)["edges"]) == 10
    assert "Observed" in response.text


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        ("/map?region=Atlantis", "region", "'Atlantis' is not a Swedish county"),
        ("/map?year_from=2020&year_to=2010", "year_from", "2020 is after year_to 2010"),
        ("/map?year_from=1200", "year_from", "greater than or equal to 1800"),
        ("/map?lang=de", "lang", "'sv' or 'en'"),
        ("/map?size_by=pagerank", "size_by", "'degree'"),
        ("/map?sector=government", "sector", "'public'"),
        ("/map?relation_types=PARTICIPATES_IN", "relation_types", "'COLLABORATES_WITH'"),
        ("/map/gaps?permutations=0", "permutations", "greater than or equal to 1"),
        ("/map/gaps?region=Atlantis", "region", "'Atlantis' is not a Swedish county"),
    ],
)
def test_bad_map_parameters_are_422_in_the_error_shape(client, url, parameter, message):
    response = client.get(url)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["status"] == 422 and error["type"] == "InvalidParameter"
    assert error["parameter"] == parameter
    assert message in error["message"]


def test_cli_map_writes_self_contained_pages(service, tmp_path: Path):
    runner = CliRunner()
    store = ["--store", service.store.location]
    out = tmp_path / "map.html"
    result = runner.invoke(cli, [*store, "map", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    page = out.read_text(encoding="utf-8")
    assert len(page_data(page)["nodes"]) == 4 and external_references(page) == []
    gaps_out = tmp_path / "gaps.html"
    result = runner.invoke(cli, [*store, "map", "--gaps", "--out", str(gaps_out)])
    assert result.exit_code == 0, result.output
    assert "Förväntade" in gaps_out.read_text(encoding="utf-8")


def test_cli_map_reports_bad_filters_without_a_traceback(service, tmp_path: Path):
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            service.store.location,
            "map",
            "--out",
            str(tmp_path / "m.html"),
            "--region",
            "Atlantis",
        ],
    )
    assert result.exit_code == 1
    assert "parameter 'region'" in result.output and "Traceback" not in result.output


def test_a_community_map_is_the_actor_graph_of_its_actors(service):
    """A small community of a large map is drawn from its compact graph and its records, not
    from the whole snapshot; it is the same graph as the actor graph's subgraph."""
    C = service.compact(Scope())
    keep = np.zeros(len(C), dtype=bool)
    keep[: max(2, len(C) // 2)] = True
    A, sources = service._small_graph(C.subgraph(keep))
    reference = service.actor_graph(Scope()).subgraph(C.ids[keep].tolist())
    assert sorted(A.nodes(data=True)) == sorted(reference.nodes(data=True))
    assert sorted((min(u, v), max(u, v), d["weight"], d["collaborations"], d["relations"])
                  for u, v, d in A.edges(data=True)) == sorted(
        (min(u, v), max(u, v), d["weight"], d["collaborations"], d["relations"])
        for u, v, d in reference.edges(data=True))
    snapshot = service.snapshot()
    assert sources == {i: snapshot.nodes[i].get("sources", []) for i in A}


def test_warming_puts_the_whole_map_in_the_cache(service, monkeypatch):
    service.warm()

    def refuse(*args, **kwargs):
        raise AssertionError("the warmed map was computed again")

    import mapper.service as module

    monkeypatch.setattr(module, "actor_graph", refuse)  # the analyses, not the cached methods
    monkeypatch.setattr(module, "compact_graph_from_rows", refuse)
    monkeypatch.setattr(service, "_map_brokers", refuse)
    assert "<html" in service.actor_map(Scope())
