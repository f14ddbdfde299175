"""The actor map: every actor as a node coloured by sector, in one self-contained HTML page.

Up to LAYOUT_THRESHOLD actors the browser lays the map out with vis-network's physics. Above it
the positions come from `visualize.layout.sector_layout` and physics is off, so a 10,000-actor
map opens at once and can be panned. Above AGGREGATE_THRESHOLD the map shows one node per sector
and county, and a click on one reloads the map with `?sector=...&region=...` (a drill-down).
In the browser the view is fitted to every actor with its label and fitted again when the window
is resized; labels are shown by importance and zoom, none over another (`static/actor-map.js`).

Everything taken from the data reaches the page as JSON in a `<script type="application/json">`
and is put into the document with `textContent`, never as HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from mapper.model import Sector, SizeMeasure
from visualize._page import (
    SCOPE_KEYS,
    SECTOR_COLOURS,
    check_lang,
    filter_form,
    map_links,
    map_url,
    page,
    scope_heading,
    scope_params,
    scope_title,
    sector_label,
    static,
)
from visualize._strings import KIND_LABELS, MEASURE_LABELS, STRINGS
from visualize.layout import aggregate, sector_layout

__all__ = [
    "AGGREGATE_THRESHOLD",
    "KIND_SHAPES",
    "LAYOUT_THRESHOLD",
    "SIZE_MEASURES",
    "render_actor_map",
]

LAYOUT_THRESHOLD = 1_500
AGGREGATE_THRESHOLD = 20_000
SIZE_MEASURES = tuple(measure.value for measure in SizeMeasure)  # declared in mapper.model
KIND_SHAPES: dict[str, str] = {
    "organisation": "dot",
    "department": "square",
    "funder": "diamond",
    "network": "triangle",
    "collaboration": "star",
}
_KIND_PRIORITY = ("collaboration", "funder", "network", "department", "organisation")
_LABELLED_IN_LARGE_MAPS = 60
_MIN_SIZE, _MAX_SIZE = 9.0, 32.0


def render_actor_map(
    A: nx.Graph | None,
    *,
    groups: nx.Graph | None = None,
    brokers: Iterable[str] = (),
    scores: Mapping[Hashable, float] | None = None,
    sources: Mapping[Hashable, Sequence[Mapping[str, Any]]] | None = None,
    lang: str = "sv",
    size_by: str = "degree",
    query: Mapping[str, Any] | None = None,
    api_base: str = "",
    layout_threshold: int = LAYOUT_THRESHOLD,
    aggregate_threshold: int = AGGREGATE_THRESHOLD,
) -> str:
    """Return the actor map of the actor graph `A` as a complete, self-contained HTML document.

    `brokers` are actor ids to mark; `scores` the measure named by `size_by` per actor (degree and
    strength are computed here, betweenness too when not given); `sources` per actor id a list of
    `{"document", "quote", "url"}`; `query` the filters the map was made with (`region`,
    `year_from`, `year_to`, `relation_types`, `shared_collaborations`, `subsector`, `sector`):
    the title names them, the filter form shows them, and the links to the gap map of the same
    scope and to this map in the other language keep them. `api_base` is put before
    `/actors/{id}` in the details links, and before `/map` and `/map/gaps` in the others.
    `groups`, when given, is the aggregated view already counted
    (`mapper.analysis.compact.sector_region_groups`), and `A` is not read: a caller with a large
    ecosystem need not build its networkx graph. Raises ValueError for an unknown `lang` or
    `size_by`.
    """
    check_lang(lang)
    if size_by not in SIZE_MEASURES:
        raise ValueError(f"size_by {size_by!r} is not one of {', '.join(SIZE_MEASURES)}")
    base = STRINGS[lang]["actor_map_title"]
    title, heading = scope_title(base, query, lang), scope_heading(base, query, lang)
    query = dict(query or {})
    if groups is None and A.number_of_nodes() > aggregate_threshold:
        groups = aggregate(A)
    if groups is not None:
        n = sum(count for _, count in groups.nodes(data="count"))
        data = _aggregated_data(groups, lang)
    else:
        values = _scores(A, size_by, scores)
        n = A.number_of_nodes()
        data = _actor_data(A, values, set(brokers), sources or {}, lang, layout_threshold)
    data.update(_page_data(lang, size_by, query, api_base, n))
    body = _body(lang, size_by, query, data, heading, api_base)
    css, script = static("actor-map.css"), static("actor-map.js")
    return page(title=title, lang=lang, css=css, body=body, data=data, script=script)


def _scores(
    A: nx.Graph, size_by: str, scores: Mapping[Hashable, float] | None
) -> Mapping[Hashable, float]:
    if size_by not in SIZE_MEASURES:
        raise ValueError(f"size_by {size_by!r} is not one of {', '.join(SIZE_MEASURES)}")
    if scores is not None:
        return scores
    if size_by == "degree":
        return dict(A.degree())
    if size_by == "strength":
        return dict(A.degree(weight="weight"))
    if size_by == "betweenness":
        sample = None if A.number_of_nodes() <= LAYOUT_THRESHOLD else 256
        return nx.betweenness_centrality(A, k=sample, seed=0)
    raise ValueError(f"size_by {size_by!r} needs its scores: pass scores=...")


def _shape(kinds: Iterable[str] | None) -> str:
    present = set(kinds or ("organisation",))
    kind = next((kind for kind in _KIND_PRIORITY if kind in present), "organisation")
    return KIND_SHAPES[kind]


def _sizes(values: Mapping[Hashable, float], nodes: Iterable[Hashable]) -> dict[Hashable, float]:
    top = max((float(values.get(node, 0) or 0) for node in nodes), default=0.0)
    return {
        node: round(
            _MIN_SIZE + (_MAX_SIZE - _MIN_SIZE) * math.sqrt(max(values.get(node, 0) or 0, 0) / top),
            2,
        )
        if top > 0
        else _MIN_SIZE
        for node in nodes
    }


def _clean_sources(items: Sequence[Mapping[str, Any]]) -> list[dict[str, str | None]]:
    return [
        {key: (str(item[key]) if item.get(key) else None) for key in ("document", "quote", "url")}
        for item in items
    ]


def _actor_data(
    A: nx.Graph,
    values: Mapping[Hashable, float],
    brokers: set[str],
    sources: Mapping[Hashable, Sequence[Mapping[str, Any]]],
    lang: str,
    layout_threshold: int,
) -> dict[str, Any]:
    large = A.number_of_nodes() > layout_threshold
    sizes = _sizes(values, A.nodes)
    positions = sector_layout(A, values) if large else {}
    ranked = sorted(A.nodes, key=lambda node: -float(values.get(node, 0) or 0))
    labelled = set(ranked[:_LABELLED_IN_LARGE_MAPS]) | brokers if large else set(A.nodes)
    nodes = [
        _node(A, node, values, sizes, node in brokers, node in labelled, positions.get(node))
        | {"sources": _clean_sources(sources.get(node, ()))}
        for node in A.nodes
    ]
    edges = [_edge(A, u, v, data, detailed=not large) for u, v, data in A.edges(data=True)]
    return {
        "mode": "large" if large else "actors",
        "physics": not large and A.number_of_nodes() > 0,
        "nodes": nodes,
        "edges": edges,
    }


def _node(
    A: nx.Graph,
    node: Hashable,
    values: Mapping[Hashable, float],
    sizes: Mapping[Hashable, float],
    broker: bool,
    labelled: bool,
    position: tuple[float, float] | None,
) -> dict[str, Any]:
    attributes = A.nodes[node]
    item: dict[str, Any] = {
        "id": str(node),
        "name": str(attributes.get("name") or node),
        "sector": attributes.get("sector"),
        "region": attributes.get("region"),
        "kinds": list(attributes.get("kinds") or ["organisation"]),
        "subsector": attributes.get("subsector"),
        "shape": _shape(attributes.get("kinds")),
        "size": sizes[node],
        "score": round(float(values.get(node, 0) or 0), 6),
        "degree": A.degree(node),
        "broker": broker,
        "labelled": labelled,
    }
    if position is not None:
        item["x"], item["y"] = round(position[0], 1), round(position[1], 1)
    return item


def _edge(A: nx.Graph, u: Hashable, v: Hashable, data: Mapping, *, detailed: bool) -> dict:
    item = {
        "from": str(u),
        "to": str(v),
        "weight": data.get("weight", 1),
        "cross": A.nodes[u].get("sector") != A.nodes[v].get("sector"),
    }
    if detailed:
        item["collaborations"] = [str(c) for c in data.get("collaborations", ())]
        item["relations"] = [str(r) for r in data.get("relations", ())]
    return item


def _aggregated_data(H: nx.Graph, lang: str) -> dict[str, Any]:
    """The map data of the (sector, region) groups `H` (see `layout.aggregate`)."""
    counts = dict(H.nodes(data="count"))
    positions = sector_layout(H, counts, spacing=120.0)
    sizes = _sizes(counts, H.nodes)
    ids = {key: f"{key[0]}|{key[1] or ''}" for key in H.nodes}
    nodes = [
        {
            "id": ids[key],
            "sector": data["sector"],
            "region": data["region"],
            "count": data["count"],
            "size": sizes[key],
            "x": round(positions[key][0], 1),
            "y": round(positions[key][1], 1),
        }
        for key, data in H.nodes(data=True)
    ]
    edges = [
        {"from": ids[a], "to": ids[b], "weight": links, "cross": a[0] != b[0]}
        for a, b, links in H.edges(data="links")
    ]
    return {"mode": "aggregated", "physics": False, "nodes": nodes, "edges": edges}


def _page_data(
    lang: str, size_by: str, query: Mapping[str, Any], api_base: str, n: int
) -> dict[str, Any]:
    return {
        "lang": lang,
        "strings": STRINGS[lang],
        "sectors": [
            {"id": s.value, "label": sector_label(s.value, lang), "colour": SECTOR_COLOURS[s.value]}
            for s in Sector
        ],
        "kinds": {kind: labels[lang] for kind, labels in KIND_LABELS.items()},
        "size_by": size_by,
        "measure": MEASURE_LABELS[size_by][lang],
        "query": {key: value for key, value in query.items() if value not in (None, [], ())},
        "api_base": api_base,
        "actors": n,
        "aggregate_threshold": AGGREGATE_THRESHOLD,
    }


# -- the page around the map: legend, filters, details panel --------------------------------------


def _body(
    lang: str,
    size_by: str,
    query: Mapping[str, Any],
    data: Mapping[str, Any],
    heading: str,
    api_base: str,
) -> str:
    strings = STRINGS[lang]
    e = html.escape
    return (
        '<div id="layout">'
        '<aside id="side">'
        f"{heading}"
        f"{_links(lang, size_by, query, api_base)}"
        f'<p id="status" class="note"></p>'
        f'<p id="shown-line">{e(strings["shown"])}: <span id="shown">0</span> '
        f"{e(strings['actors'])}</p>"
        f"{_sector_legend(lang, data)}{_kind_legend(lang)}{_link_legend(lang, size_by)}"
        f"{_filter_form(lang, size_by, query, api_base)}"
        "</aside>"
        '<main id="map" aria-label="map"></main>'
        '<aside id="details">'
        f"<h2>{e(strings['details'])}</h2>"
        f'<div id="details-body"><p class="note">{e(strings["click_hint"])}</p></div>'
        "</aside>"
        "</div>"
    )


def _swatch(colour: str, shape: str = "dot", *, border: str | None = None, width: int = 1) -> str:
    stroke = border or colour
    shapes = {
        "dot": '<circle cx="9" cy="9" r="6"/>',
        "square": '<rect x="3" y="3" width="12" height="12"/>',
        "diamond": '<polygon points="9,1 17,9 9,17 1,9"/>',
        "triangle": '<polygon points="9,2 17,16 1,16"/>',
        "star": '<polygon points="9,1 11.4,6.6 17,7 12.8,11 14,17 9,14 4,17 5.2,11 1,7 6.6,6.6"/>',
    }
    return (
        f'<svg class="swatch" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" '
        f'fill="{colour}" stroke="{stroke}" stroke-width="{width}">{shapes[shape]}</svg>'
    )


def _section(title: str, items: str) -> str:
    return f'<section><h2>{html.escape(title)}</h2><ul class="legend">{items}</ul></section>'


def _sector_legend(lang: str, data: Mapping[str, Any]) -> str:
    counts: dict[str, int] = {}
    for node in data["nodes"]:
        counts[node["sector"]] = counts.get(node["sector"], 0) + node.get("count", 1)
    items = "".join(
        f'<li><label><input type="checkbox" class="sector-filter" value="{s.value}" checked> '
        f"{_swatch(SECTOR_COLOURS[s.value])} {html.escape(sector_label(s.value, lang))} "
        f'<span class="count">({counts.get(s.value, 0)})</span></label></li>'
        for s in Sector
    )
    return _section(STRINGS[lang]["sectors"], items)


def _kind_legend(lang: str) -> str:
    items = "".join(
        f"<li>{_swatch('#ffffff', shape, border='#444444', width=2)} "
        f"{html.escape(KIND_LABELS[kind][lang])}</li>"
        for kind, shape in KIND_SHAPES.items()
        if kind != "collaboration"
    )
    return _section(STRINGS[lang]["kinds"], items)


def _link_legend(lang: str, size_by: str) -> str:
    strings = STRINGS[lang]
    solid = '<line x1="1" y1="9" x2="29" y2="9" stroke="#333333" stroke-width="2.5"/>'
    dashed = (
        f'<line x1="1" y1="9" x2="29" y2="9" stroke="{SECTOR_COLOURS["public"]}" '
        'stroke-width="2.5" stroke-dasharray="5,3"/>'
    )
    line = '<svg class="swatch" width="30" height="18" aria-hidden="true">{}</svg>'
    broker = _swatch("#bbbbbb", border="#000000", width=3)
    items = (
        f"<li>{line.format(solid)} {html.escape(strings['cross_link'])}</li>"
        f"<li>{line.format(dashed)} {html.escape(strings['within_link'])}</li>"
        f"<li>{broker} {html.escape(strings['broker'])}</li>"
        f"<li>{html.escape(strings['size'])}: {html.escape(MEASURE_LABELS[size_by][lang])}</li>"
    )
    return _section(strings["links"], items)


def _filter_form(lang: str, size_by: str, query: Mapping[str, Any], api_base: str) -> str:
    strings = STRINGS[lang]
    measures = [(m, MEASURE_LABELS[m][lang]) for m in SIZE_MEASURES]
    languages = [("sv", "Svenska"), ("en", "English")]
    selects = [
        (strings["size_by"], "size_by", measures, size_by),
        (strings["language"], "lang", languages, lang),
    ]
    sectors = scope_params(query, ("sector",))
    return filter_form(lang, query, action=f"{api_base}/map", selects=selects, hidden=sectors)


def _links(lang: str, size_by: str, query: Mapping[str, Any], api_base: str) -> str:
    """This map in the other language, and the gap map of the same scope."""
    other = "en" if lang == "sv" else "sv"
    here = [*scope_params(query, (*SCOPE_KEYS, "sector")), ("size_by", size_by)]
    switch = map_url(api_base, "/map", [*here, ("lang", other)])
    gaps = map_url(api_base, "/map/gaps", [*scope_params(query), ("lang", lang)])
    return map_links(lang, switch=switch, other=gaps, other_text=STRINGS[lang]["to_gap_map"])
