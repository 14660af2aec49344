"""Business-rule defects injected into the CIN census (`--errors`): each rule broken once
in each council, in a view of its own drawing, on copies of a child's referrals as that
view's census shows them."""

from __future__ import annotations

import random

from csc.synthetic.cin_census.calendar import weekday
from csc.synthetic.cin_census.casework import NEEDS, SOURCES
from csc.synthetic.cin_census.census import shown_referrals
from csc.synthetic.cin_census.records import (
    Assessment,
    CinPlan,
    Person,
    ProtectionPlan,
    Referral,
    Section47,
)
from csc.synthetic.draws import between
from csc.synthetic.views import View

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


def snapshot(person: Person, view: View) -> list[Referral]:
    """Copies of the referrals shown in a view, holding only what is known by its date and
    what its census shows (nothing concluded before the census year, as `census_xml`
    leaves out)."""
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
        first = between(self.rng, 0, count - 1)
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
        return day - between(self.rng, 1, min(30, room))

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
        day = max(person.dob, refs[-1].date - between(self.rng, 1, 60))
        refs.insert(0, Referral(day, SOURCES.pick(self.rng), NEEDS.pick(self.rng)))
        return True

    def _cp_plans_overlap(self, person: Person, refs: list[Referral]) -> bool:
        since = self.view.year_before.toordinal() + 1
        for rf in refs:
            for i, plan in enumerate(rf.cp_plans):
                if plan.end is not None and plan.end - plan.start >= 2:
                    began = plan.start + between(self.rng, 1, plan.end - plan.start - 1)
                    # Ending in the census year, so that the census shows it.
                    ended = between(self.rng, max(began + 1, since), max(plan.end, since))
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
                    rf.closure = between(self.rng, first, last - 1)
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
            plan[between(rng, 0, count - 1)].append(rule)
    return plan
