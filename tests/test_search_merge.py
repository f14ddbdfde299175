"""Issue 16 on both stores: folded, ranked search; did you mean; duplicates; merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.app import create_app
from ingest import validate
from mapper.cli import cli
from mapper.duplicates import find_duplicates
from mapper.errors import ActorNotFound, InvalidParameter, SeedFileError
from mapper.filters import ActorFilter, CollaborationFilter
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.search import SearchIndex, Tier, fold, record_terms, tier
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent.parent / "seed_data"
CORDIS = Path(__file__).parent / "seed" / "cordis-sample"


def _actor(actor_id: str, name: str, **fields) -> Actor:
    return Actor(id=actor_id, name=name, sector=fields.pop("sector", "academia"), **fields)


NAMES = [
    _actor("malmo-universitet", "Malmö universitet", aliases=["Malmö högskola"]),
    _actor("gu", "GOETEBORGS UNIVERSITET"),
    _actor("umu", "UMEA UNIVERSITET", external_ids={"pic": "999880854"}),
    _actor("umea-kommun", "Umeå kommun", sector="public"),
    _actor("chalmers", "CHALMERS TEKNISKA HOEGSKOLA AB"),
    _actor("kth", "Kungliga Tekniska högskolan", name_en="KTH Royal Institute of Technology"),
    _actor("vinnova", "Vinnova", sector="public"),
    _actor("ovinnova", "Ovinnova", sector="private"),
    _actor("vinnovaforum", "Vinnovaforum", sector="civil_society"),
]


def _ids(store, q: str, **filters) -> list[str]:
    return [a.id for a in store.find(ActorFilter(q=q, **filters)).items]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Malmo", ["malmo-universitet"]),
        ("malmö HÖGSKOLA", ["malmo-universitet"]),
        ("göteborg", ["gu"]),
        ("Göteborgs universitet", ["gu"]),
        ("umea", ["umea-kommun", "umu"]),  # both prefixes: by folded name
        ("UMEÅ UNIVERSITET", ["umu"]),
        ("chalmers högskola", ["chalmers"]),
        ("royal institute", ["kth"]),
        ("999880854", ["umu"]),  # an external id
        ("%", []),
        (
            "",
            [
                "chalmers",
                "gu",
                "kth",
                "malmo-universitet",
                "ovinnova",
                "umea-kommun",
                "umu",
                "vinnova",
                "vinnovaforum",
            ],
        ),  # no search: every actor, by id
    ],
)
def test_search_is_folded(store, query, expected):
    store.apply(Batch(actors=NAMES))
    assert _ids(store, query) == expected


def test_search_is_ranked_exact_prefix_word_then_typos(store):
    store.apply(Batch(actors=NAMES))
    # exact, prefix ("Vinnovaforum"), typo ("Ovinnova" is one letter from "vinnova")
    assert _ids(store, "vinnova") == ["vinnova", "vinnovaforum", "ovinnova"]
    assert _ids(store, "vinova") == ["vinnova"]  # one letter dropped
    assert _ids(store, "chalmrs") == ["chalmers"]
    assert _ids(store, "tekniska") == ["chalmers", "kth"]  # both WORD: by folded name
    assert _ids(store, "vinnova", sector="public") == ["vinnova"]


def test_search_pages_with_a_total(store):
    store.apply(Batch(actors=NAMES))
    page = store.find(ActorFilter(q="vinnova"), limit=1, offset=1)
    assert ([a.id for a in page.items], page.total) == (["vinnovaforum"], 3)


def test_collaborations_are_searched_too(store):
    collaborations = [
        Collaboration(id="mistra-urban", name="Mistra Urban Futures", kind="project"),
        Collaboration(id="sis", name="Social Innovation Summit", kind="event"),
    ]
    store.apply(Batch(collaborations=collaborations))
    found = store.find(CollaborationFilter(q="urban futurs"))
    assert [c.id for c in found.items] == ["mistra-urban"]


def test_the_stores_rank_as_the_reference(store):
    """Both stores give what `tier` over every actor's terms gives, in that order."""
    store.apply(Batch(actors=NAMES))
    for query in ("vinnova", "umea", "universitet", "hogsk tekn", "kungliga", "chalmrs", "kth"):
        folded = fold(query)
        reference = sorted(
            (t, fold(a.name), a.id)
            for a in NAMES
            if (t := tier(folded, record_terms(a))) is not None
        )
        assert _ids(store, query) == [actor_id for *_, actor_id in reference], query


_words = st.sampled_from(
    [
        "umea",
        "umeå",
        "UMEA",
        "kommun",
        "univ",
        "universitet",
        "malmö",
        "malmo",
        "hogskola",
        "högskolan",
        "vinnova",
        "vinova",
        "ab",
        "kth",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.lists(_words, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=12),
    query=st.lists(_words, min_size=1, max_size=2).map(" ".join),
)
def test_the_index_ranks_as_the_reference(names, query):
    records = [(f"a{i}", [fold(name), f"a{i}"]) for i, name in enumerate(names)]
    index = SearchIndex(records)
    folded = fold(query)
    reference = sorted(
        (t, terms[0], record_id)
        for record_id, terms in records
        if (t := tier(folded, terms)) is not None
    )
    owners, tiers = index.ranked(folded)
    assert [index.ids[o] for o in owners] == [record_id for *_, record_id in reference]
    assert [Tier(t) for t in tiers] == [t for t, *_ in reference]


# -- did you mean ----------------------------------------------------------------------------


@pytest.fixture
def seeded(store):
    service = MapperService(store)
    service.load([SEED])
    return service


def test_a_missing_actor_names_the_likely_ones(seeded):
    client = TestClient(create_app(seeded))
    body = client.get("/actors/malmo-univ").json()["error"]
    assert body["status"] == 404
    assert body["suggestions"][0] == {"id": "malmo-universitet", "name": "Malmö universitet"}
    assert "did you mean malmo-universitet (Malmö universitet)" in body["message"]
    body = client.get("/paths", params={"source": "Vinnova", "target": "kth"}).json()["error"]
    assert body["suggestions"][0]["id"] == "vinnova"
    assert len(body["suggestions"]) <= 5
    found = client.get("/collaborations/sociala-foretag").json()["error"]["suggestions"]
    assert found and all("sociala" in fold(s["name"]) or "sociala" in s["id"] for s in found)
    assert client.get("/actors/zzzzzz").json()["error"]["suggestions"] == []


def test_the_cli_prints_them(tmp_path):
    db = tmp_path / "map.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", str(db), "load", str(SEED)]).exit_code == 0
    result = runner.invoke(cli, ["--store", str(db), "neighbours", "vinova"])
    if result.exit_code == 2:  # no such command: ask for the path instead
        result = runner.invoke(cli, ["--store", str(db), "path", "vinova", "kth"])
    assert result.exit_code == 1
    assert "did you mean vinnova (Vinnova)?" in result.output
    result = runner.invoke(cli, ["--store", str(db), "search", "Malmo"])
    assert result.exit_code == 0 and "malmo-universitet" in result.output


def test_validate_suggests_a_known_id_an_abbreviation_starts(tmp_path):
    (tmp_path / "relations.csv").write_text(
        "type,source,target\nMEMBER_OF,malmo-univ,vinnova\n", encoding="utf-8"
    )
    result = validate([SEED / "actors.csv", tmp_path / "relations.csv"])
    problems = [str(error) for error in result.errors]
    assert any("did you mean 'malmo-universitet'?" in p for p in problems), problems


# -- duplicates and merge ----------------------------------------------------------------------


@pytest.fixture
def with_cordis(seeded):
    seeded.import_source("cordis", [CORDIS])
    return seeded


def test_duplicates_propose_umea_universitet(with_cordis):
    pairs = {(d.keep, d.merge): d for d in with_cordis.duplicates()}
    umu = pairs[("umea-universitet", "cordis-pic-999881821")]
    assert umu.merge_name == "UMEA UNIVERSITET" and umu.score >= 0.8
    assert any("same name without legal form" in e for e in umu.evidence)
    body = TestClient(create_app(with_cordis)).get("/duplicates", params={"limit": 500}).json()
    assert {"keep": "umea-universitet", "merge": "cordis-pic-999881821"}.items() <= next(
        item for item in body["items"] if item["merge"] == "cordis-pic-999881821"
    ).items()


def test_merge_makes_one_actor_that_a_reimport_does_not_split(with_cordis):
    service, store = with_cordis, with_cordis.store
    cordis_umu = store.get_actor("cordis-pic-999881821")
    moved = {r.key for r in store.relations("cordis-pic-999881821")}
    report = service.merge({"umea-universitet": ["cordis-pic-999881821"]})
    assert report.actors.removed == ["cordis-pic-999881821"]
    umu = store.get_actor("umea-universitet")
    assert umu.name == "Umeå universitet"
    assert umu.external_ids["pic"] == cordis_umu.external_ids["pic"]
    assert set(cordis_umu.sources) <= set(umu.sources)
    assert [a.id for a in service.actors(ActorFilter(q="umea univ")).items] == ["umea-universitet"]
    after = {key.replace("cordis-pic-999881821", "umea-universitet") for key in moved}
    assert after <= {r.key for r in store.relations("umea-universitet")}
    held = {d.name: d.actors for d in store.datasets()}
    service.import_source("cordis", [CORDIS], dataset="cordis-sample", replace="cordis-sample")
    assert [a.id for a in service.actors(ActorFilter(q="umea univ")).items] == ["umea-universitet"]
    assert {d.name: d.actors for d in store.datasets()} == held
    assert store.merges() == {"cordis-pic-999881821": "umea-universitet"}
    with pytest.raises(ActorNotFound) as missing:
        service.actor("cordis-pic-999881821")
    assert missing.value.suggestions[0][0] == "umea-universitet"  # merged into


def _two_sources() -> tuple[Batch, Batch]:
    seed = Batch(
        actors=[
            _actor("umea-universitet", "Umeå universitet", sources=[Source(url="https://a.se")]),
            _actor("vinnova", "Vinnova", sector="public"),
        ],
        relations=[Relation(type="FUNDS", source="vinnova", target="umea-universitet", year=2020)],
    )
    cordis = Batch(
        actors=[
            _actor("x1", "UMEA UNIVERSITET", external_ids={"pic": "1"}),
            _actor("x2", "Umea University", aliases=["UmU"]),
            _actor("rise", "RISE", sector="public"),
        ],
        collaborations=[Collaboration(id="p1", name="P1", kind="project")],
        relations=[
            Relation(type="PARTICIPATES_IN", source="x1", target="p1", role="lead"),
            Relation(type="COLLABORATES_WITH", source="x1", target="umea-universitet"),
            Relation(type="COLLABORATES_WITH", source="x2", target="rise"),
            Relation(type="FUNDS", source="vinnova", target="x2", year=2020),
        ],
    )
    return seed, cordis


def _state(store) -> tuple:
    G = store.snapshot()
    nodes = sorted((n, sorted(map(str, d.items()))) for n, d in G.nodes(data=True))
    datasets = [(d.name, d.actors, d.relations) for d in store.datasets()]
    return nodes, sorted(G.edges(keys=True)), datasets, store.merges()


def test_a_merge_moves_relations_and_datasets(store):
    seed, cordis = _two_sources()
    store.apply(seed, dataset="seed")
    store.apply(cordis, dataset="cordis")
    store.merge({"umea-universitet": ["x1", "x2"]})
    keys = {r.key for r in store.relations("umea-universitet")}
    assert keys == {
        "FUNDS:vinnova->umea-universitet@2020",  # two payments with one key: one
        "PARTICIPATES_IN:umea-universitet->p1:lead",
        "COLLABORATES_WITH:umea-universitet->rise",
    }  # the link between the two records of one actor is gone
    umu = store.get_actor("umea-universitet")
    assert umu.aliases == ("Umea University", "UmU") and umu.external_ids == {"pic": "1"}
    held = {d.name: (d.actors, d.relations) for d in store.datasets()}
    assert held == {"seed": (2, 1), "cordis": (2, 3)}  # umu and rise; its relations moved
    store.apply(cordis, dataset="cordis", replace=True)  # the same files again
    assert {d.name: (d.actors, d.relations) for d in store.datasets()} == held
    assert store.counts().actors == 3


def test_a_merge_that_fails_half_way_changes_nothing(store, monkeypatch):
    seed, cordis = _two_sources()
    store.apply(seed, dataset="seed")
    store.apply(cordis, dataset="cordis")
    before = _state(store)
    write = type(store)._write_actors

    def fail(self, transaction, actors, report):
        write(self, transaction, actors, report)
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(store), "_write_actors", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        store.merge({"umea-universitet": ["x1", "x2"]})
    monkeypatch.undo()
    assert _state(store) == before


def test_merge_refuses_what_is_not_one_merge(store):
    service = MapperService(store)
    seed, cordis = _two_sources()
    store.apply(seed)
    store.apply(cordis)
    with pytest.raises(ActorNotFound):
        service.merge({"umea-universitet": ["nobody"]})
    with pytest.raises(InvalidParameter, match="named twice"):
        service.merge({"umea-universitet": ["x1", "x1"]})
    with pytest.raises(InvalidParameter, match="named twice"):
        service.merge({"x1": ["x1"]})


def test_a_merge_file_chains_pairs_and_names_bad_cells(store, tmp_path):
    service = MapperService(store)
    store.apply(Batch(actors=[_actor(i, i.upper()) for i in "abcd"]))
    path = tmp_path / "pairs.csv"
    path.write_text("keep,merge,score\na,b,0.9\nb,c,0.8\nd,a,0.7\n", encoding="utf-8")
    assert service.merge_file(path) == {"d": ["b", "c", "a"]}
    for text, message in [
        ("keep,other\na,b\n", r"pairs.csv:1: the header lacks merge"),
        ("keep,merge\na,\n", r"pairs.csv:2: merge: is empty"),
        ("keep,merge\na,b\nzz,a\n", r"pairs.csv:3: keep: 'zz' is not the id of an actor"),
        ('keep,merge\na,"' + "x" * 2_200_000 + '"\n', r"pairs.csv:\d+: not CSV: field larger"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SeedFileError, match=message):
            service.merge_file(path)


def test_the_cli_writes_a_merge_file_and_merges_it(tmp_path):
    db, pairs = tmp_path / "map.db", tmp_path / "pairs.csv"
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--store", str(db), *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("load", str(SEED))
    run("import", "cordis", str(CORDIS))
    run("duplicates", "--min-score", "0.85", "--csv", str(pairs))
    rows = pairs.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "keep,merge,score,keep_name,merge_name,evidence"
    assert any(row.startswith("umea-universitet,cordis-pic-999881821,") for row in rows)
    output = run("merge", "--file", str(pairs))
    assert f"{len(rows) - 1} actor(s) merged" in output
    assert "umea-universitet" in run("search", "umea")
    assert "cordis-pic-999881821" not in run("search", "umea")
    assert run("duplicates", "--min-score", "0.85").startswith("no likely duplicates")


def test_duplicates_need_more_than_a_shared_acronym_or_another_country():
    found = find_duplicates(
        [
            _actor("abb-se", "ABB AB", country="SE", sector="private"),
            _actor("abb-ch", "ABB AG", country="CH", sector="private"),
            _actor("a", "Alfa Beta Gamma", aliases=["ABG"]),
            _actor("b", "Beta Gamma Alfa förening", aliases=["ABG"]),
        ]
    )
    assert [(d.keep, d.merge) for d in found] == []


def test_an_old_store_is_refolded(tmp_path):
    path = tmp_path / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=NAMES))
        connection = store._connection
        connection.execute("UPDATE actors SET search = 'stale'")
        connection.execute("DELETE FROM meta WHERE key = 'search_version'")
    with EmbeddedStore(path) as store:
        assert _ids(store, "göteborg") == ["gu"]


def test_a_kept_actor_no_dataset_holds_survives_a_replace_and_its_merges_go_with_it(store):
    hand = _actor("a", "Alfa universitet")
    store.apply(Batch(actors=[hand]))  # made by hand: no dataset
    store.apply(Batch(actors=[_actor("b", "ALFA UNIVERSITET")]), dataset="source")
    store.merge({"a": ["b"]})
    report = store.apply(Batch(actors=[_actor("c", "C")]), dataset="source", replace=True)
    assert report.actors.removed == []
    assert store.get_actor("a").aliases == () and store.merges() == {"b": "a"}
    store.remove("actor", "a")
    assert store.merges() == {}  # the merges into a removed actor go with it
    store.apply(Batch(actors=[_actor("b", "ALFA UNIVERSITET")]), dataset="source")
    assert store.get_actor("b").name == "ALFA UNIVERSITET"


def test_a_relation_two_datasets_load_stays_in_both(store):
    link = Relation(type="COLLABORATES_WITH", source="a", target="b")
    actors = [_actor("a", "A"), _actor("b", "B")]
    store.apply(Batch(actors=actors, relations=[link]), dataset="one")
    other = link.model_copy(update={"sources": (Source(url="https://b.se"),)})
    store.apply(Batch(actors=actors, relations=[other]), dataset="two")  # changes the record
    assert {d.name: d.relations for d in store.datasets()} == {"one": 1, "two": 1}
    store.apply(Batch(actors=actors), dataset="two", replace=True)
    assert [r.key for r in store.relations("a")] == [link.key]  # "one" still holds it


def test_a_merge_of_several_groups_reports_them_all(store):
    store.apply(Batch(actors=[_actor(i, i.upper()) for i in "abde"]))
    report = store.merge({"a": ["b"], "d": ["e"]})
    assert report.actors.removed == ["b", "e"]
    assert (report.actors.updated, store.counts().actors) == (2, 2)


def test_a_long_query_is_answered(store):
    store.apply(Batch(actors=NAMES))
    words = " ".join(["universitet", "umea", "chalmers", "kommun"] * 10)
    page = store.find(ActorFilter(q=words[:200]))
    assert page.total == 0
    assert _ids(store, "umea universitet " + "x" * 150) == []


def test_the_english_name_a_merge_fills_is_not_also_an_alias(store):
    store.apply(Batch(actors=[_actor("a", "Alfa"), _actor("b", "ALFA", name_en="Alpha")]))
    store.merge({"a": ["b"]})
    kept = store.get_actor("a")
    assert (kept.name_en, kept.aliases) == ("Alpha", ())


def test_spelt_out_letters_make_duplicates_only_beside_a_marked_name():
    found = find_duplicates(
        [
            _actor("m1", "Michael AB"),
            _actor("m2", "Michal AB"),
            _actor("g1", "Göteborgs universitet"),
            _actor("g2", "GOETEBORGS UNIVERSITET"),
        ]
    )
    assert [(d.keep, d.merge) for d in found] == [("g1", "g2")]


@pytest.mark.neo4j
def test_an_old_neo4j_database_is_refolded(neo4j_store):
    neo4j_store.apply(Batch(actors=NAMES))
    neo4j_store._write(
        lambda tx: tx.run(
            "MATCH (s:ActorSearch) SET s.search = 'stale', s.search_terms = ['stale'] "
            "WITH count(s) AS n MATCH (m:MapperMeta) REMOVE m.search_version"
        ).consume()
    )
    assert _ids(neo4j_store, "göteborg") == []
    neo4j_store._schema_ready = False  # as a new process would find it
    assert _ids(neo4j_store, "göteborg") == ["gu"]
