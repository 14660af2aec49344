"""What every return of a council draws on: its size and rates, its area and postcodes, its
providers and settings, its social workers, and the identifiers it gives children.

A council's `Context` is drawn from its own stream (`<seed>:<ONS code>`), so the SSDA903
simulation and the CIN census simulation, run apart, see the same settings and workers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from csc import reference
from csc.synthetic.draws import Weighted, between, choice, seeded, unit, weights

CLA_PER_10K = 67.0
NOT_REGISTERED = "XXXXXXX"

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

ETHNIC_MIX = weights(
    "WBRI 71, WIRI 0.5, WOTH 4.5, WIRT 0.6, WROM 1, MWBC 3.2, MWBA 1.4, MWAS 2, MOTH 3.2, "
    "AIND 1, APKN 2, ABAN 0.5, AOTH 1.5, BCRB 1, BAFR 2.8, BOTH 1, CHNE 0.3, OOTH 1.8, "
    "REFU 0.2, NOBT 0.5"
)
# Who provides each kind of placement.
PROVIDERS: dict[str, Weighted] = {
    "kin": weights("PR1 92, PR2 5, PR4 3"),
    "foster": weights("PR1 55, PR4 38, PR5 5, PR2 2"),
    "adopt": weights("PR1 60, PR5 25, PR2 15"),
    "home": weights("PR4 76, PR1 17, PR5 7"),
    "secure": weights("PR2 85, PR1 15"),
    "semi": weights("PR4 60, PR1 25, PR5 15"),
    "care_home": weights("PR4 60, PR5 40"),
    "school": weights("PR5 50, PR4 35, PR1 15"),
    "family_centre": weights("PR1 60, PR5 40"),
    "other": weights("PR4 70, PR1 30"),
}


# --------------------------------------------------------------------------- size and rates


def council_factor(ons_code: str) -> float:
    """How far a council's rate of children looked after sits from the national rate."""
    return round(0.6 + 0.9 * unit(f"cla-rate:{ons_code}"), 3)


@cache
def regional_mean_factor() -> float:
    """The region's `council_factor`, weighted by population."""
    populations = {code: population_at(code, 2021) for code in reference.councils()}
    total = sum(populations.values())
    return sum(council_factor(code) * pop for code, pop in populations.items()) / total


def uasc_factor(ons_code: str) -> float:
    """How many unaccompanied children a council takes in, against the national rate."""
    return UASC_ENTRY_POINTS.get(ons_code, 0.6 + 0.8 * unit(f"uasc-rate:{ons_code}"))


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


# --------------------------------------------------------------------------- the context


@dataclass(slots=True)
class Setting:
    """A children's home, school or supported accommodation the council places in."""

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


def council_context(ons_code: str, rng: random.Random, scale: float) -> Context:
    """A council's area, settings, agencies and social workers, drawn from `rng`."""
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
                out.append(Setting(f"{between(rng, 100000, 149999)}", post, provider))
            elif kind == "supported":
                out.append(Setting(NOT_REGISTERED, post, provider, new_urn(rng)))
            else:
                out.append(Setting("", post, provider))
        return out

    return {
        "K2": build(int(9 * size), PROVIDERS["home"], {"PR1": 0.95, "PR4": 0.4}, "registered"),
        "K1": build(3, PROVIDERS["secure"], {"PR1": 0.3, "PR2": 0.1}, "registered"),
        "SEMI": build(int(5 * size), PROVIDERS["semi"], {"PR1": 0.9, "PR4": 0.55}, "supported"),
        "SHORT": build(2, weights("PR1 1"), {"PR1": 1.0}, "registered"),
        "R1": build(2, PROVIDERS["care_home"], {}, "unregistered"),
        "S1": build(3, PROVIDERS["school"], {"PR1": 0.9, "PR4": 0.3, "PR5": 0.3}, "school"),
        "R3": build(2, PROVIDERS["family_centre"], {"PR1": 0.9}, "registered"),
        "R2": build(2, weights("PR3 1"), {"PR3": 0.7}, "unregistered"),
        "R5": build(3, weights("PR3 1"), {"PR3": 0.15}, "unregistered"),
    }


# --------------------------------------------------------------------------- postcodes


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
    inward = f"{between(rng, 1, 9)}{choice(rng, INWARD_LETTERS)}{choice(rng, INWARD_LETTERS)}"
    return f"{district} {inward}"


def local_postcode(rng: random.Random, ctx: Context) -> str:
    return _postcode(rng, choice(rng, ctx.districts))


def away_postcode(rng: random.Random, ctx: Context) -> str:
    pool = ctx.neighbours if rng.random() < 0.8 or not DISTANT_AREAS else DISTANT_AREAS
    area, low, high = choice(rng, pool)
    return _postcode(rng, f"{area}{between(rng, low, high)}")


def placement_postcode(rng: random.Random, ctx: Context, in_area: float) -> str:
    return local_postcode(rng, ctx) if rng.random() < in_area else away_postcode(rng, ctx)


def postcode_sector(post: str) -> str:
    """A postcode cut to its sector (`RG12 1`), as the drops keep it."""
    return post[: post.find(" ") + 2] if " " in post else post


# --------------------------------------------------------------------------- identifiers


def sc_urn(rng: random.Random) -> str:
    """An Ofsted URN of a registered setting or agency."""
    return f"SC{between(rng, 30000, 999999):06d}"


def new_urn(rng: random.Random) -> str:
    """An Ofsted URN of a supported accommodation provider registered from 2023."""
    return f"2{between(rng, 500000, 999999):06d}"


def upn_check_letter(digits: str) -> str:
    total = sum(int(ch) * position for position, ch in enumerate(digits, start=2))
    return UPN_CHECK_LETTERS[total % 23]


def make_upn(rng: random.Random, ctx: Context, dob: date, uasc: bool, entry_age: int) -> str:
    """A unique pupil number, or the code for why it is unknown."""
    if rng.random() < 0.03:
        if uasc:
            return "UN2"
        if entry_age < 5:
            return "UN1"
        return choice(rng, ("UN3", "UN4", "UN5"))
    while True:
        la = ctx.council.la_number
        if ctx.other_la_numbers and rng.random() < 0.15:
            la = choice(rng, ctx.other_la_numbers)
        school = between(rng, 2000, 2999) if rng.random() < 0.8 else between(rng, 1000, 1999)
        digits = f"{la}{school}{(dob.year + 4) % 100:02d}{between(rng, 1, 999):03d}"
        upn = upn_check_letter(digits) + digits
        # Every child's UPN is their own (CIN rule 1520).
        if upn not in ctx.upns:
            ctx.upns.add(upn)
            return upn


def case_id_width(ons_code: str) -> int:
    """How many digits the council's case-management system gives a child's ID."""
    return 6 if unit(f"id-width:{ons_code}") < 0.5 else 7


def case_ids(rng: random.Random, ons_code: str) -> Iterator[str]:
    """The case IDs of the children looked after, in the order they first came into care."""
    width = case_id_width(ons_code)
    value = 10 ** (width - 1) + int(unit(f"id-start:{ons_code}") * 3 * 10 ** (width - 2))
    while True:
        value += between(rng, 1, 25)
        yield str(value)


# --------------------------------------------------------------------------- arrivals


def arrivals(
    rng: random.Random,
    ctx: Context,
    start: date,
    horizon: date,
    per_10k: float,
    trend: Callable[[date], float],
) -> list[date]:
    """The days of a Poisson stream of arrivals at `per_10k` children aged 0-17 a year,
    times `trend`, from `start` to `horizon`."""
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
