"""What every map page shares: inlined vis-network and static files, escaped JSON data, colours."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from mapper.model import SECTOR_LABELS, Language, Sector

__all__ = [
    "LANGS",
    "SECTOR_COLOURS",
    "check_lang",
    "json_script",
    "page",
    "sector_label",
    "static",
    "vis_assets",
]

LANGS = tuple(lang.value for lang in Language)  # declared in mapper.model

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Yellow (#F0E442) is left out: it is unreadable on white.
SECTOR_COLOURS: dict[str, str] = {
    Sector.PUBLIC.value: "#0072B2",  # blue
    Sector.PRIVATE.value: "#E69F00",  # orange
    Sector.CIVIL_SOCIETY.value: "#009E73",  # bluish green
    Sector.ACADEMIA.value: "#CC79A7",  # reddish purple
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


def page(*, title: str, lang: str, css: str, body: str, data: Any, script: str) -> str:
    """A complete, self-contained HTML document: no file or URL outside it is loaded."""
    vis_js, vis_css = vis_assets()
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{html.escape(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{vis_css}</style>",
            f"<style>\n{css}</style>",
            "</head>",
            "<body>",
            body,
            json_script("mapper-data", data),
            f"<script>{vis_js}</script>",
            f"<script>\n{script}</script>",
            "</body>",
            "</html>",
        ]
    )
