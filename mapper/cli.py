"""The `mapper` command: load seed files, ask the ecosystem questions, serve the API and maps."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import click

from mapper.errors import MapperError
from mapper.service import MapperService, open_service

__all__ = ["cli"]


def _fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every MapperError into a one-line ClickException: users never see a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MapperError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _service(ctx: click.Context) -> MapperService:
    """The service for this invocation, opened on first use and closed at exit."""
    root = ctx.find_root()
    if "service" not in root.meta:
        root.meta["service"] = root.with_resource(open_service(root.obj["store"]))
    return root.meta["service"]


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain text table with a header, columns padded to their widest cell."""
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@click.group()
@click.option(
    "--store",
    envvar="MAPPER_STORE",
    default=None,
    metavar="PATH|URI",
    help="The store: a file path (embedded, the default is ~/.local/share/ecosystem-mapper/"
    "map.db) or a Neo4j URI (bolt://, neo4j://, neo4j+s://). Env: MAPPER_STORE.",
)
@click.version_option(package_name="ecosystem-mapper")
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """Map who works with whom across sectors in Swedish social innovation."""
    ctx.ensure_object(dict)
    ctx.obj["store"] = store


@cli.command()
@json_option
@click.pass_context
@_fail_cleanly
def info(ctx: click.Context, as_json: bool) -> None:
    """Which store is in use and what it holds, by kind and sector."""
    result = _service(ctx).info()
    counts = result.counts
    if as_json:
        _echo_json({"store": result.kind, "location": result.location, "counts": vars(counts)})
        return
    click.echo(f"store: {result.kind} ({result.location})")
    click.echo(
        f"actors: {counts.actors}  collaborations: {counts.collaborations}  "
        f"relations: {counts.relations}"
    )
    for title, values in (
        ("actors by sector", counts.actors_by_sector),
        ("actors by kind", counts.actors_by_kind),
        ("collaborations by kind", counts.collaborations_by_kind),
        ("relations by type", counts.relations_by_type),
    ):
        if values:
            click.echo(f"{title}: " + ", ".join(f"{k} {v}" for k, v in values.items()))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="MAPPER_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="MAPPER_PORT")
@click.pass_context
@_fail_cleanly
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API (/docs) and the interactive maps (/map, /map/gaps)."""
    import uvicorn

    from api.app import create_app

    service = _service(ctx)
    info = service.info()
    click.echo(
        f"Serving {info.kind} store {info.location} ({info.counts.actors} actors): "
        f"map http://{host}:{port}/map, gaps http://{host}:{port}/map/gaps, "
        f"API http://{host}:{port}/docs"
    )
    uvicorn.run(create_app(service), host=host, port=port, log_level="info")
