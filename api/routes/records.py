"""Actors, collaborations, sectors and health: thin handlers over MapperService."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from api.deps import (
    ActorFilterDep,
    CollaborationFilterDep,
    Format,
    FormatQuery,
    ServiceDep,
    csv_response,
)
from api.errors import ErrorOut
from api.security import require_token
from api.work import light_read
from mapper.model import SECTOR_LABELS, Actor, Collaboration, Relation, Sector
from mapper.service import LIMITS

__all__ = [
    "ActorDetail",
    "ActorPage",
    "CollaborationDetail",
    "CollaborationPage",
    "DatasetOut",
    "DuplicateOut",
    "DuplicatePage",
    "Health",
    "HealthDetails",
    "Neighbour",
    "Neighbours",
    "SectorOut",
    "Work",
    "WorkBudget",
    "router",
]

router = APIRouter()

_IdPath = Annotated[str, Path(max_length=200, description="A record id, e.g. `vinnova`")]
_Limit = Annotated[
    int,
    Query(
        ge=1,
        le=LIMITS.page_size,
        description=f"Page size: at most this many items (count, 1-{LIMITS.page_size})",
    ),
]
_Offset = Annotated[
    int, Query(ge=0, le=10**9, description="Items to skip before the page (count, 0-10^9)")
]

_TOTAL = "Items that match, on every page (count)"
_LIMIT = "The page size asked for (count)"
_OFFSET = "Items skipped before this page (count)"


class ActorPage(BaseModel):
    items: list[Actor] = Field(description="The actors of this page, by id or search rank")
    total: int = Field(description=_TOTAL)
    limit: int = Field(description=_LIMIT)
    offset: int = Field(description=_OFFSET)


class CollaborationPage(BaseModel):
    items: list[Collaboration] = Field(
        description="The collaborations of this page, by id or search rank"
    )
    total: int = Field(description=_TOTAL)
    limit: int = Field(description=_LIMIT)
    offset: int = Field(description=_OFFSET)


class ActorDetail(BaseModel):
    actor: Actor = Field(description="The actor")
    relations: list[Relation] = Field(description="Every relation from or to it")


class CollaborationDetail(BaseModel):
    collaboration: Collaboration = Field(description="The collaboration")
    relations: list[Relation] = Field(description="Every relation to it")


class Neighbour(BaseModel):
    actor: Actor = Field(description="The neighbour")
    distance: int = Field(description="Steps from the actor asked about (count, 1-depth)")


class Neighbours(BaseModel):
    actor: str = Field(description="Id of the actor asked about")
    depth: int = Field(description="The most steps asked for (count)")
    total: int = Field(description="Actors within `depth` steps (count)")
    limit: int = Field(description=_LIMIT)
    offset: int = Field(description=_OFFSET)
    items: list[Neighbour] = Field(description="The neighbours of this page, nearest first")


class SectorOut(BaseModel):
    sector: Sector = Field(description="The sector's code")
    label_sv: str = Field(description="Its name in Swedish")
    label_en: str = Field(description="Its name in English")
    actors: int = Field(description="Actors of the sector in the store (count)")


class Health(BaseModel):
    status: str = Field(description="`ok` when the store answers")
    store: str = Field(description="Which store: `embedded` or `neo4j`")
    location: str = Field(
        description="Which store: the file's name (not its folder), or the Neo4j address "
        "without user or password"
    )
    actors: int = Field(description="Actors in the store (count)")
    collaborations: int = Field(description="Collaborations in the store (count)")
    relations: int = Field(description="Relations in the store (count)")
    details: HealthDetails | None = Field(
        None, description="With `verbose=true` and the API token only: the server's set-up"
    )


class WorkBudget(BaseModel):
    link_visits: int = Field(description="Work budget of one analysis (link visits, count)")
    map_elements: int = Field(description="Actors plus links one map page may draw (count)")


class Work(BaseModel):
    """Where analyses and maps run (docs/security.md, 'Work')."""

    workers: int = Field(description="Worker processes; 0: in the server's process (count)")
    queue: int | None = Field(None, description="Analyses that may wait for a worker (count)")
    time_limit: float | None = Field(None, description="Seconds one analysis may run")
    queued: int | None = Field(None, description="Analyses waiting now (count)")
    running: int | None = Field(None, description="Analyses running now (count)")
    started: int | None = Field(None, description="Analyses given to a worker so far (count)")
    budget: WorkBudget = Field(description="What one analysis or map may cost")


class HealthDetails(BaseModel):
    location: str = Field(
        description="The store's whole location: the file's path, or the Neo4j address "
        "without password"
    )
    work: Work = Field(description="Where analyses run, their queue and budget")


# The API reference's example answers: GET requests on the seed data, run with TestClient over
# MapperService(EmbeddedStore(":memory:")).load([Path("seed_data")]), the lists of sources and
# relations trimmed to their first item.
_EXAMPLES: dict[str, tuple[str, Any]] = {
    "health": (
        "/health",
        {
            "status": "ok",
            "store": "embedded",
            "location": ":memory:",
            "actors": 32,
            "collaborations": 23,
            "relations": 78,
        },
    ),
    "list_actors": (
        "/actors?sector=academia&limit=1",
        {
            "items": [
                {
                    "id": "jonkoping-university",
                    "name": "Jönköping University",
                    "name_en": "Jönköping University",
                    "kinds": ["organisation"],
                    "sector": "academia",
                    "subsector": "university",
                    "region": "Jönköpings län",
                    "country": "SE",
                    "url": "https://ju.se/",
                    "aliases": ["Högskolan i Jönköping"],
                    "description": "University in Jönköping (run by a foundation, "
                    "Stiftelsen Högskolan i Jönköping); hosts an MSI "
                    "regional node since 2019.",
                    "data": {},
                    "external_ids": {},
                    "sources": [
                        {
                            "document": "003_5fc611de484663e8.txt",
                            "quote": "Örebro universitet, Jönköping University "
                            "och Malmö universitet.",
                            "url": None,
                        }
                    ],
                }
            ],
            "total": 7,
            "limit": 1,
            "offset": 0,
        },
    ),
    "read_actor": (
        "/actors/jonkoping-university",
        {
            "actor": {
                "id": "jonkoping-university",
                "name": "Jönköping University",
                "name_en": "Jönköping University",
                "kinds": ["organisation"],
                "sector": "academia",
                "subsector": "university",
                "region": "Jönköpings län",
                "country": "SE",
                "url": "https://ju.se/",
                "aliases": ["Högskolan i Jönköping"],
                "description": "University in Jönköping (run by a foundation, "
                "Stiftelsen Högskolan i Jönköping); hosts an MSI "
                "regional node since 2019.",
                "data": {},
                "external_ids": {},
                "sources": [
                    {
                        "document": "003_5fc611de484663e8.txt",
                        "quote": "Örebro universitet, Jönköping University och Malmö universitet.",
                        "url": None,
                    }
                ],
            },
            "relations": [
                {
                    "type": "PARTICIPATES_IN",
                    "source": "jonkoping-university",
                    "target": "msi-regionala-noder",
                    "collaboration": None,
                    "role": "partner",
                    "amount": None,
                    "currency": None,
                    "year": None,
                    "start": None,
                    "end": None,
                    "description": "Hosts an MSI regional node (Jönköping).",
                    "sources": [
                        {
                            "document": "003_5fc611de484663e8.txt",
                            "quote": "Mötesplats Social Innovation (MSI) "
                            "finns sedan 2019 etablerat i stora "
                            "delar av Sverige genom regionala noder "
                            "vid Luleå tekniska universitet, Umeå "
                            "universitet, Stockholms universitet, "
                            "Örebro universitet, Jönköping "
                            "University och Malmö universitet.",
                            "url": None,
                        }
                    ],
                }
            ],
        },
    ),
    "read_neighbours": (
        "/actors/jonkoping-university/neighbours?limit=1",
        {
            "actor": "jonkoping-university",
            "depth": 1,
            "total": 6,
            "limit": 1,
            "offset": 0,
            "items": [
                {
                    "actor": {
                        "id": "lulea-tekniska-universitet",
                        "name": "Luleå tekniska universitet",
                        "name_en": "Luleå University of Technology",
                        "kinds": ["organisation"],
                        "sector": "academia",
                        "subsector": "university",
                        "region": "Norrbottens län",
                        "country": "SE",
                        "url": "https://www.ltu.se/",
                        "aliases": ["LTU"],
                        "description": "University in Luleå; hosts an MSI "
                        "regional node (Norrbotten) since 2019.",
                        "data": {},
                        "external_ids": {},
                        "sources": [
                            {
                                "document": "003_5fc611de484663e8.txt",
                                "quote": "genom regionala noder vid Luleå tekniska universitet",
                                "url": None,
                            }
                        ],
                    },
                    "distance": 1,
                }
            ],
        },
    ),
    "list_collaborations": (
        "/collaborations?kind=event&year=2018&limit=1",
        {
            "items": [
                {
                    "id": "social-innovation-skane-larkonferens-2018",
                    "name": "Social Innovation Skånes lärkonferens 2018",
                    "name_en": "Social Innovation Skåne learning conference 2018",
                    "kind": "event",
                    "start": "2018-03-09",
                    "end": "2018-03-09",
                    "region": "Skåne län",
                    "description": "One-day learning conference of Social Innovation "
                    "Skåne at Kristianstads rådhus with presentations, "
                    "meetings and workshops; Tillväxtverket presented "
                    "the national strategy and Region Skåne the "
                    "regional perspective.",
                    "data": {"participants": 130, "participants_qualifier": "more_than"},
                    "sources": [
                        {
                            "document": "001_4f5af619d06647bb.txt",
                            "quote": "Här följer ett sammandrag från Social "
                            "Innovation Skånes lärkonferens i "
                            "Kristianstad den 9 mars 2018.",
                            "url": None,
                        }
                    ],
                }
            ],
            "total": 1,
            "limit": 1,
            "offset": 0,
        },
    ),
    "read_collaboration": (
        "/collaborations/social-innovation-skane-larkonferens-2018",
        {
            "collaboration": {
                "id": "social-innovation-skane-larkonferens-2018",
                "name": "Social Innovation Skånes lärkonferens 2018",
                "name_en": "Social Innovation Skåne learning conference 2018",
                "kind": "event",
                "start": "2018-03-09",
                "end": "2018-03-09",
                "region": "Skåne län",
                "description": "One-day learning conference of Social "
                "Innovation Skåne at Kristianstads rådhus "
                "with presentations, meetings and workshops; "
                "Tillväxtverket presented the national "
                "strategy and Region Skåne the regional "
                "perspective.",
                "data": {"participants": 130, "participants_qualifier": "more_than"},
                "sources": [
                    {
                        "document": "001_4f5af619d06647bb.txt",
                        "quote": "Här följer ett sammandrag från "
                        "Social Innovation Skånes "
                        "lärkonferens i Kristianstad den 9 "
                        "mars 2018.",
                        "url": None,
                    }
                ],
            },
            "relations": [
                {
                    "type": "PARTICIPATES_IN",
                    "source": "kristianstads-kommun",
                    "target": "social-innovation-skane-larkonferens-2018",
                    "collaboration": None,
                    "role": "speaker",
                    "amount": None,
                    "currency": None,
                    "year": None,
                    "start": None,
                    "end": None,
                    "description": "Host municipality; municipal commissioner "
                    "Anders Tell opened the day and welcomed "
                    "participants.",
                    "sources": [
                        {
                            "document": None,
                            "quote": "Kommunalrådet Anders Tell (S) inledde "
                            "dagen med att hälsa deltagarna välkomna "
                            "till Kristianstad.",
                            "url": "https://www.kristianstad.se/sv/nyhetsarkiv/konferens-om-social-innovation/",
                        }
                    ],
                }
            ],
        },
    ),
    "list_sectors": (
        "/sectors",
        [
            {
                "sector": "public",
                "label_sv": "Offentlig sektor",
                "label_en": "Public sector",
                "actors": 14,
            },
            {
                "sector": "private",
                "label_sv": "Näringsliv",
                "label_en": "Private sector",
                "actors": 2,
            },
        ],
    ),
    "list_duplicates": (
        "/duplicates?min_score=0.4&limit=1",
        {
            "items": [
                {
                    "keep": "finansdepartementet",
                    "merge": "naringsdepartementet",
                    "score": 0.45,
                    "evidence": ["same web domain regeringen.se"],
                    "keep_name": "Finansdepartementet",
                    "merge_name": "Näringsdepartementet",
                }
            ],
            "total": 6,
            "limit": 1,
            "offset": 0,
        },
    ),
    "list_datasets": (
        "/datasets",
        [
            {
                "name": "seed_data",
                "actors": 32,
                "collaborations": 23,
                "relations": 78,
                "loaded_at": "2026-12-04T00:22:56+00:00",
                "loads": 1,
            }
        ],
    ),
}


_CSV = {
    "description": "The same table as CSV: a merge file once reviewed",
    "content": {"text/csv": {}},
}


def _answers(name: str, csv: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """The 200 response of `name`: its example answer, and the `csv` variant if it has one."""
    request, value = _EXAMPLES[name]
    example = {"summary": f"GET {request} on seed_data/", "value": value}
    content: dict[str, Any] = {"application/json": {"examples": {"seed_data": example}}}
    if csv is None:
        return {200: {"content": content}}
    return {200: {**csv, "content": {**content, **csv["content"]}}}


@router.get(
    "/health",
    response_model=Health,
    response_model_exclude_none=True,
    tags=["meta"],
    responses={
        **_answers("health"),
        401: {"description": "`verbose=true` without the right token", "model": ErrorOut},
        403: {"description": "`verbose=true`: no MAPPER_API_TOKEN is set", "model": ErrorOut},
    },
)
def health(
    service: ServiceDep,
    request: Request,
    verbose: Annotated[
        bool,
        Query(
            description="Also the store's whole location and the workers' queue; needs "
            "`Authorization: Bearer <MAPPER_API_TOKEN>` (401/403 without)"
        ),
    ] = False,
) -> Health:
    """The store in use and whether it answers (503 when it does not)."""
    if verbose:
        require_token(request)
    info = service.info()
    details = None
    if verbose:
        details = HealthDetails(location=info.private_location, work=Work(**service.work()))
    return Health(
        status="ok",
        store=info.kind,
        location=info.public_location,
        actors=info.counts.actors,
        collaborations=info.counts.collaborations,
        relations=info.counts.relations,
        details=details,
    )


_TABLE = {"description": "The same page as a CSV table", "content": {"text/csv": {}}}


def _record_rows(records: list[Any], **extra: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Records as CSV rows (lists and maps as JSON cells) and their columns."""
    rows = [record.model_dump(mode="json") | extra for record in records]
    columns = [*(type(records[0]).model_fields if records else ()), *extra]
    return rows, columns


@router.get(
    "/actors",
    response_model=ActorPage,
    tags=["records"],
    responses=_answers("list_actors", _TABLE),
)
async def list_actors(
    service: ServiceDep,
    filters: ActorFilterDep,
    limit: _Limit = 100,
    offset: _Offset = 0,
    format: FormatQuery = Format.JSON,
) -> Any:
    """Actors ordered by id, filtered by sector, kind, subsector, region and a name search
    (ranked when there is one)."""
    page = await light_read(service, "actors", service.actors, filters, limit=limit, offset=offset)
    if format is Format.CSV:
        rows, columns = _record_rows(page.items)
        return csv_response(rows, columns or list(Actor.model_fields), "actors")
    return ActorPage(items=page.items, total=page.total, limit=limit, offset=offset)


@router.get(
    "/actors/{actor_id}",
    response_model=ActorDetail,
    tags=["records"],
    responses=_answers("read_actor"),
)
async def read_actor(actor_id: _IdPath, service: ServiceDep) -> ActorDetail:
    """One actor and every relation from or to it."""
    actor = await light_read(service, "actors", service.actor, actor_id)
    relations = await light_read(service, "actors", service.relations, actor_id)
    return ActorDetail(actor=actor, relations=relations)


@router.get(
    "/actors/{actor_id}/neighbours",
    response_model=Neighbours,
    tags=["records"],
    responses=_answers("read_neighbours", _TABLE),
)
def read_neighbours(
    actor_id: _IdPath,
    service: ServiceDep,
    depth: Annotated[
        int,
        Query(
            ge=1,
            le=LIMITS.depth,
            description="The most steps from the actor: a direct relation or a shared "
            f"collaboration is one step (count, 1-{LIMITS.depth})",
        ),
    ] = 1,
    limit: _Limit = 100,
    offset: _Offset = 0,
    format: FormatQuery = Format.JSON,
) -> Any:
    """Actors within `depth` steps (a direct relation or a shared collaboration is one step),
    nearest first, then by id; `total` counts them all."""
    page = service.neighbours(actor_id, depth=depth, limit=limit, offset=offset)
    if format is Format.CSV:
        rows = [actor.model_dump(mode="json") | {"distance": d} for actor, d in page.items]
        return csv_response(rows, ["distance", *Actor.model_fields], "neighbours")
    return Neighbours(
        actor=actor_id,
        depth=depth,
        total=page.total,
        limit=limit,
        offset=offset,
        items=[Neighbour(actor=actor, distance=distance) for actor, distance in page.items],
    )


@router.get(
    "/collaborations",
    response_model=CollaborationPage,
    tags=["records"],
    responses=_answers("list_collaborations", _TABLE),
)
async def list_collaborations(
    service: ServiceDep,
    filters: CollaborationFilterDep,
    limit: _Limit = 100,
    offset: _Offset = 0,
    format: FormatQuery = Format.JSON,
) -> Any:
    """Collaborations ordered by id, filtered by kind, region, a year they were active and a
    name search (ranked when there is one)."""
    page = await light_read(
        service, "collaborations", service.collaborations, filters, limit=limit, offset=offset
    )
    if format is Format.CSV:
        rows, columns = _record_rows(page.items)
        return csv_response(rows, columns or list(Collaboration.model_fields), "collaborations")
    return CollaborationPage(items=page.items, total=page.total, limit=limit, offset=offset)


@router.get(
    "/collaborations/{collaboration_id}",
    response_model=CollaborationDetail,
    tags=["records"],
    responses=_answers("read_collaboration"),
)
async def read_collaboration(collaboration_id: _IdPath, service: ServiceDep) -> CollaborationDetail:
    """One collaboration and every relation to it."""
    collaboration = await light_read(
        service, "collaborations", service.collaboration, collaboration_id
    )
    relations = await light_read(service, "collaborations", service.relations, collaboration_id)
    return CollaborationDetail(collaboration=collaboration, relations=relations)


@router.get(
    "/sectors",
    response_model=list[SectorOut],
    tags=["records"],
    responses=_answers("list_sectors", _TABLE),
)
def list_sectors(service: ServiceDep, format: FormatQuery = Format.JSON) -> Any:
    """The sectors (the four, and `unknown`), their Swedish and English labels, and how many
    actors each has."""
    counts = service.info().counts.actors_by_sector
    found = [
        SectorOut(
            sector=sector,
            label_sv=SECTOR_LABELS[sector]["sv"],
            label_en=SECTOR_LABELS[sector]["en"],
            actors=counts.get(sector.value, 0),
        )
        for sector in Sector
    ]
    if format is Format.CSV:
        rows, columns = _record_rows(found)
        return csv_response(rows, columns, "sectors")
    return found


class DatasetOut(BaseModel):
    """One dataset: a load or import, what it holds now and when it was last loaded."""

    name: str = Field(
        description="Its name; by default the loaded folder's, or the file's without suffix"
    )
    actors: int = Field(description="Actors it holds now (count)")
    collaborations: int = Field(description="Collaborations it holds now (count)")
    relations: int = Field(description="Relations it holds now (count)")
    loaded_at: str | None = Field(None, description="The last load, ISO 8601 in UTC")
    loads: int = Field(description="How many loads and imports wrote it")


class DuplicateOut(BaseModel):
    keep: str = Field(description="The actor a merge keeps by default")
    merge: str = Field(description="The actor that would be merged into it")
    score: float = Field(description="How likely they are one organisation, 0-1")
    evidence: list[str] = Field(description="Why: same external id, name, web domain, ...")
    keep_name: str = Field(description="Name of the actor kept")
    merge_name: str = Field(description="Name of the actor merged")


class DuplicatePage(BaseModel):
    items: list[DuplicateOut] = Field(description="The pairs of this page, best first")
    total: int = Field(description=_TOTAL)
    limit: int = Field(description=_LIMIT)
    offset: int = Field(description=_OFFSET)


_DUPLICATE_COLUMNS = ["keep", "merge", "score", "keep_name", "merge_name", "evidence"]


@router.get(
    "/duplicates",
    response_model=DuplicatePage,
    tags=["records"],
    responses=_answers("list_duplicates", csv=_CSV),
)
def list_duplicates(
    service: ServiceDep,
    min_score: Annotated[
        float, Query(gt=0, le=1, description="Leave out pairs scoring less (0-1)")
    ] = 0.5,
    limit: _Limit = 100,
    offset: _Offset = 0,
    format: FormatQuery = Format.JSON,
) -> Any:
    """Pairs of actors that are likely one organisation, best first, with the evidence
    (`mapper duplicates`); `format=csv` gives every pair as a merge file to review."""
    found = service.duplicates(min_score=min_score)
    if format is Format.CSV:
        rows = [vars(pair) | {"evidence": "; ".join(pair.evidence)} for pair in found]
        return csv_response(rows, _DUPLICATE_COLUMNS, "duplicates")
    page = found[offset : offset + limit]
    return DuplicatePage(
        items=[DuplicateOut(**vars(pair) | {"evidence": list(pair.evidence)}) for pair in page],
        total=len(found),
        limit=limit,
        offset=offset,
    )


@router.get(
    "/datasets",
    response_model=list[DatasetOut],
    tags=["records"],
    responses=_answers("list_datasets", _TABLE),
)
def list_datasets(service: ServiceDep, format: FormatQuery = Format.JSON) -> Any:
    """Every dataset in the store, by name (`mapper datasets`)."""
    found = [DatasetOut(**vars(info)) for info in service.datasets()]
    if format is Format.CSV:
        rows, columns = _record_rows(found)
        return csv_response(rows, columns or list(DatasetOut.model_fields), "datasets")
    return found
