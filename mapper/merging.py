"""Merging actors: one actor from the records several sources keep of one organisation.

`mapper merge KEEP OTHER…` makes OTHER part of KEEP: its names become aliases, its external ids,
kinds, data and sources are added where KEEP has none, and its relations move to KEEP. The
stores record each merge (the merged id, the kept id and the merged record), so that a later
load holding the merged id again updates the kept actor (`resolve_merges`) instead of splitting
it. Pure functions over records; the stores read and write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mapper.model import Actor, Batch, Relation, merge_sources
from mapper.search import fold

__all__ = ["MergePlan", "merged_actor", "plan_merge", "redirected", "resolve_merges"]


def merged_actor(kept: Actor, others: Iterable[Actor]) -> Actor:
    """`kept` with what `others` add: their names as aliases (a name folding like one it has is
    not repeated), kinds, external ids of other schemes, data keys, sources, and the optional
    fields `kept` leaves empty. Its id, name and sector stay.

    >>> umu = Actor(id="umea-universitet", name="Umeå universitet", sector="academia")
    >>> cordis = Actor(id="cordis-pic-999880854", name="UMEA UNIVERSITET", sector="academia",
    ...                aliases=["UmU"], country="SE", external_ids={"pic": "999880854"})
    >>> one = merged_actor(umu, [cordis])
    >>> one.aliases, one.external_ids, one.country
    (('UmU',), {'pic': '999880854'}, 'SE')
    """
    names = {fold(name) for name in (kept.name, kept.name_en, *kept.aliases) if name}
    aliases = list(kept.aliases)
    kinds = list(kept.kinds)
    external_ids = dict(kept.external_ids)
    data = dict(kept.data)
    sources = kept.sources
    filled = {name: getattr(kept, name) for name in ("name_en", "url", "description", "country")}
    region, subsector = kept.region, kept.subsector
    for other in others:
        if filled["name_en"] is None and other.name_en:  # becomes the English name, not an alias
            filled["name_en"] = other.name_en
            names.add(fold(other.name_en))
        for name in (other.name, other.name_en, *other.aliases):
            if name and fold(name) not in names:
                names.add(fold(name))
                aliases.append(name)
        kinds.extend(kind for kind in other.kinds if kind not in kinds)
        for scheme, value in other.external_ids.items():
            external_ids.setdefault(scheme, value)
        for key, value in other.data.items():
            data.setdefault(key, value)
        sources = merge_sources(sources, other.sources)
        for name, value in filled.items():
            if value is None:
                filled[name] = getattr(other, name)
        if region is None and filled["country"] in (None, "SE"):
            region = other.region
        if subsector is None and other.sector == kept.sector:
            subsector = other.subsector
    return Actor.model_validate(
        kept.model_dump()
        | filled
        | {
            "aliases": aliases,
            "kinds": kinds,
            "external_ids": external_ids,
            "data": data,
            "sources": [source.model_dump() for source in sources],
            "region": region,
            "subsector": subsector,
        }
    )


def redirected(relations: Iterable[Relation], ids: Mapping[str, str]) -> list[Relation]:
    """The relations with every merged id (`ids`: merged -> kept) replaced by the kept one; a
    relation that would join an actor to itself is left out, and relations that become one
    (the same key) are one, with both's sources.

    >>> r = Relation(type="COLLABORATES_WITH", source="a", target="b")
    >>> [x.key for x in redirected([r, r.model_copy(update={"source": "c"})], {"c": "a"})]
    ['COLLABORATES_WITH:a->b']
    >>> redirected([r], {"b": "a"})
    []
    """
    found: dict[str, Relation] = {}
    for relation in relations:
        moved = _moved(relation, ids)
        if moved.source == moved.target:
            continue
        before = found.get(moved.key)
        if before is not None:
            moved = before.model_copy(
                update={"sources": merge_sources(before.sources, moved.sources)}
            )
        found[moved.key] = moved
    return list(found.values())


def _moved(relation: Relation, ids: Mapping[str, str]) -> Relation:
    update = {
        end: ids[getattr(relation, end)]
        for end in ("source", "target")
        if getattr(relation, end) in ids
    }
    return relation.model_copy(update=update) if update else relation


@dataclass
class MergePlan:
    """What one merge writes: the kept actor, the moved relations (united with the kept actor's
    own of the same key), the keys of the relations that go, and the new key of each (None for
    a relation that joined the two actors)."""

    actor: Actor
    relations: list[Relation]
    removed: list[str]
    keys: dict[str, str | None] = field(default_factory=dict)


def plan_merge(
    kept: Actor,
    others: list[Actor],
    relations: list[Relation],
    stored: Mapping[str, Relation],
) -> MergePlan:
    """Merge `others` into `kept`. `relations` are every relation from or to one of `others`;
    `stored` the store's relations (of `kept`) whose keys the moved ones would take.

    >>> a = Actor(id="a", name="A", sector="public")
    >>> b = Actor(id="b", name="B AB", sector="public")
    >>> r = [Relation(type="MEMBER_OF", source="b", target="c"),
    ...      Relation(type="COLLABORATES_WITH", source="a", target="b")]
    >>> plan = plan_merge(a, [b], r, {})
    >>> [x.key for x in plan.relations], plan.keys
    (['MEMBER_OF:a->c'], {'MEMBER_OF:b->c': 'MEMBER_OF:a->c', 'COLLABORATES_WITH:a->b': None})
    """
    ids = {other.id: kept.id for other in others}
    keys: dict[str, str | None] = {}
    for relation in relations:
        moved = _moved(relation, ids)
        keys[relation.key] = None if moved.source == moved.target else moved.key
    written = redirected([*stored.values(), *relations], ids)
    return MergePlan(merged_actor(kept, others), written, sorted(keys), keys)


def resolve_merges(
    batch: Batch,
    merges: Mapping[str, str],
    kept: Mapping[str, Actor],
    merged: Mapping[str, Actor],
) -> tuple[Batch, list[Actor]]:
    """The batch as it applies to a store with merges: a record of a merged actor updates the
    actor it was merged into, and relations naming it name that actor.

    `merges` maps merged id -> kept id for every merge into a kept actor the batch touches (by
    a merged id or its own); `kept` holds the stored kept actors the batch does not hold, and
    `merged` the stored records of the merged actors. Returns the batch and the batch's records
    of merged actors (their merge records are kept up to date).

    >>> umu = Actor(id="umu", name="Umeå universitet", sector="academia")
    >>> x = Actor(id="x", name="UMEA UNIVERSITET", sector="academia", aliases=["UMU"])
    >>> batch = Batch(actors=[x.model_copy(update={"aliases": ("Umeå univ.",)})])
    >>> resolved, updated = resolve_merges(batch, {"x": "umu"}, {"umu": umu}, {"x": x})
    >>> [(a.id, a.aliases) for a in resolved.actors], [a.id for a in updated]
    ([('umu', ('Umeå univ.',))], ['x'])
    """
    if not merges:
        return batch, []
    own = {actor.id: actor for actor in batch.actors}
    touched = {merges[i] for i in own if i in merges} | (own.keys() & set(merges.values()))
    united = {
        into: merged_actor(
            own.get(into) or kept[into],
            [own.get(i) or merged[i] for i, target in sorted(merges.items()) if target == into],
        )
        for into in sorted(touched)
    }
    actors = [united.pop(a.id, a) for a in batch.actors if a.id not in merges]
    actors.extend(united.values())
    resolved = Batch.model_construct(  # validated records: not validated again
        actors=actors,
        collaborations=batch.collaborations,
        relations=redirected(batch.relations, merges),
    )
    return resolved, [actor for actor in batch.actors if actor.id in merges]
