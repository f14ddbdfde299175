"""Staged Neo4j loads: a load above `stage_above` records is written in many transactions, each
with its undo entry, and undone as a whole if it fails (mapper/stores/neo4j.py).

Here every load is staged (`stage_above=0`) in transactions of two rows, so the small batches
below take dozens of stages. The contract tests of loads, replaces and merges run again at the
end of this file on such a store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import neo4j
import pytest

from mapper.errors import LoadInProgress
from mapper.filters import ActorFilter, CollaborationFilter
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.stores.neo4j import Neo4jStore, _Stages
from tests.test_datasets import (  # noqa: F401  (run again here, on a staging store)
    test_a_load_names_its_dataset_and_datasets_count_it,
    test_a_record_another_datasets_relation_needs_stays,
    test_a_record_the_files_still_point_at_stays,
    test_a_record_two_datasets_hold_stays_until_neither_does,
    test_a_record_two_datasets_share_keeps_the_sources_of_both,
    test_a_replace_that_fails_half_way_changes_nothing,
    test_removing_an_actor_removes_its_relations,
    test_replace_removes_what_the_files_dropped_with_its_relations_and_says_so,
    test_replace_with_the_same_files_changes_nothing,
)
from tests.test_search_merge import (  # noqa: F401
    test_a_kept_actor_no_dataset_holds_survives_a_replace_and_its_merges_go_with_it,
    test_a_merge_moves_relations_and_datasets,
    test_a_merge_of_several_groups_reports_them_all,
    test_a_merge_that_fails_half_way_changes_nothing,
    test_a_relation_two_datasets_load_stays_in_both,
    test_search_is_folded,
    test_the_english_name_a_merge_fills_is_not_also_an_alias,
    test_the_stores_rank_as_the_reference,
)
from tests.test_store_contract import (  # noqa: F401
    test_a_batch_with_one_unknown_reference_changes_nothing,
    test_a_record_replaces_the_stored_one,
    test_an_id_cannot_name_an_actor_and_a_collaboration,
    test_counts,
    test_every_field_round_trips,
    test_hostile_names_are_stored_as_text,
    test_loading_the_same_batch_twice_changes_nothing,
    test_relations_may_point_at_records_of_the_same_batch_or_the_store,
    test_relations_must_point_at_the_right_kind_of_record,
    test_snapshot_equals_the_graph_built_from_the_stored_records,
    test_snapshot_follows_writes,
    test_the_same_record_twice_is_one_record,
)
from tests.test_store_faults import test_a_batch_that_fails_half_way_changes_nothing  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
STAGE_ROWS = 2


def _open(uri: str, **options) -> Neo4jStore:
    return Neo4jStore(
        uri,
        user=os.environ.get("NEO4J_USER"),
        password=os.environ.get("NEO4J_PASSWORD"),
        database=os.environ.get("NEO4J_DATABASE"),
        **options,
    )


def _leftovers(store: Neo4jStore) -> int:
    """How many load markers and undo entries the database holds."""
    with store._session() as session:
        return session.run("MATCH (n) WHERE n:MapperLoad OR n:MapperUndo RETURN count(n)").single()[
            0
        ]


@pytest.fixture
def staged(neo4j_store, neo4j_uri):
    """A store on the (emptied) test database that stages every load, two rows a stage."""
    store = _open(neo4j_uri, stage_above=0, stage_rows=STAGE_ROWS)
    yield store
    with store._session() as session:  # what a test left as a dead load would: not for others
        session.run("MATCH (n) WHERE n:MapperLoad OR n:MapperUndo DETACH DELETE n").consume()
    store.close()


@pytest.fixture(params=["neo4j"])
def store(staged):
    """The contract tests imported above, on a store that stages every load."""
    return staged


def _dump(store: Neo4jStore, *, timeless: bool = False) -> tuple[list[str], list[str]]:
    """Every node but the meta node with its labels and properties, and every relationship
    with its type, ends and properties: all the database holds. `timeless` leaves out the times
    of loads and merges, which differ from run to run."""
    with store._session() as session:
        nodes = session.run(
            "MATCH (n) WHERE NOT n:MapperMeta RETURN labels(n), properties(n)"
        ).values()
        relationships = session.run(
            "MATCH (s)-[r]->(t) RETURN type(r), s.id, t.id, properties(r)"
        ).values()
    if timeless:
        for _, props in nodes:
            for name in ("loaded_at", "merged_at"):
                props.pop(name, None)
    return (
        sorted(json.dumps([sorted(labels), props], sort_keys=True) for labels, props in nodes),
        sorted(json.dumps(row, sort_keys=True) for row in relationships),
    )


def _actor(actor_id: str, sector: str = "public", **fields) -> Actor:
    return Actor(id=actor_id, name=fields.pop("name", actor_id.title()), sector=sector, **fields)


def _in(actor_id: str, project: str, role: str = "partner") -> Relation:
    return Relation(type="PARTICIPATES_IN", source=actor_id, target=project, role=role)


def _cordis(*, without: str | None = None, changed: bool = False) -> Batch:
    """A source: actors of several kinds, two projects, every kind of relation; `changed`
    renames one, makes another a funder, moves an amount, adds an actor and two links."""
    actors = [
        _actor("umu", "academia", kinds=["organisation", "network"]),
        _actor("rise", "public", sources=[Source(url="https://ri.se/")]),
        _actor("vinnova", kinds=["organisation", "funder"], name="Vinnova"),
        _actor("kth", "academia"),
        _actor("impact-hub", "private", kinds=["network"]),
    ]
    collaborations = [
        Collaboration(id="p1", name="P1", kind="project", start="2020", end="2022"),
        Collaboration(id="p2", name="Lab", kind="event", start="2021"),
    ]
    relations = [
        _in("umu", "p1", "lead"),
        _in("rise", "p1"),
        _in("kth", "p2"),
        _in("impact-hub", "p2", "organiser"),
        Relation(type="COLLABORATES_WITH", source="umu", target="rise"),
        Relation(type="FUNDS", source="vinnova", target="umu", collaboration="p1", amount=5.0),
        Relation(type="FUNDS", source="vinnova", target="p2", amount=1.5e6, year=2021),
        Relation(type="MEMBER_OF", source="kth", target="impact-hub"),
    ]
    if changed:
        actors[3] = _actor("kth", "academia", name="KTH Royal Institute of Technology")
        actors[4] = _actor("impact-hub", "private", kinds=["organisation", "funder"])
        relations[5] = relations[5].model_copy(update={"amount": 7.5})
        actors.append(_actor("lnu", "academia"))
        relations.append(Relation(type="COLLABORATES_WITH", source="lnu", target="kth"))
        relations.append(Relation(type="COLLABORATES_WITH", source="kth", target="rise"))
    actors = [a for a in actors if a.id != without]
    relations = [r for r in relations if without not in (r.source, r.target)]
    return Batch(actors=actors, collaborations=collaborations, relations=relations)


def _seed() -> Batch:
    """Another source that shares two of cordis' actors (with sources of its own) and a link."""
    return Batch(
        actors=[
            _actor("umu", "academia", sources=[Source(url="https://umu.se/")]),
            _actor("kth", "academia", sources=[Source(url="https://kth.se/")]),
            _actor("coompanion", "civil_society"),
            _actor("fryshuset", "civil_society", kinds=["organisation", "network"]),
        ],
        relations=[
            Relation(type="COLLABORATES_WITH", source="coompanion", target="umu"),
            Relation(type="FUNDS", source="fryshuset", target="kth", amount=2.0, year=2020),
            Relation(type="COLLABORATES_WITH", source="umu", target="rise"),
        ],
    )


# (batch, dataset, replace) in order; the merge comes between the second and the third
LOADS = [
    (_cordis(), "cordis", False),
    (_seed(), "seed", False),
    (_cordis(changed=True), "cordis", False),
    (_cordis(changed=True, without="impact-hub"), "cordis", True),
    (Batch(), "seed", True),
]


def _observed(store: Neo4jStore) -> tuple:
    """What a reader sees besides the dump: datasets, searches, merges."""
    datasets = [
        (d.name, d.actors, d.collaborations, d.relations, d.loads) for d in store.datasets()
    ]
    searches = [
        [a.id for a in store.find(ActorFilter(q=q)).items] for q in ("kth", "royal", "hub", "umu")
    ]
    return datasets, searches, [c.id for c in store.find(CollaborationFilter(q="lab")).items]


def _run(store: Neo4jStore) -> list[tuple]:
    """Each load of LOADS (and a merge) on an empty store: its report, and the store after it."""
    seen = []
    for number, (batch, dataset, replace) in enumerate(LOADS):
        if number == 2:
            store.merge({"umu": ["coompanion"]})
        report = store.apply(batch, dataset=dataset, replace=replace)
        seen.append((report, _dump(store, timeless=True), _observed(store), store.merges()))
    return seen


def test_a_staged_load_writes_what_one_transaction_writes(neo4j_store, staged, monkeypatch):
    single = _run(neo4j_store)
    stages = _count_stages(monkeypatch)
    neo4j_store.clear()
    assert _run(staged) == single
    assert stages[0] > 50  # staged indeed, two rows a stage
    assert _leftovers(staged) == 0
    reports = [report for report, *_ in single]
    assert reports[3].actors.removed == ["impact-hub"]
    assert reports[4].actors.removed == ["fryshuset"] and reports[4].relations.removed


def _count_stages(monkeypatch) -> list[int]:
    counted = [0]
    stage = _Stages._stage

    def counting(self, tx, step, rows):
        counted[0] += 1
        return stage(self, tx, step, rows)

    monkeypatch.setattr(_Stages, "_stage", counting)
    return counted


class Boom(RuntimeError):
    pass


def _fail_at(monkeypatch, number: int, how: str) -> None:
    """Make stage `number` fail after its writes, before it commits: with our own exception, a
    server error, or KeyboardInterrupt."""
    stage = _Stages._stage
    counted = [0]

    def failing(self, tx, step, rows):
        made = stage(self, tx, step, rows)
        counted[0] += 1
        if counted[0] == number:
            if how == "server":
                tx.run("RETURN 1 / $zero", zero=0).consume()  # Neo.ClientError.Statement...
            raise KeyboardInterrupt if how == "interrupt" else Boom(f"stage {number} failed")
        return made

    monkeypatch.setattr(_Stages, "_stage", failing)


def _before(store: Neo4jStore, until: int) -> None:
    """The store after the loads of LOADS before `until` (and the merge), in one transaction
    each."""
    plain = _open(store.location)
    try:
        for number, (batch, dataset, replace) in enumerate(LOADS[:until]):
            if number == 2:
                plain.merge({"umu": ["coompanion"]})
            plain.apply(batch, dataset=dataset, replace=replace)
    finally:
        plain.close()


@pytest.mark.parametrize("load", [0, 2, 3, 4], ids=["first", "changes", "replace", "empty"])
def test_a_staged_load_that_fails_at_any_stage_changes_nothing(staged, monkeypatch, load):
    _before(staged, load)
    batch, dataset, replace = LOADS[load]
    stages = _count_stages(monkeypatch)
    staged.apply(batch, dataset=dataset, replace=replace)
    monkeypatch.undo()
    total = stages[0]
    for number in range(1, total + 1):
        staged.clear()
        _before(staged, load)
        before = _dump(staged), staged.merges()
        with monkeypatch.context() as patch:
            _fail_at(patch, number, "ours")
            with pytest.raises(Boom, match=f"stage {number} failed"):
                staged.apply(batch, dataset=dataset, replace=replace)
        assert (_dump(staged), staged.merges()) == before, f"failed at stage {number} of {total}"
        assert _leftovers(staged) == 0


@pytest.mark.parametrize("how", ["server", "interrupt"])
def test_a_driver_error_or_an_interrupt_half_way_changes_nothing(staged, monkeypatch, how):
    _before(staged, 3)
    before = _dump(staged)
    batch, dataset, replace = LOADS[3]
    _fail_at(monkeypatch, 6, how)
    raised = neo4j.exceptions.ClientError if how == "server" else KeyboardInterrupt
    with pytest.raises(raised) as error:
        staged.apply(batch, dataset=dataset, replace=replace)
    if how == "server":
        assert "/ by zero" in str(error.value)
    assert _dump(staged) == before
    assert _leftovers(staged) == 0


def _die_at(monkeypatch, number: int) -> None:
    """Make the load stop at stage `number` as if its process died: nothing is rolled back."""
    _fail_at(monkeypatch, number, "ours")
    monkeypatch.setattr(Neo4jStore, "_roll_back", lambda self, load, error=None: None)


def test_a_dead_load_blocks_writes_until_it_is_stale_then_the_next_write_rolls_it_back(
    staged, neo4j_uri, monkeypatch
):
    _before(staged, 2)
    before = _dump(staged)
    batch, dataset, replace = LOADS[2]
    with monkeypatch.context() as patch:
        _die_at(patch, 10)
        with pytest.raises(Boom):
            staged.apply(batch, dataset=dataset, replace=replace)
    assert _dump(staged) != before and _leftovers(staged) > 1  # the marker and 9 entries
    other = _open(neo4j_uri)  # a fresh heartbeat: every write refuses, naming the load
    try:
        message = r"a load of dataset 'cordis' is being written to Neo4j at .* in stages"
        for write in (
            lambda: other.apply(Batch(actors=[_actor("late")])),
            lambda: other.merge({"umu": ["kth"]}),
            lambda: other.remove("actor", "kth"),
            other.clear,
            lambda: staged.apply(batch, dataset=dataset),  # a second staged load too
        ):
            with pytest.raises(LoadInProgress, match=message):
                write()
        with pytest.raises(LoadInProgress, match="last heartbeat"):
            other.recover()
        assert other.get_actor("umu").id == "umu"  # reads go on
    finally:
        other.close()
    late = _open(neo4j_uri, stale_after=0)
    try:
        late.apply(Batch(actors=[_actor("late")]))  # rolls the dead load back first
        assert _leftovers(late) == 0
        late.remove("actor", "late")
        assert _dump(late) == before
        assert late.recover() is None
    finally:
        late.close()


def test_recover_rolls_back_a_dead_load(staged, neo4j_uri, monkeypatch):
    _before(staged, 3)
    before = _dump(staged), staged.merges()
    batch, dataset, replace = LOADS[3]
    with monkeypatch.context() as patch:
        _die_at(patch, 8)
        with pytest.raises(Boom):
            staged.apply(batch, dataset=dataset, replace=replace)
    (load,) = _query(staged, "MATCH (l:MapperLoad) RETURN l.id")
    late = _open(neo4j_uri, stale_after=0)
    try:
        assert late.recover() == load
        assert (_dump(late), late.merges()) == before
        assert _leftovers(late) == 0
    finally:
        late.close()


def _query(store: Neo4jStore, query: str) -> list:
    with store._session() as session:
        return session.run(query).value()


def test_a_load_taken_over_stops_and_is_rolled_back_by_the_one_that_took_it(
    staged, neo4j_uri, monkeypatch
):
    """A load so slow that its heartbeat went stale is rolled back by another process; when it
    goes on, its next stage finds the load is no longer its own and stops."""
    _before(staged, 2)
    before = _dump(staged)
    batch, dataset, replace = LOADS[2]
    stage = _Stages._stage
    counted = [0]
    late = _open(neo4j_uri, stale_after=0)

    def overtaken(self, tx, step, rows):
        counted[0] += 1
        if counted[0] == 8:
            assert late.recover() is not None  # between two stages of this load
        return stage(self, tx, step, rows)

    monkeypatch.setattr(_Stages, "_stage", overtaken)
    try:
        with pytest.raises(LoadInProgress, match="was taken over by another process"):
            staged.apply(batch, dataset=dataset, replace=replace)
        assert _dump(late) == before
        assert _leftovers(late) == 0
    finally:
        late.close()


# `mapper load` with every load staged, its relation write patched to write half of the
# relations, say so and hang until it is killed.
HANG_HALF_WAY = textwrap.dedent(
    """
    import sys, time
    from mapper.stores.neo4j import Neo4jStore

    original = Neo4jStore._write_relations

    def half_then_hang(self, tx, relations, report, *rest):
        original(self, tx, relations[: len(relations) // 2], report, *rest)
        print("HALF-WRITTEN", len(relations) // 2, flush=True)
        time.sleep(600)

    Neo4jStore._write_relations = half_then_hang
    from mapper.cli import cli
    cli(sys.argv[1:], prog_name="mapper")
    """
)


def test_kill_9_half_way_through_a_staged_load_is_rolled_back_later(staged, neo4j_uri, tmp_path):
    _before(staged, 2)
    before = _dump(staged)
    script = tmp_path / "hang.py"
    script.write_text(HANG_HALF_WAY, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MAPPER_NEO4J_STAGE_ABOVE": "0",
        "MAPPER_NEO4J_STAGE_ROWS": "3",
    }
    process = subprocess.Popen(
        [sys.executable, str(script), "--store", neo4j_uri, "load", str(ROOT / "seed_data")],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()  # blocks until half the relations are written
        assert line.startswith("HALF-WRITTEN"), line + process.stderr.read()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert _query(staged, "MATCH (u:MapperUndo) RETURN count(u)")[0] > 20
    assert _dump(staged) != before  # readers see the dead load's stages
    with pytest.raises(LoadInProgress, match="dataset 'seed_data'"):
        staged.apply(Batch(actors=[_actor("late")]))
    late = _open(neo4j_uri, stale_after=0)
    try:
        assert late.recover() is not None
        assert _dump(late) == before
        assert _leftovers(late) == 0
    finally:
        late.close()


def test_a_small_load_is_one_transaction_and_a_replace_counts_what_it_may_remove(neo4j_uri):
    store = _open(neo4j_uri, stage_above=15)
    try:
        store.clear()
        assert not store._is_large(_cordis(), "cordis", False)  # 15 records
        assert store._is_large(_cordis(changed=True), "cordis", False)  # 18
        store.apply(_cordis(), dataset="cordis")
        assert store._is_large(_seed(), "cordis", True)  # 7, and may remove all 15
        assert not store._is_large(_seed(), "seed", True)
    finally:
        store.close()


def test_settings_pass_the_stage_options_to_the_store(monkeypatch, neo4j_uri):
    from mapper.errors import InvalidParameter
    from mapper.settings import Settings, open_store

    monkeypatch.setenv("MAPPER_NEO4J_STAGE_ABOVE", "1_000")
    monkeypatch.setenv("MAPPER_NEO4J_STAGE_ROWS", "50")
    store = open_store(Settings.from_env(neo4j_uri))
    try:
        assert (store.stage_above, store.stage_rows) == (1000, 50)
    finally:
        store.close()
    monkeypatch.setenv("MAPPER_NEO4J_STAGE_ROWS", "0")
    with pytest.raises(InvalidParameter, match=r"MAPPER_NEO4J_STAGE_ROWS='0' is not a positive"):
        Settings.from_env(neo4j_uri)


def test_over_http_a_running_load_is_a_503_without_the_address():
    from api.app import _public_message, _status_of

    error = LoadInProgress("a load of dataset 'x' is being written to Neo4j at bolt://db:7687")
    assert _status_of(error) == 503
    assert _public_message(error) == (
        "another load is being written to the store; try again when it is done"
    )
