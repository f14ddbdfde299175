"""The gap map: the four sectors and how strongly each pair is linked, compared with chance.

One node per sector, sized by its number of actors; one edge per sector pair (a loop for the
links within a sector) whose width is the number of observed links and whose colour is the ratio
observed / expected on a diverging, colour-blind-safe scale: vermillion for fewer links than
expected, grey for as many, blue for more. Gaps (significantly under-connected pairs) are dashed.
The p-value shown is the one-sided one in the direction of the colour: "fewer" for a pair below
its expectation, "more" for one above, so a colour and a p-value never tell opposite stories.
Beside the map, the same numbers as a table, under a title naming the scope (county, years,
relation types), the filter form, and links to the actor map of the same scope and to this map
in the other language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from mapper.model import KNOWN_SECTORS, Sector
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
from visualize._strings import STRINGS

__all__ = ["RATIO_COLOURS", "ratio_colour", "render_gap_map"]

# (log2 ratio, colour): Okabe–Ito vermillion and blue around a neutral grey.
RATIO_COLOURS: tuple[tuple[float, str], ...] = (
    (-2.0, "#D55E00"),
    (0.0, "#AAAAAA"),
    (2.0, "#0072B2"),
)
_NO_RATIO = "#DDDDDD"
_POSITIONS = {
    Sector.PUBLIC.value: (-260.0, -180.0),
    Sector.PRIVATE.value: (260.0, -180.0),
    Sector.CIVIL_SOCIETY.value: (260.0, 180.0),
    Sector.ACADEMIA.value: (-260.0, 180.0),
}
# The direction each sector's own loop points, away from the middle (vis-network's y axis is up).
_LOOP_ANGLES = {
    Sector.PUBLIC.value: 3 * math.pi / 4,
    Sector.PRIVATE.value: math.pi / 4,
    Sector.CIVIL_SOCIETY.value: 0.0,
    Sector.ACADEMIA.value: math.pi,
}
_DIAGONALS = {
    frozenset((Sector.PUBLIC.value, Sector.CIVIL_SOCIETY.value)),
    frozenset((Sector.PRIVATE.value, Sector.ACADEMIA.value)),
}
_TICKS = ("¼", "½", "1", "2", "4")


def ratio_colour(ratio: float | None) -> str:
    """The colour of an observed/expected ratio, as #RRGGBB.

    >>> ratio_colour(1.0), ratio_colour(0.25), ratio_colour(8.0), ratio_colour(None)
    ('#AAAAAA', '#D55E00', '#0072B2', '#DDDDDD')
    """
    if ratio is None:
        return _NO_RATIO
    position = max(-2.0, min(2.0, math.log2(ratio))) if ratio > 0 else -2.0
    (low, start), (high, end) = RATIO_COLOURS[:2] if position <= 0 else RATIO_COLOURS[1:]
    share = (position - low) / (high - low)
    channels = [
        round(int(start[i : i + 2], 16) * (1 - share) + int(end[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{channel:02X}" for channel in channels)


def render_gap_map(
    gaps_result: Mapping[str, Any],
    sector_counts: Mapping[str, int],
    *,
    lang: str = "sv",
    query: Mapping[str, Any] | None = None,
    api_base: str = "",
) -> str:
    """Return the gap map of a `mapper.analysis.gaps` result as a self-contained HTML document.

    `sector_counts` is the number of actors per sector. `query` is the scope the result was
    computed for (`region`, `year_from`, `year_to`, `relation_types`, `shared_collaborations`,
    `subsector`; None if not known): the title names it, the filter form shows it and the links
    keep it. `api_base` is put before `/map` and `/map/gaps` in the links and the form. Raises
    ValueError for an unknown `lang`.
    """
    check_lang(lang)
    if query is not None:  # None: the scope is not known, and the title claims none
        query = {key: value for key, value in query.items() if key in SCOPE_KEYS}
    pairs = list(gaps_result.get("pairs", []))
    data = {
        "lang": lang,
        "strings": STRINGS[lang],
        "nodes": _nodes(sector_counts, lang),
        "edges": _edges(pairs, lang),
        "api_base": api_base,
    }
    body = _body(gaps_result, pairs, lang, query, api_base)
    title = scope_title(STRINGS[lang]["gap_map_title"], query, lang)
    css, script = static("gap-map.css"), static("gap-map.js")
    return page(title=title, lang=lang, css=css, body=body, data=data, script=script)


def _nodes(sector_counts: Mapping[str, int], lang: str) -> list[dict[str, Any]]:
    top = max([*sector_counts.values(), 1])
    return [
        {
            "id": sector.value,
            "label": sector_label(sector.value, lang),
            "count": int(sector_counts.get(sector.value, 0)),
            "colour": SECTOR_COLOURS[sector.value],
            "size": round(14 + 36 * math.sqrt(sector_counts.get(sector.value, 0) / top), 1),
            "x": _POSITIONS[sector.value][0],
            "y": _POSITIONS[sector.value][1],
        }
        for sector in map(Sector, KNOWN_SECTORS)
    ]


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _directed_p(pair: Mapping[str, Any], lang: str) -> str:
    """The one-sided p-value in the direction of the ratio, with that direction named."""
    if pair["ratio"] is None:
        return "–"
    more = pair["ratio"] > 1
    value = pair["p_value_more"] if more else pair["p_value"]
    return f"{_p(value)} ({STRINGS[lang]['more' if more else 'fewer']})"


def _adjusted_p(pair: Mapping[str, Any]) -> str:
    """The adjusted p for "fewer": shown only where the pair is below its expectation."""
    if pair["ratio"] is None or pair["ratio"] > 1:
        return "–"
    return _p(pair["p_adjusted"])


def _null_range(pair: Mapping[str, Any]) -> str:
    return f"{_number(pair['null_low'], 0)}–{_number(pair['null_high'], 0)}"


def _edges(pairs: list[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    strings = STRINGS[lang]
    top = max([pair["observed"] for pair in pairs] + [1])
    edges = []
    for pair in pairs:
        a, b = pair["sectors"]
        numbers = f"{pair['observed']} / {_number(pair['expected'], 1)}"
        edges.append(
            {
                "from": a,
                "to": b,
                "width": round(1.5 + 14 * pair["observed"] / top, 2),
                "colour": ratio_colour(pair["ratio"]),
                "gap": bool(pair["gap"]),
                "angle": _LOOP_ANGLES.get(a, 0.0),
                "roundness": 0.4 if frozenset((a, b)) in _DIAGONALS else 0.12,
                "label": f"{numbers}\np = {_directed_p(pair, lang)}",
                "tip": [
                    _pair_name(a, b, lang),
                    f"{strings['observed']}: {pair['observed']}",
                    f"{strings['expected']}: {_number(pair['expected'], 1)}",
                    f"{strings['null_range']}: {_null_range(pair)}",
                    f"{strings['ratio']}: {_number(pair['ratio'])}",
                    f"z: {_number(pair['z'])}",
                    f"{strings['p_fewer']}: {_p(pair['p_value'])}",
                    f"{strings['p_more']}: {_p(pair['p_value_more'])}",
                    f"{strings['p_adjusted']}: {_p(pair['p_adjusted'])}",
                    f"{strings['gap']}: {strings['yes'] if pair['gap'] else strings['no']}",
                ],
            }
        )
    return edges


def _pair_name(a: str, b: str, lang: str) -> str:
    return sector_label(a, lang) if a == b else f"{sector_label(a, lang)} – {sector_label(b, lang)}"


def _body(
    gaps_result: Mapping[str, Any],
    pairs: list[Mapping[str, Any]],
    lang: str,
    query: Mapping[str, Any] | None,
    api_base: str,
) -> str:
    strings = STRINGS[lang]
    e = html.escape
    heading = scope_heading(strings["gap_map_title"], query, lang)
    query = query or {}
    own = _own_params(gaps_result)
    return (
        '<div id="layout"><main id="map" aria-label="map"></main><aside id="side">'
        f"{heading}"
        f"{_links(lang, query, own, api_base)}"
        f"{_legend(lang)}"
        f"<h2>{e(strings['table'])}</h2>{_table(pairs, lang)}"
        f'<p class="note">{e(_method(gaps_result, lang))}</p>'
        f"{_isolated(gaps_result, lang)}"
        f"{filter_form(lang, query, action=f'{api_base}/map/gaps', hidden=[*own, ('lang', lang)])}"
        "</aside></div>"
    )


def _own_params(gaps_result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The gap map's own query parameters (`permutations`, `seed`) its result was made with."""
    parameters = gaps_result.get("parameters", {})
    return [(key, str(parameters[key])) for key in ("permutations", "seed") if key in parameters]


def _links(lang: str, query: Mapping[str, Any], own: list[tuple[str, str]], api_base: str) -> str:
    """This map in the other language, and the actor map of the same scope."""
    other = "en" if lang == "sv" else "sv"
    switch = map_url(api_base, "/map/gaps", [*scope_params(query), *own, ("lang", other)])
    actors = map_url(api_base, "/map", [*scope_params(query), ("lang", lang)])
    return map_links(lang, switch=switch, other=actors, other_text=STRINGS[lang]["to_actor_map"])


def _legend(lang: str) -> str:
    strings = STRINGS[lang]
    e = html.escape
    stops = ", ".join(colour for _, colour in RATIO_COLOURS)
    ticks = "".join(f"<span>{tick}</span>" for tick in _TICKS)
    dashed = (
        '<svg class="swatch" width="30" height="12" aria-hidden="true"><line x1="1" y1="6" '
        f'x2="29" y2="6" stroke="{RATIO_COLOURS[0][1]}" stroke-width="3" '
        'stroke-dasharray="6,4"/></svg>'
    )
    return (
        f'<section id="legend"><p>{e(strings["ratio_legend"])}</p>'
        f'<div class="ratio-bar" style="background: linear-gradient(to right, {stops})"></div>'
        f'<div class="ratio-ticks">{ticks}</div>'
        f'<div class="ratio-ends"><span>← {e(strings["under"])}</span>'
        f"<span>{e(strings['over'])} →</span></div>"
        f'<ul class="legend"><li>{e(strings["width_legend"])}</li>'
        f"<li>{e(strings['node_legend'])}</li>"
        f"<li>{dashed} {e(strings['gap_legend'])}</li></ul></section>"
    )


def _table(pairs: list[Mapping[str, Any]], lang: str) -> str:
    strings = STRINGS[lang]
    e = html.escape
    columns = ("pair", "observed", "expected", "null_range", "ratio", "p_value", "p_adjusted")
    head = "".join(f"<th>{e(strings[column])}</th>" for column in (*columns, "gap"))
    rows = "".join(
        f"<tr{' class=gap' if pair['gap'] else ''}>"
        f"<td>{e(_pair_name(*pair['sectors'], lang))}</td>"
        f"<td>{int(pair['observed'])}</td><td>{_number(pair['expected'], 1)}</td>"
        f"<td>{_null_range(pair)}</td>"
        f"<td>{_swatch(pair['ratio'])}{_number(pair['ratio'])}</td>"
        f"<td>{e(_directed_p(pair, lang))}</td><td>{_adjusted_p(pair)}</td>"
        f"<td>{e(strings['yes'] if pair['gap'] else strings['no'])}</td></tr>"
        for pair in pairs
    )
    return (
        f'<div class="table-wrap"><table id="gap-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _swatch(ratio: float | None) -> str:
    return (
        '<svg class="swatch" width="10" height="10" aria-hidden="true" style="margin-right:4px">'
        f'<rect width="10" height="10" fill="{ratio_colour(ratio)}"/></svg>'
    )


def _method(gaps_result: Mapping[str, Any], lang: str) -> str:
    permutations = gaps_result.get("parameters", {}).get("permutations", "?")
    return STRINGS[lang]["gap_method"].replace("{permutations}", str(permutations))


def _isolated(gaps_result: Mapping[str, Any], lang: str) -> str:
    isolated = [str(actor) for actor in gaps_result.get("isolated_actors", [])]
    if not isolated:
        return ""
    shown = ", ".join(isolated[:50]) + (" …" if len(isolated) > 50 else "")
    return (
        f"<h2>{html.escape(STRINGS[lang]['isolated'])} ({len(isolated)})</h2>"
        f'<p class="note">{html.escape(shown)}</p>'
    )
