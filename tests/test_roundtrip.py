"""Every export reads back as the records it was written from (hypothesis, derandomized).

Random valid batches, with every field the model has (data, external ids, an unknown sector, no
country, FUNDS for a collaboration, every role), are exported as Kumu, GEXF, GraphML and seed
CSV and read back: every record and every field is the same. XML keeps no carriage returns, so
GEXF and GraphML give line ends back as `\\n` (docs/seed-format.md).

`assert_round_trip(G, fmt, folder)` is the check, for any snapshot graph.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import batch_from_graph, to_gexf, to_graphml, to_kumu, validate, write_csv
from mapper.model import (
    SUBSECTORS,
    Actor,
    ActorKind,
    Batch,
    Collaboration,
    CollaborationKind,
    Relation,
    Role,
    Sector,
    Source,
)
from mapper.stores.common import build_snapshot
from mapper.stores.embedded import EmbeddedStore

FORMATS = ("kumu", "gexf", "graphml", "csv")
_XML_FORMATS = ("gexf", "graphml")


def export(G: nx.MultiDiGraph, fmt: str, folder: Path) -> Path:
    """Write `G` in `fmt` into `folder`; the path to read back (a file, or CSV's folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_csv(G, folder / "csv")
        return folder / "csv"
    path = folder / f"map.{'json' if fmt == 'kumu' else fmt}"
    if fmt == "kumu":
        path.write_text(json.dumps(to_kumu(G), ensure_ascii=False), encoding="utf-8")
    else:
        (to_gexf if fmt == "gexf" else to_graphml)(G, path)
    return path


def assert_round_trip(G: nx.MultiDiGraph, fmt: str, folder: Path) -> None:
    """Export `G` as `fmt` ("kumu", "gexf", "graphml" or "csv") into `folder`, read it back,
    and check that every record and every field is the one in `G`."""
    expected = batch_from_graph(G)
    if fmt in _XML_FORMATS:
        expected = _without_carriage_returns(expected)
    result = validate(export(G, fmt, folder))
    assert [str(error) for error in result.errors] == []
    assert _by_identity(result.batch) == _by_identity(expected)


def _by_identity(batch: Batch) -> dict[str, dict]:
    return {
        "actors": {actor.id: actor for actor in batch.actors},
        "collaborations": {
            collaboration.id: collaboration for collaboration in batch.collaborations
        },
        "relations": {relation.key: relation for relation in batch.relations},
    }


def _without_carriage_returns(batch: Batch) -> Batch:
    """The batch as XML gives it back: CR LF and CR in text are LF (JSON text, as `sources` and
    `data` are written, keeps them)."""
    return _line_ends_replaced(_line_ends_replaced(batch, "\r\n", "\n"), "\r", "\n")


def _line_ends_replaced(batch: Batch, old: str, new: str, *, sources: bool = False) -> Batch:
    """The batch with `old` replaced by `new` in its records' text fields and aliases, and in
    their `sources` too if asked (`data` is left as it is)."""

    def replaced(value):
        if type(value) is str:  # not an enum's value
            return value.replace(old, new)
        if isinstance(value, tuple):
            return tuple(map(replaced, value))
        return record(value) if sources and isinstance(value, Source) else value

    def record(item):
        return item.model_copy(update={name: replaced(value) for name, value in item})

    return Batch(
        actors=[record(actor) for actor in batch.actors],
        collaborations=[record(collaboration) for collaboration in batch.collaborations],
        relations=[record(relation) for relation in batch.relations],
    )


# -- random valid batches ------------------------------------------------------------------------

# Letters, marks, numbers, punctuation, symbols and spaces: every character XML can carry.
_CHARACTERS = st.characters(categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\t\n\r")
_ONE_LINE = st.characters(categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="|")


def _text(max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(_CHARACTERS, min_size=1, max_size=max_size).filter(str.strip)


_optional_text = st.none() | _text(40)
_slugs = st.from_regex(r"\A[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}\Z")
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text(8), inner, max_size=3),
    max_leaves=6,
)
_data = st.dictionaries(_text(10), _json_values, max_size=3)
_external_ids = st.dictionaries(
    st.from_regex(r"\A[a-z][a-z0-9_]{0,7}\Z"),
    st.from_regex(r"\A[A-Za-z0-9](?:[A-Za-z0-9:./ -]{0,12}[A-Za-z0-9])?\Z"),
    max_size=3,
)
_sources = st.lists(
    st.builds(Source, document=st.just("rapport.txt"), quote=_text(30))
    | st.builds(Source, url=st.just("https://example.org/a?b=1&c=<d>")),
    max_size=2,
    unique=True,
)
_years = st.none() | st.integers(1800, 2200)
_periods = st.sampled_from([(None, None), ("2015", None), ("2015", "2018-03-09"), (None, "2020")])


@st.composite
def _actor(draw, actor_id: str) -> Actor:
    return Actor(
        id=actor_id,
        name=draw(_text()),
        name_en=draw(_optional_text),
        kinds=draw(st.lists(st.sampled_from(list(ActorKind)), min_size=1, max_size=3, unique=True)),
        sector=draw(st.sampled_from(list(Sector))),
        subsector=draw(st.none() | st.sampled_from(sorted(SUBSECTORS))),
        region=draw(st.sampled_from([None, "Skåne län", "Västerbottens län"])),
        country=draw(st.sampled_from([None, "SE", "NO", "DE"])),
        url=draw(st.none() | st.just("https://example.org/?q=a&b=<c>")),
        aliases=draw(st.lists(st.text(_ONE_LINE, min_size=1, max_size=10), max_size=2)),
        description=draw(_optional_text),
        data=draw(_data),
        external_ids=draw(_external_ids),
        sources=draw(_sources),
    )


@st.composite
def _collaboration(draw, collaboration_id: str) -> Collaboration:
    start, end = draw(_periods)
    return Collaboration(
        id=collaboration_id,
        name=draw(_text()),
        name_en=draw(_optional_text),
        kind=draw(st.sampled_from(list(CollaborationKind))),
        start=start,
        end=end,
        region=draw(st.sampled_from([None, "Skåne län"])),
        description=draw(_optional_text),
        data=draw(_data),
        sources=draw(_sources),
    )


@st.composite
def _relations(draw, actor_ids: list[str], collaboration_ids: list[str]) -> list[Relation]:
    relations = []
    for _ in range(draw(st.integers(0, 8))):
        source = draw(st.sampled_from(actor_ids))
        others = [actor_id for actor_id in actor_ids if actor_id != source]
        kinds = ["FUNDS"] + (["PARTICIPATES_IN"] if collaboration_ids else [])
        kinds += ["PART_OF", "MEMBER_OF", "COLLABORATES_WITH"] if others else []
        relation_type = draw(st.sampled_from(kinds))
        start, end = draw(_periods)
        fields = {
            "type": relation_type,
            "source": source,
            "year": draw(_years),
            "start": start,
            "end": end,
            "description": draw(_optional_text),
            "sources": draw(_sources),
        }
        if relation_type == "PARTICIPATES_IN":
            fields["target"] = draw(st.sampled_from(collaboration_ids))
            fields["role"] = draw(st.sampled_from(list(Role)))
        elif relation_type == "FUNDS":
            fields["target"] = draw(st.sampled_from(actor_ids + collaboration_ids))
            fields["amount"] = draw(st.none() | st.floats(0, 1e12))
            fields["currency"] = draw(st.sampled_from([None, "SEK", "EUR"]))
            if fields["target"] in actor_ids and collaboration_ids:
                fields["collaboration"] = draw(st.none() | st.sampled_from(collaboration_ids))
        else:
            fields["target"] = draw(st.sampled_from(others))
        relations.append(Relation(**fields))
    return list({relation.key: relation for relation in relations}.values())


@st.composite
def batches(draw) -> Batch:
    """A valid batch: ids unique across actors and collaborations, relations between them."""
    ids = draw(st.lists(_slugs, min_size=1, max_size=6, unique=True))
    count = draw(st.integers(1, len(ids)))
    actor_ids, collaboration_ids = ids[:count], ids[count:]
    return Batch(
        actors=[draw(_actor(actor_id)) for actor_id in actor_ids],
        collaborations=[draw(_collaboration(c)) for c in collaboration_ids],
        relations=draw(_relations(actor_ids, collaboration_ids)),
    )


ROUND_TRIPS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_random_batch_survives_export_and_import(fmt: str) -> None:
    @ROUND_TRIPS
    @given(batch=batches())
    def round_trip(batch: Batch) -> None:
        G = build_snapshot(batch.actors, batch.collaborations, batch.relations)
        with tempfile.TemporaryDirectory() as folder:
            assert_round_trip(G, fmt, Path(folder))

    round_trip()


def test_a_lone_carriage_return_survives_csv(tmp_path: Path) -> None:
    actor = Actor(id="a", name="A", sector="public", description="rad ett\rrad två")
    assert_round_trip(build_snapshot([actor], [], []), "csv", tmp_path)


# -- through a store -----------------------------------------------------------------------------

STORE_ROUND_TRIPS = settings(ROUND_TRIPS, max_examples=8)


def _empty(store, folder: Path):
    """An empty store of the kind of `store`: Neo4j's test database cleared, or a new file."""
    if store.kind == "neo4j":
        store.clear()
        return store
    return EmbeddedStore(folder / "map.db")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_random_batch_survives_a_store_an_export_and_an_import(store, fmt: str) -> None:
    """Apply, export the store, import the export into an empty store: the same records."""

    @STORE_ROUND_TRIPS
    @given(batch=batches())
    def round_trip(batch: Batch) -> None:
        with tempfile.TemporaryDirectory() as folder:
            first = _empty(store, Path(folder) / "first")
            first.apply(batch, dataset="random")
            G = first.snapshot()
            expected = batch_from_graph(G)
            if fmt in _XML_FORMATS:
                expected = _without_carriage_returns(expected)
            result = validate(export(G, fmt, Path(folder) / "export"))
            assert [str(error) for error in result.errors] == []
            second = _empty(store, Path(folder) / "second")
            second.apply(result.batch, dataset="random")
            assert _by_identity(batch_from_graph(second.snapshot())) == _by_identity(expected)
            assert _by_identity(expected) == _by_identity(
                _without_carriage_returns(batch) if fmt in _XML_FORMATS else batch
            )

    round_trip()
