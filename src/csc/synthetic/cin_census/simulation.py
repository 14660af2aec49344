"""Every child known to one council's children's services, from the council's own random
streams: the casework around the SSDA903 children's periods of care first, then children
referred for the first time and contacts that go no further, each arriving as a Poisson
stream in step with the council's population."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from csc.synthetic.cin_census.care import CareJourneys
from csc.synthetic.cin_census.casework import Casework
from csc.synthetic.cin_census.families import Families
from csc.synthetic.cin_census.records import (
    CareChild,
    Person,
    number_plans_and_referrals,
    one_assessment_at_a_time,
)
from csc.synthetic.councils import (
    Context,
    arrivals,
    case_id_width,
    council_context,
    council_factor,
    population_at,
    regional_mean_factor,
)
from csc.synthetic.draws import between, seeded

# Rates per 10,000 children aged 0-17 a year (DfE, England, approx).
# Rates per 10,000 children aged 0-17 a year (DfE, England, approx).
NEW_CHILD_REFERRALS_PER_10K = 293.0
CONTACT_ONLY_PER_10K = 70.0
BURN_IN_YEARS = 3


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
    stream = f"{seed}:{ons_code}:cin"
    ctx = council_context(ons_code, seeded(f"{seed}:{ons_code}"), scale)
    casework = Casework(ons_code, _workers(stream, ctx, scale), start, horizon)
    families = Families(casework, ctx, horizon.toordinal())
    journeys = CareJourneys(families, start.toordinal())
    ctx.upns.update(child.upn for child in care)
    for child in care:
        journeys.care_child(child)
    vary = (council_factor(ons_code) / regional_mean_factor()) ** 0.3
    rng = seeded(f"{stream}:children")
    referred = NEW_CHILD_REFERRALS_PER_10K * vary
    for day in _arrivals(stream, "referrals", ctx, referred, start, horizon):
        families.new_child(rng, day)
    rng = seeded(f"{stream}:contacts")
    contacted = CONTACT_ONLY_PER_10K * vary
    for day in _arrivals(stream, "contacts", ctx, contacted, window, horizon):
        families.contact_only(rng, day)
    people = [p for p in families.people if p.referrals or p.contacts or p.early_help]
    for person in people:
        for ref in person.referrals:
            one_assessment_at_a_time(ref)
        number_plans_and_referrals(person)
    new = [p for p in people if not p.looked_after]
    _assign_ids(seeded(f"{stream}:ids"), ons_code, new, {c.child_id for c in care})
    return people


def _workers(stream: str, ctx: Context, scale: float) -> list[str]:
    """The council's social workers: those of its children looked after, and more."""
    rng = seeded(f"{stream}:workers")
    yearly = 520 * population_at(ctx.council.ons_code, 2021) / 10_000 * scale
    taken = set(ctx.workers)
    extra = [f"SW{n}" for n in rng.sample(range(10000, 999999), max(8, int(yearly / 35)))]
    return list(ctx.workers) + [w for w in extra if w not in taken]


def _arrivals(
    stream: str, name: str, ctx: Context, per_10k: float, first: date, horizon: date
) -> list[int]:
    rng = seeded(f"{stream}:{name}")
    days = arrivals(rng, ctx, first, horizon, per_10k, _referral_trend)
    return [d.toordinal() for d in days]


def _referral_trend(day: date) -> float:
    return 0.92 if date(2020, 4, 1) <= day < date(2021, 4, 1) else 1.0


def _assign_ids(rng: random.Random, ons_code: str, people: list[Person], taken: set[str]) -> None:
    """New case IDs from the council's scheme (same width), never a 903 child's ID."""
    low = 10 ** (case_id_width(ons_code) - 1)
    free = 9 * low - len(taken)
    step = max(1, min(25, int(2 * 0.8 * free / max(1, len(people))) - 1))
    value = low + between(rng, 0, 500)
    people.sort(key=lambda p: (p.first, p.number))
    for person in people:
        value += between(rng, 1, step)
        while str(value) in taken:
            value += 1
        person.child_id = str(value)
