"""Synthetic placement costs extracts, from the placements the SSDA903 history simulates.

A council's finance system holds, for each placement of a child looked after, what it costs
a week and who pays: one cost line for each period a weekly cost applied (a new line each
April uplift, and when a price is renegotiated). Here the lines come from the same in-memory
history `csc.synthetic.ssda903` renders the SSDA903 from, so they agree with it: the child's
case ID, PLACE_START the DECOM of the episode that began the placement, and that episode's
PLACE, PLACE_PROVIDER and URN (recoded as the 903 recodes them in later years).

A placement is a run of episodes with the same carer within a period of care, as the
simulation draws it (and as the warehouse counts placements): a legal status change, a move
to long-term fostering with the same carer or a temporary absence (T0-T4, which is no
placement) does not end it. A foster placement that becomes a placement for adoption with the
same carer stops being paid for on the day it does. Short breaks are left out.

Each return (`placement_costs.csv` beside the 903 tables) holds every cost line open at any
time in its collection year up to the reference date, COST_END blank while the cost still
applied at the reference date. Every draw comes from a generator of the placement's own,
seeded from the child and the day the placement began, so nothing here touches the 903's
random streams, and a line is the same in every return that holds it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csc import layout, reference
from csc.synthetic.draws import (
    DAY,
    Weighted,
    between,
    choice,
    days,
    fmt,
    parse,
    seeded,
    unit,
    weights,
)
from csc.synthetic.ssda903.records import FOSTER, TEMPORARY, Child, Episode
from csc.synthetic.ssda903.tables import place_for_year
from csc.synthetic.views import InjectedError, View, write_csv

COSTS_FILE = "placement_costs.csv"
COLUMNS = layout.PLACEMENT_COSTS.columns
ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
PRICE_YEAR_ENDING = 2025  # the bands below are at 2024-25 prices
ANNUAL_UPLIFT = (0.02, 0.04)  # each April, about 3%
CHANGE_FACTOR = (0.9, 1.35)  # a price renegotiated part-way through a placement
HOME_TAIL = (0.08, 1.4, 2.2, 15_000.0)  # share, factor range and cap of exceptional homes

SOLE = ("100", "0", "0")
JOINT_HEALTH = weights("60/25/15 3, 50/50/0 3, 70/30/0 2, 75/0/25 1, 50/25/25 1")
JOINT_EDUCATION = weights("50/0/50 4, 60/0/40 2, 33.33/33.33/33.34 2, 34/0/66 1")
HEALTH_LED = weights("0/100/0 3, 30/70/0 3, 50/50/0 2")


@dataclass(frozen=True, slots=True)
class Band:
    """What one kind of placement costs a week at 2024-25 prices, and who pays.

    The cost is drawn from a triangular distribution over `low`..`high` peaking two-fifths
    of the way up. `charged` is the share of such placements that have cost lines at all,
    `joint` the share funded jointly (split drawn from `splits`), `change` the chance of a
    price renegotiated part-way through.
    """

    low: float
    high: float
    charged: float = 1.0
    joint: float = 0.0
    splits: Weighted | None = None
    change: float = 0.05


# Approximate UK weekly costs in 2024-25, the ballparks published by councils and the
# national reviews of children's social care; good enough to be realistic, not accounts.
IN_HOUSE_FOSTERING = Band(450, 650, change=0.06)  # the council's own carers (PR1)
OTHER_LA_FOSTERING = Band(500, 750, change=0.06)  # another council's carers (PR2, PR3)
AGENCY_FOSTERING = Band(900, 1_300, change=0.08)  # independent fostering agencies (PR4, PR5)
BANDS: dict[str, Band] = {
    # Children's homes: about £5,000 to £8,000, a tail to about £15,000 (see HOME_TAIL).
    "K2": Band(5_000, 8_000, joint=0.2, splits=JOINT_HEALTH, change=0.15),
    "K1": Band(7_500, 12_000, joint=0.1, splits=JOINT_HEALTH, change=0.1),  # secure homes
    "H5": Band(1_000, 2_500, change=0.1),  # semi-independent living
    "K3": Band(1_000, 2_500, change=0.1),  # registered supported accommodation
    "P2": Band(300, 700),  # independent living: rent and a little support
    "S1": Band(4_000, 7_000, joint=0.6, splits=JOINT_EDUCATION, change=0.1),
    "R1": Band(3_000, 5_500, joint=0.4, splits=JOINT_HEALTH, change=0.1),
    "R2": Band(3_500, 8_000, joint=0.85, splits=HEALTH_LED),
    "R3": Band(2_500, 4_500),  # family centre or mother and baby unit
    "R5": Band(1_500, 3_500),  # remand to youth detention, charged to the council
    "P3": Band(150, 400),
    "Z1": Band(2_000, 8_000, change=0.1),
    "Z11": Band(7_000, 14_000, change=0.15),  # unregistered settings
    "Z12": Band(3_000, 6_000),
    "Z13": Band(200, 450),
    "Z14": Band(2_000, 8_000, change=0.1),
    # With parents, or placed for adoption: usually no cost line, now and then an allowance.
    "P1": Band(40, 150, charged=0.15, change=0.0),
    **{code: Band(80, 250, charged=0.1, change=0.0) for code in ADOPTION},
}


def band_for(place: str, provider: str) -> Band | None:
    """The cost band of a placement by its type and provider; None if it is never costed."""
    if place in FOSTER:
        if provider == "PR1":
            return IN_HOUSE_FOSTERING
        return AGENCY_FOSTERING if provider in ("PR4", "PR5") else OTHER_LA_FOSTERING
    return BANDS.get(place)


@dataclass(frozen=True, slots=True)
class CostLine:
    """One weekly cost of one placement, from `start` to `end` (the last day it applied)."""

    child: str
    began: Episode  # the episode that began the placement
    weekly_cost: str
    start: date
    end: date
    shares: tuple[str, str, str]


def placements(episodes: Sequence[Episode]) -> list[tuple[Episode, date]]:
    """The placements of a period of care: the episode that began each, and the day its
    costs stopped (the day the child left, or was placed for adoption with the same carer).
    """
    out: list[tuple[Episode, date]] = []
    began: Episode | None = None
    stop = date.min
    adopted = False
    for ep in episodes:
        if ep.place in TEMPORARY:
            continue
        if began is None or ep.carer != began.carer:
            if began is not None:
                out.append((began, stop))
            began, stop, adopted = ep, ep.dec, False
        elif not adopted and ep.place in ADOPTION and began.place not in ADOPTION:
            adopted = True
        elif not adopted:
            stop = ep.dec
    if began is not None:
        out.append((began, stop))
    return out


def _shares(rng: random.Random, band: Band) -> tuple[str, str, str]:
    if band.splits is None or rng.random() >= band.joint:
        return SOLE
    la, health, education = band.splits.pick(rng).split("/")
    return la, health, education


def _weekly_cost(rng: random.Random, band: Band, place: str, provider: str, day: date) -> float:
    cost = rng.triangular(band.low, band.high, band.low + 0.4 * (band.high - band.low))
    if place == "K2":
        share, low, high, cap = HOME_TAIL
        if rng.random() < share:
            cost = min(cost * rng.uniform(low, high), cap)
        if provider == "PR1":
            cost *= 0.9  # the council's own homes cost it a little less
    years = reference.year_ending(day) - PRICE_YEAR_ENDING
    return cost * (1 + sum(ANNUAL_UPLIFT) / 2) ** years


def placement_lines(child: Child, began: Episode, stop: date) -> list[CostLine]:
    """The cost lines of one placement, drawn from its own seed."""
    band = band_for(began.place, began.provider)
    if band is None:
        return []
    rng = seeded((child.seed << 24) + began.decom.toordinal())
    if band.charged < 1 and rng.random() >= band.charged:
        return []
    cost = _weekly_cost(rng, band, began.place, began.provider, began.decom)
    shares = _shares(rng, band)
    start, last = began.decom, max(began.decom, stop - DAY)
    change: tuple[date, float] | None = None
    if rng.random() < band.change and (last - start).days > 120:
        when = start + days(between(rng, 60, (last - start).days - 30))
        change = (when, rng.uniform(*CHANGE_FACTOR))
    starts = [start]
    april = date(reference.year_ending(start), 4, 1)
    while april <= last:
        starts.append(april)
        april = april.replace(year=april.year + 1)
    if change and change[0] not in starts:
        starts.append(change[0])
        starts.sort()
    lines = []
    for i, day in enumerate(starts):
        if i:
            if change and day == change[0]:
                cost *= change[1]
            if day.month == 4 and day.day == 1:
                cost *= 1 + rng.uniform(*ANNUAL_UPLIFT)
        end = starts[i + 1] - DAY if i + 1 < len(starts) else last
        lines.append(CostLine(child.child_id, began, f"{cost:.2f}", day, end, shares))
    return lines


class CostHistory:
    """Every cost line of a council's children, by the collection years of `views`."""

    def __init__(self, children: Iterable[Child], views: Sequence[View], ons_code: str) -> None:
        years = {v.year_ending for v in views}
        first, last = min(years), max(years)
        self.by_year: dict[int, list[CostLine]] = {year: [] for year in years}
        # Some councils leave a zero health or education share blank, as the contract allows.
        self.blank_zero = unit(f"costs-blank-shares:{ons_code}") < 0.5
        window = min(v.start for v in views)
        for child in children:
            for period in child.periods:
                if period.short_break or not period.episodes or period.end < window:
                    continue
                for began, stop in placements(period.episodes):
                    if stop <= window:
                        continue
                    for line in placement_lines(child, began, stop):
                        low = max(reference.year_ending(line.start), first)
                        high = min(reference.year_ending(line.end), last)
                        for year in range(low, high + 1):
                            if year in years:
                                self.by_year[year].append(line)

    def rows(self, view: View) -> list[list[str]]:
        """The lines of one return, as the council's finance system writes them."""
        ref, year = view.reference_date, view.year_ending
        out = []
        for line in self.by_year.get(year, ()):
            if line.start > ref:
                continue
            place, urn = place_for_year(line.began, year)
            shares = line.shares
            if self.blank_zero:
                shares = (shares[0], *("" if s == "0" else s for s in shares[1:]))
            out.append(
                [
                    line.child,
                    fmt(line.began.decom),
                    place,
                    line.began.provider,
                    urn,
                    line.weekly_cost,
                    fmt(line.start),
                    fmt(line.end) if line.end <= ref else "",
                    *shares,
                ]
            )
        return out


def write(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / COSTS_FILE
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(path, COLUMNS, rows)
    return path


# --------------------------------------------------------------------------- injected defects

CHILD, PLACE_START, PLACE, WEEKLY_COST, COST_START, COST_END = (
    COLUMNS.index(c)
    for c in ("CHILD", "PLACE_START", "PLACE", "WEEKLY_COST", "COST_START", "COST_END")
)
LA_SHARE, HEALTH_SHARE = COLUMNS.index("LA_SHARE"), COLUMNS.index("HEALTH_SHARE")


class Injector:
    """Breaks one costs rule at a time in one return's rows, each in a child of its own."""

    def __init__(self, rng: random.Random, rows: list[list[str]], view: View) -> None:
        self.rng, self.rows, self.view = rng, rows, view
        self.used: set[str] = set()

    def _take(self, candidates: list[list[str]]) -> list[str] | None:
        free = [r for r in candidates if r[CHILD] not in self.used]
        if not free:
            return None
        row = choice(self.rng, free)
        self.used.add(row[CHILD])
        return row

    def lines_overlap(self) -> list[str] | None:
        pairs = {
            id(later): (earlier, later)
            for earlier, later in zip(self.rows, self.rows[1:], strict=False)
            if earlier[CHILD] == later[CHILD]
            and earlier[PLACE_START] == later[PLACE_START]
            and (parse(later[COST_START]) - parse(earlier[COST_START])).days >= 2
        }
        later = self._take([later for _, later in pairs.values()])
        if later is None:
            return None
        earlier = pairs[id(later)][0]
        room = (parse(later[COST_START]) - parse(earlier[COST_START])).days
        later[COST_START] = fmt(parse(later[COST_START]) - days(between(self.rng, 1, room - 1)))
        return later

    def cost_end_before_start(self) -> list[str] | None:
        start = self.view.start
        row = self._take(
            [r for r in self.rows if r[COST_END] and (parse(r[COST_START]) - start).days >= 2]
        )
        if row is None:
            return None
        room = min(30, (parse(row[COST_START]) - start).days)
        row[COST_END] = fmt(parse(row[COST_START]) - days(between(self.rng, 1, room)))
        return row

    def weekly_cost_not_positive(self) -> list[str] | None:
        row = self._take(self.rows)
        if row is not None:
            row[WEEKLY_COST] = "0.00"
        return row

    def weekly_cost_above_ceiling(self) -> list[str] | None:
        # Pence typed where pounds belong.
        row = self._take([r for r in self.rows if float(r[WEEKLY_COST]) >= 400])
        if row is not None:
            row[WEEKLY_COST] = f"{float(row[WEEKLY_COST]) * 100:.2f}"
        return row

    def shares_not_100(self) -> list[str] | None:
        row = self._take([r for r in self.rows if r[LA_SHARE] == "100"])
        if row is not None:
            row[HEALTH_SHARE] = choice(self.rng, ("10", "20", "25"))
        return row

    def cost_before_placement_start(self) -> list[str] | None:
        row = self._take([r for r in self.rows if r[COST_START] == r[PLACE_START]])
        if row is not None:
            earlier = parse(row[PLACE_START]) - days(between(self.rng, 1, 14))
            row[COST_START] = fmt(earlier)
        return row

    def place_invalid_code(self) -> list[str] | None:
        row = self._take(self.rows)
        if row is not None:
            row[PLACE] = "H5" if self.view.year_ending >= 2025 else "K3"
        return row


# The warehouse rule each defect breaks, and the Injector method that breaks it.
DEFECTS: tuple[tuple[str, str], ...] = tuple(
    (f"costs.{name}", name)
    for name in (
        "lines_overlap",
        "cost_end_before_start",
        "weekly_cost_not_positive",
        "weekly_cost_above_ceiling",
        "shares_not_100",
        "cost_before_placement_start",
        "place_invalid_code",
    )
)
RULE_CHILD_NOT_IN_HEADER = "costs.child_not_in_header"


def defect_plan(seed: int, ons_code: str, views: Sequence[View]) -> dict[date, list[str]]:
    """Which defects go into which return: each once, in a return of its own drawing."""
    rng = seeded(f"{seed}:{ons_code}:costs-errors")
    plan: dict[date, list[str]] = {v.reference_date: [] for v in views}
    for _, method in DEFECTS:
        plan[choice(rng, views).reference_date].append(method)
    return plan


def inject_defects(
    seed: int,
    ons_code: str,
    rows: list[list[str]],
    view: View,
    methods: Sequence[str],
    missing_from_header: Iterable[str],
) -> list[InjectedError]:
    """Break the planned rules in one return's rows and list each breach.

    `missing_from_header` are the children the SSDA903 defects took out of the Header of the
    same return: their cost lines break `costs.child_not_in_header`, and are listed too.
    """
    rule_of = {method: rule for rule, method in DEFECTS}
    out = []
    gone = set(missing_from_header)
    for child in sorted(gone & {r[CHILD] for r in rows}):
        out.append(
            InjectedError(
                ons_code, view.reference_date, COSTS_FILE, RULE_CHILD_NOT_IN_HEADER, child
            )
        )
    if not methods:
        return out
    rng = seeded(f"{seed}:{ons_code}:costs-errors:{view.reference_date.isoformat()}")
    injector = Injector(rng, rows, view)
    injector.used |= gone
    for method in methods:
        row = getattr(injector, method)()
        if row is not None:
            out.append(
                InjectedError(
                    ons_code, view.reference_date, COSTS_FILE, rule_of[method], row[CHILD]
                )
            )
    return out
