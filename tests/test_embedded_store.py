"""What only the embedded store promises: one file, shared by processes, safe against kill -9."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mapper.errors import StoreCorrupt
from mapper.model import Actor, Batch
from mapper.stores.embedded import EmbeddedStore, default_path


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_a_second_process_sees_what_the_first_committed(tmp_path):
    path = tmp_path / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="vinnova", name="Vinnova", sector="public")]))
        reader = subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(
                    """
                    import sys
                    from mapper.stores.embedded import EmbeddedStore
                    store = EmbeddedStore(sys.argv[1])
                    for line in sys.stdin:
                        print(sorted(store.snapshot()), flush=True)
                    """
                ),
                str(path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "['vinnova']"
        skr = Actor(id="skr", name="Sveriges Kommuner och Regioner", sector="public")
        store.apply(Batch(actors=[skr]))
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "['skr', 'vinnova']"
        reader.stdin.close()
        reader.wait(timeout=30)


def test_the_snapshot_cache_sees_writes_from_another_process(tmp_path):
    path = tmp_path / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="vinnova", name="Vinnova", sector="public")]))
        assert store.snapshot().number_of_nodes() == 1
        _run(
            """
            import sys
            from mapper.model import Actor, Batch
            from mapper.stores.embedded import EmbeddedStore
            skr = Actor(id="skr", name="SKR", sector="public")
            EmbeddedStore(sys.argv[1]).apply(Batch(actors=[skr]))
            """,
            str(path),
        )
        assert store.snapshot().number_of_nodes() == 2


_SLOW_WRITER = """
import sys, time
from mapper.model import Actor, Batch, Relation
from mapper.stores.embedded import EmbeddedStore

original = EmbeddedStore._write_relations

def slow_write_relations(self, db, relations, report):
    original(self, db, relations[: len(relations) // 2], report)
    print("HALF-WAY", flush=True)
    time.sleep(60)

EmbeddedStore._write_relations = slow_write_relations
actors = [Actor(id=f"actor-{i}", name=f"Aktör {i}", sector="public") for i in range(2000)]
relations = [
    Relation(type="COLLABORATES_WITH", source=f"actor-{i}", target=f"actor-{i + 1}")
    for i in range(1999)
]
EmbeddedStore(sys.argv[1]).apply(Batch(actors=actors, relations=relations))
"""


def test_kill_9_in_the_middle_of_apply_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="vinnova", name="Vinnova", sector="public")]))
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "HALF-WAY"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    with EmbeddedStore(path) as store:
        counts = store.counts()
        assert (counts.actors, counts.relations) == (1, 0)
        store.apply(Batch(actors=[Actor(id="skr", name="SKR", sector="public")]))
        assert store.counts().actors == 2


def test_readers_are_not_blocked_by_a_writer(tmp_path):
    path = tmp_path / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="vinnova", name="Vinnova", sector="public")]))
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "HALF-WAY"
        started = time.monotonic()
        with EmbeddedStore(path) as reader:
            assert sorted(reader.snapshot()) == ["vinnova"]
        assert time.monotonic() - started < 5
    finally:
        writer.kill()
        writer.wait(timeout=30)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "map.db"
    path.write_bytes(b"this is a spreadsheet, not a database\n" * 100)
    with pytest.raises(StoreCorrupt, match=r"map\.db is not a usable ecosystem-mapper store"):
        EmbeddedStore(path)


def test_a_foreign_sqlite_file_is_a_clear_error(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreCorrupt, match=r"SQLite file of another program \(tables: invoices\)"):
        EmbeddedStore(path)


def test_the_store_reopens_from_its_file(tmp_path):
    path = tmp_path / "nested" / "map.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="vinnova", name="Vinnova", sector="public")]))
    with EmbeddedStore(path) as store:
        assert store.get_actor("vinnova").name == "Vinnova"


def test_default_path_follows_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == Path(tmp_path) / "ecosystem-mapper" / "map.db"


def test_a_store_made_before_the_covering_indexes_gets_them_when_opened(tmp_path):
    path = tmp_path / "old.db"
    with EmbeddedStore(path) as store:
        store.apply(Batch(actors=[Actor(id="kth", name="KTH", sector="academia")]))
    with sqlite3.connect(path) as db:  # the indexes of the first store version
        db.executescript(
            """
            DROP INDEX relations_source_target; DROP INDEX relations_target_source;
            CREATE INDEX relations_source ON relations (source);
            CREATE INDEX relations_target ON relations (target);
            """
        )
    with EmbeddedStore(path) as store:
        assert store.get_actor("kth").name == "KTH"
    with sqlite3.connect(path) as db:
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        plan = " ".join(
            row[3]
            for row in db.execute(
                "EXPLAIN QUERY PLAN SELECT target FROM relations WHERE source = 'kth'"
            )
        )
    assert {"relations_source_target", "relations_target_source"} <= indexes
    assert not {"relations_source", "relations_target"} & indexes
    assert "COVERING INDEX relations_source_target" in plan
