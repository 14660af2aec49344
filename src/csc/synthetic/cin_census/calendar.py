"""Days as the CIN simulation counts them: proleptic ordinals (`date.toordinal()`), with
lookups for their ISO text and collection year, and England's working days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

from csc import reference
from csc.synthetic.draws import add_years

CAL_FIRST = date(1970, 1, 1).toordinal()
CAL_LAST = date(2045, 12, 31).toordinal()
EXCEL_EPOCH = date(1899, 12, 30).toordinal()
ISO = [date.fromordinal(o).isoformat() for o in range(CAL_FIRST, CAL_LAST + 1)]
YEAR_ENDING = [
    d.year + (d.month > 3) for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))
]
YEARS = [d.year for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))]
MONTH_DAYS = [d.month * 100 + d.day for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))]


def weekday(day: int) -> int:
    """Monday 0 .. Sunday 6 of an ordinal."""
    return (day - 1) % 7


class Calendar:
    """Working days (Monday to Friday, not an England bank holiday) as ordinals."""

    def __init__(self, holidays: Iterable[date]) -> None:
        off = {d.toordinal() for d in holidays}
        self.counts: list[int] = []
        self.days: list[int] = []
        for day in range(CAL_FIRST, CAL_LAST + 1):
            if weekday(day) < 5 and day not in off:
                self.days.append(day)
            self.counts.append(len(self.days))

    def between(self, start: int, end: int) -> int:
        """Working days after `start` up to and including `end`."""
        return self.counts[end - CAL_FIRST] - self.counts[start - CAL_FIRST]

    def add(self, start: int, working_days: int) -> int:
        """The day `working_days` working days after `start` (itself when 0)."""
        if working_days <= 0:
            return start
        return self.days[self.counts[start - CAL_FIRST] + working_days - 1]

    def on_or_after(self, day: int) -> int:
        """The first working day on or after `day`."""
        if self.counts[day - CAL_FIRST] != self.counts[day - 1 - CAL_FIRST]:
            return day
        return self.days[self.counts[day - CAL_FIRST]]

    def on_or_before(self, day: int) -> int:
        """The last working day on or before `day`."""
        return self.days[self.counts[day - CAL_FIRST] - 1]


@cache
def calendar() -> Calendar:
    return Calendar(reference.bank_holidays())


def one_year_before(day: int) -> int:
    return add_years(date.fromordinal(day), -1).toordinal()


def collection_year_start(day: int) -> int:
    """1 April of the collection year holding the day."""
    year_end = YEAR_ENDING[day - CAL_FIRST]
    return date(year_end - 1, 4, 1).toordinal()


def age_on(dob: int, day: int) -> int:
    """Age in whole years on `day` (as `generate.age_at`, on ordinals)."""
    born, now = dob - CAL_FIRST, day - CAL_FIRST
    return YEARS[now] - YEARS[born] - (MONTH_DAYS[now] < MONTH_DAYS[born])
