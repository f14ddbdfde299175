"""A synthetic Swedish social-innovation ecosystem, written as seed CSV files (docs/seed-format.md).

    python -m bench.generate 10k /tmp/eco-10k        # actors.csv, collaborations.csv, relations.csv

The shape, per `actors` actors (about 10 relations each):

- Sectors in uneven shares (SECTOR_SHARES), counties from mapper.regions.COUNTY_NAMES with a
  few large counties (Zipf weights), subsectors that fit the sector; 2 % of the actors fund
  (public agencies, foundations), 1 % are networks.
- Collaborations of heavy-tailed size (a discrete Pareto, exponent SIZE_EXPONENT, from 2 to
  MAX_SIZE members). Members are drawn by preferential attachment: with probability
  ATTACHMENT a member is drawn in proportion to the collaborations it already has, otherwise
  uniformly, so popular actors join more collaborations.
- The planted gap: in a share GAP_STRENGTH of the collaborations, once a private actor has
  joined no academic actor may join (and the other way round); direct COLLABORATES_WITH between
  the two sectors is thinned the same way. `/analysis/gaps` should flag private-academia and only
  that pair.
- FUNDS from funders to collaborations (amount, year) and to actors; MEMBER_OF networks;
  PART_OF links from municipal associations and departments to a larger public actor.

Every record has a `source_url` (the validator needs a source document or a URL only when a
source is given at all; one URL keeps the rows realistic). Seeded: the same `seed` and size give
byte-identical files. Rows are written as they are generated.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import random
import time
from pathlib import Path

from ingest.rows import COLUMNS
from mapper.regions import COUNTY_NAMES

__all__ = ["SECTOR_SHARES", "generate", "parse_size", "run_generator"]

SECTOR_SHARES = {"public": 0.30, "private": 0.25, "civil_society": 0.30, "academia": 0.15}
SUBSECTORS = {
    "public": [
        ("municipality", 0.55),
        ("region", 0.1),
        ("agency", 0.25),
        ("municipal_association", 0.1),
    ],
    "private": [("company", 0.7), ("social_enterprise", 0.2), ("cooperative", 0.1)],
    "civil_society": [("association", 0.7), ("foundation", 0.2), ("network", 0.1)],
    "academia": [("university", 0.6), ("research_institute", 0.4)],
}
NAME_STEMS = {
    "public": ["Kommun", "Förvaltning", "Myndighet", "Region", "Nämnd"],
    "private": ["AB", "Konsult", "Tjänster", "Fabrik", "Handel"],
    "civil_society": ["Förening", "Stiftelse", "Förbund", "Nätverk", "Kooperativ"],
    "academia": ["Högskola", "Universitet", "Institut", "Forskningscentrum", "Akademi"],
}
PLACES = ["Östra", "Västra", "Norra", "Södra", "Mälar", "Skog", "Sjö", "Älv", "Berg", "Hav"]
COLLABORATION_KINDS = [
    ("project", 0.50),
    ("event", 0.20),
    ("partnership", 0.15),
    ("programme", 0.07),
    ("network", 0.05),
    ("policy", 0.03),
]
ROLES_AFTER_LEAD = [
    ("partner", 0.45),
    ("participant", 0.45),
    ("speaker", 0.05),
    ("organiser", 0.05),
]

SOURCE_URL = "https://example.org/synthetic"
RELATIONS_PER_ACTOR = 10
PARTICIPATIONS_PER_ACTOR = 7.4  # the rest: COLLABORATES_WITH, FUNDS, MEMBER_OF, PART_OF
SIZE_EXPONENT = 3.0
MAX_SIZE = 40
ATTACHMENT = 0.5
GAP_PAIR = ("private", "academia")
GAP_STRENGTH = 0.9
FUNDER_SHARE = 0.02
NETWORK_SHARE = 0.01


def parse_size(text: str) -> int:
    """`1k` -> 1000, `100k` -> 100000, `2m` -> 2000000, `500` -> 500.

    >>> parse_size("10k"), parse_size("1m"), parse_size("250")
    (10000, 1000000, 250)
    """
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def _weighted(rng: random.Random, choices: list[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class _Ecosystem:
    """The generator's state: actors, their sectors and the preferential-attachment urn."""

    def __init__(self, actors: int, seed: int):
        self.rng = random.Random(seed)
        self.n = actors
        self.ids: list[str] = []
        self.sectors: list[str] = []
        self.counties: list[str] = []
        self.funders: list[int] = []
        self.networks: list[int] = []
        self.public_hubs: list[int] = []
        self.urn: list[int] = []  # one entry per participation: drawing from it is PA
        county_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(COUNTY_NAMES))]
        self.county_cumulative = list(itertools.accumulate(county_weights))

    def county(self) -> str:
        x = self.rng.random() * self.county_cumulative[-1]
        return COUNTY_NAMES[bisect.bisect(self.county_cumulative, x)]

    def actor_rows(self):
        rng = self.rng
        sectors, shares = list(SECTOR_SHARES), list(SECTOR_SHARES.values())
        for i in range(self.n):
            sector = rng.choices(sectors, weights=shares)[0]
            subsector = _weighted(rng, SUBSECTORS[sector])
            kinds = ["organisation"]
            roll = rng.random()
            if roll < FUNDER_SHARE and sector in ("public", "civil_society"):
                kinds.append("funder")
                self.funders.append(i)
            elif roll < FUNDER_SHARE + NETWORK_SHARE:
                kinds = ["network"]
                self.networks.append(i)
            if subsector in ("agency", "region"):
                self.public_hubs.append(i)
            county = self.county()
            actor_id = f"{subsector.replace('_', '-')}-{i:06d}"
            self.ids.append(actor_id)
            self.sectors.append(sector)
            self.counties.append(county)
            stem = rng.choice(NAME_STEMS[sector])
            name = f"{rng.choice(PLACES)}{county.split()[0].lower()} {stem} {i}"
            yield {
                "id": actor_id,
                "name": name,
                "kinds": "|".join(kinds),
                "sector": sector,
                "subsector": subsector,
                "region": county,
                "description": f"Syntetisk aktör nr {i} ({sector}).",
                "source_url": SOURCE_URL,
            }

    # -- drawing members -----------------------------------------------------------------------

    def draw(self) -> int:
        rng = self.rng
        if self.urn and rng.random() < ATTACHMENT:
            return self.urn[int(rng.random() * len(self.urn))]
        return int(rng.random() * self.n)

    @staticmethod
    def excluded_by(sector: str) -> str | None:
        """The sector a member from `sector` keeps out of a strict collaboration (the gap)."""
        a, b = GAP_PAIR
        return {a: b, b: a}.get(sector)

    def size(self) -> int:
        """Heavy-tailed: a discrete Pareto with exponent SIZE_EXPONENT, 2..MAX_SIZE."""
        u = 1.0 - self.rng.random()
        return min(MAX_SIZE, int(2 * u ** (-1 / (SIZE_EXPONENT - 1))))

    def members(self, size: int) -> list[int]:
        """The lead first; in most collaborations only one side of GAP_PAIR may join."""
        lead = self.draw()
        strict = self.rng.random() < GAP_STRENGTH
        excluded = self.excluded_by(self.sectors[lead]) if strict else None
        chosen = {lead: None}
        for _ in range(size * 4):
            if len(chosen) >= size:
                break
            member = self.draw()
            sector = self.sectors[member]
            if member in chosen or sector == excluded:
                continue
            chosen[member] = None
            if strict and excluded is None:
                excluded = self.excluded_by(sector)
        members = list(chosen)
        self.urn.extend(members)
        return members


def _collaboration(eco: _Ecosystem, index: int, lead: int) -> dict:
    rng = eco.rng
    kind = _weighted(rng, COLLABORATION_KINDS)
    start = rng.randint(2008, 2024)
    end = start if kind == "event" else min(2026, start + rng.randint(0, 5))
    row = {
        "id": f"{kind}-{index:07d}",
        "name": f"{kind.capitalize()} {index} i {eco.counties[lead]}",
        "kind": kind,
        "start": str(start),
        "end": str(end),
        "region": eco.counties[lead] if rng.random() < 0.7 else "",
        "source_url": SOURCE_URL,
    }
    if rng.random() < 0.2:
        row["data"] = json.dumps({"budget_sek": rng.randint(1, 500) * 10_000}, ensure_ascii=False)
    return row


def _collaborations(eco: _Ecosystem, collaborations, relations) -> int:
    """Write collaborations, their participations and funding; return the relations written."""
    rng, written, index = eco.rng, 0, 0
    participations = int(PARTICIPATIONS_PER_ACTOR * eco.n)
    while written < participations:
        members = eco.members(eco.size())
        row = _collaboration(eco, index, members[0])
        collaborations.writerow(row)
        for position, member in enumerate(members):
            role = "lead" if position == 0 else _weighted(rng, ROLES_AFTER_LEAD)
            relations.writerow(
                {
                    "type": "PARTICIPATES_IN",
                    "source": eco.ids[member],
                    "target": row["id"],
                    "role": role,
                    "source_url": SOURCE_URL,
                }
            )
        written += len(members)
        if eco.funders and rng.random() < 0.35:
            funder = eco.funders[int(rng.random() * len(eco.funders))]
            relations.writerow(
                {
                    "type": "FUNDS",
                    "source": eco.ids[funder],
                    "target": row["id"],
                    "amount": str(rng.randint(5, 2000) * 10_000),
                    "year": row["start"],
                    "source_url": SOURCE_URL,
                }
            )
            written += 1
        index += 1
    return written


def _direct(eco: _Ecosystem, relations) -> int:
    """COLLABORATES_WITH (thinned across the planted gap), FUNDS to actors, MEMBER_OF, PART_OF."""
    rng, n, written = eco.rng, eco.n, 0
    gap = set(GAP_PAIR)
    pairs: set[tuple[int, int]] = set()
    for _ in range(int(1.4 * n)):
        a, b = eco.draw(), eco.draw()
        if a == b or (a, b) in pairs:
            continue
        if {eco.sectors[a], eco.sectors[b]} == gap and rng.random() < GAP_STRENGTH:
            continue
        pairs.add((a, b))
        relations.writerow(
            {
                "type": "COLLABORATES_WITH",
                "source": eco.ids[a],
                "target": eco.ids[b],
                "source_url": SOURCE_URL,
            }
        )
        written += 1
    grants: set[tuple[int, int, int]] = set()
    for _ in range(int(0.2 * n) if eco.funders else 0):
        funder, year = eco.funders[int(rng.random() * len(eco.funders))], rng.randint(2008, 2024)
        recipient = eco.draw()
        if recipient == funder or (funder, recipient, year) in grants:
            continue
        grants.add((funder, recipient, year))
        relations.writerow(
            {
                "type": "FUNDS",
                "source": eco.ids[funder],
                "target": eco.ids[recipient],
                "amount": str(rng.randint(1, 500) * 10_000),
                "year": str(year),
                "source_url": SOURCE_URL,
            }
        )
        written += 1
    written += _memberships(eco, relations)
    return written


def _memberships(eco: _Ecosystem, relations) -> int:
    rng, written = eco.rng, 0
    seen: set[tuple[str, int, int]] = set()
    targets = (("MEMBER_OF", eco.networks, 0.25), ("PART_OF", eco.public_hubs, 0.1))
    for relation_type, hubs, per_actor in targets:
        for _ in range(int(per_actor * eco.n) if hubs else 0):
            member, hub = int(rng.random() * eco.n), hubs[int(rng.random() * len(hubs))]
            if member == hub or (relation_type, member, hub) in seen:
                continue
            seen.add((relation_type, member, hub))
            relations.writerow(
                {
                    "type": relation_type,
                    "source": eco.ids[member],
                    "target": eco.ids[hub],
                    "source_url": SOURCE_URL,
                }
            )
            written += 1
    return written


def generate(folder: str | Path, actors: int, *, seed: int = 0) -> dict:
    """Write actors.csv, collaborations.csv and relations.csv to `folder`; return their counts."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    eco = _Ecosystem(actors, seed)
    counts = {"actors": 0, "collaborations": 0, "relations": 0}
    with open(folder / "actors.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, COLUMNS["actor"], lineterminator="\n")
        writer.writeheader()
        for row in eco.actor_rows():
            writer.writerow(row)
            counts["actors"] += 1
    with (
        open(folder / "collaborations.csv", "w", encoding="utf-8", newline="") as cfile,
        open(folder / "relations.csv", "w", encoding="utf-8", newline="") as rfile,
    ):
        collaborations = csv.DictWriter(cfile, COLUMNS["collaboration"], lineterminator="\n")
        relations = csv.DictWriter(rfile, COLUMNS["relation"], lineterminator="\n")
        collaborations.writeheader()
        relations.writeheader()
        counts["relations"] += _collaborations(eco, _Counting(collaborations, counts), relations)
        counts["relations"] += _direct(eco, relations)
    return counts


class _Counting:
    """A csv writer that counts the collaborations it writes."""

    def __init__(self, writer, counts: dict):
        self.writer, self.counts = writer, counts

    def writerow(self, row: dict) -> None:
        self.writer.writerow(row)
        self.counts["collaborations"] += 1


def run_generator(function, argv: list[str] | None, *, prog: str, doc: str) -> None:
    """The command line of a generator: SIZE FOLDER [--seed N]; prints the counts as JSON."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    parser.add_argument("size", help="number of actors: 1k, 13k, 100k or a number")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = function(args.folder, parse_size(args.size), seed=args.seed)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(counts))


def main(argv: list[str] | None = None) -> None:
    run_generator(generate, argv, prog="python -m bench.generate", doc=__doc__)


if __name__ == "__main__":
    main()
