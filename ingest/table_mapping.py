"""The TOML mapping of a membership table: which column is which field, and a first guess.

    [table]          how to read the file: delimiter, encoding, sheet, header_row (all optional)
    [actor]          the actor of each row
    [collaboration]  the collaboration of each row
    [membership]     how the actor takes part in it: PARTICIPATES_IN (the default) or FUNDS
    [funding]        optional: money from a funder to the actor, for the collaboration (FUNDS)

In each section, `field = "Column"` reads a field from the column with that header (compared
without regard to case and spaces); `default_field = value` is the value where that column is
empty, or on every row if the field has no column; `[section.field_values]` maps a column's
cells to the values the mapper knows (`"Kommun" = "public"`; `""` means "not given"). A choice
(sector, subsector, kinds, kind, role, type) must be in its map or be a choice already; any
other field keeps a cell its map does not have. `external_ids = { orgnr = "Org.nr" }` and
`data = { staff = "Anställda" }` name a column per external id scheme and per data key.

`read_mapping` reads and checks a mapping; `TableMapping.resolve` finds its columns in a
table's header; `guessed_mapping` writes a commented mapping guessed from a header.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapper.errors import SeedFileError
from mapper.model import SUBSECTORS, ActorKind, CollaborationKind, Role, Sector

__all__ = [
    "CHOICES",
    "FIELDS",
    "TABLES",
    "Section",
    "TableMapping",
    "fold",
    "guessed_mapping",
    "read_mapping",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIELDS: dict[str, tuple[str, ...]] = {
    "actor": _words(
        "id name name_en kinds sector subsector region country url aliases description source_url"
    ),
    "collaboration": _words("id name name_en kind start end region description source_url"),
    "membership": _words("type role amount currency year start end description source_url"),
    "funding": _words("funder amount currency year description source_url"),
}
TABLES: dict[str, tuple[str, ...]] = {
    "actor": ("external_ids", "data"),
    "collaboration": ("data",),
    "membership": (),
    "funding": (),
}
_MEMBERSHIP_TYPES = ("PARTICIPATES_IN", "FUNDS")
CHOICES: dict[str, tuple[str, ...]] = {
    "sector": tuple(sector.value for sector in Sector),
    "kinds": tuple(kind.value for kind in ActorKind),
    "kind": tuple(kind.value for kind in CollaborationKind),
    "role": tuple(role.value for role in Role),
    "type": _MEMBERSHIP_TYPES,
    "subsector": tuple(SUBSECTORS),
}
_READING = {"delimiter": (",", ";", "\t", "|"), "encoding": None, "sheet": None, "header_row": None}
_SCHEME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


# -- reading --------------------------------------------------------------------------------------


@dataclass
class Section:
    """A section of the mapping ([actor], ...): its columns, defaults and value maps, and once
    resolved, where each column is in the table."""

    name: str
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    defaults: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> folded -> value
    listed: dict[str, list[str]] = field(default_factory=dict)  # field -> cells as written
    tables: dict[str, dict[str, str]] = field(default_factory=dict)  # external_ids/data
    index: dict[str, int] = field(default_factory=dict)  # field or "data.key" -> column
    header: dict[str, str] = field(default_factory=dict)  # same keys -> header in the table

    def cell(self, name: str, cells: list[str]) -> str:
        index = self.index.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""


@dataclass
class TableMapping:
    """A checked mapping: how to read the table ([table]) and the four sections."""

    reading: dict[str, Any]
    sections: dict[str, Section]
    lines: _KeyLines

    def resolve(self, header: list[str], table: str, shown: str) -> list[SeedFileError]:
        """Find each mapped column in the header; a problem for each that is not there."""
        exact = {name.strip(): index for index, name in enumerate(header) if name.strip()}
        folded = {fold(name): index for name, index in reversed(exact.items())}
        problems = []
        for section in self.sections.values():
            wanted = dict(section.columns)
            for name, columns in section.tables.items():
                wanted.update({f"{name}.{key}": column for key, column in columns.items()})
            for name, column in wanted.items():
                index = exact.get(column.strip(), folded.get(fold(column)))
                if index is None:
                    key = name.split(".")[0]
                    where = self.lines.at(section.name, key)
                    problem = _no_column(column, list(exact), table)
                    problems.append(SeedFileError(shown, where, f"{section.name}.{key}", problem))
                else:
                    section.index[name], section.header[name] = index, header[index].strip()
        return problems


def _no_column(column: str, header: list[str], table: str) -> str:
    close = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    names = ", ".join(repr(name) for name in header)
    return f"{table} has no column {column!r}{hint} (its columns are {names})"


class _KeyLines:
    """The line of each key of a TOML file, for messages (tomllib does not keep them)."""

    _HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    _KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*=')

    def __init__(self, text: str):
        self.lines: dict[tuple[str, str], int] = {}
        section = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                section = header.group(1).replace('"', "").replace(" ", "")
                self.lines.setdefault((section, ""), number)
                continue
            key = self._KEY.match(line)
            if key:
                name = key.group(1)
                name = json.loads(name) if name.startswith('"') else name.strip("'")
                self.lines.setdefault((section, name), number)

    def at(self, section: str, key: str = "") -> int | None:
        """The line of a key: `key = ...` in [section], or a [section.key] table, or [section]."""
        for found in ((section, key), (f"{section}.{key}", ""), (section, "")):
            if found in self.lines:
                return self.lines[found]
        return None


def read_mapping(path: Path, shown: str) -> TableMapping | list[SeedFileError]:
    """The mapping in a TOML file, or every problem with it (`shown`: the path in messages)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [SeedFileError(shown, None, None, "no such mapping file")]
    except UnicodeDecodeError:
        return [SeedFileError(shown, None, None, "the mapping is not UTF-8 text")]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        line = int(found.group(1)) if found else None
        message = _TOML_LINE.sub("", str(error)).strip()
        return [SeedFileError(shown, line, None, f"not valid TOML: {message}")]
    return _Checker(document, _KeyLines(text), shown).spec()


class _Checker:
    """Reads a parsed mapping into a TableMapping, collecting a problem for each wrong key."""

    def __init__(self, document: dict[str, Any], lines: _KeyLines, shown: str):
        self.document, self.lines, self.shown = document, lines, shown
        self.problems: list[SeedFileError] = []
        self.broken: set[str] = set()  # sections with a problem: not checked as a whole

    def problem(self, section: str, key: str, text: str) -> None:
        self.broken.add(section.split(".")[0])
        where = f"{section}.{key}" if key else section
        self.problems.append(SeedFileError(self.shown, self.lines.at(section, key), where, text))

    def spec(self) -> TableMapping | list[SeedFileError]:
        for key in self.document:
            if key not in ("table", *FIELDS):
                self.problem(key, "", _unknown(key, ("table", *FIELDS), "section"))
        reading = self.reading(self.document.get("table", {}))
        sections = {name: self.section(name, self.document.get(name)) for name in FIELDS}
        self.required(sections)
        return self.problems or TableMapping(reading, sections, self.lines)

    def reading(self, table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.problem("table", "", "expected a table of settings: delimiter, encoding, ...")
            return {}
        for key, value in table.items():
            if key not in _READING:
                self.problem("table", key, _unknown(key, tuple(_READING), "setting"))
            elif key == "delimiter" and value not in _READING["delimiter"]:
                self.problem("table", key, f'{value!r} is not , ; | or "\\t" (a tab)')
            elif key == "header_row" and (type(value) is not int or value < 1):
                self.problem("table", key, f"{value!r} is not a row number such as 1")
            elif key in ("encoding", "sheet") and not isinstance(value, str):
                self.problem("table", key, f"{value!r} is not text")
            elif key == "encoding" and not _is_encoding(value):
                self.problem("table", key, f"{value!r} is not an encoding; try utf-8 or cp1252")
        return table

    def section(self, name: str, table: Any) -> Section:
        section = Section(name)
        if table is None:
            return section
        if not isinstance(table, dict):
            self.problem(name, "", f"expected a table of columns, such as name = {_EXAMPLE!r}")
            return section
        for key, value in table.items():
            self.key(section, key, value)
        return section

    def key(self, section: Section, key: str, value: Any) -> None:
        fields, name = FIELDS[section.name], section.name
        if key in fields:
            if not isinstance(value, str) or not value.strip():
                problem = f"expected the header of a column as text, such as {_EXAMPLE!r}"
                self.problem(name, key, problem)
            else:
                section.columns[key] = value
        elif key.startswith("default_") and key.removeprefix("default_") in fields:
            self.default(section, key.removeprefix("default_"), value)
        elif key.endswith("_values") and key.removesuffix("_values") in fields:
            self.value_map(section, key.removesuffix("_values"), value)
        elif key in TABLES[name]:
            self.column_table(section, key, value)
        else:
            keys = (*fields, *(f"default_{f}" for f in fields), *TABLES[name])
            self.problem(name, key, _unknown(key, keys, "key"))

    def default(self, section: Section, name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(section.name, f"default_{name}", f"{value!r} is not text or a number")
        elif name in CHOICES and str(value) not in CHOICES[name]:
            problem = _not_a_choice(str(value), name)
            self.problem(section.name, f"default_{name}", problem)
        else:
            section.defaults[name] = value

    def value_map(self, section: Section, name: str, value: Any) -> None:
        key = f"{name}_values"
        if not isinstance(value, dict):
            self.problem(
                section.name, key, 'expected a table of cells and values: "Kommun" = "public"'
            )
            return
        mapped, where = {}, f"{section.name}.{key}"
        for cell, meaning in value.items():
            if not isinstance(meaning, str):
                self.problem(where, cell, f"{meaning!r} is not text")
            elif meaning and name in CHOICES and meaning not in CHOICES[name]:
                self.problem(where, cell, _not_a_choice(meaning, name))
            else:
                mapped[fold(cell)] = meaning
        section.values[name], section.listed[name] = mapped, list(value)

    def column_table(self, section: Section, key: str, value: Any) -> None:
        example = '{ orgnr = "Org.nr" }' if key == "external_ids" else '{ staff = "Anställda" }'
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.problem(section.name, key, f"expected a table of columns, such as {example}")
            return
        if key == "external_ids":
            for scheme in value:
                if not _SCHEME.match(scheme):
                    problem = (
                        f"{scheme!r} is not a scheme; expected lowercase letters, digits and _, "
                        "such as orgnr"
                    )
                    self.problem(section.name, key, problem)
        section.tables[key] = dict(value)

    def required(self, sections: dict[str, Section]) -> None:
        for name, needed in _REQUIRED.items():
            section = sections[name]
            if name not in self.document:
                if name in ("actor", "collaboration"):
                    self.problem(name, "", f"missing; the mapping needs an [{name}] section")
                continue
            for key in needed if name not in self.broken else ():
                if key not in section.columns and key not in section.defaults:
                    self.problem(name, "", _needs(name, key))


_REQUIRED = {
    "actor": ("name", "sector"),
    "collaboration": ("name", "kind"),
    "funding": ("funder",),
}


_EXAMPLE = "Organisation"


def _needs(section: str, key: str) -> str:
    examples = {
        ("actor", "name"): 'name = "Organisation"',
        ("actor", "sector"): 'sector = "Sektor", or default_sector = "unknown"',
        ("collaboration", "name"): 'name = "Projekt", or default_name = "Nätverket X"',
        ("collaboration", "kind"): 'default_kind = "project", or kind = "Typ"',
        ("funding", "funder"): 'default_funder = "vinnova", or funder = "Finansiär"',
    }
    return (
        f"every {section} needs a {key}: give a column or a default, e.g. {examples[section, key]}"
    )


def _unknown(key: str, expected: tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(key, expected, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {what}; {hint}expected one of {', '.join(expected)}"


def _not_a_choice(value: str, name: str) -> str:
    close = difflib.get_close_matches(value.casefold(), CHOICES[name], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{value!r} is not one of {', '.join(CHOICES[name])}{hint}"


def _is_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def fold(text: str) -> str:
    """A cell or header as compared: case-folded, NFC, with single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# -- guessing -------------------------------------------------------------------------------------


# Headers that name a field, as _compact writes them (letters and digits, case-folded).
_GUESSES: dict[str, tuple[str, ...]] = {
    "actor.id": _words("aktörid aktorid actorid orgid organisationid organizationid"),
    "actor.name": _words(
        "organisation organization organisationsnamn organisationname organizationname aktör "
        "aktor actor namn name medlem member deltagare participant partner företag company org"
    ),
    "actor.name_en": _words("engelsktnamn namnengelska englishname nameen"),
    "actor.sector": _words("sektor sector"),
    "actor.subsector": _words(
        "subsektor subsector organisationstyp organisationtype organizationtype typavorganisation"
    ),
    "actor.region": _words("län lan region county"),
    "actor.country": _words("land country landskod countrycode"),
    "actor.url": _words("webbplats webb hemsida webbadress url website web"),
    "actor.aliases": _words("alias aliases kortnamn förkortning shortname"),
    "actor.external_ids.orgnr": _words(
        "orgnr organisationsnummer organisationsnr orgnummer organisationnumber "
        "corporateidentitynumber"
    ),
    "actor.external_ids.vat": _words("vat vatnumber vatnr momsnr momsregistreringsnummer"),
    "actor.external_ids.pic": _words("pic"),
    "collaboration.id": _words(
        "projektid projectid projektnummer projectnumber diarienummer dnr samarbetsid"
    ),
    "collaboration.name": _words(
        "projekt project projektnamn projectname projekttitel projecttitle titel title samarbete "
        "collaboration nätverk network program programme evenemang event"
    ),
    "collaboration.kind": _words("samarbetstyp collaborationtype projekttyp projecttype"),
    "collaboration.start": _words(
        "start startdatum startdate startår startyear projektstart från from"
    ),
    "collaboration.end": _words("slut slutdatum enddate end slutår endyear projektslut till to"),
    "collaboration.description": _words(
        "beskrivning description projektbeskrivning projectdescription syfte objective "
        "sammanfattning summary"
    ),
    "membership.role": _words("roll role deltagarroll participantrole"),
    "funding.amount": _words(
        "belopp amount bidrag beviljatbelopp beviljat stöd funding grant eccontribution"
    ),
    "funding.currency": _words("valuta currency"),
    "membership.year": _words("år year beslutsår bidragsår"),
    "source_url": _words("källa källlänk källurl source sourceurl"),
}
# Words in a cell that suggest a value, in order: the first value with a word in the cell wins.
_VALUE_GUESSES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "sector": (
        ("unknown", _words("okänd unknown")),
        ("academia", _words("universit högskola akademi forskning research college")),
        (
            "public",
            _words("kommun region landsting myndighet offentlig statlig public government agency"),
        ),
        (
            "civil_society",
            _words("ideell förening civil stiftelse idéburen ngo non-profit nonprofit kooperativ"),
        ),
        ("private", _words("företag näringsliv privat bolag private company business")),
    ),
    "role": (
        ("co_funder", _words("medfinansiär co-fund cofund")),
        ("funder", _words("finansiär funder")),
        ("lead", _words("koordinator coordinator projektledare projektägare huvudsökande lead")),
        ("organiser", _words("arrangör organis organiz")),
        ("speaker", _words("talare speaker")),
        ("advisor", _words("rådgiv advis")),
        ("evaluator", _words("utvärder evaluat")),
        ("third_party", _words("tredje third")),
        ("participant", _words("deltag medlem member particip")),
        ("partner", _words("partner part")),
    ),
    "subsector": (
        ("social_enterprise", _words("socialt arbetsintegrerande social enterprise")),
        ("county_administrative_board", _words("länsstyrelse")),
        ("municipal_association", _words("kommunförbund kommunalförbund")),
        ("municipality", _words("kommun municipal")),
        ("region", _words("region landsting")),
        ("ministry", _words("departement ministry")),
        ("government", _words("regering government")),
        ("agency", _words("myndighet agency")),
        ("research_institute", _words("institut")),
        ("university", _words("universitet högskola university")),
        ("cooperative", _words("kooperativ ekonomisk cooperative")),
        ("foundation", _words("stiftelse foundation")),
        ("association", _words("förening association ideell")),
        ("network", _words("nätverk network")),
        ("political_party", _words("parti party")),
        ("media", _words("tidning media")),
        ("company", _words("företag bolag company")),
        ("international_org", _words("international")),
    ),
    "kind": (
        ("partnership", _words("partnerskap partnership")),
        ("event", _words("konferens evenemang event")),
        ("programme", _words("program")),
        ("network", _words("nätverk network")),
        ("policy", _words("policy strategi")),
        ("project", _words("projekt project")),
    ),
}
_MAPPED_VALUES_AT_MOST = 60

_HELP = {
    "actor.id": "ids are made from the names if left out: Region Skåne -> region-skane",
    "actor.name": "required: the column of the actors' names",
    "actor.name_en": "the name in English",
    "actor.kinds": "organisation, department, funder or network (several joined by |)",
    "actor.sector": "public, private, civil_society, academia or unknown",
    "actor.subsector": "municipality, agency, university, company, association, ... (see the docs)",
    "actor.region": "a Swedish county: Skåne län, Region Skåne or the SCB code 12",
    "actor.country": "a two-letter code (ISO 3166-1) such as SE; nothing means unknown",
    "actor.url": "the actor's web site (https:// is added if the cell has no scheme)",
    "actor.aliases": "other names, several joined by |",
    "actor.description": "a sentence about the actor",
    "actor.source_url": "a web page the row's facts come from",
    "collaboration.id": "ids are made from the names if left out",
    "collaboration.name": "required: the column of the collaborations' names",
    "collaboration.name_en": "the name in English",
    "collaboration.kind": "project, partnership, event, programme, network or policy",
    "collaboration.start": "a year (2019) or a date (2019-03-01)",
    "collaboration.end": "a year (2021) or a date (2021-12-31)",
    "collaboration.region": "a Swedish county, if the collaboration has one",
    "collaboration.description": "a sentence about the collaboration",
    "collaboration.source_url": "a web page about the collaboration",
    "membership.type": "PARTICIPATES_IN (the default), or FUNDS: the actor funds it",
    "membership.role": "lead, partner, participant, funder, co_funder, advisor, third_party, ...",
    "membership.amount": "for FUNDS: the amount (1 200 000 or 1200000,50)",
    "membership.currency": "for FUNDS: SEK (the default), EUR, ...",
    "membership.year": "the year of the membership",
    "membership.start": "a year or a date",
    "membership.end": "a year or a date",
    "membership.description": "a sentence about the membership",
    "membership.source_url": "a web page the membership is on",
}
_SECTION_HELP = {
    "actor": "The actor (organisation) of each row. Rows that name the same actor are one actor.",
    "collaboration": (
        "The collaboration of each row: a project, network, event, ... Rows that name the same\n"
        "# collaboration are one collaboration. Without a name column, give every row the same\n"
        '# one: default_name = "Nätverket X".'
    ),
    "membership": "How the actor of a row takes part in its collaboration.",
}


def guessed_mapping(
    name: str,
    header: list[str],
    rows: list[list[str]],
    *,
    reading: dict[str, Any],
    note: str = "",
    sheets: list[str] | None = None,
) -> str:
    """A commented mapping of a table (called `name`) with the columns guessed from its header.

    Every field of every section is there: the guessed ones filled in, the others commented
    out. The value maps list the cells of the sector, subsector, role and kind columns in
    `rows`, with a guess for each cell whose words make one. `reading` holds the [table]
    settings to write (an encoding, with `note` saying why); `sheets` lists a workbook's sheets.
    """
    columns = _guess_columns(header)
    lines = _preamble(name, header, reading, note, sheets)
    for section in ("actor", "collaboration", "membership"):
        lines += _section_lines(section, columns, header, rows)
    lines += _funding_lines(columns)
    return "\n".join(lines) + "\n"


def _compact(header: str) -> str:
    """A header as _GUESSES has it: only its letters and digits, case-folded.

    >>> _compact("Org.nr"), _compact(" Projekt-ID ")
    ('orgnr', 'projektid')
    """
    return "".join(char for char in fold(header) if char.isalnum())


def _guess_columns(header: list[str]) -> dict[str, str]:
    """The column each field is guessed to be in: by exact header, then by a header's start."""
    compact = {_compact(name): name for name in reversed(header) if name}
    guessed: dict[str, str] = {}
    used: set[str] = set()
    for exact in (True, False):
        for key, names in _GUESSES.items():
            if key in guessed:
                continue
            for name in names:
                column = compact.get(name) if exact else _starting(compact, name, used)
                if column is not None and column not in used:
                    guessed[key] = column
                    used.add(column)
                    break
    return guessed


def _starting(compact: dict[str, str], name: str, used: set[str]) -> str | None:
    """A column whose header starts with `name` (e.g. "Organisation (namn)"), if only one."""
    if len(name) < 4:
        return None
    found = [column for key, column in compact.items() if key.startswith(name)]
    found = [column for column in found if column not in used]
    return found[0] if len(found) == 1 else None


def _preamble(
    name: str, header: list[str], reading: dict[str, Any], note: str, sheets: list[str] | None
) -> list[str]:
    listed = f"  # the sheets: {', '.join(sheets)}" if sheets else ""
    encoding = f"encoding = {_toml(reading['encoding'])}  # {note}" if reading else None
    return [
        f"# The mapping of {name} for `mapper import`: which column is which field.",
        "# Guessed from the table's header: check every line.",
        "#",
        '# `field = "Column"` reads the field from the column with that header.',
        "# `default_field = value` is the value where the column is empty, or on every row if",
        "# the field has no column. [section.field_values] maps a column's cells to values.",
        "# A line that starts with # is a comment: delete the # to use the line.",
        "#",
        *_wrapped("The columns: ", [_toml(name) for name in header if name]),
        "",
        "[table]",
        '# delimiter = ";"  # , ; | or "\\t"; found from the header if left out',
        encoding or '# encoding = "utf-8"  # or "cp1252" for a CSV that Excel saved in Windows',
        f'# sheet = "Blad1"  # a workbook\'s sheet to read; the first if left out{listed}',
        "# header_row = 1  # the row the column names are on",
        "",
    ]


def _wrapped(start: str, items: list[str]) -> list[str]:
    """Comment lines that list items, none longer than 100 characters."""
    lines, line = [], f"# {start}"
    for item in items:
        if len(line) + len(item) > 96:
            lines.append(line.rstrip())
            line = "#   "
        line += f"{item}, "
    return [*lines, line.removesuffix(", ")]


def _section_lines(
    section: str, columns: dict[str, str], header: list[str], cells: list[list[str]]
) -> list[str]:
    lines = [f"# {_SECTION_HELP[section]}", f"[{section}]"]
    for name in FIELDS[section]:
        key = f"{section}.{name}"
        column = columns.get(key) or columns.get(name)  # source_url: one guess for all
        lines.append(_field_line(section, name, column))
        default = _DEFAULT_LINES.get((key, column is None))
        if default:
            lines.append(default)
    if "external_ids" in TABLES[section]:
        lines.append(_ids_line(columns))
    if "data" in TABLES[section]:
        lines.append('# data = { staff = "Anställda" }  # more columns to keep: key = "Column"')
    for name in ("sector", "subsector", "kind", "role"):
        column = columns.get(f"{section}.{name}")
        if name in FIELDS[section] and column is not None:
            index = header.index(column)
            values = [row[index].strip() for row in cells if index < len(row)]
            lines += _value_map_lines(section, name, column, values)
    return [*lines, ""]


def _field_line(section: str, name: str, column: str | None) -> str:
    help_text = _HELP[f"{section}.{name}"]
    if column is not None:
        return f"{name} = {_toml(column)}  # {help_text}"
    if (section, name) in (("actor", "name"), ("collaboration", "name")):
        return f'{name} = ""  # {help_text}; write its header here'
    return f'# {name} = ""  # {help_text}'


_DEFAULT_LINES = {
    ("actor.sector", True): 'default_sector = "unknown"  # no sector column was found',
    ("actor.country", True): '# default_country = "SE"  # the country of every actor',
    ("actor.country", False): '# default_country = "SE"  # where the country cell is empty',
    ("collaboration.kind", True): 'default_kind = "project"  # of every collaboration',
    ("collaboration.kind", False): '# default_kind = "project"  # where the kind is empty',
    ("membership.type", True): '# default_type = "PARTICIPATES_IN"  # or FUNDS',
    ("membership.currency", True): '# default_currency = "SEK"',
}


def _funding_lines(columns: dict[str, str]) -> list[str]:
    """The [funding] section, commented out: whoever uses it must name the funder."""
    amount = columns.get("funding.amount")
    lines = [
        "# Money from a funder to the actor of a row, for its collaboration (FUNDS). The funder",
        "# is an actor: an id (or a name) in this table or already in the map. Delete the # of",
        "# the lines below to use it.",
        "# [funding]",
        '# default_funder = "vinnova"  # the funder of every row; or funder = "Column"',
        f"# amount = {_toml(amount or '')}  # the amount: 1 200 000 or 1200000,50",
        f"# currency = {_toml(columns.get('funding.currency', ''))}  # SEK if left out",
        f"# year = {_toml(columns.get('membership.year', ''))}  # the year of the grant",
    ]
    return lines


def _ids_line(columns: dict[str, str]) -> str:
    ids = {
        scheme: columns[f"actor.external_ids.{scheme}"]
        for scheme in ("orgnr", "vat", "pic")
        if f"actor.external_ids.{scheme}" in columns
    }
    if not ids:
        return '# external_ids = { orgnr = "Org.nr" }  # ids in other registers: scheme = "Column"'
    table = ", ".join(f"{scheme} = {_toml(column)}" for scheme, column in ids.items())
    return f'external_ids = {{ {table} }}  # ids in other registers: scheme = "Column"'


_SOME_CHOICES = {
    "role": "lead, partner, participant, funder, ...",
    "subsector": "municipality, agency, university, company, association, ...",
}


def _value_map_lines(section: str, name: str, column: str, values: list[str]) -> list[str]:
    distinct = [v for v in dict.fromkeys(values, None) if v and v not in CHOICES[name]]
    choices = _SOME_CHOICES.get(name) or ", ".join(CHOICES[name])
    lines = [
        "",
        f"# The cells of {_toml(column)}, each mapped to one of {choices}",
        '# ("" for none). A guess is marked "guessed"; an entry left commented out is an error.',
        f"[{section}.{name}_values]",
    ]
    for value in distinct[:_MAPPED_VALUES_AT_MOST]:
        guess = _guess_value(name, value)
        if guess is None:
            lines.append(f'# {_toml(value)} = ""  # which {name}?')
        else:
            lines.append(f"{_toml(value)} = {_toml(guess)}  # guessed")
    if len(distinct) > _MAPPED_VALUES_AT_MOST:
        lines.append(f"# ... and {len(distinct) - _MAPPED_VALUES_AT_MOST} more")
    return lines


def _guess_value(name: str, value: str) -> str | None:
    """The value a cell probably means, from the words in it.

    >>> _guess_value("sector", "Kommun"), _guess_value("role", "Projektledare")
    ('public', 'lead')
    """
    folded = fold(value)
    guesses = _VALUE_GUESSES[name]
    return next((guess for guess, words in guesses if any(w in folded for w in words)), None)


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
