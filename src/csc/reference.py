"""Reference data shared by the generator, the pseudonymiser and the loader.

The dbt seeds in `seeds/` are the single source: this module reads the same CSV
files so that Python and SQL never disagree about a council or a code.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "seeds"


@dataclass(frozen=True)
class Council:
    ons_code: str
    la_number: str
    la_name: str
    region_name: str
    postcode_area: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    first_year_ending: int | None
    last_year_ending: int | None
    description: str

    def valid_in(self, year_ending: int) -> bool:
        if self.first_year_ending and year_ending < self.first_year_ending:
            return False
        return not (self.last_year_ending and year_ending > self.last_year_ending)


def _read(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def councils() -> dict[str, Council]:
    """The nineteen councils keyed by ONS code, in seed order."""
    return {row["ons_code"]: Council(**row) for row in _read("councils.csv")}


@cache
def population() -> dict[tuple[str, int], int]:
    """Population aged 0-17 keyed by (ONS code, mid-year)."""
    return {
        (row["ons_code"], int(row["mid_year"])): int(row["population_0_17"])
        for row in _read("population.csv")
    }


def _year(value: str) -> int | None:
    return int(value) if value else None


@cache
def tables() -> dict[str, TableSpec]:
    """SSDA903 tables keyed by their warehouse name (header, episodes, ...)."""
    return {
        row["table_name"]: TableSpec(
            name=row["table_name"],
            columns=tuple(row["columns"].split(",")),
            first_year_ending=_year(row["first_year_ending"]),
            last_year_ending=_year(row["last_year_ending"]),
            description=row["description"],
        )
        for row in _read("ssda903_tables.csv")
    }


@cache
def code_rows() -> tuple[dict[str, str], ...]:
    return tuple(_read("ssda903_codes.csv"))


def codes(field: str, year_ending: int | None = None) -> list[str]:
    """Codes of an SSDA903 field, optionally only those valid in a collection year.

    `year_ending` is the calendar year in which the collection year ends
    (2024 for 2023-24).
    """
    out = []
    for row in code_rows():
        if row["field"] != field:
            continue
        if year_ending is not None:
            first, last = _year(row["valid_from_year_ending"]), _year(row["valid_to_year_ending"])
            if (first and year_ending < first) or (last and year_ending > last):
                continue
        out.append(row["code"])
    return out


def year_ending(reference_date: dt.date) -> int:
    """The calendar year in which the collection year holding this date ends."""
    return reference_date.year if reference_date.month <= 3 else reference_date.year + 1


def collection_year_label(year_end: int) -> str:
    """'2023-24' for the collection year ending 31 March 2024."""
    return f"{year_end - 1}-{str(year_end)[-2:]}"
