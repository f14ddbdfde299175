"""The `mapper` command: load seed files, ask the ecosystem questions, serve the API and maps.

The global options (--store, --json, --lang) go before or after the command's name; after it,
they win. Only the commands that write (load, import, serve) make a store that is not there.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

import click

from mapper.errors import MapperError, SeedValidationFailed, StoreMissing, problem_count
from mapper.filters import ActorFilter, CollaborationFilter, options
from mapper.model import KNOWN_SECTORS, ApplyReport, Language, Sector, SizeMeasure
from mapper.results import Brokerage, Brokers, Connections, Funding, Gaps, Mixing, Suggestion
from mapper.service import (
    DEFAULT_PERMUTATIONS,
    DUPLICATE_COLUMNS,
    SOURCES,
    MapperService,
    Scope,
    open_service,
)
from mapper.workers import WorkerPool, default_workers

__all__ = [
    "cli",
    "filter_options",
    "scope_options",
]


def _fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every MapperError into a one-line ClickException: users never see a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MapperError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _service(ctx: click.Context, *, create: bool = False) -> MapperService:
    """The service for this invocation, opened on first use and closed at exit. Only commands
    that write pass `create`: the others never make a store file, they say there is none."""
    root = ctx.find_root()
    if "service" not in root.meta:
        store = _given(ctx).get("store")
        root.meta["service"] = root.with_resource(open_service(store, create=create))
    return root.meta["service"]


def _given(ctx: click.Context) -> dict[str, Any]:
    """The global options as given: before the command, then overridden after it."""
    return ctx.find_root().ensure_object(dict)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


_SHOWN = 20  # the items of a long list shown without --all

_all_option = click.option(
    "--all", "show_all", is_flag=True, help=f"Show long lists whole, not their first {_SHOWN}."
)


def _echo_items(label: str, items: list[str], show_all: bool) -> None:
    """`label: a, b, c`, the first _SHOWN items unless `show_all`, then how many more."""
    shown = items if show_all else items[:_SHOWN]
    click.echo(f"{label}: {', '.join(shown)}{_more(len(items) - len(shown))}")


def _echo_table(rows: list[dict[str, Any]], columns: list[str], show_all: bool) -> None:
    """`_table` of the first _SHOWN rows unless `show_all`, then how many more."""
    shown = rows if show_all else rows[:_SHOWN]
    click.echo(_table(shown, columns) + _more(len(rows) - len(shown), "\n"))


def _more(left_out: int, separator: str = " ") -> str:
    return f"{separator}… and {left_out} more (--all)" if left_out else ""


_SPINNER_AFTER = 1.0  # seconds an analysis runs before a spinner shows


def _shows_progress(as_json: bool, stream: TextIO) -> bool:
    """Whether to show a spinner on `stream`: for a person at a terminal, never with --json."""
    return not as_json and stream.isatty()


@contextmanager
def _working(label: str, *, as_json: bool = False) -> Iterator[None]:
    """A spinner on stderr while an analysis runs longer than _SPINNER_AFTER; gone after."""
    if not _shows_progress(as_json, sys.stderr):
        yield
        return
    from rich.console import Console  # only at a terminal: it takes a while to import

    status = Console(file=sys.stderr).status(label)
    timer = threading.Timer(_SPINNER_AFTER, status.start)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        status.stop()


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain text table with a header, columns padded to their widest cell."""
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


# -- global options: one declaration each, taken before or after the command ----------------


def _or_before(default: Any = None) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option's callback: its value after the command, else before it, else `default`."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value is False:  # not given after the command
            value = _given(ctx).get(param.name)
        return default if value is None else value

    return callback


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A command's --store: given after the command, it replaces the one given before."""
    if value is not None:
        _given(ctx)[param.name] = value


def _store_option(**extra: Any) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store",
        default=None,
        metavar="PATH|URI",
        help="The store: a file path (embedded, the default is ~/.local/share/ecosystem-mapper/"
        "map.db) or a Neo4j URI (bolt://, neo4j://, neo4j+s://). Env: MAPPER_STORE.",
        **extra,
    )


def _json_flag(**extra: Any) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, **{"help": "Print JSON instead of a table.", **extra}
    )


def _lang_flag(**extra: Any) -> Callable[..., Any]:
    return click.option(
        "--lang",
        "lang",
        type=click.Choice([lang.value for lang in Language]),
        default=None,
        **{"help": "The language of the map's labels (default: sv).", **extra},
    )


_json_option = _json_flag(callback=_or_before(default=False))
_lang_option = _lang_flag(callback=_or_before(default=Language.SV.value))


class _Mapper(click.Group):
    """The `mapper` group: every command added also takes --store after its name."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _store_option(expose_value=False, callback=_remember)(cmd)
        super().add_command(cmd, name)


@click.group(cls=_Mapper)
@_store_option(envvar="MAPPER_STORE")
@_json_flag(help="Print JSON instead of a table (the commands that have --json).")
@_lang_flag(help="The language of a map's labels (mapper map; default: sv).")
@click.version_option(package_name="ecosystem-mapper")
@click.pass_context
def cli(ctx: click.Context, store: str | None, as_json: bool, lang: str | None) -> None:
    """Map who works with whom across sectors in Swedish social innovation.

    The options here may also come after the command's name (`mapper gaps --store x.db
    --json`); given in both places, the one after the command wins.
    """
    ctx.ensure_object(dict).update(store=store, as_json=as_json, lang=lang)
    command = ctx.command.get_command(ctx, ctx.invoked_subcommand or "")
    taken = {param.name for param in command.params} if command else set()
    for name, flag in (("as_json", "--json"), ("lang", "--lang")):
        if ctx.obj[name] and name not in taken:
            raise click.UsageError(f"{flag} is not an option of {ctx.invoked_subcommand}")


@cli.command()
@_json_option
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
@click.option(
    "--warm/--no-warm",
    default=True,
    show_default=True,
    help="Build the whole store's map in the background at start, so that the first visitor "
    "gets it from the cache.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 256),
    default=None,
    envvar="MAPPER_WORKERS",
    help="Worker processes for analyses and maps, apart from the reads [default: cores - 1, "
    "at least 1]; 0 runs them in the server process (no time limit, no cancelling).",
)
@click.option(
    "--queue",
    type=click.IntRange(1, 10_000),
    default=16,
    show_default=True,
    envvar="MAPPER_QUEUE",
    help="Analyses that may wait for a worker; beyond, 503 with Retry-After.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 86_400),
    default=120.0,
    show_default=True,
    envvar="MAPPER_TIME_LIMIT",
    help="Seconds one analysis or map may run before it is stopped (503).",
)
@click.pass_context
@_fail_cleanly
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    warm: bool,
    workers: int | None,
    queue: int,
    time_limit: float,
) -> None:
    """Serve the HTTP API (/docs) and the interactive maps (/map, /map/gaps).

    Analyses and map builds run in --workers processes, at most --queue waiting, each stopped
    after --time-limit seconds or when its client goes away (docs/security.md)."""
    import uvicorn

    from api.app import create_app
    from api.security import APISettings

    try:
        settings = APISettings.from_env()
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    service = _service(ctx, create=True)  # POST /load may fill it
    info = service.info()
    if workers is None:
        workers = default_workers()
    if workers and info.location == ":memory:":
        raise click.ClickException("a store in memory cannot be shared with workers: --workers 0")
    pool = None
    if workers:
        pool = WorkerPool(
            _given(ctx).get("store"),
            budget=service.budget,
            workers=workers,
            queue=queue,
            time_limit=time_limit,
        )
        service.use_pool(pool)
    click.echo(
        f"Serving {info.kind} store {info.location} ({info.counts.actors} actors): "
        f"map http://{host}:{port}/map, gaps http://{host}:{port}/map/gaps, "
        f"API http://{host}:{port}/docs"
    )
    where = f"{workers} worker process(es)" if workers else "the server process"
    click.echo(f"Analyses and maps run in {where}.")
    if not settings.writes_enabled:
        click.echo("Writes over HTTP (POST /load) are off; set MAPPER_API_TOKEN to enable them.")
    warming = threading.Thread(target=service.warm, name="warm", daemon=True)
    if warm:
        warming.start()
    try:
        # Stopping (SIGTERM, Ctrl-C) waits 2 s for open requests, then cancels them: their
        # workers are stopped with them.
        uvicorn.run(
            create_app(service, settings),
            host=host,
            port=port,
            log_level="info",
            timeout_graceful_shutdown=2,
        )
    finally:
        service.stop_work()  # the app's lifespan did, unless uvicorn failed to start
    if warming.is_alive():  # the store closes when this returns: not under the warming's feet
        warming.join()


# -- shared options ------------------------------------------------------------------------

_SECTORS = list(KNOWN_SECTORS)  # the sectors of sector statistics


def _click_option(name: str, kind: Any, default: Any, details: Any) -> Callable:
    """One filter (mapper.filters) as a click option: `--year-from`, `--relation-type`
    (repeatable), `--no-shared` for a filter that is on by default, `--with-partners` for one
    that is off."""
    flag = (details.cli or name).replace("_", "-")
    if kind is bool and not default:
        return click.option(f"--{flag}", name, is_flag=True, help=_help(details.description))
    if kind is bool:
        return click.option(
            f"--no-{flag}",
            name,
            is_flag=True,
            help=f"Do not {details.description[0].lower()}{details.description[1:]}.",
        )
    members = [arg for arg in typing.get_args(kind) if arg is not type(None)] or [kind]
    value_type, multiple = members[0], False
    if typing.get_origin(value_type) is tuple:
        value_type, multiple = typing.get_args(value_type)[0], True
    if isinstance(value_type, type) and issubclass(value_type, Enum):
        value_type = click.Choice([member.value for member in value_type])
    return click.option(
        f"--{flag}",
        name,
        type=value_type,
        multiple=multiple,
        default=None,
        help=_help(details.description),
    )


def _help(description: str) -> str:
    return description.replace("`", "'") + "."


def filter_options(filter_set: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options a filter set declares (mapper.filters); the command receives the filter set,
    checked once, as one keyword argument named after it in lower case (`scope`)."""
    declared = options(filter_set)
    keyword = filter_set.__name__.lower()

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {}
            for name, kind, default, _ in declared:
                value = kwargs.pop(name)
                if kind is bool:
                    value = not value if default else value
                values[name] = value or None if isinstance(value, tuple) else value
            try:
                kwargs[keyword] = filter_set(**values)
            except MapperError as error:
                raise click.ClickException(str(error)) from None
            return command(*args, **kwargs)

        for declaration in reversed(declared):
            wrapper = _click_option(*declaration)(wrapper)
        return wrapper

    return decorate


scope_options = filter_options(Scope)


def _count(value: float) -> int | float:
    """A weight as the count it is (`2`, not `2.0`)."""
    return int(value) if float(value).is_integer() else value


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


# -- seed files ------------------------------------------------------------------------------

_seed_paths = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
_documents_option = click.option(
    "--documents",
    "documents",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Where the source documents are (default: a documents/ folder beside the seed files).",
)


@cli.command()
@_seed_paths
@_documents_option
@click.pass_context
@_fail_cleanly
def validate(ctx: click.Context, paths: tuple[Path, ...], documents: Path | None) -> None:
    """Check seed files (CSV, JSON, JSON Lines, Kumu) without writing; list every problem."""
    try:
        service, missing = _service(ctx), None
    except StoreMissing as error:  # checked against each other only; no store file is made
        service, missing = _empty_service(ctx), error
    result = service.validate(list(paths), documents_dir=documents)
    for problem in result.errors:
        click.echo(str(problem), err=True)
    batch = result.batch
    summary = (
        f"{len(batch.actors)} actors, {len(batch.collaborations)} collaborations, "
        f"{len(batch.relations)} relations"
    )
    if missing is not None:
        summary += f" ({str(missing).split(';')[0]} to check them against)"
    if result.errors:
        count = problem_count(result.errors)
        raise click.ClickException(f"{count} problem(s) found in {summary}")
    click.echo(f"ok: {summary}")


def _empty_service(ctx: click.Context) -> MapperService:
    """A service on an empty store in memory, closed at exit: to validate without a store."""
    return ctx.with_resource(open_service(":memory:"))


def _dataset_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--dataset NAME and --replace NAME: which dataset a load is, and whether it replaces it."""
    command = click.option(
        "--replace",
        "replace",
        default=None,
        metavar="DATASET",
        help="Make the store hold exactly what the files say for this dataset: its records "
        "that the files no longer hold are removed (unless another dataset holds them).",
    )(command)
    return click.option(
        "--dataset",
        "dataset",
        default=None,
        help="The dataset this load is (default: the folder's or file's name).",
    )(command)


@cli.command()
@_seed_paths
@_documents_option
@_dataset_options
@_all_option
@click.pass_context
@_fail_cleanly
def load(
    ctx: click.Context,
    paths: tuple[Path, ...],
    documents: Path | None,
    dataset: str | None,
    replace: str | None,
    show_all: bool,
) -> None:
    """Load seed files: every row is checked first, and nothing changes if any row is invalid."""
    service = _service(ctx, create=True)
    options = {"documents_dir": documents, **_dataset(dataset, replace)}
    _write(lambda progress: service.load(list(paths), progress=progress, **options), show_all)


@cli.command("import")
@click.argument("source", type=click.Choice(list(SOURCES)))
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="table: the TOML file that maps the table's columns.",
)
@click.option(
    "--init",
    "init",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="table: write a commented mapping for the table to this file, to fill in, and stop.",
)
@click.option(
    "--sector",
    "sector_map",
    multiple=True,
    metavar="CODE=SECTOR",
    help="cordis: the sector of an activity type, e.g. OTH=unknown (repeatable).",
)
@click.option("--no-funding", is_flag=True, help="cordis: leave out the EU contributions.")
@_dataset_options
@_all_option
@click.pass_context
@_fail_cleanly
def import_command(
    ctx: click.Context,
    source: str,
    paths: tuple[Path, ...],
    mapping: Path | None,
    init: Path | None,
    sector_map: tuple[str, ...],
    no_funding: bool,
    dataset: str | None,
    replace: str | None,
    show_all: bool,
) -> None:
    """Import a public source or a table: CORDIS (cordis), a membership table (table).

    \b
    mapper import cordis ../cordis/h2020/ --sector OTH=unknown
    mapper import table members.xlsx --init members.toml    # then edit members.toml
    mapper import table members.xlsx --mapping members.toml
    """
    if not paths:
        raise click.UsageError("give the files or folders to import")
    wrong = {
        "table": [
            name
            for name, given in (("--sector", sector_map), ("--no-funding", no_funding))
            if given
        ],
        "cordis": [name for name, given in (("--mapping", mapping), ("--init", init)) if given],
    }[source]
    if wrong:
        raise click.UsageError(f"{', '.join(wrong)} is not an option of {source}")
    if init is not None:  # a table's (the option is refused for cordis above)
        _init_mapping(paths, init)
        return
    options: dict[str, Any] = (
        {"mapping": mapping}
        if source == "table"
        else {
            "sectors": _sector_map(sector_map),
            "funding": not no_funding,
        }
    )
    service = _service(ctx, create=True)
    _write(
        lambda progress: service.import_source(
            source, list(paths), progress=progress, **options, **_dataset(dataset, replace)
        ),
        show_all,
    )


def _init_mapping(paths: tuple[Path, ...], out: Path) -> None:
    if out.exists():
        raise click.ClickException(f"{out} exists; give a new file to write the mapping to")
    out.write_text(MapperService.table_mapping(paths[0]), encoding="utf-8")
    click.echo(f"Wrote {out}: fill it in, then run with --mapping {out}")


def _sector_map(pairs: tuple[str, ...]) -> dict[str, str]:
    sectors = {}
    for pair in pairs:
        code, equals, sector = pair.partition("=")
        if not equals or not code.strip() or not sector.strip():
            raise click.BadParameter(f"{pair!r}: expected CODE=SECTOR, e.g. OTH=unknown")
        sectors[code.strip()] = sector.strip()
    return sectors


def _dataset(dataset: str | None, replace: str | None) -> dict[str, Any]:
    if dataset is not None and replace is not None and dataset != replace:
        raise click.UsageError(
            f"--dataset {dataset!r} and --replace {replace!r} name two datasets; give one"
        )
    return {"dataset": replace or dataset, "replace": replace is not None}


def _write(load: Callable[[Callable[[int], None] | None], ApplyReport], show_all: bool) -> None:
    """Run a load or an import with a progress bar on a terminal; print what it did."""
    if not sys.stderr.isatty():
        report = _reported(load, None)
    else:
        with click.progressbar(length=0, label="reading", file=sys.stderr) as bar:
            report = _reported(load, lambda rows: _advance(bar, rows))
    click.echo(report.summary())
    _echo_removed(report, show_all)
    if report.dataset:
        click.echo(f"dataset: {report.dataset}")


def _echo_removed(report: ApplyReport, show_all: bool) -> None:
    for name, part in report.parts():
        if part.removed:
            _echo_items(f"removed {name}", list(part.removed), show_all)


def _advance(bar: Any, rows: int) -> None:
    bar.update(rows - bar.pos)


def _reported(
    load: Callable[[Callable[[int], None] | None], ApplyReport],
    progress: Callable[[int], None] | None,
) -> ApplyReport:
    try:
        return load(progress)
    except SeedValidationFailed as error:
        for problem in error.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{problem_count(error.errors)} problem(s) found; nothing was written"
        ) from None


@cli.command()
@_json_option
@click.pass_context
@_fail_cleanly
def datasets(ctx: click.Context, as_json: bool) -> None:
    """The datasets in the store: what each holds now and when it was last loaded."""
    found = _service(ctx).datasets()
    if as_json:
        _echo_json([vars(info) for info in found])
        return
    if not found:
        click.echo("no datasets: load or import files to make one")
        return
    rows = [vars(info) | {"loaded_at": info.loaded_at or "-"} for info in found]
    columns = ["name", "actors", "collaborations", "relations", "loads", "loaded_at"]
    click.echo(_table(rows, columns))


@cli.command()
@click.argument("query")
@click.option("--collaborations", is_flag=True, help="Search collaborations instead of actors.")
@click.option("--limit", default=20, show_default=True, help="How many to show.")
@_json_option
@click.pass_context
@_fail_cleanly
def search(ctx: click.Context, query: str, collaborations: bool, limit: int, as_json: bool) -> None:
    """Actors (or collaborations) by name, English name, alias, id or external id: folded
    (case, accents, å = aa, ä = ae, ö = oe) and ranked, exact matches first, typos last."""
    service = _service(ctx)
    if collaborations:
        page = service.collaborations(CollaborationFilter(q=query), limit=limit)
    else:
        page = service.actors(ActorFilter(q=query), limit=limit)
    if as_json:
        _echo_json({"total": page.total, "items": [r.model_dump(mode="json") for r in page.items]})
        return
    if not page.items:
        click.echo(f"nothing found for {query!r}")
        return
    rows = [
        {"id": r.id, "name": r.name, "sector": getattr(r, "sector", None) or r.kind}
        for r in page.items
    ]
    click.echo(_table(rows, ["id", "name", "sector"]))
    if page.total > len(page.items):
        click.echo(f"… and {page.total - len(page.items)} more (--limit)")


@cli.command()
@click.option(
    "--min-score", default=0.5, show_default=True, help="Leave out pairs scoring less (0-1)."
)
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Write the pairs as CSV to this file ('-' for standard output): review it, delete "
    "the rows that are not one organisation, swap keep and merge where needed, then give it "
    "to `mapper merge --file`.",
)
@_json_option
@_all_option
@click.pass_context
@_fail_cleanly
def duplicates(
    ctx: click.Context, min_score: float, csv_out: Path | None, as_json: bool, show_all: bool
) -> None:
    """Pairs of actors that are likely one organisation, best first, with the evidence: the
    same external id, the same name without its legal form, the same web domain, or similar
    names in one county."""
    found = _service(ctx).duplicates(min_score=min_score)
    rows = [vars(pair) | {"evidence": "; ".join(pair.evidence)} for pair in found]
    if as_json:
        _echo_json([vars(pair) for pair in found])
    elif csv_out is not None:
        text = _service(ctx).duplicates_csv(min_score=min_score)
        with click.open_file(str(csv_out), "w", encoding="utf-8") as out:
            out.write(text)
        if str(csv_out) != "-":
            click.echo(f"{len(rows)} pair(s) written to {csv_out}", err=True)
    elif not rows:
        click.echo(f"no likely duplicates scoring {min_score} or more")
    else:
        _echo_table(rows, list(DUPLICATE_COLUMNS), show_all)


@cli.command()
@click.argument("ids", nargs=-1)
@click.option(
    "--file",
    "merge_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV file with keep and merge columns, one pair a row (mapper duplicates --csv).",
)
@click.pass_context
@_fail_cleanly
def merge(ctx: click.Context, ids: tuple[str, ...], merge_file: Path | None) -> None:
    """Make actors one: `mapper merge KEEP OTHER...` keeps KEEP and merges the others into it
    (names become aliases; external ids, sources, relations and datasets move), all in one
    transaction, and remembers it, so that loading the others' files again updates KEEP."""
    service = _service(ctx)
    if merge_file is not None and ids:
        raise click.UsageError("give either KEEP OTHER... or --file, not both")
    if merge_file is not None:
        merges = service.merge_file(merge_file)
    elif len(ids) >= 2:
        merges = {ids[0]: list(ids[1:])}
    else:
        raise click.UsageError("name the actor to keep and at least one to merge into it")
    report = service.merge(merges)
    merged = sum(len(others) for others in merges.values())
    click.echo(f"{merged} actor(s) merged into {len(merges)}")
    click.echo(report.summary())


@cli.command()
@click.argument("record_type", type=click.Choice(["actor", "collaboration"]))
@click.argument("record_id")
@_all_option
@click.pass_context
@_fail_cleanly
def delete(ctx: click.Context, record_type: str, record_id: str, show_all: bool) -> None:
    """Remove one actor or collaboration and every relation from, to or naming it."""
    report = _service(ctx).remove(record_type, record_id)
    _echo_removed(report, show_all)


@cli.command()
@click.option(
    "--format",
    "format",
    type=click.Choice(["csv", "kumu", "graphml", "gexf"]),
    required=True,
    help="csv: a folder of seed files; kumu: Kumu JSON; graphml, gexf: for Gephi.",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="File or folder.")
@click.pass_context
@_fail_cleanly
def export(ctx: click.Context, format: str, out: Path) -> None:
    """Export the whole store, e.g. to edit in Kumu or Gephi, or to keep as seed files."""
    _service(ctx).export(format, out)
    click.echo(f"Wrote {out}")


# -- analysis --------------------------------------------------------------------------------


@cli.command()
@scope_options
@click.option(
    "--permutations",
    default=DEFAULT_PERMUTATIONS,
    show_default=True,
    help="Permutations for the p-values.",
)
@click.option("--seed", default=0, show_default=True, help="Random seed (reproducible).")
@click.option("--alpha", default=0.05, show_default=True, help="Adjusted p below which...")
@click.option(
    "--ratio",
    "ratio_threshold",
    default=0.5,
    show_default=True,
    help="...and a ratio below which a pair is a gap.",
)
@_json_option
@_all_option
@click.pass_context
@_fail_cleanly
def gaps(
    ctx: click.Context,
    scope: Scope,
    permutations: int,
    seed: int,
    alpha: float,
    ratio_threshold: float,
    as_json: bool,
    show_all: bool,
) -> None:
    """Sector pairs with fewer links than chance, given every actor's number of links."""
    with _working("gaps: comparing with shuffled sectors", as_json=as_json):
        answer = _service(ctx).gaps(
            scope,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            ratio_threshold=ratio_threshold,
        )
    if as_json:
        _echo_json(answer)
        return
    result = Gaps.model_validate(answer)
    rows = [
        {
            "sectors": " - ".join(pair.sectors),
            "observed": pair.observed,
            "expected": _number(pair.expected),
            "ratio": _number(pair.ratio),
            "z": _number(pair.z),
            "null 95%": f"{_number(pair.null_low)}-{_number(pair.null_high)}",
            "p fewer": _number(pair.p_value),
            "p more": _number(pair.p_value_more),
            "p_adjusted": _number(pair.p_adjusted),
            "gap": "GAP" if pair.gap else "",
        }
        for pair in result.pairs
    ]
    click.echo(_table(rows, list(rows[0])))
    click.echo(
        "expected, z, null 95% and both p: one null model, the sectors shuffled among actors of\n"
        "similar degree; p_adjusted: 'p fewer', Benjamini-Hochberg adjusted over the pairs."
    )
    if result.isolated_actors:
        _echo_items("isolated actors", result.isolated_actors, show_all)
    _echo_unknown(result.unknown_sector_actors)


def _echo_unknown(count: int) -> None:
    if count:
        click.echo(f"{count} actors of unknown sector are left out of these figures")


@cli.command()
@scope_options
@_json_option
@click.pass_context
@_fail_cleanly
def mixing(ctx: click.Context, scope: Scope, as_json: bool) -> None:
    """Links between and within sectors, their density, and the E-I index."""
    with _working("mixing: counting links", as_json=as_json):
        answer = _service(ctx).mixing(scope)
    if as_json:
        _echo_json(answer)
        return
    result = Mixing.model_validate(answer)
    rows = [
        {
            "sector": a,
            **{b: result.links[a][b] for b in _SECTORS},
            "E-I": _number(result.ei_index[a]),
        }
        for a in _SECTORS
    ]
    click.echo(_table(rows, ["sector", *_SECTORS, "E-I"]))
    click.echo(f"overall E-I index: {_number(result.ei_index_overall)}")
    _echo_unknown(result.unknown_sector_actors)


@cli.command()
@scope_options
@click.option("--top", default=10, show_default=True)
@click.option(
    "--sample",
    type=int,
    default=None,
    help="Estimate betweenness from this many sampled actors (default: exact where it fits).",
)
@click.option(
    "--between",
    nargs=2,
    type=click.Choice(_SECTORS),
    default=None,
    metavar="SECTOR SECTOR",
    help="Rank the brokers between these two sectors (may be one sector twice).",
)
@_json_option
@click.pass_context
@_fail_cleanly
def brokers(
    ctx: click.Context,
    scope: Scope,
    top: int,
    sample: int | None,
    between: tuple[str, str] | None,
    as_json: bool,
) -> None:
    """Actors that connect sectors: cross-sector betweenness and brokerage roles; with
    --between, the brokers between two given sectors first."""
    a, b = between or (None, None)
    with _working("brokers: shortest paths", as_json=as_json):
        answer = _service(ctx).brokers(scope, top=top, sample=sample, sector_a=a, sector_b=b)
    if as_json:
        _echo_json(answer)
        return
    result = Brokers.model_validate(answer)
    rows = [
        {
            "actor": b.actor,
            "sector": b.sector,
            "cross_sector": _number(b.cross_sector_betweenness),
            "betweenness": _number(b.betweenness),
            "between": _number(b.between_sectors or 0.0),
            **b.brokerage.model_dump(),
        }
        for b in result.brokers
    ]
    columns = ["actor", "sector", *(["between"] if between else []), "cross_sector"]
    click.echo(_table(rows, [*columns, "betweenness", *Brokerage.model_fields]))
    if result.exact:
        click.echo(f"exact: shortest paths from all {result.actors} actors")
    else:
        click.echo(
            f"estimated: shortest paths from {result.sources} of {result.actors} actors, "
            "sampled (--sample sets how many)"
        )
    _echo_unknown(result.unknown_sector_actors)


@cli.command()
@click.argument("source")
@click.argument("target")
@scope_options
@click.option("-k", "k", default=3, show_default=True, help="How many paths.")
@click.option("--max-hops", default=4, show_default=True)
@_json_option
@click.pass_context
@_fail_cleanly
def path(
    ctx: click.Context, source: str, target: str, scope: Scope, k: int, max_hops: int, as_json: bool
) -> None:
    """The shortest paths from one actor to another, and what links each step."""
    result = _service(ctx).paths(source, target, scope, k=k, max_hops=max_hops)
    if as_json:
        _echo_json(result)
        return
    if not result:
        click.echo(f"no path from {source} to {target} within {max_hops} steps")
    for number, steps in enumerate(result, start=1):
        click.echo(f"path {number} ({len(steps) - 1} steps):")
        for step in steps:
            via = step["via"]
            through = ""
            if via:
                through = "  via " + ", ".join([*via["collaborations"], *via["relations"]])
            click.echo(f"  {step['actor']} [{step['sector']}]{through}")


@cli.command()
@click.argument("sector_a", type=click.Choice(_SECTORS))
@click.argument("sector_b", type=click.Choice(_SECTORS))
@scope_options
@click.option("--limit", default=50, show_default=True)
@_json_option
@click.pass_context
@_fail_cleanly
def connections(
    ctx: click.Context, sector_a: str, sector_b: str, scope: Scope, limit: int, as_json: bool
) -> None:
    """The links that join two sectors, strongest first, with the collaborations behind them."""
    answer = _service(ctx).connections(sector_a, sector_b, scope, limit=limit)
    if as_json:
        _echo_json(answer)
        return
    result = Connections.model_validate(answer)
    rows = [
        {
            "from": link.actors[0].actor,
            "to": link.actors[1].actor,
            "weight": _count(link.weight),
            "through": ", ".join([*link.collaborations, *link.relations]),
        }
        for link in result.links
    ]
    click.echo(_table(rows, ["from", "to", "weight", "through"]))
    click.echo(f"{result.total} link(s) in all")


@cli.command()
@click.argument("actor_id")
@scope_options
@click.option("-k", "k", default=10, show_default=True)
@_json_option
@click.pass_context
@_fail_cleanly
def suggest(ctx: click.Context, actor_id: str, scope: Scope, k: int, as_json: bool) -> None:
    """Actors in other sectors that ACTOR_ID could partner with, and why."""
    answer = _service(ctx).suggestions(actor_id, scope, k=k)
    if as_json:
        _echo_json(answer)
        return
    rows = [
        {
            "actor": s.actor,
            "sector": s.sector,
            "score": _number(s.score),
            "adamic_adar": _number(s.parts.adamic_adar),
            "region": _number(s.parts.shared_region),
            "funders": _number(s.parts.shared_funders),
            "via": ", ".join(s.common_neighbours),
        }
        for s in map(Suggestion.model_validate, answer)
    ]
    click.echo(
        _table(rows, ["actor", "sector", "score", "adamic_adar", "region", "funders", "via"])
    )


@cli.command()
@click.option("--year-from", type=int, default=None)
@click.option("--year-to", type=int, default=None)
@_json_option
@_all_option
@click.pass_context
@_fail_cleanly
def funding(
    ctx: click.Context, year_from: int | None, year_to: int | None, as_json: bool, show_all: bool
) -> None:
    """FUNDS amounts from each funder sector to each recipient sector, by year."""
    answer = _service(ctx).funding(year_from=year_from, year_to=year_to)
    if as_json:
        _echo_json(answer)
        return
    rows = [
        {
            "from": flow.funder_sector,
            "to": flow.recipient_sector or flow.recipient,
            "year": "-" if flow.year is None else flow.year,
            "amount": _number(flow.amount),
            "currency": flow.currency,
            "relations": flow.count,
        }
        for flow in Funding.model_validate(answer).flows
    ]
    _echo_table(rows, ["from", "to", "year", "amount", "currency", "relations"], show_all)


# -- map -----------------------------------------------------------------------------------------


@cli.command(name="map")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The HTML file to write; it opens in a browser with no server and no internet.",
)
@click.option("--gaps", "gaps", is_flag=True, help="The gap map (sector pairs) instead of actors.")
@_lang_option
@scope_options
@click.option(
    "--sector",
    "sectors",
    multiple=True,
    type=click.Choice([sector.value for sector in Sector]),
    help="Only actors of this sector (repeatable; actor map only).",
)
@click.option(
    "--size-by",
    type=click.Choice([measure.value for measure in SizeMeasure]),
    default="degree",
    show_default=True,
    help="What node size shows (actor map only).",
)
@click.option(
    "--community",
    type=int,
    default=None,
    help="On a map too large to show every actor, one community of it (its number).",
)
@click.option(
    "--api-url",
    default="",
    help="Where the API runs, for the actors' links, e.g. http://127.0.0.1:8000.",
)
@click.pass_context
@_fail_cleanly
def map_command(
    ctx: click.Context,
    out: str,
    gaps: bool,
    lang: str,
    scope: Scope,
    sectors: tuple[str, ...],
    size_by: str,
    community: int | None,
    api_url: str,
) -> None:
    """Write the actor map (or with --gaps the gap map) as one self-contained HTML file."""
    service = _service(ctx)
    with _working("map: laying out"):
        if gaps:
            page = service.gap_map(scope, lang=lang, api_base=api_url.rstrip("/"))
        else:
            page = service.actor_map(
                scope,
                sectors=sectors,
                lang=lang,
                size_by=size_by,
                api_base=api_url.rstrip("/"),
                community=community,
            )
    Path(out).write_text(page, encoding="utf-8")
    click.echo(f"Wrote {out} ({len(page) // 1024} KiB); open it in a browser.")
