"""Swedish counties (län) and the names regions go by, from SCB's codes (CC0, mapper/data/)."""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from pathlib import Path

__all__ = ["COUNTY_NAMES", "normalise_region"]


def _read(name: str) -> list[dict[str, str]]:
    with open(Path(__file__).parent / "data" / name, encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


@cache
def _lookup() -> dict[str, str]:
    """Every accepted spelling, case-folded, mapped to the county's official name."""
    names: dict[str, str] = {}
    for row in _read("counties.csv"):
        county, short = row["county_name"], row["county_name_short"]
        for spelling in (county, short, f"Region {short}", f"{short}s län", row["county_code"]):
            names[_fold(spelling)] = county
    names[_fold("Västra Götalandsregionen")] = "Västra Götalands län"
    names[_fold("Region Västra Götaland")] = "Västra Götalands län"
    names[_fold("Region Gotland")] = "Gotlands län"
    names[_fold("Gotlands kommun")] = "Gotlands län"
    return names


COUNTY_NAMES: tuple[str, ...] = tuple(row["county_name"] for row in _read("counties.csv"))


def normalise_region(value: str) -> str:
    """Return the county name for a county, its short name, its region name or its SCB code.

    >>> normalise_region("Region Skåne")
    'Skåne län'
    >>> normalise_region("västra götalandsregionen")
    'Västra Götalands län'

    Raises ValueError naming the accepted forms when `value` is none of them.
    """
    county = _lookup().get(_fold(value))
    if county is None:
        raise ValueError(
            f"{value!r} is not a Swedish county or region; expected a county name such as "
            "'Skåne län', a region name such as 'Region Skåne', or an SCB county code such as '12'"
        )
    return county
