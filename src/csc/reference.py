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
    raw_name: str = ""  # the raw table the rows load into, in schema raw
    title: str = ""  # how messages to a council name the layout

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
            raw_name=f"ssda903_{row['table_name']}",
            title=f"DfE {row['table_name']}",
        )
        for row in _read("ssda903_tables.csv")
    }


@cache
def code_rows() -> tuple[dict[str, str], ...]:
    return tuple(_read("ssda903_codes.csv"))


@cache
def cin_code_rows() -> tuple[dict[str, str], ...]:
    return tuple(_read("cin_codes.csv"))


def codes(field: str, year_ending: int | None = None) -> list[str]:
    """Codes of an SSDA903 field, optionally only those valid in a collection year.

    `year_ending` is the calendar year in which the collection year ends
    (2024 for 2023-24).
    """
    return _valid(code_rows(), field, year_ending)


def cin_codes(field: str, year_ending: int | None = None) -> list[str]:
    """Codes of a CIN census element (Ethnicity, ReferralSource, ...), as `codes`."""
    return _valid(cin_code_rows(), field, year_ending)


@cache
def bank_holidays() -> frozenset[dt.date]:
    """Bank holidays in England, which working-day timescales skip."""
    return frozenset(
        dt.date.fromisoformat(row["holiday_date"]) for row in _read("england_bank_holidays.csv")
    )


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end is start).

    A working day is Monday to Friday and not a bank holiday in England: the DfE counts
    assessment and ICPC timescales this way.
    """
    holidays = bank_holidays()
    step = 1 if end >= start else -1
    count = 0
    day = start
    while day != end:
        day += dt.timedelta(days=step)
        if day.weekday() < 5 and day not in holidays:
            count += step
    return count


def _valid(rows: tuple[dict[str, str], ...], field: str, year_ending: int | None) -> list[str]:
    out = []
    for row in rows:
        if row["field"] != field:
            continue
        if year_ending is not None:
            first, last = _year(row["valid_from_year_ending"]), _year(row["valid_to_year_ending"])
            if (first and year_ending < first) or (last and year_ending > last):
                continue
        out.append(row["code"])
    return out


@cache
def covered_reference_dates() -> tuple[dt.date, dt.date]:
    """The first and last reference dates of the collection years the warehouse covers.

    Working days (the CIN timeliness indicators) need the bank holidays of the year, so the
    years covered are those `seeds/england_bank_holidays.csv` spans from 1 April to 31 March.
    """
    days = [
        dt.date.fromisoformat(row["holiday_date"]) for row in _read("england_bank_holidays.csv")
    ]
    first, last = min(days).year, max(days).year
    return dt.date(first, 4, 1), dt.date(last, 3, 31)


def year_ending(reference_date: dt.date) -> int:
    """The calendar year in which the collection year holding this date ends."""
    return reference_date.year if reference_date.month <= 3 else reference_date.year + 1


def collection_year_label(year_end: int) -> str:
    """'2023-24' for the collection year ending 31 March 2024."""
    return f"{year_end - 1}-{str(year_end)[-2:]}"
