"""The graph model: actors, collaborations, the relations between them, and their sources.

Every record is a pydantic model validated on construction and immutable afterwards. Ids are
lowercase slugs (`vinnova`, `region-skane`); names keep their å, ä and ö.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mapper.countries import normalise_country
from mapper.regions import normalise_region

__all__ = [
    "ACTOR_RELATION_TYPES",
    "DATA_MAX_CHARS",
    "DATA_MAX_DEPTH",
    "DATA_MAX_VALUES",
    "KNOWN_SECTORS",
    "MAX_INTEGER_DIGITS",
    "SECTOR_LABELS",
    "SUBSECTORS",
    "WEB_SCHEMES",
    "Actor",
    "ActorKind",
    "ActorRelationType",
    "AnalysisRows",
    "ApplyReport",
    "Batch",
    "Collaboration",
    "CollaborationKind",
    "ExternalId",
    "ExternalScheme",
    "Language",
    "Relation",
    "RelationType",
    "Role",
    "Sector",
    "SizeMeasure",
    "Slug",
    "Source",
    "Subsector",
    "Text",
    "TypeReport",
    "check_data",
    "format_external_ids",
    "merge_sources",
    "parse_external_ids",
    "slugify",
    "year_of",
]

WEB_SCHEMES = ("https://", "http://")
"""What an address a record links to starts with."""

_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


class Sector(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    UNKNOWN = "unknown"


KNOWN_SECTORS: tuple[str, ...] = ("public", "private", "civil_society", "academia")
"""The sectors of sector statistics: actors of unknown sector are stored, listed and drawn, but
left out of gaps, mixing and brokerage (their number is reported)."""

SECTOR_LABELS: dict[str, dict[str, str]] = {
    "public": {"sv": "Offentlig sektor", "en": "Public sector"},
    "private": {"sv": "Näringsliv", "en": "Private sector"},
    "civil_society": {"sv": "Civilsamhälle", "en": "Civil society"},
    "academia": {"sv": "Akademi", "en": "Academia"},
    "unknown": {"sv": "Okänd sektor", "en": "Unknown sector"},
}


class ActorKind(StrEnum):
    ORGANISATION = "organisation"
    DEPARTMENT = "department"
    FUNDER = "funder"
    NETWORK = "network"


class CollaborationKind(StrEnum):
    PROJECT = "project"
    PARTNERSHIP = "partnership"
    EVENT = "event"
    PROGRAMME = "programme"
    NETWORK = "network"
    POLICY = "policy"


class RelationType(StrEnum):
    PARTICIPATES_IN = "PARTICIPATES_IN"
    FUNDS = "FUNDS"
    PART_OF = "PART_OF"
    MEMBER_OF = "MEMBER_OF"
    COLLABORATES_WITH = "COLLABORATES_WITH"


ACTOR_RELATION_TYPES: tuple[str, ...] = ("COLLABORATES_WITH", "FUNDS", "PART_OF", "MEMBER_OF")
"""The relation types that link two actors directly (PARTICIPATES_IN links them through a
collaboration)."""

ActorRelationType = StrEnum(  # type: ignore[misc]
    "ActorRelationType", {name: name for name in ACTOR_RELATION_TYPES}
)


class Role(StrEnum):
    LEAD = "lead"
    ORGANISER = "organiser"
    PARTNER = "partner"
    FUNDER = "funder"
    SPEAKER = "speaker"
    PARTICIPANT = "participant"
    ADVISOR = "advisor"
    EVALUATOR = "evaluator"
    CO_FUNDER = "co_funder"
    SOLE_FUNDER = "sole_funder"
    THIRD_PARTY = "third_party"


SUBSECTORS: dict[str, str] = {
    "government": "the national government (Regeringen)",
    "ministry": "a government department (departement)",
    "agency": "a national government agency (myndighet)",
    "region": "a region, formerly county council (region, landsting)",
    "municipality": "a municipality (kommun)",
    "municipal_association": "an association or company owned by municipalities or regions",
    "county_administrative_board": "a county administrative board (länsstyrelse)",
    "university": "a university or university college (universitet, högskola)",
    "research_institute": "a research institute",
    "company": "a company run for profit",
    "social_enterprise": "a social enterprise (socialt företag, arbetsintegrerande företag)",
    "cooperative": "a cooperative (ekonomisk förening)",
    "foundation": "a foundation (stiftelse)",
    "association": "a non-profit association (ideell förening)",
    "network": "a network or meeting place of other actors",
    "international_org": "an international organisation (EU, OECD, Nordic Council of Ministers)",
    "political_party": "a political party",
    "media": "a newspaper, magazine or broadcaster",
}


Subsector = StrEnum("Subsector", {name: name for name in SUBSECTORS})  # type: ignore[misc]


class SizeMeasure(StrEnum):
    """What the size of an actor on a map shows."""

    DEGREE = "degree"
    STRENGTH = "strength"
    BETWEENNESS = "betweenness"
    CROSS_SECTOR_BETWEENNESS = "cross_sector_betweenness"


class Language(StrEnum):
    """The languages of the maps' labels."""

    SV = "sv"
    EN = "en"


def slugify(text: str) -> str:
    """Return the id slug of a name: lowercase ASCII words joined by hyphens.

    >>> slugify("Region Skåne")
    'region-skane'
    >>> slugify("Mötesplats för Social Innovation (MSI)")
    'motesplats-for-social-innovation-msi'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def year_of(value: str | None) -> int | None:
    """Return the year of a `YYYY` or `YYYY-MM-DD` date, or None.

    >>> year_of("2018-03-09"), year_of("2015"), year_of(None)
    (2018, 2015, None)
    """
    return int(value[:4]) if value else None


def _check_date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a date; expected a year (2018) or a date (2018-03-09)")
    if len(value) == 10:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date") from None
    return value


def _check_period(record: Any) -> Any:
    if (
        record.start
        and record.end
        and record.end[: len(record.start)] < record.start[: len(record.end)]
    ):
        raise ValueError(f"end {record.end!r} is before start {record.start!r}")
    return record


def _clean_text(value: Any) -> Any:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = _clean_text(value)
        return value or None
    return value


Slug = Annotated[str, Field(pattern=_SLUG_PATTERN, max_length=200)]
ExternalScheme = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
ExternalId = Annotated[str, Field(pattern=r"^[^|\s](?:[^|]*[^|\s])?$", max_length=200)]
"""The scheme of an external id: `pic` (EU Participant Identification Code), `vat`, `orgnr`
(Swedish organisationsnummer), ..."""


def parse_external_ids(text: str) -> dict[str, str]:
    """External ids as seed CSV writes them, `scheme:id` joined by `|` (or a JSON object).

    >>> parse_external_ids("pic:999864846|vat:SE202100281401")
    {'pic': '999864846', 'vat': 'SE202100281401'}

    Raises ValueError for a part without a scheme.
    """
    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except RecursionError:
            raise ValueError("is JSON nested too deep; expected one object of ids") from None
    ids: dict[str, str] = {}
    for part in filter(None, (part.strip() for part in text.split("|"))):
        scheme, colon, value = part.partition(":")
        if not colon or not scheme.strip() or not value.strip():
            raise ValueError(
                f"{part!r} is not an external id; expected scheme:id, e.g. 'orgnr:202100-2817', "
                "several joined by '|'"
            )
        ids[scheme.strip()] = value.strip()
    return ids


def format_external_ids(ids: dict[str, str]) -> str:
    """The CSV cell of external ids: `scheme:id` joined by `|`, sorted by scheme.

    >>> format_external_ids({"vat": "SE1", "pic": "9"})
    'pic:9|vat:SE1'
    """
    return "|".join(f"{scheme}:{value}" for scheme, value in sorted(ids.items()))


Text = Annotated[str, Field(min_length=1, max_length=100_000)]

DATA_MAX_DEPTH = 32
"""Levels of objects and lists a record's `data` may have (`{"a": {"b": 1}}` has 2): far below
what the stores' JSON (pydantic reads about 200 levels back, SQLite 1,000) and Python's
recursion can take."""
DATA_MAX_VALUES = 10_000
"""Keys, list items and values a record's `data` may hold in all."""
DATA_MAX_CHARS = 1_048_576
"""Characters a record's `data` may take as JSON: one CSV cell's worth of text, so that every
export loads back."""
MAX_INTEGER_DIGITS = 18
"""Digits a whole number may have (below 2**63, what SQLite and Neo4j store as integers)."""
_MAX_INTEGER = 10**MAX_INTEGER_DIGITS


def check_data(data: dict[str, Any]) -> dict[str, Any]:
    """`data` if it is at most DATA_MAX_DEPTH deep, of at most DATA_MAX_VALUES values, and
    its numbers fit (whole numbers of at most MAX_INTEGER_DIGITS digits, no NaN or infinity),
    and it is at most DATA_MAX_CHARS characters as JSON. Raises ValueError saying which limit
    it breaks; walks without recursion.

    >>> check_data({"a": [1, 2.5]})
    {'a': [1, 2.5]}
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    values = chars = 0
    while stack:
        container, depth = stack.pop()
        if depth > DATA_MAX_DEPTH:
            raise ValueError(
                f"is nested more than {DATA_MAX_DEPTH} levels deep; data may have at most "
                f"{DATA_MAX_DEPTH} levels of objects and lists"
            )
        children = container.values() if isinstance(container, dict) else container
        values += len(children)
        if values > DATA_MAX_VALUES:
            raise ValueError(f"holds more than {DATA_MAX_VALUES:,} values; keep data small")
        if isinstance(container, dict):
            chars += sum(map(len, container))
        for value in children:
            if isinstance(value, str):
                chars += len(value)
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1))
            elif isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"holds the number {value}; expected finite numbers only")
            elif isinstance(value, int) and not -_MAX_INTEGER < value < _MAX_INTEGER:
                raise ValueError(
                    f"holds a whole number of more than {MAX_INTEGER_DIGITS} digits; "
                    "write it as text if it is an identifier"
                )
    # The text in it is a lower bound of its JSON; the JSON is measured only near the limit.
    if chars > DATA_MAX_CHARS // 4:
        size = len(json.dumps(data, ensure_ascii=False))
        if size > DATA_MAX_CHARS:
            raise ValueError(
                f"is {size:,} characters long as JSON; data may take at most "
                f"{DATA_MAX_CHARS:,} (one spreadsheet cell)"
            )
    return data


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Source(_Record):
    """Where a fact comes from: a document and the sentence in it, or a public URL."""

    document: str | None = Field(
        None, description="File name of the document, in the documents/ folder of the seed files"
    )
    quote: str | None = Field(
        None, description="The sentence of the document that states the fact, verbatim"
    )
    url: str | None = Field(None, description="A public http(s) URL that states the fact")

    _blank = field_validator("document", "quote", "url", mode="before")(_blank_to_none)

    @model_validator(mode="after")
    def _needs_an_origin(self) -> Source:
        if not (self.document or self.url):
            raise ValueError("a source needs a document or a url")
        if self.document and not self.quote:
            raise ValueError(f"the source from document {self.document!r} has no quote")
        if self.url and not self.url.startswith(("https://", "http://")):
            raise ValueError(f"url {self.url!r} must start with https:// or http://")
        return self


class Actor(_Record):
    """An organisation, government department, funder or network."""

    id: Slug = Field(description="Lowercase slug, unique among actors, e.g. `region-skane`")
    name: Text = Field(description="Name as the actor writes it, usually Swedish")
    name_en: str | None = Field(None, description="English name")
    kinds: tuple[ActorKind, ...] = Field(
        (ActorKind.ORGANISATION,), description="What the actor is; one or more, distinct"
    )
    sector: Sector = Field(description="Public, private, civil society, academia or unknown")
    subsector: str | None = Field(
        None, description="A finer category within the sector, e.g. `agency`, `municipality`"
    )
    region: str | None = Field(
        None, description="Swedish county (län) the actor is located in, e.g. `Skåne län`"
    )
    country: str | None = Field(
        None, description="ISO 3166-1 alpha-2 country code, e.g. `SE`; `SE` when a region is set"
    )
    url: str | None = Field(None, description="The actor's website, an http(s) address")
    aliases: tuple[str, ...] = Field((), description="Other names the actor goes by")
    description: str | None = Field(None, description="A sentence or two about the actor")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Further attributes from the seed file, as given"
    )
    external_ids: dict[ExternalScheme, ExternalId] = Field(
        default_factory=dict,
        description="Ids in other registers by scheme: `pic` (EU), `vat`, `orgnr` (Swedish), ...",
    )
    sources: tuple[Source, ...] = Field((), description="Where the facts about it come from")

    _blank = field_validator(
        "name", "name_en", "subsector", "region", "country", "url", "description", mode="before"
    )(_blank_to_none)

    _data = field_validator("data")(check_data)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return normalise_country(value) if value is not None else None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        """A website is a web address: `javascript:` and the like are never links."""
        if value is not None and not value.lower().startswith(WEB_SCHEMES):
            raise ValueError(
                f"{value[:80]!r} is not a web address; expected one starting with "
                "https:// or http://"
            )
        return value

    @field_validator("external_ids", mode="before")
    @classmethod
    def _external_ids(cls, value: Any) -> Any:
        return parse_external_ids(value) if isinstance(value, str) else value

    @field_validator("kinds", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in re.split(r"[|,;]", value) if part.strip()]
        if not value:
            raise ValueError("an actor needs at least one kind")
        return tuple(
            dict.fromkeys(part.strip() if isinstance(part, str) else part for part in value)
        )

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split("|")
        return tuple(dict.fromkeys(alias for alias in map(_clean_text, value) if alias))

    @field_validator("subsector")
    @classmethod
    def _subsector(cls, value: str | None) -> str | None:
        if value is not None and value not in SUBSECTORS:
            raise ValueError(f"{value!r} is not one of {', '.join(SUBSECTORS)}")
        return value

    @model_validator(mode="after")
    def _region(self) -> Actor:
        """A region is a Swedish county: it is normalised, and it makes an unknown country SE."""
        if self.region is not None and self.country in (None, "SE"):
            object.__setattr__(self, "region", normalise_region(self.region))
            object.__setattr__(self, "country", "SE")
        return self


class Collaboration(_Record):
    """A project, partnership, event, programme, network or policy that actors take part in."""

    id: Slug = Field(description="Lowercase slug, unique among collaborations")
    name: Text = Field(description="Name as its organisers write it, usually Swedish")
    name_en: str | None = Field(None, description="English name")
    kind: CollaborationKind = Field(description="Project, partnership, event, programme, ...")
    start: str | None = Field(None, description="First year or day: `YYYY` or `YYYY-MM-DD`")
    end: str | None = Field(
        None, description="Last year or day: `YYYY` or `YYYY-MM-DD`, not before start"
    )
    region: str | None = Field(None, description="Swedish county (län) where it takes place")
    description: str | None = Field(None, description="A sentence or two about it")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Further attributes from the seed file, as given"
    )
    sources: tuple[Source, ...] = Field((), description="Where the facts about it come from")

    _blank = field_validator("name", "name_en", "region", "description", mode="before")(
        _blank_to_none
    )
    _dates = field_validator("start", "end", mode="before")(_check_date)
    _data = field_validator("data")(check_data)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return normalise_region(value) if value else None

    @model_validator(mode="after")
    def _period(self) -> Collaboration:
        return _check_period(self)

    def active_in(self, year_from: int | None, year_to: int | None) -> bool:
        """Whether the collaboration overlaps [year_from, year_to]; undated ones always do."""
        start, end = year_of(self.start), year_of(self.end) or year_of(self.start)
        if year_from is not None and end is not None and end < year_from:
            return False
        return not (year_to is not None and start is not None and start > year_to)


_ACTOR_TO_ACTOR = {RelationType.PART_OF, RelationType.MEMBER_OF, RelationType.COLLABORATES_WITH}


class Relation(_Record):
    """A typed link from an actor to an actor or a collaboration.

    Identity is (type, source, target, collaboration, role, year): upserting the same identity
    replaces it. `collaboration` is only for FUNDS between two actors: the collaboration the
    money is for (a funder that pays each partner of a project its share).
    """

    type: RelationType = Field(description="What the link is, e.g. `PARTICIPATES_IN`, `FUNDS`")
    source: Slug = Field(description="Id of the actor the relation goes from")
    target: Slug = Field(description="Id of the actor or collaboration it goes to")
    collaboration: Slug | None = Field(
        None, description="FUNDS between two actors only: the collaboration the money is for"
    )
    role: Role | None = Field(
        None, description="PARTICIPATES_IN only: the part taken, `participant` unless given"
    )
    amount: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = Field(
        None, description="FUNDS only: the sum of money, in `currency` (>= 0)"
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="FUNDS only: ISO 4217 code of the amount, `SEK` unless given"
    )
    year: Annotated[int, Field(ge=1800, le=2200)] | None = Field(
        None, description="The one year it refers to, e.g. of a grant (year, 1800-2200)"
    )
    start: str | None = Field(None, description="First year or day: `YYYY` or `YYYY-MM-DD`")
    end: str | None = Field(
        None, description="Last year or day: `YYYY` or `YYYY-MM-DD`, not before start"
    )
    description: str | None = Field(None, description="A sentence about the relation")
    sources: tuple[Source, ...] = Field((), description="Where the facts about it come from")

    _blank = field_validator("description", "currency", "role", mode="before")(_blank_to_none)
    _dates = field_validator("start", "end", mode="before")(_check_date)

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> Relation:
        if self.type is RelationType.PARTICIPATES_IN and self.role is None:
            object.__setattr__(self, "role", Role.PARTICIPANT)
        if self.type is not RelationType.PARTICIPATES_IN and self.role is not None:
            raise ValueError(f"role is only for PARTICIPATES_IN, not {self.type.value}")
        if self.type is RelationType.FUNDS and self.amount is not None and self.currency is None:
            object.__setattr__(self, "currency", "SEK")
        if self.type is not RelationType.FUNDS and (self.amount is not None or self.currency):
            raise ValueError(f"amount and currency are only for FUNDS, not {self.type.value}")
        if self.collaboration is not None and self.type is not RelationType.FUNDS:
            raise ValueError(f"collaboration is only for FUNDS, not {self.type.value}")
        if self.type in _ACTOR_TO_ACTOR and self.source == self.target:
            raise ValueError(
                f"an actor cannot have {self.type.value} with itself ({self.source!r})"
            )
        return _check_period(self)

    @property
    def key(self) -> str:
        """The relation's identity as one string: TYPE:source->target[/collaboration][:role][@year].

        >>> Relation(type="FUNDS", source="eu", target="umu", collaboration="p1", year=2016).key
        'FUNDS:eu->umu/p1@2016'
        """
        key = f"{self.type}:{self.source}->{self.target}"  # a StrEnum formats as its value
        if self.collaboration is not None:
            key += f"/{self.collaboration}"
        if self.role is not None:
            key += f":{self.role}"
        if self.year is not None:
            key += f"@{self.year}"
        return key

    @property
    def target_is_collaboration(self) -> bool | None:
        """True/False where the type fixes it; None for FUNDS, which may point at either."""
        if self.type is RelationType.PARTICIPATES_IN:
            return True
        if self.type in _ACTOR_TO_ACTOR or self.collaboration is not None:
            return False
        return None


def merge_sources(*groups: tuple[Source, ...]) -> tuple[Source, ...]:
    """Union of source tuples, first-seen order, without duplicates."""
    return tuple(dict.fromkeys(source for group in groups for source in group))


class Batch(BaseModel):
    """Everything one load writes: applied by a store all or nothing."""

    actors: list[Actor] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)

    def __len__(self) -> int:
        return len(self.actors) + len(self.collaborations) + len(self.relations)


@dataclass
class AnalysisRows:
    """The store's contents as plain columns, all an analysis graph is built from.

    One row per actor, collaboration and relation, in any order; years are ints or None. A
    relation's years are its `year` and the years of its `start` and `end`.
    """

    actor_ids: list[str] = dc_field(default_factory=list)
    actor_names: list[str] = dc_field(default_factory=list)
    actor_sectors: list[str] = dc_field(default_factory=list)
    actor_regions: list[str | None] = dc_field(default_factory=list)
    # the fields a scope can keep actors by (filters.ACTOR_ATTRIBUTES): name -> one value per actor
    actor_attributes: dict[str, list[Any]] = dc_field(default_factory=dict)
    collaboration_ids: list[str] = dc_field(default_factory=list)
    collaboration_regions: list[str | None] = dc_field(default_factory=list)
    collaboration_starts: list[int | None] = dc_field(default_factory=list)
    collaboration_ends: list[int | None] = dc_field(default_factory=list)
    relation_types: list[str] = dc_field(default_factory=list)
    relation_sources: list[str] = dc_field(default_factory=list)
    relation_targets: list[str] = dc_field(default_factory=list)
    relation_years: list[int | None] = dc_field(default_factory=list)
    relation_starts: list[int | None] = dc_field(default_factory=list)
    relation_ends: list[int | None] = dc_field(default_factory=list)
    relation_keys: list[str | None] = dc_field(default_factory=list)  # None: not needed


class TypeReport(BaseModel):
    created: int = Field(0, description="Records that were new (count)")
    updated: int = Field(0, description="Records that existed and changed (count)")
    unchanged: int = Field(0, description="Records that existed as given (count)")
    removed: list[str] = Field(
        default_factory=list,
        description="Ids (relation keys) removed: by a replace, or with a removed actor or "
        "collaboration",
    )


class ApplyReport(BaseModel):
    """What an apply did, per record type, and to which dataset."""

    actors: TypeReport = Field(default_factory=TypeReport)
    collaborations: TypeReport = Field(default_factory=TypeReport)
    relations: TypeReport = Field(default_factory=TypeReport)
    dataset: str | None = None

    def parts(self) -> list[tuple[str, TypeReport]]:
        return [
            ("actors", self.actors),
            ("collaborations", self.collaborations),
            ("relations", self.relations),
        ]

    def summary(self) -> str:
        """One line per record type, e.g. `actors: 3 created, 0 updated, 1 unchanged`, with
        `, 2 removed` when something was."""
        return "\n".join(
            f"{name}: {part.created} created, {part.updated} updated, {part.unchanged} unchanged"
            + (f", {len(part.removed)} removed" if part.removed else "")
            for name, part in self.parts()
        )
