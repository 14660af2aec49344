"""The children a council hears of outside care: contacts, early help, referrals and the
re-referrals that follow them, for children new to children's services, unborn children
and those whose contact goes no further."""

from __future__ import annotations

import random
from datetime import date

from csc.synthetic.cin_census.calendar import age_on, collection_year_start
from csc.synthetic.cin_census.casework import SOURCES, Casework
from csc.synthetic.cin_census.records import Person, Referral, truncate
from csc.synthetic.councils import ETHNIC_MIX, Context, make_upn
from csc.synthetic.draws import Weighted, add_years, between, lognormal_days, weights

EARLY_HELP_BEFORE_REFERRAL = 0.25
RE_REFERRAL = 0.44
RE_REFERRAL_AFTER_CP = 0.55
REFERRAL_KINDS = weights("nfa 8, assessed 40, s47 17.5, cin 19, cp 9.5, icpc 1.5, long 5.5")
REPEAT_AFTER_CP_KINDS = weights("nfa 6, assessed 22, s47 16, cin 13, cp 40, icpc 2, long 1")
DISABILITIES = weights(
    "LD 25, AUT 25, COMM 15, BEH 10, MOB 6, HAND 2, PC 4, INC 2, HEAR 3, VIS 2, CON 1, DDA 5"
)
FIRST_REFERRAL_AGE = weights("0 11, 1 19, 5 25, 10 33, 16 12")
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


class Families:
    """Everyone the council's children's services know, as they are heard of."""

    def __init__(self, casework: Casework, ctx: Context, horizon_day: int) -> None:
        self.casework = casework
        self.ctx = ctx
        self.horizon_day = horizon_day
        self.people: list[Person] = []

    def person(self, dob: int, sex: str, ethnic: str, upn: str) -> Person:
        person = Person(len(self.people), "", sex, dob, ethnic, upn)
        self.people.append(person)
        return person

    def front_door(
        self, rng: random.Random, person: Person, ref: Referral, emergency: bool = False
    ) -> None:
        """The contact that became the referral, and any early help before or after it."""
        r = ref.date
        if not emergency and rng.random() < EARLY_HELP_BEFORE_REFERRAL:
            low = person.dob
            if person.referrals and person.referrals[-1].closure is not None:
                low = max(low, person.referrals[-1].closure + 1)
            began = r - between(rng, 30, 300)
            if began >= low:
                done = began + between(rng, 10, 90)
                organisation = EARLY_HELP_ORGANISATIONS.pick(rng)
                person.early_help.append((began, done if done < r else None, organisation))
                if rng.random() < 0.6:
                    ref.source = "5D"
        contact = r if emergency or rng.random() < 0.7 else r - between(rng, 1, 5)
        person.contacts.append((contact, ref.source))
        if ref.reason == "RC9" and ref.closure is not None and rng.random() < 0.7:
            began = ref.closure + between(rng, 1, 21)
            done = began + between(rng, 10, 90) if rng.random() < 0.9 else None
            person.early_help.append((began, done, EARLY_HELP_ORGANISATIONS.pick(rng)))

    def chain(
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
            ref = self.casework.referral(rng, r, kind)
            cap = min(b18, limit) if limit is not None else b18
            if ref.closure is not None and ref.closure > cap:
                truncate(ref, max(cap, r))
                if ref.reason not in ("RC8", "RC9"):
                    # Still closed after assessment when that is all there was (8873Q).
                    ref.reason = "RC7"
            self.front_door(rng, person, ref)
            person.referrals.append(ref)
            had_cp = had_cp or bool(ref.cp_plans)
            closed = ref.closure
            if closed is None or rng.random() >= (RE_REFERRAL_AFTER_CP if had_cp else RE_REFERRAL):
                break
            if rng.random() < 0.65:
                gap = between(rng, 7, 120)
            else:
                gap = 150 + lognormal_days(rng, 400, 0.8)
            r = max(closed + gap, person.dob)
            if r > self.horizon_day or r > b18 - 45 or (limit is not None and r >= limit):
                break
            kind = (REPEAT_AFTER_CP_KINDS if had_cp else REFERRAL_KINDS).pick(rng)
        if limit is None and rng.random() < 0.2 and person.referrals[-1].closure is not None:
            later = person.referrals[-1].closure + between(rng, 30, 700)
            if later < b18 and later <= self.horizon_day:
                person.contacts.append((later, SOURCES.pick(rng)))

    def new_child(self, rng: random.Random, r: int) -> None:
        band = FIRST_REFERRAL_AGE.pick(rng)
        unborn = False
        if band == "0":
            if rng.random() < 0.2:
                age = -between(rng, 30, 120)
                unborn = True
            else:
                age = between(rng, 0, 364)
        else:
            low, high = {"1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
            age = between(rng, int(low * 365.25), int(high * 365.25) - 60)
        dob = r - age
        draw = rng.random()
        sex = "1" if draw < 0.515 else "2" if draw < 0.995 else "0" if draw < 0.998 else "9"
        born = date.fromordinal(dob)
        upn = make_upn(rng, self.ctx, born, False, max(0, age // 365))
        person = self.person(dob, sex, ETHNIC_MIX.pick(rng), upn)
        if rng.random() < 0.01 and not upn.startswith("UN"):
            former = make_upn(rng, self.ctx, born, False, 10)
            # A former UPN is a UPN, never one of the codes for an unknown one (1560Q).
            person.former_upn = "" if former.startswith("UN") else former
        kind = REFERRAL_KINDS.pick(rng)
        if unborn:
            # A referral before birth is kept only while the child is unborn in every
            # extract showing it: it closes before the collection year of the birth.
            before = collection_year_start(dob) - 1
            if before - r >= 30:
                ref = self.casework.referral(rng, r, "assessed" if rng.random() < 0.8 else "nfa")
                if ref.closure is not None and ref.closure > before:
                    truncate(ref, before)
                    ref.reason = "RC8"
                self.front_door(rng, person, ref)
                person.referrals.append(ref)
                if rng.random() >= 0.25:
                    return
                r = max(dob, ref.closure or dob) + between(rng, 20, 300)
                if r > self.horizon_day:
                    return
            else:
                r = dob
        if kind == "long" or rng.random() < 0.06:
            person.disabilities = self.disabilities(rng, kind == "long")
        self.chain(rng, person, r, kind, False)

    def disabilities(self, rng: random.Random, several: bool) -> tuple[str, ...]:
        count = between(rng, 1, 3) if several else between(rng, 1, 2)
        return tuple(sorted({DISABILITIES.pick(rng) for _ in range(count)}))

    def contact_only(self, rng: random.Random, day: int) -> None:
        band = FIRST_REFERRAL_AGE.pick(rng)
        low, high = {"0": (0, 1), "1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
        age = between(rng, int(low * 365.25), int(high * 365.25) - 30)
        dob = day - age
        sex = "1" if rng.random() < 0.51 else "2"
        person = self.person(dob, sex, ETHNIC_MIX.pick(rng), "")
        person.contacts.append((day, SOURCES.pick(rng)))
        if rng.random() < 0.12:
            again = day + between(rng, 30, 400)
            if again <= self.horizon_day and age_on(dob, again) < 18:
                person.contacts.append((again, SOURCES.pick(rng)))
        if rng.random() < 0.3:
            began = day + between(rng, 0, 21)
            done = began + between(rng, 10, 90) if rng.random() < 0.9 else None
            person.early_help.append((began, done, EARLY_HELP_ORGANISATIONS.pick(rng)))
