"""CIN census: rules about the header and the return as a whole (100, 2883, 2886Q, 2887Q,
2888Q)."""

from __future__ import annotations

from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD

_WITHIN = "between p.ref_start and p.ref_end"

_2883 = f"""
    select h._file, null::bigint as _row from cin_header as h
    join {PERIOD} as p on p._file = h._file
    where (select count(*) from cp_plans as c where c._file = h._file
            and c.cppstartdate_d {_WITHIN})
        > (select count(*) from referrals as r where r._file = h._file
            and r.dateofinitialcpc_d {_WITHIN})
        + (select count(*) from section47 as s where s._file = h._file
            and s.dateofinitialcpc_d {_WITHIN})
"""


def _2886(column: str, unknown: str) -> str:
    return f"""
        select h._file, null::bigint as _row from cin_header as h
        join children as c on c._file = h._file
        group by h._file
        having count(*) filter (
            where (c.{column} is null or c.{column} = '{unknown}')
                and c.expectedpersonbirthdate_d is null
        ) > 0.02 * count(*)
    """


_2887 = """
    select h._file, null::bigint as _row from cin_header as h
    left join disabilities as d on d._file = h._file
    group by h._file
    having count(distinct d.disability) < 8
"""

_2888 = """
    select _file, null::bigint as _row from (
        select _file, _child_number, count(disability) as n from disabilities
        where disability is distinct from 'NONE'
        group by all
    )
    group by _file
    having max(n) <= 1
"""

RULES = [
    DfeRule(
        CIN,
        "100",
        "Reference Date is incorrect",
        """
        select _file, null::bigint as _row from cin_header
        where referencedate_d is null
            or referencedate_d is distinct from make_date(try_cast(year as integer), 3, 31)
        """,
        ("ReferenceDate",),
    ),
    DfeRule(
        CIN,
        "2883",
        "There are more child protection plans starting than initial conferences taking place",
        _2883,
        ("CPPstartDate", "DateOfInitialCPC"),
    ),
    DfeRule(
        CIN,
        "2886Q",
        "Please check and either amend or provide a reason: Percentage of children with no "
        "gender recorded is more than 2% (excluding unborns)",
        _2886("gendercurrent", "0"),
        ("ExpectedPersonBirthDate", "GenderCurrent"),
        years=(2023, 2024),
        difference=(
            "The DfE's tool never raises it in these years: it tests "
            "`isna() | GenderCurrent == 0`, which Python reads as `(isna() | GenderCurrent) "
            "== 0`, false for every child. The warehouse counts children, unborn ones aside, "
            "whose GenderCurrent is missing or 0, as the rule describes."
        ),
    ),
    DfeRule(
        CIN,
        "2886Q",
        "Please check and either amend or provide a reason: Percentage of children with no "
        "sex recorded is more than 2% (excluding unborns)",
        _2886("sex", "U"),
        ("ExpectedPersonBirthDate", "Sex"),
        years=(2025, 2027),
    ),
    DfeRule(
        CIN,
        "2887Q",
        "Please check and either amend or provide a reason: Less than 8 disability codes "
        "have been used in your return",
        _2887,
        ("Disability",),
        difference=(
            "The DfE's tool counts the Disability entries equal to NONE and raises the query "
            "when there are 7 or fewer; the warehouse counts the different disability codes "
            "used in the return and raises it when fewer than 8, as the message says."
        ),
    ),
    DfeRule(
        CIN,
        "2888Q",
        "Please check and either amend or provide a reason: Only one disability code is "
        "recorded per child and multiple disabilities should be recorded where possible.",
        _2888,
        ("Disability",),
    ),
]
