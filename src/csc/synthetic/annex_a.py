"""Synthetic Ofsted Annex A workbooks: the lists of contacts, early help assessments and
referrals of the collection year up to the reference date, from the same history as the
CIN census, with the header row each council's system spells its own way."""

from __future__ import annotations

import bisect
import datetime
import operator
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from csc import reference, xlsx
from csc.synthetic.cin_census.calendar import EXCEL_EPOCH, age_on
from csc.synthetic.cin_census.records import Person
from csc.synthetic.draws import choice, seeded, unit
from csc.synthetic.views import View

ANNEX_A_FILE = "annex_a.xlsx"
GENDER_LABELS = {
    "1": "a) Male",
    "2": "b) Female",
    "0": "c) Not stated/recorded",
    "9": "d) Neither",
}
CHILD_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("Child Unique ID", "Child ID", "Unique Child ID", "LA Child ID"),
    ("Gender", "Sex"),
    ("Ethnicity", "Ethnic Origin"),
    ("Date of Birth", "DOB", "Birth Date"),
    ("Age of Child (Years)", "Age of Child", "Age (Years)", "Age"),
)
LIST_COLUMNS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("Date of Contact", "Contact Date"), ("Contact Source", "Source of Contact")),
    2: (
        (
            "Assessment start date",
            "Early Help Assessment Start Date",
            "EH Assessment Start Date",
        ),
        (
            "Assessment completion date",
            "Early Help Assessment Completion Date",
            "EH Assessment Completion Date",
        ),
        (
            "Organisation completing assessment",
            "Organisation Completing the Assessment",
            "Organisation",
        ),
    ),
    3: (
        ("Date of referral", "Referral Date"),
        ("Referral Source", "Source of Referral"),
        ("Referral NFA?", "Referral NFA", "NFA"),
        ("Number of Referrals in Last 12 Months", "Referrals in Last 12 Months"),
        ("Allocated Team", "Team"),
        ("Allocated Worker", "Allocated Social Worker", "Worker"),
    ),
}
# Lists the loader does not read: written with a header row only.
OTHER_LISTS: dict[int, tuple[str, ...]] = {
    4: (
        "Continuation of Referral",
        "Assessment start date",
        "Assessment authorised date",
        "Allocated Team",
        "Allocated Worker",
    ),
    5: (
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Allocated Team",
        "Allocated Worker",
    ),
    6: ("Disability", "Case Reason", "CIN Start Date", "CIN Closure Date", "Allocated Worker"),
    7: (
        "Disability",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of Last Review",
        "Number of Previous Child Protection Plans",
        "Allocated Worker",
    ),
    8: (
        "Disability",
        "UASC",
        "Date Started to be Looked After",
        "Legal Status",
        "Placement Type",
        "Allocated Worker",
    ),
    9: ("Disability", "UASC", "In Touch", "Activity", "Accommodation", "Allocated Worker"),
    10: (
        "Disability",
        "Date Entered Care",
        "Date of Decision that Child Should be Placed for Adoption",
        "Date of Placement Order",
        "Date Placed for Adoption",
    ),
    11: (
        "Adopter ID",
        "Date of Initial Enquiry",
        "Date Stage 1 Started",
        "Date Stage 2 Started",
        "Date of Approval",
        "Number of Children Placed",
    ),
}
CASE_STYLES = ("as is", "upper", "lower", "title")


def _styled(name: str, case: str, spaced: bool) -> str:
    if case == "upper":
        name = name.upper()
    elif case == "lower":
        name = name.lower()
    elif case == "title":
        name = " ".join(word[:1].upper() + word[1:] for word in name.split(" "))
    return name.replace(" ", "  ") if spaced else name


@cache
def annex_a_headers(ons_code: str) -> dict[int, tuple[str, ...]]:
    """Each list's header row as this council's system spells it (fixed per council)."""
    standard = unit(f"annex-a-style:{ons_code}") < 0.35
    rng = seeded(f"annex-a-style:{ons_code}")
    case = "as is" if standard else choice(rng, CASE_STYLES)
    spacing = 0.0 if standard else choice(rng, (0.0, 0.0, 0.3))
    changed = False

    def spell(aliases: tuple[str, ...]) -> str:
        nonlocal changed
        name = aliases[0]
        if not standard and len(aliases) > 1 and rng.random() < 0.5:
            name = choice(rng, aliases[1:])
        spaced = " " in name and rng.random() < spacing
        out = _styled(name, case, spaced)
        changed = changed or out != aliases[0]
        return out

    child = tuple(spell(aliases) for aliases in CHILD_COLUMNS)
    headers = {n: child + tuple(spell(a) for a in cols) for n, cols in LIST_COLUMNS.items()}
    if not standard and not changed:
        headers = {n: tuple(h.upper() for h in row) for n, row in headers.items()}
        child = tuple(h.upper() for h in child)
    for n, names in OTHER_LISTS.items():
        own = tuple(_styled(name, case, False) for name in names)
        headers[n] = own if n == 11 else child + own
    return dict(sorted(headers.items()))


class AnnexEvents:
    """A council's contacts, early help assessments and referrals, in date order."""

    def __init__(self, people: Iterable[Person]) -> None:
        contacts: list[tuple] = []
        early_help: list[tuple] = []
        referrals: list[tuple] = []
        for person in sorted(people, key=lambda p: p.sort_key):
            for day, source in person.contacts:
                contacts.append((day, person, source))
            for began, done, organisation in person.early_help:
                early_help.append((began, person, done, organisation))
            for ref in person.referrals:
                referrals.append((ref.date, person, ref))
        first = operator.itemgetter(0)
        for items in (contacts, early_help, referrals):
            items.sort(key=first)
        self.contacts, self.early_help, self.referrals = contacts, early_help, referrals
        self.days = [[item[0] for item in items] for items in (contacts, early_help, referrals)]

    def window(self, which: int, view: View) -> list[tuple]:
        items = (self.contacts, self.early_help, self.referrals)[which]
        days = self.days[which]
        low = bisect.bisect_left(days, view.start.toordinal())
        high = bisect.bisect_right(days, view.reference_date.toordinal())
        return items[low:high]


# The cells' styles by list: the dates as dates (Excel serial days), the rest plain.
_CHILD_STYLES = (xlsx.PLAIN, xlsx.PLAIN, xlsx.PLAIN, xlsx.DATE, xlsx.PLAIN, xlsx.DATE)
LIST_STYLES = {
    1: (*_CHILD_STYLES, xlsx.PLAIN),
    2: (*_CHILD_STYLES, xlsx.DATE, xlsx.PLAIN),
    3: (*_CHILD_STYLES, *(xlsx.PLAIN,) * 5),
}


@cache
def source_labels() -> dict[str, str]:
    return {
        row["code"]: f"{row['code']} {row['description']}"
        for row in reference.cin_code_rows()
        if row["field"] == "ReferralSource"
    }


def write_annex_a(
    path: Path,
    events: AnnexEvents,
    view: View,
    headers: dict[int, tuple[str, ...]],
    created: datetime.datetime,
) -> None:
    """One Annex A workbook: lists 1-3 for the collection year up to the reference date."""
    day = view.reference_date.toordinal()
    labels = source_labels()
    rows = {1: events.window(0, view), 2: events.window(1, view), 3: events.window(2, view)}
    with xlsx.Workbook(path, created) as workbook:
        for number, header in headers.items():
            sheet = workbook.sheet(f"List {number}")
            sheet.add(header, style=xlsx.BOLD)
            add = sheet.add
            styles = LIST_STYLES.get(number)
            for item in rows.get(number, ()):
                event, person = item[0], item[1]
                dob = person.dob
                born = dob <= day
                cells = [
                    person.child_id,
                    GENDER_LABELS[person.sex if born else "0"],
                    person.ethnic,
                    dob - EXCEL_EPOCH if born else None,
                    age_on(dob, event) if dob <= event else None,
                    event - EXCEL_EPOCH,
                ]
                if number == 1:
                    cells.append(labels[item[2]])
                elif number == 2:
                    done = item[2]
                    cells += [done - EXCEL_EPOCH if done is not None and done <= day else None]
                    cells.append(item[3])
                else:
                    ref = item[2]
                    cells += [
                        labels[ref.source],
                        "Yes" if ref.nfa else "No",
                        ref.recent,
                        ref.team,
                        ref.worker or None,
                    ]
                add(cells, styles=styles)
