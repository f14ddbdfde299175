"""What the analyses answer, declared once: the API's response models, the CLI's tables.

The analysis functions (mapper.analysis) return plain dicts and lists of these shapes; the API
validates its answers against them and the CLI reads its tables from them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mapper.model import Sector

__all__ = [
    "Asked",
    "Broker",
    "Brokerage",
    "Brokers",
    "Connections",
    "Flow",
    "FunderTotal",
    "Funding",
    "GapPair",
    "GapParameters",
    "Gaps",
    "Link",
    "LinkEnd",
    "Mixing",
    "PathStep",
    "Paths",
    "Suggestion",
    "SuggestionParts",
    "Suggestions",
    "Total",
    "Via",
]


class Asked(BaseModel):
    """What an answer answers: the question as the store understood it."""

    filters: dict[str, Any] = Field(
        description="The scope, normalised (a region as its county's name, a country as its "
        "ISO code), every filter with the value used, defaults included"
    )
    parameters: dict[str, Any] = Field(
        description="The analysis' other parameters, with the values used"
    )
    generation: int = Field(
        description="The store's generation the answer was computed from (changes with every write)"
    )
    computed_at: str = Field(description="When it was computed (ISO 8601, UTC)")


_ASKED = "The question this answers: filters, parameters, store generation, time"


class GapPair(BaseModel):
    """One sector pair against the null model: labels shuffled among actors of similar degree."""

    sectors: list[Sector] = Field(description="The two sectors; the same one twice for within")
    observed: int = Field(description="Links between the two sectors (count)")
    expected: float = Field(description="Mean number of links under the null model, exact (links)")
    ratio: float | None = Field(description="observed / expected (>= 0); None when expected is 0")
    z: float | None = Field(
        description="(observed - expected) / standard deviation of the permuted counts"
    )
    null_low: float = Field(description="2.5 % quantile of the permuted counts (links)")
    null_high: float = Field(description="97.5 % quantile of the permuted counts (links)")
    p_value: float | None = Field(description="One-sided p-value for fewer links than chance (0-1)")
    p_value_more: float | None = Field(
        description="One-sided p-value for more links than chance (0-1)"
    )
    p_adjusted: float | None = Field(
        description="p_value adjusted by Benjamini-Hochberg over the tested pairs (0-1)"
    )
    gap: bool = Field(description="ratio < ratio_threshold and p_adjusted < alpha")
    expected_configuration: float = Field(
        description="Configuration-model formula D_a·D_b/2m, for comparison; overstates hubs"
    )


class GapParameters(BaseModel):
    """The parameters the answer was computed with."""

    permutations: int = Field(description="Label shuffles of the null model (count, 1-2000)")
    seed: int = Field(description="Random seed of the shuffles (0 to 2^32-1)")
    bins: int = Field(description="Degree bins the labels were shuffled within (count, 1-100)")
    ratio_threshold: float = Field(description="A gap needs a ratio below this (0-1)")
    alpha: float = Field(description="A gap needs p_adjusted below this (probability, 0-1)")


_UNKNOWN_LEFT_OUT = "Actors of unknown sector in the scope, left out of these figures (count)"


class Gaps(BaseModel):
    scope: Asked = Field(description=_ASKED)
    pairs: list[GapPair] = Field(
        description="Every unordered pair of the four sectors, a sector with itself included"
    )
    actors: int = Field(description="Actors in the scope (count)")
    unknown_sector_actors: int = Field(0, description=_UNKNOWN_LEFT_OUT)
    links: int = Field(description="Links among them (count)")
    isolated_actors: list[str] = Field(description="Ids of the actors without a link, sorted")
    sectors_without_cross_links: list[Sector] = Field(
        description="Sectors with actors but no link to another sector"
    )
    parameters: GapParameters = Field(description="The parameters used")


class Mixing(BaseModel):
    scope: Asked = Field(description=_ASKED)
    sectors: list[Sector] = Field(description="The four sectors, in the order of the tables")
    actors: dict[str, int] = Field(description="Actors per sector (count)")
    links: dict[str, dict[str, int]] = Field(
        description="Links per sector pair, symmetric; [a][a] counts those within a (count)"
    )
    weights: dict[str, dict[str, float]] = Field(
        description="Sum of those links' weights: shared collaborations + direct relations"
    )
    density: dict[str, dict[str, float | None]] = Field(
        description="Links / possible pairs of actors (0-1); None without a possible pair"
    )
    ei_index: dict[str, float | None] = Field(
        description="E-I index per sector, (external - internal) / (external + internal) "
        "links (-1 to 1); None for a sector without links"
    )
    ei_index_overall: float | None = Field(
        description="E-I index over all links, cross-sector against within-sector (-1 to 1)"
    )
    unknown_sector_actors: int = Field(0, description=_UNKNOWN_LEFT_OUT)


class Brokerage(BaseModel):
    """Gould-Fernandez roles: the open two-paths u - actor - w, by the sectors of the three."""

    coordinator: int = Field(description="u, the actor and w in one sector (count of two-paths)")
    itinerant: int = Field(description="u and w in one sector, the actor in another (count)")
    representative_gatekeeper: int = Field(
        description="The actor shares its sector with exactly one of u and w (count)"
    )
    liaison: int = Field(description="u, the actor and w in three sectors (count)")
    total: int = Field(description="Open two-paths through the actor, the sum of the roles")


class Broker(BaseModel):
    actor: str = Field(description="Actor id")
    name: str = Field(description="Actor name")
    sector: Sector = Field(description="Actor sector")
    cross_sector_betweenness: float = Field(
        description="Average share of the shortest paths between actors of different sectors "
        "that pass through it (0-1)"
    )
    betweenness: float = Field(description="Normalised betweenness over all pairs (0-1)")
    between_sectors: float | None = Field(
        None,
        description="With `sector_a` and `sector_b`: the average share of the shortest paths "
        "between an actor of one and an actor of the other that pass through it (0-1); "
        "otherwise null",
    )
    brokerage: Brokerage = Field(description="Its brokerage roles")


class Brokers(BaseModel):
    scope: Asked = Field(description=_ASKED)
    sectors: list[Sector] | None = Field(
        None,
        description="`sector_a` and `sector_b` when the brokers between them were asked for",
    )
    brokers: list[Broker] = Field(
        description="At most `top` actors, by cross-sector betweenness, then betweenness, then id"
    )
    exact: bool = Field(description="False when betweenness is estimated from sampled sources")
    sources: int = Field(description="Source actors the betweenness was computed from (count)")
    actors: int = Field(description="Actors in the scope (count)")
    unknown_sector_actors: int = Field(0, description=_UNKNOWN_LEFT_OUT)


class Via(BaseModel):
    """What links a step to the one before it."""

    collaborations: list[str] = Field(description="Ids of the collaborations both take part in")
    relations: list[str] = Field(
        description="Keys of the direct relations between them, "
        "e.g. `PART_OF:vinnova->naringsdepartementet`"
    )


class PathStep(BaseModel):
    actor: str = Field(description="Actor id")
    name: str = Field(description="Actor name")
    sector: Sector = Field(description="Actor sector")
    via: Via | None = Field(description="What links it to the step before; None for the first")


class Paths(BaseModel):
    scope: Asked = Field(description=_ASKED)
    source: str = Field(description="Id of the actor the paths start from")
    target: str = Field(description="Id of the actor they end at")
    paths: list[list[PathStep]] = Field(
        description="At most `k` shortest paths, in links, shortest first; [] when none is "
        "within `max_hops`"
    )


class LinkEnd(BaseModel):
    actor: str = Field(description="Actor id")
    name: str = Field(description="Actor name")
    sector: Sector = Field(description="Actor sector")


class Link(BaseModel):
    actors: list[LinkEnd] = Field(description="The two actors, the one in `sector_a` first")
    weight: float = Field(description="Shared collaborations + direct relations (count)")
    collaborations: list[str] = Field(description="Ids of the collaborations both take part in")
    relations: list[str] = Field(description="Keys of the direct relations between them")


class Connections(BaseModel):
    scope: Asked = Field(description=_ASKED)
    sectors: list[Sector] = Field(description="`sector_a` and `sector_b`")
    total: int = Field(description="Links joining the two sectors (count)")
    links: list[Link] = Field(description="At most `limit` of them, strongest first, then by id")


class SuggestionParts(BaseModel):
    """The parts of a suggestion's score; they add up to it."""

    adamic_adar: float = Field(
        description="Sum over the common neighbours z of 1 / log(degree(z)) (>= 0)"
    )
    shared_region: float = Field(
        description="`region_weight` when both are in the same known region, else 0"
    )
    shared_funders: float = Field(description="`funder_weight` × the funders both have")


class Suggestion(BaseModel):
    actor: str = Field(description="Id of the suggested actor, in another sector")
    name: str = Field(description="Actor name")
    sector: Sector = Field(description="Actor sector")
    score: float = Field(description="adamic_adar + shared_region + shared_funders (> 0)")
    parts: SuggestionParts = Field(description="The parts of the score")
    common_neighbours: list[str] = Field(description="Ids of the actors both are linked to")
    shared_funders: list[str] = Field(description="Ids of the actors that fund both directly")


class Suggestions(BaseModel):
    scope: Asked = Field(description=_ASKED)
    actor: str = Field(description="Id of the actor the suggestions are for")
    suggestions: list[Suggestion] = Field(
        description="At most `k`, highest score first, ties by id; scores of 0 left out"
    )


class Flow(BaseModel):
    funder_sector: str = Field(description="Sector of the funders")
    recipient: str = Field(
        description="`actor` for money to actors, `collaboration` for money to a collaboration"
    )
    recipient_sector: Sector | None = Field(
        description="Sector of the recipient actors; null for money to a collaboration"
    )
    year: int | None = Field(description="The relations' year; null when undated")
    currency: str = Field(description="ISO 4217 code, e.g. `SEK`; `unknown` when not given")
    amount: float = Field(description="Sum of the amounts, in `currency` (>= 0)")
    count: int = Field(description="FUNDS relations, those without an amount included (count)")


class Total(BaseModel):
    amount: float = Field(description="Sum of the amounts, in the currency of its key (>= 0)")
    count: int = Field(description="FUNDS relations, those without an amount included (count)")


class FunderTotal(BaseModel):
    funder: str = Field(description="Id of the funder")
    name: str = Field(description="Funder name")
    sector: Sector = Field(description="Funder sector")
    totals: dict[str, Total] = Field(description="Its sums by currency (ISO 4217 or `unknown`)")


class Funding(BaseModel):
    scope: Asked = Field(description=_ASKED)
    flows: list[Flow] = Field(
        description="Sums by funder sector, recipient sector, year and currency"
    )
    funders: list[FunderTotal] = Field(description="Sums per funder")
    totals: dict[str, Total] = Field(
        description="Sums over every FUNDS relation kept, by currency (ISO 4217 or `unknown`)"
    )
