"""Public holidays by region: a country and, where its holidays differ, a subdivision, written
"AU-VIC", "AU-NSW", "IN-KA" or just "IN". Worked out by the `holidays` library.

Building one country's holidays for a year costs milliseconds and a 14-day coverage check asks
about every day of everyone on a path, so each (country, subdivision, year) is built once per
process: the holidays of a past or coming year do not change while the process runs.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import holidays
from django.core.exceptions import ValidationError
from holidays.registry import COUNTRIES

# The regions the person form suggests: where the demo's teams work, and their neighbours.
SUGGESTED_REGIONS = ("AU-VIC", "AU-NSW", "AU-QLD", "AU-ACT", "AU-SA", "AU-WA", "AU-TAS", "AU-NT",
                     "NZ", "PH", "IN-KA", "IN-MH", "IN-TN", "IN-TS", "GB", "US")


def split_region(region: str) -> tuple[str, str]:
    country, _, subdivision = region.partition("-")
    return country, subdivision


@lru_cache(maxsize=64)
def _country_names() -> dict[str, str]:
    # The registry holds class names ("UnitedKingdom"): spaced out, they are the country's name.
    return {entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0]) for entry in COUNTRIES.values()}


@lru_cache(maxsize=256)
def region_name(region: str) -> str:
    """"Victoria" for AU-VIC, "India" for IN; the code itself when the library has no name."""
    country, subdivision = split_region(region)
    if not subdivision:
        return _country_names().get(country, country)
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {}) or {}
    names = [name for name, code in aliases.items() if code == subdivision]
    return names[0] if names else region


@lru_cache(maxsize=512)
def _holidays(region: str, year: int) -> dict[date, str]:
    """Each public holiday of `region` in `year`, with the reason the lookup gives."""
    country, subdivision = split_region(region)
    where = region_name(region)
    days = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return {day: f"public holiday in {where}: {name}" for day, name in days.items()}


def public_holiday(region: str, on: date) -> str | None:
    """Why `on` is a public holiday in `region` ("public holiday in Victoria: Melbourne Cup Day"), or None."""
    if not region:
        return None
    return _holidays(region, on.year).get(on)


def upcoming_holidays(region: str, start: date, count: int = 3) -> list[tuple[date, str]]:
    """The next `count` public holidays of `region` from `start` on: (day, its name)."""
    if not region:
        return []
    country, subdivision = split_region(region)
    found: list[tuple[date, str]] = []
    for year in (start.year, start.year + 1):
        days = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        found += sorted((day, name) for day, name in days.items() if day >= start)
    return found[:count]


def normalise_region(value: str) -> str:
    """"au-vic" → "AU-VIC": the library's spelling of a code typed in any case."""
    country, subdivision = split_region(value.strip())
    country = country.upper()
    if not subdivision:
        return country
    known = holidays.list_supported_countries().get(country, [])
    subdivision = next((code for code in known if code.lower() == subdivision.lower()), subdivision.upper())
    return f"{country}-{subdivision}"


def validate_region(value: str) -> None:
    """A country the holidays library knows, and one of its subdivisions when one is given."""
    country, subdivision = split_region(value)
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValidationError(
            "%(value)s is not a known country code; use two capital letters, e.g. AU, IN or NZ, "
            "with a state after a dash where holidays differ by state (AU-VIC).",
            params={"value": value}, code="region")
    if subdivision and subdivision not in supported[country]:
        raise ValidationError(
            "%(country)s has no region %(subdivision)s; known ones are %(known)s.",
            params={"country": country, "subdivision": subdivision, "known": ", ".join(supported[country])},
            code="region")
