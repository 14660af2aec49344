"""CIN census: rules about CIN episodes (<CINdetails>) and the activity recorded against them
(1104, 2884, 2990, 2991Q, 8555Q, 8565, 8568, 8569Q, 8585Q, 8600, 8606, 8610, 8620, 8630,
8640, 8650, 8805, 8810, 8815, 8816, 8820, 8825Q, 8831, 8866, 8867, 8868)."""

from __future__ import annotations

from csc import reference
from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD, WORKING_DAYS, in_child, in_referral


def _codes(field: str) -> str:
    return ", ".join(f"'{code}'" for code in reference.cin_codes(field))


def _referrals(where: str) -> str:
    return f"""
        select r._file, r._row from referrals as r
        join {PERIOD} as p on p._file = r._file
        where {where}
    """


def _has(relation: str, where: str = "true", alias: str = "x") -> str:
    return (
        f"exists (select 1 from {relation} as {alias} where {in_referral('r', alias)} and {where})"
    )


_OPEN_FURTHER_ACTION = "r.cinclosuredate_d is null and r.referralnfa in ('0', 'FALSE')"
_NFA = "r.referralnfa in ('1', 'TRUE')"
_CHILD = f"join children as c on {in_child('r', 'c')}"
_RC89 = "r.reasonforclosure in ('RC8', 'RC9')"
_ASSESSMENT_DATES = ("assessmentactualstartdate", "assessmentauthorisationdate")
_ASSESSED = "coalesce(x.assessmentactualstartdate_d, x.assessmentauthorisationdate_d) is not null"


def _after(*columns: str) -> str:
    """The episode closed before one of the dates of a row `x` of its activity."""
    return "r.cinclosuredate_d < greatest(" + ", ".join(f"x.{c}_d" for c in columns) + ")"


RULES = [
    DfeRule(
        CIN,
        "1104",
        "The date of the initial child protection conference cannot be before the referral date",
        _referrals(_has("section47", "x.dateofinitialcpc_d < r.cinreferraldate_d")),
        ("CINreferralDate", "DateOfInitialCPC"),
    ),
    DfeRule(
        CIN,
        "2884",
        "An initial child protection conference is recorded at both the S47 and CIN Details "
        "level and it should only be recorded in one",
        f"""
        select r._file, r._row from referrals as r
        join section47 as s on {in_child("r", "s")}
        where s.dateofinitialcpc_d = r.dateofinitialcpc_d
        """,
        ("DateOfInitialCPC",),
    ),
    DfeRule(
        CIN,
        "2990",
        "Activity is recorded against a case marked as ‘Case closed after assessment, no "
        "further action’ or 'case closed after assessment, referred to early help'.",
        _referrals(
            f"""{_RC89} and (r.dateofinitialcpc_d is not null or {_has("cp_plans")}
            or {_has("section47")} or {_has("cin_plans")})"""
        ),
        ("ReasonForClosure",),
    ),
    DfeRule(
        CIN,
        "2991Q",
        "Please check and either amend data or provide a reason: A Section 47 module is "
        "recorded and there is no assessment on the episode",
        _referrals(f"{_has('section47')} and not {_has('assessments')}"),
        ("CINdetailsID",),
    ),
    DfeRule(
        CIN,
        "8555Q",
        "Child cannot be referred after its recorded date of death",
        f"""
        select r._file, r._row from referrals as r {_CHILD}
        where c.persondeathdate_d < r.cinreferraldate_d
        """,
        ("PersonDeathDate", "CINreferralDate"),
    ),
    DfeRule(
        CIN,
        "8565",
        "Activity shown after a case has been closed",
        _referrals(
            f"""r.cinclosuredate_d is not null and (
            r.cinclosuredate_d < r.dateofinitialcpc_d
            or {_has("assessments", _after(*_ASSESSMENT_DATES))}
            or {_has("section47", _after("s47actualstartdate", "dateofinitialcpc"))}
            or {_has("cp_plans", _after("cppenddate"))}
            or {_has("cin_plans", _after("cinplanstartdate", "cinplanenddate"))})"""
        ),
        (
            "CINclosureDate",
            "DateOfInitialCPC",
            "AssessmentActualStartDate",
            "AssessmentAuthorisationDate",
            "S47ActualStartDate",
            "CPPendDate",
            "CINPlanStartDate",
            "CINPlanEndDate",
        ),
        difference=(
            "The DfE's tool replaces the return's child protection plans with a placeholder "
            "row before comparing their end dates with the closure date, so a plan ending "
            "after its episode closed never fails, and it stops with an error when CIN plan "
            "dates fail; the warehouse checks every date the rule names, plan end dates "
            "included."
        ),
    ),
    DfeRule(
        CIN,
        "8568",
        "RNFA flag is missing or invalid",
        _referrals("r.referralnfa is null or r.referralnfa not in ('1', '0', 'FALSE', 'TRUE')"),
        ("ReferralNFA",),
    ),
    DfeRule(
        CIN,
        "8569Q",
        "A case with referral date before one working day prior to the collection start date "
        "must not be flagged as a no further action case",
        _referrals(
            f"""r.cinreferraldate_d < (select max(w.d) from {WORKING_DAYS} as w
                where w.d < p.ref_start)
            and (r.referralnfa is null or r.referralnfa not in ('0', 'FALSE'))"""
        ),
        ("ReferralNFA",),
        difference=(
            "The DfE's tool compares the referral date with the collection start date itself "
            "(moved on to a working day when it is not one), so an NFA referral made on the "
            "last working day before the year started is queried; the warehouse queries "
            "referrals made before that working day, as the rule says."
        ),
    ),
    DfeRule(
        CIN,
        "8585Q",
        "Please check and either amend or provide a reason: CIN episode shows Died as the "
        "Closure Reason, however child has no recorded Date of Death",
        f"""
        select r._file, r._row from referrals as r {_CHILD}
        where r.reasonforclosure = 'RC2' and c.persondeathdate_d is null
        """,
        ("ReasonForClosure", "PersonDeathDate"),
    ),
    DfeRule(
        CIN,
        "8600",
        "Child referral date missing or after data collection period",
        _referrals("r.cinreferraldate_d is null or r.cinreferraldate_d > p.ref_end"),
        ("CINreferralDate",),
    ),
    DfeRule(
        CIN,
        "8606",
        "Child referral date is more than 40 weeks before DOB or expected DOB",
        f"""
        select r._file, r._row from referrals as r {_CHILD}
        where r.cinreferraldate_d < c.personbirthdate_d - 280
            or r.cinreferraldate_d < c.expectedpersonbirthdate_d - 280
        """,
        ("CINreferralDate", "PersonBirthDate", "ExpectedPersonBirthDate"),
    ),
    DfeRule(
        CIN,
        "8610",
        "Primary Need code is missing for a referral which led to further action.",
        _referrals("r.referralnfa in ('0', 'FALSE') and r.primaryneedcode is null"),
        ("ReferralNFA", "PrimaryNeedCode"),
    ),
    DfeRule(
        CIN,
        "8620",
        "CIN Closure Date present and does not fall within the Census year",
        _referrals("not (r.cinclosuredate_d between p.ref_start and p.ref_end)"),
        ("CINclosureDate",),
    ),
    DfeRule(
        CIN,
        "8630",
        "CIN Closure Date is before CIN Referral Date for the same CIN episode",
        _referrals("r.cinclosuredate_d < r.cinreferraldate_d"),
        ("CINreferralDate", "CINclosureDate"),
    ),
    DfeRule(
        CIN,
        "8640",
        "CIN Reason for closure code invalid (see Reason for Closure table in CIN Census code set)",
        _referrals(f"r.reasonforclosure not in ({_codes('ReasonForClosure')})"),
        ("ReasonForClosure",),
    ),
    DfeRule(
        CIN,
        "8650",
        "Primary Need Code invalid (see Primary Need table in CIN census code set)",
        _referrals(f"r.primaryneedcode not in ({_codes('PrimaryNeedCode')})"),
        ("PrimaryNeedCode",),
    ),
    DfeRule(
        CIN,
        "8805",
        "A CIN case cannot have a CIN closure date without a Reason for Closure",
        _referrals("r.cinclosuredate_d is not null and r.reasonforclosure is null"),
        ("CINclosureDate", "ReasonForClosure"),
    ),
    DfeRule(
        CIN,
        "8810",
        "A CIN case cannot have a Reason for Closure without a CIN Closure Date",
        _referrals("r.reasonforclosure is not null and r.cinclosuredate_d is null"),
        ("ReasonForClosure", "CINclosureDate"),
    ),
    DfeRule(
        CIN,
        "8815",
        "More than one open CIN Details episode (a module with no CIN Closure Date) has been "
        "provided for this child and case is not a referral with no further action.",
        f"""
        select _file, _row from referrals as r where {_OPEN_FURTHER_ACTION}
        group by _file, _row, _child_number having count(*) > 1
        """,
        ("ReferralNFA", "CINclosureDate"),
    ),
    DfeRule(
        CIN,
        "8816",
        "An open CIN episode is shown and case is not a referral with no further action, but "
        "it is not the latest episode.",
        f"""
        select _file, _row from (
            select r.*, row_number() over (
                partition by _file, _child_number
                order by cinreferraldate_d desc, _referral_number
            ) as latest
            from referrals as r where cinreferraldate_d is not null
        ) as r
        where latest > 1 and {_OPEN_FURTHER_ACTION}
        """,
        ("CINreferralDate", "ReferralNFA"),
    ),
    DfeRule(
        CIN,
        "8820",
        "The dates on the CIN episodes for this child overlap",
        f"""
        select r._file, r._row from referrals as r
        join {PERIOD} as p on p._file = r._file
        join referrals as o on {in_child("r", "o")} and o._referral_number <> r._referral_number
        where r.cinreferraldate_d >= o.cinreferraldate_d
            and (r.cinreferraldate_d < o.cinclosuredate_d
                or (o.cinclosuredate_d is null and r.cinreferraldate_d < p.ref_end
                    and o.referralnfa in ('0', 'FALSE')))
        """,
        ("CINreferralDate", "CINclosureDate"),
    ),
    DfeRule(
        CIN,
        "8825Q",
        "Please check and either amend data or provide a reason: Reason for Closure code RC8 "
        "(case closed after assessment) or RC9 (case closed after assessment, referred to "
        "early help) has been returned but there is no assessment present for the episode.",
        _referrals(f"{_RC89} and not {_has('assessments')}"),
        ("ReasonForClosure",),
    ),
    DfeRule(
        CIN,
        "8831",
        "Activity is recorded against a case marked as a referral with no further action",
        _referrals(
            f"""{_NFA} and (r.dateofinitialcpc_d is not null
            or {_has("section47", "x.s47actualstartdate_d is not null")}
            or {_has("assessments", _ASSESSED)})"""
        ),
        (
            "AssessmentActualStartDate",
            "AssessmentAuthorisationDate",
            "S47ActualStartDate",
            "DateOfInitialCPC",
        ),
    ),
    DfeRule(
        CIN,
        "8866",
        "Source of Referral is missing or an invalid code",
        _referrals(
            f"""r.cinreferraldate_d >= date '2013-04-01' and (r.referralsource is null
            or r.referralsource not in ({_codes("ReferralSource")}))"""
        ),
        ("CINreferralDate", "ReferralSource"),
    ),
    DfeRule(
        CIN,
        "8867",
        "CIN episode is shown as closed, however Assessment is not shown as completed",
        _referrals(
            "r.cinclosuredate_d is not null and "
            + _has("assessments", "x.assessmentauthorisationdate_d is null")
        ),
        ("CINclosureDate", "AssessmentAuthorisationDate"),
    ),
    DfeRule(
        CIN,
        "8868",
        "CIN episode is shown as closed, however Section 47 enquiry is not shown as completed "
        "by ICPC date or ICPC not required flag",
        _referrals(
            "r.cinclosuredate_d is not null and "
            + _has(
                "section47",
                """((x.dateofinitialcpc_d is null and coalesce(x.icpcnotrequired, '')
                    not in ('1', 'TRUE'))
                or (x.dateofinitialcpc_d is not null and x.icpcnotrequired in ('1', 'TRUE')))""",
            )
        ),
        ("ICPCnotRequired", "CINclosureDate", "DateOfInitialCPC"),
    ),
]
