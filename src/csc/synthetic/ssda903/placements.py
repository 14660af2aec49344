"""Where a child lives through a period of care: the placements the plan and chance lead to,
short stays away from them, the supported accommodation reform, and the episodes they
make with the legal statuses."""

from __future__ import annotations

import itertools
import random
from datetime import date

from csc import reference
from csc.synthetic.councils import (
    NOT_REGISTERED,
    PROVIDERS,
    Context,
    new_urn,
    placement_postcode,
    postcode_sector,
)
from csc.synthetic.draws import Weighted, between, choice, days, weights
from csc.synthetic.ssda903.plans import pick_by_age
from csc.synthetic.ssda903.records import (
    FOSTER,
    KINSHIP,
    SUPPORTED_REFORM,
    TEMPORARY,
    Child,
    Episode,
    Move,
    Placement,
    Plan,
)

WOBBLE = weights("0.45 55, 1.0 30, 2.6 15")
MOVE_REASONS = weights(
    "LAREQ 24, CREQB 16, CREQO 10, CHILD 9, CLOSE 4, ALLEG 4, STAND 4, APPRR 3, OTHER 12"
)
TEMPORARY_CODES = weights("T4 45, T3 20, T1 12, T0 13, T2 10")
PLACE_BY_AGE: tuple[tuple[int, Weighted], ...] = (
    (5, weights("U6 72, U3 14, U4 6, U1 2, R3 2")),
    (10, weights("U6 62, U4 14, U3 12, U1 4, K2 5, S1 1, R1 1, R2 1")),
    (14, weights("U6 52, U4 12, U3 8, U1 3, K2 20, S1 2, K1 1, R2 1, Z 1")),
    (16, weights("U6 45, U4 10, U3 6, U1 2, K2 29, S1 2, K1 1, R2 1, Z 2")),
    (18, weights("U6 36, U4 8, U3 5, U1 2, K2 22, SEMI 22, Z 3, R2 1, P3 1")),
)
UASC_PLACES_UNDER_16 = weights("U6 75, K2 20, U4 5")
UASC_PLACES_16 = weights("SEMI 60, U6 28, K2 12")
SEMI_PHASE_PLACES = weights("SEMI 85, K2 10, Z 5")
REMAND_PLACES = weights("R5 35, K1 15, K2 25, U6 25")
PACE_PLACES = weights("K2 50, U6 50")
Z_CODES = weights("Z11 60, Z12 15, Z13 10, Z14 15")
IN_AREA_FOSTER = {"PR1": 0.9, "PR2": 0.1, "PR4": 0.55, "PR5": 0.6}
AGE18_RECS: dict[str, Weighted] = {
    "foster": weights("E17 40, E5 40, E6 5, E8 15"),
    "residential": weights("E5 62, E8 28, E6 10"),
    "disabled": weights("E7 55, E5 30, E8 15"),
    "semi": weights("E5 55, E6 35, E8 10"),
    "other": weights("E8 60, E5 30, E6 10"),
}
SGO_RECS: dict[str, Weighted] = {
    "kin": weights("E45 80, E47 20"),
    "foster": weights("E46 75, E48 15, E47 10"),
    "other": weights("E47 60, E48 40"),
}
# Moves are likeliest in the first year in care, when a child often goes first to whatever
# placement is free that night and then on as the plan takes shape; past it most children
# are in the placement planned for them.
FIRST_YEAR_MOVES = 1.4
SETTLED_MOVES = 0.15
# The chance a child's first placement is an emergency one, moved on within weeks, by age
# at entry: adolescents come into care in a crisis more often than young children.
EMERGENCY_BY_AGE = ((11, 0.5), (18, 0.6))


# --------------------------------------------------------------------------- placements


def _year_code(rng: random.Random, generic: str, day: date) -> str:
    year_end = reference.year_ending(day)
    if generic == "SEMI":
        if year_end >= 2025:
            return "K3"
        return "P2" if rng.random() < 0.12 and day < SUPPORTED_REFORM else "H5"
    if generic == "Z":
        return "Z1" if year_end <= 2025 else Z_CODES.pick(rng)
    return generic


def _generic_code(
    rng: random.Random, child: Child, plan: Plan, kind: str, age: float, in_care: int
) -> str:
    if kind == "kin":
        return "U1" if in_care >= 365 else "U3"
    if kind == "ffa":
        return "U5"
    if kind == "remand":
        code = REMAND_PLACES.pick(rng)
        return "K1" if code == "R5" and age < 15 else code
    if kind == "pace":
        return PACE_PLACES.pick(rng)
    if kind == "semi":
        return SEMI_PHASE_PLACES.pick(rng)
    if child.uasc:
        return (UASC_PLACES_16 if age >= 16 else UASC_PLACES_UNDER_16).pick(rng)
    code = pick_by_age(PLACE_BY_AGE, age).pick(rng)
    if code == "R3" and age >= 1:
        code = "U6"
    if in_care < 365 and code in ("U4", "U1"):
        code = "U6" if code == "U4" else "U3"
    if code in ("S1", "R1") and plan.outcome == "uasc":
        code = "U6"
    return code


def _new_address(
    rng: random.Random, ctx: Context, in_area: float, leaving: Placement | None
) -> str:
    """A placement's postcode, in another sector than the placement the child leaves: a move
    to a new carer shows in the drops, which keep the sector (rules 435 and 436)."""
    post = placement_postcode(rng, ctx, in_area)
    away = leaving.post if leaving is not None else ""
    for _ in range(20):
        if postcode_sector(post) != postcode_sector(away):
            break
        post = placement_postcode(rng, ctx, in_area)
    return post


def make_placement(
    rng: random.Random,
    ctx: Context,
    code: str,
    carer: int,
    home: str,
    leaving: Placement | None = None,
) -> Placement:
    """A new placement with carer number `carer`, never one that looks like `leaving`."""
    # Only foster and adoption placements use the URN XXXXXXX; the types Ofsted does not
    # register (temporary, with parents, other) leave it blank.
    if code in TEMPORARY:
        return Placement(code, carer, "", "", "")
    if code == "P1":
        return Placement(code, carer, "PR0", home, "")
    if code in FOSTER:
        kind = "kin" if code in KINSHIP else "foster"
        provider = PROVIDERS[kind].pick(rng)
        in_area = 0.7 if kind == "kin" else IN_AREA_FOSTER.get(provider, 0.5)
        if provider == "PR1":
            urn = ctx.la_fostering_urn
        else:
            urn = choice(rng, ctx.agencies.get(provider) or [ctx.la_fostering_urn])
        return Placement(code, carer, provider, _new_address(rng, ctx, in_area, leaving), urn)
    if code in ("A5", "A6", "A3", "A4"):
        provider = PROVIDERS["adopt"].pick(rng)
        post = _new_address(rng, ctx, 0.5, leaving)
        return Placement(code, carer, provider, post, NOT_REGISTERED)
    pool = {"H5": "SEMI", "P2": "SEMI", "K3": "SEMI"}.get(code, code)
    settings = ctx.settings.get(pool)
    if settings:
        setting = choice(rng, settings)
        away = postcode_sector(leaving.post) if leaving is not None else ""
        if postcode_sector(setting.post) == away:
            # A move is to another home, not back to the one the child leaves.
            others = [s for s in settings if postcode_sector(s.post) != away]
            setting = choice(rng, others) if others else setting
        urn = setting.urn
        if code == "K3":
            urn = setting.later_urn or new_urn(rng)
        later = setting.later_urn if code in ("H5", "P2") else ""
        return Placement(code, carer, setting.provider, setting.post, urn, later)
    # Other placements (Z) have no provider.
    provider = "" if code.startswith("Z") else "PR4"
    return Placement(code, carer, provider, _new_address(rng, ctx, 0.5, leaving), "")


def _move_rate(code: str, age: float, wobble: float) -> float:
    if code.startswith("A") or code == "P1":
        return 0.0
    # Teenagers move most, and those in children's homes most of all.
    base = 0.36 if age < 5 else 0.42 if age < 11 else 0.72 if age < 16 else 1.0
    if code == "K2":
        base *= 1.7
    elif code in ("K3", "H5", "P2") or code.startswith("Z"):
        base *= 1.2
    elif code in ("U1", "U4"):
        base *= 0.4
    elif code in KINSHIP:
        base *= 0.5
    elif code == "U5":
        base *= 0.1
    return base * wobble


def _within_stay(
    rng: random.Random, placement: Placement, start: date, end: date, age: float, plan: Plan
) -> list[Move]:
    upgrade = {"U6": ("U4", 0.4), "U3": ("U1", 0.3)}.get(placement.code)
    if upgrade is None or age >= 16 or rng.random() >= upgrade[1]:
        return []
    when = start + days(between(rng, 180, 720))
    hearings = [d for d, _ in plan.legal if start + days(60) < d < end - days(7)]
    if hearings and rng.random() < 0.3:
        when = hearings[-1]
    if when >= end - days(7):
        return []
    changed = Placement(
        upgrade[0], placement.carer, placement.provider, placement.post, placement.urn
    )
    return [(when, changed, "PLACE")]


def _next_placement(
    rng: random.Random,
    ctx: Context,
    child: Child,
    plan: Plan,
    kind: str,
    t: date,
    current: Placement | None,
    carer: int,
    home: str,
) -> tuple[Placement, str]:
    if kind == "adopt":
        if plan.adopt_code == "A5" and current is not None and current.code in FOSTER:
            same_carer = Placement(
                "A5", current.carer, current.provider, current.post, NOT_REGISTERED
            )
            return same_carer, "PLACE"
        return make_placement(rng, ctx, "A6", carer, home, current), "LAREQ"
    if kind == "p1":
        return make_placement(rng, ctx, "P1", carer, home), "LAREQ"
    age = (t - child.dob).days / 365.25
    generic = _generic_code(rng, child, plan, kind, age, (t - plan.start).days)
    placement = make_placement(rng, ctx, _year_code(rng, generic, t), carer, home, current)
    if placement.code == "H5" and t >= SUPPORTED_REFORM:
        placement.urn = placement.later_urn
    if kind in ("semi", "kin"):
        return placement, "CHILD" if kind == "semi" and rng.random() < 0.3 else "LAREQ"
    return placement, MOVE_REASONS.pick(rng)


def draw_moves(rng: random.Random, ctx: Context, child: Child, plan: Plan, home: str) -> list[Move]:
    moves: list[Move] = []
    carers = itertools.count(1)
    wobble = float(WOBBLE.pick(rng))
    forced = list(plan.forced)
    t, kind, current = plan.start, plan.first_kind, None
    entry_age = (t - child.dob).days / 365.25
    emergency_chance = next((p for upper, p in EMERGENCY_BY_AGE if entry_age < upper), 0.6)
    emergency = kind == "first" and rng.random() < emergency_chance
    phase_fixed = False
    while True:
        placement, reason = _next_placement(
            rng, ctx, child, plan, kind, t, current, next(carers), home
        )
        moves.append((t, placement, "" if not moves else reason))
        phase_fixed = phase_fixed or kind in ("adopt", "p1")
        upcoming = next((f for f in forced if f[0] > t), None)
        limit = upcoming[0] if upcoming else plan.end
        age = (t - child.dob).days / 365.25
        move_at = None
        if emergency:
            move_at, emergency = t + days(between(rng, 2, 45)), False
        elif not phase_fixed:
            rate = _move_rate(placement.code, age, wobble)
            rate *= SETTLED_MOVES if t - plan.start >= days(365) else FIRST_YEAR_MOVES
            if rate > 0:
                move_at = t + days(int(rng.expovariate(rate) * 365.25) + 1)
        stay_end = move_at if move_at and move_at < limit else limit
        moves.extend(_within_stay(rng, placement, t, stay_end, age, plan))
        if stay_end >= plan.end:
            return moves
        current = moves[-1][1]
        if move_at and move_at < limit:
            kind = "semi" if any(k == "semi" and d <= t for d, k in forced) else "move"
        else:
            kind = upcoming[1] if upcoming else "move"
        t = stay_end


def with_temporary_moves(
    rng: random.Random,
    ctx: Context,
    moves: list[Move],
    legal: list[tuple[date, str]],
    end: date,
) -> list[Move]:
    """Short stays away (hospital, holiday, respite) from a foster or children's home
    placement, the child returning to it; each is an episode with where the child stayed
    (rule 392b), no provider and no URN."""
    taken = {d for d, _, _ in moves} | {d for d, _ in legal}
    extra: list[Move] = []
    carer = 1000
    for i, (start, placement, _) in enumerate(moves):
        stay_end = moves[i + 1][0] if i + 1 < len(moves) else end
        if placement.code not in FOSTER and placement.code != "K2":
            continue
        t = start
        while True:
            t += days(int(rng.expovariate(0.12 / 365.25)) + 1)
            length = between(rng, 1, 7)
            if t + days(length + 3) >= stay_end:
                break
            if t - days(3) <= start or any(t - days(2) <= d <= t + days(length + 2) for d in taken):
                continue
            carer += 1
            code = TEMPORARY_CODES.pick(rng)
            away = Placement(code, carer, "", placement_postcode(rng, ctx, 0.6), "")
            extra.append((t, away, "OTHER"))
            extra.append((t + days(length), placement, "CARPL"))
            taken.update((t, t + days(length)))
            t += days(length)
    if not extra:
        return moves
    return sorted(moves + extra, key=lambda move: move[0])


def supported_reform(moves: list[Move], end: date) -> list[Move]:
    """A child in independent living (P2) or an unregistered semi-independent setting (H5)
    when the reform came in stays with the same provider, now registered: a new episode."""
    out: list[Move] = []
    for i, (start, placement, reason) in enumerate(moves):
        out.append((start, placement, reason))
        stay_end = moves[i + 1][0] if i + 1 < len(moves) else end
        if placement.code in ("H5", "P2") and start < SUPPORTED_REFORM < stay_end:
            registered = Placement(
                "H5",
                placement.carer,
                placement.provider,
                placement.post,
                placement.later_urn,
                placement.later_urn,
            )
            out.append((SUPPORTED_REFORM, registered, "PLACE"))
    return out


# --------------------------------------------------------------------------- episodes


def _rne(ls_changed: bool, carer_changed: bool, place_changed: bool) -> str:
    if carer_changed:
        return "B" if ls_changed else "P"
    if place_changed:
        return "U" if ls_changed else "T"
    return "L" if ls_changed else ""


def chain_episodes(plan: Plan, moves: list[Move]) -> list[Episode]:
    events = sorted({d for d, _ in plan.legal} | {d for d, _, _ in moves})
    episodes: list[Episode] = []
    li = mi = 0
    prev_ls = ""
    prev: Placement | None = None
    for day in events:
        while li + 1 < len(plan.legal) and plan.legal[li + 1][0] <= day:
            li += 1
        while mi + 1 < len(moves) and moves[mi + 1][0] <= day:
            mi += 1
        ls = plan.legal[li][1]
        placement = moves[mi][1]
        reason = moves[mi][2] if moves[mi][0] == day else ""
        if prev is None:
            rne, reason = "S", ""
        else:
            changed = placement.code != prev.code or placement.urn != prev.urn
            rne = _rne(ls != prev_ls, placement.carer != prev.carer, changed)
            if not rne:
                continue
            if rne == "L":
                reason = ""
            episodes[-1].dec = day
        episodes.append(
            Episode(
                decom=day,
                dec=plan.end,
                rne=rne,
                ls=ls,
                place=placement.code,
                provider=placement.provider,
                reason=reason,
                pl_post=placement.post,
                urn=placement.urn,
                later_urn=placement.later_urn,
                carer=placement.carer,
            )
        )
        prev_ls, prev = ls, placement
    # The reason for a placement change is recorded on the episode that ends with it, and
    # not for moves into or out of a temporary placement.
    for before, after in itertools.pairwise(episodes):
        moved = after.rne in ("P", "B", "T", "U")
        temporary = before.place in TEMPORARY or after.place in TEMPORARY
        before.reason = after.reason if moved and not temporary else ""
    episodes[-1].reason = ""
    return episodes


def final_rec(rng: random.Random, plan: Plan, last: Episode, cin: str) -> str:
    place = last.place
    if plan.rec == "AGE18":
        if place in FOSTER:
            group = "foster"
        elif place in ("K2", "K1", "R1", "S1", "R2"):
            group = "disabled" if cin == "N2" else "residential"
        elif place in ("H5", "K3", "P2") or place.startswith("Z"):
            group = "semi"
        else:
            group = "other"
        return AGE18_RECS[group].pick(rng)
    if plan.rec == "SGO":
        group = "kin" if place in KINSHIP else "foster" if place in FOSTER else "other"
        return SGO_RECS[group].pick(rng)
    return plan.rec
