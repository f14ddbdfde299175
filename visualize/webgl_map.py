"""The large actor map: a WebGL page (sigma.js over graphology) with a layout from the server.

Above `WEBGL_FROM` actors the canvas renderer of the small map (vis-network) is too slow to use;
this page draws up to a few tens of thousands of actors and hundreds of thousands of links. The
data goes to the page as compact JSON: columns of node attributes, positions as flat arrays, and
the links as the upper triangle of a CSR matrix (row pointers, column indices, weights). The
page searches (folded: "Malmo" finds "Malmö"), focuses an actor's neighbourhood, filters by
sector and country, switches between groupings (communities, counties), and exports PNG and
SVG; its state is kept in the URL's fragment. Everything is text in the page: names are set with
textContent, the JSON is escaped for a script element.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from mapper.analysis.compact import CompactGraph
from mapper.model import ACTOR_RELATION_TYPES, SECTOR_LABELS, Sector
from mapper.regions import COUNTY_NAMES
from visualize._page import SECTOR_COLOURS, check_lang, page, static
from visualize.gap_map import ratio_colour

__all__ = [
    "DRAWN_LINKS",
    "EGO_LINKS",
    "GROUP_LABELS",
    "SHOWN_COMMUNITIES",
    "SVG_LINKS",
    "VERSIONS",
    "WEBGL_FROM",
    "WEBGL_LINKS_FROM",
    "backbone",
    "community_view",
    "map_layout",
    "map_title",
    "node_sizes",
    "render_webgl_map",
]

WEBGL_FROM = 1_500
"""Actor maps with more actors than this are drawn with WebGL (this module)."""

WEBGL_LINKS_FROM = 2_000
"""...or with more links than this: vis-network's physics took 9 s on 909 actors and 8,730
links (bench/RESULTS.md, "Large maps")."""

DRAWN_LINKS = 40_000
"""Links drawn when nothing is focused: each actor's strongest few, then the strongest overall.
A focused actor's neighbourhood is drawn in full. All links are in the page (partners, search)."""

EGO_LINKS = 30_000
"""The most links drawn for a focused neighbourhood (its strongest first, in storage order)."""

SVG_LINKS = 20_000
"""An SVG export draws the strongest this many visible links (every visible actor)."""

VERSIONS = {"sigma": "3.0.3", "graphology": "0.26.0"}
"""The vendored front-end libraries (visualize/static/vendor/README.md)."""

_SECTORS = [sector.value for sector in Sector]
_WITHIN_ALPHA = "55"  # hex alpha of a link within one sector, in its sector's colour
_CROSS_COLOUR = "#33333366"

_STRINGS: dict[str, dict[str, Any]] = {
    "sv": {
        "title": "Aktörskarta – social innovation i Sverige",
        "search": "Sök aktör (namn, engelskt namn, alias)",
        "sectors": "Sektorer",
        "depth": "Grannskap",
        "depth_1": "direkta partner",
        "depth_2": "partner och deras partner",
        "country": "Land",
        "country_all": "Alla länder",
        "country_se": "Bara svenska aktörer",
        "country_se_partners": "Svenska aktörer och deras utländska partner",
        "grouping": "Gruppering",
        "grouping_community": "Gemenskaper (täta grupper)",
        "grouping_region": "Län",
        "export": "Spara bilden",
        "details": "Detaljer",
        "click_hint": "Klicka på en aktör för att se dess partner; klicka på tom yta för att "
        "visa allt igen.",
        "partners": "Partner",
        "weight": "vikt",
        "more": "… och {n} till",
        "api_record": "Posten i API:t",
        "gap_map": "Luckor mellan sektorerna (samma urval)",
        "other_language": "In English",
        "actors": "aktörer",
        "links": "kopplingar",
        "all_sweden": "hela landet",
        "years": "år",
        "saved_file": "Sparad fil: länkarna till servern fungerar bara med mapper serve.",
        "open_community": "Öppna gemenskapens aktörer",
        "selection": "Urval (laddar om kartan)",
        "region": "Län",
        "all_regions": "Alla län",
        "years_from_to": "År",
        "limit_years": "Bara kopplingar aktiva dessa år",
        "relation_types": "Direkta relationer",
        "apply": "Visa",
        "relation_names": {
            "COLLABORATES_WITH": "Samarbetar med",
            "FUNDS": "Finansierar",
            "PART_OF": "Del av",
            "MEMBER_OF": "Medlem i",
        },
        "communities": "gemenskaper",
        "aggregated": "Varje punkt är en gemenskap av aktörer som ofta samarbetar; färgen är "
        "dess vanligaste sektor, linjernas färg kopplingar mot slumpen (röd färre, blå fler). "
        "Klicka på en gemenskap för att öppna den.",
    },
    "en": {
        "title": "Actor map – social innovation in Sweden",
        "search": "Find an actor (name, English name, alias)",
        "sectors": "Sectors",
        "depth": "Neighbourhood",
        "depth_1": "direct partners",
        "depth_2": "partners and their partners",
        "country": "Country",
        "country_all": "All countries",
        "country_se": "Swedish actors only",
        "country_se_partners": "Swedish actors and their foreign partners",
        "grouping": "Grouping",
        "grouping_community": "Communities (dense groups)",
        "grouping_region": "Counties",
        "export": "Save the picture",
        "details": "Details",
        "click_hint": "Click an actor to see its partners; click empty space to show all again.",
        "partners": "Partners",
        "weight": "weight",
        "more": "… and {n} more",
        "api_record": "Its record in the API",
        "gap_map": "Gaps between the sectors (same selection)",
        "other_language": "På svenska",
        "actors": "actors",
        "links": "links",
        "all_sweden": "all of Sweden",
        "years": "years",
        "saved_file": "Saved file: the links to the server work only with mapper serve.",
        "open_community": "Open the community's actors",
        "selection": "Selection (reloads the map)",
        "region": "County",
        "all_regions": "All counties",
        "years_from_to": "Years",
        "limit_years": "Only links active in these years",
        "relation_types": "Direct relations",
        "apply": "Show",
        "relation_names": {
            "COLLABORATES_WITH": "Collaborates with",
            "FUNDS": "Funds",
            "PART_OF": "Part of",
            "MEMBER_OF": "Member of",
        },
        "communities": "communities",
        "aggregated": "Each node is a community of actors that often work together; its colour "
        "is its commonest sector, a line's colour its links against chance (red fewer, blue "
        "more). Click a community to open it.",
    },
}


GROUP_LABELS = 20
"""Groups whose names are drawn at their centres: the largest this many."""

SHOWN_COMMUNITIES = 400
"""An aggregated map draws this many communities, the largest; the rest are one node."""


def map_layout(C: CompactGraph, labels: np.ndarray | None = None) -> dict[str, Any]:
    """The positions of the actors of `C` by community and by county, and the groups' labels:
    `render_webgl_map`'s `positions` and `groups`. `labels` are C's communities, if known."""
    from mapper.analysis.layout import communities, layout  # numba: loaded for large maps only

    labels = communities(C, seed=0) if labels is None else labels
    counties = sorted({r for r in C.regions.tolist() if r is not None})
    codes = {county: i for i, county in enumerate(counties)}
    by_county = np.array([codes.get(r, len(counties)) for r in C.regions.tolist()], dtype=np.int64)
    positions = {
        "community": layout(C, seed=0, communities=labels),
        "region": layout(C, seed=0, communities=by_county),
    }
    degree = np.diff(C.weights.indptr)
    county_names = [*counties, "–"]
    return {
        "positions": positions,
        "groups": {
            "community": _group_labels(
                labels,
                positions["community"],
                lambda group: _community_name(C, labels == group, degree),
            ),
            "region": _group_labels(
                by_county, positions["region"], lambda group: county_names[group]
            ),
        },
    }


def _community_name(C: CompactGraph, members: np.ndarray, degree: np.ndarray) -> str:
    """A community's name: its best-linked actor's, and how many others it has."""
    index = np.flatnonzero(members)
    best = index[np.argmax(degree[index])]
    name = str(C.names[best]) if C.names is not None else str(C.ids[best])
    return name if len(index) == 1 else f"{name} +{len(index) - 1}"


def _group_labels(
    labels: np.ndarray, xy: np.ndarray, name_of: Callable[[int], str]
) -> list[dict[str, Any]]:
    """The largest GROUP_LABELS groups of more than one actor: name and centre (only the
    groups labelled are named: a map has thousands of one-actor communities)."""
    sizes = np.bincount(labels)
    largest = [g for g in np.argsort(-sizes, kind="stable")[:GROUP_LABELS] if sizes[g] > 1]
    return [
        {
            "label": name_of(int(g)),
            "x": round(float(xy[labels == g, 0].mean()), 4),
            "y": round(float(xy[labels == g, 1].mean()), 4),
        }
        for g in largest
    ]


def node_sizes(C: CompactGraph, size_by: str, scores: Mapping[str, float] | None) -> np.ndarray:
    """Node sizes in pixels, 2 to 12, by the square root of the measure `size_by`."""
    if size_by == "strength":
        values = np.asarray(C.weights.sum(axis=1)).ravel().astype(float)
    elif scores is not None:
        values = np.array([scores.get(actor, 0.0) for actor in C.ids.tolist()], dtype=float)
    else:
        values = np.diff(C.weights.indptr).astype(float)
    top = values.max(initial=0.0)
    return 2.0 + 10.0 * np.sqrt(values / top) if top > 0 else np.full(len(C), 3.0)


def community_view(C: CompactGraph, labels: np.ndarray) -> dict[str, Any]:
    """The aggregated map: one node per community (the largest SHOWN_COMMUNITIES, the rest as
    one), sized by its actors, coloured by its commonest sector; links between communities
    coloured by links against chance (observed / expected from the communities' link totals,
    the gap map's colours). `render_webgl_map`'s arguments."""
    from mapper.analysis.layout import layout  # numba: loaded for large maps only

    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    shown = order[:SHOWN_COMMUNITIES]
    group = np.full(len(sizes), len(shown), dtype=np.int64)  # the rest: one more node
    group[shown] = np.arange(len(shown))
    k = len(shown) + (len(sizes) > len(shown))
    member = sp.csr_array((np.ones(len(C)), (np.arange(len(C)), group[labels])), shape=(len(C), k))
    between = sp.csr_array(member.T @ C.weights.astype(float) @ member)
    between.setdiag(0)
    between.eliminate_zeros()
    counts = np.bincount(group[labels], minlength=k)
    sectors = len(_SECTORS)
    by_sector = np.bincount(group[labels] * sectors + C.sectors, minlength=k * sectors)
    dominant = by_sector.reshape(k, sectors).argmax(axis=1)  # the commonest sector
    degree = np.diff(C.weights.indptr)
    names = [
        _community_name(C, labels == shown[g], degree) if g < len(shown) else "…" for g in range(k)
    ]
    groups = CompactGraph(
        ids=np.array([f"community-{g}" for g in range(k)], dtype=object),
        sectors=dominant.astype(np.int8),
        regions=np.array([None] * k, dtype=object),
        weights=sp.csr_array(np.round(between).astype(np.int32)),
        names=np.array(names, dtype=object),
    )
    strength = np.asarray(between.sum(axis=1)).ravel()
    upper = sp.triu(between, k=1, format="csr")
    upper.sort_indices()
    rows = np.repeat(np.arange(k), np.diff(upper.indptr))
    expected = strength[rows] * strength[upper.indices] / max(strength.sum(), 1.0)
    ratios = upper.data / np.where(expected > 0, expected, np.nan)
    return {
        "ids": groups.ids.tolist(),
        "names": names,
        "sectors": groups.sectors,
        "weights": groups.weights,
        "positions": {"community": layout(groups, seed=0)},
        "sizes": 3.0 + 17.0 * np.sqrt(counts / counts.max(initial=1)),
        "link_colours": [ratio_colour(None if np.isnan(r) else float(r)) for r in ratios],
        "opens": [int(shown[g]) if g < len(shown) else None for g in range(k)],
        "counts": counts.tolist(),
    }


def map_title(query: Mapping[str, Any], lang: str, base: str) -> str:
    """`base` followed by what the map covers: county, years, sectors, subsector.

    >>> map_title({"region": "Skåne län", "year_from": 2015, "year_to": 2019}, "en", "Map")
    'Map – Skåne län, 2015–2019'
    >>> map_title({}, "sv", "Karta")
    'Karta – hela landet'
    """
    strings = _STRINGS[lang]
    parts = [query.get("region") or strings["all_sweden"]]
    first, last = query.get("year_from"), query.get("year_to")
    if first is not None or last is not None:
        parts.append(f"{first if first is not None else '…'}–{last if last is not None else '…'}")
    sectors = query.get("sector") or ()
    if sectors:
        parts.append(", ".join(SECTOR_LABELS[s][lang] for s in sectors))
    if query.get("subsector"):
        parts.append(str(query["subsector"]))
    return f"{base} – {', '.join(str(part) for part in parts)}"


def backbone(upper: sp.csr_array, *, per_actor: int = 3, limit: int = DRAWN_LINKS) -> np.ndarray:
    """The positions in `upper.data` (an upper-triangle CSR of link weights, indices sorted) of
    the links to draw: every actor's `per_actor` strongest links, then the strongest others,
    `limit` in all (every link, if there are no more than that).

    >>> W = sp.csr_array(np.array([[0, 3, 1, 1], [0, 0, 2, 0], [0, 0, 0, 5], [0, 0, 0, 0]]))
    >>> backbone(W, per_actor=1, limit=3).tolist()
    [0, 3, 4]
    """
    m = upper.nnz
    if m <= limit:
        return np.arange(m)
    n = upper.shape[0]
    rows = np.repeat(np.arange(n), np.diff(upper.indptr))
    ends = np.concatenate([rows, upper.indices])
    entry = np.concatenate([np.arange(m), np.arange(m)])
    weight = np.concatenate([upper.data, upper.data])
    order = np.lexsort((entry, -weight, ends))  # by actor, strongest first, then position
    ends, entry = ends[order], entry[order]
    starts = np.searchsorted(ends, np.arange(n))
    rank = np.arange(len(ends)) - starts[ends]
    chosen = np.zeros(m, dtype=bool)
    chosen[entry[rank < per_actor]] = True
    if chosen.sum() < limit:
        rest = np.flatnonzero(~chosen)
        strongest = rest[np.lexsort((rest, -upper.data[rest]))][: limit - chosen.sum()]
        chosen[strongest] = True
    return np.flatnonzero(chosen)


def render_webgl_map(
    ids: Sequence[str],
    names: Sequence[str],
    sectors: np.ndarray,
    weights: sp.csr_array,
    *,
    positions: Mapping[str, np.ndarray],
    groups: Mapping[str, list[dict[str, Any]]] | None = None,
    names_en: Sequence[str | None] | None = None,
    aliases: Sequence[Sequence[str]] | None = None,
    regions: Sequence[str | None] | None = None,
    countries: Sequence[str | None] | None = None,
    sizes: np.ndarray | None = None,
    brokers: Sequence[str] = (),
    link_colours: Sequence[str] | None = None,
    opens: Sequence[int | None] | None = None,
    counts: Sequence[int] | None = None,
    lang: str = "sv",
    query: Mapping[str, Any] | None = None,
    api_base: str | None = "",
) -> str:
    """The actor map of `ids` as a complete, self-contained HTML page drawn with WebGL.

    `sectors` are indices into the four sectors; `weights` the symmetric link weights (CSR);
    `positions` one (n, 2) array per grouping (`community`, `region`; the first is shown
    first), `groups` per grouping the labels to draw at the groups' centres (`label`, `x`,
    `y`). `sizes` are node sizes in pixels (default: from the degree). An aggregated map
    (`community_view`) gives per node the community it `opens` and the actors it `counts`, and
    `link_colours` per link of the upper triangle. `api_base` is put before `/actors/{id}`,
    `/map` and `/map/gaps`. Raises ValueError for an unknown `lang` or arrays of different
    lengths.
    """
    check_lang(lang)
    n = len(ids)
    for name, column in (("names", names), ("sectors", sectors), ("weights", weights)):
        if (column.shape[0] if hasattr(column, "shape") else len(column)) != n:
            raise ValueError(f"{name} has a different length from ids ({n})")
    query = {k: v for k, v in dict(query or {}).items() if v not in (None, [], ())}
    upper = sp.triu(sp.csr_array(weights), k=1, format="csr")
    upper.sort_indices()
    degree = np.diff(sp.csr_array(weights).indptr)
    if sizes is None:
        sizes = 2.0 + 10.0 * np.sqrt(degree / max(1, degree.max(initial=1)))
    strings = _STRINGS[lang]
    broker_set = set(brokers)
    data = {
        "strings": strings | {"sector_names": [SECTOR_LABELS[s][lang] for s in _SECTORS]},
        "sectors": _SECTORS,
        "colours": [SECTOR_COLOURS[s] for s in _SECTORS],
        "link_colours": {
            "cross": _CROSS_COLOUR,
            "within": [SECTOR_COLOURS[s] + _WITHIN_ALPHA for s in _SECTORS],
        },
        "nodes": {
            "id": list(ids),
            "label": list(names),
            "name_en": _column(names_en),
            "aliases": [list(a) for a in aliases] if aliases is not None else None,
            "sector": np.asarray(sectors).astype(int).tolist(),
            "region": _column(regions),
            "country": _column(countries),
            "size": np.round(np.asarray(sizes, dtype=float), 2).tolist(),
            "broker": [1 if actor in broker_set else 0 for actor in ids],
        },
        "links": {
            "indptr": upper.indptr.tolist(),
            "indices": upper.indices.tolist(),
            "weight": upper.data.astype(int).tolist(),
            "drawn": backbone(upper).tolist(),
            "colour": list(link_colours) if link_colours is not None else None,
        },
        "opens": list(opens) if opens is not None else None,
        "counts": list(counts) if counts is not None else None,
        "positions": {
            grouping: np.round(np.asarray(xy, dtype=float).ravel(), 4).tolist()
            for grouping, xy in positions.items()
        },
        "groups": dict(groups or {}),
        "grouping": next(iter(positions)),
        "api_base": api_base,
        "svg_links": SVG_LINKS,
        "ego_links": EGO_LINKS,
        "file_name": "aktorskarta" if lang == "sv" else "actor-map",
    }
    title = map_title(query, lang, strings["title"])
    by_sector = (
        np.bincount(np.asarray(sectors, dtype=int), weights=counts, minlength=len(_SECTORS))
        .astype(int)
        .tolist()
    )
    actors = int(sum(counts)) if counts is not None else n
    body = _body(lang, title, query, data, by_sector, actors, upper.nnz, api_base)
    return _page(title, lang, body, data)


def _column(values: Sequence[Any] | None) -> list[Any] | None:
    return list(values) if values is not None else None


def _page(title: str, lang: str, body: str, data: Mapping[str, Any]) -> str:
    """A complete HTML document: the vendored libraries, our script and CSS, the data."""
    return page(
        title=title,
        lang=lang,
        css=static("webgl-map.css"),
        body=body,
        data=data,
        script=static("webgl-map.js"),
        libraries=[static("vendor/graphology.umd.min.js"), static("vendor/sigma.min.js")],
        data_id="map-data",
    )


def _body(
    lang: str,
    title: str,
    query: Mapping[str, Any],
    data: Mapping[str, Any],
    counts: list[int],
    n: int,
    links: int,
    api_base: str | None,
) -> str:
    strings = _STRINGS[lang]
    e = html.escape
    sector_boxes = "".join(
        f'<li><label><input type="checkbox" checked data-sector="{e(sector)}"> '
        f'<span class="swatch" style="display:inline-block;width:12px;height:12px;'
        f'border-radius:50%;background:{e(data["colours"][i])}"></span> '
        f'{e(SECTOR_LABELS[sector][lang])} <span class="count">{counts[i]}</span></label></li>'
        for i, sector in enumerate(_SECTORS)
    )
    countries = data["nodes"]["country"] or []
    country = ""
    if any(value not in (None, "SE") for value in countries):
        country = (
            f'<label>{e(strings["country"])} <select id="country">'
            f'<option value="all">{e(strings["country_all"])}</option>'
            f'<option value="se">{e(strings["country_se"])}</option>'
            f'<option value="se-partners">{e(strings["country_se_partners"])}</option>'
            "</select></label>"
        )
    groupings = "".join(
        f'<label><input type="radio" name="grouping" value="{e(g)}"'
        f"{' checked' if g == data['grouping'] else ''}> {e(strings['grouping_' + g])}</label>"
        for g in data["positions"]
    )
    return (
        '<aside id="panel">'
        f"<h1>{e(title)}</h1>"
        f"{_scope_line(strings, data, n, links)}"
        f"{_navigation(lang, query, api_base)}"
        f'<p class="note" id="saved-note" hidden>{e(strings["saved_file"])}</p>'
        f'<input id="search" type="search" autocomplete="off" placeholder="{e(strings["search"])}"'
        f' aria-label="{e(strings["search"])}">'
        '<ol id="search-results"></ol>'
        '<div class="controls">'
        f'<h2>{e(strings["sectors"])}</h2><ul class="legend">{sector_boxes}</ul>'
        f'<label>{e(strings["depth"])} <select id="depth">'
        f'<option value="1">{e(strings["depth_1"])}</option>'
        f'<option value="2">{e(strings["depth_2"])}</option></select></label>'
        f"{country}"
        f"<h2>{e(strings['grouping'])}</h2>{groupings}"
        f"{_selection(lang, query)}"
        f'<h2>{e(strings["export"])}</h2><div class="buttons">'
        '<button type="button" id="export-png">PNG</button>'
        '<button type="button" id="export-svg">SVG</button></div>'
        "</div>"
        f'<h2>{e(strings["details"])}</h2><div id="details"></div>'
        "</aside>"
        '<main id="main"><div id="graph"></div><div id="group-labels"></div></main>'
    )


_YEARS = (1990, 2030)
"""The range of the year slider."""


def _selection(lang: str, query: Mapping[str, Any]) -> str:
    """The form that reloads the map with another scope: county, a year range, relations."""
    strings = _STRINGS[lang]
    e = html.escape
    region = query.get("region")
    counties = "".join(
        f'<option value="{e(c)}"{" selected" if c == region else ""}>{e(c)}</option>'
        for c in COUNTY_NAMES
    )
    first = query.get("year_from") or 2010
    last = query.get("year_to") or 2024
    limited = " checked" if ("year_from" in query or "year_to" in query) else ""
    chosen = set(query.get("relation_types") or ACTOR_RELATION_TYPES)
    relations = "".join(
        f'<label><input type="checkbox" name="relation_types" value="{e(t)}"'
        f"{' checked' if t in chosen else ''}> {e(strings['relation_names'][t])}</label>"
        for t in ACTOR_RELATION_TYPES
    )
    low, high = _YEARS
    return (
        f'<form id="selection" class="controls"><h2>{e(strings["selection"])}</h2>'
        f'<label>{e(strings["region"])} <select name="region">'
        f'<option value="">{e(strings["all_regions"])}</option>{counties}</select></label>'
        f'<label><input type="checkbox" id="limit-years"{limited}> {e(strings["limit_years"])}'
        "</label>"
        f'<div class="years">{e(strings["years_from_to"])} <output id="years-shown"></output>'
        f'<input type="range" id="year-from" min="{low}" max="{high}" value="{first}">'
        f'<input type="range" id="year-to" min="{low}" max="{high}" value="{last}"></div>'
        f"<fieldset><legend>{e(strings['relation_types'])}</legend>{relations}</fieldset>"
        f'<button type="submit">{e(strings["apply"])}</button></form>'
    )


def _scope_line(strings: Mapping[str, Any], data: Mapping[str, Any], n: int, links: int) -> str:
    e = html.escape
    if data["opens"] is None:
        return f'<p class="scope">{n} {e(strings["actors"])}, {links} {e(strings["links"])}</p>'
    groups = len(data["opens"])
    return (
        f'<p class="scope">{n} {e(strings["actors"])}, {groups} {e(strings["communities"])}</p>'
        f'<p class="note">{e(strings["aggregated"])}</p>'
    )


def _navigation(lang: str, query: Mapping[str, Any], api_base: str | None) -> str:
    api_base = api_base or ""
    """Links to the gap map of the same scope and to this map in the other language."""
    from urllib.parse import urlencode

    strings = _STRINGS[lang]
    params = [
        (key, item)
        for key, value in query.items()
        for item in (value if isinstance(value, list | tuple) else [value])
    ]
    other = "en" if lang == "sv" else "sv"
    gap_params = [(k, v) for k, v in params if k not in ("sector", "size_by")]
    gaps = f"{api_base}/map/gaps?{urlencode([*gap_params, ('lang', lang)])}"
    switch = f"{api_base}/map?{urlencode([*params, ('lang', other)])}"
    return (
        '<p class="nav">'
        f'<a href="{html.escape(gaps)}" id="gap-map-link">{html.escape(strings["gap_map"])}</a>'
        f'<a href="{html.escape(switch)}" id="language-link" lang="{other}">'
        f"{html.escape(strings['other_language'])}</a></p>"
    )
