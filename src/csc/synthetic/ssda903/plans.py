"""How each period of care will go, drawn when it starts: how it ends and when (by the
child's age at entry), the legal statuses on the way (court orders, section 20), and the
moves the plan forces (a placement for adoption, a return home, a move at 16)."""

from __future__ import annotations

import math
import random
from datetime import date

from csc.synthetic.councils import UASC_ENTRY_POINTS, Context
from csc.synthetic.draws import DAY, Weighted, add_years, between, choice, days, weights
from csc.synthetic.ssda903.records import Child, Plan

OUTCOMES_BY_AGE: tuple[tuple[int, Weighted], ...] = (
    (1, weights("adopt 30, sgo 16, home 28, long 13, e41 6, other 7")),
    (5, weights("adopt 16, sgo 17, home 33, long 20, e41 7, other 7")),
    (10, weights("adopt 1, sgo 12, home 42, long 31, e41 7, other 7")),
    (16, weights("sgo 3, home 47, long 35, remand 5, e41 3, other 7")),
    (18, weights("home 38, long 51, remand 5, other 6")),
)
OTHER_RECS = weights("E3 40, E8 32, E9 11, E16 9, E2 2, E41 6")
UASC_ENDS = weights("AGE18 82, E3 8, E15 4, E8 5, E16 1")
EMERGENCY_LS = Weighted({"": 89, "L1": 7, "L2": 4})
HOME_REC_MIX = weights("E4A 62, E4B 22, E13 16")
PLACED_CEASED_REASONS = weights("RD1 40, RD3 40, RD4 20")


def pick_by_age(table: tuple[tuple[int, Weighted], ...], age: float) -> Weighted:
    for upper, mix in table:
        if age < upper:
            return mix
    return table[-1][1]


def _court_path(
    rng: random.Random, start: date, *, order: bool, s20_share: float
) -> tuple[list[tuple[date, str]], date | None]:
    legal: list[tuple[date, str]] = []
    t = start
    emergency = EMERGENCY_LS.pick(rng)
    if emergency:
        legal.append((t, emergency))
        t += days(between(rng, 1, 3) if emergency == "L1" else between(rng, 2, 8))
    if not order:
        legal.append((t, "V2"))
        return legal, None
    if rng.random() < s20_share:
        legal.append((t, "V2"))
        t += days(between(rng, 20, 200))
    legal.append((t, "C1"))
    return legal, t + days(between(rng, 150, 400))


def _final_hearing_move(rng: random.Random, plan: Plan, final: date) -> None:
    """Now and then a child moves to a long-term placement on the day the court decides."""
    if rng.random() < 0.12:
        plan.forced.append((final, "move"))


def _plan_home(rng: random.Random, start: date, age: float) -> Plan:
    legal, final = _court_path(rng, start, order=rng.random() < 0.45, s20_share=0.3)
    end = start + days(max(1, int(rng.lognormvariate(math.log(200), 1.25))))
    plan = Plan(start, end, HOME_REC_MIX.pick(rng), "home", legal)
    if final and final < end - days(7):
        legal.append((final, "C2"))
        _final_hearing_move(rng, plan, final)
        room = (end - final).days
        if room > 60 and rng.random() < 0.45:
            plan.forced.append((end - days(between(rng, 30, min(300, room - 7))), "p1"))
    return plan


def _plan_adopt(rng: random.Random, start: date, age: float, b18: date) -> Plan:
    legal, final = _court_path(rng, start, order=True, s20_share=0.15)
    if final is None:
        raise RuntimeError("a court path with an order always reaches a final hearing")
    legal.append((final, "E1"))
    decision = final - days(between(rng, 30, 120))
    if decision <= legal[-2][0]:
        decision = legal[-2][0] + (final - legal[-2][0]) // 2
    plan = Plan(start, final, "E12", "adopt", legal, decision=decision)
    if age < 1 and rng.random() < 0.22:
        plan.first_kind = "ffa"
    if rng.random() < 0.08:
        ceased = final + days(between(rng, 120, 500))
        plan.decision_ceased = (ceased, PLACED_CEASED_REASONS.pick(rng))
        # The placement order is revoked with the decision and the care order revives.
        legal.append((ceased, "C2"))
        if rng.random() < 0.5:
            plan.end, plan.rec, plan.outcome = b18, "AGE18", "long"
        else:
            plan.end, plan.rec, plan.outcome = ceased + days(between(rng, 200, 700)), "SGO", "sgo"
        return plan
    ffa = plan.first_kind == "ffa"
    placed = final + days(between(rng, 10, 120) if ffa else between(rng, 30, 270))
    plan.adopt_code = "A5" if ffa or rng.random() < 0.12 else "A6"
    plan.match = max(final + days(3), placed - days(between(rng, 14, 90)))
    if plan.match >= placed:
        plan.match = placed - days(1)
    plan.forced.append((placed, "adopt"))
    plan.end = placed + days(between(rng, 90, 420))
    if (plan.end.month, plan.end.day) == (3, 31):
        # Care ending on 31 March counts as continuous to the year's end, and such a child
        # has no adoption details that year (rule 187): the order is made a day later.
        plan.end += DAY
    plan.rec = "E12" if rng.random() < 0.55 else "E11"
    return plan


def _plan_order_exit(rng: random.Random, start: date, outcome: str) -> Plan:
    legal, final = _court_path(rng, start, order=rng.random() < 0.8, s20_share=0.3)
    if final is None:
        final = start + days(between(rng, 200, 500))
    end = final
    if rng.random() < 0.5:
        legal.append((final, "C2"))
        end = final + days(between(rng, 90, 720))
    plan = Plan(start, end, "SGO" if outcome == "sgo" else "E41", outcome, legal)
    if end > final:
        _final_hearing_move(rng, plan, final)
    if rng.random() < (0.55 if outcome == "sgo" else 0.6):
        plan.first_kind = "kin"
    elif rng.random() < 0.5 and (end - start).days > 60:
        plan.forced.append((start + days(between(rng, 14, (end - start).days - 30)), "kin"))
    return plan


def _plan_long(rng: random.Random, child: Child, start: date, age: float, b18: date) -> Plan:
    legal, final = _court_path(
        rng, start, order=rng.random() < (0.85 if age < 13 else 0.55), s20_share=0.3
    )
    plan = Plan(start, b18, "AGE18", "long", legal)
    if age < 10 and rng.random() < 0.3:
        plan.end = start + days(between(rng, 3 * 365, 8 * 365))
        plan.rec = choice(rng, ("E4A", "E41", "SGO"))
    if final:
        legal.append((final, "C2"))
        _final_hearing_move(rng, plan, final)
        if rng.random() < 0.22:
            home = final + days(between(rng, 30, 300))
            if home < plan.end - days(60):
                plan.forced.append((home, "p1"))
                plan.end = min(plan.end, home + days(between(rng, 300, 1500)))
                plan.rec = "E4A" if plan.end < b18 else plan.rec
                return plan
    b16 = add_years(child.dob, 16)
    if rng.random() < 0.35:
        semi = b16 + days(between(rng, 0, 600))
        if start + days(30) < semi < plan.end - days(30):
            plan.forced.append((semi, "semi"))
    return plan


def _plan_other(rng: random.Random, start: date, age: float) -> Plan:
    rec = OTHER_RECS.pick(rng)
    if rec == "E9" and age < 13:
        rec = "E8"
    legal, final = _court_path(rng, start, order=rng.random() < 0.5, s20_share=0.3)
    end = start + days(between(rng, 14, 700))
    plan = Plan(start, end, rec, "other", legal)
    if final and final < end - days(7):
        legal.append((final, "C2"))
        _final_hearing_move(rng, plan, final)
    return plan


def _plan_remand(rng: random.Random, start: date) -> Plan:
    if rng.random() < 0.35:
        return Plan(
            start, start + days(between(rng, 1, 2)), "E8", "remand", [(start, "J2")], [], "pace"
        )
    end = start + days(between(rng, 7, 150))
    rec = weights("E14 60, E9 25, E4A 15").pick(rng)
    return Plan(start, end, rec, "remand", [(start, "J1")], [], "remand")


def _plan_uasc(rng: random.Random, ctx: Context, child: Child, start: date, b18: date) -> Plan:
    rec = UASC_ENDS.pick(rng)
    if rec == "E8" and ctx.council.ons_code in UASC_ENTRY_POINTS and rng.random() < 0.5:
        rec = "E3"
    if ctx.council.ons_code in UASC_ENTRY_POINTS and rec == "AGE18" and rng.random() < 0.15:
        rec = "E3"
    ends = {"AGE18": None, "E3": (7, 120), "E15": (30, 240), "E8": (30, 500), "E16": (60, 400)}
    window = ends[rec]
    end = b18 if window is None else start + days(between(rng, *window))
    plan = Plan(start, end, rec, "uasc", [(start, "V2")], [], "uasc")
    b16 = add_years(child.dob, 16)
    if start < b16 and rng.random() < 0.6:
        plan.forced.append((b16 + days(between(rng, 0, 200)), "semi"))
    return plan


def plan_period(rng: random.Random, ctx: Context, child: Child, start: date) -> Plan:
    b18 = add_years(child.dob, 18)
    age = (start - child.dob).days / 365.25
    if child.uasc:
        plan = _plan_uasc(rng, ctx, child, start, b18)
    else:
        outcome = pick_by_age(OUTCOMES_BY_AGE, age).pick(rng)
        if outcome == "remand" and age < 12:
            outcome = "home"
        if outcome == "home":
            plan = _plan_home(rng, start, age)
        elif outcome == "adopt":
            plan = _plan_adopt(rng, start, age, b18)
        elif outcome in ("sgo", "e41"):
            plan = _plan_order_exit(rng, start, outcome)
        elif outcome == "long":
            plan = _plan_long(rng, child, start, age, b18)
        elif outcome == "remand":
            plan = _plan_remand(rng, start)
        else:
            plan = _plan_other(rng, start, age)
    return _trim(plan, b18)


def _trim(plan: Plan, b18: date) -> Plan:
    if plan.end > b18:
        plan.end, plan.rec = b18, "AGE18"
    if plan.end <= plan.start:
        plan.end = plan.start + DAY
    plan.legal = [plan.legal[0]] + [e for e in plan.legal[1:] if plan.start < e[0] < plan.end]
    plan.forced = sorted(f for f in plan.forced if plan.start < f[0] < plan.end)
    if plan.decision and plan.decision >= plan.end:
        plan.decision = None
        plan.decision_ceased = None
    if plan.decision_ceased and plan.decision_ceased[0] >= plan.end:
        plan.decision_ceased = None
    if plan.rec in ("E11", "E12") and not any(kind == "adopt" for _, kind in plan.forced):
        plan.rec = "AGE18" if plan.end == b18 else "SGO"
    return plan
