"""Datasets on both stores: what each load holds, replacing one, removing a record."""

from __future__ import annotations

import pytest

from mapper.errors import ActorNotFound, CollaborationNotFound
from mapper.model import Actor, Batch, Collaboration, Relation


def _actor(actor_id: str) -> Actor:
    return Actor(id=actor_id, name=actor_id.title(), sector="public", country="SE")


def _in(actor_id: str, project: str) -> Relation:
    return Relation(type="PARTICIPATES_IN", source=actor_id, target=project, role="partner")


PROJECT = Collaboration(id="p1", name="P1", kind="project", start="2020")
LINK = Relation(type="COLLABORATES_WITH", source="umu", target="rise")
PAID = Relation(type="FUNDS", source="vinnova", target="umu", collaboration="p1", amount=5.0)


def _cordis(*, without: str | None = None) -> Batch:
    """A source's dataset: four actors, a project, participations, a link and a payment."""
    actors = [_actor(i) for i in ("umu", "rise", "vinnova", "kth") if i != without]
    relations = [_in("umu", "p1"), _in("rise", "p1"), _in("kth", "p1"), LINK, PAID]
    relations = [r for r in relations if without not in (r.source, r.target)]
    return Batch(actors=actors, collaborations=[PROJECT], relations=relations)


def _state(store) -> tuple:
    """Everything a store holds, comparable before and after."""
    G = store.snapshot()
    datasets = [
        (d.name, d.actors, d.collaborations, d.relations, d.loads) for d in store.datasets()
    ]
    return sorted(G.nodes), sorted(G.edges(keys=True)), datasets


def test_a_load_names_its_dataset_and_datasets_count_it(store):
    store.apply(_cordis(), dataset="cordis")
    store.apply(Batch(actors=[_actor("kth")]), dataset="seed")
    store.apply(Batch(actors=[_actor("kth")]), dataset="seed")
    found = {d.name: d for d in store.datasets()}
    assert sorted(found) == ["cordis", "seed"]
    assert (found["cordis"].actors, found["cordis"].collaborations) == (4, 1)
    assert (found["cordis"].relations, found["cordis"].loads) == (5, 1)
    assert (found["seed"].actors, found["seed"].relations, found["seed"].loads) == (1, 0, 2)
    assert found["seed"].loaded_at and found["seed"].loaded_at.endswith("+00:00")


def test_replace_removes_what_the_files_dropped_with_its_relations_and_says_so(store):
    store.apply(_cordis(), dataset="cordis")
    report = store.apply(_cordis(without="rise"), dataset="cordis", replace=True)
    assert report.actors.removed == ["rise"]
    assert report.relations.removed == sorted([LINK.key, _in("rise", "p1").key])
    assert "1 removed" in report.summary()
    assert "rise" not in store.snapshot()
    with pytest.raises(ActorNotFound):
        store.get_actor("rise")
    assert {d.name: d.actors for d in store.datasets()} == {"cordis": 3}


def test_a_record_two_datasets_hold_stays_until_neither_does(store):
    store.apply(_cordis(), dataset="cordis")
    store.apply(Batch(actors=[_actor("kth")]), dataset="seed")
    report = store.apply(_cordis(without="kth"), dataset="cordis", replace=True)
    assert report.actors.removed == []
    assert report.relations.removed == [_in("kth", "p1").key]  # only cordis held it
    assert store.get_actor("kth").id == "kth"
    report = store.apply(Batch(), dataset="seed", replace=True)
    assert report.actors.removed == ["kth"]


def test_replace_with_the_same_files_changes_nothing(store):
    store.apply(_cordis(), dataset="cordis")
    before = _state(store)
    report = store.apply(_cordis(), dataset="cordis", replace=True)
    assert all(not part.removed and part.unchanged for _, part in report.parts())
    after = _state(store)
    assert after[:2] == before[:2]


def test_a_record_the_files_still_point_at_stays(store):
    store.apply(_cordis(), dataset="cordis")
    # the files still name rise in a relation, but no longer hold rise itself
    pointing = Batch(
        actors=[_actor("umu"), _actor("vinnova"), _actor("kth")],
        collaborations=[PROJECT],
        relations=[_in("rise", "p1")],
    )
    report = store.apply(pointing, dataset="cordis", replace=True)
    assert report.actors.removed == []
    assert store.relations("rise") == [_in("rise", "p1")]


def test_a_replace_that_fails_half_way_changes_nothing(store, monkeypatch):
    """A fault after the stale records are removed, before the commit: all rolled back."""
    store.apply(_cordis(), dataset="cordis")
    before = _state(store)
    remove = type(store)._remove

    def fail(transaction, records, report):
        remove(transaction, records, report)
        assert report.actors.removed == ["rise"]  # removed, inside the transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(store), "_remove", staticmethod(fail))
    with pytest.raises(RuntimeError, match="disk full"):
        store.apply(_cordis(without="rise"), dataset="cordis", replace=True)
    assert _state(store) == before


def test_removing_an_actor_removes_its_relations(store):
    store.apply(_cordis(), dataset="cordis")
    report = store.remove("actor", "umu")
    assert report.actors.removed == ["umu"]
    assert report.relations.removed == sorted([LINK.key, PAID.key, _in("umu", "p1").key])
    assert store.relations("p1") == [_in("kth", "p1"), _in("rise", "p1")]
    assert {d.name: d.relations for d in store.datasets()} == {"cordis": 2}


def test_removing_a_collaboration_removes_the_payments_that_name_it(store):
    store.apply(_cordis(), dataset="cordis")
    report = store.remove("collaboration", "p1")
    assert report.collaborations.removed == ["p1"]
    assert PAID.key in report.relations.removed
    assert store.relations("umu") == [LINK]


def test_removing_what_is_not_there_names_it(store):
    with pytest.raises(ActorNotFound, match="nobody"):
        store.remove("actor", "nobody")
    store.apply(_cordis())
    with pytest.raises(CollaborationNotFound, match="umu"):
        store.remove("collaboration", "umu")


def test_a_record_another_datasets_relation_needs_stays(store):
    """Dataset `links` holds only a relation between two of cordis' actors: replacing cordis
    without rise keeps rise, since removing it would take links' relation with it."""
    store.apply(_cordis(), dataset="cordis")
    store.apply(Batch(relations=[LINK]), dataset="links")
    report = store.apply(_cordis(without="rise"), dataset="cordis", replace=True)
    assert report.actors.removed == []
    assert report.relations.removed == [_in("rise", "p1").key]
    assert store.get_actor("rise").id == "rise"
    assert store.relations("rise") == [LINK]
    assert {d.name: d.actors for d in store.datasets()}["cordis"] == 4  # rise stays in it
    store.remove("actor", "umu")  # and LINK with it: nothing needs rise any more
    report = store.apply(_cordis(without="rise"), dataset="cordis", replace=True)
    assert report.actors.removed == ["rise"]


def test_a_record_two_datasets_share_keeps_the_sources_of_both(store):
    from mapper.model import Source

    seed = _actor("umu").model_copy(update={"sources": (Source(url="https://umu.se/"),)})
    cordis = _actor("umu").model_copy(
        update={"name": "UMEA UNIVERSITET", "sources": (Source(url="https://cordis.europa.eu/"),)}
    )
    store.apply(Batch(actors=[seed]), dataset="seed")
    report = store.apply(Batch(actors=[cordis]), dataset="cordis")
    assert report.actors.updated == 1
    stored = store.get_actor("umu")
    assert stored.name == "UMEA UNIVERSITET"  # the last load's fields
    assert [s.url for s in stored.sources] == ["https://cordis.europa.eu/", "https://umu.se/"]
    again = store.apply(Batch(actors=[cordis]), dataset="cordis")
    assert again.actors.unchanged == 1  # the united record is what is stored
    alone = store.apply(Batch(actors=[cordis]))  # no dataset: the record as given
    assert [s.url for s in store.get_actor("umu").sources] == ["https://cordis.europa.eu/"]
    assert alone.actors.updated == 1
