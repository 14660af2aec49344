"""CIN census: rules about CIN plans, alone and beside child protection plans (4000, 4001,
4003, 4004, 4008, 4009Q, 4010, 4011, 4012Q, 4013, 4014, 4015, 4016, 4017)."""

from __future__ import annotations

from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD, in_child, in_referral


def _plans(where: str, join: str = "") -> str:
    return f"""
        select n._file, n._row from cin_plans as n
        join {PERIOD} as p on p._file = n._file {join}
        where {where}
    """


_CHILD = f"join children as k on {in_child('n', 'k')}"
_CP_PLANS = f"join cp_plans as c on {in_child('n', 'c')}"

RULES = [
    DfeRule(
        CIN,
        "4000",
        "CIN Plan details provided for a referral with no further action",
        _plans("r.referralnfa in ('1', 'TRUE')", f"join referrals as r on {in_referral('n', 'r')}"),
        ("ReferralNFA",),
    ),
    DfeRule(
        CIN,
        "4001",
        "A CIN Plan cannot run concurrently with a Child Protection Plan",
        _plans(
            "c.cppenddate_d is null and n.cinplanstartdate_d is not null "
            "and n.cinplanenddate_d is null",
            f"join cp_plans as c on {in_referral('n', 'c')}",
        ),
        ("CINPlanEndDate", "CPPendDate"),
    ),
    DfeRule(
        CIN,
        "4003",
        "A CPP review date is shown as being held at the same time as an open CIN Plan.",
        _plans(
            """v.cppreviewdate_d >= n.cinplanstartdate_d
            and v.cppreviewdate_d < coalesce(n.cinplanenddate_d, p.ref_end + 1)
            and v.cppreviewdate_d is distinct from c.cppenddate_d""",
            f"""{_CP_PLANS} join cp_reviews as v on {in_referral("c", "v")}
                and v._plan_number = c._item_number""",
        ),
        ("CINPlanStartDate", "CINPlanEndDate", "CPPreviewDate"),
        difference=(
            "The DfE's tool reads only the first CPPreviewDate of each <Reviews> element, "
            "attaches a review to every plan of the child at the same position in any "
            "episode, and fails a review only when both the CIN plan and the child protection "
            "plan have ended; the warehouse reads every review date of each plan and fails "
            "any held while a CIN plan was open (to its end date, or the census's end when "
            "it has none), other than on the day the child protection plan ended."
        ),
    ),
    DfeRule(
        CIN,
        "4004",
        "This child is showing more than one open CIN Plan, i.e. with no End Date",
        """
        select _file, _row from cin_plans where cinplanenddate_d is null
        group by _file, _row, _child_number, _referral_number having count(*) > 1
        """,
        ("CINPlanEndDate",),
    ),
    DfeRule(
        CIN,
        "4008",
        "CIN Plan shown as starting after the child’s Date of Death.",
        _plans("k.persondeathdate_d < n.cinplanstartdate_d", _CHILD),
        ("PersonDeathDate", "CINPlanStartDate"),
    ),
    DfeRule(
        CIN,
        "4009Q",
        "CIN Plan cannot end after the child’s Date of Death",
        _plans("k.persondeathdate_d < n.cinplanenddate_d", _CHILD),
        ("PersonDeathDate", "CINPlanEndDate"),
    ),
    DfeRule(
        CIN,
        "4010",
        "CIN Plan start date is missing or out of data collection period",
        _plans("n.cinplanstartdate_d is null or n.cinplanstartdate_d > p.ref_end"),
        ("CINPlanStartDate",),
    ),
    DfeRule(
        CIN,
        "4011",
        "CIN Plan End Date earlier than Start Date",
        _plans("n.cinplanenddate_d < n.cinplanstartdate_d"),
        ("CINPlanEndDate", "CINPlanStartDate"),
    ),
    DfeRule(
        CIN,
        "4012Q",
        "Please check and either amend or provide a reason: CIN Plan shown as starting and "
        "ending on the same day",
        _plans("n.cinplanstartdate_d = n.cinplanenddate_d"),
        ("CINPlanStartDate", "CINPlanEndDate"),
    ),
    DfeRule(
        CIN,
        "4013",
        "CIN Plan end date must fall within the census year",
        _plans("n.cinplanenddate_d < p.ref_start or n.cinplanenddate_d > p.ref_end"),
        ("CINPlanEndDate", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "4014",
        "CIN Plan data contains overlapping dates",
        _plans(
            """n.cinplanstartdate_d >= o.cinplanstartdate_d
            and (n.cinplanstartdate_d <= o.cinplanenddate_d
                or (o.cinplanenddate_d is null and n.cinplanstartdate_d <= p.ref_end))""",
            f"""join cin_plans as o on {in_child("n", "o")}
                and (o._referral_number, o._item_number) <> (n._referral_number, n._item_number)""",
        ),
        ("CINPlanStartDate", "CINPlanEndDate"),
    ),
    DfeRule(
        CIN,
        "4015",
        "The CIN Plan start date cannot be before the referral date",
        _plans(
            "n.cinplanstartdate_d < r.cinreferraldate_d",
            f"join referrals as r on {in_referral('n', 'r')}",
        ),
        ("CINPlanStartDate", "CINreferralDate"),
    ),
    DfeRule(
        CIN,
        "4016",
        "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
        _plans(
            """n.cinplanstartdate_d >= c.cppstartdate_d
            and (n.cinplanstartdate_d < c.cppenddate_d
                or (c.cppenddate_d is null and n.cinplanstartdate_d <= p.ref_end))""",
            _CP_PLANS,
        ),
        ("CINPlanStartDate", "CPPstartDate", "CPPendDate"),
    ),
    DfeRule(
        CIN,
        "4017",
        "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
        _plans(
            """c.cppstartdate_d >= n.cinplanstartdate_d
            and (c.cppstartdate_d < n.cinplanenddate_d
                or (n.cinplanenddate_d is null and c.cppstartdate_d <= p.ref_end))""",
            _CP_PLANS,
        ),
        ("CINPlanStartDate", "CINPlanEndDate", "CPPstartDate"),
    ),
]
