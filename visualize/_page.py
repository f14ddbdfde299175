"""What every map page shares: inlined vis-network and static files, escaped JSON data, colours,
the title naming the scope, the filter form and the links to the other map and language."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from mapper.model import SECTOR_LABELS, Language, Sector
from mapper.regions import COUNTY_NAMES
from visualize._strings import RELATION_LABELS, STRINGS

__all__ = [
    "LANGS",
    "SCOPE_KEYS",
    "SECTOR_COLOURS",
    "check_lang",
    "filter_form",
    "json_script",
    "map_links",
    "map_url",
    "page",
    "scope_heading",
    "scope_params",
    "scope_title",
    "sector_label",
    "static",
    "vis_assets",
]

LANGS = tuple(lang.value for lang in Language)  # declared in mapper.model
SCOPE_KEYS = (
    "region",
    "year_from",
    "year_to",
    "relation_types",
    "shared_collaborations",
    "subsector",
)
"""The keys of a map's `query` that both maps understand (mapper.filters.Scope's fields)."""

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Yellow (#F0E442) is left out: it is unreadable on white.
SECTOR_COLOURS: dict[str, str] = {
    Sector.PUBLIC.value: "#0072B2",  # blue
    Sector.PRIVATE.value: "#E69F00",  # orange
    Sector.CIVIL_SOCIETY.value: "#009E73",  # bluish green
    Sector.ACADEMIA.value: "#CC79A7",  # reddish purple
    Sector.UNKNOWN.value: "#999999",  # grey: a sector the sources do not give
}

_VIS_DIR = ("lib", "vis-9.1.2")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_SCRIPT_END = re.compile(r"</script|<!--", re.IGNORECASE)
_STYLE_END = re.compile(r"</style", re.IGNORECASE)
_INCLUDE = re.compile(r"^ */\* include ([\w.-]+) \*/\n", re.MULTILINE)


def check_lang(lang: str) -> str:
    """Return `lang` if it is one of LANGS, else raise ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r} is not supported; expected one of {', '.join(LANGS)}")
    return lang


def sector_label(sector: str, lang: str) -> str:
    """The sector's name in `lang`, or the raw value for an unknown sector."""
    return SECTOR_LABELS.get(sector, {}).get(lang, sector)


def json_script(element_id: str, value: Any) -> str:
    r"""`value` as JSON in a `<script type="application/json">`, safe inside any HTML document.

    >>> json_script("d", "</script>")
    '<script type="application/json" id="d">"\\u003c/script\\u003e"</script>'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    safe = _JSON_UNSAFE.sub(lambda match: _JSON_ESCAPES[match.group()], text)
    return f'<script type="application/json" id="{html.escape(element_id)}">{safe}</script>'


@cache
def vis_assets() -> tuple[str, str]:
    """The vis-network (standalone build, with DataSet and DataView) JS and CSS bundled with pyvis.

    Raises RuntimeError if pyvis's copy is missing or could not be inlined safely.
    """
    folder = resources.files("pyvis").joinpath(*_VIS_DIR)
    try:
        js = folder.joinpath("vis-network.min.js").read_text(encoding="utf-8")
        css = folder.joinpath("vis-network.css").read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise RuntimeError(
            f"pyvis's bundled vis-network is missing ({error}); reinstall pyvis==0.3.2"
        ) from None
    if "DataView" not in js or _SCRIPT_END.search(js) or _STYLE_END.search(css):
        raise RuntimeError("pyvis's bundled vis-network cannot be inlined into a page as it is")
    return js, css


@cache
def static(name: str) -> str:
    """Our own CSS or JavaScript in `visualize/static/<name>`, as a page inlines it.

    A line `/* include base.css */` is replaced by that file. Raises FileNotFoundError for a
    missing file and RuntimeError for one that could end the page's `<script>` or `<style>` early.
    """
    text = resources.files("visualize").joinpath("static", name).read_text(encoding="utf-8")
    if _SCRIPT_END.search(text) or _STYLE_END.search(text):
        raise RuntimeError(
            f"visualize/static/{name} cannot be inlined: it contains </script, <!-- or </style"
        )
    return _INCLUDE.sub(lambda match: static(match.group(1)), text)


def page(
    *,
    title: str,
    lang: str,
    css: str,
    body: str,
    data: Any,
    script: str,
    libraries: Sequence[str] | None = None,
    data_id: str = "mapper-data",
) -> str:
    """A complete, self-contained HTML document: no file or URL outside it is loaded.

    `libraries` are the scripts run before `script` (default: vis-network, with its CSS)."""
    if libraries is None:
        vis_js, vis_css = vis_assets()
        libraries, head = [vis_js], [f"<style>{vis_css}</style>"]
    else:
        libraries, head = [f"\n{library}" for library in libraries], []
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{html.escape(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            *head,
            f"<style>\n{css}</style>",
            "</head>",
            "<body>",
            body,
            json_script(data_id, data),
            *(f"<script>{library}</script>" for library in libraries),
            f"<script>\n{script}</script>",
            "</body>",
            "</html>",
        ]
    )


# -- what a map covers: its title, the query parameters that ask for it again, the filter form ---


def scope_title(title: str, query: Mapping[str, Any] | None, lang: str) -> str:
    """`title`, a dash and what the map covers: county, years, relation types, sectors.

    A `query` of None says nothing about the scope, and the title claims none.

    >>> scope_title("Luckor mellan sektorer", {"region": "Skåne län", "year_from": 2015,
    ...                                         "year_to": 2019}, "sv")
    'Luckor mellan sektorer — Skåne län, 2015–2019'
    >>> scope_title("Actor map", {"relation_types": ["FUNDS", "PART_OF"], "year_to": 2020}, "en")
    'Actor map — all of Sweden, up to 2020, relations: Funds and Part of'
    >>> scope_title("Aktörskarta", {"country": "SE", "with_partners": True}, "sv")
    'Aktörskarta — hela Sverige, land: SE och deras partner'
    >>> scope_title("Actor map", {}, "en"), scope_title("Actor map", None, "en")
    ('Actor map — all of Sweden', 'Actor map')
    """
    if query is None:
        return title
    return f"{title} — {', '.join(_scope_parts(query, lang))}"


def scope_heading(title: str, query: Mapping[str, Any] | None, lang: str) -> str:
    """The page's `<h1>`: the same text as `scope_title`, escaped, the scope in a span."""
    if query is None:
        return f"<h1>{html.escape(title)}</h1>"
    scope = scope_title(title, query, lang).removeprefix(title).strip()
    return f'<h1>{html.escape(title)} <span class="scope">{html.escape(scope)}</span></h1>'


def _scope_parts(query: Mapping[str, Any], lang: str) -> list[str]:
    strings = STRINGS[lang]
    parts = [str(query.get("region") or strings["whole_country"])]
    parts += _years(query.get("year_from"), query.get("year_to"), lang)
    types = [str(kind) for kind in query.get("relation_types") or ()]
    if types and set(types) != set(RELATION_LABELS):
        names = [RELATION_LABELS.get(kind, {}).get(lang, kind) for kind in types]
        parts.append(strings["relations_scope"].replace("{types}", _and(names, lang)))
    if query.get("shared_collaborations") is False:
        parts.append(strings["direct_only"])
    if query.get("subsector"):
        parts.append(strings["subsector_scope"].replace("{subsector}", str(query["subsector"])))
    if query.get("country"):
        wording = strings["partners_scope" if query.get("with_partners") else "country_scope"]
        parts.append(wording.replace("{country}", str(query["country"])))
    sectors = [str(sector) for sector in query.get("sector") or ()]
    if sectors and set(sectors) != set(SECTOR_COLOURS):
        parts.append(_and([sector_label(sector, lang) for sector in sectors], lang))
    return parts


def _years(year_from: Any, year_to: Any, lang: str) -> list[str]:
    strings = STRINGS[lang]
    if year_from is not None and year_to is not None:
        return [f"{year_from}–{year_to}" if year_from != year_to else str(year_from)]
    if year_from is not None:
        return [strings["years_from"].replace("{year}", str(year_from))]
    if year_to is not None:
        return [strings["years_to"].replace("{year}", str(year_to))]
    return []


def _and(names: Sequence[str], lang: str) -> str:
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {STRINGS[lang]['and']} {names[-1]}"


def scope_params(query: Mapping[str, Any] | None, keys: Iterable[str] = SCOPE_KEYS) -> list:
    """The query parameters, as (name, value) pairs, that ask the API for the same scope.

    >>> scope_params({"region": "Skåne län", "relation_types": ("FUNDS", "PART_OF"),
    ...               "shared_collaborations": True, "year_to": None})
    [('region', 'Skåne län'), ('relation_types', 'FUNDS'), ('relation_types', 'PART_OF')]
    """
    query = query or {}
    pairs: list[tuple[str, str]] = []
    for key in keys:
        value = query.get(key)
        if key == "shared_collaborations":
            pairs += [(key, "false")] if value is False else []
        elif isinstance(value, list | tuple):
            pairs += [(key, str(item)) for item in value]
        elif value is not None and value != "":
            pairs.append((key, str(value)))
    return pairs


def map_url(api_base: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    """`api_base` + `path` + the query string of `params` (not yet escaped for HTML).

    >>> map_url("", "/map/gaps", [("region", "Skåne län"), ("lang", "en")])
    '/map/gaps?region=Sk%C3%A5ne+l%C3%A4n&lang=en'
    """
    return f"{api_base}{path}?{urlencode(list(params))}"


def map_links(lang: str, *, switch: str, other: str, other_text: str) -> str:
    """The links to this map in the other language (`switch`) and to the other map (`other`).

    In a saved file without an `api_base` the page's script disables them and shows the note.
    """
    strings = STRINGS[lang]
    to = "en" if lang == "sv" else "sv"
    e = html.escape
    return (
        '<nav id="map-links">'
        f'<a id="lang-link" class="server-link" href="{e(switch)}" hreflang="{to}" lang="{to}">'
        f"{e(strings['other_language'])}</a>"
        f'<a id="other-map-link" class="server-link" href="{e(other)}">{e(other_text)}</a>'
        f'<p class="note" id="links-note">{e(strings["links_need_server"])}</p>'
        "</nav>"
    )


def filter_form(
    lang: str,
    query: Mapping[str, Any],
    *,
    action: str,
    selects: Iterable[tuple[str, str, Sequence[tuple[str, str]], Any]] = (),
    hidden: Iterable[tuple[str, str]] = (),
) -> str:
    """The form that reloads a map with another county, years and relation types.

    `selects` are more choices after those, each (label, name, [(value, label)], selected);
    `hidden` (name, value) pairs are sent as they are, like the scope's fields the form does not
    show (`shared_collaborations`, `subsector`). Everything is escaped here.
    """
    strings = STRINGS[lang]
    region = query.get("region") or ""
    regions = [("", strings["all_regions"])] + [(name, name) for name in COUNTY_NAMES]
    if region and region not in COUNTY_NAMES:
        regions.append((str(region), str(region)))
    kept = [*scope_params(query, ("shared_collaborations", "subsector")), *hidden]
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in kept
    )
    return (
        f"<section><h2>{html.escape(strings['filters'])}</h2>"
        f'<form id="filters" method="get" action="{html.escape(action)}"><fieldset>{inputs}'
        f"{_select(strings['region'], 'region', regions, region)}"
        f'<div class="years">{_year(strings["year_from"], "year_from", query.get("year_from"))}'
        f"{_year(strings['year_to'], 'year_to', query.get('year_to'))}</div>"
        f"{_relation_checkboxes(lang, query.get('relation_types'))}"
        f"{''.join(_select(*choice) for choice in selects)}"
        f'<button type="submit">{html.escape(strings["apply"])}</button></fieldset>'
        f'<p class="note" id="filters-note">{html.escape(strings["filters_need_server"])}</p>'
        "</form></section>"
    )


def _options(values: Iterable[tuple[str, str]], selected: Any) -> str:
    return "".join(
        f'<option value="{html.escape(value)}"{" selected" if value == selected else ""}>'
        f"{html.escape(label)}</option>"
        for value, label in values
    )


def _select(label: str, name: str, values: Iterable[tuple[str, str]], selected: Any) -> str:
    return (
        f'<label>{html.escape(label)}<select name="{html.escape(name)}">'
        f"{_options(values, selected)}"
        "</select></label>"
    )


def _year(label: str, name: str, value: Any) -> str:
    shown = html.escape(str(value)) if value is not None else ""
    return (
        f'<label>{html.escape(label)}<input type="number" name="{name}" min="1800" max="2200" '
        f'value="{shown}"></label>'
    )


def _relation_checkboxes(lang: str, chosen: Iterable[str] | None) -> str:
    kept = {str(kind) for kind in chosen or RELATION_LABELS}
    boxes = "".join(
        f'<label><input type="checkbox" name="relation_types" value="{kind}"'
        f"{' checked' if kind in kept else ''}> {html.escape(labels[lang])}</label>"
        for kind, labels in RELATION_LABELS.items()
    )
    title = html.escape(STRINGS[lang]["relation_types"])
    return f'<div class="types"><span>{title}</span>{boxes}</div>'
