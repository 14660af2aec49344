"""SSDA903: outcomes, adoption and the previous year's return (the DfE's rules 117 to 118,
134, 157, 184 to 215, 304 and 331 to 391): the OC2 items of children looked after for a
year, care leavers (OC3), adoptions (AD1, placed for adoption), the UASC table, and what the
child's record said a year ago."""

from __future__ import annotations

from csc.dfe import PSEUDONYMISED_BIRTH, SSDA903, DfeRule, latest_birth

# Children looked after continuously for twelve months at 31 March: looked after during the
# year, with no episode in it that starts a period of care (S) after 1 April, that ends one
# (a reason other than X1), or that is respite (V3, V4).
CLA = """
    cla as (
        select _cy, "CHILD", bool_or(coalesce(_during, false)) and not bool_or(
            coalesce("RNE" = 'S' and "DECOM_d" > _start and "DECOM_d" <= _end, false)
            or coalesce("REC" is distinct from 'X1' and "DEC_d" >= _start and "DEC_d" < _end,
                false)
            or coalesce("LS" in ('V3', 'V4') and _during, false)) as _cla
        from (select *, "DECOM_d" <= _end and ("DEC_d" >= _start or "DEC_d" is null) as _during
            from episodes)
        group by all
    )
"""

OC2_ITEMS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")


def _any(columns: tuple[str, ...], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "(" + " or ".join(f'{prefix}"{c}" is not null' for c in columns) + ")"


def _oc2_cla(where: str) -> str:
    """OC2 rows `o` where `where` holds, `_cla` being whether the child was looked after
    continuously for twelve months."""
    return (
        f"with {CLA} select o._file, o._row from oc2 as o left join cla as c "
        f'on c._cy = o._cy and c."CHILD" = o."CHILD" '
        f"where {where.replace('_cla', 'coalesce(c._cla, false)')}"
    )


def _rule(code: str, message: str, sql: str, fields: tuple[str, ...], **kw) -> DfeRule:
    return DfeRule(SSDA903, code, message, sql, fields, **kw)


def _changed(column: str, years: tuple[int, int], message: str, same: str = "", **kw) -> DfeRule:
    """Header rows whose `column` differs from the previous year's for the same child."""
    same = same or f'{{a}}."{column}"'
    now, then = same.format(a="h"), same.format(a="l")
    return _rule(
        {"SEX": "202", "DOB": "203", "ETHNIC": "204"}[column],
        message,
        "select h._file, h._row from header as h join header_last as l "
        f'on l._cy = h._cy and l."CHILD" = h."CHILD" where {now} is distinct from {then}',
        (column,),
        years=years,
        **kw,
    )


SEX_MESSAGE = "The gender code conflicts with the gender already recorded for this child."
# SEX as M/F/U whichever year's codes it was sent in (1 and 2 until 2023-24).
SEX_NOW = "case {a}.\"SEX\" when '1' then 'M' when '2' then 'F' else {a}.\"SEX\" end"

RULES = [
    _rule(
        "117",
        "Date of decision that a child should/should no longer be placed for adoption is beyond "
        "the current collection year or after the child ceased to be looked after.",
        """
        with l as (
            select * from episodes where "DECOM_d" is not null and "REC" is distinct from 'X1'
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d" desc, _row)
                = 1
        ), f as (
            select l._file as ef, l._row as er, p._file as pf, p._row as pr from l
            join placed_adoption as p on p._cy = l._cy and p."CHILD" = l."CHILD"
            where p."DATE_PLACED_d" > l._end or p."DATE_PLACED_d" > l."DEC_d"
                or p."DATE_PLACED_CEASED_d" > l._end or p."DATE_PLACED_CEASED_d" > l."DEC_d"
        )
        select ef as _file, er as _row from f union select pf, pr from f
        """,
        ("DATE_PLACED_CEASED", "DATE_PLACED", "DEC", "REC", "DECOM"),
    ),
    _rule(
        "118",
        "Date of decision that a child should no longer be placed for adoption is before the "
        "current collection year or before the date the child started to be looked after.",
        """
        with l as (
            select * from episodes
            where "DECOM_d" is not null and coalesce("LS" not in ('V3', 'V4'), true)
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d", _row) = 1
        ), f as (
            select l._file as ef, l._row as er, p._file as pf, p._row as pr from l
            join placed_adoption as p on p._cy = l._cy and p."CHILD" = l."CHILD"
            where p."DATE_PLACED_CEASED_d" < l."DECOM_d" or p."DATE_PLACED_CEASED_d" < l._start
        )
        select ef as _file, er as _row from f union select pf, pr from f
        """,
        ("DECOM", "DECOM", "LS"),
    ),
    _rule(
        "134",
        "Data on adoption should not be entered for the OC3 cohort.",
        "select a._file, a._row from ad1 as a join oc3 as o "
        f'on o._cy = a._cy and o."CHILD" = a."CHILD" '
        f"where {_any(OC3_ITEMS, 'o')} and {_any(AD1_ITEMS, 'a')}",
        (
            "IN_TOUCH",
            "ACTIV",
            "ACCOM",
            "DATE_INT",
            "DATE_MATCH",
            "FOSTER_CARE",
            "NB_ADOPTR",
            "SEX_ADOPTR",
            "LS_ADOPTR",
        ),
    ),
    _rule(
        "157",
        "Child is aged 4 years or over at the beginning of the year or 16 years or under at the "
        "end of the year and Strengths and Difficulties Questionnaire (SDQ) 1 has been recorded "
        "as the reason for no Strengths and Difficulties Questionnaire (SDQ) score.",
        _oc2_cla(
            '_cla and o."DOB_d" + interval 4 year <= o._start and o."DOB_d" + interval 16 year '
            '>= o._end and o."SDQ_SCORE" is null and o."SDQ_REASON" = \'SDQ1\''
        ),
        ("SDQ_REASON", "DOB"),
    ),
    _rule(
        "184",
        "Date of decision that a child should be placed for adoption is before the child was born.",
        "select p._file, p._row from placed_adoption as p left join header as h "
        'on h._cy = p._cy and h."CHILD" = p."CHILD" where p."DATE_PLACED_d" is not null '
        'and not coalesce(p."DATE_PLACED_d" >= h."DOB_d", false)',
        ("DATE_PLACED", "DOB"),
    ),
    _rule(
        "185",
        "Child has not been looked after continuously for at least 12 months at 31 March but a "
        "Strengths and Difficulties (SDQ) score has been completed.",
        _oc2_cla('o."SDQ_SCORE" is not null and not _cla'),
        ("SDQ_SCORE",),
    ),
    _rule(
        "186",
        "Children aged 4 or over at the start of the year and children aged under 17 at the end "
        "of the year and who have been looked after for at least 12 months continuously should "
        "have a Strengths and Difficulties (SDQ) score completed.",
        _oc2_cla(
            'o."DOB_d" + interval 4 year <= o._start and o."DOB_d" + interval 17 year > o._end '
            'and _cla and o."SDQ_SCORE" is null and o."SDQ_REASON" is null'
        ),
        ("SDQ_SCORE",),
    ),
    _rule(
        "187",
        "Child cannot be looked after continuously for 12 months at 31 March (OC2) and have any "
        "of adoption or care leavers returns completed.",
        f"""
        with {CLA}
        select a._file, a._row from ad1 as a join cla as c using (_cy, "CHILD")
        where c._cla and {_any(AD1_ITEMS, "a")}
        union select o._file, o._row from oc3 as o join cla as c using (_cy, "CHILD")
        where c._cla and {_any(OC3_ITEMS, "o")}
        """,
        AD1_ITEMS + OC3_ITEMS,
    ),
    _rule(
        "188",
        "Child is aged under 4 years at the end of the year, but a Strengths and Difficulties "
        "(SDQ) score or a reason for no SDQ score has been completed. ",
        'select _file, _row from oc2 where "DOB_d" + interval 4 year > _end '
        'and ("SDQ_SCORE" is not null or "SDQ_REASON" is not null)',
        ("SDQ_SCORE", "SDQ_REASON"),
    ),
    _rule(
        "189",
        "Child is aged 17 years or over at the beginning of the year, but an Strengths and "
        "Difficulties (SDQ) score or a reason for no Strengths and Difficulties (SDQ) score has "
        "been completed.",
        'select _file, _row from oc2 where "DOB_d" + interval 17 year < _start '
        'and ("SDQ_SCORE" is not null or "SDQ_REASON" is not null)',
        ("DOB", "SDQ_SCORE", "SDQ_REASON"),
    ),
    _rule(
        "190",
        "Child has not been looked after continuously for at least 12 months at 31 March but one "
        "or more data items relating to children looked after for 12 months have been completed.",
        _oc2_cla(f"not _cla and {_any(OC2_ITEMS, 'o')}"),
        OC2_ITEMS,
    ),
    _rule(
        "191",
        "Child has been looked after continuously for at least 12 months at 31 March but one or "
        "more data items relating to children looked after for 12 months have been left blank.",
        f"""
        with {CLA}
        select o._file, o._row from oc2 as o join cla as c using (_cy, "CHILD")
        where c._cla and ("IMMUNISATIONS" is null or "TEETH_CHECK" is null
            or "HEALTH_ASSESSMENT" is null or "SUBSTANCE_MISUSE" is null)
        union
        select e._file, e._row from (
            select * from episodes where "DECOM_d" is not null
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d", _row) = 1
        ) as e join cla as c using (_cy, "CHILD")
        where c._cla and not exists (
            select 1 from oc2 as o where o._cy = e._cy and o."CHILD" = e."CHILD")
        """,
        ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "CHILD"),
    ),
    _rule(
        "197B",
        "SDQ score or reason for no SDQ should be reported for 4- or 17-year-olds.",
        _oc2_cla(
            '(o."DOB_d" + interval 4 year between o._start and o._end '
            'or o."DOB_d" + interval 17 year between o._start and o._end) '
            'and _cla and o."SDQ_SCORE" is null and o."SDQ_REASON" is null'
        ),
        ("SDQ_REASON", "DOB"),
    ),
    _rule(
        "198",
        "Child has not been looked after continuously for at least 12 months at 31 March but a "
        "reason for no Strengths and Difficulties (SDQ) score has been completed. ",
        _oc2_cla('o."SDQ_REASON" is not null and not _cla'),
        ("SDQ_REASON",),
    ),
    _changed("SEX", (2023, 2024), SEX_MESSAGE),
    _changed(
        "SEX",
        (2025, 2025),
        SEX_MESSAGE,
        same=SEX_NOW,
        difference="In 2024-25 SEX is coded M, F or U where the year before it was 1 or 2; the "
        "DfE's tool compares the codes as sent, so every child in both years fails. The "
        "warehouse reads 1 as M and 2 as F.",
    ),
    _changed("SEX", (2026, 2027), SEX_MESSAGE),
    _changed(
        "DOB",
        (2023, 2027),
        "Date of birth disagrees with the date of birth already recorded for this child.",
        same='{a}."DOB_d"',
    ),
    _changed(
        "ETHNIC",
        (2023, 2027),
        "Ethnic origin code disagrees with the ethnic origin already recorded for this child.",
    ),
    _rule(
        "207",
        "Mother status for the current year disagrees with the mother status already recorded "
        "for this child.",
        """
        select h._file, h._row from header as h
        join header_last as l on l._cy = h._cy and l."CHILD" = h."CHILD"
        where l."MOTHER" = '1' and h."MOTHER" is distinct from '1'
            and exists (select 1 from episodes as e where e._cy = h._cy and e."CHILD" = h."CHILD")
        """,
        ("MOTHER",),
    ),
    _rule(
        "209",
        "Child looked after is of school age and should not have an unknown Unique Pupil Number "
        "(UPN) code of UN1.",
        "select _file, _row from header where \"UPN\" = 'UN1' "
        'and make_date(_year - 2, 8, 31) >= "DOB_d" + interval 4 year',
        ("UPN", "DOB"),
    ),
    _rule(
        "210",
        "Children looked after for more than a week at 31 March should not have an unknown "
        "Unique Pupil Number (UPN) code of UN4.",
        """
        with f as (
            select e._file as ef, e._row as er, h._file as hf, h._row as hr from episodes as e
            join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
            where h."UPN" = 'UN4' and e."DECOM_d" >= make_date(e._year, 3, 24)
        )
        select ef as _file, er as _row from f union select hf, hr from f
        """,
        ("UPN", "DECOM"),
    ),
    _rule(
        "215",
        "Child has care leaver information but one or more data items relating to children "
        "looked after for 12 months have been completed.",
        f"""
        with f as (
            select o3._file as f3, o3._row as r3, o2._file as f2, o2._row as r2 from oc3 as o3
            join oc2 as o2 on o2._cy = o3._cy and o2."CHILD" = o3."CHILD"
            where {_any(OC3_ITEMS, "o3")} and {_any(OC2_ITEMS, "o2")}
        )
        select f3 as _file, r3 as _row from f union select f2, r2 from f
        """,
        OC3_ITEMS + OC2_ITEMS,
    ),
    _rule(
        "231",
        "We expect that unaccompanied asylum seeking children are generally older young people. "
        "Please check the date of birth is correct. If the date of birth is correct then please "
        "provide details in a bypass request.",
        'select h._file, h._row from header as h where h."DOB_d" > h._end - interval 11 year '
        'and exists (select 1 from uasc as u where u._cy = h._cy and u."CHILD" = h."CHILD")',
        ("DOB", "UASC_STATUS"),
        years=(2025, 2027),
        difference="The DfE's tool reads a header column UASC_STATUS that no return has, and "
        "fails on every return; the warehouse takes a child in the UASC table as UASC.",
    ),
    _rule(
        "304",
        "Date unaccompanied asylum-seeking child (UASC) status ceased must be on or before the "
        "18th birthday of a child.",
        f'select _file, _row from uasc where "DUC_d" > {latest_birth()} + interval 18 year',
        ("DUC",),
        difference=PSEUDONYMISED_BIRTH,
    ),
    _rule(
        "331",
        "Date of matching child and adopter(s) should be the same as, or prior to, the date of "
        "placement of adoption.",
        """
        with f as (
            select e._file as ef, e._row as er, a._file as af, a._row as ar from episodes as e
            join ad1 as a on a._cy = e._cy and a."CHILD" = e."CHILD"
            where e."REC" in ('E11', 'E12') and a."DATE_MATCH_d" > e."DECOM_d"
        )
        select ef as _file, er as _row from f union select af, ar from f
        """,
        ("DATE_MATCH", "DECOM", "REC"),
    ),
    _rule(
        "333",
        "Date should be placed for adoption must be on or prior to the date of matching child "
        "with adopter(s).",
        'select _file, _row from ad1 where "DATE_MATCH_d" is not null '
        'and ("DATE_INT_d" is null or "DATE_INT_d" > "DATE_MATCH_d")',
        ("DATE_INT",),
    ),
    _rule(
        "334",
        "Date child started to be looked after in latest period of care must be on or prior to "
        "the date should be placed for adoption. ",
        """
        with l as (
            select * from episodes where "RNE" = 'S' and "DECOM_d" is not null
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d" desc, _row)
                = 1
        ), f as (
            select l._file as ef, l._row as er, a._file as af, a._row as ar from l
            join ad1 as a on a._cy = l._cy and a."CHILD" = l."CHILD"
            where a."DATE_INT_d" < l."DECOM_d"
        )
        select ef as _file, er as _row from f union select af, ar from f
        """,
        ("DATE_INT", "DECOM", "RNE"),
    ),
    _rule(
        "335",
        "The current foster value (0) suggests that child is not adopted by current foster "
        "carer, but last placement is A2, A3, or A5. Or the current foster value (1) suggests "
        "that child is adopted by current foster carer, but last placement is A1, A4 or A6.",
        """
        with f as (
            select e._file as ef, e._row as er, a._file as af, a._row as ar from episodes as e
            join ad1 as a on a._cy = e._cy and a."CHILD" = e."CHILD"
            where e."REC" in ('E1', 'E11', 'E12') and (
                (e."PLACE" in ('A2', 'A3', 'A5') and a."FOSTER_CARE" = '0')
                or (e."PLACE" in ('A1', 'A4', 'A6') and a."FOSTER_CARE" = '1'))
        )
        select ef as _file, er as _row from f union select af, ar from f
        """,
        ("PLACE", "FOSTER_CARE"),
    ),
    _rule(
        "336",
        "Child does not have a foster placement immediately prior to being placed for adoption.",
        """
        select _file, _row from (
            select *, row_number() over w as _n, lag("PLACE") over w as _before from episodes
            window w as (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row)
        ) where "PLACE" in ('A3', 'A4') and _n > 1 and coalesce(_before not in
            ('A3', 'A4', 'A5', 'A6', 'U1', 'U2', 'U3', 'U4', 'U5', 'U6'), true)
        """,
        ("PLACE",),
    ),
    _rule(
        "344",
        "The record shows the young person has died or returned home to live with parent(s) or "
        "someone with parental responsibility for a continuous period of 6 months or more, but "
        "activity and/or accommodation on leaving care have been completed.",
        "select _file, _row from oc3 where \"IN_TOUCH\" in ('DIED', 'RHOM') "
        "and (\"ACTIV\" is distinct from '0' or \"ACCOM\" is distinct from '0')",
        ("IN_TOUCH", "ACTIV", "ACCOM"),
    ),
    _rule(
        "345",
        "The data collection record shows the local authority is in touch with this young "
        "person, but activity and/or accommodation data items are zero.",
        "select _file, _row from oc3 where \"IN_TOUCH\" = 'YES' "
        "and (\"ACTIV\" = '0' or \"ACCOM\" = '0')",
        ("IN_TOUCH", "ACTIV", "ACCOM"),
    ),
    _rule(
        "347",
        "Care leavers aged under 18 years, can not be accommodated in a Foyer.",
        "select _file, _row from oc3 where \"ACCOM\" in ('T1', 'T2') "
        'and "DOB_d" + interval 18 year > _start',
        ("PLACE", "DEC", "URN"),
        years=(2024, 2027),
        difference="The DfE's tool looks for ACCOM 'T', which is no code (a foyer is T1 or T2), "
        "so it never fails; the warehouse checks T1 and T2.",
    ),
    _rule(
        "348",
        "Care leaver has previously been reported as having died. ",
        "select o._file, o._row from oc3 as o join oc3_last as l "
        'on l._cy = o._cy and l."CHILD" = o."CHILD" where l."IN_TOUCH" = \'DIED\' '
        "and o.\"IN_TOUCH\" is distinct from 'DIED'",
        ("IN_TOUCH",),
        years=(2026, 2027),
    ),
    _rule(
        "391",
        "Young person was not 17, 18, 19, 20 or 21 during the current collection year. ",
        f'select _file, _row from oc3 where "DOB_d" + interval 17 year > _end '
        f"and {_any(OC3_ITEMS)}",
        ("DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    ),
]

_POSTCODES = (
    "It needs the ONS postcode directory (the DfE's tool derives the placement's local "
    "authority, location or distance from the postcodes), which the warehouse does not hold."
)
_PROVIDERS = (
    "It needs Ofsted's lists of providers and their URNs, which the warehouse does not hold."
)

NOT_IMPLEMENTED = {
    "903:164": _POSTCODES,
    "903:169": _POSTCODES,
    "903:179": _POSTCODES,
    "903:218": _POSTCODES,
    "903:230": _POSTCODES,
    "903:243": _POSTCODES,
    "903:392a": _POSTCODES,
    "903:392c": _POSTCODES,
    "903:219": _PROVIDERS,
    "903:221": _PROVIDERS,
    "903:224": _PROVIDERS,
    "903:227": _PROVIDERS,
    "903:228": _PROVIDERS,
    "903:229": _PROVIDERS,
    "903:241": _PROVIDERS,
    "903:303": "The SSDA903 header sent as CSV has no UASC column: a child with a DUC in the "
    "UASC table is UASC by being there, so the rule cannot fail.",
}
