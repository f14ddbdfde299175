"""Exports of a snapshot graph: seed CSV, GraphML and GEXF, each read back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest

from ingest import (
    batch_from_graph,
    flat_graph,
    from_graphml,
    read_batch,
    to_gexf,
    to_graphml,
    validate,
    write_csv,
)
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.stores.embedded import EmbeddedStore

TRICKY = Batch(
    actors=[
        Actor(
            id="foreningen-vi",
            name='Föreningen "Vi" i Åre ❤️',
            kinds=("organisation", "network"),
            sector="civil_society",
            subsector="association",
            region="Jämtlands län",
            aliases=("Vi i Åre", "@vi_i_are"),
            description='=SUM(A1:A2) is not a formula here.\nRad två, med "citat"; och ;',
            sources=(
                Source(document="000_a.txt", quote="Föreningen ”Vi” – i Åre"),
                Source(url="https://example.org/vi"),
                Source(document="001_b.txt", quote="+46 8 123 45 67", url="https://example.org/b"),
            ),
        ),
        Actor(
            id="minus-ab",
            name="-Minus AB",
            sector="private",
            country="NO",
            description="'=A1 is written with its quote",
        ),
    ],
    collaborations=[
        Collaboration(
            id="hackathon-2019",
            name="Hackathon 2019 🚀",
            kind="event",
            start="2019-05-01",
            end="2019-05-02",
            data={"participants": 40, "share": 0.4, "tags": ["ö", "ä"], "nested": {"a": None}},
            sources=(Source(url="https://example.org/hack"),),
        )
    ],
    relations=[
        Relation(
            type="FUNDS",
            source="minus-ab",
            target="hackathon-2019",
            amount=1234.5,
            year=2019,
            start="2019",
            end="2020",
            description="Tab\tand\r\nCRLF",
            sources=(Source(url="https://example.org/f1"), Source(url="https://example.org/f2")),
        ),
        Relation(type="PARTICIPATES_IN", source="foreningen-vi", target="hackathon-2019"),
        Relation(type="COLLABORATES_WITH", source="foreningen-vi", target="minus-ab"),
    ],
)


@pytest.fixture(scope="module")
def snapshot() -> nx.MultiDiGraph:
    """The snapshot graph of a store holding TRICKY."""
    store = EmbeddedStore(":memory:")
    store.apply(TRICKY)
    snapshot = store.snapshot()
    store.close()
    return snapshot


def _edges(graph: nx.MultiDiGraph) -> dict:
    return {(u, v, key): data for u, v, key, data in graph.edges(keys=True, data=True)}


def _gexf_edges(graph: nx.DiGraph) -> dict:
    """networkx reads GEXF without parallel edges as a DiGraph; the edge id is kept as `id`."""
    return {data["id"]: data for _, _, data in graph.edges(data=True)}


# -- seed CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spreadsheet_safe", [False, True])
def test_csv_export_reads_back_as_the_same_batch(
    snapshot, tmp_path: Path, spreadsheet_safe: bool
) -> None:
    write_csv(snapshot, tmp_path, spreadsheet_safe=spreadsheet_safe)
    assert read_batch(tmp_path) == batch_from_graph(snapshot)


def test_csv_export_writes_a_row_per_source(snapshot, tmp_path: Path) -> None:
    paths = write_csv(snapshot, tmp_path)
    assert [path.name for path in paths] == ["actors.csv", "collaborations.csv", "relations.csv"]
    with open(tmp_path / "actors.csv", encoding="utf-8", newline="") as file:
        ids = [row["id"] for row in csv.DictReader(file)]
    assert ids.count("foreningen-vi") == 3
    assert ids.count("minus-ab") == 1


def test_csv_export_leaves_formula_like_cells_as_they_are(snapshot, tmp_path: Path) -> None:
    write_csv(snapshot, tmp_path)
    text = (tmp_path / "actors.csv").read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    assert ",-Minus AB," in text
    assert '"=SUM(A1:A2) is not a formula here.' in text


def test_spreadsheet_safe_csv_has_a_bom_and_neutralised_formulas(snapshot, tmp_path: Path) -> None:
    write_csv(snapshot, tmp_path, spreadsheet_safe=True)
    text = (tmp_path / "actors.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert ",'-Minus AB," in text
    assert "\"'=SUM(A1:A2)" in text
    assert ",'@vi_i_are" not in text  # `|`-joined: the cell starts with "Vi i Åre"
    assert "'+46 8 123 45 67" in text
    assert ",''=A1 is written with its quote," in text


def test_plain_csv_doubles_only_a_quote_the_reader_would_drop(snapshot, tmp_path: Path) -> None:
    write_csv(snapshot, tmp_path)
    text = (tmp_path / "actors.csv").read_text(encoding="utf-8")
    assert ",''=A1 is written with its quote," in text
    assert ",-Minus AB," in text


# -- GraphML -------------------------------------------------------------------------------------


def test_graphml_read_back_with_networkx_equals_what_was_written(snapshot, tmp_path: Path) -> None:
    to_graphml(snapshot, tmp_path / "map.graphml")
    back = nx.read_graphml(tmp_path / "map.graphml", force_multigraph=True)
    written = flat_graph(snapshot)
    assert dict(back.nodes(data=True)) == dict(written.nodes(data=True))
    assert _edges(back) == _edges(written)


def test_graphml_holds_flat_attributes_gephi_can_show(snapshot) -> None:
    flat = flat_graph(snapshot)
    node = flat.nodes["foreningen-vi"]
    assert (node["node_type"], node["sector"], node["label"]) == (
        "actor",
        "civil_society",
        'Föreningen "Vi" i Åre ❤️',
    )
    assert node["kinds"] == "organisation|network"
    assert node["aliases"] == "Vi i Åre|@vi_i_are"
    assert json.loads(node["sources"])[0] == {
        "document": "000_a.txt",
        "quote": "Föreningen ”Vi” – i Åre",
    }
    assert "aliases" not in flat.nodes["minus-ab"]  # not given: left out
    (funds,) = [d for _, _, d in flat.edges(data=True) if d["type"] == "FUNDS"]
    assert (funds["amount"], funds["year"], funds["currency"]) == (1234.5, 2019, "SEK")


def test_graphml_reads_back_as_the_same_batch_but_for_carriage_returns(snapshot, tmp_path) -> None:
    to_graphml(snapshot, tmp_path / "map.graphml")
    batch = batch_from_graph(snapshot)
    index = next(i for i, r in enumerate(batch.relations) if r.type.value == "FUNDS")
    funds = batch.relations[index]
    assert funds.description == "Tab\tand\r\nCRLF"
    batch.relations[index] = funds.model_copy(update={"description": "Tab\tand\nCRLF"})
    assert from_graphml(tmp_path / "map.graphml") == batch


def test_graphml_writes_to_an_open_file(snapshot, tmp_path: Path) -> None:
    with open(tmp_path / "map.graphml", "wb") as file:
        to_graphml(snapshot, file)
    assert nx.read_graphml(tmp_path / "map.graphml").number_of_nodes() == 3


def test_a_broken_graphml_node_is_named_in_the_message(snapshot, tmp_path: Path) -> None:
    to_graphml(snapshot, tmp_path / "map.graphml")
    path = tmp_path / "map.graphml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(">civil_society<", ">civil society<"),
        encoding="utf-8",
    )
    (error,) = validate(path).errors
    assert str(error) == (
        f"{path}: node 'foreningen-vi': sector: 'civil society' is not one of public, private, "
        "civil_society, academia, unknown; did you mean 'civil_society'?"
    )


# -- GEXF ----------------------------------------------------------------------------------------


def test_gexf_read_back_keeps_ids_sectors_and_sources(snapshot, tmp_path: Path) -> None:
    to_gexf(snapshot, tmp_path / "map.gexf")
    back = nx.read_gexf(tmp_path / "map.gexf")
    batch = batch_from_graph(snapshot)
    assert set(back.nodes) == {"foreningen-vi", "minus-ab", "hackathon-2019"}
    for actor in batch.actors:
        node = back.nodes[actor.id]
        assert (node["sector"], node["label"]) == (actor.sector.value, actor.name)
        sources = tuple(Source(**source) for source in json.loads(node.get("sources", "[]")))
        assert sources == actor.sources
    edges = _gexf_edges(back)
    assert set(edges) == {relation.key for relation in batch.relations}
    for key, data in edges.items():
        relation = next(r for r in batch.relations if r.key == key)
        assert data["relation_type"] == relation.type.value
        assert data.get("start_date") == relation.start
        sources = tuple(Source(**source) for source in json.loads(data.get("sources", "[]")))
        assert sources == relation.sources
