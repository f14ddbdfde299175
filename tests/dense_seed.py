"""Seed files of a dense actor graph, for tests that need an analysis that takes seconds.

`actors` actors in four sectors and `projects` projects of `members` members each: every project
is a clique in the actor graph, so 3000 actors in 30 projects of 200 give about 600k links, and
exact betweenness (3000 sources x links) takes seconds on the compiled kernel.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SECTORS = ("public", "private", "civil_society", "academia")
SOURCE = "https://example.org/dense"


def write_dense_seed(
    folder: Path, *, actors: int = 3000, projects: int = 30, members: int = 200, seed: int = 0
) -> Path:
    """Write actors.csv, collaborations.csv and relations.csv into `folder`; return it."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"actor-{i:05d}" for i in range(actors)]
    with open(folder / "actors.csv", "w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["id", "name", "kinds", "sector", "source_url"])
        for i, actor in enumerate(ids):
            out.writerow([actor, f"Aktör {i}", "organisation", SECTORS[i % 4], SOURCE])
    with open(folder / "collaborations.csv", "w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["id", "name", "kind", "start", "source_url"])
        for p in range(projects):
            out.writerow([f"project-{p:04d}", f"Projekt {p}", "project", 2010 + p % 10, SOURCE])
    with open(folder / "relations.csv", "w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["type", "source", "target", "role", "source_url"])
        for p in range(projects):
            for actor in rng.sample(ids, members):
                out.writerow(["PARTICIPATES_IN", actor, f"project-{p:04d}", "participant", SOURCE])
    return folder


def dense_store(folder: Path) -> Path:
    """The dense seed files written into `folder`/seed and loaded into `folder`/dense.db (an
    embedded store); its path."""
    from ingest import read_batch
    from mapper.stores.embedded import EmbeddedStore

    path = folder / "dense.db"
    with EmbeddedStore(path) as store:
        store.apply(read_batch([write_dense_seed(folder / "seed")]))
    return path
