"""Synthetic CIN census and Ofsted Annex A extracts for the councils of the region.

Children's social care work is simulated per council alongside the SSDA903 history of
`csc.generate`: contacts, early help, referrals, assessments, child in need plans,
section 47 enquiries, initial child protection conferences and child protection plans.
Every period of care in the 903 is preceded by a referral for the same child (same case
ID, date of birth, sex and ethnicity); other children get new IDs from the council's own
ID scheme. Each extract is then a view of that single history at its reference date:

- `cin_census.xml`: the DfE children in need census as the council's system exports it;
- `annex_a.xlsx`: the Ofsted Annex A lists of contacts, early help and referrals.

Dates are held as proleptic ordinals (`date.toordinal()`) while simulating, for speed.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import datetime
import gc
import math
import multiprocessing
import operator
import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

import xlsxwriter

from csc import generate, reference
from csc.generate import (
    ETHNIC_MIX,
    InjectedError,
    View,
    Weighted,
    _between,
    _choice,
    _unit,
    _w,
    add_years,
    seeded,
)

CIN_FILE = "cin_census.xml"
ANNEX_A_FILE = "annex_a.xlsx"

RULE_ASSESSMENT_BEFORE_REFERRAL = "cin.assessment_before_referral"
RULE_CIN_PLAN_BEFORE_REFERRAL = "cin.cin_plan_before_referral"
RULE_S47_BEFORE_REFERRAL = "cin.s47_before_referral"
RULE_CP_PLAN_BEFORE_REFERRAL = "cin.cp_plan_before_referral"
RULE_CLOSURE_BEFORE_REFERRAL = "cin.closure_before_referral"
RULE_MORE_THAN_ONE_OPEN = "cin.more_than_one_open_referral"
RULE_CP_PLANS_OVERLAP = "cin.cp_plans_overlap"
RULE_CP_PLAN_ENDS_ON_START = "cin.cp_plan_ends_on_start"
RULE_ACTIVITY_AFTER_CLOSURE = "cin.activity_after_closure"
RULE_ICPC_ON_WEEKEND = "cin.icpc_on_weekend"

# Rates per 10,000 children aged 0-17 a year (DfE, England, approx).
NEW_CHILD_REFERRALS_PER_10K = 293.0
CONTACT_ONLY_PER_10K = 70.0
BURN_IN_YEARS = 3
EARLY_HELP_BEFORE_REFERRAL = 0.25
LATE_ASSESSMENT_SHARE = 0.14
LATE_ICPC_SHARE = 0.22
RE_REFERRAL = 0.44
RE_REFERRAL_AFTER_CP = 0.55
CARE_PRIOR_REFERRAL = 0.3
CP_MEDIAN_DAYS = 220.0
CP_SIGMA = 0.76

REFERRAL_KINDS = _w("nfa 8, assessed 40, s47 17.5, cin 19, cp 9.5, icpc 1.5, long 5.5")
REPEAT_AFTER_CP_KINDS = _w("nfa 6, assessed 22, s47 16, cin 13, cp 40, icpc 2, long 1")
PRIOR_KINDS = _w("nfa 10, assessed 40, s47 18, cin 18, cp 14")
SOURCES = _w(
    "1A 3, 1B 0.7, 1C 0.8, 1D 1, 2A 20, 2B 1.5, 3A 3, 3B 2.5, 3C 0.5, 3D 1.5, 3E 3, 3F 5, "
    "4 1.8, 5A 4.5, 5B 3, 5C 5, 5D 3, 6 29, 7 2.5, 8 5, 9 1.2, 10 1.5"
)
EMERGENCY_SOURCES = _w("6 55, 3E 12, 5A 10, 2A 8, 1A 5, 8 10")
UASC_SOURCES = _w("6 45, 5C 30, 8 20, 7 5")
SHORT_BREAK_SOURCES = _w("3F 35, 2A 20, 1A 30, 5B 15")
NEEDS = _w("N1 52, N2 7, N3 4, N4 8, N5 19, N6 4, N7 1, N8 3, N0 2")
NFA_NEEDS = _w("N9 70, N0 18, N5 6, N1 6")
CATEGORIES = _w("NEG 48, EMO 37, PHY 7, SAB 4, MUL 4")
FACTORS = _w(
    "3B 28, 4B 25, 16A 14, 17A 16, 1B 9, 2B 10, 3A 9, 4A 12, 3C 5, 14A 5, 10A 4, 11A 3, "
    "CCE 4, 15A 4, 18B 5, 19B 3, 5A 3, 6B 3, 7A 1, 8F 0.2, 12A 0.3, 13A 1, 22A 0.5, "
    "20 0.1, 2A 3, 1A 2, 5B 2, 6A 2, 1C 1, 2C 1, 4C 1, 5C 0.5, 6C 0.5"
)
FACTOR_COUNTS = _w("1 35, 2 30, 3 20, 4 10, 5 5")
DISABILITIES = _w(
    "LD 25, AUT 25, COMM 15, BEH 10, MOB 6, HAND 2, PC 4, INC 2, HEAR 3, VIS 2, CON 1, DDA 5"
)
FIRST_REFERRAL_AGE = _w("0 11, 1 19, 5 25, 10 33, 16 12")
EARLY_HELP_ORGANISATIONS = Weighted(
    {
        "Early Help Service": 35,
        "School": 25,
        "Health Visiting": 10,
        "Family Hub": 15,
        "Children's Centre": 5,
        "Youth Service": 5,
        "Voluntary Sector": 5,
    }
)
FRONT_TEAMS = ("MASH", "Front Door")
ASSESSMENT_TEAMS = ("Assessment Team 1", "Assessment Team 2", "Assessment Team 3")
DISABILITY_TEAM = "Disabled Children's Team"
SOFTWARE = ("LCS", "Mosaic", "Eclipse", "CareFirst", "Azeus")
ADOPTED = frozenset({"E11", "E12"})
SGO = frozenset({"E45", "E46", "E47", "E48"})
RETURNED_HOME = frozenset({"E4A", "E4B", "E13"})

GENDER_LABELS = {
    "1": "a) Male",
    "2": "b) Female",
    "0": "c) Not stated/recorded",
    "9": "d) Neither",
}
SEX_FROM_2025 = {"1": "M", "2": "F", "0": "U", "9": "U"}

# --------------------------------------------------------------------------- calendar

CAL_FIRST = date(1970, 1, 1).toordinal()
CAL_LAST = date(2045, 12, 31).toordinal()
EXCEL_EPOCH = date(1899, 12, 30).toordinal()
ISO = [date.fromordinal(o).isoformat() for o in range(CAL_FIRST, CAL_LAST + 1)]
YEAR_ENDING = [
    d.year + (d.month > 3) for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))
]
_YEARS = [d.year for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))]
_MONTH_DAYS = [d.month * 100 + d.day for d in map(date.fromordinal, range(CAL_FIRST, CAL_LAST + 1))]


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


# --------------------------------------------------------------------------- records


class CarePeriod(NamedTuple):
    start: int
    end: int
    rec: str
    cin: str
    short_break: bool
    worker: str


class CareChild(NamedTuple):
    """What the CIN simulation needs to know about a child in the SSDA903 history."""

    child_id: str
    sex: str
    dob: int
    ethnic: str
    upn: str
    uasc: bool
    seed: int
    periods: tuple[CarePeriod, ...]


def care_summary(children: Iterable[generate.Child]) -> list[CareChild]:
    """The SSDA903 children as plain tuples (cheap to send to another process)."""
    out = []
    for child in children:
        periods = tuple(
            CarePeriod(
                p.start.toordinal(),
                p.end.toordinal(),
                p.rec,
                p.cin,
                p.short_break,
                p.workers[0][0] if p.workers else "",
            )
            for p in child.periods
        )
        out.append(
            CareChild(
                child.child_id,
                child.sex,
                child.dob.toordinal(),
                child.ethnic,
                child.upn,
                child.uasc,
                child.seed,
                periods,
            )
        )
    return out


@dataclass(slots=True)
class Assessment:
    start: int
    review: int | None
    authorised: int | None
    factors: tuple[str, ...]


@dataclass(slots=True)
class CinPlan:
    start: int
    end: int | None


@dataclass(slots=True)
class Section47:
    start: int
    target: int
    icpc: int | None = None
    not_required: int | None = None


@dataclass(slots=True)
class ProtectionPlan:
    start: int
    end: int | None
    initial: str
    latest: str
    changed: int | None
    reviews: list[int]
    previous: int = 0


@dataclass(slots=True)
class Referral:
    date: int
    source: str
    need: str
    nfa: bool = False
    closure: int | None = None
    reason: str = ""
    team: str = ""
    worker: str = ""
    recent: int = 1
    assessments: list[Assessment] = field(default_factory=list)
    plans: list[CinPlan] = field(default_factory=list)
    s47s: list[Section47] = field(default_factory=list)
    cp_plans: list[ProtectionPlan] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    number: int
    child_id: str
    sex: str
    dob: int
    ethnic: str
    upn: str
    looked_after: bool = False
    former_upn: str = ""
    disabilities: tuple[str, ...] = ()
    death: int | None = None
    referrals: list[Referral] = field(default_factory=list)
    contacts: list[tuple[int, str]] = field(default_factory=list)
    early_help: list[tuple[int, int | None, str]] = field(default_factory=list)

    @property
    def first(self) -> int:
        """The day children's services first heard of the child."""
        days = [items[0][0] for items in (self.contacts, self.early_help) if items]
        return min(days) if days else self.referrals[0].date

    @property
    def sort_key(self) -> tuple[int, str]:
        return len(self.child_id), self.child_id


def last_activity(ref: Referral) -> int:
    """The latest dated activity of a referral (its own date when there is none)."""
    last = ref.date
    for a in ref.assessments:
        last = max(last, a.start, a.review or 0, a.authorised or 0)
    for p in ref.plans:
        last = max(last, p.start, p.end or 0)
    for s in ref.s47s:
        last = max(last, s.start, s.icpc or 0, s.not_required or 0)
    for c in ref.cp_plans:
        last = max(last, c.start, c.end or 0, *c.reviews)
    return last


def _one_assessment_at_a_time(ref: Referral) -> None:
    """An assessment still open when the referral's next one starts is signed off the day
    before (8863Q)."""
    ordered = sorted(ref.assessments, key=lambda a: a.start)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.authorised is None or earlier.authorised >= later.start:
            earlier.authorised = max(earlier.start, later.start - 1)
            if earlier.review is not None and earlier.review > earlier.authorised:
                earlier.review = earlier.authorised


def truncate(ref: Referral, limit: int) -> None:
    """Cut a referral's activity at `limit`, the day it closes."""
    ref.assessments = [a for a in ref.assessments if a.start <= limit]
    for a in ref.assessments:
        if a.authorised is not None and a.authorised > limit:
            a.authorised = limit
        if a.review is not None and a.review > limit:
            a.review = limit
    ref.plans = [p for p in ref.plans if p.start < limit]
    for p in ref.plans:
        if p.end is None or p.end > limit:
            p.end = limit
    ref.s47s = [s for s in ref.s47s if s.start <= limit]
    for s in ref.s47s:
        if s.icpc is not None and s.icpc > limit:
            s.icpc = None
            s.not_required = limit
        if s.not_required is not None and s.not_required > limit:
            s.not_required = limit
    ref.cp_plans = [c for c in ref.cp_plans if c.start < limit]
    for c in ref.cp_plans:
        if c.end is None or c.end > limit:
            c.end = limit
        c.reviews = [d for d in c.reviews if d <= limit]
        if c.changed is not None and c.changed > limit:
            c.latest, c.changed = c.initial, None
    ref.closure = limit


def _lognormal_days(rng: random.Random, median: float, sigma: float) -> int:
    """A duration in days, at most six times the median."""
    return min(int(rng.lognormvariate(math.log(median), sigma)), int(6 * median))


# --------------------------------------------------------------------------- simulation


class CouncilSim:
    """The children's social care history of one council, from its own random streams."""

    def __init__(
        self,
        ons_code: str,
        *,
        seed: int,
        scale: float,
        start: date,
        horizon: date,
        window: date,
    ) -> None:
        self.ons_code = ons_code
        self.stream = f"{seed}:{ons_code}:cin"
        self.cal = calendar()
        self.ctx = generate.council_context(ons_code, seeded(f"{seed}:{ons_code}"), scale)
        self.start, self.horizon, self.window = start, horizon, window
        self.horizon_day = horizon.toordinal()
        # The days a census year ends as the DfE's tool reads a census: every 31 March, the
        # last extract, and the day before the twelve months that extract covers.
        self.census_days = sorted(
            {date(y, 3, 31).toordinal() for y in range(start.year, horizon.year + 1)}
            | {self.horizon_day, add_years(horizon, -1).toordinal()}
        )
        relative = generate.council_factor(ons_code) / generate._regional_mean_factor()
        self.vary = relative**0.3
        self.late_assessment = LATE_ASSESSMENT_SHARE * (0.6 + 0.8 * _unit(f"cin-late:{ons_code}"))
        self.late_icpc = LATE_ICPC_SHARE * (0.7 + 0.6 * _unit(f"icpc-late:{ons_code}"))
        self.people: list[Person] = []
        rng = seeded(f"{self.stream}:workers")
        yearly = 520 * generate.population_at(ons_code, 2021) / 10_000 * scale
        taken = set(self.ctx.workers)
        extra = [f"SW{n}" for n in rng.sample(range(10000, 999999), max(8, int(yearly / 35)))]
        self.workers = list(self.ctx.workers) + [w for w in extra if w not in taken]

    # ----------------------------------------------------------------- building blocks

    def _person(self, dob: int, sex: str, ethnic: str, upn: str) -> Person:
        person = Person(len(self.people), "", sex, dob, ethnic, upn)
        self.people.append(person)
        return person

    def _assessment(
        self, rng: random.Random, start: int, uasc: bool = False, may_find_nothing: bool = False
    ) -> Assessment:
        """An assessment from `start`. Only one that closes the case may find no factors
        ("21"): a case that goes on had something identified (8873Q)."""
        if rng.random() < self.late_assessment:
            days = _between(rng, 46, 95) if rng.random() < 0.8 else _between(rng, 96, 170)
        else:
            days = 3 + int((rng.random() + rng.random()) * 21.5)
        authorised = self.cal.add(start, days)
        # An assessment still open at a census more than 45 working days after it began is
        # queried by the DfE (8670Q): councils sign such assessments off by the census.
        for census in self.census_days:
            if start <= census < authorised and self.cal.between(start, census) > 40:
                # On the last working day before it: a census can fall on a weekend.
                authorised = self.cal.on_or_before(census)
                days = self.cal.between(start, authorised)
                break
        review = self.cal.add(start, max(1, days - _between(rng, 0, 4)))
        if uasc:
            factors: tuple[str, ...] = ("9A", "4A") if rng.random() < 0.3 else ("9A",)
        elif rng.random() < 0.12 and may_find_nothing:
            factors = ("21",)
        else:
            count = int(FACTOR_COUNTS.pick(rng))
            if count == 1:
                factors = (FACTORS.pick(rng),)
            else:
                factors = tuple(dict.fromkeys([FACTORS.pick(rng) for _ in range(count)]))
        return Assessment(start, review, authorised, factors)

    def _conclude_by_sign_off(self, assessment: Assessment, s47: Section47) -> None:
        """An enquiry concluded in a later census year than its assessment would stand in
        that year's census without the assessment (2991Q): it concludes, with its
        conference or the decision that none is needed, on the day the assessment is
        signed off."""
        signed = assessment.authorised
        concluded = s47.icpc if s47.icpc is not None else s47.not_required
        if signed is None or concluded is None:
            return
        if any(signed <= d < concluded for d in self.census_days):
            if s47.icpc is not None:
                s47.icpc = self._weekday(max(signed, s47.start), s47.start)
            else:
                s47.not_required = max(signed, s47.start)

    def _weekday(self, day: int, earliest: int) -> int:
        """`day`, or the nearest weekday to it not before `earliest`: a conference is not
        held at a weekend (8875)."""
        if weekday(day) < 5:
            return day
        before = day - (weekday(day) - 4)
        return before if before >= earliest else day + (7 - weekday(day))

    def _icpc(self, rng: random.Random, s47_start: int) -> int:
        if rng.random() < self.late_icpc:
            days = _between(rng, 16, 30) if rng.random() < 0.8 else _between(rng, 31, 60)
        else:
            days = _between(rng, 4, 15)
        return self.cal.add(s47_start, days)

    def _protection(self, rng: random.Random, start: int, end: int | None = None) -> ProtectionPlan:
        category = CATEGORIES.pick(rng)
        intended = start + max(21, _lognormal_days(rng, CP_MEDIAN_DAYS, CP_SIGMA))
        if end is not None:
            intended = end
        reviews: list[int] = []
        on = self.cal.on_or_after
        t = on(start + _between(rng, 60, 90))
        while t < intended:
            reviews.append(t)
            t = on(t + _between(rng, 150, 182))
        if end is None:
            end = on(intended)
            if reviews and rng.random() < 0.45:
                end = reviews[-1]
                reviews.pop()
            if end <= start:
                end = start + 1
        plan = ProtectionPlan(start, end, category, category, None, reviews)
        if reviews and rng.random() < 0.08:
            plan.changed = _choice(rng, reviews)
            plan.latest = "MUL" if category != "MUL" else "NEG"
        return plan

    def _cin_plan(self, rng: random.Random, ref: Referral, start: int, median: float) -> int:
        """A child in need plan from `start`, with a reassessment each year; its end."""
        end = start + max(28, _lognormal_days(rng, median, 0.6))
        ref.plans.append(CinPlan(start, end))
        again = start + _between(rng, 330, 380)
        while again < end - 30:
            ref.assessments.append(self._assessment(rng, again))
            again += _between(rng, 330, 380)
        return end

    def _close(self, ref: Referral, day: int, reason: str) -> None:
        if reason in ("RC8", "RC9") and ref.assessments:
            # Closed after assessment in the collection year the assessment was signed off
            # in, so that the census holding the closure holds the assessment too (8825Q).
            signed = ref.assessments[-1].authorised or ref.assessments[-1].start
            day = min(day, date(YEAR_ENDING[signed - CAL_FIRST], 3, 31).toordinal())
        ref.closure = max(day, last_activity(ref))
        ref.reason = reason

    # ----------------------------------------------------------------- referrals

    def _referral(self, rng: random.Random, r: int, kind: str) -> Referral:
        cal = self.cal
        if kind == "nfa":
            r = self.cal.on_or_after(r)  # a referral on a bank holiday is queried (8569Q)
            ref = Referral(r, SOURCES.pick(rng), NFA_NEEDS.pick(rng), nfa=True)
            ref.team = _choice(rng, FRONT_TEAMS)
            ref.worker = _choice(rng, self.workers) if rng.random() < 0.3 else ""
            ref.closure = r if rng.random() < 0.6 else r + _between(rng, 1, 5)
            if collection_year_start(ref.closure) != collection_year_start(r):
                ref.closure = r  # never an open NFA referral across 1 April (8569Q)
            # No assessment was made: RC8 and RC9 say there was one (8825Q).
            ref.reason = "RC7"
            return ref
        if kind == "long":
            need = "N2"
        elif kind in ("cp", "icpc"):
            need = "N1" if rng.random() < 0.85 else _choice(rng, ("N4", "N5"))
        else:
            need = NEEDS.pick(rng)
        ref = Referral(r, SOURCES.pick(rng), need)
        ref.team = DISABILITY_TEAM if need == "N2" else _choice(rng, ASSESSMENT_TEAMS)
        ref.worker = _choice(rng, self.workers)
        start = r if rng.random() < 0.45 else r + _between(rng, 1, 6)
        assessment = self._assessment(rng, start, may_find_nothing=kind == "assessed")
        ref.assessments.append(assessment)
        done = assessment.authorised or start
        if kind == "assessed":
            # Closed on sign-off when nothing was found, so never open at a census (8873Q).
            wait = 0 if assessment.factors == ("21",) else _between(rng, 0, 14)
            self._close(ref, done + wait, "RC8" if rng.random() < 0.72 else "RC9")
        elif kind == "s47":
            s47 = Section47(start, cal.add(start, 15))
            s47.not_required = cal.add(start, _between(rng, 2, 20))
            ref.s47s.append(s47)
            self._conclude_by_sign_off(assessment, s47)
            if rng.random() < 0.55:
                # After an enquiry the case is no longer "closed after assessment" (2990).
                self._close(ref, done + _between(rng, 0, 14), "RC7")
            else:
                end = self._cin_plan(rng, ref, done + _between(rng, 0, 10), 180)
                self._close(ref, end + _between(rng, 0, 20), "RC7")
        elif kind in ("cp", "icpc"):
            s47 = Section47(start, cal.add(start, 15))
            s47.icpc = self._icpc(rng, start)
            ref.s47s.append(s47)
            self._conclude_by_sign_off(assessment, s47)
            if kind == "icpc":
                end = self._cin_plan(rng, ref, s47.icpc, 180)
            else:
                plan = self._protection(rng, s47.icpc)
                ref.cp_plans.append(plan)
                end = plan.end or plan.start
                if rng.random() < 0.65:
                    end = self._cin_plan(rng, ref, end, 150)
            self._close(ref, end + _between(rng, 0, 20), "RC7")
        elif kind == "cin":
            end = self._cin_plan(rng, ref, done + _between(rng, 0, 10), 200)
            self._close(ref, end + _between(rng, 0, 20), "RC7")
        else:
            end = self._cin_plan(rng, ref, done + _between(rng, 0, 10), 700)
            self._close(ref, end + _between(rng, 0, 20), "RC7")
        return ref

    def _front_door(
        self, rng: random.Random, person: Person, ref: Referral, emergency: bool = False
    ) -> None:
        """The contact that became the referral, and any early help before or after it."""
        r = ref.date
        if not emergency and rng.random() < EARLY_HELP_BEFORE_REFERRAL:
            low = person.dob
            if person.referrals and person.referrals[-1].closure is not None:
                low = max(low, person.referrals[-1].closure + 1)
            began = r - _between(rng, 30, 300)
            if began >= low:
                done = began + _between(rng, 10, 90)
                organisation = EARLY_HELP_ORGANISATIONS.pick(rng)
                person.early_help.append((began, done if done < r else None, organisation))
                if rng.random() < 0.6:
                    ref.source = "5D"
        contact = r if emergency or rng.random() < 0.7 else r - _between(rng, 1, 5)
        person.contacts.append((contact, ref.source))
        if ref.reason == "RC9" and ref.closure is not None and rng.random() < 0.7:
            began = ref.closure + _between(rng, 1, 21)
            done = began + _between(rng, 10, 90) if rng.random() < 0.9 else None
            person.early_help.append((began, done, EARLY_HELP_ORGANISATIONS.pick(rng)))

    def _chain(
        self,
        rng: random.Random,
        person: Person,
        r: int,
        kind: str,
        had_cp: bool,
        limit: int | None = None,
    ) -> None:
        """A referral and the re-referrals that follow it, up to the 18th birthday."""
        b18 = add_years(date.fromordinal(person.dob), 18).toordinal()
        while True:
            ref = self._referral(rng, r, kind)
            cap = min(b18, limit) if limit is not None else b18
            if ref.closure is not None and ref.closure > cap:
                truncate(ref, max(cap, r))
                if ref.reason not in ("RC8", "RC9"):
                    # Still closed after assessment when that is all there was (8873Q).
                    ref.reason = "RC7"
            self._front_door(rng, person, ref)
            person.referrals.append(ref)
            had_cp = had_cp or bool(ref.cp_plans)
            closed = ref.closure
            if closed is None or rng.random() >= (RE_REFERRAL_AFTER_CP if had_cp else RE_REFERRAL):
                break
            if rng.random() < 0.65:
                gap = _between(rng, 7, 120)
            else:
                gap = 150 + _lognormal_days(rng, 400, 0.8)
            r = max(closed + gap, person.dob)
            if r > self.horizon_day or r > b18 - 45 or (limit is not None and r >= limit):
                break
            kind = (REPEAT_AFTER_CP_KINDS if had_cp else REFERRAL_KINDS).pick(rng)
        if limit is None and rng.random() < 0.2 and person.referrals[-1].closure is not None:
            later = person.referrals[-1].closure + _between(rng, 30, 700)
            if later < b18 and later <= self.horizon_day:
                person.contacts.append((later, SOURCES.pick(rng)))

    # ----------------------------------------------------------------- children in need only

    def _new_child(self, rng: random.Random, r: int) -> None:
        band = FIRST_REFERRAL_AGE.pick(rng)
        unborn = False
        if band == "0":
            if rng.random() < 0.2:
                age = -_between(rng, 30, 120)
                unborn = True
            else:
                age = _between(rng, 0, 364)
        else:
            low, high = {"1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
            age = _between(rng, int(low * 365.25), int(high * 365.25) - 60)
        dob = r - age
        draw = rng.random()
        sex = "1" if draw < 0.515 else "2" if draw < 0.995 else "0" if draw < 0.998 else "9"
        born = date.fromordinal(dob)
        upn = generate.make_upn(rng, self.ctx, born, False, max(0, age // 365))
        person = self._person(dob, sex, ETHNIC_MIX.pick(rng), upn)
        if rng.random() < 0.01 and not upn.startswith("UN"):
            former = generate.make_upn(rng, self.ctx, born, False, 10)
            # A former UPN is a UPN, never one of the codes for an unknown one (1560Q).
            person.former_upn = "" if former.startswith("UN") else former
        kind = REFERRAL_KINDS.pick(rng)
        if unborn:
            # A referral before birth is kept only while the child is unborn in every
            # extract showing it: it closes before the collection year of the birth.
            before = collection_year_start(dob) - 1
            if before - r >= 30:
                ref = self._referral(rng, r, "assessed" if rng.random() < 0.8 else "nfa")
                if ref.closure is not None and ref.closure > before:
                    truncate(ref, before)
                    ref.reason = "RC8"
                self._front_door(rng, person, ref)
                person.referrals.append(ref)
                if rng.random() >= 0.25:
                    return
                r = max(dob, ref.closure or dob) + _between(rng, 20, 300)
                if r > self.horizon_day:
                    return
            else:
                r = dob
        if kind == "long" or rng.random() < 0.06:
            person.disabilities = self._disabilities(rng, kind == "long")
        self._chain(rng, person, r, kind, False)

    def _disabilities(self, rng: random.Random, several: bool) -> tuple[str, ...]:
        count = _between(rng, 1, 3) if several else _between(rng, 1, 2)
        return tuple(sorted({DISABILITIES.pick(rng) for _ in range(count)}))

    def _contact_only(self, rng: random.Random, day: int) -> None:
        band = FIRST_REFERRAL_AGE.pick(rng)
        low, high = {"0": (0, 1), "1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
        age = _between(rng, int(low * 365.25), int(high * 365.25) - 30)
        dob = day - age
        sex = "1" if rng.random() < 0.51 else "2"
        person = self._person(dob, sex, ETHNIC_MIX.pick(rng), "")
        person.contacts.append((day, SOURCES.pick(rng)))
        if rng.random() < 0.12:
            again = day + _between(rng, 30, 400)
            if again <= self.horizon_day and _age(dob, again) < 18:
                person.contacts.append((again, SOURCES.pick(rng)))
        if rng.random() < 0.3:
            began = day + _between(rng, 0, 21)
            done = began + _between(rng, 10, 90) if rng.random() < 0.9 else None
            person.early_help.append((began, done, EARLY_HELP_ORGANISATIONS.pick(rng)))

    # ----------------------------------------------------------------- children in care

    def _care_child(self, care: CareChild) -> None:
        rng = seeded(care.seed * 1000 + 7)
        person = self._person(care.dob, care.sex, care.ethnic, care.upn)
        person.child_id = care.child_id
        person.looked_after = True
        periods = [p for p in care.periods if p.end >= self.start.toordinal() - 800]
        if not periods:
            return
        if all(p.short_break for p in periods):
            self._short_breaks(rng, person, periods)
            return
        periods = [p for p in periods if not p.short_break]
        if any(p.cin == "N2" for p in periods) or rng.random() < 0.06:
            person.disabilities = self._disabilities(rng, any(p.cin == "N2" for p in periods))
        open_ref: Referral | None = None
        closed = person.dob - 1
        last_rec = ""
        for i, period in enumerate(periods):
            if open_ref is None:
                emergency = care.uasc or rng.random() < 0.12
                gap = 0 if emergency else _lognormal_days(rng, 75, 1.0)
                low = max(person.dob, closed + 1)
                r = max(low, period.start - min(gap, 900))
                if i == 0 and not care.uasc and rng.random() < CARE_PRIOR_REFERRAL:
                    self._prior(rng, person, r)
                open_ref = self._care_referral(rng, care, period, r)
                self._front_door(rng, person, open_ref, emergency=r == period.start)
                person.referrals.append(open_ref)
            following = periods[i + 1].start if i + 1 < len(periods) else None
            if self._after_care(rng, person, open_ref, period, following):
                closed = open_ref.closure or closed
                open_ref = None
            last_rec = period.rec
        if open_ref is not None or last_rec in ADOPTED or last_rec in ("E2", "E3", "E15", "E16"):
            return
        b18 = add_years(date.fromordinal(person.dob), 18).toordinal()
        if rng.random() < 0.2:
            r = closed + _between(rng, 30, 700)
            if r < b18 - 45 and r <= self.horizon_day:
                had_cp = any(ref.cp_plans for ref in person.referrals)
                self._chain(rng, person, r, REFERRAL_KINDS.pick(rng), had_cp)

    def _prior(self, rng: random.Random, person: Person, before: int) -> None:
        r = before - _between(rng, 180, 1500)
        if r < person.dob + 30:
            return
        self._chain(rng, person, r, PRIOR_KINDS.pick(rng), False, limit=before - 1)

    def _care_referral(
        self, rng: random.Random, care: CareChild, period: CarePeriod, r: int
    ) -> Referral:
        cal = self.cal
        start = period.start
        if care.uasc:
            source = UASC_SOURCES.pick(rng)
        elif r == start:
            source = EMERGENCY_SOURCES.pick(rng)
        else:
            source = SOURCES.pick(rng)
        ref = Referral(r, source, period.cin)
        ref.team = _choice(rng, ASSESSMENT_TEAMS)
        ref.worker = period.worker or _choice(rng, self.workers)
        began = r if r == start else min(start, r + _between(rng, 0, 4))
        ref.assessments.append(self._assessment(rng, began, care.uasc))
        gap = start - r
        if not care.uasc and period.cin == "N1" and rng.random() < (0.7 if gap >= 10 else 0.5):
            s47 = Section47(began, cal.add(began, 15))
            ref.s47s.append(s47)
            icpc = self._icpc(rng, began)
            if icpc < start - 1:
                s47.icpc = icpc
                self._conclude_by_sign_off(ref.assessments[0], s47)
                icpc = s47.icpc
                end = max(icpc + 1, min(start + _between(rng, 0, 14), period.end))
                ref.cp_plans.append(self._protection(rng, icpc, end))
            else:
                s47.not_required = start
                self._conclude_by_sign_off(ref.assessments[0], s47)
        elif gap >= 21 and rng.random() < 0.7:
            authorised = ref.assessments[0].authorised or began
            plan_start = max(began, min(authorised, start - 7))
            if plan_start < start:
                ref.plans.append(CinPlan(plan_start, start))
        return ref

    def _after_care(
        self,
        rng: random.Random,
        person: Person,
        ref: Referral,
        period: CarePeriod,
        following: int | None,
    ) -> bool:
        """Close the referral some time after the period of care; False if it runs on."""
        end, rec = period.end, period.rec
        b18 = add_years(date.fromordinal(person.dob), 18).toordinal()
        if rec == "E2":
            person.death = end
            truncate(ref, end)
            ref.reason = "RC2"
            return True
        if rec in ADOPTED:
            close, reason = end + _between(rng, 0, 45), "RC1"
        elif rec == "E41":
            close, reason = end + _between(rng, 0, 60), "RC3"
        elif rec in SGO:
            close, reason = end + _between(rng, 0, 60), "RC4"
        elif rec == "E3":
            close, reason = end + _between(rng, 0, 20), "RC5"
        elif rec == "E7":
            close, reason = end + _between(rng, 0, 20), "RC6"
        elif rec in RETURNED_HOME:
            reason = "RC7"
            if rng.random() < 0.6:
                ref.assessments.append(self._assessment(rng, end + _between(rng, 0, 10)))
            if rng.random() < 0.75:
                close = self._cin_plan(rng, ref, end + _between(rng, 0, 14), 180)
                close += _between(rng, 0, 20)
            else:
                close = end + _between(rng, 14, 120)
        else:
            close, reason = end + _between(rng, 0, 60), "RC7"
        close = max(close, last_activity(ref))
        if following is not None and following <= close + 1:
            truncate(ref, following)
            ref.closure, ref.reason = None, ""
            return False
        cap = max(end, b18)
        if close > cap:
            truncate(ref, cap)
        else:
            ref.closure = close
        ref.reason = reason
        return True

    def _short_breaks(self, rng: random.Random, person: Person, periods: list[CarePeriod]) -> None:
        person.disabilities = self._disabilities(rng, True)
        first, last = periods[0].start, max(p.end for p in periods)
        r = max(person.dob, first - _between(rng, 30, 300))
        ref = Referral(r, SHORT_BREAK_SOURCES.pick(rng), "N2")
        ref.team = DISABILITY_TEAM
        ref.worker = _choice(rng, self.workers)
        began = min(first, r + _between(rng, 0, 5))
        assessment = self._assessment(rng, began)
        ref.assessments.append(assessment)
        plan_start = max(began, min(assessment.authorised or began, first - 1))
        plan_end = last + _between(rng, 30, 200)
        ref.plans.append(CinPlan(plan_start, plan_end))
        again = plan_start + _between(rng, 330, 380)
        while again < plan_end - 30:
            ref.assessments.append(self._assessment(rng, again))
            again += _between(rng, 330, 380)
        b18 = add_years(date.fromordinal(person.dob), 18).toordinal()
        close = max(plan_end + _between(rng, 0, 20), last_activity(ref))
        if close > max(b18, last):
            truncate(ref, max(b18, last))
            ref.reason = "RC6"
        else:
            ref.closure, ref.reason = close, "RC7"
        self._front_door(rng, person, ref)
        person.referrals.append(ref)

    # ----------------------------------------------------------------- the council

    def _arrivals(self, stream: str, per_10k: float, first: date) -> list[int]:
        rng = seeded(f"{self.stream}:{stream}")
        days = generate._arrivals(rng, self.ctx, first, self.horizon, per_10k, _referral_trend)
        return [d.toordinal() for d in days]

    def run(self, care: Sequence[CareChild]) -> list[Person]:
        self.ctx.upns.update(child.upn for child in care)
        for child in care:
            self._care_child(child)
        rng = seeded(f"{self.stream}:children")
        for day in self._arrivals("referrals", NEW_CHILD_REFERRALS_PER_10K * self.vary, self.start):
            self._new_child(rng, day)
        rng = seeded(f"{self.stream}:contacts")
        for day in self._arrivals("contacts", CONTACT_ONLY_PER_10K * self.vary, self.window):
            self._contact_only(rng, day)
        people = [p for p in self.people if p.referrals or p.contacts or p.early_help]
        for person in people:
            for ref in person.referrals:
                _one_assessment_at_a_time(ref)
            _number_plans_and_referrals(person)
        self._assign_ids([p for p in people if not p.looked_after], {c.child_id for c in care})
        return people

    def _assign_ids(self, people: list[Person], taken: set[str]) -> None:
        """New case IDs from the council's scheme (same width), never a 903 child's ID."""
        ons = self.ons_code
        width = 6 if _unit(f"id-width:{ons}") < 0.5 else 7
        low = 10 ** (width - 1)
        free = 9 * low - len(taken)
        step = max(1, min(25, int(2 * 0.8 * free / max(1, len(people))) - 1))
        rng = seeded(f"{self.stream}:ids")
        value = low + _between(rng, 0, 500)
        people.sort(key=lambda p: (p.first, p.number))
        for person in people:
            value += _between(rng, 1, step)
            while str(value) in taken:
                value += 1
            person.child_id = str(value)


def _referral_trend(day: date) -> float:
    return 0.92 if date(2020, 4, 1) <= day < date(2021, 4, 1) else 1.0


def _number_plans_and_referrals(person: Person) -> None:
    """NumberOfPreviousCPP and the referral count in the last 12 months, from the history."""
    person.referrals.sort(key=lambda r: r.date)
    earlier = 0
    dates: list[int] = []
    for ref in person.referrals:
        for plan in ref.cp_plans:
            plan.previous = earlier
            earlier += 1
        since = one_year_before(ref.date)
        dates.append(ref.date)
        ref.recent = len(dates) - bisect.bisect_left(dates, since)


def simulate_cin(
    ons_code: str,
    care: Sequence[CareChild],
    *,
    seed: int = 903,
    scale: float = 1.0,
    start: date,
    horizon: date,
    window: date,
) -> list[Person]:
    """Every child known to one council's children's services, including those in care."""
    sim = CouncilSim(ons_code, seed=seed, scale=scale, start=start, horizon=horizon, window=window)
    return sim.run(care)


# --------------------------------------------------------------------------- views


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _age(dob: int, day: int) -> int:
    """Age in whole years on `day` (as `generate.age_at`, on ordinals)."""
    born, now = dob - CAL_FIRST, day - CAL_FIRST
    return _YEARS[now] - _YEARS[born] - (_MONTH_DAYS[now] < _MONTH_DAYS[born])


def _upn_elements(person: Person, day: int) -> tuple[str, str]:
    """(UPN, UPNunknown) as the child's record shows them on `day`."""
    upn = person.upn
    if upn.startswith("UN"):
        return "", "UN5" if upn == "UN1" and _age(person.dob, day) >= 5 else upn
    if not person.looked_after and (person.dob > day or _age(person.dob, day) < 4):
        return "", "UN1"
    return upn, ""


@dataclass(frozen=True, slots=True)
class YearCodes:
    gender_tag: str
    genders: dict[str, str]
    factors: dict[str, str]


@cache
def year_codes(year_ending: int) -> YearCodes:
    valid = set(reference.cin_codes("AssessmentFactors", year_ending))
    cce = "23A" if "23A" in valid else "24A"
    factors = {}
    for code in [*FACTORS.values, "21", "9A", "4A"]:
        shown = cce if code == "CCE" else code
        factors[code] = f"      <AssessmentFactors>{shown}</AssessmentFactors>\n"
    if reference.cin_codes("GenderCurrent", year_ending):
        return YearCodes("GenderCurrent", {c: c for c in ("1", "2", "0", "9")}, factors)
    return YearCodes("Sex", SEX_FROM_2025, factors)


def _referral_xml(a, rf: Referral, day: int, start: int, codes: YearCodes) -> None:
    """One referral as the census for the year from `start` to `day` shows it: what was
    finished before the year (an assessment authorised, a plan ended, a section 47 enquiry
    concluded) belongs to an earlier census and is left out, as the DfE's guide asks."""
    a(
        f"   <CINdetails>\n    <CINreferralDate>{ISO[rf.date - CAL_FIRST]}</CINreferralDate>\n"
        f"    <ReferralSource>{rf.source}</ReferralSource>\n"
        f"    <PrimaryNeedCode>{rf.need}</PrimaryNeedCode>\n"
    )
    if rf.closure is not None and rf.closure <= day:
        a(
            f"    <CINclosureDate>{ISO[rf.closure - CAL_FIRST]}</CINclosureDate>\n"
            f"    <ReasonForClosure>{rf.reason}</ReasonForClosure>\n"
        )
    # Each conference is recorded once, in its section 47 enquiry (rule 2884).
    a("    <ReferralNFA>1</ReferralNFA>\n" if rf.nfa else "    <ReferralNFA>0</ReferralNFA>\n")
    for x in rf.assessments:
        if x.start > day or (x.authorised is not None and x.authorised < start):
            continue
        began = ISO[x.start - CAL_FIRST]
        a(
            "    <Assessments>\n"
            f"     <AssessmentActualStartDate>{began}</AssessmentActualStartDate>\n"
        )
        if x.review is not None and x.review <= day:
            a(
                "     <AssessmentInternalReviewDate>"
                f"{ISO[x.review - CAL_FIRST]}</AssessmentInternalReviewDate>\n"
            )
        if x.authorised is not None and x.authorised <= day:
            a(
                "     <AssessmentAuthorisationDate>"
                f"{ISO[x.authorised - CAL_FIRST]}</AssessmentAuthorisationDate>\n"
            )
            if x.factors:
                factors = codes.factors
                a("     <FactorsIdentifiedAtAssessment>\n")
                for code in x.factors:
                    a(factors[code])
                a("     </FactorsIdentifiedAtAssessment>\n")
        a("    </Assessments>\n")
    for p in rf.plans:
        if p.start > day or (p.end is not None and p.end < start):
            continue
        a(
            "    <CINPlanDates>\n"
            f"     <CINPlanStartDate>{ISO[p.start - CAL_FIRST]}</CINPlanStartDate>\n"
        )
        if p.end is not None and p.end <= day:
            a(f"     <CINPlanEndDate>{ISO[p.end - CAL_FIRST]}</CINPlanEndDate>\n")
        a("    </CINPlanDates>\n")
    for s in rf.s47s:
        concluded = s.icpc if s.icpc is not None else s.not_required
        if s.start > day or (concluded is not None and concluded < start):
            continue
        began = ISO[s.start - CAL_FIRST]
        a(f"    <Section47>\n     <S47ActualStartDate>{began}</S47ActualStartDate>\n")
        if s.target <= day:
            a(f"     <InitialCPCtarget>{ISO[s.target - CAL_FIRST]}</InitialCPCtarget>\n")
        if s.icpc is not None and s.icpc <= day:
            a(
                f"     <DateOfInitialCPC>{ISO[s.icpc - CAL_FIRST]}</DateOfInitialCPC>\n"
                "     <ICPCnotRequired>0</ICPCnotRequired>\n"
            )
        elif s.not_required is not None and s.not_required <= day:
            a("     <ICPCnotRequired>1</ICPCnotRequired>\n")
        a("    </Section47>\n")
    for c in rf.cp_plans:
        if c.start > day or (c.end is not None and c.end < start):
            continue
        began = ISO[c.start - CAL_FIRST]
        a(f"    <ChildProtectionPlans>\n     <CPPstartDate>{began}</CPPstartDate>\n")
        if c.end is not None and c.end <= day:
            a(f"     <CPPendDate>{ISO[c.end - CAL_FIRST]}</CPPendDate>\n")
        latest = c.latest if c.changed is None or c.changed <= day else c.initial
        a(
            f"     <InitialCategoryOfAbuse>{c.initial}</InitialCategoryOfAbuse>\n"
            f"     <LatestCategoryOfAbuse>{latest}</LatestCategoryOfAbuse>\n"
            f"     <NumberOfPreviousCPP>{c.previous}</NumberOfPreviousCPP>\n"
        )
        reviews = [d for d in c.reviews if d <= day]
        if reviews:
            a("     <Reviews>\n")
            for d in reviews:
                a(f"      <CPPreviewDate>{ISO[d - CAL_FIRST]}</CPPreviewDate>\n")
            a("     </Reviews>\n")
        a("    </ChildProtectionPlans>\n")
    a("   </CINdetails>\n")


def shown_referrals(referrals: Iterable[Referral], view: View) -> list[Referral]:
    """Referrals open at any time in the collection year up to the reference date."""
    day, start = view.reference_date.toordinal(), view.start.toordinal()
    return [r for r in referrals if r.date <= day and (r.closure is None or r.closure >= start)]


@dataclass(frozen=True, slots=True)
class Extract:
    """When and by what the council's system wrote one extract."""

    software: str
    release: str
    written: datetime.datetime


def extract_details(seed: int, ons_code: str, view: View) -> Extract:
    rng = seeded(f"{seed}:{ons_code}:cin:extract:{view.reference_date.isoformat()}")
    software = SOFTWARE[int(_unit(f"cin-software:{ons_code}") * len(SOFTWARE))]
    after = _between(rng, 30, 75) if view.full_year else _between(rng, 1, 6)
    day = view.reference_date + timedelta(days=after)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    written = datetime.datetime(
        day.year, day.month, day.day, _between(rng, 8, 17), rng.randrange(60)
    )
    release = f"{view.year_ending}.{_between(rng, 1, 4)}"
    return Extract(software, release, written)


def census_xml(
    people: Iterable[Person],
    view: View,
    lea: str,
    extract: Extract,
    patches: dict[str, list[Referral]] | None = None,
) -> str:
    """The CIN census file for one view: every child with a referral open in the year."""
    day = view.reference_date.toordinal()
    # The census year as the DfE's tool reads it: the twelve months to the reference date.
    since = view.year_before.toordinal() + 1
    codes = year_codes(view.year_ending)
    gender_tag = codes.gender_tag
    genders = codes.genders
    patches = patches or {}
    out: list[str] = []
    a = out.append
    a(
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n <Header>\n  <CollectionDetails>\n'
        f"   <Collection>CIN</Collection>\n   <Year>{view.year_ending}</Year>\n"
        f"   <ReferenceDate>{view.reference_date.isoformat()}</ReferenceDate>\n"
        "  </CollectionDetails>\n  <Source>\n   <SourceLevel>L</SourceLevel>\n"
        f"   <LEA>{_escape(lea)}</LEA>\n"
        f"   <SoftwareCode>{_escape(extract.software)}</SoftwareCode>\n"
        f"   <Release>{_escape(extract.release)}</Release>\n   <SerialNo>1</SerialNo>\n"
        f"   <DateTime>{extract.written.isoformat(timespec='seconds')}</DateTime>\n"
        "  </Source>\n </Header>\n <Children>\n"
    )
    for person in people:
        patched = patches.get(person.child_id)
        refs = patched if patched is not None else shown_referrals(person.referrals, view)
        if not refs:
            continue
        born = person.dob <= day
        upn, unknown = _upn_elements(person, day)
        child_id = _escape(person.child_id)
        a(f"  <Child>\n   <ChildIdentifiers>\n    <LAchildID>{child_id}</LAchildID>\n")
        if upn:
            a(f"    <UPN>{upn}</UPN>\n")
            if person.former_upn:
                a(f"    <FormerUPN>{person.former_upn}</FormerUPN>\n")
        else:
            a(f"    <UPNunknown>{unknown}</UPNunknown>\n")
        birth = ISO[person.dob - CAL_FIRST]
        if born:
            a(f"    <PersonBirthDate>{birth}</PersonBirthDate>\n")
        else:
            a(f"    <ExpectedPersonBirthDate>{birth}</ExpectedPersonBirthDate>\n")
        sex = genders[person.sex if born else "0"]
        a(f"    <{gender_tag}>{sex}</{gender_tag}>\n")
        if person.death is not None and person.death <= day:
            a(f"    <PersonDeathDate>{ISO[person.death - CAL_FIRST]}</PersonDeathDate>\n")
        a(
            "   </ChildIdentifiers>\n   <ChildCharacteristics>\n"
            f"    <Ethnicity>{person.ethnic}</Ethnicity>\n    <Disabilities>\n"
        )
        for code in person.disabilities or ("NONE",):
            a(f"     <Disability>{code}</Disability>\n")
        a("    </Disabilities>\n   </ChildCharacteristics>\n")
        for rf in refs:
            _referral_xml(a, rf, day, since, codes)
        a("  </Child>\n")
    a(" </Children>\n</Message>\n")
    return "".join(out)


# --------------------------------------------------------------------------- Annex A

CHILD_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("Child Unique ID", "Child ID", "Unique Child ID", "LA Child ID"),
    ("Gender", "Sex"),
    ("Ethnicity", "Ethnic Origin"),
    ("Date of Birth", "DOB", "Birth Date"),
    ("Age of Child (Years)", "Age of Child", "Age (Years)", "Age"),
)
LIST_COLUMNS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("Date of Contact", "Contact Date"), ("Contact Source", "Source of Contact")),
    2: (
        (
            "Assessment start date",
            "Early Help Assessment Start Date",
            "EH Assessment Start Date",
        ),
        (
            "Assessment completion date",
            "Early Help Assessment Completion Date",
            "EH Assessment Completion Date",
        ),
        (
            "Organisation completing assessment",
            "Organisation Completing the Assessment",
            "Organisation",
        ),
    ),
    3: (
        ("Date of referral", "Referral Date"),
        ("Referral Source", "Source of Referral"),
        ("Referral NFA?", "Referral NFA", "NFA"),
        ("Number of Referrals in Last 12 Months", "Referrals in Last 12 Months"),
        ("Allocated Team", "Team"),
        ("Allocated Worker", "Allocated Social Worker", "Worker"),
    ),
}
# Lists the loader does not read: written with a header row only.
OTHER_LISTS: dict[int, tuple[str, ...]] = {
    4: (
        "Continuation of Referral",
        "Assessment start date",
        "Assessment authorised date",
        "Allocated Team",
        "Allocated Worker",
    ),
    5: (
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Allocated Team",
        "Allocated Worker",
    ),
    6: ("Disability", "Case Reason", "CIN Start Date", "CIN Closure Date", "Allocated Worker"),
    7: (
        "Disability",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of Last Review",
        "Number of Previous Child Protection Plans",
        "Allocated Worker",
    ),
    8: (
        "Disability",
        "UASC",
        "Date Started to be Looked After",
        "Legal Status",
        "Placement Type",
        "Allocated Worker",
    ),
    9: ("Disability", "UASC", "In Touch", "Activity", "Accommodation", "Allocated Worker"),
    10: (
        "Disability",
        "Date Entered Care",
        "Date of Decision that Child Should be Placed for Adoption",
        "Date of Placement Order",
        "Date Placed for Adoption",
    ),
    11: (
        "Adopter ID",
        "Date of Initial Enquiry",
        "Date Stage 1 Started",
        "Date Stage 2 Started",
        "Date of Approval",
        "Number of Children Placed",
    ),
}
CASE_STYLES = ("as is", "upper", "lower", "title")


def _styled(name: str, case: str, spaced: bool) -> str:
    if case == "upper":
        name = name.upper()
    elif case == "lower":
        name = name.lower()
    elif case == "title":
        name = " ".join(word[:1].upper() + word[1:] for word in name.split(" "))
    return name.replace(" ", "  ") if spaced else name


@cache
def annex_a_headers(ons_code: str) -> dict[int, tuple[str, ...]]:
    """Each list's header row as this council's system spells it (fixed per council)."""
    standard = _unit(f"annex-a-style:{ons_code}") < 0.35
    rng = seeded(f"annex-a-style:{ons_code}")
    case = "as is" if standard else _choice(rng, CASE_STYLES)
    spacing = 0.0 if standard else _choice(rng, (0.0, 0.0, 0.3))
    changed = False

    def spell(aliases: tuple[str, ...]) -> str:
        nonlocal changed
        name = aliases[0]
        if not standard and len(aliases) > 1 and rng.random() < 0.5:
            name = _choice(rng, aliases[1:])
        spaced = " " in name and rng.random() < spacing
        out = _styled(name, case, spaced)
        changed = changed or out != aliases[0]
        return out

    child = tuple(spell(aliases) for aliases in CHILD_COLUMNS)
    headers = {n: child + tuple(spell(a) for a in cols) for n, cols in LIST_COLUMNS.items()}
    if not standard and not changed:
        headers = {n: tuple(h.upper() for h in row) for n, row in headers.items()}
        child = tuple(h.upper() for h in child)
    for n, names in OTHER_LISTS.items():
        own = tuple(_styled(name, case, False) for name in names)
        headers[n] = own if n == 11 else child + own
    return dict(sorted(headers.items()))


class AnnexEvents:
    """A council's contacts, early help assessments and referrals, in date order."""

    def __init__(self, people: Iterable[Person]) -> None:
        contacts: list[tuple] = []
        early_help: list[tuple] = []
        referrals: list[tuple] = []
        for person in sorted(people, key=lambda p: p.sort_key):
            for day, source in person.contacts:
                contacts.append((day, person, source))
            for began, done, organisation in person.early_help:
                early_help.append((began, person, done, organisation))
            for ref in person.referrals:
                referrals.append((ref.date, person, ref))
        first = operator.itemgetter(0)
        for items in (contacts, early_help, referrals):
            items.sort(key=first)
        self.contacts, self.early_help, self.referrals = contacts, early_help, referrals
        self.days = [[item[0] for item in items] for items in (contacts, early_help, referrals)]

    def window(self, which: int, view: View) -> list[tuple]:
        items = (self.contacts, self.early_help, self.referrals)[which]
        days = self.days[which]
        low = bisect.bisect_left(days, view.start.toordinal())
        high = bisect.bisect_right(days, view.reference_date.toordinal())
        return items[low:high]


@cache
def source_labels() -> dict[str, str]:
    return {
        row["code"]: f"{row['code']} {row['description']}"
        for row in reference.cin_code_rows()
        if row["field"] == "ReferralSource"
    }


def write_annex_a(
    path: Path,
    events: AnnexEvents,
    view: View,
    headers: dict[int, tuple[str, ...]],
    created: datetime.datetime,
) -> None:
    """One Annex A workbook: lists 1-3 for the collection year up to the reference date."""
    day = view.reference_date.toordinal()
    labels = source_labels()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": created})
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "dd/mm/yyyy"})
    rows = {1: events.window(0, view), 2: events.window(1, view), 3: events.window(2, view)}
    for number, header in headers.items():
        sheet = workbook.add_worksheet(f"List {number}")
        sheet.write_row(0, 0, header, bold)
        # The undecorated writers skip A1-notation handling: most of the cost is per cell.
        text = getattr(sheet, "_write_string", sheet.write_string)
        value = getattr(sheet, "_write_number", sheet.write_number)
        for row, item in enumerate(rows.get(number, ()), start=1):
            event, person = item[0], item[1]
            dob = person.dob
            text(row, 0, person.child_id)
            text(row, 1, GENDER_LABELS[person.sex if dob <= day else "0"])
            text(row, 2, person.ethnic)
            if dob <= day:
                value(row, 3, dob - EXCEL_EPOCH, when)
            if dob <= event:
                value(row, 4, _age(dob, event))
            value(row, 5, event - EXCEL_EPOCH, when)
            if number == 1:
                text(row, 6, labels[item[2]])
            elif number == 2:
                done = item[2]
                if done is not None and done <= day:
                    value(row, 6, done - EXCEL_EPOCH, when)
                text(row, 7, item[3])
            else:
                ref = item[2]
                text(row, 6, labels[ref.source])
                text(row, 7, "Yes" if ref.nfa else "No")
                value(row, 8, ref.recent)
                text(row, 9, ref.team)
                if ref.worker:
                    text(row, 10, ref.worker)
    workbook.close()


# --------------------------------------------------------------------------- injected defects


def snapshot(person: Person, view: View) -> list[Referral]:
    """Copies of the referrals shown in a view, holding only what is known by its date and
    what its census shows (nothing concluded before the census year: `_referral_xml`)."""
    day = view.reference_date.toordinal()
    since = view.year_before.toordinal() + 1

    def known(value: int | None) -> int | None:
        return value if value is not None and value <= day else None

    out = []
    for rf in shown_referrals(person.referrals, view):
        closed = known(rf.closure)
        copy = Referral(
            rf.date,
            rf.source,
            rf.need,
            rf.nfa,
            closed,
            rf.reason if closed is not None else "",
            rf.team,
            rf.worker,
            rf.recent,
        )
        for a in rf.assessments:
            if a.start <= day and not (a.authorised is not None and a.authorised < since):
                authorised = known(a.authorised)
                factors = a.factors if authorised is not None else ()
                copy.assessments.append(Assessment(a.start, known(a.review), authorised, factors))
        copy.plans = [
            CinPlan(p.start, known(p.end))
            for p in rf.plans
            if p.start <= day and not (p.end is not None and p.end < since)
        ]
        for s in rf.s47s:
            concluded = s.icpc if s.icpc is not None else s.not_required
            if s.start <= day and not (concluded is not None and concluded < since):
                icpc = known(s.icpc)
                copy.s47s.append(Section47(s.start, s.target, icpc, known(s.not_required)))
        for c in rf.cp_plans:
            if c.start <= day and not (c.end is not None and c.end < since):
                changed = known(c.changed)
                copy.cp_plans.append(
                    ProtectionPlan(
                        c.start,
                        known(c.end),
                        c.initial,
                        c.latest if changed is not None else c.initial,
                        changed,
                        [d for d in c.reviews if d <= day],
                        c.previous,
                    )
                )
        out.append(copy)
    return out


class CinInjector:
    """Business-rule defects for one CIN census view, applied to copies of its referrals."""

    def __init__(self, rng: random.Random, view: View, people: list[Person]) -> None:
        self.rng, self.view, self.people = rng, view, people
        self.day = view.reference_date.toordinal()
        self.start = view.start.toordinal()
        self.patches: dict[str, list[Referral]] = {}

    def apply(self, rule: str) -> str | None:
        """Break `rule` for one child not yet touched; that child's ID, or None."""
        method = getattr(self, "_" + rule.removeprefix("cin."))
        count = len(self.people)
        if not count:
            return None
        first = _between(self.rng, 0, count - 1)
        for i in range(min(count, 20_000)):
            person = self.people[(first + i) % count]
            if person.child_id in self.patches or person.dob > self.day:
                continue
            refs = snapshot(person, self.view)
            if refs and method(person, refs):
                self.patches[person.child_id] = refs
                return person.child_id
        return None

    def _earlier(self, person: Person, day: int, bound: int | None = None) -> int | None:
        """A day 1-30 days before `day`, not before birth nor `bound`."""
        low = max(person.dob, bound if bound is not None else person.dob)
        room = day - low
        if room < 1:
            return None
        return day - _between(self.rng, 1, min(30, room))

    def _assessment_before_referral(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            if rf.assessments and (moved := self._earlier(person, rf.date)) is not None:
                rf.assessments[0].start = moved
                return True
        return False

    def _cin_plan_before_referral(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            if rf.plans and (moved := self._earlier(person, rf.date)) is not None:
                rf.plans[0].start = moved
                return True
        return False

    def _s47_before_referral(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            if rf.s47s and (moved := self._earlier(person, rf.date)) is not None:
                rf.s47s[0].start = moved
                return True
        return False

    def _cp_plan_before_referral(self, person: Person, refs: list[Referral]) -> bool:
        ended = person.dob
        for rf in refs:
            if rf.cp_plans:
                moved = self._earlier(person, rf.date, ended)
                if moved is not None:
                    rf.cp_plans[0].start = moved
                    return True
            for plan in rf.cp_plans:
                if plan.end is None:
                    return False
                ended = max(ended, plan.end)
        return False

    def _closure_before_referral(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            quiet = not (rf.assessments or rf.plans or rf.s47s or rf.cp_plans)
            if rf.closure is not None and quiet:
                moved = self._earlier(person, rf.date, self.start)
                if moved is not None:
                    rf.closure = moved
                    return True
        return False

    def _more_than_one_open_referral(self, person: Person, refs: list[Referral]) -> bool:
        if refs[-1].closure is not None:
            return False
        if len(refs) > 1:
            refs[-2].closure, refs[-2].reason = None, ""
            return True
        # An earlier referral that went on to be worked and was never closed (one that led
        # to no further action may stay open beside another: 8815 and 8816 allow it).
        day = max(person.dob, refs[-1].date - _between(self.rng, 1, 60))
        refs.insert(0, Referral(day, SOURCES.pick(self.rng), NEEDS.pick(self.rng)))
        return True

    def _cp_plans_overlap(self, person: Person, refs: list[Referral]) -> bool:
        since = self.view.year_before.toordinal() + 1
        for rf in refs:
            for i, plan in enumerate(rf.cp_plans):
                if plan.end is not None and plan.end - plan.start >= 2:
                    began = plan.start + _between(self.rng, 1, plan.end - plan.start - 1)
                    # Ending in the census year, so that the census shows it.
                    ended = _between(self.rng, max(began + 1, since), max(plan.end, since))
                    extra = ProtectionPlan(
                        began, ended, plan.initial, plan.initial, None, [], plan.previous + 1
                    )
                    rf.cp_plans.insert(i + 1, extra)
                    return True
        return False

    def _cp_plan_ends_on_start(self, person: Person, refs: list[Referral]) -> bool:
        since = self.view.year_before.toordinal() + 1
        for rf in refs:
            # A plan that started in the census year: one ended before it is not shown.
            for plan in (p for p in rf.cp_plans if p.start >= since):
                plan.end, plan.reviews = plan.start, []
                plan.latest, plan.changed = plan.initial, None
                return True
        return False

    def _activity_after_closure(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            if rf.closure is not None:
                last = _last_checked_activity(rf)
                first = max(rf.date, self.start)
                if last > first:
                    rf.closure = _between(self.rng, first, last - 1)
                    return True
        return False

    def _icpc_on_weekend(self, person: Person, refs: list[Referral]) -> bool:
        for rf in refs:
            high = min(self.day, rf.closure if rf.closure is not None else self.day)
            for s in rf.s47s:
                if s.icpc is None:
                    continue
                low = max(s.start + 1, rf.date)
                after = s.icpc + (5 - weekday(s.icpc)) % 7
                for saturday in (after, after - 7, after + 7):
                    if low <= saturday <= high:
                        s.icpc = saturday
                        return True
        return False


def _last_checked_activity(ref: Referral) -> int:
    """The latest date the activity-after-closure rule looks at (0 when none)."""
    days = [0]
    for a in ref.assessments:
        days += [a.start, a.authorised or 0]
    for p in ref.plans:
        days += [p.start, p.end or 0]
    for s in ref.s47s:
        days += [s.start, s.icpc or 0]
    for c in ref.cp_plans:
        days += [c.start, c.end or 0, *c.reviews]
    return max(days)


CIN_RULES: tuple[str, ...] = (
    RULE_ASSESSMENT_BEFORE_REFERRAL,
    RULE_CIN_PLAN_BEFORE_REFERRAL,
    RULE_S47_BEFORE_REFERRAL,
    RULE_CP_PLAN_BEFORE_REFERRAL,
    RULE_CLOSURE_BEFORE_REFERRAL,
    RULE_MORE_THAN_ONE_OPEN,
    RULE_CP_PLANS_OVERLAP,
    RULE_CP_PLAN_ENDS_ON_START,
    RULE_ACTIVITY_AFTER_CLOSURE,
    RULE_ICPC_ON_WEEKEND,
)


def defect_plan(rng: random.Random, count: int) -> list[list[str]]:
    """Which rules to break in which of `count` views: each rule once, in a random view."""
    plan: list[list[str]] = [[] for _ in range(count)]
    if count:
        for rule in CIN_RULES:
            plan[_between(rng, 0, count - 1)].append(rule)
    return plan


# --------------------------------------------------------------------------- output


def write_council(
    out_dir: Path,
    ons_code: str,
    care: Sequence[CareChild],
    views: Sequence[View],
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
) -> tuple[list[Path], list[InjectedError]]:
    """Write `cin_census.xml` and `annex_a.xlsx` for every view of one council."""
    if not views:
        return [], []
    # Millions of small, acyclic records: the cyclic collector would only slow things down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_council(out_dir, ons_code, care, views, seed=seed, scale=scale, errors=errors)
    finally:
        if collecting:
            gc.enable()


def _write_council(
    out_dir: Path,
    ons_code: str,
    care: Sequence[CareChild],
    views: Sequence[View],
    *,
    seed: int,
    scale: float,
    errors: bool,
) -> tuple[list[Path], list[InjectedError]]:
    window = min(v.start for v in views)
    horizon = max(v.reference_date for v in views)
    start = date(window.year - BURN_IN_YEARS, 4, 1)
    people = simulate_cin(
        ons_code, care, seed=seed, scale=scale, start=start, horizon=horizon, window=window
    )
    lea = reference.councils()[ons_code].la_number
    headers = annex_a_headers(ons_code)
    by_year = _people_by_year(people, horizon)
    events = AnnexEvents(people)
    plan = defect_plan(seeded(f"{seed}:{ons_code}:cin:errors"), len(views))
    written: list[Path] = []
    injected: list[InjectedError] = []
    for view, rules in zip(views, plan, strict=True):
        folder = Path(out_dir) / ons_code / view.reference_date.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        in_year = by_year.get(view.year_ending, [])
        patches: dict[str, list[Referral]] = {}
        if errors and rules:
            rng = seeded(f"{seed}:{ons_code}:cin:errors:{view.reference_date.isoformat()}")
            shown = [p for p in in_year if shown_referrals(p.referrals, view)]
            injector = CinInjector(rng, view, shown)
            for rule in rules:
                child = injector.apply(rule)
                if child is not None:
                    injected.append(
                        InjectedError(ons_code, view.reference_date, CIN_FILE, rule, child)
                    )
            patches = injector.patches
        extract = extract_details(seed, ons_code, view)
        path = folder / CIN_FILE
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(census_xml(in_year, view, lea, extract, patches))
        written.append(path)
        path = folder / ANNEX_A_FILE
        write_annex_a(path, events, view, headers, extract.written)
        written.append(path)
    return written, injected


def _people_by_year(people: Iterable[Person], horizon: date) -> dict[int, list[Person]]:
    """People with a referral open in each collection year, in case ID order."""
    last_year = reference.year_ending(horizon)
    out: dict[int, list[Person]] = {}
    for person in sorted(people, key=lambda p: p.sort_key):
        if not person.referrals:
            continue
        years: set[int] = set()
        for rf in person.referrals:
            first = YEAR_ENDING[rf.date - CAL_FIRST]
            end = last_year if rf.closure is None else YEAR_ENDING[rf.closure - CAL_FIRST]
            years.update(range(first, min(end, last_year) + 1))
        for year in sorted(years):
            out.setdefault(year, []).append(person)
    return out


def process_pool(workers: int | None, jobs: int) -> concurrent.futures.Executor | None:
    """A pool for councils' CIN extracts, or None when one process will do.

    On Linux the workers are forked, so a calling script needs no `__main__` guard;
    elsewhere they are spawned.
    """
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:
            workers = os.cpu_count() or 1
    workers = min(workers, jobs)
    if workers <= 1:
        return None
    method = "fork" if sys.platform == "linux" else "spawn"
    context = multiprocessing.get_context(method)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
