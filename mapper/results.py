"""What the analyses answer, declared once: the API's response models, the CLI's tables.

The analysis functions (mapper.analysis) return plain dicts and lists of these shapes; the API
validates its answers against them and the CLI reads its tables from them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from mapper.model import Sector

__all__ = [
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


class GapPair(BaseModel):
    """One sector pair against the null model: labels shuffled among actors of similar degree."""

    sectors: list[Sector] = Field(description="The two sectors; the same one twice for within")
    observed: int = Field(description="Links between the two sectors")
    expected: float = Field(description="Mean number of links under the null model (exact)")
    ratio: float | None = Field(description="observed / expected; None when expected is 0")
    z: float | None = Field(
        description="(observed - expected) / standard deviation of the permuted counts"
    )
    null_low: float = Field(description="2.5 % quantile of the permuted counts")
    null_high: float = Field(description="97.5 % quantile of the permuted counts")
    p_value: float | None = Field(description="One-sided p-value for fewer links than chance")
    p_value_more: float | None = Field(description="One-sided p-value for more links than chance")
    p_adjusted: float | None = Field(
        description="p_value adjusted by Benjamini-Hochberg over the tested pairs"
    )
    gap: bool = Field(description="ratio < ratio_threshold and p_adjusted < alpha")
    expected_configuration: float = Field(
        description="Configuration-model formula D_a·D_b/2m, for comparison; overstates hubs"
    )


class GapParameters(BaseModel):
    permutations: int
    seed: int
    bins: int
    ratio_threshold: float
    alpha: float


class Gaps(BaseModel):
    pairs: list[GapPair]
    actors: int
    unknown_sector_actors: int = Field(
        0, description="Actors of unknown sector in the scope, left out of these figures"
    )
    links: int
    isolated_actors: list[str]
    sectors_without_cross_links: list[Sector]
    parameters: GapParameters


class Mixing(BaseModel):
    sectors: list[Sector]
    actors: dict[str, int]
    links: dict[str, dict[str, int]]
    weights: dict[str, dict[str, float]]
    density: dict[str, dict[str, float | None]]
    ei_index: dict[str, float | None]
    ei_index_overall: float | None
    unknown_sector_actors: int = Field(
        0, description="Actors of unknown sector in the scope, left out of these figures"
    )


class Brokerage(BaseModel):
    coordinator: int
    itinerant: int
    representative_gatekeeper: int
    liaison: int
    total: int


class Broker(BaseModel):
    actor: str
    name: str
    sector: Sector
    cross_sector_betweenness: float
    betweenness: float
    brokerage: Brokerage


class Brokers(BaseModel):
    brokers: list[Broker]
    exact: bool = Field(description="False when betweenness is estimated from sampled sources")
    sources: int = Field(description="Source actors the betweenness was computed from")
    actors: int = Field(description="Actors in the scope")
    unknown_sector_actors: int = Field(
        0, description="Actors of unknown sector in the scope, left out of these figures"
    )


class Via(BaseModel):
    collaborations: list[str]
    relations: list[str]


class PathStep(BaseModel):
    actor: str
    name: str
    sector: Sector
    via: Via | None


class Paths(BaseModel):
    source: str
    target: str
    paths: list[list[PathStep]]


class LinkEnd(BaseModel):
    actor: str
    name: str
    sector: Sector


class Link(BaseModel):
    actors: list[LinkEnd]
    weight: float
    collaborations: list[str]
    relations: list[str]


class Connections(BaseModel):
    sectors: list[Sector]
    total: int
    links: list[Link]


class SuggestionParts(BaseModel):
    adamic_adar: float
    shared_region: float
    shared_funders: float


class Suggestion(BaseModel):
    actor: str
    name: str
    sector: Sector
    score: float
    parts: SuggestionParts
    common_neighbours: list[str]
    shared_funders: list[str]


class Suggestions(BaseModel):
    actor: str
    suggestions: list[Suggestion]


class Flow(BaseModel):
    funder_sector: str
    recipient_sector: str
    year: str
    currency: str
    amount: float
    count: int


class Total(BaseModel):
    amount: float
    count: int


class FunderTotal(BaseModel):
    funder: str
    name: str
    sector: Sector
    totals: dict[str, Total]


class Funding(BaseModel):
    flows: list[Flow]
    funders: list[FunderTotal]
    totals: dict[str, Total]
