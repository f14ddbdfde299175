"""Actors, collaborations, sectors and health: thin handlers over MapperService."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import (
    ActorFilterDep,
    CollaborationFilterDep,
    Format,
    FormatQuery,
    ServiceDep,
    csv_response,
)
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
    "Neighbour",
    "Neighbours",
    "SectorOut",
    "router",
]

router = APIRouter()

_IdPath = Annotated[str, Path(max_length=200, description="A record id, e.g. `vinnova`")]
_Limit = Annotated[int, Query(ge=1, le=LIMITS.page_size, description="Page size")]
_Offset = Annotated[int, Query(ge=0, le=10**9)]


class ActorPage(BaseModel):
    items: list[Actor]
    total: int
    limit: int
    offset: int


class CollaborationPage(BaseModel):
    items: list[Collaboration]
    total: int
    limit: int
    offset: int


class ActorDetail(BaseModel):
    actor: Actor
    relations: list[Relation]


class CollaborationDetail(BaseModel):
    collaboration: Collaboration
    relations: list[Relation]


class Neighbour(BaseModel):
    actor: Actor
    distance: int


class Neighbours(BaseModel):
    actor: str
    depth: int
    total: int
    limit: int
    offset: int
    items: list[Neighbour]


class SectorOut(BaseModel):
    sector: Sector
    label_sv: str
    label_en: str
    actors: int


class Health(BaseModel):
    status: str
    store: str
    location: str
    actors: int
    collaborations: int
    relations: int


@router.get("/health", response_model=Health, tags=["meta"])
def health(service: ServiceDep) -> Health:
    """The store in use and whether it answers (503 when it does not)."""
    info = service.info()
    return Health(
        status="ok",
        store=info.kind,
        location=info.location,
        actors=info.counts.actors,
        collaborations=info.counts.collaborations,
        relations=info.counts.relations,
    )


@router.get("/actors", response_model=ActorPage, tags=["records"])
def list_actors(
    service: ServiceDep, filters: ActorFilterDep, limit: _Limit = 100, offset: _Offset = 0
) -> ActorPage:
    """Actors ordered by id, filtered by sector, kind, subsector, region and a name search."""
    page = service.actors(filters, limit=limit, offset=offset)
    return ActorPage(items=page.items, total=page.total, limit=limit, offset=offset)


@router.get("/actors/{actor_id}", response_model=ActorDetail, tags=["records"])
def read_actor(actor_id: _IdPath, service: ServiceDep) -> ActorDetail:
    """One actor and every relation from or to it."""
    return ActorDetail(actor=service.actor(actor_id), relations=service.relations(actor_id))


@router.get("/actors/{actor_id}/neighbours", response_model=Neighbours, tags=["records"])
def read_neighbours(
    actor_id: _IdPath,
    service: ServiceDep,
    depth: Annotated[int, Query(ge=1, le=LIMITS.depth)] = 1,
    limit: _Limit = 100,
    offset: _Offset = 0,
) -> Neighbours:
    """Actors within `depth` steps (a direct relation or a shared collaboration is one step),
    nearest first, then by id; `total` counts them all."""
    page = service.neighbours(actor_id, depth=depth, limit=limit, offset=offset)
    return Neighbours(
        actor=actor_id,
        depth=depth,
        total=page.total,
        limit=limit,
        offset=offset,
        items=[Neighbour(actor=actor, distance=distance) for actor, distance in page.items],
    )


@router.get("/collaborations", response_model=CollaborationPage, tags=["records"])
def list_collaborations(
    service: ServiceDep, filters: CollaborationFilterDep, limit: _Limit = 100, offset: _Offset = 0
) -> CollaborationPage:
    """Collaborations ordered by id, filtered by kind, region and a year they were active."""
    page = service.collaborations(filters, limit=limit, offset=offset)
    return CollaborationPage(items=page.items, total=page.total, limit=limit, offset=offset)


@router.get(
    "/collaborations/{collaboration_id}", response_model=CollaborationDetail, tags=["records"]
)
def read_collaboration(collaboration_id: _IdPath, service: ServiceDep) -> CollaborationDetail:
    """One collaboration and every relation to it."""
    return CollaborationDetail(
        collaboration=service.collaboration(collaboration_id),
        relations=service.relations(collaboration_id),
    )


@router.get("/sectors", response_model=list[SectorOut], tags=["records"])
def list_sectors(service: ServiceDep) -> list[SectorOut]:
    """The sectors (the four, and `unknown`), their Swedish and English labels, and how many
    actors each has."""
    counts = service.info().counts.actors_by_sector
    return [
        SectorOut(
            sector=sector,
            label_sv=SECTOR_LABELS[sector]["sv"],
            label_en=SECTOR_LABELS[sector]["en"],
            actors=counts.get(sector.value, 0),
        )
        for sector in Sector
    ]


class DatasetOut(BaseModel):
    """One dataset: a load or import, what it holds now and when it was last loaded."""

    name: str
    actors: int
    collaborations: int
    relations: int
    loaded_at: str | None = Field(None, description="The last load, ISO 8601 in UTC")
    loads: int = Field(description="How many loads and imports wrote it")


class DuplicateOut(BaseModel):
    keep: str = Field(description="The actor a merge keeps by default")
    merge: str = Field(description="The actor that would be merged into it")
    score: float = Field(description="How likely they are one organisation, 0-1")
    evidence: list[str] = Field(description="Why: same external id, name, web domain, ...")
    keep_name: str
    merge_name: str


class DuplicatePage(BaseModel):
    items: list[DuplicateOut]
    total: int
    limit: int
    offset: int


_DUPLICATE_COLUMNS = ["keep", "merge", "score", "keep_name", "merge_name", "evidence"]
_CSV = {
    "description": "The same table as CSV: a merge file once reviewed",
    "content": {"text/csv": {}},
}


@router.get("/duplicates", response_model=DuplicatePage, tags=["records"], responses={200: _CSV})
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


@router.get("/datasets", response_model=list[DatasetOut], tags=["records"])
def list_datasets(service: ServiceDep) -> list[DatasetOut]:
    """Every dataset in the store, by name (`mapper datasets`)."""
    return [DatasetOut(**vars(info)) for info in service.datasets()]
