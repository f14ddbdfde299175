"""An EU-project-shaped ecosystem, written as seed CSV files: where projection and betweenness cost
explode.

    python -m bench.projects 13k /tmp/eco-projects-13k   # actors.csv, collaborations.csv, ...

The shape of a national map built from EU research participations: organisations take part in
projects of 10 to 40 members (uniform), drawn in proportion to a Zipf weight (rank ** -EXPONENT),
so a few hubs (universities, large agencies) take part in thousands of projects and most
organisations in one or two. Every shared project is a clique in the actor graph. The default
PROJECTS_PER_ACTOR gives about 350k links for 13k organisations, as the real graph of every EU
project with a Swedish participant (12,889 organisations, 357,808 links). Sectors follow
bench.generate's shares; one organisation in 50 also funds a few projects. Seeded and
reproducible: the same size and seed give byte-identical files.
"""

from __future__ import annotations

import csv
import random
from itertools import accumulate
from pathlib import Path

from bench.generate import SECTOR_SHARES, run_generator
from ingest.rows import COLUMNS
from mapper.regions import COUNTY_NAMES

__all__ = ["generate_projects"]

EXPONENT = 0.8
PROJECTS_PER_ACTOR = 0.09
MIN_MEMBERS, MAX_MEMBERS = 10, 40
FUNDER_SHARE = 0.02
SOURCE_URL = "https://example.org/synthetic-projects"


def generate_projects(folder: str | Path, actors: int, *, seed: int = 0) -> dict:
    """Write actors.csv, collaborations.csv and relations.csv to `folder`; return their counts."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sectors = rng.choices(list(SECTOR_SHARES), weights=list(SECTOR_SHARES.values()), k=actors)
    ids = [f"org-{i:06d}" for i in range(actors)]
    cumulative = list(accumulate((rank + 1) ** -EXPONENT for rank in range(actors)))
    projects = max(1, int(actors * PROJECTS_PER_ACTOR))
    counts = {"actors": actors, "collaborations": projects, "relations": 0}
    with open(folder / "actors.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, COLUMNS["actor"], lineterminator="\n")
        writer.writeheader()
        for i, (actor, sector) in enumerate(zip(ids, sectors, strict=True)):
            writer.writerow(
                {
                    "id": actor,
                    "name": f"Organisation {i}",
                    "kinds": "organisation",
                    "sector": sector,
                    "region": COUNTY_NAMES[i % len(COUNTY_NAMES)],
                    "source_url": SOURCE_URL,
                }
            )
    with (
        open(folder / "collaborations.csv", "w", encoding="utf-8", newline="") as cfile,
        open(folder / "relations.csv", "w", encoding="utf-8", newline="") as rfile,
    ):
        collaborations = csv.DictWriter(cfile, COLUMNS["collaboration"], lineterminator="\n")
        relations = csv.DictWriter(rfile, COLUMNS["relation"], lineterminator="\n")
        collaborations.writeheader()
        relations.writeheader()
        funders = [i for i in range(actors) if rng.random() < FUNDER_SHARE]
        for p in range(projects):
            project = f"project-{p:06d}"
            start = rng.randint(2008, 2024)
            collaborations.writerow(
                {
                    "id": project,
                    "name": f"Project {p}",
                    "kind": "project",
                    "start": start,
                    "end": start + rng.randint(1, 5),
                    "source_url": SOURCE_URL,
                }
            )
            members = _members(rng, cumulative, rng.randint(MIN_MEMBERS, MAX_MEMBERS))
            for member in sorted(members):
                relations.writerow(
                    {
                        "type": "PARTICIPATES_IN",
                        "source": ids[member],
                        "target": project,
                        "source_url": SOURCE_URL,
                    }
                )
            if funders and rng.random() < 0.2:
                relations.writerow(
                    {
                        "type": "FUNDS",
                        "source": ids[rng.choice(funders)],
                        "target": project,
                        "year": start,
                        "source_url": SOURCE_URL,
                    }
                )
                counts["relations"] += 1
            counts["relations"] += len(members)
    return counts


def _members(rng: random.Random, cumulative: list[float], size: int) -> set[int]:
    members: set[int] = set()
    while len(members) < size:
        members.update(rng.choices(range(len(cumulative)), cum_weights=cumulative, k=size))
    return set(rng.sample(sorted(members), size)) if len(members) > size else members


def main(argv: list[str] | None = None) -> None:
    run_generator(generate_projects, argv, prog="python -m bench.projects", doc=__doc__)


if __name__ == "__main__":
    main()
