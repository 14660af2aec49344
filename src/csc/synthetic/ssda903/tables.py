"""The SSDA903 tables of one return: what the council's system holds about each child at
the return's reference date, in the DfE's CSV layout and the codes of its year."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from csc import reference
from csc.synthetic.councils import NOT_REGISTERED
from csc.synthetic.draws import add_years, age_at, fmt, seeded, weights
from csc.synthetic.ssda903.records import RECODED_PLACE, Child, Episode, Period
from csc.synthetic.views import View, write_csv

Tables = dict[str, list[list[str]]]
_DOLO = reference.tables()["dolo"]

FILE_NAMES: dict[str, str] = {
    "header": "Header.csv",
    "episodes": "Episodes.csv",
    "uasc": "UASC.csv",
    "oc2": "OC2.csv",
    "oc3": "OC3.csv",
    "missing": "Missing.csv",
    "reviews": "Reviews.csv",
    "placed_adoption": "PlacedAdoption.csv",
    "ad1": "AD1.csv",
    "sw_episodes": "SWEpisodes.csv",
    "prev_perm": "PrevPerm.csv",
    "dolo": "DoLo.csv",
}
SDQ_MISSING = weights("SDQ2 30, SDQ4 40, SDQ5 25, SDQ3 5")
IN_TOUCH = weights("YES 89, NO 4, REFU 3, RHOM 2, NREQ 2")
ACTIV_17_18 = weights("F2 45, P2 5, F4 4, F5 8, P5 5, F1 1, G4 7, G5 22, G6 3")
ACTIV_19_21 = weights("F1 7, P1 1, F2 17, P2 4, F4 5, P4 1, F5 19, P5 12, G4 8, G5 20, G6 6")
# A foyer (T) takes young people from 18 (rule 347): none at the 17th or 18th birthday.
ACCOM_17_18 = weights("Z 25, D 30, B 14, U 10, C 5, E 12, Y 2, K 2")
ACCOM_19_21 = weights("U 40, D 15, B 15, Z 9, E 5, T 3, K 3, X 2, S 1, V 2, W 1")
# No fixed abode (S) and gone abroad (X) are always unsuitable; W and V mostly.
ACCOM_UNSUITABLE = {"S": 1.0, "X": 1.0, "W": 0.6, "V": 0.6}


# --------------------------------------------------------------------------- codes of the year


@cache
def valid_codes(year_ending: int) -> dict[str, frozenset[str]]:
    fields = {row["field"] for row in reference.code_rows()}
    return {name: frozenset(reference.codes(name, year_ending)) for name in fields}


def sex_for_year(code: str, year_ending: int) -> str:
    valid = valid_codes(year_ending)["SEX"]
    if code in valid:
        return code
    return {"1": "M", "2": "F", "M": "1", "F": "2"}.get(code, code)


def place_for_year(ep: Episode, year_ending: int) -> tuple[str, str]:
    place, urn = ep.place, ep.urn
    if place not in valid_codes(year_ending)["PLACE"]:
        place = RECODED_PLACE.get(place, place)
        if place == "K3" and urn == NOT_REGISTERED and ep.later_urn:
            urn = ep.later_urn
    return place, urn


# --------------------------------------------------------------------------- rows


def _draft_visible(ep: Episode, view: View) -> bool:
    first_return = date(reference.year_ending(ep.decom), 3, 31)
    return view.reference_date <= first_return


def _episode_row(child: Child, period: Period, ep: Episode, view: View) -> list[str]:
    ref = view.reference_date
    place, urn = place_for_year(ep, view.year_ending)
    closed = ep.dec <= ref
    row = [
        child.child_id,
        fmt(ep.decom),
        ep.rne,
        ep.ls,
        period.cin,
        place,
        ep.provider,
        fmt(ep.dec) if closed else "",
        ep.rec if closed else "",
        ep.reason if closed else "",
        period.home_post,
        ep.pl_post,
        urn,
    ]
    if ep.draft and _draft_visible(ep, view):
        row[ep.draft[0]] = ep.draft[1]
    return row


def _child_rng(child: Child, year_ending: int, salt: int) -> random.Random:
    return seeded(child.seed * 1000 + year_ending * 10 + salt)


def _oc2_row(child: Child, view: View) -> list[str]:
    rng = _child_rng(child, view.year_ending, 2)
    # The items depend on the age at the end of the collection year, in-year extracts too.
    age = age_at(child.dob, date(view.year_ending, 3, 31))
    score, reason = "", ""
    if 4 <= age <= 16:
        if rng.random() < 0.78:
            base = 8 + (child.seed >> 5) % 14
            score = str(min(40, max(0, round(rng.gauss(base, 4)))))
        else:
            reason = SDQ_MISSING.pick(rng)
    elif age == 17 and add_years(child.dob, 17) >= view.start:
        reason = "SDQ1"  # the 17th birthday in the year, 1 April included (rule 197B)
    teeth = {2020: 0.7, 2021: 0.4, 2022: 0.7}.get(view.year_ending, 0.84)
    misuse = age >= 11 and rng.random() < 0.06
    received = offered = ""
    if misuse:
        received = "1" if rng.random() < 0.55 else "0"
        # Whether one was offered is asked only of those who did not receive one.
        offered = "" if received == "1" else _flag(rng, 0.7)
    convicted = _flag(rng, 0.035) if age >= 10 else ""
    health_check = _flag(rng, 0.9)
    return [
        child.child_id,
        fmt(child.dob),
        score,
        reason,
        convicted,
        health_check if age < 5 else "",
        _flag(rng, 0.86),
        _flag(rng, teeth),
        _flag(rng, 0.9),
        "1" if misuse else "0",
        received,
        offered,
    ]


def _flag(rng: random.Random, share: float) -> str:
    return "1" if rng.random() < share else "0"


def _oc3_row(child: Child, birthday_age: int, view: View) -> list[str]:
    rng = _child_rng(child, view.year_ending, 3)
    in_touch = IN_TOUCH.pick(rng)
    if in_touch in ("NO", "REFU", "RHOM"):
        return [child.child_id, fmt(child.dob), in_touch, "0", "0"]
    activ = (ACTIV_17_18 if birthday_age <= 18 else ACTIV_19_21).pick(rng)
    letter = (ACCOM_17_18 if birthday_age <= 18 else ACCOM_19_21).pick(rng)
    if letter == "Z" and birthday_age == 17:
        letter = "D"  # staying put with former foster carers begins at 18
    unsuitable = rng.random() < ACCOM_UNSUITABLE.get(letter, 0.04)
    return [child.child_id, fmt(child.dob), in_touch, activ, f"{letter}{2 if unsuitable else 1}"]


def _in_care_on(child: Child, day: date) -> bool:
    """Looked after on `day`, counting the day care ended (care ending on the 17th or 18th
    birthday leaves nothing to report for that birthday)."""
    return any(p.start <= day <= p.end for p in child.periods if not p.short_break)


def _left_care_before(child: Child, day: date) -> bool:
    """A care leaver by `day`: care that qualifies had already ended (a young person who
    first came into care after the birthday is not yet a care leaver on it)."""
    b14, b16, b18 = (add_years(child.dob, n) for n in (14, 16, 18))
    ended = [p for p in child.periods if not p.short_break and p.end < day]
    qualifying = sum(max(0, (min(p.end, b18) - max(p.start, b14)).days) for p in ended)
    return qualifying >= 91 and any(p.end >= b16 for p in ended)


def _oc3_rows(child: Child, view: View) -> list[list[str]]:
    rows = []
    for n, birthday in enumerate(child.leaver_birthdays, start=17):
        if (
            view.start <= birthday <= view.reference_date
            and not _in_care_on(child, birthday)
            and _left_care_before(child, birthday)
        ):
            rows.append(_oc3_row(child, n, view))
    return rows


def _uasc_ceased(child: Child, ref: date) -> date:
    """The day UASC status ceased as known at `ref`: the 18th birthday, or the day an age
    assessment found the young person to be an adult once it has (rule 205B)."""
    assessed = [p.end for p in child.periods if p.rec == "E15" and p.end <= ref]
    return min([add_years(child.dob, 18), *assessed])


def _upn(child: Child, ref: date) -> str:
    if child.upn == "UN1" and age_at(child.dob, ref) >= 5:
        return "UN5"
    return child.upn


def _is_oc2(child: Child, view: View) -> bool:
    """Looked after continuously since the start of the year: no start after 1 April and
    no ceasing before the year's end (31 March itself counts as the end)."""
    ref = view.reference_date
    return any(
        p.start <= view.start and (p.end >= ref if view.full_year else p.end > ref)
        for p in child.periods
        if not p.short_break
    )


def _view_periods(child: Child, view: View) -> list[Period]:
    return [
        p
        for p in child.periods
        if p.start <= view.reference_date and p.end >= view.start and p.episodes
    ]


def _child_tables(child: Child, view: View, tables: Tables) -> None:
    ref, start, year_end = view.reference_date, view.start, view.year_ending
    periods = _view_periods(child, view)
    episodes = [
        _episode_row(child, p, ep, view)
        for p in periods
        for ep in p.episodes
        if ep.decom <= ref and ep.dec >= start
    ]
    leaver = child.leaver_birthdays
    oc3 = _oc3_rows(child, view) if leaver and leaver[0] <= ref and leaver[-1] >= start else []
    tables["oc3"].extend(oc3)
    if not episodes and not oc3:
        return
    # The header lists care leavers in OC3 as well as the children looked after.
    cid, dob = child.child_id, fmt(child.dob)
    tables["episodes"].extend(episodes)
    sex = sex_for_year(child.sex, year_end)
    mother = ""
    mc_dob = ""
    if child.sex == "2" and (not periods or any(not p.short_break for p in periods)):
        is_mother = child.mc_dob is not None and child.mc_dob <= ref
        # Care leavers are in the header without the motherhood items.
        mother = ("1" if is_mother else "0") if periods else ""
        mc_dob = fmt(child.mc_dob) if is_mother and periods else ""
    tables["header"].append([cid, sex, dob, child.ethnic, _upn(child, ref), mother, mc_dob])
    if not episodes:
        return
    if child.uasc:
        tables["uasc"].append([cid, sex, dob, fmt(_uasc_ceased(child, ref))])
    if _is_oc2(child, view):
        tables["oc2"].append(_oc2_row(child, view))
    for p in periods:
        _period_tables(child, p, view, tables)
    for worker, began, ended, reason in child.workers:
        if began <= ref and ended >= start:
            tables["sw_episodes"].append(
                [cid, dob, worker, fmt(began), fmt(ended) if ended <= ref else "", reason]
            )
    if _DOLO.valid_in(year_end):
        tables["dolo"].extend(_dolo_rows(child, view))
    starts = [p for p in periods if start <= p.start <= ref]
    if starts:
        code, la, when = starts[0].prev_perm
        tables["prev_perm"].append([cid, dob, code, la, fmt(when)])


# Deprivation of liberty orders (the DoLo table, from 2026-27). Courts authorised about 1,200
# a year in England in 2023-24 (Nuffield Family Justice Observatory), most for young people
# of 13 or more in children's homes: here a share of the long stays in a children's home
# of children aged 10 or more, each order inside the stay, so that every episode an order
# overlaps is a children's home (the DfE's rule 709).
DOLO_SHARE = 0.12
DOLO_MIN_AGE = 10
DOLO_MIN_STAY = 90  # days


def _home_stays(period: Period) -> list[tuple[date, date]]:
    """Each run of consecutive children's home episodes with the same carer: start, end."""
    stays: list[tuple[date, date]] = []
    carer = None
    for ep in period.episodes:
        if ep.place != "K2":
            carer = None
            continue
        if carer == ep.carer and stays and stays[-1][1] == ep.decom:
            stays[-1] = (stays[-1][0], ep.dec)
        else:
            stays.append((ep.decom, ep.dec))
        carer = ep.carer
    return stays


def _orders_of(child_seed: int, stays: tuple[tuple[date, date], ...]) -> tuple:
    rng = seeded(f"{child_seed}:dolo")
    orders = []
    for began, ended in stays:
        if (ended - began).days < DOLO_MIN_STAY or rng.random() >= DOLO_SHARE:
            continue
        start = began + timedelta(days=rng.randint(7, 60))
        end = min(start + timedelta(days=rng.randint(90, 365)), ended - timedelta(days=1))
        if (end - start).days >= 7:
            orders.append((start, end))
    return tuple(orders)


def dolo_orders(child: Child) -> tuple[tuple[date, date], ...]:
    """The deprivation of liberty orders a child looked after was subject to: from, to."""
    stays = tuple(
        stay
        for p in child.periods
        if not p.short_break
        for stay in _home_stays(p)
        if age_at(child.dob, stay[0]) >= DOLO_MIN_AGE
    )
    return _orders_of(child.seed, stays) if stays else ()


def _dolo_rows(child: Child, view: View) -> list[list[str]]:
    ref, start = view.reference_date, view.start
    return [
        [child.child_id, fmt(child.dob), fmt(began), fmt(ended) if ended <= ref else ""]
        for began, ended in dolo_orders(child)
        if began <= ref and ended >= start
    ]


def _period_tables(child: Child, p: Period, view: View, tables: Tables) -> None:
    ref, start = view.reference_date, view.start
    cid, dob = child.child_id, fmt(child.dob)
    for kind, began, back in p.missing:
        if began <= ref and back >= start:
            tables["missing"].append([cid, dob, kind, fmt(began), fmt(back) if back <= ref else ""])
    for day, code in p.reviews:
        if start <= day <= ref:
            tables["reviews"].append([cid, dob, fmt(day), code])
    if p.decision and p.decision <= ref:
        ceased, reason = p.decision_ceased or (None, "")
        if ceased is None or ceased >= start:
            shown = ceased is not None and ceased <= ref
            tables["placed_adoption"].append(
                [cid, dob, fmt(p.decision), fmt(ceased) if shown else "", reason if shown else ""]
            )
    if p.adoption and start <= p.end <= ref and p.decision:
        match, foster, number, sexes, status = p.adoption
        tables["ad1"].append([cid, dob, fmt(p.decision), fmt(match), foster, number, sexes, status])


# --------------------------------------------------------------------------- the return


def render_view(children: Iterable[Child], view: View) -> Tables:
    tables: Tables = {name: [] for name in FILE_NAMES}
    ref, start = view.reference_date, view.start
    for child in children:
        if child.first > ref:
            continue
        leaver = child.leaver_birthdays
        if child.last < start and not (leaver and leaver[-1] >= start):
            continue
        _child_tables(child, view, tables)
    return tables


def write_view(folder: Path, tables: Tables, year_ending: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    specs = reference.tables()
    for table, name in FILE_NAMES.items():
        spec = specs[table]
        if not spec.valid_in(year_ending):
            continue
        path = folder / name
        write_csv(path, spec.columns, tables[table])
        written.append(path)
    return written
