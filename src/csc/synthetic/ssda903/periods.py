"""The rest of a period of care: missing episodes, reviews, social workers, adoption details
and the odd draft value a council corrects in the next return."""

from __future__ import annotations

import random
from datetime import date

from csc import reference
from csc.synthetic.councils import NOT_REGISTERED, Context, local_postcode, postcode_sector, sc_urn
from csc.synthetic.draws import DAY, add_years, age_at, between, choice, days, weights
from csc.synthetic.ssda903.placements import (
    chain_episodes,
    draw_moves,
    final_rec,
    supported_reform,
    with_temporary_moves,
)
from csc.synthetic.ssda903.records import FOSTER, TEMPORARY, Child, Episode, Period, Plan, Worker

DRAFT_SHARE = 0.004
RUN_RATES = {"K2": 7.0, "H5": 4.0, "K3": 4.0, "P2": 3.0, "P1": 1.0, "S1": 2.0}
REVIEW_CODES = weights("PN1 45, PN2 5, PN3 6, PN4 3, PN5 10, PN6 14, PN7 17")
# FCONTA (first contact) opens a child's first allocation, so it is never a reason to change.
SW_REASONS = weights(
    "LEFTRL 33, MANAGE 14, ORGRST 9, ABSENC 9, PCCHAN 10, CHCHAN 5, TSPROC 8, OTHERS 7"
)
ADOPTERS = (
    (0.42, ("2", "MF", "L11")),
    (0.22, ("2", "MF", "L3")),
    (0.07, ("2", "MM", "L12")),
    (0.06, ("2", "FF", "L12")),
    (0.03, ("2", "FF", "L4")),
    (0.02, ("2", "MM", "L4")),
    (0.15, ("1", "F1", "L0")),
    (0.03, ("1", "M1", "L0")),
)


def _missing(rng: random.Random, child: Child, period: Period) -> list[tuple[str, date, date]]:
    b11 = add_years(child.dob, 11)
    if period.end <= b11 + days(7):
        return []
    homes = any(ep.place == "K2" for ep in period.episodes)
    share = 0.12 + (0.3 if homes else 0.0) + (0.06 if child.uasc else 0.0)
    if rng.random() >= share:
        return []
    intensity = rng.lognormvariate(0.45, 0.8)
    out: list[tuple[str, date, date]] = []
    free = max(period.start, b11)
    for ep in period.episodes:
        if ep.place in TEMPORARY or ep.place in ("R5", "K1", "R2"):
            continue
        rate = RUN_RATES.get(ep.place, 1.2 if ep.place in FOSTER else 3.5) * intensity / 365.25
        t = max(ep.decom, free)
        # A child missing when the placement ends is back by then (rules 575, 577), and back
        # before care ends: one still missing then leaves care for "other" reasons (580).
        stop = ep.dec if ep.rec == "X1" else ep.dec - DAY
        while len(out) < 60:
            t += days(int(rng.expovariate(rate)))
            if t >= stop:
                break
            kind = "A" if rng.random() < 0.25 else "M"
            back = min(t + days(_missing_length(rng, kind)), stop)
            out.append((kind, t, back))
            t = back + DAY
            free = t
    return out


def _missing_length(rng: random.Random, kind: str) -> int:
    draw = rng.random()
    if kind == "A":
        return 0 if draw < 0.6 else 1
    if draw < 0.4:
        return 0
    if draw < 0.75:
        return 1
    if draw < 0.95:
        return between(rng, 2, 7)
    return between(rng, 8, 30)


def _reviews(rng: random.Random, child: Child, period: Period) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    on_time = rng.random() < 0.94
    t = period.start + days(between(rng, 7, 20) if on_time else between(rng, 21, 40))
    count = 0
    while t < period.end:
        code = "PN0" if age_at(child.dob, t) < 4 else REVIEW_CODES.pick(rng)
        out.append((t, code))
        on_time = rng.random() < 0.93
        if count == 0:
            t += days(between(rng, 45, 90) if on_time else between(rng, 91, 120))
        else:
            t += days(between(rng, 120, 182) if on_time else between(rng, 183, 230))
        count += 1
    return out


def social_workers(rng: random.Random, ctx: Context, periods: list[Period]) -> list[Worker]:
    """A child's social workers from the first detailed period on: one allocation after
    another without gaps, kept while the child is out of care (as a child in need or care
    leaver), a new team taking over when the child comes back into care, and the last one
    still open."""
    out: list[Worker] = []
    t, reason, previous = periods[0].start, "FCONTA", ""
    i = 0
    while True:
        worker = choice(rng, ctx.workers)
        if worker == previous:
            worker = ctx.workers[(ctx.workers.index(worker) + 1) % len(ctx.workers)]
        change = t + days(max(14, int(rng.expovariate(1 / 400))))
        if change >= periods[i].end:
            # Out of care the allocation stands until the child comes back, if ever.
            i += 1
            if i == len(periods):
                out.append((worker, t, date.max, reason))
                return out
            change, reason_next = periods[i].start, "TSPROC"
        else:
            reason_next = SW_REASONS.pick(rng)
            if change.month == 3 and change.day > 25:
                # Caseloads are not handed over in the last days of the year.
                change = date(change.year, 4, 1)
        out.append((worker, t, change, reason))
        t, previous, reason = change, worker, reason_next


def _adopters(rng: random.Random, with_carer: bool) -> tuple[str, str, str, str]:
    draw = rng.random()
    for share, values in ADOPTERS:
        if draw < share:
            return ("1" if with_carer else "0", *values)
        draw -= share
    return ("1" if with_carer else "0", *ADOPTERS[0][1])


def _stands_alone(episodes: list[Episode], i: int) -> bool:
    """Whether an episode is a whole placement between moves to other carers: a draft value
    in it is then a slip in one placement's details, not a change within a placement the
    episodes either side would contradict (rules 383 and 434)."""
    ep = episodes[i]
    before = episodes[i - 1] if i else None
    after = episodes[i + 1] if i + 1 < len(episodes) else None
    return (
        ep.rne in ("S", "P", "B")
        and (before is None or before.place not in TEMPORARY)
        and (after is None or (after.rne in ("P", "B") and after.place not in TEMPORARY))
    )


def _drafts(rng: random.Random, ctx: Context, episodes: list[Episode]) -> None:
    columns = reference.tables()["episodes"].columns
    for i, ep in enumerate(episodes):
        # A draft is corrected by the next return, so only an episode that has closed by the
        # end of its first year shows one (an open one would differ from last year's).
        first_year_end = date(reference.year_ending(ep.decom), 3, 31)
        if ep.provider in ("", "PR0") or ep.dec > first_year_end or rng.random() >= DRAFT_SHARE:
            continue
        if not _stands_alone(episodes, i):
            continue
        draw = rng.random()
        if draw < 0.45:
            alternative = choice(rng, [p for p in ("PR1", "PR4", "PR5") if p != ep.provider])
            ep.draft = (columns.index("PLACE_PROVIDER"), alternative)
        elif draw < 0.75 and ep.urn not in ("", NOT_REGISTERED):
            ep.draft = (columns.index("URN"), sc_urn(rng))
        else:
            # Another sector than the placements either side, as a real slip would be.
            near = {postcode_sector(e.pl_post) for e in episodes[max(0, i - 1) : i + 2]}
            post = local_postcode(rng, ctx)
            for _ in range(20):
                if postcode_sector(post) not in near:
                    break
                post = local_postcode(rng, ctx)
            ep.draft = (columns.index("PL_POST"), post)


def detail_period(
    rng: random.Random, ctx: Context, child: Child, period: Period, plan: Plan
) -> None:
    moves = draw_moves(rng, ctx, child, plan, period.home_post)
    moves = with_temporary_moves(rng, ctx, moves, plan.legal, plan.end)
    moves = supported_reform(moves, plan.end)
    period.episodes = chain_episodes(plan, moves)
    period.rec = final_rec(rng, plan, period.episodes[-1], period.cin)
    period.episodes[-1].rec = period.rec
    _drafts(rng, ctx, period.episodes)
    period.missing = _missing(rng, child, period)
    period.reviews = _reviews(rng, child, period)
    period.decision = plan.decision
    period.decision_ceased = plan.decision_ceased
    if period.rec in ("E11", "E12") and plan.match:
        with_carer = any(ep.place == "A5" for ep in period.episodes)
        period.adoption = (plan.match, *_adopters(rng, with_carer))
