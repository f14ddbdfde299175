"""What a caller can ask for: every filter set and limit, declared once.

A filter set is a frozen dataclass whose fields carry an `Option`: a description, a range and,
through the field's type, the allowed values. The API's query parameters (`api.deps`), the
CLI's options (`mapper.cli`), the service and the stores are all derived from these
declarations, so adding a filter is a field here plus its query in each store. A filter set
checks and normalises its values when it is made, and raises InvalidParameter naming the field:
every instance that exists is valid, and two that mean the same are equal.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from mapper.countries import normalise_country
from mapper.errors import InvalidParameter
from mapper.model import (
    ACTOR_RELATION_TYPES,
    ActorKind,
    ActorRelationType,
    CollaborationKind,
    Sector,
    Subsector,
)
from mapper.regions import normalise_region

__all__ = [
    "ACTOR_ATTRIBUTES",
    "DEFAULT_PERMUTATIONS",
    "LIMITS",
    "ActorFilter",
    "CollaborationFilter",
    "Limits",
    "Listing",
    "Option",
    "Scope",
    "check_country",
    "check_region",
    "check_relation_types",
    "check_years",
    "country_option",
    "option",
    "options",
    "region_option",
]

_YEARS = (1800, 2200)


@dataclass(frozen=True)
class Limits:
    """The largest values a caller may ask for; beyond them a request is refused, not slow."""

    page_size: int = 1000
    depth: int = 3
    max_hops: int = 6
    paths: int = 20
    permutations: int = 2000
    top: int = 500


LIMITS = Limits()

DEFAULT_PERMUTATIONS = 1000
"""Permutations of the gaps' null model unless asked otherwise: p-values to about 0.001."""


@dataclass(frozen=True)
class Option:
    """How one filter is asked for: what it means, its range and how it is checked.

    `cli` names the CLI option when it is not the field's name (`relation-type`; for a flag
    that is on by default, `--no-<cli>` turns it off). `check` normalises a given value or
    raises InvalidParameter. `actor_attribute` (Scope only) keeps the actors whose field of
    that name has the value: the store reads it into `AnalysisRows.actor_attributes`.
    """

    description: str
    low: int | None = None
    high: int | None = None
    max_length: int | None = None
    cli: str | None = None
    check: Callable[[Any], Any] | None = None
    actor_attribute: bool = False


def option(default: Any, description: str, **details: Any) -> Any:
    """A dataclass field declared as a filter."""
    return field(default=default, metadata={"option": Option(description, **details)})


@cache
def options(filter_set: type) -> tuple[tuple[str, Any, Any, Option], ...]:
    """(name, type, default, Option) of every filter of `filter_set`, in declaration order.

    >>> [name for name, *_ in options(CollaborationFilter)]
    ['kind', 'region', 'year', 'q']
    """
    hints = typing.get_type_hints(filter_set)
    return tuple(
        (f.name, hints[f.name], f.default, f.metadata["option"])
        for f in dataclasses.fields(filter_set)
    )


def _normalised(name: str, normalise: Callable[[str], str], doc: str) -> Callable:
    """A check of the filter `name`: None for nothing given, else `normalise`'s answer, its
    ValueError an InvalidParameter naming the filter."""

    def check(value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return normalise(value)
        except ValueError as error:
            raise InvalidParameter(name, str(error)) from None

    check.__name__, check.__doc__ = f"check_{name}", doc
    return check


check_region = _normalised(
    "region", normalise_region, "The county `region` names, in any form; or None."
)
check_country = _normalised(
    "country", normalise_country, "The ISO 3166-1 code `country` names (EL, UK: GR, GB); or None."
)


def country_option(keeps: str) -> Any:
    """The country filter, the same in every filter set but for what it keeps."""
    return option(
        None,
        f"Only this country, an ISO 3166-1 code such as `SE` (EL and UK read as GR and GB); "
        f"{keeps}",
        max_length=10,
        check=check_country,
        actor_attribute=True,
    )


def check_years(year_from: int | None, year_to: int | None) -> None:
    """Raise InvalidParameter when both years are given and `year_from` is after `year_to`."""
    if year_from is not None and year_to is not None and year_from > year_to:
        raise InvalidParameter("year_from", f"{year_from} is after year_to {year_to}")


def check_relation_types(relation_types: Iterable[str] | str | None) -> set[str]:
    """The relation types as a set (None: all that link two actors); InvalidParameter names a
    type that does not link two actors."""
    if relation_types is None:
        return set(ACTOR_RELATION_TYPES)
    if isinstance(relation_types, str):
        relation_types = [relation_types]
    types = {getattr(name, "value", name) for name in relation_types}
    for name in sorted(types, key=str):
        if name not in ACTOR_RELATION_TYPES:
            raise InvalidParameter(
                "relation_types",
                f"{name!r} does not link two actors; expected any of "
                f"{', '.join(ACTOR_RELATION_TYPES)} (PARTICIPATES_IN is covered by "
                "shared_collaborations)",
            )
    return types


def region_option(keeps: str) -> Any:
    """The region filter, the same in every filter set but for what it keeps."""
    return option(
        None,
        f"Only this county, in any form: `Skåne län`, `Skåne`, `Region Skåne` or `12`; {keeps}",
        max_length=200,
        check=check_region,
    )


def _relation_types(value: Iterable[str] | str) -> tuple[str, ...] | None:
    """A sorted tuple of relation types; None when it names all of them."""
    types = tuple(sorted(check_relation_types(value)))
    return None if types == tuple(sorted(ACTOR_RELATION_TYPES)) else types


def _check(filter_set: Any) -> None:
    """Check and normalise every given field of a frozen filter set, in place."""
    for name, kind, _, details in options(type(filter_set)):
        value = getattr(filter_set, name)
        if value is None:
            continue
        if details.check is not None:
            value = details.check(value)
        else:
            value = _checked_value(name, kind, value, details)
        object.__setattr__(filter_set, name, value)


def _checked_value(name: str, kind: Any, value: Any, details: Option) -> Any:
    choices = _choices(kind)
    if choices is not None:
        value = getattr(value, "value", value)
        if value not in choices:
            raise InvalidParameter(name, f"{value!r} is not one of {', '.join(choices)}")
    if isinstance(value, int) and not isinstance(value, bool) and details.low is not None:
        high = details.high if details.high is not None else value
        if not details.low <= value <= high:
            raise InvalidParameter(
                name, f"{value} is outside the allowed range {details.low}..{details.high}"
            )
    if isinstance(value, str) and details.max_length and len(value) > details.max_length:
        raise InvalidParameter(name, f"is longer than {details.max_length} characters")
    return value


def _choices(kind: Any) -> tuple[str, ...] | None:
    """The values an enum-typed field allows, or None."""
    for candidate in (kind, *typing.get_args(kind)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return tuple(member.value for member in candidate)
    return None


@dataclass(frozen=True)
class Scope:
    """What part of the ecosystem an analysis or a map looks at: the actor graph's parameters.

    Checked and normalised once, when it is made at the edge (API dependency, CLI options):
    the region becomes its county's name, the relation types a sorted tuple (None: all four),
    and the years a range within 1800..2200.

    >>> Scope(region="12", relation_types=("FUNDS", "COLLABORATES_WITH"))
    Scope(relation_types=('COLLABORATES_WITH', 'FUNDS'), shared_collaborations=True, \
region='Skåne län', year_from=None, year_to=None, subsector=None, country=None, \
with_partners=False)
    """

    relation_types: tuple[ActorRelationType, ...] | None = option(
        None,
        "Direct relations that link two actors (repeatable); default all four",
        cli="relation-type",
        check=_relation_types,
    )
    shared_collaborations: bool = option(
        True, "Link actors that take part in the same collaboration", cli="shared"
    )
    region: str | None = region_option("its actors and the participants of its collaborations")
    year_from: int | None = option(
        None,
        "Only links active from this year (undated links are kept)",
        low=_YEARS[0],
        high=_YEARS[1],
    )
    year_to: int | None = option(
        None,
        "Only links active up to this year (undated links are kept)",
        low=_YEARS[0],
        high=_YEARS[1],
    )
    subsector: Subsector | None = option(
        None, "Only actors of this subsector, e.g. `municipality`", actor_attribute=True
    )
    country: str | None = country_option("its actors (unknown countries are left out)")
    with_partners: bool = option(
        False,
        "With `country`: also every actor linked to one of its actors (their direct partners), "
        "and the links among all of them",
    )

    def __post_init__(self) -> None:
        _check(self)
        check_years(self.year_from, self.year_to)
        if self.with_partners and self.country is None:
            raise InvalidParameter("with_partners", "needs country: whose partners to add")

    def actor_attributes(self) -> dict[str, Any]:
        """The actor-attribute filters that are set: keep actors whose field has the value."""
        return {
            name: getattr(self, name)
            for name, _, _, details in options(Scope)
            if details.actor_attribute and getattr(self, name) is not None
        }

    def graph_options(self) -> dict[str, Any]:
        """The keyword arguments of `actor_graph` and `compact_graph_from_rows` for this scope."""
        attributes = set(ACTOR_ATTRIBUTES)
        values = {
            name: getattr(self, name) for name, *_ in options(Scope) if name not in attributes
        }
        return values | {"attributes": self.actor_attributes()}


ACTOR_ATTRIBUTES: tuple[str, ...] = tuple(
    name for name, _, _, details in options(Scope) if details.actor_attribute
)


@dataclass(frozen=True)
class ActorFilter:
    """Which actors a listing returns (all given filters must match)."""

    sector: Sector | None = option(None, "Only actors of this sector")
    kind: ActorKind | None = option(None, "Only actors of this kind")
    subsector: Subsector | None = option(None, "Only actors of this subsector")
    region: str | None = region_option("the actors located there")
    country: str | None = country_option("the actors registered there")
    q: str | None = option(
        None,
        "A name search over name, English name, aliases, id and external ids, folded (case, "
        "accents, å = aa, ä = ae, ö = oe) and ranked: exact, prefix, word, all words, then "
        "names within a typo or two; the answer is in that order instead of by id",
        max_length=200,
    )

    def __post_init__(self) -> None:
        _blank_query(self)
        _check(self)


@dataclass(frozen=True)
class CollaborationFilter:
    """Which collaborations a listing returns (all given filters must match)."""

    kind: CollaborationKind | None = option(None, "Only collaborations of this kind")
    region: str | None = region_option("the collaborations held there")
    year: int | None = option(
        None, "Only collaborations active that year (undated: never)", low=_YEARS[0], high=_YEARS[1]
    )
    q: str | None = option(
        None,
        "A name search over name, English name and id, folded and ranked as for actors; the "
        "answer is in rank order instead of by id",
        max_length=200,
    )

    def __post_init__(self) -> None:
        _blank_query(self)
        _check(self)


def _blank_query(filters: ActorFilter | CollaborationFilter) -> None:
    """An empty or blank search is no search."""
    if filters.q is not None and not filters.q.strip():
        object.__setattr__(filters, "q", None)


Listing = ActorFilter | CollaborationFilter
"""What a listing asks for: actors by an ActorFilter, collaborations by a CollaborationFilter."""
