"""How the benchmark pack writes a published cell: a number for people, or its symbol.

A cell of the regional file is a number and a symbol column: when the symbol is set the
number is NULL and the pack prints the symbol, never a number. Numbers follow the
contract's units: counts whole with thousand separators, rates per 10,000 to one decimal,
percentages with %, money in pounds without pence.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

# Government statistics symbols, as the footer of every page explains them.
SYMBOLS = {
    "c": "confidential: suppressed because it counts very few children (or would let "
    "such a count be worked out)",
    "z": "not applicable",
    "x": "not available",
    "k": "rounds to zero, but is not zero",
    "u": "low reliability",
}
LEGEND_SYMBOLS = ("c", "z", "x")
UNIT_LABELS = {
    "count": "children",
    "rate_per_10k": "per 10,000 children",
    "percent": "",
    "gbp": "",
}


def symbol(mark: str) -> Markup:
    """A statistics symbol, with its meaning on hover and for screen readers."""
    meaning = SYMBOLS.get(mark, "a statistics symbol")
    return Markup('<abbr class="symbol" title="{}">{}</abbr>').format(meaning, mark)


def plain(value: float | None, mark: str | None, unit: str) -> str:
    """A published cell as text: its symbol when it has one, else its number for people."""
    if mark:
        return mark
    if value is None:
        return "x"
    sign = "-" if value < 0 else ""
    number = abs(float(value))
    if unit == "count":
        return f"{sign}{number:,.0f}"
    if unit == "percent":
        return f"{sign}{number:,.1f}%"
    if unit == "gbp":
        return f"{sign}£{number:,.0f}"
    return f"{sign}{number:,.1f}"


def cell(value: float | None, mark: str | None, unit: str) -> Markup:
    """A published cell for a page: a symbol is always printed as itself, never a number."""
    if mark:
        return symbol(mark)
    if value is None:
        return symbol("x")
    return Markup('<span class="num">{}</span>').format(plain(value, None, unit))


def money(value: float) -> str:
    """A sum of pounds said for people: '£12.3m' from a million up, else to the nearest
    thousand ('£456,000'), or to the pound under a thousand."""
    sign = "-" if value < 0 else ""
    pounds = abs(float(value))
    if round(pounds, -3) >= 1_000_000:
        return f"{sign}£{pounds / 1_000_000:,.1f}m"
    return f"{sign}£{round(pounds, -3) if pounds >= 1_000 else pounds:,.0f}"


def spoken(value: float | None, mark: str | None, unit: str) -> str:
    """A published cell in a chart's text alternative: '67.3 per 10,000 children', 'c
    (confidential)'."""
    if mark or value is None:
        mark = mark or "x"
        return f"{mark} ({SYMBOLS.get(mark, 'no figure').split(':')[0]})"
    return f"{plain(value, None, unit)} {UNIT_LABELS.get(unit, '')}".strip()


def long_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "an unknown date"


def short_date(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    text = f"{day.day} {day:%b %Y}"
    if isinstance(day, dt.datetime):
        text += f" {day:%H:%M}"
    return text


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def previous_year(year: str) -> str:
    """The collection year before '2024-25': '2023-24'."""
    start = int(year[:4]) - 1
    return f"{start}-{str(start + 1)[-2:]}"


def period_text(year: str, period_end: dt.date | None, in_year: bool | None) -> str:
    if in_year:
        return f"{year}, in-year extract to {long_date(period_end)}"
    return f"{year}, annual return to {long_date(period_end)}"
