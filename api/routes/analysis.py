"""Cross-sector analysis endpoints: thin handlers over MapperService.

Every endpoint takes the actor graph's scope (region, year_from, year_to, relation_types,
shared_collaborations); tabular answers also come as CSV with `?format=csv`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import (
    Format,
    FormatQuery,
    PermutationsQuery,
    ScopeDep,
    SeedQuery,
    ServiceDep,
    csv_response,
)
from mapper.model import Sector
from mapper.results import Brokers, Connections, Funding, GapPair, Gaps, Mixing, Paths, Suggestions
from mapper.service import DEFAULT_PERMUTATIONS, LIMITS

__all__ = ["router"]

router = APIRouter(tags=["analysis"])

_GAP_CSV_COLUMNS = ["sector_a", "sector_b", *(f for f in GapPair.model_fields if f != "sectors")]


_CSV = {"description": "The same table as CSV", "content": {"text/csv": {}}}

# The API reference's example answers: GET requests on the seed data, run with TestClient over
# MapperService(EmbeddedStore(":memory:")).load([Path("seed_data")]), lists trimmed to an item
# or two and numbers rounded to four decimals.
# The scope of every example: no filter given, so every default as used.
_EVERYWHERE = {
    "relation_types": ["COLLABORATES_WITH", "FUNDS", "MEMBER_OF", "PART_OF"],
    "shared_collaborations": True,
    "region": None,
    "year_from": None,
    "year_to": None,
    "subsector": None,
    "country": None,
    "with_partners": False,
}

_EXAMPLES: dict[str, tuple[str, Any]] = {
    "read_mixing": (
        "/analysis/mixing",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {},
                "generation": 2,
                "computed_at": "2026-12-04T00:42:08+00:00",
            },
            "sectors": ["public", "private", "civil_society", "academia"],
            "actors": {"public": 14, "private": 2, "civil_society": 9, "academia": 7},
            "links": {
                "public": {"public": 26, "private": 8, "civil_society": 29, "academia": 10},
                "private": {"public": 8, "private": 1, "civil_society": 10, "academia": 4},
                "civil_society": {"public": 29, "private": 10, "civil_society": 11, "academia": 11},
                "academia": {"public": 10, "private": 4, "civil_society": 11, "academia": 21},
            },
            "weights": {
                "public": {"public": 38.0, "private": 8.0, "civil_society": 30.0, "academia": 10.0},
                "private": {"public": 8.0, "private": 1.0, "civil_society": 11.0, "academia": 4.0},
                "civil_society": {
                    "public": 30.0,
                    "private": 11.0,
                    "civil_society": 11.0,
                    "academia": 11.0,
                },
                "academia": {
                    "public": 10.0,
                    "private": 4.0,
                    "civil_society": 11.0,
                    "academia": 23.0,
                },
            },
            "density": {
                "public": {
                    "public": 0.2857,
                    "private": 0.2857,
                    "civil_society": 0.2302,
                    "academia": 0.102,
                },
                "private": {
                    "public": 0.2857,
                    "private": 1.0,
                    "civil_society": 0.5556,
                    "academia": 0.2857,
                },
                "civil_society": {
                    "public": 0.2302,
                    "private": 0.5556,
                    "civil_society": 0.3056,
                    "academia": 0.1746,
                },
                "academia": {
                    "public": 0.102,
                    "private": 0.2857,
                    "civil_society": 0.1746,
                    "academia": 1.0,
                },
            },
            "ei_index": {
                "public": 0.2877,
                "private": 0.913,
                "civil_society": 0.6393,
                "academia": 0.087,
            },
            "ei_index_overall": 0.0992,
            "unknown_sector_actors": 0,
        },
    ),
    "read_gaps": (
        "/analysis/gaps",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {
                    "permutations": 1000,
                    "seed": 0,
                    "bins": 10,
                    "ratio_threshold": 0.5,
                    "alpha": 0.05,
                },
                "generation": 2,
                "computed_at": "2026-12-04T00:42:08+00:00",
            },
            "pairs": [
                {
                    "sectors": ["public", "academia"],
                    "observed": 10,
                    "expected": 26.2401,
                    "ratio": 0.3811,
                    "z": -3.9631,
                    "null_low": 16.975,
                    "null_high": 32.0,
                    "p_value": 0.003,
                    "p_value_more": 1.0,
                    "p_adjusted": 0.03,
                    "gap": True,
                    "expected_configuration": 25.3168,
                },
                {
                    "sectors": ["civil_society", "academia"],
                    "observed": 11,
                    "expected": 13.5258,
                    "ratio": 0.8133,
                    "z": -1.6398,
                    "null_low": 11.0,
                    "null_high": 17.0,
                    "p_value": 0.0939,
                    "p_value_more": 0.984,
                    "p_adjusted": 0.4695,
                    "gap": False,
                    "expected_configuration": 18.4122,
                },
            ],
            "actors": 32,
            "unknown_sector_actors": 0,
            "links": 131,
            "isolated_actors": [
                "europeiska-kommissionen",
                "forenta-nationerna",
                "world-economic-forum",
            ],
            "sectors_without_cross_links": [],
            "parameters": {
                "permutations": 1000,
                "seed": 0,
                "bins": 10,
                "ratio_threshold": 0.5,
                "alpha": 0.05,
            },
        },
    ),
    "read_brokers": (
        "/analysis/brokers?top=2",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {"top": 2, "sample": None},
                "generation": 2,
                "computed_at": "2026-12-04T00:42:09+00:00",
            },
            "brokers": [
                {
                    "actor": "msi",
                    "name": "Mötesplats för Social Innovation",
                    "sector": "academia",
                    "cross_sector_betweenness": 0.2829,
                    "betweenness": 0.2146,
                    "brokerage": {
                        "coordinator": 0,
                        "itinerant": 10,
                        "representative_gatekeeper": 73,
                        "liaison": 21,
                        "total": 104,
                    },
                },
                {
                    "actor": "regeringen",
                    "name": "Regeringen",
                    "sector": "public",
                    "cross_sector_betweenness": 0.1632,
                    "betweenness": 0.1501,
                    "brokerage": {
                        "coordinator": 17,
                        "itinerant": 0,
                        "representative_gatekeeper": 44,
                        "liaison": 0,
                        "total": 61,
                    },
                },
            ],
            "exact": True,
            "sources": 32,
            "actors": 32,
            "unknown_sector_actors": 0,
        },
    ),
    "read_funding": (
        "/analysis/funding",
        {
            "scope": {
                "filters": {"year_from": None, "year_to": None},
                "parameters": {},
                "generation": 2,
                "computed_at": "2026-12-04T00:42:09+00:00",
            },
            "flows": [
                {
                    "funder_sector": "public",
                    "recipient": "collaboration",
                    "recipient_sector": None,
                    "year": 2018,
                    "currency": "SEK",
                    "amount": 270000000.0,
                    "count": 2,
                }
            ],
            "funders": [
                {
                    "funder": "regeringen",
                    "name": "Regeringen",
                    "sector": "public",
                    "totals": {"SEK": {"amount": 270000000.0, "count": 2}},
                }
            ],
            "totals": {"SEK": {"amount": 270000000.0, "count": 2}},
        },
    ),
    "read_paths": (
        "/paths?source=vinnova&target=msi&k=1",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {"source": "vinnova", "target": "msi", "k": 1, "max_hops": 4},
                "generation": 2,
                "computed_at": "2026-12-04T00:42:09+00:00",
            },
            "source": "vinnova",
            "target": "msi",
            "paths": [
                [
                    {"actor": "vinnova", "name": "Vinnova", "sector": "public", "via": None},
                    {
                        "actor": "regeringen",
                        "name": "Regeringen",
                        "sector": "public",
                        "via": {
                            "collaborations": [
                                "regeringens-strategi-for-sociala-foretag",
                                "regeringsuppdrag-sociala-foretag",
                            ],
                            "relations": [],
                        },
                    },
                    {
                        "actor": "msi",
                        "name": "Mötesplats för Social Innovation",
                        "sector": "academia",
                        "via": {
                            "collaborations": ["social-innovation-summit-2015"],
                            "relations": [],
                        },
                    },
                ]
            ],
        },
    ),
    "read_connections": (
        "/connections?sector_a=public&sector_b=civil_society&limit=2",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {"sector_a": "public", "sector_b": "civil_society", "limit": 2},
                "generation": 2,
                "computed_at": "2026-12-04T00:42:10+00:00",
            },
            "sectors": ["public", "civil_society"],
            "total": 29,
            "links": [
                {
                    "actors": [
                        {
                            "actor": "skr",
                            "name": "Sveriges Kommuner och Regioner",
                            "sector": "public",
                        },
                        {
                            "actor": "svid",
                            "name": "Stiftelsen Svensk Industridesign",
                            "sector": "civil_society",
                        },
                    ],
                    "weight": 2.0,
                    "collaborations": ["fornyelselabbet", "sammanhacket"],
                    "relations": [],
                },
                {
                    "actors": [
                        {
                            "actor": "finansdepartementet",
                            "name": "Finansdepartementet",
                            "sector": "public",
                        },
                        {"actor": "ashoka", "name": "Ashoka", "sector": "civil_society"},
                    ],
                    "weight": 1.0,
                    "collaborations": ["social-innovation-summit-2015"],
                    "relations": [],
                },
            ],
        },
    ),
    "read_suggestions": (
        "/actors/vinnova/suggestions?k=2",
        {
            "scope": {
                "filters": _EVERYWHERE,
                "parameters": {
                    "actor_id": "vinnova",
                    "k": 2,
                    "region_weight": 0.5,
                    "funder_weight": 0.5,
                },
                "generation": 2,
                "computed_at": "2026-12-04T00:42:10+00:00",
            },
            "actor": "vinnova",
            "suggestions": [
                {
                    "actor": "social-innovation-skane",
                    "name": "Social Innovation Skåne",
                    "sector": "civil_society",
                    "score": 0.5581,
                    "parts": {"adamic_adar": 0.5581, "shared_region": 0.0, "shared_funders": 0.0},
                    "common_neighbours": ["tillvaxtverket"],
                    "shared_funders": [],
                },
                {
                    "actor": "reach-for-change",
                    "name": "Reach for Change",
                    "sector": "civil_society",
                    "score": 0.5139,
                    "parts": {"adamic_adar": 0.5139, "shared_region": 0.0, "shared_funders": 0.0},
                    "common_neighbours": ["naringsdepartementet"],
                    "shared_funders": [],
                },
            ],
        },
    ),
}


def _answers(name: str, csv: bool = True) -> dict[int | str, dict[str, Any]]:
    """The 200 response of `name`: its example answer, and its CSV variant."""
    request, value = _EXAMPLES[name]
    example = {"summary": f"GET {request} on seed_data/", "value": value}
    content: dict[str, Any] = {"application/json": {"examples": {"seed_data": example}}}
    if not csv:
        return {200: {"content": content}}
    return {200: {**_CSV, "content": {**content, **_CSV["content"]}}}


def _given(value: str) -> dict[str, Any]:
    """A parameter's example in the API reference: the value its example answer was made with."""
    return {"seed_data": {"summary": "As in the example answer", "value": value}}


@router.get("/analysis/mixing", response_model=Mixing, responses=_answers("read_mixing"))
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
        columns = ["sector_a", "sector_b", "links", "weight", "density"]
        return csv_response(rows, columns, "mixing", asked=result["scope"])
    return result


@router.get("/analysis/gaps", response_model=Gaps, responses=_answers("read_gaps"))
def read_gaps(
    service: ServiceDep,
    scope: ScopeDep,
    permutations: PermutationsQuery = DEFAULT_PERMUTATIONS,
    seed: SeedQuery = 0,
    bins: Annotated[
        int,
        Query(
            ge=1,
            le=100,
            description="Degree bins the sector labels are shuffled within (count, 1-100)",
        ),
    ] = 10,
    ratio_threshold: Annotated[
        float,
        Query(
            gt=0,
            le=1,
            description="A pair is a gap only if observed / expected is below this "
            "(ratio, above 0 up to 1)",
        ),
    ] = 0.5,
    alpha: Annotated[
        float,
        Query(
            gt=0,
            lt=1,
            description="A pair is a gap only if its adjusted p-value is below this "
            "(probability, between 0 and 1)",
        ),
    ] = 0.05,
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
        return csv_response(rows, _GAP_CSV_COLUMNS, "gaps", asked=result["scope"])
    return result


@router.get("/analysis/brokers", response_model=Brokers, responses=_answers("read_brokers"))
def read_brokers(
    service: ServiceDep,
    scope: ScopeDep,
    top: Annotated[
        int, Query(ge=1, le=LIMITS.top, description=f"How many brokers (count, 1-{LIMITS.top})")
    ] = 10,
    sample: Annotated[
        int | None,
        Query(
            ge=1,
            le=100_000,
            description="Estimate betweenness from this many sampled source actors; without "
            "it, exact unless the graph is too large (count, 1-100000)",
        ),
    ] = None,
    sector_a: Annotated[
        Sector | None,
        Query(
            description="With `sector_b`: rank by the shortest paths between these two sectors "
            "(`between_sectors`); may be the same sector"
        ),
    ] = None,
    sector_b: Annotated[
        Sector | None, Query(description="The other sector; give both or neither")
    ] = None,
    format: FormatQuery = Format.JSON,
):
    """Actors that connect sectors, by cross-sector betweenness, with brokerage roles."""
    result = service.brokers(scope, top=top, sample=sample, sector_a=sector_a, sector_b=sector_b)
    if format is Format.CSV:
        estimate = {"exact": result["exact"], "sources": result["sources"]}
        rows = [{**broker, **broker["brokerage"], **estimate} for broker in result["brokers"]]
        columns = ["actor", "name", "sector", "cross_sector_betweenness", "betweenness"]
        columns += ["between_sectors"] if result["sectors"] else []
        roles = ["coordinator", "itinerant", "representative_gatekeeper", "liaison", "total"]
        return csv_response(rows, [*columns, *roles, *estimate], "brokers", asked=result["scope"])
    return result


@router.get("/analysis/funding", response_model=Funding, responses=_answers("read_funding"))
def read_funding(
    service: ServiceDep,
    year_from: Annotated[
        int | None,
        Query(
            ge=1800,
            le=2200,
            description="Only FUNDS relations active from this year; undated ones are kept "
            "(year, 1800-2200)",
        ),
    ] = None,
    year_to: Annotated[
        int | None,
        Query(
            ge=1800,
            le=2200,
            description="Only FUNDS relations active up to this year; undated ones are kept "
            "(year, 1800-2200)",
        ),
    ] = None,
    format: FormatQuery = Format.JSON,
):
    """FUNDS amounts by funder sector and recipient sector, per year and currency."""
    result = service.funding(year_from=year_from, year_to=year_to)
    if format is Format.CSV:
        columns = ["funder_sector", "recipient", "recipient_sector", "year", "currency"]
        columns += ["amount", "count"]
        return csv_response(result["flows"], columns, "funding", asked=result["scope"])
    return result


_PATH_CSV_COLUMNS = ["path", "step", "actor", "name", "sector", "via_collaborations"]
_PATH_CSV_COLUMNS += ["via_relations"]


@router.get("/paths", response_model=Paths, responses=_answers("read_paths"))
def read_paths(
    service: ServiceDep,
    scope: ScopeDep,
    source: Annotated[
        str,
        Query(
            max_length=200,
            description="Id of the actor to start from",
            openapi_examples=_given("vinnova"),
        ),
    ],
    target: Annotated[
        str,
        Query(
            max_length=200, description="Id of the actor to reach", openapi_examples=_given("msi")
        ),
    ],
    k: Annotated[
        int,
        Query(
            ge=1,
            le=LIMITS.paths,
            description=f"How many paths, shortest first (count, 1-{LIMITS.paths})",
        ),
    ] = 3,
    max_hops: Annotated[
        int,
        Query(
            ge=1,
            le=LIMITS.max_hops,
            description=f"The longest path to look for (links, 1-{LIMITS.max_hops})",
        ),
    ] = 4,
    format: FormatQuery = Format.JSON,
):
    """The shortest paths between two actors; each step says what links it to the previous."""
    parameters = {"source": source, "target": target, "k": k, "max_hops": max_hops}
    found = service.paths(source, target, scope, k=k, max_hops=max_hops)
    asked = service.asked(scope, parameters)
    if format is Format.CSV:
        rows = [
            {
                "path": number,
                "step": position,
                **{name: step[name] for name in ("actor", "name", "sector")},
                "via_collaborations": (step["via"] or {}).get("collaborations", []),
                "via_relations": (step["via"] or {}).get("relations", []),
            }
            for number, path in enumerate(found, start=1)
            for position, step in enumerate(path)
        ]
        return csv_response(rows, _PATH_CSV_COLUMNS, "paths", asked=asked)
    return Paths(scope=asked, source=source, target=target, paths=found)


@router.get("/connections", response_model=Connections, responses=_answers("read_connections"))
def read_connections(
    service: ServiceDep,
    scope: ScopeDep,
    sector_a: Annotated[
        Sector,
        Query(
            description="One sector; its actor comes first in each link",
            openapi_examples=_given("public"),
        ),
    ],
    sector_b: Annotated[
        Sector,
        Query(
            description="The other sector; the same as `sector_a` for the links within it",
            openapi_examples=_given("civil_society"),
        ),
    ],
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=LIMITS.page_size,
            description=f"At most this many links, strongest first (count, 1-{LIMITS.page_size})",
        ),
    ] = 50,
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
        return csv_response(rows, columns, "connections", asked=result["scope"])
    return result


@router.get(
    "/actors/{actor_id}/suggestions",
    response_model=Suggestions,
    responses=_answers("read_suggestions"),
)
def read_suggestions(
    actor_id: Annotated[
        str,
        Path(description="The actor to suggest partners for", openapi_examples=_given("vinnova")),
    ],
    service: ServiceDep,
    scope: ScopeDep,
    k: Annotated[
        int,
        Query(ge=1, le=LIMITS.top, description=f"How many suggestions (count, 1-{LIMITS.top})"),
    ] = 10,
    region_weight: Annotated[
        float,
        Query(
            ge=0,
            le=100,
            description="Added to the score when both actors are in the same known region "
            "(score points, 0-100)",
        ),
    ] = 0.5,
    funder_weight: Annotated[
        float,
        Query(
            ge=0,
            le=100,
            description="Added to the score for each funder both actors have "
            "(score points per funder, 0-100)",
        ),
    ] = 0.5,
    format: FormatQuery = Format.JSON,
):
    """Actors in other sectors this actor is not linked to, scored, with the score's parts."""
    parameters = {"k": k, "region_weight": region_weight, "funder_weight": funder_weight}
    found = service.suggestions(actor_id, scope, **parameters)
    asked = service.asked(scope, {"actor_id": actor_id, **parameters})
    if format is Format.CSV:
        rows = [{**s, **s["parts"]} for s in found]
        columns = ["actor", "name", "sector", "score", "adamic_adar", "shared_region"]
        columns += ["shared_funders", "common_neighbours"]
        return csv_response(rows, columns, "suggestions", asked=asked)
    return Suggestions(scope=asked, actor=actor_id, suggestions=found)
