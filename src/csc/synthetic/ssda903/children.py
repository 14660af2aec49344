"""Every child a council looks after, from a burn-in start well before the first return:
arrivals into care (and of unaccompanied children, and of disabled children for short
breaks), each child's periods of care, returns to care, and who becomes a care leaver."""

from __future__ import annotations

import math
import random
from datetime import date

from csc.synthetic.councils import (
    ETHNIC_MIX,
    Context,
    arrivals,
    case_ids,
    council_context,
    local_postcode,
    make_upn,
    regional_mean_factor,
    uasc_factor,
)
from csc.synthetic.draws import DAY, add_years, between, choice, days, seeded, weights
from csc.synthetic.ssda903.periods import detail_period, social_workers
from csc.synthetic.ssda903.placements import make_placement
from csc.synthetic.ssda903.plans import plan_period
from csc.synthetic.ssda903.records import (
    HOME_RECS,
    ORDER_RECS,
    Child,
    Episode,
    Period,
    Placement,
    Plan,
)

STARTS_PER_10K = 23.2
UASC_STARTS_PER_10K = 1.3
SHORT_BREAK_STARTS_PER_10K = 0.3
UASC_TREND = {
    2013: 0.5,
    2014: 0.8,
    2015: 1.6,
    2016: 1.5,
    2017: 1.0,
    2018: 0.9,
    2019: 1.0,
    2020: 0.75,
    2021: 1.0,
    2022: 1.4,
    2023: 1.5,
    2024: 1.2,
    2025: 1.1,
}
UASC_ETHNIC_MIX = weights("OOTH 34, BAFR 26, AOTH 20, WOTH 7, MOTH 4, BOTH 5, NOBT 4")
CIN_MIX = weights("N1 62, N2 2, N3 3, N4 8, N5 14, N6 2.5, N7 0.3, N8 8.2")
ENTRY_AGE_BANDS = weights("0 20, 1 14, 5 15, 10 37, 16 14")
PREV_PERM_BY_REC = {"E11": "P1", "E12": "P1", "E41": "P3"} | dict.fromkeys(
    ("E45", "E46", "E47", "E48"), "P2"
)
# Children starting care who had left an earlier care or been placed under an order:
# adoption (P1), special guardianship (P2), a child arrangements order (P3).
FIRST_PREV_PERM = weights("Z1 955, P1 12, P2 22, P3 11")


# --------------------------------------------------------------------------- arrivals


def _start_trend(day: date) -> float:
    point = day.year + (day.month - 1) / 12
    trend = 0.9 + 0.1 * min(max((point - 2008) / 13, 0.0), 1.0)
    if 2020.25 <= point < 2021.25:
        trend *= 0.9
    return trend


def _uasc_trend(day: date) -> float:
    year = min(max(day.year, 2013), 2025)
    return UASC_TREND[year]


def _flat(day: date) -> float:
    return 1.0


# --------------------------------------------------------------------------- children


def _entry_age_days(rng: random.Random, uasc: bool) -> int:
    if uasc:
        years = rng.choices((14, 15, 16, 17), weights=(8, 22, 40, 30))[0]
        return int((years + rng.random() * 0.95) * 365.25)
    band = ENTRY_AGE_BANDS.pick(rng)
    if band == "0":
        return between(rng, 0, 14) if rng.random() < 0.45 else between(rng, 15, 364)
    low, high = {"1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
    return between(rng, int(low * 365.25), int(high * 365.25) - 20)


def _prev_perm(
    rng: random.Random, ctx: Context, child: Child, period: Period, previous: Period | None
) -> tuple[str, str, date | None]:
    """The permanence arrangement a child had before this period of care, if any: the order
    that ended the council's own last period, or one made elsewhere or before records."""
    if previous is not None and previous.rec in PREV_PERM_BY_REC:
        return PREV_PERM_BY_REC[previous.rec], ctx.council.la_number, previous.end
    code = FIRST_PREV_PERM.pick(rng)
    earliest, latest = child.dob + days(180), period.start - days(90)
    if code == "Z1" or previous is not None or latest <= earliest:
        return "Z1", "", None
    own = rng.random() < 0.6 or not ctx.other_la_numbers
    la = ctx.council.la_number if own else choice(rng, ctx.other_la_numbers)
    return code, la, earliest + days(between(rng, 0, (latest - earliest).days))


def _period_from_plan(plan: Plan, cin: str, home: str) -> Period:
    return Period(start=plan.start, end=plan.end, rec=plan.rec, cin=cin, home_post=home)


def _reentry(rng: random.Random, child: Child, period: Period) -> date | None:
    chance = 0.17 if period.rec in HOME_RECS else 0.03 if period.rec in ORDER_RECS else 0.0
    if rng.random() >= chance:
        return None
    again = period.end + days(14 + int(rng.lognormvariate(math.log(300), 0.8)))
    if again >= add_years(child.dob, 18) - days(60):
        return None
    return again


def _care_child(
    rng: random.Random,
    ctx: Context,
    child_id: str,
    start: date,
    uasc: bool,
    horizon: date,
    window: date,
) -> Child:
    age_days = _entry_age_days(rng, uasc)
    dob = start - days(age_days)
    male = rng.random() < (0.92 if uasc else 0.55)
    child = Child(
        child_id=child_id,
        sex="1" if male else "2",
        dob=dob,
        ethnic=(UASC_ETHNIC_MIX if uasc else ETHNIC_MIX).pick(rng),
        upn=make_upn(rng, ctx, dob, uasc, age_days // 365),
        uasc=uasc,
        seed=rng.getrandbits(48),
    )
    home = local_postcode(rng, ctx)
    t: date | None = start
    while t is not None and t <= horizon:
        plan = plan_period(rng, ctx, child, t)
        cin = ("N8" if rng.random() < 0.95 else "N1") if uasc else CIN_MIX.pick(rng)
        # An unaccompanied child has no home in the country: no home postcode, and so no
        # distance from home (rules 392b and 406 leave such children out).
        period = _period_from_plan(plan, cin, "" if uasc else home)
        detail_seed = rng.getrandbits(64)
        if period.end >= window:
            detail_period(seeded(detail_seed), ctx, child, period, plan)
            previous = child.periods[-1] if child.periods else None
            period.prev_perm = _prev_perm(seeded(detail_seed + 1), ctx, child, period, previous)
        child.periods.append(period)
        t = _reentry(rng, child, period)
        if rng.random() < 0.3:
            home = local_postcode(rng, ctx)
    detailed = [p for p in child.periods if p.episodes]
    if detailed:
        child.workers = social_workers(seeded(child.seed + 1), ctx, detailed)
        for p in detailed:
            p.workers = [w for w in child.workers if w[1] <= p.end and w[2] > p.start]
    _finish_child(child)
    return child


def _short_break_child(
    rng: random.Random,
    ctx: Context,
    child_id: str,
    start: date,
    horizon: date,
    window: date,
) -> Child:
    dob = start - days(int(rng.uniform(4, 15) * 365.25))
    child = Child(
        child_id=child_id,
        sex="1" if rng.random() < 0.65 else "2",
        dob=dob,
        ethnic=ETHNIC_MIX.pick(rng),
        upn=make_upn(rng, ctx, dob, False, 6),
        uasc=False,
        seed=rng.getrandbits(48),
    )
    home = local_postcode(rng, ctx)
    stop = min(start + days(between(rng, 365, 6 * 365)), add_years(dob, 18) - DAY)
    in_unit = rng.random() < 0.6
    if in_unit:
        setting = choice(rng, ctx.settings["SHORT"])
        place = Placement("K2", 1, setting.provider, setting.post, setting.urn)
    else:
        # Short-break carers are never the child's long-term foster carers (U1, U4).
        place = make_placement(rng, ctx, "U6", 1, home)
    if rng.random() < 0.2:
        _add_break(child, place, "V4", start, stop, home, window)
    else:
        gap = rng.uniform(14, 50)
        t = start
        while t < stop and t <= horizon:
            end = t + days(between(rng, 1, 4))
            _add_break(child, place, "V3", t, end, home, window)
            t = end + days(max(3, int(rng.expovariate(1 / gap))))
    _finish_child(child)
    return child


def _add_break(
    child: Child, place: Placement, ls: str, start: date, end: date, home: str, window: date
) -> None:
    # Short breaks (V3, V4) carry no home or placement location, URN (rule 214), reviews or
    # motherhood.
    period = Period(start=start, end=end, rec="E4A", cin="N2", home_post="", short_break=True)
    if end >= window:
        period.episodes = [
            Episode(
                decom=start,
                dec=end,
                rne="S",
                ls=ls,
                place=place.code,
                provider=place.provider,
                reason="",
                pl_post="",
                urn="",
                rec="E4A",
            )
        ]
    child.periods.append(period)


def _finish_child(child: Child) -> None:
    child.first = child.periods[0].start
    child.last = max(p.end for p in child.periods)
    child.care_leaver = _is_care_leaver(child)
    if child.care_leaver:
        child.leaver_birthdays = tuple(add_years(child.dob, n) for n in range(17, 22))
    if child.sex == "2":
        child.mc_dob = _motherhood(seeded(child.seed), child)


def _is_care_leaver(child: Child) -> bool:
    periods = [p for p in child.periods if not p.short_break]
    # Those who died, were found to be adults, were adopted or whose care passed to
    # another council (which reports them) are not this council's care leavers.
    if not periods or periods[-1].rec in ("E2", "E15", "E3", "E11", "E12"):
        return False
    b14, b16, b18 = (add_years(child.dob, n) for n in (14, 16, 18))
    qualifying = sum(max(0, (min(p.end, b18) - max(p.start, b14)).days) for p in periods)
    return qualifying >= 91 and any(p.end >= b16 for p in periods)


def _motherhood(rng: random.Random, child: Child) -> date | None:
    b15, b18 = add_years(child.dob, 15), add_years(child.dob, 18)
    spans = [
        (max(p.start, b15), min(p.end, b18))
        for p in child.periods
        if not p.short_break and (min(p.end, b18) - max(p.start, b15)).days > 60
    ]
    if not spans or rng.random() >= 0.05:
        return None
    low, high = choice(rng, spans)
    return low + days(between(rng, 0, (high - low).days - 1))


def simulate_council(
    ons_code: str,
    *,
    seed: int = 903,
    scale: float = 1.0,
    start: date,
    horizon: date,
    window: date,
) -> list[Child]:
    """Every child of one council from `start` to `horizon`, from the council's own streams.

    Arrivals of each kind and the children themselves draw from separate streams, so the
    history up to a date does not depend on how far past it the simulation runs.
    """
    stream = f"{seed}:{ons_code}"
    ctx = council_context(ons_code, seeded(stream), scale)
    rates = (
        ("care", STARTS_PER_10K * ctx.factor / regional_mean_factor(), _start_trend),
        ("uasc", UASC_STARTS_PER_10K * uasc_factor(ons_code), _uasc_trend),
        ("short", SHORT_BREAK_STARTS_PER_10K, _flat),
    )
    starts = [
        (day, kind)
        for kind, rate, trend in rates
        for day in arrivals(seeded(f"{stream}:{kind}"), ctx, start, horizon, rate, trend)
    ]
    starts.sort(key=lambda item: item[0])
    rng = seeded(f"{stream}:children")
    ids = case_ids(rng, ons_code)
    children = []
    for day, kind in starts:
        child_rng = seeded(rng.getrandbits(64))
        if kind == "short":
            child = _short_break_child(child_rng, ctx, next(ids), day, horizon, window)
        else:
            child = _care_child(child_rng, ctx, next(ids), day, kind == "uasc", horizon, window)
        if _seen_from(child) >= window:
            children.append(child)
    return children


def _seen_from(child: Child) -> date:
    """The last day on which the child can still appear in a return."""
    return max(child.last, child.leaver_birthdays[-1] if child.leaver_birthdays else date.min)
