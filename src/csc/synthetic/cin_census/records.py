"""The children's social care history of a child as the CIN simulation holds it, and what
it needs to know about the children looked after in the SSDA903 history."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from csc.synthetic.cin_census.calendar import one_year_before
from csc.synthetic.ssda903.records import Child

# --------------------------------------------------------------------------- children looked after


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


def care_summary(children: Iterable[Child]) -> list[CareChild]:
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


# --------------------------------------------------------------------------- casework


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


def one_assessment_at_a_time(ref: Referral) -> None:
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


def number_plans_and_referrals(person: Person) -> None:
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
