"""Configuration, built once at the edge: --store / MAPPER_STORE / NEO4J_* -> a store."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mapper.errors import InvalidParameter
from mapper.stores.base import GraphStore
from mapper.stores.embedded import EmbeddedStore, default_path

__all__ = ["NEO4J_SCHEMES", "Budget", "Settings", "open_store"]

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


@dataclass(frozen=True)
class Settings:
    """Where the store is and how to reach it.

    `store` is a file path (the embedded store) or a Neo4j URI. Unset, it is taken from
    MAPPER_STORE, then NEO4J_URI, then the embedded store's default path. A Neo4j load of more
    than `neo4j_stage_above` records (MAPPER_NEO4J_STAGE_ABOVE, 0 for every load) is written in
    transactions of `neo4j_stage_rows` rows (MAPPER_NEO4J_STAGE_ROWS); unset, the store's
    defaults (mapper.stores.neo4j: 100 000 and 20 000).
    """

    store: str
    neo4j_user: str | None = None
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    neo4j_stage_above: int | None = None
    neo4j_stage_rows: int | None = None

    @classmethod
    def from_env(cls, store: str | None = None) -> Settings:
        """The settings of `store` and the environment. Raises InvalidParameter naming a
        variable that is not a whole number."""
        env = os.environ
        location = store or env.get("MAPPER_STORE") or env.get("NEO4J_URI") or str(default_path())
        return cls(
            store=location,
            neo4j_user=env.get("NEO4J_USER") or None,
            neo4j_password=env.get("NEO4J_PASSWORD") or None,
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            neo4j_stage_above=_whole(env, "MAPPER_NEO4J_STAGE_ABOVE", least=0),
            neo4j_stage_rows=_whole(env, "MAPPER_NEO4J_STAGE_ROWS", least=1),
        )

    @property
    def is_neo4j(self) -> bool:
        return self.store.startswith(NEO4J_SCHEMES)


@dataclass(frozen=True)
class Budget:
    """How much work one request may cause, checked before the work starts (docs/security.md).

    `link_visits` bounds the analyses, counted as the links their kernels go over: betweenness
    from k source actors visits k x links, gaps with p permutations shuffles p x links. The
    default, 2.5e9, is exact betweenness at 10k actors and 234k links (14 s on one core here,
    bench/RESULTS.md) and 1000 gap permutations up to 2.5M links. `map_elements` bounds the actors
    plus links one map page draws (a page of 1M elements is about 40 MB of HTML).
    """

    link_visits: int = 2_500_000_000
    map_elements: int = 1_000_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Budget:
        """MAPPER_WORK_BUDGET and MAPPER_MAP_BUDGET, each a positive whole number if set.
        Raises ValueError naming the variable."""
        env = os.environ if env is None else env
        values = {}
        for variable, field in (
            ("MAPPER_WORK_BUDGET", "link_visits"),
            ("MAPPER_MAP_BUDGET", "map_elements"),
        ):
            text = env.get(variable, "").strip().replace("_", "")
            if not text:
                continue
            if not text.isdigit() or int(text) == 0:
                raise ValueError(f"{variable}={text!r} is not a positive whole number")
            values[field] = int(text)
        return cls(**values)


def _whole(env: Mapping[str, str], variable: str, *, least: int) -> int | None:
    """The whole number `variable` holds (underscores allowed), or None if it is unset."""
    text = env.get(variable, "").strip().replace("_", "")
    if not text:
        return None
    if not text.isdigit() or int(text) < least:
        expected = "a positive whole number" if least else "a whole number"
        raise InvalidParameter(variable, f"{variable}={text!r} is not {expected}")
    return int(text)


def open_store(settings: Settings, *, create: bool = True) -> GraphStore:
    """Open the store `settings` name; with `create=False` an embedded store file must exist
    already. Raises StoreUnavailable or StoreCorrupt."""
    if settings.is_neo4j:
        from mapper.stores.neo4j import Neo4jStore

        return Neo4jStore(
            settings.store,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            stage_above=settings.neo4j_stage_above,
            stage_rows=settings.neo4j_stage_rows,
        )
    return EmbeddedStore(settings.store, create=create)
