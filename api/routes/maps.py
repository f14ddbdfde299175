"""The interactive maps as HTML pages: thin handlers over MapperService.

Both pages are self-contained (vis-network inlined, no CDN) and take the analysis endpoints'
filters: `region`, `year_from`, `year_to`, `relation_types` (repeatable), plus `lang`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import ServiceDep
from mapper.model import Sector
from mapper.service import LIMITS, Scope

__all__ = ["router"]

router = APIRouter()

ActorRelationType = Literal["COLLABORATES_WITH", "FUNDS", "PART_OF", "MEMBER_OF"]
Region = Annotated[str | None, Query(max_length=200, description="A county name, e.g. `Skåne län`")]
Year = Annotated[int | None, Query(ge=1800, le=2200)]
RelationTypes = Annotated[
    list[ActorRelationType] | None,
    Query(description="Direct relations that link two actors (repeatable); default all four"),
]
SharedCollaborations = Annotated[
    bool, Query(description="Link actors that take part in the same collaboration")
]
Lang = Annotated[Literal["sv", "en"], Query(description="Interface language")]
SizeBy = Annotated[
    Literal["degree", "strength", "betweenness", "cross_sector_betweenness"],
    Query(description="What node size shows"),
]
Sectors = Annotated[list[Sector] | None, Query(description="Only these sectors (repeatable)")]
Permutations = Annotated[int, Query(ge=1, le=LIMITS.permutations)]


def _scope(
    region: str | None,
    year_from: int | None,
    year_to: int | None,
    relation_types: list[str] | None,
    shared_collaborations: bool,
) -> Scope:
    return Scope(
        relation_types=tuple(relation_types) if relation_types else None,
        shared_collaborations=shared_collaborations,
        region=region or None,
        year_from=year_from,
        year_to=year_to,
    )


@router.get("/map", response_class=HTMLResponse, tags=["maps"])
def actor_map(
    service: ServiceDep,
    region: Region = None,
    year_from: Year = None,
    year_to: Year = None,
    relation_types: RelationTypes = None,
    shared_collaborations: SharedCollaborations = True,
    sector: Sectors = None,
    lang: Lang = "sv",
    size_by: SizeBy = "degree",
) -> HTMLResponse:
    """The actor map: actors coloured by sector, cross-sector links and brokers marked."""
    scope = _scope(region, year_from, year_to, relation_types, shared_collaborations)
    sectors = tuple(s.value for s in sector or ())
    return HTMLResponse(service.actor_map(scope, sectors=sectors, lang=lang, size_by=size_by))


@router.get("/map/gaps", response_class=HTMLResponse, tags=["maps"])
def gap_map(
    service: ServiceDep,
    region: Region = None,
    year_from: Year = None,
    year_to: Year = None,
    relation_types: RelationTypes = None,
    shared_collaborations: SharedCollaborations = True,
    lang: Lang = "sv",
    permutations: Permutations = 200,
    seed: int = 0,
) -> HTMLResponse:
    """The gap map: links per sector pair against chance, as a map and a table."""
    scope = _scope(region, year_from, year_to, relation_types, shared_collaborations)
    return HTMLResponse(service.gap_map(scope, lang=lang, permutations=permutations, seed=seed))
