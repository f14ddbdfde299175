"""Likely duplicates: pairs of actors that are probably one organisation, and the evidence.

Evidence, each with a weight; a pair's score is 1 - the product of (1 - weight) over its
evidence, so two weak signals together count more than one:

    same external id (PIC, VAT, organisationsnummer)        0.95
    same name once folded and without its legal form         0.80   (name or English name;
                                                                    aa/ae/oe/ue as å/ä/ö/ü
                                                                    only for a name with one)
    an alias of one is the other's name or alias             0.50   (five letters or more)
    same web domain (alone below the default minimum)        0.45
    similar names in one county (rapidfuzz token ratio)      0.70 x ratio / 100, from ratio 88

Names say nothing about two actors registered in different countries (`ABB AB` and `ABB AG`
are two legal entities): their names are no evidence, their external ids are. Pairs are found
by grouping on a key (never every pair of the store): a key that more than
`MAX_GROUP` actors share (a generic name, a shared platform's domain) is no evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from mapper.model import Actor
from mapper.search import legal_form_key

__all__ = ["MAX_GROUP", "Duplicate", "find_duplicates", "keeper"]

MAX_GROUP = 20
_SIMILAR_FROM = 88.0
_WEIGHTS = {"external_id": 0.95, "name": 0.8, "alias": 0.5, "domain": 0.45, "similar": 0.7}
_ALIAS_FROM = 5  # letters: a shorter alias is an acronym many organisations share
_BY_NAME = {"name", "alias", "similar"}
# A name with one of these letters may be written elsewhere with aa, ae, oe or ue instead: its
# spelt-out key counts too (but Michael and Michal, with none, are two names).
_MARKED = set("åäöüÅÄÖÜ")
# Hosts many organisations share: a page there says nothing about who it belongs to.
_SHARED_HOSTS = {
    "facebook.com", "linkedin.com", "instagram.com", "twitter.com", "x.com", "youtube.com",
    "google.com", "sites.google.com", "wordpress.com", "wix.com", "github.io", "github.com",
    "example.org", "example.com",
}  # fmt: skip


@dataclass(frozen=True)
class Duplicate:
    """Two actors that are likely one: `keep` is the one a merge keeps by default (`keeper`)."""

    keep: str
    merge: str
    score: float
    evidence: tuple[str, ...]
    keep_name: str
    merge_name: str


def keeper(a: Actor, b: Actor) -> tuple[Actor, Actor]:
    """(the actor to keep, the one to merge into it): the one whose name is not written in
    capitals (a register's spelling), then the one with more sources, then the shorter id.

    >>> a = Actor(id="cordis-pic-999880854", name="UMEA UNIVERSITET", sector="academia")
    >>> b = Actor(id="umea-universitet", name="Umeå universitet", sector="academia")
    >>> [actor.id for actor in keeper(a, b)]
    ['umea-universitet', 'cordis-pic-999880854']
    """

    def rank(actor: Actor) -> tuple:
        return (actor.name.isupper(), -len(actor.sources), len(actor.id), actor.id)

    return (a, b) if rank(a) <= rank(b) else (b, a)


def find_duplicates(actors: Sequence[Actor], *, min_score: float = 0.5) -> list[Duplicate]:
    """Every pair of `actors` whose evidence scores at least `min_score`, best first.

    >>> found = find_duplicates([
    ...     Actor(id="umea-universitet", name="Umeå universitet", sector="academia",
    ...           region="Västerbottens län"),
    ...     Actor(id="cordis-pic-999880854", name="UMEA UNIVERSITET", sector="academia",
    ...           region="Västerbottens län", external_ids={"pic": "999880854"}),
    ...     Actor(id="vinnova", name="Vinnova", sector="public")])
    >>> [(d.keep, d.merge, d.score) for d in found]
    [('umea-universitet', 'cordis-pic-999880854', 0.94)]
    >>> found[0].evidence
    ("same name without legal form 'umea universitet'", 'similar names in Västerbottens län (100)')
    """
    evidence: dict[tuple[int, int], dict[str, tuple[float, str]]] = defaultdict(dict)

    def add(kind: str, groups: dict[str, list[int]], describe: str) -> None:
        for key, members in groups.items():
            if 1 < len(set(members)) <= MAX_GROUP:
                for pair in combinations(sorted(set(members)), 2):
                    evidence[pair].setdefault(kind, (_WEIGHTS[kind], describe.format(key)))

    by_id: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    by_spelt: dict[str, list[int]] = defaultdict(list)
    by_alias: dict[str, list[int]] = defaultdict(list)
    by_domain: dict[str, list[int]] = defaultdict(list)
    marked: set[int] = set()  # actors whose name has å, ä, ö or ü
    for position, actor in enumerate(actors):
        for scheme, value in actor.external_ids.items():
            by_id[f"{scheme} {value}"].append(position)
        written = [n for n in (actor.name, actor.name_en) if n]
        if any(char in _MARKED for name in written for char in name):
            marked.add(position)
        names = {legal_form_key(n, spelt_out=False) for n in written} - {""}
        for name in names:
            by_name[name].append(position)
        for name in {legal_form_key(n) for n in written} - names - {""}:
            by_spelt[name].append(position)  # GOETEBORGS and Göteborgs, but see _MARKED
        for alias in names | {legal_form_key(alias) for alias in actor.aliases}:
            if len(alias.replace(" ", "")) >= _ALIAS_FROM:
                by_alias[alias].append(position)
        domain = _domain(actor.url)
        if domain:
            by_domain[domain].append(position)
    add("external_id", by_id, "same {}")
    for key, members in by_spelt.items():  # a spelt-out name counts beside a marked one
        if marked.intersection(by_name[key]) or marked.intersection(members):
            by_name[key].extend(members)
    add("name", by_name, "same name without legal form {!r}")
    add("alias", by_alias, "one's alias is the other's name or alias {!r}")
    add("domain", by_domain, "same web domain {}")
    for pair, ratio, region in _similar_in_county(actors):
        weight = _WEIGHTS["similar"] * ratio / 100
        evidence[pair].setdefault("similar", (weight, f"similar names in {region} ({ratio:.0f})"))
    found = []
    for (i, j), kinds in evidence.items():
        if "name" in kinds:
            kinds.pop("alias", None)  # the same names: one piece of evidence
        a, b = actors[i].country, actors[j].country
        if a is not None and b is not None and a != b:
            kinds = {kind: found for kind, found in kinds.items() if kind not in _BY_NAME}
        miss = 1.0
        for weight, _ in kinds.values():
            miss *= 1 - weight
        score = round(1 - miss, 2)
        if score >= min_score:
            keep, merge = keeper(actors[i], actors[j])
            reasons = tuple(reason for _, reason in kinds.values())
            found.append(Duplicate(keep.id, merge.id, score, reasons, keep.name, merge.name))
    return sorted(found, key=lambda d: (-d.score, d.keep, d.merge))


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if not host or host in _SHARED_HOSTS or any(host.endswith("." + s) for s in _SHARED_HOSTS):
        return None
    return host


def _similar_in_county(actors: Sequence[Actor]) -> Iterable[tuple[tuple[int, int], float, str]]:
    """Pairs of actors in one county whose folded names are similar: compared only when they
    share a word that at most MAX_GROUP actors of that county have."""
    by_region: dict[str, list[int]] = defaultdict(list)
    for position, actor in enumerate(actors):
        if actor.region:
            by_region[actor.region].append(position)
    for region, members in by_region.items():
        keys = {i: legal_form_key(actors[i].name) for i in members}
        words: dict[str, list[int]] = defaultdict(list)
        for i, key in keys.items():
            for word in set(key.split()):
                words[word].append(i)
        pairs = {
            pair
            for group in words.values()
            if 1 < len(group) <= MAX_GROUP
            for pair in combinations(sorted(group), 2)
        }
        for i, j in sorted(pairs):
            ratio = fuzz.token_sort_ratio(keys[i], keys[j])
            if ratio >= _SIMILAR_FROM:
                yield (i, j), ratio, region
