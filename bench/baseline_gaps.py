"""The baseline for a cold `mapper gaps --permutations 200`: a standalone pandas + numpy script.

    python bench/baseline_gaps.py STORE.db

What a researcher would write by hand: read the membership table (actor, collaboration) and the
actors' sectors from the SQLite store, project it (a self-merge on the collaboration, pairs
deduplicated), count the links of each sector pair, and count them again under 200 shuffles of
the sector labels (one shuffle over all linked actors, no degree bins). It does less than mapper
(no direct relations, no degree bins, no scope, no validation of the store), so it is a floor.
Needs pandas (`pip install pandas`), which the project itself does not use.
"""

import sqlite3
import sys

import numpy as np
import pandas as pd

PERMUTATIONS = 200


def main(path: str) -> None:
    with sqlite3.connect(path) as db:
        actors = pd.read_sql("SELECT id, sector FROM actors", db)
        members = pd.read_sql(
            "SELECT r.source AS actor, r.target AS collaboration FROM relations r "
            "JOIN collaborations c ON c.id = r.target "
            "WHERE r.type IN ('PARTICIPATES_IN', 'FUNDS')",
            db,
        ).drop_duplicates()
    codes = {actor: i for i, actor in enumerate(actors["id"])}
    sectors = pd.Categorical(actors["sector"]).codes.astype(np.int64)
    members["actor"] = members["actor"].map(codes)
    pairs = members.merge(members, on="collaboration")
    pairs = pairs[pairs["actor_x"] < pairs["actor_y"]][["actor_x", "actor_y"]].drop_duplicates()
    u, v = pairs["actor_x"].to_numpy(), pairs["actor_y"].to_numpy()
    k = int(sectors.max()) + 1

    def counts(labels: np.ndarray) -> np.ndarray:
        a, b = labels[u], labels[v]
        return np.bincount(np.minimum(a, b) * k + np.maximum(a, b), minlength=k * k)

    observed = counts(sectors)
    rng = np.random.default_rng(0)
    linked = np.unique(np.concatenate([u, v]))
    null = np.empty((PERMUTATIONS, k * k), dtype=np.int64)
    for i in range(PERMUTATIONS):
        labels = sectors.copy()
        labels[linked] = rng.permutation(sectors[linked])
        null[i] = counts(labels)
    p_fewer = (1 + (null <= observed).sum(axis=0)) / (1 + PERMUTATIONS)
    for a in range(k):
        for b in range(a, k):
            i = a * k + b
            print(a, b, observed[i], round(null[:, i].mean(), 1), round(p_fewer[i], 3))


if __name__ == "__main__":
    main(sys.argv[1])
