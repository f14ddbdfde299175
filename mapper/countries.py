"""Country codes: ISO 3166-1 alpha-2, with the aliases public sources use (CORDIS' EL and UK)."""

from __future__ import annotations

__all__ = ["COUNTRY_ALIASES", "COUNTRY_CODES", "normalise_country"]

# The 249 officially assigned ISO 3166-1 alpha-2 codes, and XK (Kosovo), which the EU and CORDIS
# use as a user-assigned code.
_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    XK
"""
COUNTRY_CODES: frozenset[str] = frozenset(_CODES.split())

COUNTRY_ALIASES: dict[str, str] = {"EL": "GR", "UK": "GB"}
"""Codes that are not ISO 3166-1 but that EU sources use: Greece as EL, the United Kingdom as UK."""


def normalise_country(value: str) -> str:
    """The ISO 3166-1 alpha-2 code of `value` (any case; EL and UK as EU sources write them).

    >>> normalise_country("se"), normalise_country("EL"), normalise_country("UK")
    ('SE', 'GR', 'GB')

    Raises ValueError naming the value and the expected form.
    """
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    if code not in COUNTRY_CODES:
        raise ValueError(
            f"{value!r} is not a country code; expected a two-letter ISO 3166-1 code such as "
            "'SE', 'NO' or 'DE' (EL and UK are read as GR and GB), or nothing for unknown"
        )
    return code
