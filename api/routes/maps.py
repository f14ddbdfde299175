"""The interactive maps as HTML pages: thin handlers over MapperService.

Both pages are self-contained (vis-network inlined, no CDN) and take the analysis endpoints'
filters: `region`, `year_from`, `year_to`, `relation_types` (repeatable), plus `lang`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import ScopeDep, ServiceDep
from mapper.model import Sector
from mapper.service import DEFAULT_PERMUTATIONS, LIMITS

__all__ = ["router"]

router = APIRouter()

Lang = Annotated[Literal["sv", "en"], Query(description="Interface language")]
SizeBy = Annotated[
    Literal["degree", "strength", "betweenness", "cross_sector_betweenness"],
    Query(description="What node size shows"),
]
Sectors = Annotated[list[Sector] | None, Query(description="Only these sectors (repeatable)")]
Permutations = Annotated[int, Query(ge=1, le=LIMITS.permutations)]


@router.get("/map", response_class=HTMLResponse, tags=["maps"])
def actor_map(
    service: ServiceDep,
    scope: ScopeDep,
    sector: Sectors = None,
    lang: Lang = "sv",
    size_by: SizeBy = "degree",
) -> HTMLResponse:
    """The actor map: actors coloured by sector, cross-sector links and brokers marked."""
    sectors = tuple(s.value for s in sector or ())
    return HTMLResponse(service.actor_map(scope, sectors=sectors, lang=lang, size_by=size_by))


@router.get("/map/gaps", response_class=HTMLResponse, tags=["maps"])
def gap_map(
    service: ServiceDep,
    scope: ScopeDep,
    lang: Lang = "sv",
    permutations: Permutations = DEFAULT_PERMUTATIONS,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="Random seed")] = 0,
) -> HTMLResponse:
    """The gap map: links per sector pair against chance, as a map and a table."""
    return HTMLResponse(service.gap_map(scope, lang=lang, permutations=permutations, seed=seed))
