"""The interactive maps as HTML pages: thin handlers over MapperService.

Both pages are self-contained (vis-network inlined, no CDN) and take the analysis endpoints'
filters: `region`, `year_from`, `year_to`, `relation_types` (repeatable), plus `lang`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import PermutationsQuery, ScopeDep, SeedQuery, ServiceDep
from mapper.model import Language, Sector, SizeMeasure
from mapper.service import AGGREGATE_THRESHOLD, DEFAULT_PERMUTATIONS

__all__ = ["router"]

router = APIRouter()

_Lang = Annotated[Language, Query(description="Interface language")]
_SizeBy = Annotated[SizeMeasure, Query(description="What node size shows")]
_Sectors = Annotated[list[Sector] | None, Query(description="Only these sectors (repeatable)")]
# The API reference's example answers: the first lines of each page on the seed data (GET with
# TestClient over MapperService(EmbeddedStore(":memory:")).load([Path("seed_data")])).
_EXAMPLES = {
    "actor_map": (
        "/map?lang=en",
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Actor map — all of Sweden</title>\n...",
    ),
    "gap_map": (
        "/map/gaps?lang=en",
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Gaps between sectors — all of Sweden</title>\n...",
    ),
}


def _page(name: str) -> dict[int | str, dict[str, Any]]:
    """The 200 response of `name`: the first lines of its page as an example."""
    request, value = _EXAMPLES[name]
    example = {"summary": f"GET {request} on seed_data/, the first lines", "value": value}
    return {200: {"content": {"text/html": {"examples": {"seed_data": example}}}}}


@router.get("/map", response_class=HTMLResponse, tags=["maps"], responses=_page("actor_map"))
def actor_map(
    service: ServiceDep,
    scope: ScopeDep,
    sector: _Sectors = None,
    lang: _Lang = Language.SV,
    size_by: _SizeBy = SizeMeasure.DEGREE,
    community: Annotated[
        int | None,
        Query(
            ge=0,
            le=10**9,
            description="On a map too large to show every actor (above "
            f"{AGGREGATE_THRESHOLD:,} actors), one community of it: its number in the "
            "aggregated view",
        ),
    ] = None,
) -> HTMLResponse:
    """The actor map: actors coloured by sector, cross-sector links and brokers marked.

    Up to 1,500 actors it is laid out in the browser; above, drawn with WebGL from a layout
    computed on the server; above 20,000 it opens on one node per community."""
    sectors = tuple(s.value for s in sector or ())
    page = service.actor_map(
        scope, sectors=sectors, lang=lang.value, size_by=size_by.value, community=community
    )
    return HTMLResponse(page)


@router.get("/map/gaps", response_class=HTMLResponse, tags=["maps"], responses=_page("gap_map"))
def gap_map(
    service: ServiceDep,
    scope: ScopeDep,
    lang: _Lang = Language.SV,
    permutations: PermutationsQuery = DEFAULT_PERMUTATIONS,
    seed: SeedQuery = 0,
) -> HTMLResponse:
    """The gap map: links per sector pair against chance, as a map and a table."""
    page = service.gap_map(scope, lang=lang.value, permutations=permutations, seed=seed)
    return HTMLResponse(page)
