"""The SSDA903 history of a child as the simulation holds it, and the placement codes it
reasons with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

FOSTER = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
KINSHIP = frozenset({"U1", "U2", "U3"})
TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
HOME_RECS = frozenset({"E4A", "E4B", "E13"})
ORDER_RECS = frozenset({"SGO", "E41", "E45", "E46", "E47", "E48"})
# Codes withdrawn, and what later returns show instead.
RECODED_PLACE = {"H5": "K3", "P2": "K3", "Z1": "Z14"}
# Supported accommodation for 16- and 17-year-olds became regulated by Ofsted on this day:
# independent living (P2) ended and semi-independent settings (H5) carry a URN from it.
SUPPORTED_REFORM = date(2023, 10, 28)

Worker = tuple[str, date, date, str]  # social worker, from, to, reason for the change


@dataclass(slots=True)
class Placement:
    code: str
    carer: int
    provider: str
    post: str
    urn: str
    later_urn: str = ""


Move = tuple[date, Placement, str]  # the day, where to, and why


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
    """A period of care: from starting to be looked after to ceasing."""

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
    """How a period of care will go: its end, legal statuses and the moves it must make."""

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
