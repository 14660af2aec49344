"""SSDA903: care leaver information (OC3) against the child's episodes this year and last
(the DfE's rules 1000 to 1016 on care leavers, and 3001)."""

from __future__ import annotations

from csc.dfe import BIRTHDAY_IN_MONTH, SSDA903, DfeRule, latest_birth
from csc.dfe.ssda903_r2_common import OPEN_EPISODES_END

_ITEMS = '(o."IN_TOUCH" is not null or o."ACTIV" is not null or o."ACCOM" is not null)'
_FIELDS = ("IN_TOUCH", "ACTIV", "ACCOM")
_DIED = "x.\"REC\" = 'E2'"

# Returns whose previous year's return is loaded.
_WITH_LAST = "(select _cy from episodes_last union select _cy from header_last)"


def _oc3(condition: str) -> str:
    return f"select o._file, o._row from oc3 as o where {condition}"


def _in(table: str, alias: str = "o", where: str = "true") -> str:
    return (
        f'exists (select 1 from {table} as x where x._cy = {alias}._cy and x."CHILD" = '
        f'{alias}."CHILD" and {where})'
    )


# 1001: the tool puts this year's and last year's episodes together, keeps one of each
# child's episodes with the same start (the one that ended first, an open one last), and
# counts the days looked after since the 14th and the 16th birthday. Where it refers to an
# episode by its row number, it takes every episode of either year at that number: the
# episode a child's latest one is closes on 31 March when open, an adoption is read off it,
# and an episode of respite (V3, V4) takes every episode of the same number out of the count.
_RELEVANT_CHILD = """
    with present as (
        select _cy from episodes intersect select _cy from oc3
        intersect select _cy from header intersect select _cy from episodes_last
    ),
    both_years as (
        select _cy, _end, "CHILD", "DECOM_d" as decom, "DEC_d" as dec, "LS", "REC",
            _row - 2 as label, 0 as last_year
        from episodes
        union all
        select _cy, _end, "CHILD", "DECOM_d", "DEC_d", "LS", "REC", _row - 2, 1
        from episodes_last
    ),
    kept as (
        select * from both_years
        qualify row_number() over (
            partition by _cy, "CHILD", decom order by dec nulls last, last_year, label
        ) = 1
    ),
    latest as (
        select distinct _cy, label from (
            select * from kept where "CHILD" is not null and decom is not null
            qualify row_number() over (partition by _cy, "CHILD" order by decom desc) = 1
        )
    ),
    closed as (
        select k.*, case when k.dec is null and l.label is not null then k._end else k.dec
            end as dec_to, l.label is not null as is_latest
        from kept as k left join latest as l on l._cy = k._cy and l.label = k.label
    ),
    aged as (
        select c.*, h."DOB_d" + interval 14 year as dob14, h."DOB_d" + interval 16 year as dob16
        from closed as c join header as h on h._cy = c._cy and h."CHILD" = c."CHILD"
        where h."DOB_d" is not null and h."DOB_d" + interval 20 year > c._end
    ),
    counted as (
        select * from aged as a
        where not exists (
            select 1 from aged as v
            where v._cy = a._cy and v.label = a.label and upper(v."LS") in ('V3', 'V4')
        )
    ),
    totals as (
        select _cy, "CHILD",
            coalesce(sum(greatest(0, datediff('day',
                case when decom is null then dob14 else greatest(decom, dob14) end,
                dec_to))), 0) as total14,
            coalesce(sum(greatest(0, datediff('day',
                case when decom is null then dob16 else greatest(decom, dob16) end,
                dec_to))), 0) as total16
        from counted group by all
    )
    select o._file, o._row from oc3 as o
    left join totals as t on t._cy = o._cy and t."CHILD" = o."CHILD"
    where o._cy in (select _cy from present)
        and o._cy in (select _cy from counted)
        and (
            not coalesce(t.total14 >= 91 and t.total16 >= 1, false)
            or exists (
                select 1 from closed as c
                where c._cy = o._cy and c."CHILD" = o."CHILD" and c.is_latest
                    and upper(c."REC") in ('E11', 'E12')
            )
        )
"""

# 1007: the birthday (17th or 18th) the child last had by 31 March, at the earliest (born
# on the first of the month the drop gives) and at the latest (born on its last day).
_BIRTHDAY = """
    case when o."DOB_d" + interval (e._year - year(o."DOB_d")) year > e._end
        then o."DOB_d" + interval (e._year - year(o."DOB_d") - 1) year
        else o."DOB_d" + interval (e._year - year(o."DOB_d")) year end
"""
_LAST_BIRTHDAY = f"({_BIRTHDAY} + interval 1 month - interval 1 day)"

RULES = [
    DfeRule(
        SSDA903,
        "1000",
        "This child is recorded as having died in care and therefore should not have the care "
        "leaver information completed. [NOTE: This only tests the current and previous year "
        "data loaded into the tool]",
        _oc3(f"{_in('episodes', where=_DIED)} or {_in('episodes_last', where=_DIED)}"),
        _FIELDS,
    ),
    DfeRule(
        SSDA903,
        "1001",
        "The episodes recorded for this young person suggest they are not a relevant or a former "
        "relevant child and therefore should not have care leaver information completed. "
        "[NOTE: This tool can only test the current and previous year data loaded into the tool "
        "- this check may generate false positives if a child had episodes prior to last "
        "year's collection.]",
        _RELEVANT_CHILD,
        _FIELDS,
    ),
    DfeRule(
        SSDA903,
        "1002",
        "This child has no previous episodes of care, therefore should not have care leaver "
        "information recorded. [NOTE: This tool can only test the current and previous year "
        "data loaded into the tool - this check may generate false positives if a child had "
        "episodes prior to last year's collection.]",
        _oc3(f"o._cy in {_WITH_LAST} and not {_in('episodes')} and not {_in('episodes_last')}"),
        _FIELDS,
    ),
    DfeRule(
        SSDA903,
        "1007",
        "Care leaver information is not required for 17- or 18-year olds who are still looked "
        "after [on their 17th or 18th birthday.]",
        f"""
        select o._file, o._row from oc3 as o
        join episodes as e on e._cy = o._cy and e."CHILD" = o."CHILD"
        where {_ITEMS}
            and o."DOB_d" + interval 17 year <= e._end
            and o."DOB_d" + interval 19 year > e._end
            and e."DECOM_d" <= {_BIRTHDAY}
            and (e."DEC" is null or e."DEC_d" > {_LAST_BIRTHDAY})
        """,
        _FIELDS,
        difference="The DfE's tool takes a child as looked after on the birthday only when an "
        "episode began by then and ceased after it, so it misses the children this rule is "
        "about, those whose episode is still open; the warehouse counts an open episode too. "
        + BIRTHDAY_IN_MONTH,
    ),
    DfeRule(
        SSDA903,
        "1010",
        "This child has no episodes loaded for current year even though there was an open "
        "episode of care at the end of the previous year, and care leaver data has been "
        "entered.",
        """
        with last_open as (
            select _cy, "CHILD", "DEC" from episodes_last where "DECOM_d" is not null
            qualify row_number() over (
                partition by _cy, "CHILD" order by "DECOM_d" desc, _row desc
            ) = 1
        )
        select o._file, o._row from oc3 as o
        join last_open as l on l._cy = o._cy and l."CHILD" = o."CHILD"
        where l."DEC" is null and not exists (
            select 1 from episodes as e where e._cy = o._cy and e."CHILD" = o."CHILD"
        )
        """,
        _FIELDS,
    ),
    DfeRule(
        SSDA903,
        "1011",
        "This child is recorded as having his/her care transferred to another local authority "
        "for the final episode and therefore should not have the care leaver information "
        "completed.",
        f"""
        with final as (
            select _cy, "CHILD", "REC" from episodes where "DECOM_d" is not null
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d" desc, _row)
                = 1
        )
        select o._file, o._row from oc3 as o
        join final as f on f._cy = o._cy and f."CHILD" = o."CHILD"
        where f."REC" = 'E3' and {_ITEMS}
        """,
        _FIELDS,
    ),
    DfeRule(
        SSDA903,
        "1014",
        "UASC information is not required for care leavers",
        f"""
        with counted as (
            select _cy, "CHILD", count(*) filter (
                where ("DEC_d" >= _start and "DECOM_d" <= _end)
                    or ("DECOM_d" <= _end and "DEC_d" is null)
            ) as this_year
            from episodes where "CHILD" is not null group by all
        ),
        leavers as (
            select c._cy, c."CHILD" from counted as c
            where c.this_year = 0
                and {_in("uasc", "c")}
                and exists (
                    select 1 from oc3 as o
                    where o._cy = c._cy and o."CHILD" = c."CHILD" and {_ITEMS}
                )
        )
        select u._file, u._row from uasc as u join leavers as l using (_cy, "CHILD")
        union all
        select o._file, o._row from oc3 as o join leavers as l using (_cy, "CHILD")
        where {_ITEMS}
        """,
        ("ACTIV", "ACCOM", "IN_TOUCH", "DUC"),
    ),
    DfeRule(
        SSDA903,
        "1016",
        "Care leaver information is not required for 17- or 18-year olds who cease to be "
        "looked after, after their birthday.",
        f"""
        select o._file, o._row from oc3 as o
        join episodes as e on e._cy = o._cy and e."CHILD" = o."CHILD"
        where {_ITEMS} and (
            (o."DOB_d" + interval 17 year <= e._end and o."DOB_d" + interval 18 year > e._end
                and e."DEC_d" >= {latest_birth("o")} + interval 17 year)
            or (o."DOB_d" + interval 18 year <= e._end and o."DOB_d" + interval 19 year > e._end
                and e."DEC_d" >= {latest_birth("o")} + interval 18 year)
        )
        """,
        _FIELDS,
        years=(2024, 2027),
        difference=OPEN_EPISODES_END + " It also measures the age at 31 March in years of "
        "365.2425 days; the warehouse in calendar years. " + BIRTHDAY_IN_MONTH,
    ),
    DfeRule(
        SSDA903,
        "3001",
        "Where care leavers information is being returned for a young person around their 17th "
        "birthday, the accommodation cannot be with their former foster carer(s).",
        _oc3(
            "o.\"ACCOM\" in ('Z1', 'Z2') and "
            + _in(
                "header",
                where='x."DOB_d" + interval 17 year between o._start and o._end',
            )
        ),
        ("REC",),
    ),
]
