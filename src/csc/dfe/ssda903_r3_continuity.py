"""SSDA903: children with no episodes to go with the rest of their record, OC2 items by
age for children looked after for a year, and the previous permanence order's date (the
DfE's rules 543 to 546, 632, 1012, EPI and NoE)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r1_outcomes import _oc2_cla

# Whether a row `alias` has a child with episodes in `table` (a blank child matching a blank
# child, as the DfE's tool matches them).
_HAS_EPISODES = (
    "exists (select 1 from {table} as e where e._cy = {alias}._cy "
    'and e."CHILD" is not distinct from {alias}."CHILD")'
)

# The tables 1012 reads, other than the episodes.
_OTHER_TABLES = ("placed_adoption", "missing", "reviews", "ad1", "prev_perm", "oc2")


def partial_date(column: str) -> str:
    """`column`, a dd/mm/YYYY date in which the day or the month may be ZZ and the year ZZZZ,
    as the latest date it may stand for (ZZZZ standing for 2000); null if it is none."""
    part = f"string_split({column}, '/')"
    text = (
        f"(case when {part}[1] = 'ZZ' then '01' else {part}[1] end) || '/' || "
        f"(case when {part}[2] = 'ZZ' then '01' else {part}[2] end) || '/' || "
        f"(case when {part}[3] = 'ZZZZ' then '2000' else {part}[3] end)"
    )
    return f"""(case when len({part}) = 3 and regexp_full_match({text},
            '(0?[1-9]|[12][0-9]|3[01])/(0?[1-9]|1[0-2])/[0-9]{{4}}')
        then cast(cast(try_strptime({text}, '%d/%m/%Y') as date)
            + case when {part}[3] = 'ZZ' then interval 0 day
                when {part}[2] = 'ZZ' then interval 1 year - interval 1 day
                when {part}[1] = 'ZZ' then interval 1 month - interval 1 day
                else interval 0 day end as date)
        end)"""


RULES = [
    DfeRule(
        SSDA903,
        "543",
        "Child is aged 10 or over at 31 March and has been looked after continuously for 12 "
        "months yet conviction information has not been completed.",
        _oc2_cla('o._end > o."DOB_d" + interval 10 year and _cla and o."CONVICTED" is null'),
        ("DOB", "CONVICTED"),
    ),
    DfeRule(
        SSDA903,
        "545",
        "Child is aged under 5 at 31 March and has been looked after continuously for 12 months "
        "yet health promotion information has not been completed.",
        _oc2_cla('o._end < o."DOB_d" + interval 5 year and _cla and o."HEALTH_CHECK" is null'),
        ("DOB", "HEALTH_CHECK"),
    ),
    DfeRule(
        SSDA903,
        "546",
        "Children aged 5 or over at 31 March should not have health promotion information "
        "completed.",
        _oc2_cla('o._end >= o."DOB_d" + interval 5 year and _cla and o."HEALTH_CHECK" is not null'),
        ("DOB", "HEALTH_CHECK"),
    ),
    DfeRule(
        SSDA903,
        "632",
        "Date of previous permanence order not a valid value. NOTE: This rule may result in "
        "false negatives where the period of care started before the current collection year",
        f"""
        with first_ep as (
            select * from episodes where "CHILD" is not null and "DECOM_d" is not null
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d", _row) = 1
        ),
        failing as (
            select e._file as e_file, e._row as e_row, p._file, p._row
            from first_ep as e
            join prev_perm as p on p._cy = e._cy and p."CHILD" = e."CHILD"
            where {partial_date('p."DATE_PERM"')} >= e."DECOM_d"
                or (p."DATE_PERM" is not null and {partial_date('p."DATE_PERM"')} is null)
        )
        select _file, _row from failing union select e_file, e_row from failing
        """,
        ("DATE_PERM", "DECOM"),
    ),
    DfeRule(
        SSDA903,
        "1012",
        "No other data should be returned for OC3 children who had no episodes in the current year",
        " union all ".join(
            f"select t._file, t._row from {table} as t where not "
            + _HAS_EPISODES.format(table="episodes", alias="t")
            for table in _OTHER_TABLES
        ),
        ("CHILD",),
    ),
    DfeRule(
        SSDA903,
        "EPI",
        "WARNING: Episodes need to be loaded for this child before further validation is "
        "possible [NOTE: This refers to the DfE portal - here, all checks that can be performed "
        "with only the available data will be.]",
        "select h._file, h._row from header as h where not "
        + _HAS_EPISODES.format(table="episodes", alias="h")
        + " and not "
        + _HAS_EPISODES.format(table="oc3", alias="h"),
        ("CHILD",),
    ),
    DfeRule(
        SSDA903,
        "NoE",
        "This child has no episodes loaded for previous year even though child started to be "
        "looked after before this current year.",
        """
        select t._file, t._row from episodes as t
        where t."DECOM_d" < t._start
            and t._cy in (select _cy from episodes_last union select _cy from header_last)
            and not """
        + _HAS_EPISODES.format(table="episodes_last", alias="t"),
        ("DECOM",),
    ),
]
