"""Cross-sector analysis endpoints: thin handlers over MapperService.

Every endpoint takes the actor graph's scope (region, year_from, year_to, relation_types,
shared_collaborations); tabular answers also come as CSV with `?format=csv`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Format, FormatQuery, ScopeDep, ServiceDep, csv_response
from mapper.model import Sector
from mapper.results import Brokers, Connections, Funding, GapPair, Gaps, Mixing, Paths, Suggestions
from mapper.service import DEFAULT_PERMUTATIONS, LIMITS

__all__ = ["router"]

router = APIRouter(tags=["analysis"])

_ActorId = Annotated[str, Query(max_length=200, description="An actor id, e.g. `vinnova`")]


_GAP_CSV_COLUMNS = ["sector_a", "sector_b", *(f for f in GapPair.model_fields if f != "sectors")]


_CSV = {"description": "The same table as CSV", "content": {"text/csv": {}}}


@router.get("/analysis/mixing", response_model=Mixing, responses={200: _CSV})
def read_mixing(service: ServiceDep, scope: ScopeDep, format: FormatQuery = Format.JSON):
    """Links, summed weights and density per sector pair; E-I index per sector and overall."""
    result = service.mixing(scope)
    if format is Format.CSV:
        rows = [
            {
                "sector_a": a,
                "sector_b": b,
                "links": result["links"][a][b],
                "weight": result["weights"][a][b],
                "density": result["density"][a][b],
            }
            for a in result["sectors"]
            for b in result["sectors"]
        ]
        return csv_response(rows, ["sector_a", "sector_b", "links", "weight", "density"], "mixing")
    return result


@router.get("/analysis/gaps", response_model=Gaps, responses={200: _CSV})
def read_gaps(
    service: ServiceDep,
    scope: ScopeDep,
    permutations: Annotated[int, Query(ge=1, le=LIMITS.permutations)] = DEFAULT_PERMUTATIONS,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
    bins: Annotated[int, Query(ge=1, le=100, description="Degree bins of the shuffle")] = 10,
    ratio_threshold: Annotated[float, Query(gt=0, le=1)] = 0.5,
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    format: FormatQuery = Format.JSON,
):
    """Sector pairs with fewer links than a degree-preserving null model predicts."""
    result = service.gaps(
        scope,
        permutations=permutations,
        seed=seed,
        bins=bins,
        ratio_threshold=ratio_threshold,
        alpha=alpha,
    )
    if format is Format.CSV:
        rows = [
            {**pair, "sector_a": pair["sectors"][0], "sector_b": pair["sectors"][1]}
            for pair in result["pairs"]
        ]
        return csv_response(rows, _GAP_CSV_COLUMNS, "gaps")
    return result


@router.get("/analysis/brokers", response_model=Brokers, responses={200: _CSV})
def read_brokers(
    service: ServiceDep,
    scope: ScopeDep,
    top: Annotated[int, Query(ge=1, le=LIMITS.top)] = 10,
    sample: Annotated[
        int | None, Query(ge=1, le=100_000, description="Estimate from this many sources")
    ] = None,
    format: FormatQuery = Format.JSON,
):
    """Actors that connect sectors, by cross-sector betweenness, with brokerage roles."""
    result = service.brokers(scope, top=top, sample=sample)
    if format is Format.CSV:
        estimate = {"exact": result["exact"], "sources": result["sources"]}
        rows = [{**broker, **broker["brokerage"], **estimate} for broker in result["brokers"]]
        columns = ["actor", "name", "sector", "cross_sector_betweenness", "betweenness"]
        roles = ["coordinator", "itinerant", "representative_gatekeeper", "liaison", "total"]
        return csv_response(rows, [*columns, *roles, *estimate], "brokers")
    return result


@router.get("/analysis/funding", response_model=Funding, responses={200: _CSV})
def read_funding(
    service: ServiceDep,
    year_from: Annotated[int | None, Query(ge=1800, le=2200)] = None,
    year_to: Annotated[int | None, Query(ge=1800, le=2200)] = None,
    format: FormatQuery = Format.JSON,
):
    """FUNDS amounts by funder sector and recipient sector, per year and currency."""
    result = service.funding(year_from=year_from, year_to=year_to)
    if format is Format.CSV:
        columns = ["funder_sector", "recipient_sector", "year", "currency", "amount", "count"]
        return csv_response(result["flows"], columns, "funding")
    return result


@router.get("/paths", response_model=Paths)
def read_paths(
    service: ServiceDep,
    scope: ScopeDep,
    source: _ActorId,
    target: _ActorId,
    k: Annotated[int, Query(ge=1, le=LIMITS.paths, description="How many paths")] = 3,
    max_hops: Annotated[int, Query(ge=1, le=LIMITS.max_hops)] = 4,
) -> Paths:
    """The shortest paths between two actors; each step says what links it to the previous."""
    found = service.paths(source, target, scope, k=k, max_hops=max_hops)
    return Paths(source=source, target=target, paths=found)


@router.get("/connections", response_model=Connections, responses={200: _CSV})
def read_connections(
    service: ServiceDep,
    scope: ScopeDep,
    sector_a: Sector,
    sector_b: Sector,
    limit: Annotated[int, Query(ge=1, le=LIMITS.page_size)] = 50,
    format: FormatQuery = Format.JSON,
):
    """The links that join two sectors, strongest first, with the collaborations behind them."""
    result = service.connections(sector_a, sector_b, scope, limit=limit)
    if format is Format.CSV:
        rows = [
            {
                "actor_a": link["actors"][0]["actor"],
                "actor_b": link["actors"][1]["actor"],
                "weight": link["weight"],
                "collaborations": link["collaborations"],
                "relations": link["relations"],
            }
            for link in result["links"]
        ]
        columns = ["actor_a", "actor_b", "weight", "collaborations", "relations"]
        return csv_response(rows, columns, "connections")
    return result


@router.get("/actors/{actor_id}/suggestions", response_model=Suggestions, responses={200: _CSV})
def read_suggestions(
    actor_id: str,
    service: ServiceDep,
    scope: ScopeDep,
    k: Annotated[int, Query(ge=1, le=LIMITS.top)] = 10,
    region_weight: Annotated[float, Query(ge=0, le=100)] = 0.5,
    funder_weight: Annotated[float, Query(ge=0, le=100)] = 0.5,
    format: FormatQuery = Format.JSON,
):
    """Actors in other sectors this actor is not linked to, scored, with the score's parts."""
    found = service.suggestions(
        actor_id, scope, k=k, region_weight=region_weight, funder_weight=funder_weight
    )
    if format is Format.CSV:
        rows = [{**s, **s["parts"]} for s in found]
        columns = ["actor", "name", "sector", "score", "adamic_adar", "shared_region"]
        return csv_response(rows, [*columns, "shared_funders", "common_neighbours"], "suggestions")
    return Suggestions(actor=actor_id, suggestions=found)
