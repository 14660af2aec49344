"""CIN census: activity against its referral (the DfE's rules 1103, 1104, 1105, 2889)."""

from __future__ import annotations

from csc.dfe import CIN, DfeRule


def _before_referral(relation: str, column: str) -> str:
    return f"""
        select x._file, x._row from {relation} as x
        join referrals as r on r._file = x._file and r._child_number = x._child_number
            and r._referral_number = x._referral_number
        where x.{column}_d < r.cinreferraldate_d
    """


RULES = [
    DfeRule(
        CIN,
        "1103",
        "The assessment start date cannot be before the referral date",
        _before_referral("assessments", "assessmentactualstartdate"),
        ("AssessmentActualStartDate", "CINreferralDate"),
    ),
    DfeRule(
        CIN,
        "1105",
        "The child protection plan start date cannot be before the referral date",
        _before_referral("cp_plans", "cppstartdate"),
        ("CPPstartDate", "CINreferralDate"),
    ),
    DfeRule(
        CIN,
        "2889",
        "The S47 start date cannot be before the referral date.",
        _before_referral("section47", "s47actualstartdate"),
        ("S47ActualStartDate", "CINreferralDate"),
    ),
]
