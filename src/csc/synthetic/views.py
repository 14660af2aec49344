"""What every return shares: the view of a council's history one extract shows (its
reference date and collection year), the defects injected into it, and the CSV writer.

A council's history is simulated once; each return is a view of it at a reference date, so
the same episode, referral or cost line appears, consistently, in consecutive returns.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csc import reference
from csc.synthetic.draws import add_years

INJECTED_ERRORS_FILE = "injected_errors.csv"
INJECTED_ERRORS_COLUMNS = ("ons_code", "reference_date", "file", "rule", "child")


@dataclass(frozen=True, slots=True)
class View:
    """One extract: what the system held at `reference_date` for one collection year."""

    reference_date: date
    year_ending: int
    start: date
    year_before: date

    @classmethod
    def at(cls, reference_date: date) -> View:
        year_end = reference.year_ending(reference_date)
        start = date(year_end - 1, 4, 1)
        return cls(reference_date, year_end, start, add_years(reference_date, -1))

    @property
    def full_year(self) -> bool:
        return self.reference_date == date(self.year_ending, 3, 31)


def views_for(
    first_year_ending: int, last_year_ending: int, in_year_reference: date | None
) -> list[View]:
    """A full-year return at 31 March of each year, then the in-year extract if any."""
    views = [View.at(date(y, 3, 31)) for y in range(first_year_ending, last_year_ending + 1)]
    if in_year_reference is not None and all(v.reference_date != in_year_reference for v in views):
        views.append(View.at(in_year_reference))
    return views


@dataclass(frozen=True, slots=True)
class InjectedError:
    """A defect put into a return on purpose, and the rule it breaks."""

    ons_code: str
    reference_date: date
    file: str
    rule: str
    child: str

    def row(self) -> list[str]:
        return [self.ons_code, self.reference_date.isoformat(), self.file, self.rule, self.child]


def write_csv(path: Path, columns: Sequence[str], rows: list[list[str]]) -> None:
    """A CSV file as the councils' systems write them: UTF-8, LF line ends."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
