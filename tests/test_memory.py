"""Cached graphs are frozen out of the collector's way (mapper.memory), yet freed once dropped.

A networkx graph is a reference cycle (its cached views point back at it), and a frozen cycle is
never collected: these tests fail if a store or the service drops a graph without thawing.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from mapper import memory
from mapper.memory import paused_gc, thaw
from mapper.model import Actor, Batch
from mapper.service import MapperService, Scope
from tests.test_store_contract import seeded


@pytest.fixture
def freeze_every_build(monkeypatch):
    """Freeze after every build, as at 100k actors, so that the small test graphs are frozen."""
    monkeypatch.setattr(memory, "FREEZE_AT", 0)
    yield
    thaw()


def test_a_large_build_is_frozen_and_thaw_returns_it():
    thaw()
    with paused_gc():
        small = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0  # not worth it
    with paused_gc():
        large = [[i] for i in range(2 * memory.FREEZE_AT)]  # lists: always tracked
    assert gc.get_freeze_count() >= memory.FREEZE_AT
    assert gc.isenabled()
    thaw()
    assert gc.get_freeze_count() == 0
    del small, large


def test_snapshots_and_analyses_dropped_after_a_write_are_freed(store, freeze_every_build):
    service = MapperService(seeded(store))
    old_snapshot = weakref.ref(service.snapshot())
    old_graph = weakref.ref(service.actor_graph(Scope()))
    service.gaps(Scope(), permutations=10)
    old_snapshot().edges(data=True)  # the cached views that make the graph a cycle
    old_graph().degree(weight="weight")
    assert gc.get_freeze_count() > 0

    store.apply(Batch(actors=[Actor(id="ny-aktor", name="Ny aktör", sector="private")]))
    service.actor_graph(Scope())  # rebuilds snapshot and actor graph, drops the old
    gc.collect()
    assert old_snapshot() is None
    assert old_graph() is None
    assert "ny-aktor" in service.actor_graph(Scope())
