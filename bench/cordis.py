"""A CORDIS export of any size: organization and project files shaped like H2020's.

    python -m bench.cordis 150k /tmp/cordis-150k            # organization.json, project.json
    python -m bench.cordis 150k /tmp/cordis-150k --csv      # organization.csv, project.csv

The shape of the real H2020 export (about 180,000 participations of 30,000 organisations in
35,000 projects): one project per 5 participations, one organisation per 6, organisations drawn
by a Zipf weight so a few take part in thousands of projects; every field CORDIS has, objectives
of about 1,500 characters, EL and UK among the countries, Swedish organisations with NUTS-3
codes, a few `PRC;PRC` activity types, and an organisation's records updated on several dates.
The CSV is `;`-separated with decimal commas, as CORDIS' older CSV files are. Seeded and
reproducible: the same size and seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from itertools import accumulate
from pathlib import Path

from bench.generate import parse_size

__all__ = ["generate_cordis"]

ORGANIZATION_FIELDS = (
    "projectID",
    "projectAcronym",
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "SME",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "nutsCode",
    "geolocation",
    "organizationURL",
    "contactForm",
    "contentUpdateDate",
    "rcn",
    "order",
    "role",
    "ecContribution",
    "netEcContribution",
    "totalCost",
    "endOfParticipation",
    "active",
)
PROJECT_FIELDS = (
    "id",
    "acronym",
    "status",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "legalBasis",
    "topics",
    "ecSignatureDate",
    "frameworkProgramme",
    "masterCall",
    "subCall",
    "fundingScheme",
    "nature",
    "objective",
    "contentUpdateDate",
    "rcn",
)
COUNTRIES = {"DE": 20, "ES": 12, "IT": 11, "FR": 11, "UK": 8, "NL": 7, "SE": 5, "EL": 3, "FI;FI": 1}
ACTIVITY_TYPES = {"PRC": 45, "HES": 25, "REC": 18, "PUB": 6, "OTH": 5, "PRC;PRC": 1}
SWEDISH_NUTS = ("SE110", "SE121", "SE224", "SE232", "SE331", "SE332", "SE11", "")
ROLES = {"participant": 90, "coordinator": 5, "thirdParty": 4, "partner": 1}
EXPONENT = 0.9
WORDS = [
    "social",
    "innovation",
    "energy",
    "health",
    "data",
    "climate",
    "city",
    "cooperation",
    "research",
    "network",
]


def generate_cordis(folder: str | Path, participations: int, seed: int = 0, *, csv_files=False):
    """Write organization and project files (JSON, or CSV with `csv_files`); return counts."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    projects = [_project(rng, 100_000 + p) for p in range(max(1, participations // 5))]
    organisations = [
        _organisation(rng, 900_000_000 + o) for o in range(max(1, participations // 6))
    ]
    cumulative = list(accumulate((rank + 1) ** -EXPONENT for rank in range(len(organisations))))
    drawn = rng.choices(organisations, cum_weights=cumulative, k=participations)
    records = [_participation(rng, org, rng.choice(projects)) for org in drawn]
    suffix = "csv" if csv_files else "json"
    _write(folder / f"project.{suffix}", PROJECT_FIELDS, projects, csv_files)
    _write(folder / f"organization.{suffix}", ORGANIZATION_FIELDS, records, csv_files)
    pics = {record["organisationID"] for record in records}
    return {"participations": participations, "organisations": len(pics), "projects": len(projects)}


def _project(rng: random.Random, project_id: int) -> dict:
    start = rng.randint(2014, 2024)
    words = " ".join(rng.choices(WORDS, k=220))
    return {
        "id": project_id,
        "acronym": f"P{project_id}",
        "status": rng.choice(["SIGNED", "CLOSED", "TERMINATED"]),
        "title": f"Project {project_id} on {' '.join(rng.choices(WORDS, k=4))}",
        "startDate": f"{start}-{rng.randint(1, 12):02d}-01",
        "endDate": f"{start + rng.randint(1, 5)}-12-31",
        "totalCost": round(rng.uniform(1e5, 5e7), 2),
        "ecMaxContribution": round(rng.uniform(1e5, 3e7), 2),
        "legalBasis": "H2020-EU.3.",
        "topics": "SC6-SOCIAL-1",
        "ecSignatureDate": "",
        "frameworkProgramme": "H2020",
        "masterCall": "H2020-SC6",
        "subCall": "H2020-SC6-2019",
        "fundingScheme": rng.choice(["RIA", "CSA", "IA", "MSCA-ITN-ETN"]),
        "nature": "",
        "objective": words[:1500],
        "contentUpdateDate": "2022-08-01 12:00:00",
        "rcn": project_id * 3,
    }


def _organisation(rng: random.Random, pic: int) -> dict:
    country = rng.choices(list(COUNTRIES), weights=list(COUNTRIES.values()))[0]
    return {
        "organisationID": pic,
        "vatNumber": f"{country[:2]}{pic}" if rng.random() < 0.7 else "",
        "name": f"ORGANISATION {pic} {rng.choice(WORDS).upper()}",
        "shortName": f"ORG{pic % 100_000}" if rng.random() < 0.6 else "",
        "SME": rng.choice([True, False, ""]),
        "activityType": rng.choices(list(ACTIVITY_TYPES), weights=list(ACTIVITY_TYPES.values()))[0],
        "street": f"STREET {pic % 97}",
        "postCode": str(10_000 + pic % 89_999),
        "city": rng.choice(["BERLIN", "MADRID", "MILANO", "LYON", "UMEA", "ATHINA", "LONDON"]),
        "country": country,
        "nutsCode": rng.choice(SWEDISH_NUTS) if country == "SE" else "",
        "geolocation": f"{rng.uniform(35, 68):.5f},{rng.uniform(-9, 30):.5f}",
        "organizationURL": f"www.org{pic}.eu" if rng.random() < 0.6 else "",
    }


def _participation(rng: random.Random, organisation: dict, project: dict) -> dict:
    contribution = round(rng.uniform(0, 800_000), 2) if rng.random() < 0.88 else 0
    return {
        "projectID": project["id"],
        "projectAcronym": project["acronym"],
        **organisation,
        "contactForm": f"https://ec.europa.eu/contact-form/{organisation['organisationID']}",
        "contentUpdateDate": f"202{rng.randint(0, 3)}-0{rng.randint(1, 9)}-15 10:00:00",
        "rcn": rng.randint(1_000_000, 3_000_000),
        "order": rng.randint(1, 40),
        "role": rng.choices(list(ROLES), weights=list(ROLES.values()))[0],
        "ecContribution": contribution,
        "netEcContribution": contribution,
        "totalCost": round(contribution * 1.25, 2),
        "endOfParticipation": False,
        "active": "",
    } | ({"name": organisation["name"] + " SE"} if rng.random() < 0.03 else {})


def _write(path: Path, fields: tuple[str, ...], records: list[dict], csv_files: bool) -> None:
    with open(path, "w", encoding="utf-8", newline="") as file:
        if not csv_files:
            json.dump(records, file, ensure_ascii=False, indent=4)
            return
        writer = csv.DictWriter(file, fields, delimiter=";", lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({name: _cell(value) for name, value in record.items()})


def _cell(value: object) -> str:
    """A CSV cell as CORDIS writes it: decimal commas, true/false."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cordis", description=__doc__.split("\n")[0]
    )
    parser.add_argument("size", help="number of participation records: 1k, 150k or a number")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", action="store_true", help="write CSV instead of JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate_cordis(args.folder, parse_size(args.size), args.seed, csv_files=args.csv)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
