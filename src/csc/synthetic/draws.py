"""The draws and dates every synthetic return is made of.

Every stream of synthetic data is a `random.Random` seeded from text or a number, so the
same seed gives the same region. Dates are `datetime.date` and are written as the SSDA903
writes them, `dd/mm/YYYY`.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")

DAY = timedelta(days=1)


def seeded(seed: int | str) -> random.Random:
    """The draws of one stream of synthetic data: the same seed gives the same data."""
    return random.Random(seed)  # nosec B311 # repeatable synthetic data, never a secret or token


class Weighted:
    """A fixed discrete distribution sampled with one uniform draw."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, weights: dict[str, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def weights(spec: str) -> Weighted:
    """A distribution written as "CODE weight, CODE weight, ..."."""
    pairs = (item.split() for item in spec.split(","))
    return Weighted({code: float(weight) for code, weight in pairs})


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (a faster `randint`)."""
    return low + int(rng.random() * (high - low + 1))


def choice(rng: random.Random, items: Sequence[T]) -> T:
    """One of `items` (a faster `rng.choice`)."""
    return items[int(rng.random() * len(items))]


def unit(text: str) -> float:
    """A number in [0, 1) fixed by the text alone (stable across runs and seeds)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def days(count: int) -> timedelta:
    return timedelta(days=count)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_at(dob: date, day: date) -> int:
    """Age in whole years on `day`."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


_FORMATTED: dict[date, str] = {}


def fmt(day: date | None) -> str:
    """A date as dd/mm/YYYY, or blank."""
    if day is None:
        return ""
    text = _FORMATTED.get(day)
    if text is None:
        text = _FORMATTED[day] = f"{day.day:02d}/{day.month:02d}/{day.year}"
    return text


def parse(text: str) -> date:
    """A dd/mm/YYYY date."""
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


def lognormal_days(rng: random.Random, median: float, sigma: float) -> int:
    """A duration in days, at most six times the median."""
    return min(int(rng.lognormvariate(math.log(median), sigma)), int(6 * median))
