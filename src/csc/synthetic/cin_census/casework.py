"""How one council's social workers work a referral: assessments, child in need plans,
section 47 enquiries, initial conferences and child protection plans, on England's working
days, signed off by the census that would otherwise query them, and closed for a reason
that fits what was done."""

from __future__ import annotations

import random
from datetime import date

from csc.synthetic.cin_census.calendar import (
    CAL_FIRST,
    YEAR_ENDING,
    calendar,
    collection_year_start,
    weekday,
)
from csc.synthetic.cin_census.records import (
    Assessment,
    CinPlan,
    ProtectionPlan,
    Referral,
    Section47,
    last_activity,
)
from csc.synthetic.draws import add_years, between, choice, lognormal_days, unit, weights

LATE_ASSESSMENT_SHARE = 0.14
LATE_ICPC_SHARE = 0.22
CP_MEDIAN_DAYS = 220.0
CP_SIGMA = 0.76
SOURCES = weights(
    "1A 3, 1B 0.7, 1C 0.8, 1D 1, 2A 20, 2B 1.5, 3A 3, 3B 2.5, 3C 0.5, 3D 1.5, 3E 3, 3F 5, "
    "4 1.8, 5A 4.5, 5B 3, 5C 5, 5D 3, 6 29, 7 2.5, 8 5, 9 1.2, 10 1.5"
)
NEEDS = weights("N1 52, N2 7, N3 4, N4 8, N5 19, N6 4, N7 1, N8 3, N0 2")
NFA_NEEDS = weights("N9 70, N0 18, N5 6, N1 6")
CATEGORIES = weights("NEG 48, EMO 37, PHY 7, SAB 4, MUL 4")
FACTORS = weights(
    "3B 28, 4B 25, 16A 14, 17A 16, 1B 9, 2B 10, 3A 9, 4A 12, 3C 5, 14A 5, 10A 4, 11A 3, "
    "CCE 4, 15A 4, 18B 5, 19B 3, 5A 3, 6B 3, 7A 1, 8F 0.2, 12A 0.3, 13A 1, 22A 0.5, "
    "20 0.1, 2A 3, 1A 2, 5B 2, 6A 2, 1C 1, 2C 1, 4C 1, 5C 0.5, 6C 0.5"
)
FACTOR_COUNTS = weights("1 35, 2 30, 3 20, 4 10, 5 5")
FRONT_TEAMS = ("MASH", "Front Door")
ASSESSMENT_TEAMS = ("Assessment Team 1", "Assessment Team 2", "Assessment Team 3")
DISABILITY_TEAM = "Disabled Children's Team"


class Casework:
    """The work on referrals of one council: its calendar, the days its census years end,
    how often its assessments and conferences are late, and its social workers."""

    def __init__(self, ons_code: str, workers: list[str], start: date, horizon: date) -> None:
        self.cal = calendar()
        # The days a census year ends as the DfE's tool reads a census: every 31 March, the
        # last extract, and the day before the twelve months that extract covers.
        self.census_days = sorted(
            {date(y, 3, 31).toordinal() for y in range(start.year, horizon.year + 1)}
            | {horizon.toordinal(), add_years(horizon, -1).toordinal()}
        )
        self.late_assessment = LATE_ASSESSMENT_SHARE * (0.6 + 0.8 * unit(f"cin-late:{ons_code}"))
        self.late_icpc = LATE_ICPC_SHARE * (0.7 + 0.6 * unit(f"icpc-late:{ons_code}"))
        self.workers = workers

    def assessment(
        self, rng: random.Random, start: int, uasc: bool = False, may_find_nothing: bool = False
    ) -> Assessment:
        """An assessment from `start`. Only one that closes the case may find no factors
        ("21"): a case that goes on had something identified (8873Q)."""
        if rng.random() < self.late_assessment:
            days = between(rng, 46, 95) if rng.random() < 0.8 else between(rng, 96, 170)
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
        review = self.cal.add(start, max(1, days - between(rng, 0, 4)))
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

    def conclude_by_sign_off(self, assessment: Assessment, s47: Section47) -> None:
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

    def icpc(self, rng: random.Random, s47_start: int) -> int:
        if rng.random() < self.late_icpc:
            days = between(rng, 16, 30) if rng.random() < 0.8 else between(rng, 31, 60)
        else:
            days = between(rng, 4, 15)
        return self.cal.add(s47_start, days)

    def protection(self, rng: random.Random, start: int, end: int | None = None) -> ProtectionPlan:
        category = CATEGORIES.pick(rng)
        intended = start + max(21, lognormal_days(rng, CP_MEDIAN_DAYS, CP_SIGMA))
        if end is not None:
            intended = end
        reviews: list[int] = []
        on = self.cal.on_or_after
        t = on(start + between(rng, 60, 90))
        while t < intended:
            reviews.append(t)
            t = on(t + between(rng, 150, 182))
        if end is None:
            end = on(intended)
            if reviews and rng.random() < 0.45:
                end = reviews[-1]
                reviews.pop()
            if end <= start:
                end = start + 1
        plan = ProtectionPlan(start, end, category, category, None, reviews)
        if reviews and rng.random() < 0.08:
            plan.changed = choice(rng, reviews)
            plan.latest = "MUL" if category != "MUL" else "NEG"
        return plan

    def cin_plan(self, rng: random.Random, ref: Referral, start: int, median: float) -> int:
        """A child in need plan from `start`, with a reassessment each year; its end."""
        end = start + max(28, lognormal_days(rng, median, 0.6))
        ref.plans.append(CinPlan(start, end))
        again = start + between(rng, 330, 380)
        while again < end - 30:
            ref.assessments.append(self.assessment(rng, again))
            again += between(rng, 330, 380)
        return end

    def close(self, ref: Referral, day: int, reason: str) -> None:
        if reason in ("RC8", "RC9") and ref.assessments:
            # Closed after assessment in the collection year the assessment was signed off
            # in, so that the census holding the closure holds the assessment too (8825Q).
            signed = ref.assessments[-1].authorised or ref.assessments[-1].start
            day = min(day, date(YEAR_ENDING[signed - CAL_FIRST], 3, 31).toordinal())
        ref.closure = max(day, last_activity(ref))
        ref.reason = reason

    def referral(self, rng: random.Random, r: int, kind: str) -> Referral:
        cal = self.cal
        if kind == "nfa":
            r = self.cal.on_or_after(r)  # a referral on a bank holiday is queried (8569Q)
            ref = Referral(r, SOURCES.pick(rng), NFA_NEEDS.pick(rng), nfa=True)
            ref.team = choice(rng, FRONT_TEAMS)
            ref.worker = choice(rng, self.workers) if rng.random() < 0.3 else ""
            ref.closure = r if rng.random() < 0.6 else r + between(rng, 1, 5)
            if collection_year_start(ref.closure) != collection_year_start(r):
                ref.closure = r  # never an open NFA referral across 1 April (8569Q)
            # No assessment was made: RC8 and RC9 say there was one (8825Q).
            ref.reason = "RC7"
            return ref
        if kind == "long":
            need = "N2"
        elif kind in ("cp", "icpc"):
            need = "N1" if rng.random() < 0.85 else choice(rng, ("N4", "N5"))
        else:
            need = NEEDS.pick(rng)
        ref = Referral(r, SOURCES.pick(rng), need)
        ref.team = DISABILITY_TEAM if need == "N2" else choice(rng, ASSESSMENT_TEAMS)
        ref.worker = choice(rng, self.workers)
        start = r if rng.random() < 0.45 else r + between(rng, 1, 6)
        assessment = self.assessment(rng, start, may_find_nothing=kind == "assessed")
        ref.assessments.append(assessment)
        done = assessment.authorised or start
        if kind == "assessed":
            # Closed on sign-off when nothing was found, so never open at a census (8873Q).
            wait = 0 if assessment.factors == ("21",) else between(rng, 0, 14)
            self.close(ref, done + wait, "RC8" if rng.random() < 0.72 else "RC9")
        elif kind == "s47":
            s47 = Section47(start, cal.add(start, 15))
            s47.not_required = cal.add(start, between(rng, 2, 20))
            ref.s47s.append(s47)
            self.conclude_by_sign_off(assessment, s47)
            if rng.random() < 0.55:
                # After an enquiry the case is no longer "closed after assessment" (2990).
                self.close(ref, done + between(rng, 0, 14), "RC7")
            else:
                end = self.cin_plan(rng, ref, done + between(rng, 0, 10), 180)
                self.close(ref, end + between(rng, 0, 20), "RC7")
        elif kind in ("cp", "icpc"):
            s47 = Section47(start, cal.add(start, 15))
            s47.icpc = self.icpc(rng, start)
            ref.s47s.append(s47)
            self.conclude_by_sign_off(assessment, s47)
            if kind == "icpc":
                end = self.cin_plan(rng, ref, s47.icpc, 180)
            else:
                plan = self.protection(rng, s47.icpc)
                ref.cp_plans.append(plan)
                end = plan.end or plan.start
                if rng.random() < 0.65:
                    end = self.cin_plan(rng, ref, end, 150)
            self.close(ref, end + between(rng, 0, 20), "RC7")
        elif kind == "cin":
            end = self.cin_plan(rng, ref, done + between(rng, 0, 10), 200)
            self.close(ref, end + between(rng, 0, 20), "RC7")
        else:
            end = self.cin_plan(rng, ref, done + between(rng, 0, 10), 700)
            self.close(ref, end + between(rng, 0, 20), "RC7")
        return ref
