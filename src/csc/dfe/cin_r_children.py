"""CIN census: rules about the child, their identifiers, characteristics and disabilities
(4180, 4220, 8500, 8510, 8520, 8525Q, 8530Q, 8535Q, 8540, 8545Q, 8590, 8750, 8770Q, 8772,
8775Q, 8790, 8794); the rules on UPN and on the LAchildID's form, which the warehouse cannot
evaluate, are listed in `NOT_IMPLEMENTED`."""

from __future__ import annotations

from csc import reference
from csc.dfe import CIN, DfeRule
from csc.dfe.cin_r_common import PERIOD, in_child


def _codes(field: str) -> str:
    return ", ".join(f"'{code}'" for code in reference.cin_codes(field))


def _children(where: str) -> str:
    return f"""
        select c._file, c._row from children as c
        join {PERIOD} as p on p._file = c._file
        where {where}
    """


_FURTHER_ACTION = "r.referralnfa in ('0', 'FALSE')"
_DISABILITIES = (
    "'NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH', 'CON', 'AUT', 'DDA'"
)


_UPN = "the warehouse never holds UPN or FormerUPN: a census carrying them is refused"
_ONLY_TOKENISED = (
    "the warehouse holds LAchildID only as a pseudonymised token, not as the council sent it"
)

NOT_IMPLEMENTED = {
    "cin:1510": _UPN,
    "cin:1520": _UPN,
    "cin:1530": _UPN,
    "cin:1540": _UPN,
    "cin:1550": _UPN,
    "cin:1560Q": _UPN,
    "cin:1570": _ONLY_TOKENISED,
    "cin:1580": _ONLY_TOKENISED,
    "cin:8770Q": "the warehouse never holds the UPN, so every child with one would be queried "
    "as having none",
}

RULES = [
    DfeRule(
        CIN,
        "4180",
        "Gender is missing",
        _children("c.gendercurrent is null or c.gendercurrent not in ('1', '2', '0', '9')"),
        ("GenderCurrent",),
        years=(2023, 2024),
    ),
    DfeRule(
        CIN,
        "4180",
        "Sex must be provided and equal M, F, or U",
        _children("c.sex is null or c.sex not in ('M', 'F', 'U')"),
        ("Sex",),
        years=(2025, 2027),
    ),
    DfeRule(
        CIN,
        "4220",
        "Ethnicity is missing or invalid (see Ethnicity table)",
        _children(f"c.ethnicity is null or c.ethnicity not in ({_codes('Ethnicity')})"),
        ("Ethnicity",),
    ),
    DfeRule(CIN, "8500", "LA Child ID missing", _children("c.lachildid is null"), ("LAchildID",)),
    DfeRule(
        CIN,
        "8510",
        "More than one child record with the same LA Child ID",
        """
        select _file, _row from (
            select _file, _row, count(*) over (partition by _file, lachildid) as n
            from children
        ) where n > 1
        """,
        ("LAchildID",),
    ),
    DfeRule(
        CIN,
        "8520",
        "Date of Birth is after data collection period (must be on or before the end of the "
        "census period)",
        _children("c.personbirthdate_d > p.ref_end"),
        ("PersonBirthDate", "ReferenceDate"),
    ),
    DfeRule(
        CIN,
        "8525Q",
        "Either Date of Birth or Expected Date of Birth must be provided (but not both)",
        _children("(c.personbirthdate_d is null) = (c.expectedpersonbirthdate_d is null)"),
        ("PersonBirthDate", "ExpectedPersonBirthDate"),
    ),
    DfeRule(
        CIN,
        "8530Q",
        "Please check and either amend data or provide a reason: Expected Date of Birth is "
        "outside the expected range for this census (March to December of the Census Year end)",
        _children(
            "c.expectedpersonbirthdate_d >= p.ref_end + interval 9 month "
            "or c.expectedpersonbirthdate_d <= p.ref_end - interval 30 day"
        ),
        ("ExpectedPersonBirthDate",),
    ),
    DfeRule(
        CIN,
        "8535Q",
        "Please check and either amend data or provide a reason: Child’s date of death should "
        "not be prior to the date of birth",
        _children(
            "c.persondeathdate_d is not null and (c.personbirthdate_d is null "
            "or c.personbirthdate_d > c.persondeathdate_d)"
        ),
        ("PersonDeathDate", "PersonBirthDate"),
    ),
    DfeRule(
        CIN,
        "8540",
        "Child’s disability is missing or invalid (see Disability table)",
        _children(
            f"""c.personbirthdate_d is not null
            and exists (select 1 from referrals as r where {in_child("c", "r")}
                and {_FURTHER_ACTION})
            and (not exists (select 1 from disabilities as d where {in_child("c", "d")})
                or exists (select 1 from disabilities as d where {in_child("c", "d")}
                    and (d.disability is null or d.disability not in ({_DISABILITIES}))))"""
        ),
        ("Disability", "PersonBirthDate", "ReferralNFA"),
    ),
    DfeRule(
        CIN,
        "8545Q",
        "Please check and either amend data or provide a reason: Child's date of death should "
        "be within the census year",
        _children("not (c.persondeathdate_d between p.ref_start and p.ref_end)"),
        ("PersonDeathDate",),
    ),
    DfeRule(
        CIN,
        "8590",
        "Child does not have a recorded CIN episode.",
        _children(f"not exists (select 1 from referrals as r where {in_child('c', 'r')})"),
        ("LAchildID",),
    ),
    DfeRule(
        CIN,
        "8750",
        "Gender must equal 0 for an unborn child",
        _children(
            "c.personbirthdate_d is null and c.expectedpersonbirthdate_d is not null "
            "and c.gendercurrent is distinct from '0'"
        ),
        ("GenderCurrent", "PersonBirthDate", "ExpectedPersonBirthDate"),
        years=(2023, 2024),
    ),
    DfeRule(
        CIN,
        "8750",
        "Sex must equal U for an unborn child",
        _children(
            "c.personbirthdate_d is null and c.expectedpersonbirthdate_d is not null "
            "and c.sex is distinct from 'U'"
        ),
        ("Sex", "PersonBirthDate", "ExpectedPersonBirthDate"),
        years=(2025, 2027),
    ),
    DfeRule(
        CIN,
        "8772",
        "UPN unknown reason is UN7 (Referral with no further action) but at least one CIN "
        "details is a referral going on to further action",
        _children(
            f"""c.upnunknown = 'UN7' and (
                not exists (select 1 from referrals as r where {in_child("c", "r")})
                or exists (select 1 from referrals as r where {in_child("c", "r")}
                    and r.referralnfa is distinct from '1'
                    and r.referralnfa is distinct from 'TRUE'))"""
        ),
        ("UPNunknown", "ReferralNFA"),
    ),
    DfeRule(
        CIN,
        "8775Q",
        "Please check and either amend data or provide a reason: Child is over 25 years old",
        _children(
            f"""c.personbirthdate_d < p.ref_end - interval 25 year
            and exists (select 1 from referrals as r where {in_child("c", "r")}
                and (r.cinclosuredate_d is null
                    or r.cinclosuredate_d > c.personbirthdate_d + interval 25 year))"""
        ),
        ("PersonBirthDate", "CINclosureDate"),
    ),
    DfeRule(
        CIN,
        "8790",
        "Disability information includes both None and other values",
        """
        select d._file, d._row from disabilities as d
        where d.disability = 'NONE' and exists (
            select 1 from disabilities as o
            where o._file = d._file and o._child_number = d._child_number
                and o.disability is distinct from 'NONE')
        """,
        ("Disability",),
    ),
    DfeRule(
        CIN,
        "8794",
        "Child has two or more disabilities with the same code",
        """
        select _file, _row from disabilities where disability is not null
        group by _file, _row, _child_number, disability having count(*) > 1
        """,
        ("Disability",),
    ),
]
