"""The casework around each period of care of the SSDA903 history: the referral that led to
it (and any earlier one), what happened after it ended, and the plan of a disabled child
on short breaks."""

from __future__ import annotations

import random
from datetime import date

from csc.synthetic.cin_census.casework import ASSESSMENT_TEAMS, DISABILITY_TEAM, SOURCES
from csc.synthetic.cin_census.families import REFERRAL_KINDS, Families
from csc.synthetic.cin_census.records import (
    CareChild,
    CarePeriod,
    CinPlan,
    Person,
    Referral,
    Section47,
    last_activity,
    truncate,
)
from csc.synthetic.draws import add_years, between, choice, lognormal_days, seeded, weights

CARE_PRIOR_REFERRAL = 0.3
PRIOR_KINDS = weights("nfa 10, assessed 40, s47 18, cin 18, cp 14")
EMERGENCY_SOURCES = weights("6 55, 3E 12, 5A 10, 2A 8, 1A 5, 8 10")
UASC_SOURCES = weights("6 45, 5C 30, 8 20, 7 5")
SHORT_BREAK_SOURCES = weights("3F 35, 2A 20, 1A 30, 5B 15")
ADOPTED = frozenset({"E11", "E12"})
SGO = frozenset({"E45", "E46", "E47", "E48"})
RETURNED_HOME = frozenset({"E4A", "E4B", "E13"})


class CareJourneys:
    """The referrals of the children looked after, around their periods of care."""

    def __init__(self, families: Families, start_day: int) -> None:
        self.families = families
        self.casework = families.casework
        self.start_day = start_day

    def care_child(self, care: CareChild) -> None:
        rng = seeded(care.seed * 1000 + 7)
        person = self.families.person(care.dob, care.sex, care.ethnic, care.upn)
        person.child_id = care.child_id
        person.looked_after = True
        periods = [p for p in care.periods if p.end >= self.start_day - 800]
        if not periods:
            return
        if all(p.short_break for p in periods):
            self._short_breaks(rng, person, periods)
            return
        periods = [p for p in periods if not p.short_break]
        if any(p.cin == "N2" for p in periods) or rng.random() < 0.06:
            person.disabilities = self.families.disabilities(
                rng, any(p.cin == "N2" for p in periods)
            )
        open_ref: Referral | None = None
        closed = person.dob - 1
        last_rec = ""
        for i, period in enumerate(periods):
            if open_ref is None:
                emergency = care.uasc or rng.random() < 0.12
                gap = 0 if emergency else lognormal_days(rng, 75, 1.0)
                low = max(person.dob, closed + 1)
                r = max(low, period.start - min(gap, 900))
                if i == 0 and not care.uasc and rng.random() < CARE_PRIOR_REFERRAL:
                    self._prior(rng, person, r)
                open_ref = self._care_referral(rng, care, period, r)
                self.families.front_door(rng, person, open_ref, emergency=r == period.start)
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
            r = closed + between(rng, 30, 700)
            if r < b18 - 45 and r <= self.families.horizon_day:
                had_cp = any(ref.cp_plans for ref in person.referrals)
                self.families.chain(rng, person, r, REFERRAL_KINDS.pick(rng), had_cp)

    def _prior(self, rng: random.Random, person: Person, before: int) -> None:
        r = before - between(rng, 180, 1500)
        if r < person.dob + 30:
            return
        self.families.chain(rng, person, r, PRIOR_KINDS.pick(rng), False, limit=before - 1)

    def _care_referral(
        self, rng: random.Random, care: CareChild, period: CarePeriod, r: int
    ) -> Referral:
        cal = self.casework.cal
        start = period.start
        if care.uasc:
            source = UASC_SOURCES.pick(rng)
        elif r == start:
            source = EMERGENCY_SOURCES.pick(rng)
        else:
            source = SOURCES.pick(rng)
        ref = Referral(r, source, period.cin)
        ref.team = choice(rng, ASSESSMENT_TEAMS)
        ref.worker = period.worker or choice(rng, self.casework.workers)
        began = r if r == start else min(start, r + between(rng, 0, 4))
        ref.assessments.append(self.casework.assessment(rng, began, care.uasc))
        gap = start - r
        if not care.uasc and period.cin == "N1" and rng.random() < (0.7 if gap >= 10 else 0.5):
            s47 = Section47(began, cal.add(began, 15))
            ref.s47s.append(s47)
            icpc = self.casework.icpc(rng, began)
            if icpc < start - 1:
                s47.icpc = icpc
                self.casework.conclude_by_sign_off(ref.assessments[0], s47)
                icpc = s47.icpc
                end = max(icpc + 1, min(start + between(rng, 0, 14), period.end))
                ref.cp_plans.append(self.casework.protection(rng, icpc, end))
            else:
                s47.not_required = start
                self.casework.conclude_by_sign_off(ref.assessments[0], s47)
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
            close, reason = end + between(rng, 0, 45), "RC1"
        elif rec == "E41":
            close, reason = end + between(rng, 0, 60), "RC3"
        elif rec in SGO:
            close, reason = end + between(rng, 0, 60), "RC4"
        elif rec == "E3":
            close, reason = end + between(rng, 0, 20), "RC5"
        elif rec == "E7":
            close, reason = end + between(rng, 0, 20), "RC6"
        elif rec in RETURNED_HOME:
            reason = "RC7"
            if rng.random() < 0.6:
                ref.assessments.append(self.casework.assessment(rng, end + between(rng, 0, 10)))
            if rng.random() < 0.75:
                close = self.casework.cin_plan(rng, ref, end + between(rng, 0, 14), 180)
                close += between(rng, 0, 20)
            else:
                close = end + between(rng, 14, 120)
        else:
            close, reason = end + between(rng, 0, 60), "RC7"
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
        person.disabilities = self.families.disabilities(rng, True)
        first, last = periods[0].start, max(p.end for p in periods)
        r = max(person.dob, first - between(rng, 30, 300))
        ref = Referral(r, SHORT_BREAK_SOURCES.pick(rng), "N2")
        ref.team = DISABILITY_TEAM
        ref.worker = choice(rng, self.casework.workers)
        began = min(first, r + between(rng, 0, 5))
        assessment = self.casework.assessment(rng, began)
        ref.assessments.append(assessment)
        plan_start = max(began, min(assessment.authorised or began, first - 1))
        plan_end = last + between(rng, 30, 200)
        ref.plans.append(CinPlan(plan_start, plan_end))
        again = plan_start + between(rng, 330, 380)
        while again < plan_end - 30:
            ref.assessments.append(self.casework.assessment(rng, again))
            again += between(rng, 330, 380)
        b18 = add_years(date.fromordinal(person.dob), 18).toordinal()
        close = max(plan_end + between(rng, 0, 20), last_activity(ref))
        if close > max(b18, last):
            truncate(ref, max(b18, last))
            ref.reason = "RC6"
        else:
            ref.closure, ref.reason = close, "RC7"
        self.families.front_door(rng, person, ref)
        person.referrals.append(ref)
