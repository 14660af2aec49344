"""CIN census: rules about assessments and the factors identified at them (8608, 8614,
8670Q, 8696, 8736, 8863Q, 8869, 8873Q, 8896, 8897Q, 8898, 8945Q, 8950Q)."""

from __future__ import annotations

from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD, in_referral, working_days_back


def _assessments(where: str) -> str:
    return f"""
        select a._file, a._row from assessments as a
        join {PERIOD} as p on p._file = a._file
        where {where}
    """


def _factor(where: str) -> str:
    return f"""exists (select 1 from assessment_factors as f where {in_referral("a", "f")}
        and f._assessment_number = a._item_number and {where})"""


# The factor codes the DfE's tool accepts for 8897Q.
_FACTORS = [
    "1A",
    "1B",
    "1C",
    "2A",
    "2B",
    "2C",
    "3A",
    "3B",
    "3C",
    "4A",
    "4B",
    "4C",
    "5A",
    "5B",
    "5C",
    "6A",
    "6B",
    "6C",
    "7A",
    "8B",
    "8C",
    "8D",
    "8E",
    "8F",
    "9A",
    "10A",
    "11A",
    "12A",
    "13A",
    "14A",
    "15A",
    "16A",
    "17A",
    "18A",
    "18B",
    "18C",
    "19A",
    "19B",
    "19C",
    "20",
    "21",
    "22A",
    "23A",
    "24A",
]


def _discouraged(code: str) -> DfeRule:
    number = code[:-1]
    return DfeRule(
        CIN,
        f"89{45 if number == '18' else 50}Q",
        "Please check and either amend data or provide a reason: the assessment factors code "
        f"'{code}' should not be used ('{number}B' or '{number}C' should be used instead)",
        _assessments(_factor(f"f.assessmentfactors = '{code}'")),
        ("AssessmentFactors",),
        years=(2025, 2027),
        difference=(
            "The DfE's tool applies a text test to each assessment's list of factors, which "
            "is never true, so it never raises the query; the warehouse queries every "
            f"assessment with the factor {code}, as the rule says."
        ),
    )


RULES = [
    DfeRule(
        CIN,
        "8608",
        "Assessment Start Date cannot be later than its End Date",
        _assessments("a.assessmentactualstartdate_d > a.assessmentauthorisationdate_d"),
        ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    ),
    DfeRule(
        CIN,
        "8614",
        "Parental or child factors at assessment should only be present for a completed "
        "assessment.",
        _assessments(f"a.assessmentauthorisationdate_d is null and {_factor('true')}"),
        ("AssessmentAuthorisationDate", "AssessmentFactors"),
    ),
    DfeRule(
        CIN,
        "8670Q",
        "Please check and either amend data or provide a reason: Assessment started more than "
        "45 working days before the end of the census year. However, there is no Assessment "
        "end date.",
        _assessments(
            "a.assessmentauthorisationdate_d is null and a.assessmentactualstartdate_d < "
            + working_days_back("p.ref_end", 45)
        ),
        ("AssessmentActualStartDate",),
    ),
    DfeRule(
        CIN,
        "8696",
        "Assessment end date must fall within the census year",
        _assessments(
            "a.assessmentauthorisationdate_d < p.ref_start "
            "or a.assessmentauthorisationdate_d > p.ref_end"
        ),
        ("AssessmentAuthorisationDate", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "8736",
        "For an Assessment that has not been completed, the start date must fall within the "
        "census year",
        _assessments(
            "a.assessmentauthorisationdate_d is null and "
            "(a.assessmentactualstartdate_d between p.ref_start and p.ref_end) is not true"
        ),
        ("AssessmentAuthorisationDate", "AssessmentActualStartDate"),
    ),
    DfeRule(
        CIN,
        "8863Q",
        "An Assessment is shown as starting when there is another Assessment ongoing.",
        f"""
        select a._file, a._row from assessments as a
        join {PERIOD} as p on p._file = a._file
        join assessments as o on {in_referral("a", "o")}
        where a.assessmentactualstartdate_d >= o.assessmentactualstartdate_d
            and not (a.assessmentactualstartdate_d = o.assessmentactualstartdate_d
                and a.assessmentauthorisationdate_d is not distinct from
                    o.assessmentauthorisationdate_d)
            and (a.assessmentactualstartdate_d <= o.assessmentauthorisationdate_d
                or (o.assessmentauthorisationdate_d is null
                    and a.assessmentactualstartdate_d <= p.ref_end))
        """,
        ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    ),
    DfeRule(
        CIN,
        "8869",
        "The assessment factors code “21” cannot be used in conjunction with any other "
        "assessment factors.",
        _assessments(
            _factor("f.assessmentfactors = '21'")
            + " and "
            + _factor("f.assessmentfactors is distinct from '21'")
        ),
        ("AssessmentFactors",),
        difference=(
            "The DfE's tool compares each assessment's whole list of factors with the text "
            "'21', which never matches, so it never raises the error; the warehouse fails "
            "every assessment with the factor 21 and another factor, as the rule says."
        ),
    ),
    DfeRule(
        CIN,
        "8873Q",
        "Please check and either amend data or provide a reason: When there is only one "
        "assessment on the episode and the factors code “21 No factors identified” has been "
        "used for the completed assessment, the reason for closure ‘RC8’ or 'RC9' should be "
        "used.",
        f"""
        select a._file, a._row from assessments as a
        join referrals as r on {in_referral("a", "r")}
        where {_factor("f.assessmentfactors like '%21%'")}
            and coalesce(r.reasonforclosure, '') not in ('RC8', 'RC9')
            and not exists (select 1 from assessments as o where {in_referral("a", "o")}
                and o._item_number <> a._item_number)
        """,
        ("ReasonForClosure", "AssessmentFactors"),
    ),
    DfeRule(
        CIN,
        "8896",
        "Within one CINDetails group there are 2 or more open Assessments groups",
        """
        select _file, _row from assessments where assessmentauthorisationdate_d is null
        group by _file, _row, _child_number, _referral_number having count(*) > 1
        """,
        ("AssessmentAuthorisationDate",),
    ),
    DfeRule(
        CIN,
        "8897Q",
        "Parental or child factors at assessment information is missing from a completed "
        "assessment",
        _assessments(
            "a.assessmentauthorisationdate_d >= p.ref_start and not "
            + _factor("f.assessmentfactors in (" + ", ".join(f"'{c}'" for c in _FACTORS) + ")")
        ),
        ("AssessmentAuthorisationDate", "AssessmentFactors"),
    ),
    DfeRule(
        CIN,
        "8898",
        " The assessment has more than one parental or child factors with the same code",
        """
        select _file, _row from assessment_factors where assessmentfactors is not null
        group by _file, _row, _child_number, _referral_number, _assessment_number,
            assessmentfactors
        having count(*) > 1
        """,
        ("AssessmentFactors",),
    ),
    _discouraged("18A"),
    _discouraged("19A"),
]
