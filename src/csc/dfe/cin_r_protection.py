"""CIN census: rules about section 47 enquiries, child protection plans and their reviews
(2885, 8615, 8675Q, 8715, 8720, 8730, 8740, 8832, 8839, 8840, 8841, 8842Q, 8870Q, 8875,
8890, 8905, 8910, 8915, 8920, 8925, 8930, 8935, 8940)."""

from __future__ import annotations

from csc import reference
from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD, in_child, in_referral, working_days_back

_ABUSE = ", ".join(f"'{code}'" for code in reference.cin_codes("CategoryOfAbuse"))
_REQUIRED_NOT = "('1', 'TRUE')"
_FIRST_REVIEW_ONLY = (
    "The DfE's tool reads only the first CPPreviewDate of each <Reviews> element, so it "
    "misses later review dates listed in the same element; the warehouse reads every "
    "review date."
)


def _s47(where: str) -> str:
    return f"""
        select s._file, s._row from section47 as s
        join {PERIOD} as p on p._file = s._file
        where {where}
    """


def _plans(where: str, join: str = "") -> str:
    return f"""
        select c._file, c._row from cp_plans as c
        join {PERIOD} as p on p._file = c._file {join}
        where {where}
    """


_2885 = _plans(
    f"""c.cppstartdate_d between p.ref_start and p.ref_end and case
        when exists (select 1 from section47 as s where {in_referral("c", "s")}
                and s.icpcnotrequired is distinct from '1')
        then not exists (select 1 from section47 as s where {in_referral("c", "s")}
                and s.icpcnotrequired is distinct from '1'
                and s.dateofinitialcpc_d = c.cppstartdate_d)
        else r.dateofinitialcpc_d is distinct from c.cppstartdate_d
    end""",
    f"join referrals as r on {in_referral('c', 'r')}",
)

_OVERLAP_8940 = f"""
    select c._file, c._row from cp_plans as c
    join {PERIOD} as p on p._file = c._file
    join cp_plans as o on {in_child("c", "o")}
        and (o._referral_number, o._item_number) <> (c._referral_number, c._item_number)
    where c.cppstartdate_d >= o.cppstartdate_d
        and (c.cppstartdate_d <= o.cppenddate_d
            or (o.cppenddate_d is null and c.cppstartdate_d <= p.ref_end))
"""

RULES = [
    DfeRule(
        CIN,
        "2885",
        "Child protection plan shown as starting a different day to the initial child "
        "protection conference.",
        _2885,
        ("CPPstartDate", "DateOfInitialCPC"),
    ),
    DfeRule(
        CIN,
        "8615",
        "Section 47 Enquiry Start Date must be present and cannot be later than the date of "
        "the initial Child Protection Conference",
        _s47(
            "s.s47actualstartdate_d > s.dateofinitialcpc_d or "
            "(s.dateofinitialcpc_d is not null and s.s47actualstartdate_d is null)"
        ),
        ("S47ActualStartDate", "DateOfInitialCPC"),
    ),
    DfeRule(
        CIN,
        "8675Q",
        "Please check and either amend data or provide a reason: S47 Enquiry started more "
        "than 15 working days before the end of the census year. However, there is no date of "
        "Initial Child Protection Conference.",
        _s47(
            "s.dateofinitialcpc_d is null and s.icpcnotrequired in ('0', 'FALSE') "
            "and s.s47actualstartdate_d < " + working_days_back("p.ref_end", 15)
        ),
        ("DateOfInitialCPC", "S47ActualStartDate", "ICPCnotRequired"),
    ),
    DfeRule(
        CIN,
        "8715",
        "Date of Initial Child Protection Conference must fall within the census year",
        _s47("s.dateofinitialcpc_d < p.ref_start or s.dateofinitialcpc_d > p.ref_end"),
        ("DateOfInitialCPC", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "8720",
        "Child Protection Plan Start Date missing or out of data collection period",
        _plans("c.cppstartdate_d is null or c.cppstartdate_d > p.ref_end"),
        ("CPPstartDate", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "8730",
        "Total Number of previous Child Protection Plans missing",
        _plans("c.numberofpreviouscpp is null or try_cast(c.numberofpreviouscpp as integer) < 0"),
        ("NumberOfPreviousCPP",),
    ),
    DfeRule(
        CIN,
        "8740",
        "For a Section 47 Enquiry that has not held the Initial Child Protection Conference by "
        "the end of the census year, the start date must fall within the census year",
        _s47(
            "s.dateofinitialcpc_d is null and s.icpcnotrequired = '0' and "
            "(s.s47actualstartdate_d < p.ref_start or s.s47actualstartdate_d > p.ref_end)"
        ),
        ("S47ActualStartDate", "DateOfInitialCPC", "ICPCnotRequired"),
    ),
    DfeRule(
        CIN,
        "8832",
        "Child Protection details provided for a referral with no further action.",
        _plans("r.referralnfa in ('1', 'TRUE')", f"join referrals as r on {in_referral('c', 'r')}"),
        ("CINdetailsID", "ReferralNFA"),
    ),
    DfeRule(
        CIN,
        "8839",
        "Within one CINDetails group there are 2 or more open S47 Assessments",
        f"""
        select _file, _row from section47
        where dateofinitialcpc_d is null and coalesce(icpcnotrequired, '') not in {_REQUIRED_NOT}
        group by _file, _row, _child_number, _referral_number having count(*) > 1
        """,
        ("DateOfInitialCPC",),
    ),
    DfeRule(
        CIN,
        "8840",
        "Child Protection Plan cannot start and end on the same day",
        _plans("c.cppstartdate_d = c.cppenddate_d"),
        ("CPPstartDate", "CPPendDate"),
    ),
    DfeRule(
        CIN,
        "8841",
        "The review date cannot be on the same day or before the Child protection Plan start date.",
        _plans(
            "v.cppreviewdate_d <= c.cppstartdate_d",
            f"join cp_reviews as v on {in_referral('c', 'v')} and v._plan_number = c._item_number",
        ),
        ("CPPstartDate", "CPPreviewDate"),
        difference=_FIRST_REVIEW_ONLY,
    ),
    DfeRule(
        CIN,
        "8842Q",
        "Please check and either amend or provide a reason: Review Record has a missing date",
        "select _file, _row from cp_reviews where cppreviewdate_d is null",
        ("CPPreviewDate",),
        difference=_FIRST_REVIEW_ONLY,
    ),
    DfeRule(
        CIN,
        "8870Q",
        "Please check and either amend or provide a reason: The Target Date for Initial Child "
        "Protection Conference should not be a weekend",
        _s47("isodow(s.initialcpctarget_d) in (6, 7)"),
        ("InitialCPCtarget",),
        difference=(
            "The DfE's tool reads InitialCPCtarget as a dd-mm-YYYY date, which a census date "
            "(YYYY-MM-DD) never is, so it never raises the query; the warehouse queries "
            "every target date on a Saturday or Sunday."
        ),
    ),
    DfeRule(
        CIN,
        "8875",
        "The Date of Initial Child Protection Conference cannot be a weekend",
        _s47("isodow(s.dateofinitialcpc_d) in (6, 7)"),
        ("DateOfInitialCPC",),
    ),
    DfeRule(
        CIN,
        "8890",
        "A Section 47 enquiry is shown as starting when there is another Section 47 Enquiry "
        "ongoing",
        f"""
        select s._file, s._row from section47 as s
        join {PERIOD} as p on p._file = s._file
        join section47 as o on {in_referral("s", "o")}
        where s.s47actualstartdate_d >= o.s47actualstartdate_d
            and not (s.s47actualstartdate_d = o.s47actualstartdate_d
                and s.dateofinitialcpc_d is not distinct from o.dateofinitialcpc_d)
            and (s.s47actualstartdate_d <= o.dateofinitialcpc_d
                or (o.dateofinitialcpc_d is null and s.s47actualstartdate_d <= p.ref_end
                    and coalesce(o.icpcnotrequired, '') not in {_REQUIRED_NOT}))
        """,
        ("S47ActualStartDate",),
    ),
    DfeRule(
        CIN,
        "8905",
        "Initial Category of Abuse code missing or invalid (see Category of Abuse table in CIN "
        "Census code set)",
        _plans(f"c.initialcategoryofabuse is null or c.initialcategoryofabuse not in ({_ABUSE})"),
        ("InitialCategoryOfAbuse",),
    ),
    DfeRule(
        CIN,
        "8910",
        "Latest Category of Abuse code missing or invalid (see Category of Abuse table in CIN "
        "Census code set)",
        _plans(f"c.latestcategoryofabuse is null or c.latestcategoryofabuse not in ({_ABUSE})"),
        ("LatestCategoryOfAbuse",),
    ),
    DfeRule(
        CIN,
        "8915",
        "Child Protection Plan shown as starting after the child’s Date of Death",
        _plans(
            "c.cppstartdate_d > k.persondeathdate_d", f"join children as k on {in_child('c', 'k')}"
        ),
        ("CPPstartDate", "PersonDeathDate"),
    ),
    DfeRule(
        CIN,
        "8920",
        "Child Protection Plan cannot end after the child’s Date of Death",
        _plans(
            "c.cppenddate_d > k.persondeathdate_d", f"join children as k on {in_child('c', 'k')}"
        ),
        ("PersonDeathDate", "CPPendDate"),
    ),
    DfeRule(
        CIN,
        "8925",
        "Child Protection Plan End Date earlier than Start Date",
        _plans("c.cppenddate_d < c.cppstartdate_d"),
        ("CPPstartDate", "CPPendDate"),
    ),
    DfeRule(
        CIN,
        "8930",
        "Child Protection Plan End Date must fall within the census year",
        _plans("c.cppenddate_d < p.ref_start or c.cppenddate_d > p.ref_end"),
        ("CPPendDate", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "8935",
        "This child is showing more than one open Child Protection plan, i.e. with no End Date",
        """
        select _file, _row from cp_plans where cppenddate_d is null
        group by _file, _row, _child_number having count(*) > 1
        """,
        ("CPPendDate",),
        difference=(
            "The DfE's tool counts open plans per child and plan position within an episode "
            "(CPPID), so it fails a child with open plans at the same position in two "
            "episodes but not one with two open plans in one episode; the warehouse fails "
            "every child with more than one open plan."
        ),
    ),
    DfeRule(
        CIN,
        "8940",
        "Child Protection Plan data contains overlapping dates",
        _OVERLAP_8940,
        ("CPPstartDate", "CPPendDate"),
        difference=(
            "The DfE's tool compares a child's plans only when their positions within their "
            "episodes (CPPID) differ, so plans at the same position in two episodes are never "
            "compared; the warehouse compares every two plans of the child."
        ),
    ),
]
