"""CORDIS exports (H2020, Horizon Europe): who took part in which EU project, as rows.

CORDIS publishes each framework programme as an `organization` file (one record per
participation: an organisation, known by its PIC, in a project) and a `project` file, in JSON (a
top-level list of objects) or CSV (`;`-separated, the same field names). `cordis_rows` reads
both and yields:

- one actor per PIC, `cordis-pic-<PIC>`: the name of its most recently updated record (ties: the
  first read), every other field from the most recent record that gives it; the sector and
  subsector from `activityType`, the county from a Swedish NUTS code, the PIC and VAT number as
  external ids, and the CORDIS pages of (up to five of) its projects as sources;
- one collaboration per project, `cordis-project-<id>`, of kind project;
- one PARTICIPATES_IN relation per PIC, project and role;
- unless `funding=False`, the funder `europeiska-kommissionen` and one FUNDS relation from it
  to each participant with an EU contribution, for that project (the participant's records summed).

A country that is no ISO 3166-1 code (after EL -> GR and UK -> GB) is left unknown, and kept as
written in the actor's `data`. Rows are in the model's field names, with format "cordis"; each
row's `place` is the file it was read from (as messages show it) and its `line` the line there
that the record starts on, in JSON as in CSV.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ingest.limits import LimitExceeded, decoder
from ingest.rows import Row
from mapper.countries import COUNTRY_ALIASES, COUNTRY_CODES
from mapper.errors import InvalidParameter, SeedFileError
from mapper.model import Sector, slugify
from mapper.regions import county_of_nuts

__all__ = ["FUNDER", "SECTORS", "cordis_rows"]

SECTORS: dict[str, str] = {
    "HES": "academia",
    "REC": "academia",
    "PUB": "public",
    "PRC": "private",
    "OTH": "civil_society",
}
"""CORDIS' activity types and the sectors they are read as; `cordis_rows(sectors=...)` overrides
them, e.g. `{"OTH": "unknown"}`. Any other type, or none, is "unknown"."""

FUNDER: dict[str, Any] = {
    "id": "europeiska-kommissionen",  # the seed data's id: one Commission across sources
    "name": "Europeiska kommissionen",
    "name_en": "European Commission",
    "kinds": ["organisation", "funder"],
    "sector": "public",
    "subsector": "international_org",
    "url": "https://commission.europa.eu/",
    "sources": [{"url": "https://cordis.europa.eu/"}],
}
"""The funder of every EU contribution, as the fields of its actor row."""

_PROJECT_URL = "https://cordis.europa.eu/project/id/"
_SOURCES_PER_ACTOR = 5
_DESCRIPTION_LENGTH = 2_000

_SUBSECTORS = {"HES": "university", "REC": "research_institute", "PRC": "company"}
_ROLES = {
    "coordinator": "lead",
    "participant": "participant",
    "partner": "partner",
    "thirdparty": "third_party",
}
_ORGANIZATION_FIELDS = ("projectID", "organisationID", "name")
_PROJECT_FIELDS = ("id",)
# The fields an actor is made of, kept per distinct version of an organisation's records.
_ACTOR_FIELDS = (
    "name",
    "shortName",
    "activityType",
    "country",
    "nutsCode",
    "organizationURL",
    "vatNumber",
    "city",
    "SME",
)
_KIND_ENDINGS = {
    "organization": "organization",
    "organisation": "organization",
    "project": "project",
}
_SUFFIXES = (".json", ".csv")
_URL = re.compile(r"^https?://[^\s/?#.]+(\.[^\s/?#.]+)+(:\d+)?([/?#]\S*)?$", re.IGNORECASE)
_decoder = decoder  # refuses whole numbers of too many digits (limits.LimitExceeded)


def cordis_rows(
    paths: Sequence[Path],
    *,
    shown: str | None = None,
    sectors: Mapping[str, str] | None = None,
    funding: bool = True,
) -> Iterator[Row | SeedFileError]:
    """Yield the rows of CORDIS organization and project files, actors and collaborations
    first, and a SeedFileError for each thing that cannot be read.

    With `funding`, each EU contribution is a FUNDS relation from FUNDER to the participant,
    naming the project.

    `paths` are the two files, or folders holding them (`organization.json`, `project.csv`,
    ...); several of each may be given, e.g. the folders of H2020 and of Horizon Europe.
    `shown` is how a single path appears in messages (default: as given). `sectors` maps
    activity types to sectors, over SECTORS. Raises InvalidParameter for an unknown sector.
    """
    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files = [Path(path) for path in paths]
    return _rows(files, shown, _sectors(sectors), funding)


def _sectors(overrides: Mapping[str, str] | None) -> dict[str, str]:
    sectors = {sector.value for sector in Sector}
    for sector in (overrides or {}).values():
        if sector not in sectors:
            expected = ", ".join(Sector)
            raise InvalidParameter("sectors", f"{sector!r} is not a sector; expected {expected}")
    return SECTORS | {code.strip().upper(): sector for code, sector in (overrides or {}).items()}


def _rows(
    paths: list[Path],
    shown: str | None,
    sector_of: dict[str, str],
    funding: bool,
) -> Iterator[Row | SeedFileError]:
    files, errors = _files(paths, shown)
    yield from errors
    projects = _Projects()
    for file in files:
        if file.kind == "project":
            yield from projects.read(file)
    participations = _Participations(projects)
    for file in files:
        if file.kind == "organization":
            yield from participations.read(file)
    yield from participations.actor_rows(sector_of)
    if funding and participations.funding:
        yield Row("actor", None, dict(FUNDER), "cordis")
    yield from projects.rows()
    yield from participations.relation_rows(funding)


# -- files ---------------------------------------------------------------------------------------


class _File(NamedTuple):
    path: Path
    shown: str
    kind: str  # "organization" or "project"


def _files(paths: list[Path], shown: str | None) -> tuple[list[_File], list[SeedFileError]]:
    """The organization and project files of `paths`, and what is wrong with the paths."""
    files: list[_File] = []
    errors: list[SeedFileError] = []
    for path in map(Path, paths):
        given = shown if shown is not None and len(paths) == 1 else str(path)
        if path.is_dir():
            found = [
                _File(child, os.path.join(given, child.name), kind) for child, kind in _kids(path)
            ]
            files.extend(found)
            errors.extend([] if found else [SeedFileError(given, None, None, _NO_FILES)])
        elif not path.is_file():
            errors.append(SeedFileError(given, None, None, "no such file or folder"))
        elif path.suffix.lower() not in _SUFFIXES:
            errors.append(SeedFileError(given, None, None, _NOT_CORDIS))
        else:
            kind = _kind_of_name(path.name) or _kind_of_content(path)
            files.append(_File(path, given, kind))
    files = list({file.path.resolve(): file for file in files}.values())
    where = shown or ", ".join(map(str, paths))
    for kind in ("organization", "project"):
        if not errors and not any(file.kind == kind for file in files):
            errors.append(SeedFileError(where, None, None, _missing_file(kind)))
    return files, errors


def _kids(folder: Path) -> Iterator[tuple[Path, str]]:
    """The organization and project files in a folder."""
    for child in sorted(folder.iterdir()):
        kind = _kind_of_name(child.name)
        if kind is not None and child.suffix.lower() in _SUFFIXES and child.is_file():
            yield child, kind


_NO_FILES = (
    "no CORDIS files in this folder; expected organization.json and project.json, or "
    "organization.csv and project.csv"
)
_NOT_CORDIS = "cannot read this as CORDIS; expected a .json or .csv file"


def _missing_file(kind: str) -> str:
    return (
        f"no CORDIS {kind} file; expected {kind}.json or {kind}.csv of the same export as the "
        "other file"
    )


def _kind_of_name(name: str) -> str | None:
    """Which CORDIS file a name is: organization.csv, cordis-h2020projects.csv, ...

    >>> _kind_of_name("organization.json"), _kind_of_name("projectPublications.csv")
    ('organization', None)
    """
    stem = name.rsplit(".", 1)[0].lower().removesuffix("s")
    return next((kind for end, kind in _KIND_ENDINGS.items() if stem.endswith(end)), None)


def _kind_of_content(path: Path) -> str:
    """Which CORDIS file a renamed one is: only organization files name PICs."""
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        return "organization" if "organisationID" in file.read(20_000) else "project"


# -- records -------------------------------------------------------------------------------------


class _Place(NamedTuple):
    """Where a record is: the file as shown, and the line the record starts on."""

    shown: str
    line: int

    def error(self, field_name: str | None, problem: str) -> SeedFileError:
        return SeedFileError(self.shown, self.line, field_name, problem)


_Records = Iterator[tuple[_Place, dict[str, Any]] | SeedFileError]


def _records(file: _File, required: tuple[str, ...]) -> _Records:
    """Each record of a file, and where it is; a SeedFileError ends the file."""
    read = _csv_records if file.path.suffix.lower() == ".csv" else _json_records
    try:
        yield from read(file, required)
    except UnicodeDecodeError as error:
        problem = f"the file is not UTF-8 text (byte 0x{error.object[error.start]:02x})"
        yield SeedFileError(file.shown, None, None, problem)


def _csv_records(file: _File, required: tuple[str, ...]) -> _Records:
    with open(file.path, encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
        delimiter = ";" if header.count(";") >= header.count(",") else ","
        reader = csv.reader(itertools.chain([header], handle), delimiter=delimiter)
        columns = [column.strip() for column in next(reader, [])]
        missing = _missing_fields(file, columns, required)
        if missing is not None:
            yield missing
            return
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cells):
                yield _Place(file.shown, line), dict(zip(columns, cells, strict=False))


def _json_records(file: _File, required: tuple[str, ...]) -> _Records:
    """The objects of a top-level JSON list, decoded one at a time to know their lines."""
    text = file.path.read_text(encoding="utf-8-sig")
    try:
        for index, (line, record) in enumerate(_json_items(text)):
            place = _Place(file.shown, line)
            if not isinstance(record, dict):
                yield place.error(None, "expected a list of objects, found an item that is not one")
                return
            missing = _missing_fields(file, list(record), required) if index == 0 else None
            if missing is not None:
                yield missing
                return
            yield place, record
    except json.JSONDecodeError as error:
        problem = f"not valid JSON: {error.msg} (column {error.colno})"
        yield SeedFileError(file.shown, error.lineno, None, problem)
    except RecursionError:
        problem = "nested too deeply to be CORDIS records; expected a list of flat objects"
        yield SeedFileError(file.shown, None, None, problem)


def _json_items(text: str) -> Iterator[tuple[int, Any]]:
    """(line, value) of each item of the list `text` holds. Raises json.JSONDecodeError."""
    position = _skip(text, 0)
    if not text.startswith("[", position):
        raise json.JSONDecodeError("expected a list of records, '['", text, position)
    position = _skip(text, position + 1)
    if text.startswith("]", position):
        return
    line, counted = 1, 0
    while True:
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, position = _decoder.raw_decode(text, position)
        except LimitExceeded as error:  # a number of too many digits, at its item's line
            raise json.JSONDecodeError(str(error), text, position) from None
        yield line, value
        position = _skip(text, position)
        if text.startswith("]", position):
            if _skip(text, position + 1) != len(text):
                raise json.JSONDecodeError("extra data after the list", text, position + 1)
            return
        if not text.startswith(",", position):
            raise json.JSONDecodeError("expected ',' or ']'", text, position)
        position = _skip(text, position + 1)


def _skip(text: str, position: int) -> int:
    """The position of the next character that is not whitespace."""
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _missing_fields(
    file: _File, fields: list[str], required: tuple[str, ...]
) -> SeedFileError | None:
    missing = [name for name in required if name not in fields]
    if not missing:
        return None
    problem = (
        f"missing; a CORDIS {file.kind} file has the fields {', '.join(required)} and more "
        f"(this one has {', '.join(fields[:12]) or 'none'}"
        f"{', ...' if len(fields) > 12 else ''})"
    )
    return SeedFileError(file.shown, 1, missing[0], problem)


def _text(value: Any) -> str:
    """A field as text: numbers as written, nothing as ""."""
    if value.__class__ is str:
        return value.strip()
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    """A CORDIS amount: a JSON number, or text with a decimal point or a decimal comma.

    >>> _number(101058.75), _number("101058,75"), _number("1.234,5"), _number("")
    (101058.75, 101058.75, 1234.5, None)

    Raises ValueError for text that is no number.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _text(value).replace(" ", "")
    if not text:
        return None
    if "," in text:
        if "." in text:  # 1.234,5 or 1,234.5: the last mark is the decimal one
            text = text.replace("." if text.rfind(",") > text.rfind(".") else ",", "")
        text = text.replace(",", ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


# -- projects ------------------------------------------------------------------------------------


class _Project(NamedTuple):
    id: str
    place: _Place
    record: dict[str, Any]
    collaboration_id: str
    url: str
    year: int | None

    @classmethod
    def of(cls, project_id: str, place: _Place, record: dict[str, Any]) -> _Project:
        start = _text(record.get("startDate"))[:4]
        year = int(start) if start.isdigit() else None
        collaboration_id = f"cordis-project-{_slug(project_id)}"
        return cls(project_id, place, record, collaboration_id, _PROJECT_URL + project_id, year)

    @property
    def sources(self) -> list[dict[str, str]]:
        return [{"url": self.url}]


class _Projects:
    """The projects of every project file, by CORDIS id (the first record of an id)."""

    def __init__(self) -> None:
        self.by_id: dict[str, _Project] = {}
        self.shown: list[str] = []

    def read(self, file: _File) -> Iterator[SeedFileError]:
        self.shown.append(file.shown)
        for item in _records(file, _PROJECT_FIELDS):
            if isinstance(item, SeedFileError):
                yield item
                continue
            place, record = item
            project_id = _text(record.get("id"))
            if not project_id:
                yield place.error("id", "is empty; every project needs its CORDIS id")
            elif project_id not in self.by_id:
                self.by_id[project_id] = _Project.of(project_id, place, record)

    def rows(self) -> Iterator[Row]:
        for project in self.by_id.values():
            fields = _collaboration(project)
            yield Row(
                "collaboration", project.place.line, fields, "cordis", path=project.place.shown
            )


def _collaboration(project: _Project) -> dict[str, Any]:
    record = project.record
    acronym = _text(record.get("acronym"))
    fields = {
        "id": project.collaboration_id,
        "name": _text(record.get("title")) or acronym,
        "kind": "project",
        "start": _text(record.get("startDate"))[:10],
        "end": _text(record.get("endDate"))[:10],
        "description": _shortened(_text(record.get("objective")), _DESCRIPTION_LENGTH),
        "data": _project_data(record, acronym),
        "sources": project.sources,
    }
    return {name: value for name, value in fields.items() if value}


def _project_data(record: dict[str, Any], acronym: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "acronym": acronym,
        "framework_programme": _text(record.get("frameworkProgramme")),
        "funding_scheme": _text(record.get("fundingScheme")),
        "status": _text(record.get("status")),
    }
    for name, key in (("ecMaxContribution", "ec_max_contribution"), ("totalCost", "total_cost")):
        try:
            data[key] = _number(record.get(name))
        except ValueError:
            data[key] = _text(record.get(name))  # kept as written
    return {key: value for key, value in data.items() if value not in ("", None)}


def _shortened(text: str, length: int) -> str:
    """`text`, cut at a space before `length` characters and ended with … if it is longer.

    >>> _shortened("one two three", 9)
    'one two…'
    """
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > 0 else length - 1].rstrip() + "…"


# -- participations ------------------------------------------------------------------------------


@dataclass
class _Organisation:
    """What the records of one PIC say: where it is first seen, each distinct version of its
    actor fields with the newest contentUpdateDate of that version, and its projects."""

    place: _Place
    actor_id: str
    versions: dict[tuple[Any, ...], str] = field(default_factory=dict)
    projects: set[str] = field(default_factory=set)


class _Participations:
    """Organisations by PIC, participations by (PIC, project, role), contributions summed by
    (PIC, project): only what the rows need, so 150,000 records take little memory."""

    def __init__(self, projects: _Projects):
        self.projects = projects
        self.organisations: dict[str, _Organisation] = {}
        self.roles: dict[tuple[str, str, str], _Place] = {}
        self.funding: dict[tuple[str, str], tuple[_Place, float]] = {}

    def read(self, file: _File) -> Iterator[SeedFileError]:
        for item in _records(file, _ORGANIZATION_FIELDS):
            problem = item if isinstance(item, SeedFileError) else self._add(*item)
            if problem is not None:
                yield problem

    def _add(self, place: _Place, record: dict[str, Any]) -> SeedFileError | None:
        get = record.get
        pic, project = _text(get("organisationID")), _text(get("projectID"))
        if not pic:
            return place.error("organisationID", "is empty; expected the organisation's PIC")
        if project not in self.projects.by_id:
            return place.error("projectID", self._unknown_project(project))
        try:
            amount = _number(get("ecContribution"))
        except ValueError:
            value = _text(get("ecContribution"))
            problem = f"{value!r} is not a number; expected an amount in euros such as 101058.75"
            return place.error("ecContribution", problem)
        organisation = self.organisations.get(pic)
        if organisation is None:
            organisation = _Organisation(place, f"cordis-pic-{_slug(pic)}")
            self.organisations[pic] = organisation
        version = tuple(map(get, _ACTOR_FIELDS))  # as read: made text once per version
        updated = _text(get("contentUpdateDate"))
        known = organisation.versions.get(version)
        if known is None or updated > known:
            organisation.versions[version] = updated
        organisation.projects.add(project)
        role = _ROLES.get(_text(get("role")).lower(), "participant")
        self.roles.setdefault((pic, project, role), place)
        if amount is not None and amount > 0:
            first, total = self.funding.get((pic, project), (place, 0.0))
            self.funding[pic, project] = (first, total + amount)
        return None

    def _unknown_project(self, project: str) -> str:
        if not project:
            return "is empty; expected the id of the project the organisation takes part in"
        files = " or ".join(self.projects.shown)
        return f"{project!r} is not a project in {files}; give the project file of the same export"

    def actor_rows(self, sector_of: dict[str, str]) -> Iterator[Row]:
        for pic, organisation in self.organisations.items():
            fields = _actor(pic, organisation, sector_of)
            yield Row(
                "actor", organisation.place.line, fields, "cordis", path=organisation.place.shown
            )

    def relation_rows(self, funding: bool) -> Iterator[Row]:
        actor_ids = {pic: organisation.actor_id for pic, organisation in self.organisations.items()}
        for (pic, project_id, role), place in self.roles.items():
            project = self.projects.by_id[project_id]
            fields = {
                "type": "PARTICIPATES_IN",
                "source": actor_ids[pic],
                "target": project.collaboration_id,
                "role": role,
                "sources": [{"url": project.url}],
            }
            yield Row("relation", place.line, fields, "cordis", path=place.shown)
        if funding:
            for (pic, project_id), (place, amount) in self.funding.items():
                fields = _funds(actor_ids[pic], self.projects.by_id[project_id], amount)
                yield Row("relation", place.line, fields, "cordis", path=place.shown)


def _funds(actor_id: str, project: _Project, amount: float) -> dict[str, Any]:
    fields = {
        "type": "FUNDS",
        "source": FUNDER["id"],
        "target": actor_id,
        "collaboration": project.collaboration_id,
        "amount": round(amount, 2),
        "currency": "EUR",
        "sources": [{"url": project.url}],
    }
    if project.year is not None:
        fields["year"] = project.year
    return fields


def _slug(cordis_id: str) -> str:
    """An id as part of a slug: CORDIS' ids are digits, anything else is slugified."""
    return cordis_id if cordis_id.isdigit() else slugify(cordis_id)


# -- actors --------------------------------------------------------------------------------------


def _actor(pic: str, organisation: _Organisation, sector_of: dict[str, str]) -> dict[str, Any]:
    """The actor of one PIC: each field from the newest version of its records that gives it."""
    versions = organisation.versions
    newest = sorted(versions, key=versions.__getitem__, reverse=True)  # stable: ties keep order
    given = _newest(newest)
    activity = _single(given["activityType"])
    country, unknown_country = _country(given["country"])
    name = given["name"] or given["shortName"]
    fields = {
        "id": organisation.actor_id,
        "name": name,
        "kinds": ["organisation"],
        "sector": sector_of.get(activity, "unknown"),
        "subsector": _SUBSECTORS.get(activity),
        "country": country,
        "region": _region(given["nutsCode"], country),
        "url": _url(given["organizationURL"]),
        "aliases": _aliases(newest, name),
        "external_ids": _external_ids(pic, given["vatNumber"]),
        "data": _actor_data(given, activity, unknown_country),
        "sources": [{"url": _PROJECT_URL + project} for project in _first(organisation.projects)],
    }
    return {name: value for name, value in fields.items() if value}


def _newest(versions: list[tuple[Any, ...]]) -> dict[str, str]:
    """Each field's value in the newest version that gives it ("" if none does)."""
    given = dict(zip(_ACTOR_FIELDS, map(_text, versions[0]), strict=True))
    for version in versions[1:]:
        for name, value in zip(_ACTOR_FIELDS, version, strict=True):
            given[name] = given[name] or _text(value)
    return given


def _single(value: str) -> str:
    """The one code in a CORDIS value like `PRC;PRC`; "" when the codes differ.

    >>> _single("PRC;PRC"), _single("hes"), _single("PRC;HES"), _single("")
    ('PRC', 'HES', '', '')
    """
    codes = {part.strip().upper() for part in value.split(";")} - {""}
    return codes.pop() if len(codes) == 1 else ""


def _country(value: str) -> tuple[str | None, str | None]:
    """The ISO 3166-1 code of a CORDIS country, and the value as written if it has none.

    >>> _country("EL"), _country("FI;FI"), _country(""), _country("XY")
    (('GR', None), ('FI', None), (None, None), (None, 'XY'))
    """
    code = _single(value)
    code = COUNTRY_ALIASES.get(code, code)
    if code in COUNTRY_CODES:
        return code, None
    return None, value or None


def _region(nuts: str, country: str | None) -> str | None:
    if not nuts or country not in (None, "SE"):
        return None
    return county_of_nuts(nuts.split(";")[0])


def _url(value: str) -> str | None:
    """A web address as CORDIS gives it, with https:// if it has no scheme; None if none.

    >>> _url("www.tugraz.at"), _url("www.uoi.gr / www.rc.uoi.gr"), _url("n/a")
    ('https://www.tugraz.at', 'https://www.uoi.gr', None)
    """
    parts = value.replace(";", " ").replace(",", " ").split()
    if not parts:
        return None
    url = parts[0] if "://" in parts[0] else "https://" + parts[0].lstrip("/")
    return url if _URL.match(url) else None


def _aliases(versions: list[tuple[Any, ...]], name: str) -> list[str]:
    """The short names, then the names of older versions, without the name itself."""
    names = [_text(version[1]) for version in versions] + [
        _text(version[0]) for version in versions
    ]
    return [alias for alias in dict.fromkeys(names) if alias and alias != name]


def _external_ids(pic: str, vat: str) -> dict[str, str]:
    vat = vat.replace(" ", "")
    return {"pic": pic, "vat": vat} if vat and "|" not in vat else {"pic": pic}


def _actor_data(
    given: dict[str, str], activity: str, unknown_country: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "short_name": given["shortName"],
        "activity_type": activity or given["activityType"],
        "city": given["city"],
        "nuts_code": given["nutsCode"],
        "country": unknown_country,
    }
    data = {key: value for key, value in data.items() if value}
    sme = given["SME"].lower()
    if sme in ("true", "false"):
        data["sme"] = sme == "true"
    return data


def _first(projects: set[str]) -> list[str]:
    """The first few project ids, in numeric order."""
    return sorted(projects, key=lambda project: (len(project), project))[:_SOURCES_PER_ACTOR]
