"""Swedish counties (län), the names regions go by, and their NUTS codes.

County names and SCB codes are SCB's (CC0, mapper/data/); NUTS codes are Eurostat's (NUTS 2016
and 2021 agree for Sweden).
"""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from pathlib import Path

__all__ = ["COUNTY_NAMES", "county_of_nuts", "normalise_region"]


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


# NUTS-3 code -> SCB county code: one NUTS-3 region per county.
_NUTS3 = {
    "SE110": "01",
    "SE121": "03",
    "SE122": "04",
    "SE123": "05",
    "SE124": "18",
    "SE125": "19",
    "SE211": "06",
    "SE212": "07",
    "SE213": "08",
    "SE214": "09",
    "SE221": "10",
    "SE224": "12",
    "SE231": "13",
    "SE232": "14",
    "SE311": "17",
    "SE312": "20",
    "SE313": "21",
    "SE321": "22",
    "SE322": "23",
    "SE331": "24",
    "SE332": "25",
}
# The one NUTS-2 region that is a single county (Stockholm); the others span several.
_NUTS2 = {"SE11": "01"}


@cache
def _county_of_code() -> dict[str, str]:
    return {row["county_code"]: row["county_name"] for row in _read("counties.csv")}


def county_of_nuts(code: str) -> str | None:
    """The county of a Swedish NUTS code, or None if the code is not one county's.

    A NUTS-3 code is one county; of the NUTS-2 codes only SE11 is (Stockholm), and NUTS-1 codes
    span several. Codes of other countries, and unknown codes, give None.

    >>> county_of_nuts("SE224"), county_of_nuts("se11"), county_of_nuts("SE12")
    ('Skåne län', 'Stockholms län', None)
    """
    code = code.strip().upper()
    scb_code = _NUTS3.get(code) or _NUTS2.get(code)
    return _county_of_code()[scb_code] if scb_code else None
