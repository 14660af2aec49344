"""The CIN census file of one view: every child with a referral open in the census year,
as the council's system exports the DfE's XML."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from csc import reference
from csc.synthetic.cin_census.calendar import CAL_FIRST, ISO, YEAR_ENDING, age_on
from csc.synthetic.cin_census.casework import FACTORS
from csc.synthetic.cin_census.records import Person, Referral
from csc.synthetic.draws import between, seeded, unit
from csc.synthetic.views import View

CIN_FILE = "cin_census.xml"
SOFTWARE = ("LCS", "Mosaic", "Eclipse", "CareFirst", "Azeus")
SEX_FROM_2025 = {"1": "M", "2": "F", "0": "U", "9": "U"}


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _upn_elements(person: Person, day: int) -> tuple[str, str]:
    """(UPN, UPNunknown) as the child's record shows them on `day`."""
    upn = person.upn
    if upn.startswith("UN"):
        return "", "UN5" if upn == "UN1" and age_on(person.dob, day) >= 5 else upn
    if not person.looked_after and (person.dob > day or age_on(person.dob, day) < 4):
        return "", "UN1"
    return upn, ""


@dataclass(frozen=True, slots=True)
class YearCodes:
    gender_tag: str
    genders: dict[str, str]
    factors: dict[str, str]


@cache
def year_codes(year_ending: int) -> YearCodes:
    valid = set(reference.cin_codes("AssessmentFactors", year_ending))
    cce = "23A" if "23A" in valid else "24A"
    factors = {}
    for code in [*FACTORS.values, "21", "9A", "4A"]:
        shown = cce if code == "CCE" else code
        factors[code] = f"      <AssessmentFactors>{shown}</AssessmentFactors>\n"
    if reference.cin_codes("GenderCurrent", year_ending):
        return YearCodes("GenderCurrent", {c: c for c in ("1", "2", "0", "9")}, factors)
    return YearCodes("Sex", SEX_FROM_2025, factors)


def _referral_xml(a, rf: Referral, day: int, start: int, codes: YearCodes) -> None:
    """One referral as the census for the year from `start` to `day` shows it: what was
    finished before the year (an assessment authorised, a plan ended, a section 47 enquiry
    concluded) belongs to an earlier census and is left out, as the DfE's guide asks."""
    a(
        f"   <CINdetails>\n    <CINreferralDate>{ISO[rf.date - CAL_FIRST]}</CINreferralDate>\n"
        f"    <ReferralSource>{rf.source}</ReferralSource>\n"
        f"    <PrimaryNeedCode>{rf.need}</PrimaryNeedCode>\n"
    )
    if rf.closure is not None and rf.closure <= day:
        a(
            f"    <CINclosureDate>{ISO[rf.closure - CAL_FIRST]}</CINclosureDate>\n"
            f"    <ReasonForClosure>{rf.reason}</ReasonForClosure>\n"
        )
    # Each conference is recorded once, in its section 47 enquiry (rule 2884).
    a("    <ReferralNFA>1</ReferralNFA>\n" if rf.nfa else "    <ReferralNFA>0</ReferralNFA>\n")
    for x in rf.assessments:
        if x.start > day or (x.authorised is not None and x.authorised < start):
            continue
        began = ISO[x.start - CAL_FIRST]
        a(
            "    <Assessments>\n"
            f"     <AssessmentActualStartDate>{began}</AssessmentActualStartDate>\n"
        )
        if x.review is not None and x.review <= day:
            a(
                "     <AssessmentInternalReviewDate>"
                f"{ISO[x.review - CAL_FIRST]}</AssessmentInternalReviewDate>\n"
            )
        if x.authorised is not None and x.authorised <= day:
            a(
                "     <AssessmentAuthorisationDate>"
                f"{ISO[x.authorised - CAL_FIRST]}</AssessmentAuthorisationDate>\n"
            )
            if x.factors:
                factors = codes.factors
                a("     <FactorsIdentifiedAtAssessment>\n")
                for code in x.factors:
                    a(factors[code])
                a("     </FactorsIdentifiedAtAssessment>\n")
        a("    </Assessments>\n")
    for p in rf.plans:
        if p.start > day or (p.end is not None and p.end < start):
            continue
        a(
            "    <CINPlanDates>\n"
            f"     <CINPlanStartDate>{ISO[p.start - CAL_FIRST]}</CINPlanStartDate>\n"
        )
        if p.end is not None and p.end <= day:
            a(f"     <CINPlanEndDate>{ISO[p.end - CAL_FIRST]}</CINPlanEndDate>\n")
        a("    </CINPlanDates>\n")
    for s in rf.s47s:
        concluded = s.icpc if s.icpc is not None else s.not_required
        if s.start > day or (concluded is not None and concluded < start):
            continue
        began = ISO[s.start - CAL_FIRST]
        a(f"    <Section47>\n     <S47ActualStartDate>{began}</S47ActualStartDate>\n")
        if s.target <= day:
            a(f"     <InitialCPCtarget>{ISO[s.target - CAL_FIRST]}</InitialCPCtarget>\n")
        if s.icpc is not None and s.icpc <= day:
            a(
                f"     <DateOfInitialCPC>{ISO[s.icpc - CAL_FIRST]}</DateOfInitialCPC>\n"
                "     <ICPCnotRequired>0</ICPCnotRequired>\n"
            )
        elif s.not_required is not None and s.not_required <= day:
            a("     <ICPCnotRequired>1</ICPCnotRequired>\n")
        a("    </Section47>\n")
    for c in rf.cp_plans:
        if c.start > day or (c.end is not None and c.end < start):
            continue
        began = ISO[c.start - CAL_FIRST]
        a(f"    <ChildProtectionPlans>\n     <CPPstartDate>{began}</CPPstartDate>\n")
        if c.end is not None and c.end <= day:
            a(f"     <CPPendDate>{ISO[c.end - CAL_FIRST]}</CPPendDate>\n")
        latest = c.latest if c.changed is None or c.changed <= day else c.initial
        a(
            f"     <InitialCategoryOfAbuse>{c.initial}</InitialCategoryOfAbuse>\n"
            f"     <LatestCategoryOfAbuse>{latest}</LatestCategoryOfAbuse>\n"
            f"     <NumberOfPreviousCPP>{c.previous}</NumberOfPreviousCPP>\n"
        )
        reviews = [d for d in c.reviews if d <= day]
        if reviews:
            a("     <Reviews>\n")
            for d in reviews:
                a(f"      <CPPreviewDate>{ISO[d - CAL_FIRST]}</CPPreviewDate>\n")
            a("     </Reviews>\n")
        a("    </ChildProtectionPlans>\n")
    a("   </CINdetails>\n")


def shown_referrals(referrals: Iterable[Referral], view: View) -> list[Referral]:
    """Referrals open at any time in the collection year up to the reference date."""
    day, start = view.reference_date.toordinal(), view.start.toordinal()
    return [r for r in referrals if r.date <= day and (r.closure is None or r.closure >= start)]


@dataclass(frozen=True, slots=True)
class Extract:
    """When and by what the council's system wrote one extract."""

    software: str
    release: str
    written: datetime.datetime


def extract_details(seed: int, ons_code: str, view: View) -> Extract:
    rng = seeded(f"{seed}:{ons_code}:cin:extract:{view.reference_date.isoformat()}")
    software = SOFTWARE[int(unit(f"cin-software:{ons_code}") * len(SOFTWARE))]
    after = between(rng, 30, 75) if view.full_year else between(rng, 1, 6)
    day = view.reference_date + timedelta(days=after)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    written = datetime.datetime(
        day.year, day.month, day.day, between(rng, 8, 17), rng.randrange(60)
    )
    release = f"{view.year_ending}.{between(rng, 1, 4)}"
    return Extract(software, release, written)


def census_xml(
    people: Iterable[Person],
    view: View,
    lea: str,
    extract: Extract,
    patches: dict[str, list[Referral]] | None = None,
) -> str:
    """The CIN census file for one view: every child with a referral open in the year."""
    day = view.reference_date.toordinal()
    # The census year as the DfE's tool reads it: the twelve months to the reference date.
    since = view.year_before.toordinal() + 1
    codes = year_codes(view.year_ending)
    gender_tag = codes.gender_tag
    genders = codes.genders
    patches = patches or {}
    out: list[str] = []
    a = out.append
    a(
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n <Header>\n  <CollectionDetails>\n'
        f"   <Collection>CIN</Collection>\n   <Year>{view.year_ending}</Year>\n"
        f"   <ReferenceDate>{view.reference_date.isoformat()}</ReferenceDate>\n"
        "  </CollectionDetails>\n  <Source>\n   <SourceLevel>L</SourceLevel>\n"
        f"   <LEA>{_escape(lea)}</LEA>\n"
        f"   <SoftwareCode>{_escape(extract.software)}</SoftwareCode>\n"
        f"   <Release>{_escape(extract.release)}</Release>\n   <SerialNo>1</SerialNo>\n"
        f"   <DateTime>{extract.written.isoformat(timespec='seconds')}</DateTime>\n"
        "  </Source>\n </Header>\n <Children>\n"
    )
    for person in people:
        patched = patches.get(person.child_id)
        refs = patched if patched is not None else shown_referrals(person.referrals, view)
        if not refs:
            continue
        born = person.dob <= day
        upn, unknown = _upn_elements(person, day)
        child_id = _escape(person.child_id)
        a(f"  <Child>\n   <ChildIdentifiers>\n    <LAchildID>{child_id}</LAchildID>\n")
        if upn:
            a(f"    <UPN>{upn}</UPN>\n")
            if person.former_upn:
                a(f"    <FormerUPN>{person.former_upn}</FormerUPN>\n")
        else:
            a(f"    <UPNunknown>{unknown}</UPNunknown>\n")
        birth = ISO[person.dob - CAL_FIRST]
        if born:
            a(f"    <PersonBirthDate>{birth}</PersonBirthDate>\n")
        else:
            a(f"    <ExpectedPersonBirthDate>{birth}</ExpectedPersonBirthDate>\n")
        sex = genders[person.sex if born else "0"]
        a(f"    <{gender_tag}>{sex}</{gender_tag}>\n")
        if person.death is not None and person.death <= day:
            a(f"    <PersonDeathDate>{ISO[person.death - CAL_FIRST]}</PersonDeathDate>\n")
        a(
            "   </ChildIdentifiers>\n   <ChildCharacteristics>\n"
            f"    <Ethnicity>{person.ethnic}</Ethnicity>\n    <Disabilities>\n"
        )
        for code in person.disabilities or ("NONE",):
            a(f"     <Disability>{code}</Disability>\n")
        a("    </Disabilities>\n   </ChildCharacteristics>\n")
        for rf in refs:
            _referral_xml(a, rf, day, since, codes)
        a("  </Child>\n")
    a(" </Children>\n</Message>\n")
    return "".join(out)


def people_by_year(people: Iterable[Person], horizon: date) -> dict[int, list[Person]]:
    """People with a referral open in each collection year, in case ID order."""
    last_year = reference.year_ending(horizon)
    out: dict[int, list[Person]] = {}
    for person in sorted(people, key=lambda p: p.sort_key):
        if not person.referrals:
            continue
        years: set[int] = set()
        for rf in person.referrals:
            first = YEAR_ENDING[rf.date - CAL_FIRST]
            end = last_year if rf.closure is None else YEAR_ENDING[rf.closure - CAL_FIRST]
            years.update(range(first, min(end, last_year) + 1))
        for year in sorted(years):
            out.setdefault(year, []).append(person)
    return out
