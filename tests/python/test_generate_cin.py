"""Tests of the synthetic CIN census and Ofsted Annex A extracts written with the 903 returns."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from python_calamine import CalamineWorkbook

from csc import reference, synthetic
from csc.synthetic import annex_a, cin_census
from csc.synthetic.councils import population_at
from csc.synthetic.draws import add_years, unit

COUNCILS = ["E06000036", "E06000040"]  # Bracknell Forest, Windsor and Maidenhead
SCALE = 0.3
SEED = 11
IN_YEAR = dt.date(2026, 10, 31)

# Each element's children, in the order the census requires.
ORDER: dict[str, tuple[str, ...]] = {
    "Message": ("Header", "Children"),
    "Header": ("CollectionDetails", "Source"),
    "CollectionDetails": ("Collection", "Year", "ReferenceDate"),
    "Source": ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"),
    "Children": ("Child",),
    "Child": ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"),
    "ChildIdentifiers": (
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "GenderCurrent",
        "Sex",
        "PersonDeathDate",
    ),
    "ChildCharacteristics": ("Ethnicity", "Disabilities"),
    "Disabilities": ("Disability",),
    "CINdetails": (
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "ReferralNFA",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ChildProtectionPlans",
    ),
    "Assessments": (
        "AssessmentActualStartDate",
        "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
        "FactorsIdentifiedAtAssessment",
    ),
    "FactorsIdentifiedAtAssessment": ("AssessmentFactors",),
    "CINPlanDates": ("CINPlanStartDate", "CINPlanEndDate"),
    "Section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"),
    "ChildProtectionPlans": (
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
        "Reviews",
    ),
    "Reviews": ("CPPreviewDate",),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "Child": ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"),
    "ChildIdentifiers": ("LAchildID",),
    "CINdetails": ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "ReferralNFA"),
    "Assessments": ("AssessmentActualStartDate",),
    "CINPlanDates": ("CINPlanStartDate",),
    "Section47": ("S47ActualStartDate",),
    "ChildProtectionPlans": (
        "CPPstartDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
    ),
}
CODED = {
    "Ethnicity": "Ethnicity",
    "Disability": "Disability",
    "ReferralSource": "ReferralSource",
    "PrimaryNeedCode": "PrimaryNeedCode",
    "ReasonForClosure": "ReasonForClosure",
    "InitialCategoryOfAbuse": "CategoryOfAbuse",
    "LatestCategoryOfAbuse": "CategoryOfAbuse",
    "AssessmentFactors": "AssessmentFactors",
    "GenderCurrent": "GenderCurrent",
    "Sex": "Sex",
    "ReferralNFA": "ReferralNFA",
}
CIN_RULES = set(cin_census.CIN_RULES)


# --------------------------------------------------------------------------- reading


def day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@dataclass
class Plan:
    start: dt.date
    end: dt.date | None
    previous: int = 0
    reviews: list[dt.date] = field(default_factory=list)


@dataclass
class Referral:
    date: dt.date
    closure: dt.date | None
    nfa: str
    icpc: dt.date | None
    assessments: list[tuple[dt.date, dt.date | None, dt.date | None]]
    plans: list[tuple[dt.date, dt.date | None]]
    s47s: list[tuple[dt.date, dt.date | None, dt.date | None]]
    cp_plans: list[Plan]


@dataclass
class CinChild:
    child_id: str
    dob: dt.date | None
    expected: dt.date | None
    gender: str
    ethnicity: str
    upn: str
    upn_unknown: str
    referrals: list[Referral]


@dataclass
class Census:
    year: int
    reference_date: dt.date
    lea: str
    root: ET.Element
    children: list[CinChild]


def text(node: ET.Element, tag: str) -> str | None:
    found = node.find(tag)
    return found.text if found is not None else None


def read_census(path: Path) -> Census:
    root = ET.parse(path).getroot()
    details = root.find("Header/CollectionDetails")
    children = []
    for node in root.iterfind("Children/Child"):
        ids = node.find("ChildIdentifiers")
        referrals = []
        for cin in node.iterfind("CINdetails"):
            plans = []
            for cp in cin.iterfind("ChildProtectionPlans"):
                reviews = [day(r.text) for r in cp.iterfind("Reviews/CPPreviewDate")]
                plans.append(
                    Plan(
                        day(text(cp, "CPPstartDate")),
                        day(text(cp, "CPPendDate")),
                        int(text(cp, "NumberOfPreviousCPP")),
                        reviews,
                    )
                )
            referrals.append(
                Referral(
                    day(text(cin, "CINreferralDate")),
                    day(text(cin, "CINclosureDate")),
                    text(cin, "ReferralNFA"),
                    day(text(cin, "DateOfInitialCPC")),
                    [
                        (
                            day(text(a, "AssessmentActualStartDate")),
                            day(text(a, "AssessmentInternalReviewDate")),
                            day(text(a, "AssessmentAuthorisationDate")),
                        )
                        for a in cin.iterfind("Assessments")
                    ],
                    [
                        (day(text(p, "CINPlanStartDate")), day(text(p, "CINPlanEndDate")))
                        for p in cin.iterfind("CINPlanDates")
                    ],
                    [
                        (
                            day(text(s, "S47ActualStartDate")),
                            day(text(s, "InitialCPCtarget")),
                            day(text(s, "DateOfInitialCPC")),
                        )
                        for s in cin.iterfind("Section47")
                    ],
                    plans,
                )
            )
        gender = text(ids, "GenderCurrent") or text(ids, "Sex")
        children.append(
            CinChild(
                text(ids, "LAchildID"),
                day(text(ids, "PersonBirthDate")),
                day(text(ids, "ExpectedPersonBirthDate")),
                gender,
                text(node, "ChildCharacteristics/Ethnicity"),
                text(ids, "UPN") or "",
                text(ids, "UPNunknown") or "",
                referrals,
            )
        )
    return Census(
        int(text(details, "Year")),
        day(text(details, "ReferenceDate")),
        text(root, "Header/Source/LEA"),
        root,
        children,
    )


def activity(ref: Referral) -> list[dt.date]:
    """Every dated piece of work on a referral (what must not follow its closure)."""
    out: list[dt.date] = []
    for start, _, authorised in ref.assessments:
        out += [start, authorised]
    for start, end in ref.plans:
        out += [start, end]
    for start, _, icpc in ref.s47s:
        out += [start, icpc]
    out.append(ref.icpc)
    for plan in ref.cp_plans:
        out += [plan.start, plan.end, *plan.reviews]
    return [d for d in out if d is not None]


def rule_breaches(census: Census) -> set[tuple[str, str]]:
    """(rule, child) for each of the ten CIN rules the loader checks."""
    found: set[tuple[str, str]] = set()
    for child in census.children:
        cid = child.child_id

        def breach(rule: str, cid: str = cid) -> None:
            found.add((rule, cid))

        open_referrals = 0
        plans: list[Plan] = []
        for ref in child.referrals:
            open_referrals += ref.closure is None
            if any(a[0] < ref.date for a in ref.assessments):
                breach("cin.assessment_before_referral")
            if any(p[0] < ref.date for p in ref.plans):
                breach("cin.cin_plan_before_referral")
            if any(s[0] < ref.date for s in ref.s47s):
                breach("cin.s47_before_referral")
            if any(p.start < ref.date for p in ref.cp_plans):
                breach("cin.cp_plan_before_referral")
            if ref.closure is not None and ref.closure < ref.date:
                breach("cin.closure_before_referral")
            if ref.closure is not None and any(d > ref.closure for d in activity(ref)):
                breach("cin.activity_after_closure")
            icpcs = [s[2] for s in ref.s47s if s[2]] + ([ref.icpc] if ref.icpc else [])
            if any(d.weekday() >= 5 for d in icpcs):
                breach("cin.icpc_on_weekend")
            for plan in ref.cp_plans:
                if plan.end == plan.start:
                    breach("cin.cp_plan_ends_on_start")
                plans.append(plan)
        if open_referrals > 1:
            breach("cin.more_than_one_open_referral")
        plans.sort(key=lambda p: p.start)
        for before, after in zip(plans, plans[1:], strict=False):
            if before.end is None or after.start < before.end:
                breach("cin.cp_plans_overlap")
    return found


def other_problems(census: Census) -> list[str]:
    """Breaches of the structural rules every clean file must also satisfy."""
    problems: list[str] = []
    ref_date = census.reference_date
    valid = {
        element: set(reference.cin_codes(field_name, census.year))
        for element, field_name in CODED.items()
    }
    for node in census.root.iter():
        if node.tag in CODED and node.text not in valid[node.tag]:
            problems.append(f"{node.tag} {node.text} not valid in {census.year}")
        if node.tag.endswith("Date") or node.tag in ("DateOfInitialCPC", "InitialCPCtarget"):
            if node.tag in ("ExpectedPersonBirthDate",):
                continue
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.text or ""):
                problems.append(f"{node.tag} {node.text!r} not ISO")
            elif day(node.text) > ref_date:
                problems.append(f"{node.tag} {node.text} after the reference date")
    ids = Counter(c.child_id for c in census.children)
    problems += [f"{cid} repeated" for cid, n in ids.items() if n > 1 or not cid]
    for child in census.children:
        if not child.referrals:
            problems.append(f"{child.child_id} has no CINdetails")
        for ref in child.referrals:
            spans = [*ref.plans, *((p.start, p.end) for p in ref.cp_plans)]
            spans += [(a[0], a[2]) for a in ref.assessments]
            spans += [(s[0], s[2]) for s in ref.s47s]
            for start, end in spans:
                if end is not None and end < start:
                    problems.append(f"{child.child_id} ends {end} before it starts {start}")
            if child.dob is not None and min([ref.date, *activity(ref)]) < child.dob:
                problems.append(f"{child.child_id} has work before birth")
    return problems


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def parse_903(text_value: str) -> dt.date:
    return dt.datetime.strptime(text_value, "%d/%m/%Y").date()


def folders(root: Path, ons_code: str) -> list[Path]:
    return sorted(p for p in (root / ons_code).iterdir() if p.is_dir())


def full_years(root: Path, ons_code: str) -> list[Path]:
    return [f for f in folders(root, ons_code) if f.name.endswith("-03-31")]


def normalise(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


ALIASES = {
    normalise(alias): aliases[0]
    for columns in (annex_a.CHILD_COLUMNS, *annex_a.LIST_COLUMNS.values())
    for aliases in columns
    for alias in aliases
}


def read_list(path: Path, number: int) -> list[dict[str, object]]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(f"List {number}")
    rows = sheet.to_python()
    header = [ALIASES[normalise(str(h))] for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cin")
    synthetic.generate_region(out, seed=SEED, scale=SCALE, councils=COUNCILS)
    return out


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cin_alone")
    synthetic.generate_region(out, seed=SEED, scale=SCALE, councils=[COUNCILS[0]])
    return out


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cin_errors")
    synthetic.generate_region(out, seed=SEED, scale=SCALE, councils=COUNCILS, errors=True)
    return out


@pytest.fixture(scope="module")
def censuses(clean: Path) -> dict[tuple[str, dt.date], Census]:
    return {
        (code, dt.date.fromisoformat(folder.name)): read_census(folder / cin_census.CIN_FILE)
        for code in COUNCILS
        for folder in folders(clean, code)
    }


# --------------------------------------------------------------------------- layout


def test_every_view_has_a_census_and_a_workbook(clean: Path) -> None:
    for code in COUNCILS:
        names = [f.name for f in folders(clean, code)]
        assert names == [f"{y}-03-31" for y in range(2017, 2027)] + [IN_YEAR.isoformat()]
        for folder in folders(clean, code):
            assert (folder / cin_census.CIN_FILE).is_file()
            assert (folder / annex_a.ANNEX_A_FILE).is_file()
            assert (folder / "Episodes.csv").is_file()


def test_census_header(censuses: dict[tuple[str, dt.date], Census]) -> None:
    for (code, ref_date), census in censuses.items():
        assert census.lea == reference.councils()[code].la_number
        assert census.reference_date == ref_date
        assert census.year == reference.year_ending(ref_date)
        source = census.root.find("Header/Source")
        assert [n.tag for n in source] == list(ORDER["Source"])
        assert text(census.root, "Header/CollectionDetails/Collection") == "CIN"
    assert censuses[(COUNCILS[0], IN_YEAR)].year == 2027


def test_elements_are_named_and_ordered_as_the_census_requires(clean: Path) -> None:
    path = clean / COUNCILS[0] / "2024-03-31" / cin_census.CIN_FILE
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<Message>')
    root = ET.fromstring(raw)
    assert root.tag == "Message"
    seen: set[str] = set()
    for node in root.iter():
        tags = [c.tag for c in node]
        if not tags:
            assert (node.text or "").strip(), f"empty element {node.tag}"
            continue
        order = ORDER[node.tag]
        positions = [order.index(t) for t in tags]
        assert positions == sorted(positions), (node.tag, tags)
        for required in REQUIRED.get(node.tag, ()):
            assert required in tags, (node.tag, required)
        seen.update(tags)
    optional = ("UPNunknown", "CINclosureDate", "DateOfInitialCPC", "Reviews", "ICPCnotRequired")
    assert set(optional) <= seen


def test_gender_element_switches_to_sex_in_2025(
    censuses: dict[tuple[str, dt.date], Census],
) -> None:
    for (_, ref_date), census in censuses.items():
        ids = census.root.find("Children/Child/ChildIdentifiers")
        expected = "GenderCurrent" if census.year <= 2024 else "Sex"
        assert ids.find(expected) is not None, ref_date
        assert {c.gender for c in census.children} <= (
            {"1", "2", "0", "9"} if census.year <= 2024 else {"M", "F", "U"}
        )


# --------------------------------------------------------------------------- clean data


def test_clean_files_break_no_rule(censuses: dict[tuple[str, dt.date], Census]) -> None:
    for key, census in censuses.items():
        assert rule_breaches(census) == set(), key
        assert other_problems(census) == [], key


def test_unborn_children_have_an_expected_birth_date(
    censuses: dict[tuple[str, dt.date], Census],
) -> None:
    unborn = [c for census in censuses.values() for c in census.children if c.expected]
    assert unborn
    for child in unborn:
        assert child.dob is None and child.upn_unknown


# --------------------------------------------------------------------------- one child, one ID


def test_children_in_care_keep_their_903_identity(
    clean: Path, censuses: dict[tuple[str, dt.date], Census]
) -> None:
    for code in COUNCILS:
        known: dict[str, dict[str, str]] = {}
        for folder in folders(clean, code):
            census = censuses[(code, dt.date.fromisoformat(folder.name))]
            # Children looked after in the year (care leavers only in OC3 may have no open
            # referral, so no place in the census).
            in_care = {e["CHILD"] for e in read_rows(folder / "Episodes.csv")}
            header = {
                r["CHILD"]: r for r in read_rows(folder / "Header.csv") if r["CHILD"] in in_care
            }
            known.update(header)
            in_census = {c.child_id: c for c in census.children}
            assert header and set(header) <= set(in_census), folder
            for cid, row in header.items():
                child = in_census[cid]
                assert parse_903(row["DOB"]) == child.dob
                assert row["ETHNIC"] == child.ethnicity
                assert row["SEX"] == child.gender
                if row["UPN"].startswith("UN"):
                    assert (child.upn, child.upn_unknown) == ("", row["UPN"])
                else:
                    assert (child.upn, child.upn_unknown) == (row["UPN"], "")
        for census in (c for (k, _), c in censuses.items() if k == code):
            for child in census.children:
                if child.child_id in known:
                    assert parse_903(known[child.child_id]["DOB"]) == child.dob


def test_every_period_of_care_follows_a_referral(
    clean: Path, censuses: dict[tuple[str, dt.date], Census]
) -> None:
    for code in COUNCILS:
        starts = planned = 0
        for folder in folders(clean, code):
            ref_date = dt.date.fromisoformat(folder.name)
            view = synthetic.View.at(ref_date)
            children = {c.child_id: c for c in censuses[(code, ref_date)].children}
            for row in read_rows(folder / "Episodes.csv"):
                began = parse_903(row["DECOM"])
                if row["RNE"] != "S" or not view.start <= began <= ref_date:
                    continue
                # The referral open on the day care began, with an assessment already started.
                child = children[row["CHILD"]]
                open_then = [
                    r
                    for r in child.referrals
                    if r.date <= began and (r.closure is None or r.closure >= began)
                ]
                assert len(open_then) == 1, (code, folder.name, row["CHILD"])
                referral = open_then[0]
                if referral.date < view.start:
                    # An assessment signed off in an earlier year is in that year's census.
                    continue
                starts += 1
                assert any(a[0] <= began for a in referral.assessments), row
                planned += any(p[0] <= began for p in referral.plans) or any(
                    s[0] <= began for s in referral.s47s
                )
        assert starts > 20
        assert planned / starts > 0.45


def test_new_ids_follow_the_council_scheme(censuses: dict[tuple[str, dt.date], Census]) -> None:
    for code in COUNCILS:
        ids = {
            c.child_id for (k, _), census in censuses.items() if k == code for c in census.children
        }
        assert ids
        assert {len(i) for i in ids} == {6 if unit(f"id-width:{code}") < 0.5 else 7}
        assert all(i.isdigit() for i in ids)


# --------------------------------------------------------------------------- Annex A


def test_annex_a_workbook_layout(clean: Path) -> None:
    path = clean / COUNCILS[0] / "2024-03-31" / annex_a.ANNEX_A_FILE
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [f"List {n}" for n in range(1, 12)]
    headers = annex_a.annex_a_headers(COUNCILS[0])
    for number in range(1, 12):
        rows = book.get_sheet_by_name(f"List {number}").to_python()
        assert tuple(rows[0]) == headers[number]
    expected = {
        1: ["Date of Contact", "Contact Source"],
        2: [
            "Assessment start date",
            "Assessment completion date",
            "Organisation completing assessment",
        ],
        3: [
            "Date of referral",
            "Referral Source",
            "Referral NFA?",
            "Number of Referrals in Last 12 Months",
            "Allocated Team",
            "Allocated Worker",
        ],
    }
    child = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
    labels = set(annex_a.GENDER_LABELS.values())
    sources = set(annex_a.source_labels().values())
    for number, columns in expected.items():
        rows = read_list(path, number)
        assert rows
        assert list(rows[0]) == child + columns
        for row in rows:
            assert row["Gender"] in labels
            assert isinstance(row["Date of Birth"], dt.date)
            first_date = columns[0]
            assert isinstance(row[first_date], dt.date)
            assert dt.date(2023, 4, 1) <= row[first_date] <= dt.date(2024, 3, 31)
        if number == 1:
            assert {r["Contact Source"] for r in rows} <= sources
        if number == 3:
            assert {r["Referral NFA?"] for r in rows} == {"Yes", "No"}
            assert all(
                str(r["Allocated Worker"]).startswith("SW")
                for r in rows
                if r.get("Allocated Worker")
            )


def test_annex_a_matches_the_census(
    clean: Path, censuses: dict[tuple[str, dt.date], Census]
) -> None:
    for code in COUNCILS:
        contacts: dict[str, list[dt.date]] = defaultdict(list)
        early_help: dict[str, list[dt.date]] = defaultdict(list)
        preceded = total = 0
        for folder in folders(clean, code):
            ref_date = dt.date.fromisoformat(folder.name)
            view = synthetic.View.at(ref_date)
            path = folder / annex_a.ANNEX_A_FILE
            for row in read_list(path, 1):
                contacts[str(row["Child Unique ID"])].append(row["Date of Contact"])
            for row in read_list(path, 2):
                early_help[str(row["Child Unique ID"])].append(row["Assessment start date"])
            listed = Counter(
                (str(r["Child Unique ID"]), r["Date of referral"]) for r in read_list(path, 3)
            )
            census = Counter(
                (c.child_id, r.date)
                for c in censuses[(code, ref_date)].children
                for r in c.referrals
                if view.start <= r.date <= ref_date
            )
            assert listed == census, folder.name
            for cid, when in listed:
                # The contact may fall before the first workbook's year.
                if when >= dt.date(2016, 4, 8):
                    assert any(0 <= (when - c).days <= 7 for c in contacts[cid]), (cid, when)
                if ref_date.year >= 2018:
                    total += 1
                    preceded += any(0 < (when - e).days <= 365 for e in early_help[cid])
        assert 0.15 <= preceded / total <= 0.35


def test_headers_vary_between_councils() -> None:
    standard = {
        n: tuple(a[0] for a in annex_a.CHILD_COLUMNS + annex_a.LIST_COLUMNS[n]) for n in (1, 2, 3)
    }
    styles = {code: annex_a.annex_a_headers(code) for code in reference.councils()}
    unusual = [code for code, h in styles.items() if any(h[n] != standard[n] for n in (1, 2, 3))]
    assert len(unusual) >= len(styles) / 3
    for headers in styles.values():
        for n in (1, 2, 3):
            assert [ALIASES[normalise(h)] for h in headers[n]] == list(standard[n])


# --------------------------------------------------------------------------- volumes


def rates(root: Path, code: str) -> dict[str, float]:
    """The benchmark indicators over all full years of one council."""
    cal = reference.working_days_between
    referral_dates: dict[str, set[dt.date]] = defaultdict(set)
    books = [(folder, read_census(folder / cin_census.CIN_FILE)) for folder in folders(root, code)]
    for _, census in books:
        for child in census.children:
            referral_dates[child.child_id].update(r.date for r in child.referrals)
    counts: Counter[str] = Counter()
    population = 0.0
    for folder, census in books:
        if not folder.name.endswith("-03-31"):
            continue
        ref_date = census.reference_date
        start = dt.date(ref_date.year - 1, 4, 1)
        population += population_at(code, ref_date.year - 1) * SCALE
        for child in census.children:
            counts["cin"] += any(r.closure is None for r in child.referrals)
            for ref in child.referrals:
                if start <= ref.date:
                    counts["referrals"] += 1
                    year_before = add_years(ref.date, -1)
                    counts["re_referrals"] += any(
                        year_before <= d < ref.date for d in referral_dates[child.child_id]
                    )
                for a_start, _, authorised in ref.assessments:
                    if authorised and start <= authorised:
                        counts["assessed"] += 1
                        counts["assessed_45"] += cal(a_start, authorised) <= 45
                for s_start, _, icpc in ref.s47s:
                    if icpc and start <= icpc:
                        counts["icpc"] += 1
                        counts["icpc_15"] += cal(s_start, icpc) <= 15
                for plan in ref.cp_plans:
                    counts["cp"] += plan.end is None
                    if plan.start >= start:
                        counts["cp_starts"] += 1
                        counts["cp_repeat"] += plan.previous > 0
                    if plan.end and plan.end >= start:
                        counts["cp_ends"] += 1
                        counts["cp_2y"] += plan.end >= add_years(plan.start, 2)
    per_10k = 10_000 / population
    return {
        "referrals_per_10k": counts["referrals"] * per_10k,
        "re_referral_share": counts["re_referrals"] / counts["referrals"],
        "assessed_45_share": counts["assessed_45"] / counts["assessed"],
        "cin_per_10k": counts["cin"] * per_10k,
        "cp_per_10k": counts["cp"] * per_10k,
        "cp_repeat_share": counts["cp_repeat"] / counts["cp_starts"],
        "cp_2y_share": counts["cp_2y"] / counts["cp_ends"],
        "icpc_15_share": counts["icpc_15"] / counts["icpc"],
    }


EXPECTED = {
    "referrals_per_10k": (520, 0.25),
    "re_referral_share": (0.22, 0.3),
    "assessed_45_share": (0.86, 0.08),
    "cin_per_10k": (333, 0.3),
    "cp_per_10k": (41, 0.35),
    "cp_repeat_share": (0.23, 0.45),
    "cp_2y_share": (0.04, 0.8),
    "icpc_15_share": (0.78, 0.12),
}


def test_volumes_follow_the_national_figures(clean: Path) -> None:
    for code in COUNCILS:
        measured = rates(clean, code)
        for name, (target, tolerance) in EXPECTED.items():
            assert abs(measured[name] - target) <= tolerance * target, (code, name, measured)


# --------------------------------------------------------------------------- defects


def test_each_injected_defect_breaks_its_rule_and_no_other(with_errors: Path) -> None:
    rows = read_rows(with_errors / synthetic.INJECTED_ERRORS_FILE)
    cin_rows = [r for r in rows if r["file"] == cin_census.CIN_FILE]
    assert {r["rule"] for r in cin_rows} == CIN_RULES
    assert {r["file"] for r in rows} > {cin_census.CIN_FILE}
    expected: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for row in cin_rows:
        expected[(row["ons_code"], row["reference_date"])].add((row["rule"], row["child"]))
    for code in COUNCILS:
        for folder in folders(with_errors, code):
            census = read_census(folder / cin_census.CIN_FILE)
            assert rule_breaches(census) == expected[(code, folder.name)], folder
            assert other_problems(census) == [], folder


def test_defects_leave_other_files_alone(clean: Path, with_errors: Path) -> None:
    for code in COUNCILS:
        for folder in folders(clean, code):
            other = with_errors / code / folder.name
            assert (folder / annex_a.ANNEX_A_FILE).read_bytes() == (
                other / annex_a.ANNEX_A_FILE
            ).read_bytes()


# --------------------------------------------------------------------------- determinism


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_is_identical_and_independent_of_other_councils(clean: Path, alone: Path) -> None:
    mine, theirs = tree(clean / COUNCILS[0]), tree(alone / COUNCILS[0])
    assert any(name.endswith(".xlsx") for name in mine)
    assert mine == theirs


def test_working_days_match_the_reference() -> None:
    cal = cin_census.calendar()
    start = dt.date(2023, 12, 20)
    for offset in range(0, 40):
        end = start + dt.timedelta(days=offset)
        assert cal.between(start.toordinal(), end.toordinal()) == reference.working_days_between(
            start, end
        )
    for count in range(1, 30):
        later = dt.date.fromordinal(cal.add(start.toordinal(), count))
        assert reference.working_days_between(start, later) == count
        assert later.weekday() < 5 and later not in reference.bank_holidays()


def test_one_council_on_its_own(tmp_path: Path) -> None:
    files, injected = synthetic.generate_council(
        tmp_path,
        COUNCILS[1],
        seed=SEED,
        scale=0.2,
        errors=True,
        first_year_ending=2025,
        last_year_ending=2025,
        in_year_reference=None,
    )
    folder = tmp_path / COUNCILS[1] / "2025-03-31"
    assert {folder / cin_census.CIN_FILE, folder / annex_a.ANNEX_A_FILE} <= set(files)
    census = read_census(folder / cin_census.CIN_FILE)
    cin_defects = {(d.rule, d.child) for d in injected if d.file == cin_census.CIN_FILE}
    assert cin_defects and rule_breaches(census) == cin_defects
    assert other_problems(census) == []
