"""Writes over HTTP: `POST /load` takes the seed files `mapper load` takes, behind the API token.

The files are uploaded as multipart/form-data (one or more parts, any field name); each part's
file name decides its format and record type exactly as on the command line (`actors*.csv`,
`relations.jsonl`, a Kumu `map.json`, ...). Parts named `*.txt` are source documents: the quotes
of the seed files are checked against them, as against a `documents/` folder beside the files.
Everything is validated first and written in one all-or-nothing batch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import ServiceDep
from api.errors import ErrorOut
from api.security import RequestRefused, WriteAccess, limited_request
from mapper.errors import InvalidParameter, SeedFileError, SeedValidationFailed
from mapper.model import TypeReport
from mapper.service import SEED_SUFFIXES, MapperService

__all__ = [
    "DOCUMENT_SUFFIX",
    "MAX_FILES",
    "LoadReport",
    "router",
]

router = APIRouter(tags=["admin"])

MAX_FILES = 100
DOCUMENT_SUFFIX = ".txt"
_MAX_NAME_BYTES = 200


class LoadReport(BaseModel):
    """What a load wrote, per record type, and the files it read."""

    actors: TypeReport = Field(description="What the load did to actors")
    collaborations: TypeReport = Field(description="What the load did to collaborations")
    relations: TypeReport = Field(description="What the load did to relations")
    files: list[str] = Field(description="The uploaded files it read, by name")
    summary: str = Field(description="The same as text, one line per record type")
    dataset: str | None = Field(None, description="The dataset the load wrote")


# The example answer in the API reference: POST /load with seed_data/*.csv on an empty store.
_LOADED = {
    "summary": "POST /load with seed_data/actors.csv, collaborations.csv and relations.csv",
    "value": {
        "actors": {"created": 32, "updated": 0, "unchanged": 0, "removed": []},
        "collaborations": {"created": 23, "updated": 0, "unchanged": 0, "removed": []},
        "relations": {"created": 78, "updated": 0, "unchanged": 0, "removed": []},
        "files": ["actors.csv", "collaborations.csv", "relations.csv"],
        "summary": "actors: 32 created, 0 updated, 0 unchanged\n"
        "collaborations: 23 created, 0 updated, 0 unchanged\n"
        "relations: 78 created, 0 updated, 0 unchanged",
        "dataset": "upload",
    },
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "model": ErrorOut}


_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Seed files (and *.txt source documents)",
                        }
                    },
                    "required": ["files"],
                }
            }
        },
    }
}


@router.post(
    "/load",
    response_model=LoadReport,
    openapi_extra=_UPLOAD,
    responses={
        200: {"content": {"application/json": {"examples": {"seed_data": _LOADED}}}},
        400: _error_response("The multipart body cannot be parsed"),
        401: _error_response("No bearer token, or the wrong one"),
        403: _error_response("Writes over HTTP are disabled: MAPPER_API_TOKEN is not set"),
        413: _error_response("The upload is larger than MAPPER_MAX_UPLOAD_BYTES"),
        415: _error_response("The body is not multipart/form-data"),
    },
)
async def load(
    request: Request,
    service: ServiceDep,
    settings: WriteAccess,
    dataset: Annotated[
        str | None,
        Query(
            description="The dataset this load is (default `upload`; needed with `replace`)",
            min_length=1,
            max_length=100,
        ),
    ] = None,
    replace: Annotated[
        bool,
        Query(
            description="Make the store hold exactly what the files say for this dataset: its "
            "records the files no longer hold are removed (and listed in `removed`)"
        ),
    ] = False,
) -> LoadReport:
    """Validate uploaded seed files and write them all, or nothing (422 lists every problem).

    Needs `Authorization: Bearer <MAPPER_API_TOKEN>`. Files as in `mapper load`: CSV, JSON,
    JSON Lines, Kumu JSON, GraphML or GEXF, named so that their names say what they hold. The
    load is the dataset `dataset`, as `mapper load --dataset` (or `--replace`) makes it.
    """
    if replace and dataset is None:
        raise InvalidParameter("dataset", "replace needs the name of the dataset it replaces")
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise RequestRefused(
            415,
            "UnsupportedMediaType",
            f"expected multipart/form-data with one or more seed files, not {content_type!r}",
        )
    body = limited_request(request, settings.max_upload_bytes)
    folder = Path(tempfile.mkdtemp(prefix="mapper-upload-"))
    try:
        seeds = await _save_uploads(body, folder)
        report = await run_in_threadpool(
            _load, service, folder, seeds, dataset or "upload", replace
        )
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    return LoadReport(
        actors=report.actors,
        collaborations=report.collaborations,
        relations=report.relations,
        files=seeds,
        summary=report.summary(),
        dataset=report.dataset,
    )


async def _save_uploads(body: Request, folder: Path) -> list[str]:
    """Write every uploaded file into `folder` (documents into folder/documents); seed names."""
    form = await body.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    try:
        seeds: list[str] = []
        problems: list[SeedFileError] = []
        taken: set[str] = set()
        for field, value in form.multi_items():
            if not isinstance(value, UploadFile):
                raise InvalidParameter(
                    field, "expected a file; send seed files as multipart file parts"
                )
            name, problem = _file_name(value.filename)
            if problem is None and name in taken:
                problem = "was uploaded twice; every file needs its own name"
            if problem is not None:
                problems.append(SeedFileError(name, None, None, problem))
                continue
            taken.add(name)
            target = folder / name
            if name.lower().endswith(DOCUMENT_SUFFIX):
                target = folder / "documents" / name
                target.parent.mkdir(exist_ok=True)
            else:
                seeds.append(name)
            await run_in_threadpool(_copy, value, target)
    finally:
        await form.close()
    if problems:
        raise SeedValidationFailed(problems)
    if not seeds:
        raise InvalidParameter(
            "files",
            "no seed files were uploaded; send one or more CSV, JSON, JSON Lines or Kumu files "
            "as multipart/form-data",
        )
    return seeds


def _copy(upload: UploadFile, target: Path) -> None:
    upload.file.seek(0)
    with open(target, "wb") as out:
        shutil.copyfileobj(upload.file, out)


def _file_name(filename: str | None) -> tuple[str, str | None]:
    """The file name to store an upload under, and what is wrong with it (None if nothing)."""
    given = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    shown = given if len(given) <= 80 else given[:80] + "…"
    if not given or given.startswith("."):
        return shown or "(no name)", "has no usable file name; name it e.g. actors.csv"
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in given):
        return repr(shown), "the file name contains control characters; rename the file"
    if len(given.encode("utf-8")) > _MAX_NAME_BYTES:
        return shown, f"the file name is longer than {_MAX_NAME_BYTES} bytes; rename the file"
    suffix = Path(given).suffix.lower()
    if suffix not in SEED_SUFFIXES and suffix != DOCUMENT_SUFFIX:
        expected = ", ".join([*SEED_SUFFIXES, DOCUMENT_SUFFIX])
        return shown, f"cannot read {suffix or 'files without a suffix'!r}; expected {expected}"
    return given, None


def _load(
    service: MapperService, folder: Path, seeds: list[str], dataset: str, replace: bool
) -> Any:
    """service.load on the saved files; messages name the files as uploaded, not the temp dir."""
    try:
        paths = [folder / name for name in seeds]
        return service.load(paths, dataset=dataset, replace=replace)
    except SeedValidationFailed as error:
        prefix = str(folder) + os.sep
        raise SeedValidationFailed(
            [
                SeedFileError(
                    problem.path.replace(prefix, ""),
                    problem.line,
                    problem.field,
                    problem.problem.replace(prefix, "").replace(str(folder), "the upload"),
                )
                for problem in error.errors
            ]
        ) from None
