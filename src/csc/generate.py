"""Synthetic SSDA903 extracts for the councils of the region.

Each council's children are simulated from a burn-in start well before the first
return: periods of care made of episodes (legal statuses and placements), missing
episodes, reviews, social workers, adoption decisions and care-leaver outcomes.
Every return is then a view of that single history as the council's case-management
system would have extracted it at the return's reference date, so the same episode
appears, consistently, in consecutive returns.

The output is identifiable synthetic data in the exact DfE CSV layout:
`<out_dir>/<ONS code>/<reference date>/<Table>.csv`. The same folders receive the placement
costs of the same placements (`csc.generate_costs`), and the CIN census and the Ofsted
Annex A workbook of the same children (`csc.generate_cin`).
"""

from __future__ import annotations

import bisect
import csv
import datetime
import hashlib
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from csc import reference

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
}
INJECTED_ERRORS_FILE = "injected_errors.csv"
INJECTED_ERRORS_COLUMNS = ("ons_code", "reference_date", "file", "rule", "child")

RULE_CODE_NOT_VALID = "code_not_valid_for_year"
RULE_DEC_BEFORE_DECOM = "dec_before_decom"
RULE_DEC_REC_MISMATCH = "dec_rec_mismatch"
RULE_OVERLAPPING_EPISODES = "overlapping_episodes"
RULE_CONTINUATION_DECOM = "continuation_decom_not_previous_dec"
RULE_CHILD_NOT_IN_HEADER = "episode_child_missing_from_header"
RULE_OVERLAPPING_MISSING = "overlapping_missing_periods"
RULE_DEC_AFTER_YEAR_END = "dec_after_collection_year_end"

DAY = timedelta(days=1)
NOT_REGISTERED = "XXXXXXX"
SIM_START_YEARS_BEFORE = 19
CLA_PER_10K = 67.0
STARTS_PER_10K = 23.2
UASC_STARTS_PER_10K = 1.3
SHORT_BREAK_STARTS_PER_10K = 0.3
DRAFT_SHARE = 0.004
ERROR_RETURN_SHARE = 0.3

# Kent receives most unaccompanied children arriving through the Channel ports.
UASC_ENTRY_POINTS: dict[str, float] = {"E10000016": 12.0}

# Postcode districts by postcode area (geography, not councils).
POSTCODE_DISTRICTS: dict[str, tuple[int, int]] = {
    "BN": (1, 45),
    "GU": (1, 35),
    "HP": (1, 23),
    "ME": (1, 20),
    "MK": (1, 19),
    "OX": (1, 29),
    "PO": (1, 41),
    "RG": (1, 45),
    "RH": (1, 20),
    "SL": (0, 9),
    "SO": (14, 53),
    "TN": (1, 40),
}
DISTANT_AREAS: tuple[tuple[str, int, int], ...] = (
    ("B", 1, 76),
    ("BH", 1, 25),
    ("BS", 1, 41),
    ("CR", 0, 9),
    ("CT", 1, 21),
    ("DA", 1, 18),
    ("LE", 1, 19),
    ("M", 1, 50),
    ("NG", 1, 25),
    ("SE", 1, 28),
    ("SN", 1, 26),
    ("SS", 0, 17),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

FOSTER = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
KINSHIP = frozenset({"U1", "U2", "U3"})
TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
HOME_RECS = frozenset({"E4A", "E4B", "E13"})
ORDER_RECS = frozenset({"SGO", "E41", "E45", "E46", "E47", "E48"})
RECODED_PLACE = {"H5": "K3", "P2": "K3", "Z1": "Z14"}
# Supported accommodation for 16- and 17-year-olds became regulated by Ofsted on this day:
# independent living (P2) ended and semi-independent settings (H5) carry a URN from it.
SUPPORTED_REFORM = date(2023, 10, 28)


class Weighted:
    """A fixed discrete distribution sampled with one uniform draw."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, weights: dict[str, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _w(spec: str) -> Weighted:
    """A distribution written as "CODE weight, CODE weight, ..."."""
    pairs = (item.split() for item in spec.split(","))
    return Weighted({code: float(weight) for code, weight in pairs})


ETHNIC_MIX = _w(
    "WBRI 71, WIRI 0.5, WOTH 4.5, WIRT 0.6, WROM 1, MWBC 3.2, MWBA 1.4, MWAS 2, MOTH 3.2, "
    "AIND 1, APKN 2, ABAN 0.5, AOTH 1.5, BCRB 1, BAFR 2.8, BOTH 1, CHNE 0.3, OOTH 1.8, "
    "REFU 0.2, NOBT 0.5"
)
UASC_ETHNIC_MIX = _w("OOTH 34, BAFR 26, AOTH 20, WOTH 7, MOTH 4, BOTH 5, NOBT 4")
CIN_MIX = _w("N1 62, N2 2, N3 3, N4 8, N5 14, N6 2.5, N7 0.3, N8 8.2")
ENTRY_AGE_BANDS = _w("0 20, 1 14, 5 15, 10 37, 16 14")
OUTCOMES_BY_AGE: tuple[tuple[int, Weighted], ...] = (
    (1, _w("adopt 30, sgo 16, home 28, long 13, e41 6, other 7")),
    (5, _w("adopt 16, sgo 17, home 33, long 20, e41 7, other 7")),
    (10, _w("adopt 1, sgo 12, home 42, long 31, e41 7, other 7")),
    (16, _w("sgo 3, home 47, long 35, remand 5, e41 3, other 7")),
    (18, _w("home 38, long 51, remand 5, other 6")),
)
OTHER_RECS = _w("E3 40, E8 32, E9 11, E16 9, E2 2, E41 6")
UASC_ENDS = _w("AGE18 82, E3 8, E15 4, E8 5, E16 1")
WOBBLE = _w("0.45 55, 1.0 30, 2.6 15")
EMERGENCY_LS = Weighted({"": 89, "L1": 7, "L2": 4})
MOVE_REASONS = _w(
    "LAREQ 24, CREQB 16, CREQO 10, CHILD 9, CLOSE 4, ALLEG 4, STAND 4, APPRR 3, OTHER 12"
)
TEMPORARY_CODES = _w("T4 45, T3 20, T1 12, T0 13, T2 10")
PLACE_BY_AGE: tuple[tuple[int, Weighted], ...] = (
    (5, _w("U6 72, U3 14, U4 6, U1 2, R3 2")),
    (10, _w("U6 62, U4 14, U3 12, U1 4, K2 5, S1 1, R1 1, R2 1")),
    (14, _w("U6 52, U4 12, U3 8, U1 3, K2 20, S1 2, K1 1, R2 1, Z 1")),
    (16, _w("U6 45, U4 10, U3 6, U1 2, K2 29, S1 2, K1 1, R2 1, Z 2")),
    (18, _w("U6 36, U4 8, U3 5, U1 2, K2 22, SEMI 22, Z 3, R2 1, P3 1")),
)
UASC_PLACES_UNDER_16 = _w("U6 75, K2 20, U4 5")
UASC_PLACES_16 = _w("SEMI 60, U6 28, K2 12")
SEMI_PHASE_PLACES = _w("SEMI 85, K2 10, Z 5")
REMAND_PLACES = _w("R5 35, K1 15, K2 25, U6 25")
PACE_PLACES = _w("K2 50, U6 50")
Z_CODES = _w("Z11 60, Z12 15, Z13 10, Z14 15")
PROVIDERS: dict[str, Weighted] = {
    "kin": _w("PR1 92, PR2 5, PR4 3"),
    "foster": _w("PR1 55, PR4 38, PR5 5, PR2 2"),
    "adopt": _w("PR1 60, PR5 25, PR2 15"),
    "home": _w("PR4 76, PR1 17, PR5 7"),
    "secure": _w("PR2 85, PR1 15"),
    "semi": _w("PR4 60, PR1 25, PR5 15"),
    "care_home": _w("PR4 60, PR5 40"),
    "school": _w("PR5 50, PR4 35, PR1 15"),
    "family_centre": _w("PR1 60, PR5 40"),
    "other": _w("PR4 70, PR1 30"),
}
IN_AREA_FOSTER = {"PR1": 0.9, "PR2": 0.1, "PR4": 0.55, "PR5": 0.6}
AGE18_RECS: dict[str, Weighted] = {
    "foster": _w("E17 40, E5 40, E6 5, E8 15"),
    "residential": _w("E5 62, E8 28, E6 10"),
    "disabled": _w("E7 55, E5 30, E8 15"),
    "semi": _w("E5 55, E6 35, E8 10"),
    "other": _w("E8 60, E5 30, E6 10"),
}
SGO_RECS: dict[str, Weighted] = {
    "kin": _w("E45 80, E47 20"),
    "foster": _w("E46 75, E48 15, E47 10"),
    "other": _w("E47 60, E48 40"),
}
HOME_REC_MIX = _w("E4A 62, E4B 22, E13 16")
REVIEW_CODES = _w("PN1 45, PN2 5, PN3 6, PN4 3, PN5 10, PN6 14, PN7 17")
# FCONTA (first contact) opens a child's first allocation, so it is never a reason to change.
SW_REASONS = _w("LEFTRL 33, MANAGE 14, ORGRST 9, ABSENC 9, PCCHAN 10, CHCHAN 5, TSPROC 8, OTHERS 7")
PLACED_CEASED_REASONS = _w("RD1 40, RD3 40, RD4 20")
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
SDQ_MISSING = _w("SDQ2 30, SDQ4 40, SDQ5 25, SDQ3 5")
IN_TOUCH = _w("YES 89, NO 4, REFU 3, RHOM 2, NREQ 2")
ACTIV_17_18 = _w("F2 45, P2 5, F4 4, F5 8, P5 5, F1 1, G4 7, G5 22, G6 3")
ACTIV_19_21 = _w("F1 7, P1 1, F2 17, P2 4, F4 5, P4 1, F5 19, P5 12, G4 8, G5 20, G6 6")
# A foyer (T) takes young people from 18 (rule 347): none at the 17th or 18th birthday.
ACCOM_17_18 = _w("Z 25, D 30, B 14, U 10, C 5, E 12, Y 2, K 2")
ACCOM_19_21 = _w("U 40, D 15, B 15, Z 9, E 5, T 3, K 3, X 2, S 1, V 2, W 1")
# No fixed abode (S) and gone abroad (X) are always unsuitable; W and V mostly.
ACCOM_UNSUITABLE = {"S": 1.0, "X": 1.0, "W": 0.6, "V": 0.6}
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


# --------------------------------------------------------------------------- draws and dates


def seeded(seed: int | str) -> random.Random:
    """The draws of one stream of synthetic data: the same seed gives the same data."""
    return random.Random(seed)  # nosec B311 # repeatable synthetic data, never a secret or token


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (a faster `randint`)."""
    return low + int(rng.random() * (high - low + 1))


def _choice(rng: random.Random, items: Sequence):
    return items[int(rng.random() * len(items))]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_at(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


_FORMATTED: dict[date, str] = {}


def fmt(day: date | None) -> str:
    """A date as dd/mm/YYYY, or blank."""
    if day is None:
        return ""
    text = _FORMATTED.get(day)
    if text is None:
        text = _FORMATTED[day] = f"{day.day:02d}/{day.month:02d}/{day.year}"
    return text


def days(count: int) -> timedelta:
    return timedelta(days=count)


def _unit(text: str) -> float:
    """A number in [0, 1) fixed by the text alone (stable across runs and seeds)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def council_factor(ons_code: str) -> float:
    """How far a council's rate of children looked after sits from the national rate."""
    return round(0.6 + 0.9 * _unit(f"cla-rate:{ons_code}"), 3)


@cache
def _regional_mean_factor() -> float:
    weights = {code: population_at(code, 2021) for code in reference.councils()}
    total = sum(weights.values())
    return sum(council_factor(code) * pop for code, pop in weights.items()) / total


def uasc_factor(ons_code: str) -> float:
    return UASC_ENTRY_POINTS.get(ons_code, 0.6 + 0.8 * _unit(f"uasc-rate:{ons_code}"))


@cache
def _population_years(ons_code: str) -> dict[int, int]:
    return {year: pop for (code, year), pop in reference.population().items() if code == ons_code}


@cache
def population_at(ons_code: str, year: int) -> int:
    """Population aged 0-17 at the nearest mid-year held in the seed."""
    years = _population_years(ons_code)
    if not years:
        raise KeyError(f"no population for {ons_code}")
    nearest = min(years, key=lambda y: (abs(y - year), y))
    return years[nearest]


def _start_trend(day: date) -> float:
    point = day.year + (day.month - 1) / 12
    trend = 0.9 + 0.1 * min(max((point - 2008) / 13, 0.0), 1.0)
    if 2020.25 <= point < 2021.25:
        trend *= 0.9
    return trend


def _uasc_trend(day: date) -> float:
    year = min(max(day.year, 2013), 2025)
    return UASC_TREND[year]


# --------------------------------------------------------------------------- records


Worker = tuple[str, date, date, str]  # social worker, from, to, reason for the change


@dataclass(slots=True)
class Placement:
    code: str
    carer: int
    provider: str
    post: str
    urn: str
    later_urn: str = ""


@dataclass(slots=True)
class Episode:
    decom: date
    dec: date
    rne: str
    ls: str
    place: str
    provider: str
    reason: str
    pl_post: str
    urn: str
    later_urn: str = ""
    rec: str = "X1"
    draft: tuple[int, str] | None = None
    carer: int = 0  # who the child lives with: a placement is a run of the same carer


@dataclass(slots=True)
class Period:
    start: date
    end: date
    rec: str
    cin: str
    home_post: str
    short_break: bool = False
    episodes: list[Episode] = field(default_factory=list)
    missing: list[tuple[str, date, date]] = field(default_factory=list)
    reviews: list[tuple[date, str]] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    prev_perm: tuple[str, str, date | None] = ("Z1", "", None)
    decision: date | None = None
    decision_ceased: tuple[date, str] | None = None
    adoption: tuple[date, str, str, str, str] | None = None


@dataclass(slots=True)
class Child:
    child_id: str
    sex: str
    dob: date
    ethnic: str
    upn: str
    uasc: bool
    seed: int
    periods: list[Period] = field(default_factory=list)
    mc_dob: date | None = None
    workers: list[Worker] = field(default_factory=list)
    care_leaver: bool = False
    leaver_birthdays: tuple[date, ...] = ()
    first: date = date.min
    last: date = date.min


@dataclass(slots=True)
class Plan:
    start: date
    end: date
    rec: str
    outcome: str
    legal: list[tuple[date, str]]
    forced: list[tuple[date, str]] = field(default_factory=list)
    first_kind: str = "first"
    adopt_code: str = ""
    decision: date | None = None
    decision_ceased: tuple[date, str] | None = None
    match: date | None = None


@dataclass(slots=True)
class Setting:
    urn: str
    post: str
    provider: str
    later_urn: str = ""


@dataclass
class Context:
    council: reference.Council
    scale: float
    factor: float
    districts: tuple[str, ...]
    neighbours: tuple[tuple[str, int, int], ...]
    settings: dict[str, list[Setting]]
    la_fostering_urn: str
    agencies: dict[str, list[str]]
    workers: list[str]
    other_la_numbers: tuple[str, ...]
    expected_cla: float
    upns: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class View:
    """One extract: what the system held at `reference_date` for one collection year."""

    reference_date: date
    year_ending: int
    start: date
    year_before: date

    @classmethod
    def at(cls, reference_date: date) -> View:
        year_end = reference.year_ending(reference_date)
        start = date(year_end - 1, 4, 1)
        return cls(reference_date, year_end, start, add_years(reference_date, -1))

    @property
    def full_year(self) -> bool:
        return self.reference_date == date(self.year_ending, 3, 31)


@dataclass(frozen=True, slots=True)
class InjectedError:
    ons_code: str
    reference_date: date
    file: str
    rule: str
    child: str

    def row(self) -> list[str]:
        return [self.ons_code, self.reference_date.isoformat(), self.file, self.rule, self.child]


Move = tuple[date, Placement, str]
Tables = dict[str, list[list[str]]]


# --------------------------------------------------------------------------- geography


def _districts(council: reference.Council) -> tuple[str, ...]:
    area = council.postcode_area
    low, high = POSTCODE_DISTRICTS.get(area, (1, 20))
    geo = seeded(f"districts:{council.ons_code}")
    numbers = list(range(low, high + 1))
    geo.shuffle(numbers)
    share = max(4, min(len(numbers), 3 + len(numbers) // 3))
    return tuple(f"{area}{n}" for n in sorted(numbers[:share]))


def _neighbours(council: reference.Council) -> tuple[tuple[str, int, int], ...]:
    areas = sorted({c.postcode_area for c in reference.councils().values()})
    return tuple(
        (area, *POSTCODE_DISTRICTS.get(area, (1, 20)))
        for area in areas
        if area != council.postcode_area
    )


def _postcode(rng: random.Random, district: str) -> str:
    inward = f"{_between(rng, 1, 9)}{_choice(rng, INWARD_LETTERS)}{_choice(rng, INWARD_LETTERS)}"
    return f"{district} {inward}"


def local_postcode(rng: random.Random, ctx: Context) -> str:
    return _postcode(rng, _choice(rng, ctx.districts))


def postcode_sector(post: str) -> str:
    """A postcode cut to its sector (`RG12 1`), as the drops keep it."""
    return post[: post.find(" ") + 2] if " " in post else post


def away_postcode(rng: random.Random, ctx: Context) -> str:
    pool = ctx.neighbours if rng.random() < 0.8 or not DISTANT_AREAS else DISTANT_AREAS
    area, low, high = _choice(rng, pool)
    return _postcode(rng, f"{area}{_between(rng, low, high)}")


def placement_postcode(rng: random.Random, ctx: Context, in_area: float) -> str:
    return local_postcode(rng, ctx) if rng.random() < in_area else away_postcode(rng, ctx)


def sc_urn(rng: random.Random) -> str:
    return f"SC{_between(rng, 30000, 999999):06d}"


def new_urn(rng: random.Random) -> str:
    return f"2{_between(rng, 500000, 999999):06d}"


def upn_check_letter(digits: str) -> str:
    total = sum(int(ch) * position for position, ch in enumerate(digits, start=2))
    return UPN_CHECK_LETTERS[total % 23]


def make_upn(rng: random.Random, ctx: Context, dob: date, uasc: bool, entry_age: int) -> str:
    if rng.random() < 0.03:
        if uasc:
            return "UN2"
        if entry_age < 5:
            return "UN1"
        return _choice(rng, ("UN3", "UN4", "UN5"))
    while True:
        la = ctx.council.la_number
        if ctx.other_la_numbers and rng.random() < 0.15:
            la = _choice(rng, ctx.other_la_numbers)
        school = _between(rng, 2000, 2999) if rng.random() < 0.8 else _between(rng, 1000, 1999)
        digits = f"{la}{school}{(dob.year + 4) % 100:02d}{_between(rng, 1, 999):03d}"
        upn = upn_check_letter(digits) + digits
        # Every child's UPN is their own (CIN rule 1520).
        if upn not in ctx.upns:
            ctx.upns.add(upn)
            return upn


# --------------------------------------------------------------------------- council context


def _settings(rng: random.Random, ctx: Context) -> dict[str, list[Setting]]:
    size = max(ctx.expected_cla / 100.0, 0.05)

    def build(
        count: int, providers: Weighted, in_area: dict[str, float], kind: str
    ) -> list[Setting]:
        out = []
        for _ in range(max(2, count)):
            provider = providers.pick(rng)
            post = placement_postcode(rng, ctx, in_area.get(provider, 0.5))
            if kind == "registered":
                out.append(Setting(sc_urn(rng), post, provider))
            elif kind == "school":
                out.append(Setting(f"{_between(rng, 100000, 149999)}", post, provider))
            elif kind == "supported":
                out.append(Setting(NOT_REGISTERED, post, provider, new_urn(rng)))
            else:
                out.append(Setting("", post, provider))
        return out

    return {
        "K2": build(int(9 * size), PROVIDERS["home"], {"PR1": 0.95, "PR4": 0.4}, "registered"),
        "K1": build(3, PROVIDERS["secure"], {"PR1": 0.3, "PR2": 0.1}, "registered"),
        "SEMI": build(int(5 * size), PROVIDERS["semi"], {"PR1": 0.9, "PR4": 0.55}, "supported"),
        "SHORT": build(2, _w("PR1 1"), {"PR1": 1.0}, "registered"),
        "R1": build(2, PROVIDERS["care_home"], {}, "unregistered"),
        "S1": build(3, PROVIDERS["school"], {"PR1": 0.9, "PR4": 0.3, "PR5": 0.3}, "school"),
        "R3": build(2, PROVIDERS["family_centre"], {"PR1": 0.9}, "registered"),
        "R2": build(2, _w("PR3 1"), {"PR3": 0.7}, "unregistered"),
        "R5": build(3, _w("PR3 1"), {"PR3": 0.15}, "unregistered"),
    }


def council_context(ons_code: str, rng: random.Random, scale: float) -> Context:
    councils = reference.councils()
    council = councils[ons_code]
    factor = council_factor(ons_code)
    expected = CLA_PER_10K * factor * population_at(ons_code, 2021) / 10_000 * scale
    ctx = Context(
        council=council,
        scale=scale,
        factor=factor,
        districts=_districts(council),
        neighbours=_neighbours(council),
        settings={},
        la_fostering_urn="",
        agencies={},
        workers=[],
        other_la_numbers=tuple(c.la_number for c in councils.values() if c.ons_code != ons_code),
        expected_cla=expected,
    )
    ctx.la_fostering_urn = sc_urn(rng)
    ctx.agencies = {
        "PR2": [sc_urn(rng) for _ in range(6)],
        "PR4": [sc_urn(rng) for _ in range(14)],
        "PR5": [sc_urn(rng) for _ in range(4)],
    }
    ctx.settings = _settings(rng, ctx)
    worker_count = max(6, int(expected / 12))
    ctx.workers = [f"SW{n}" for n in rng.sample(range(10000, 999999), worker_count)]
    return ctx


# --------------------------------------------------------------------------- arrivals


def _arrivals(
    rng: random.Random,
    ctx: Context,
    start: date,
    horizon: date,
    per_10k: float,
    trend: Callable[[date], float],
) -> list[date]:
    out: list[date] = []
    ons = ctx.council.ons_code
    t = float(start.toordinal())
    stop = horizon.toordinal()
    while True:
        day = date.fromordinal(int(t))
        rate = per_10k * trend(day) * population_at(ons, day.year) / 10_000 * ctx.scale / 365.25
        if rate <= 0:
            return out
        t += rng.expovariate(rate)
        if t > stop:
            return out
        out.append(date.fromordinal(int(t)))


def _case_ids(rng: random.Random, ons_code: str) -> Iterator[str]:
    width = 6 if _unit(f"id-width:{ons_code}") < 0.5 else 7
    value = 10 ** (width - 1) + int(_unit(f"id-start:{ons_code}") * 3 * 10 ** (width - 2))
    while True:
        value += _between(rng, 1, 25)
        yield str(value)


# --------------------------------------------------------------------------- period plans


def _pick_by_age(table: tuple[tuple[int, Weighted], ...], age: float) -> Weighted:
    for upper, weights in table:
        if age < upper:
            return weights
    return table[-1][1]


def _court_path(
    rng: random.Random, start: date, *, order: bool, s20_share: float
) -> tuple[list[tuple[date, str]], date | None]:
    legal: list[tuple[date, str]] = []
    t = start
    emergency = EMERGENCY_LS.pick(rng)
    if emergency:
        legal.append((t, emergency))
        t += days(_between(rng, 1, 3) if emergency == "L1" else _between(rng, 2, 8))
    if not order:
        legal.append((t, "V2"))
        return legal, None
    if rng.random() < s20_share:
        legal.append((t, "V2"))
        t += days(_between(rng, 20, 200))
    legal.append((t, "C1"))
    return legal, t + days(_between(rng, 150, 400))


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
            plan.forced.append((end - days(_between(rng, 30, min(300, room - 7))), "p1"))
    return plan


def _plan_adopt(rng: random.Random, start: date, age: float, b18: date) -> Plan:
    legal, final = _court_path(rng, start, order=True, s20_share=0.15)
    if final is None:
        raise RuntimeError("a court path with an order always reaches a final hearing")
    legal.append((final, "E1"))
    decision = final - days(_between(rng, 30, 120))
    if decision <= legal[-2][0]:
        decision = legal[-2][0] + (final - legal[-2][0]) // 2
    plan = Plan(start, final, "E12", "adopt", legal, decision=decision)
    if age < 1 and rng.random() < 0.22:
        plan.first_kind = "ffa"
    if rng.random() < 0.08:
        ceased = final + days(_between(rng, 120, 500))
        plan.decision_ceased = (ceased, PLACED_CEASED_REASONS.pick(rng))
        # The placement order is revoked with the decision and the care order revives.
        legal.append((ceased, "C2"))
        if rng.random() < 0.5:
            plan.end, plan.rec, plan.outcome = b18, "AGE18", "long"
        else:
            plan.end, plan.rec, plan.outcome = ceased + days(_between(rng, 200, 700)), "SGO", "sgo"
        return plan
    ffa = plan.first_kind == "ffa"
    placed = final + days(_between(rng, 10, 120) if ffa else _between(rng, 30, 270))
    plan.adopt_code = "A5" if ffa or rng.random() < 0.12 else "A6"
    plan.match = max(final + days(3), placed - days(_between(rng, 14, 90)))
    if plan.match >= placed:
        plan.match = placed - days(1)
    plan.forced.append((placed, "adopt"))
    plan.end = placed + days(_between(rng, 90, 420))
    if (plan.end.month, plan.end.day) == (3, 31):
        # Care ending on 31 March counts as continuous to the year's end, and such a child
        # has no adoption details that year (rule 187): the order is made a day later.
        plan.end += DAY
    plan.rec = "E12" if rng.random() < 0.55 else "E11"
    return plan


def _plan_order_exit(rng: random.Random, start: date, outcome: str) -> Plan:
    legal, final = _court_path(rng, start, order=rng.random() < 0.8, s20_share=0.3)
    if final is None:
        final = start + days(_between(rng, 200, 500))
    end = final
    if rng.random() < 0.5:
        legal.append((final, "C2"))
        end = final + days(_between(rng, 90, 720))
    plan = Plan(start, end, "SGO" if outcome == "sgo" else "E41", outcome, legal)
    if end > final:
        _final_hearing_move(rng, plan, final)
    if rng.random() < (0.55 if outcome == "sgo" else 0.6):
        plan.first_kind = "kin"
    elif rng.random() < 0.5 and (end - start).days > 60:
        plan.forced.append((start + days(_between(rng, 14, (end - start).days - 30)), "kin"))
    return plan


def _plan_long(rng: random.Random, child: Child, start: date, age: float, b18: date) -> Plan:
    legal, final = _court_path(
        rng, start, order=rng.random() < (0.85 if age < 13 else 0.55), s20_share=0.3
    )
    plan = Plan(start, b18, "AGE18", "long", legal)
    if age < 10 and rng.random() < 0.3:
        plan.end = start + days(_between(rng, 3 * 365, 8 * 365))
        plan.rec = _choice(rng, ("E4A", "E41", "SGO"))
    if final:
        legal.append((final, "C2"))
        _final_hearing_move(rng, plan, final)
        if rng.random() < 0.22:
            home = final + days(_between(rng, 30, 300))
            if home < plan.end - days(60):
                plan.forced.append((home, "p1"))
                plan.end = min(plan.end, home + days(_between(rng, 300, 1500)))
                plan.rec = "E4A" if plan.end < b18 else plan.rec
                return plan
    b16 = add_years(child.dob, 16)
    if rng.random() < 0.35:
        semi = b16 + days(_between(rng, 0, 600))
        if start + days(30) < semi < plan.end - days(30):
            plan.forced.append((semi, "semi"))
    return plan


def _plan_other(rng: random.Random, start: date, age: float) -> Plan:
    rec = OTHER_RECS.pick(rng)
    if rec == "E9" and age < 13:
        rec = "E8"
    legal, final = _court_path(rng, start, order=rng.random() < 0.5, s20_share=0.3)
    end = start + days(_between(rng, 14, 700))
    plan = Plan(start, end, rec, "other", legal)
    if final and final < end - days(7):
        legal.append((final, "C2"))
        _final_hearing_move(rng, plan, final)
    return plan


def _plan_remand(rng: random.Random, start: date) -> Plan:
    if rng.random() < 0.35:
        return Plan(
            start, start + days(_between(rng, 1, 2)), "E8", "remand", [(start, "J2")], [], "pace"
        )
    end = start + days(_between(rng, 7, 150))
    rec = _w("E14 60, E9 25, E4A 15").pick(rng)
    return Plan(start, end, rec, "remand", [(start, "J1")], [], "remand")


def _plan_uasc(rng: random.Random, ctx: Context, child: Child, start: date, b18: date) -> Plan:
    rec = UASC_ENDS.pick(rng)
    if rec == "E8" and ctx.council.ons_code in UASC_ENTRY_POINTS and rng.random() < 0.5:
        rec = "E3"
    if ctx.council.ons_code in UASC_ENTRY_POINTS and rec == "AGE18" and rng.random() < 0.15:
        rec = "E3"
    ends = {"AGE18": None, "E3": (7, 120), "E15": (30, 240), "E8": (30, 500), "E16": (60, 400)}
    window = ends[rec]
    end = b18 if window is None else start + days(_between(rng, *window))
    plan = Plan(start, end, rec, "uasc", [(start, "V2")], [], "uasc")
    b16 = add_years(child.dob, 16)
    if start < b16 and rng.random() < 0.6:
        plan.forced.append((b16 + days(_between(rng, 0, 200)), "semi"))
    return plan


def plan_period(rng: random.Random, ctx: Context, child: Child, start: date) -> Plan:
    b18 = add_years(child.dob, 18)
    age = (start - child.dob).days / 365.25
    if child.uasc:
        plan = _plan_uasc(rng, ctx, child, start, b18)
    else:
        outcome = _pick_by_age(OUTCOMES_BY_AGE, age).pick(rng)
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
    code = _pick_by_age(PLACE_BY_AGE, age).pick(rng)
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


def _make_placement(
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
            urn = _choice(rng, ctx.agencies.get(provider) or [ctx.la_fostering_urn])
        return Placement(code, carer, provider, _new_address(rng, ctx, in_area, leaving), urn)
    if code in ("A5", "A6", "A3", "A4"):
        provider = PROVIDERS["adopt"].pick(rng)
        post = _new_address(rng, ctx, 0.5, leaving)
        return Placement(code, carer, provider, post, NOT_REGISTERED)
    pool = {"H5": "SEMI", "P2": "SEMI", "K3": "SEMI"}.get(code, code)
    settings = ctx.settings.get(pool)
    if settings:
        setting = _choice(rng, settings)
        away = postcode_sector(leaving.post) if leaving is not None else ""
        if postcode_sector(setting.post) == away:
            # A move is to another home, not back to the one the child leaves.
            others = [s for s in settings if postcode_sector(s.post) != away]
            setting = _choice(rng, others) if others else setting
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
    base = 0.36 if age < 5 else 0.42 if age < 11 else 0.72 if age < 16 else 0.8
    if code == "K2":
        base *= 1.4
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
    when = start + days(_between(rng, 180, 720))
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
        return _make_placement(rng, ctx, "A6", carer, home, current), "LAREQ"
    if kind == "p1":
        return _make_placement(rng, ctx, "P1", carer, home), "LAREQ"
    age = (t - child.dob).days / 365.25
    generic = _generic_code(rng, child, plan, kind, age, (t - plan.start).days)
    placement = _make_placement(rng, ctx, _year_code(rng, generic, t), carer, home, current)
    if placement.code == "H5" and t >= SUPPORTED_REFORM:
        placement.urn = placement.later_urn
    if kind in ("semi", "kin"):
        return placement, "CHILD" if kind == "semi" and rng.random() < 0.3 else "LAREQ"
    return placement, MOVE_REASONS.pick(rng)


def _placements(
    rng: random.Random, ctx: Context, child: Child, plan: Plan, home: str
) -> list[Move]:
    moves: list[Move] = []
    carers = itertools.count(1)
    wobble = float(WOBBLE.pick(rng))
    forced = list(plan.forced)
    t, kind, current = plan.start, plan.first_kind, None
    emergency = kind == "first" and rng.random() < 0.3
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
            move_at, emergency = t + days(_between(rng, 2, 45)), False
        elif not phase_fixed:
            rate = _move_rate(placement.code, age, wobble)
            if t - plan.start >= days(365):
                # Past the first year most children are in the placement planned for them.
                rate *= SETTLED_MOVES
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


def _with_temporary_moves(
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
            length = _between(rng, 1, 7)
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


def _supported_reform(moves: list[Move], end: date) -> list[Move]:
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


def _final_rec(rng: random.Random, plan: Plan, last: Episode, cin: str) -> str:
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


# --------------------------------------------------------------------------- period detail

SETTLED_MOVES = 0.25
RUN_RATES = {"K2": 7.0, "H5": 4.0, "K3": 4.0, "P2": 3.0, "P1": 1.0, "S1": 2.0}


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
        return _between(rng, 2, 7)
    return _between(rng, 8, 30)


def _reviews(rng: random.Random, child: Child, period: Period) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    on_time = rng.random() < 0.94
    t = period.start + days(_between(rng, 7, 20) if on_time else _between(rng, 21, 40))
    count = 0
    while t < period.end:
        code = "PN0" if age_at(child.dob, t) < 4 else REVIEW_CODES.pick(rng)
        out.append((t, code))
        on_time = rng.random() < 0.93
        if count == 0:
            t += days(_between(rng, 45, 90) if on_time else _between(rng, 91, 120))
        else:
            t += days(_between(rng, 120, 182) if on_time else _between(rng, 183, 230))
        count += 1
    return out


def _workers(rng: random.Random, ctx: Context, periods: list[Period]) -> list[Worker]:
    """A child's social workers from the first detailed period on: one allocation after
    another without gaps, kept while the child is out of care (as a child in need or care
    leaver), a new team taking over when the child comes back into care, and the last one
    still open."""
    out: list[Worker] = []
    t, reason, previous = periods[0].start, "FCONTA", ""
    i = 0
    while True:
        worker = _choice(rng, ctx.workers)
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
            alternative = _choice(rng, [p for p in ("PR1", "PR4", "PR5") if p != ep.provider])
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
    moves = _placements(rng, ctx, child, plan, period.home_post)
    moves = _with_temporary_moves(rng, ctx, moves, plan.legal, plan.end)
    moves = _supported_reform(moves, plan.end)
    period.episodes = chain_episodes(plan, moves)
    period.rec = _final_rec(rng, plan, period.episodes[-1], period.cin)
    period.episodes[-1].rec = period.rec
    _drafts(rng, ctx, period.episodes)
    period.missing = _missing(rng, child, period)
    period.reviews = _reviews(rng, child, period)
    period.decision = plan.decision
    period.decision_ceased = plan.decision_ceased
    if period.rec in ("E11", "E12") and plan.match:
        with_carer = any(ep.place == "A5" for ep in period.episodes)
        period.adoption = (plan.match, *_adopters(rng, with_carer))


# --------------------------------------------------------------------------- children


def _entry_age_days(rng: random.Random, uasc: bool) -> int:
    if uasc:
        years = rng.choices((14, 15, 16, 17), weights=(8, 22, 40, 30))[0]
        return int((years + rng.random() * 0.95) * 365.25)
    band = ENTRY_AGE_BANDS.pick(rng)
    if band == "0":
        return _between(rng, 0, 14) if rng.random() < 0.45 else _between(rng, 15, 364)
    low, high = {"1": (1, 5), "5": (5, 10), "10": (10, 16), "16": (16, 18)}[band]
    return _between(rng, int(low * 365.25), int(high * 365.25) - 20)


PREV_PERM_BY_REC = {"E11": "P1", "E12": "P1", "E41": "P3"} | dict.fromkeys(
    ("E45", "E46", "E47", "E48"), "P2"
)
# Children starting care who had left an earlier care or been placed under an order:
# adoption (P1), special guardianship (P2), a child arrangements order (P3).
FIRST_PREV_PERM = _w("Z1 955, P1 12, P2 22, P3 11")


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
    la = ctx.council.la_number if own else _choice(rng, ctx.other_la_numbers)
    return code, la, earliest + days(_between(rng, 0, (latest - earliest).days))


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
        child.workers = _workers(seeded(child.seed + 1), ctx, detailed)
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
    stop = min(start + days(_between(rng, 365, 6 * 365)), add_years(dob, 18) - DAY)
    in_unit = rng.random() < 0.6
    if in_unit:
        setting = _choice(rng, ctx.settings["SHORT"])
        place = Placement("K2", 1, setting.provider, setting.post, setting.urn)
    else:
        # Short-break carers are never the child's long-term foster carers (U1, U4).
        place = _make_placement(rng, ctx, "U6", 1, home)
    if rng.random() < 0.2:
        _add_break(child, place, "V4", start, stop, home, window)
    else:
        gap = rng.uniform(14, 50)
        t = start
        while t < stop and t <= horizon:
            end = t + days(_between(rng, 1, 4))
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
    low, high = _choice(rng, spans)
    return low + days(_between(rng, 0, (high - low).days - 1))


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
        ("care", STARTS_PER_10K * ctx.factor / _regional_mean_factor(), _start_trend),
        ("uasc", UASC_STARTS_PER_10K * uasc_factor(ons_code), _uasc_trend),
        ("short", SHORT_BREAK_STARTS_PER_10K, _flat),
    )
    starts = [
        (day, kind)
        for kind, rate, trend in rates
        for day in _arrivals(seeded(f"{stream}:{kind}"), ctx, start, horizon, rate, trend)
    ]
    starts.sort(key=lambda item: item[0])
    rng = seeded(f"{stream}:children")
    ids = _case_ids(rng, ons_code)
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


def _flat(day: date) -> float:
    return 1.0


# --------------------------------------------------------------------------- views


@cache
def valid_codes(year_ending: int) -> dict[str, frozenset[str]]:
    fields = {row["field"] for row in reference.code_rows()}
    return {name: frozenset(reference.codes(name, year_ending)) for name in fields}


def _sex(code: str, year_ending: int) -> str:
    valid = valid_codes(year_ending)["SEX"]
    if code in valid:
        return code
    return {"1": "M", "2": "F", "M": "1", "F": "2"}.get(code, code)


def _place_for_year(ep: Episode, year_ending: int) -> tuple[str, str]:
    place, urn = ep.place, ep.urn
    if place not in valid_codes(year_ending)["PLACE"]:
        place = RECODED_PLACE.get(place, place)
        if place == "K3" and urn == NOT_REGISTERED and ep.later_urn:
            urn = ep.later_urn
    return place, urn


def _draft_visible(ep: Episode, view: View) -> bool:
    first_return = date(reference.year_ending(ep.decom), 3, 31)
    return view.reference_date <= first_return


def _episode_row(child: Child, period: Period, ep: Episode, view: View) -> list[str]:
    ref = view.reference_date
    place, urn = _place_for_year(ep, view.year_ending)
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
    sex = _sex(child.sex, year_end)
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
    starts = [p for p in periods if start <= p.start <= ref]
    if starts:
        code, la, when = starts[0].prev_perm
        tables["prev_perm"].append([cid, dob, code, la, fmt(when)])


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


# --------------------------------------------------------------------------- injected defects


def _columns(table: str) -> tuple[str, ...]:
    return reference.tables()[table].columns


def _col(table: str, name: str) -> int:
    return _columns(table).index(name)


def _parse(text: str) -> date:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


def _by_child(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    grouped: dict[str, list[list[str]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


class Injector:
    """Applies business-rule defects to one rendered return and records them."""

    def __init__(self, rng: random.Random, tables: Tables, view: View) -> None:
        self.rng, self.tables, self.view = rng, tables, view
        self.used: set[str] = set()
        self.episodes = _by_child(tables["episodes"])

    def _free(self, candidates: Iterable[str]) -> list[str]:
        return sorted(c for c in set(candidates) if c not in self.used)

    def _take(self, candidates: list[str]) -> str | None:
        if not candidates:
            return None
        child = _choice(self.rng, candidates)
        self.used.add(child)
        return child

    def code_not_valid(self) -> tuple[str, str] | None:
        if self.rng.random() < 0.5:
            invalid = "H5" if self.view.year_ending >= 2025 else "K3"
            place = _col("episodes", "PLACE")
            rows = [r for r in self.tables["episodes"] if r[place] in ("H5", "K3", "K2", "U6")]
            child = self._take(self._free(r[0] for r in rows))
            if child is not None:
                next(r for r in rows if r[0] == child)[place] = invalid
                return "episodes", child
        header = self.tables["header"]
        child = self._take(self._free(r[0] for r in header))
        if child is None:
            return None
        row = next(r for r in header if r[0] == child)
        row[1] = {"M": "1", "F": "2", "1": "M", "2": "F"}.get(row[1], row[1])
        return "header", child

    def dec_before_decom(self) -> tuple[str, str] | None:
        rec, dec, decom = (_col("episodes", c) for c in ("REC", "DEC", "DECOM"))
        rows = [r for r in self.tables["episodes"] if r[dec] and r[rec] != "X1"]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        row[dec] = fmt(_parse(row[decom]) - days(_between(self.rng, 1, 30)))
        return "episodes", child

    def dec_rec_mismatch(self) -> tuple[str, str] | None:
        rec, dec = _col("episodes", "REC"), _col("episodes", "DEC")
        rows = [r for r in self.tables["episodes"] if r[rec] != "X1"]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        if row[dec]:
            row[rec] = ""
        else:
            row[rec] = HOME_REC_MIX.pick(self.rng)
        return "episodes", child

    def _continuations(self, min_room: int) -> list[tuple[list[str], list[str]]]:
        rec, dec, decom = (_col("episodes", c) for c in ("REC", "DEC", "DECOM"))
        pairs = []
        for child, rows in self.episodes.items():
            if child in self.used:
                continue
            for before, after in itertools.pairwise(rows):
                if before[rec] != "X1" or before[dec] != after[decom]:
                    continue
                room = (_parse(before[dec]) - _parse(before[decom])).days
                ahead = _parse(after[dec]) if after[dec] else self.view.reference_date
                if room >= min_room and (ahead - _parse(after[decom])).days >= min_room:
                    pairs.append((before, after))
        return pairs

    def overlapping_episodes(self) -> tuple[str, str] | None:
        decom = _col("episodes", "DECOM")
        pairs = self._continuations(3)
        if not pairs:
            return None
        before, after = _choice(self.rng, pairs)
        room = (_parse(after[decom]) - _parse(before[decom])).days
        after[decom] = fmt(_parse(after[decom]) - days(_between(self.rng, 1, room - 1)))
        self.used.add(before[0])
        return "episodes", before[0]

    def continuation_gap(self) -> tuple[str, str] | None:
        decom, dec = _col("episodes", "DECOM"), _col("episodes", "DEC")
        pairs = self._continuations(3)
        if not pairs:
            return None
        before, after = _choice(self.rng, pairs)
        ahead = _parse(after[dec]) if after[dec] else self.view.reference_date
        room = (ahead - _parse(after[decom])).days
        after[decom] = fmt(_parse(after[decom]) + days(_between(self.rng, 1, min(10, room - 1))))
        self.used.add(before[0])
        return "episodes", before[0]

    def child_not_in_header(self) -> tuple[str, str] | None:
        header = self.tables["header"]
        child = self._take(self._free(r[0] for r in header))
        if child is None:
            return None
        header[:] = [r for r in header if r[0] != child]
        return "episodes", child

    def overlapping_missing(self) -> tuple[str, str] | None:
        # The new period starts strictly inside an earlier one (a start on the day the
        # earlier one ended is a new period, not an overlap).
        rows = [
            r for r in self.tables["missing"] if r[4] and (_parse(r[4]) - _parse(r[3])).days >= 2
        ]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        began, back = _parse(row[3]), _parse(row[4])
        start = began + days(_between(self.rng, 1, (back - began).days - 1))
        end = min(back + days(_between(self.rng, 0, 3)), self.view.reference_date)
        extra = [row[0], row[1], "M" if row[2] == "A" else "A", fmt(start), fmt(end)]
        missing = self.tables["missing"]
        missing.insert(missing.index(row) + 1, extra)
        return "missing", child

    def dec_after_year_end(self) -> tuple[str, str] | None:
        if not self.view.full_year:
            return None
        dec, rec = _col("episodes", "DEC"), _col("episodes", "REC")
        lasts = [rows[-1] for c, rows in self.episodes.items() if not rows[-1][dec]]
        child = self._take(self._free(r[0] for r in lasts))
        if child is None:
            return None
        row = next(r for r in lasts if r[0] == child)
        row[dec] = fmt(self.view.reference_date + days(_between(self.rng, 1, 60)))
        row[rec] = HOME_REC_MIX.pick(self.rng)
        return "episodes", child


DEFECTS: tuple[tuple[str, str], ...] = (
    (RULE_CODE_NOT_VALID, "code_not_valid"),
    (RULE_DEC_BEFORE_DECOM, "dec_before_decom"),
    (RULE_DEC_REC_MISMATCH, "dec_rec_mismatch"),
    (RULE_OVERLAPPING_EPISODES, "overlapping_episodes"),
    (RULE_CONTINUATION_DECOM, "continuation_gap"),
    (RULE_CHILD_NOT_IN_HEADER, "child_not_in_header"),
    (RULE_OVERLAPPING_MISSING, "overlapping_missing"),
    (RULE_DEC_AFTER_YEAR_END, "dec_after_year_end"),
)


def inject_defects(
    rng: random.Random, ons_code: str, tables: Tables, view: View
) -> list[InjectedError]:
    if not tables["episodes"] or rng.random() >= ERROR_RETURN_SHARE:
        return []
    injector = Injector(rng, tables, view)
    chosen = rng.sample(DEFECTS, _between(rng, 1, 3))
    out = []
    for rule, method in chosen:
        result = getattr(injector, method)()
        if result is not None:
            table, child = result
            out.append(InjectedError(ons_code, view.reference_date, FILE_NAMES[table], rule, child))
    return out


# --------------------------------------------------------------------------- output


def _write_csv(path: Path, columns: Sequence[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def write_view(folder: Path, tables: Tables, year_ending: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    specs = reference.tables()
    for table, name in FILE_NAMES.items():
        spec = specs[table]
        if not spec.valid_in(year_ending):
            continue
        path = folder / name
        _write_csv(path, spec.columns, tables[table])
        written.append(path)
    return written


def views_for(
    first_year_ending: int, last_year_ending: int, in_year_reference: date | None
) -> list[View]:
    views = [View.at(date(y, 3, 31)) for y in range(first_year_ending, last_year_ending + 1)]
    if in_year_reference is not None and all(v.reference_date != in_year_reference for v in views):
        views.append(View.at(in_year_reference))
    return views


def generate_council(
    out_dir: Path,
    ons_code: str,
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
    first_year_ending: int = 2017,
    last_year_ending: int = 2026,
    in_year_reference: datetime.date | None = datetime.date(2026, 10, 31),
) -> tuple[list[Path], list[InjectedError]]:
    """Write every return of one council; return the files and the defects injected."""
    from csc import generate_cin

    views = views_for(first_year_ending, last_year_ending, in_year_reference)
    if not views:
        return [], []
    sim_start = date(min(1998, first_year_ending - SIM_START_YEARS_BEFORE), 4, 1)
    written, injected, children = _write_csv_returns(
        out_dir, ons_code, views, sim_start, seed=seed, scale=scale, errors=errors
    )
    files, defects = generate_cin.write_council(
        out_dir,
        ons_code,
        generate_cin.care_summary(children),
        views,
        seed=seed,
        scale=scale,
        errors=errors,
    )
    return written + files, injected + defects


def _write_csv_returns(
    out_dir: Path,
    ons_code: str,
    views: list[View],
    sim_start: date,
    *,
    seed: int,
    scale: float,
    errors: bool,
) -> tuple[list[Path], list[InjectedError], list[Child]]:
    """Simulate one council and write its SSDA903 tables and placement costs, every view."""
    from csc import generate_costs

    horizon = max(v.reference_date for v in views)
    window = min(v.start for v in views)
    children = simulate_council(
        ons_code, seed=seed, scale=scale, start=sim_start, horizon=horizon, window=window
    )
    costs = generate_costs.CostHistory(children, views, ons_code)
    plan = generate_costs.defect_plan(seed, ons_code, views) if errors else {}
    written: list[Path] = []
    injected: list[InjectedError] = []
    for view in views:
        tables = render_view(children, view)
        cost_rows = costs.rows(view)
        if errors:
            rng = seeded(f"{seed}:{ons_code}:errors:{view.reference_date.isoformat()}")
            defects = inject_defects(rng, ons_code, tables, view)
            gone = [d.child for d in defects if d.rule == RULE_CHILD_NOT_IN_HEADER]
            defects += generate_costs.inject_defects(
                seed, ons_code, cost_rows, view, plan[view.reference_date], gone
            )
            injected += defects
        folder = Path(out_dir) / ons_code / view.reference_date.isoformat()
        written += write_view(folder, tables, view.year_ending)
        written.append(generate_costs.write(folder, cost_rows))
    return written, injected, children


def generate_region(
    out_dir: Path,
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
    councils: Sequence[str] | None = None,
    first_year_ending: int = 2017,
    last_year_ending: int = 2026,
    in_year_reference: datetime.date | None = datetime.date(2026, 10, 31),
    workers: int | None = None,
) -> list[Path]:
    """Write raw council extracts for the region's councils and return the files written.

    One folder per council and reference date: a full-year return at 31 March of each
    year ending `first_year_ending`..`last_year_ending`, plus an in-year extract at
    `in_year_reference`, each with the SSDA903 tables, the placement costs, the CIN census
    and the Annex A workbook. With `errors`, a small share of returns carry business-rule
    defects, each listed in `out_dir/injected_errors.csv`. The CIN census and Annex A of
    each council are written by up to `workers` other processes (default: one per CPU)
    while the 903 returns of the next council are simulated; the files do not depend on it.
    """
    from csc import generate_cin

    out_dir = Path(out_dir)
    known = reference.councils()
    codes = list(known) if councils is None else list(councils)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(f"unknown council ONS codes: {', '.join(unknown)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    views = views_for(first_year_ending, last_year_ending, in_year_reference)
    sim_start = date(min(1998, first_year_ending - SIM_START_YEARS_BEFORE), 4, 1)
    written: list[Path] = []
    injected: list[InjectedError] = []
    pending = []
    pool = generate_cin.process_pool(workers, len(codes)) if views else None
    try:
        for ons_code in codes if views else ():
            files, defects, children = _write_csv_returns(
                out_dir, ons_code, views, sim_start, seed=seed, scale=scale, errors=errors
            )
            job = (out_dir, ons_code, generate_cin.care_summary(children), views)
            options = {"seed": seed, "scale": scale, "errors": errors}
            if pool is None:
                cin = generate_cin.write_council(*job, **options)
            else:
                cin = pool.submit(generate_cin.write_council, *job, **options)
            pending.append((files, defects, cin))
        for files, defects, cin in pending:
            more, more_defects = cin if pool is None else cin.result()
            written += files + more
            injected += defects + more_defects
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if errors:
        path = out_dir / INJECTED_ERRORS_FILE
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_csv(path, INJECTED_ERRORS_COLUMNS, [d.row() for d in injected])
        written.append(path)
    return written
