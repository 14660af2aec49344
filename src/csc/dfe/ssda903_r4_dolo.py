"""SSDA903: deprivation of liberty orders (the DoLo table, from 2026-27; the DfE's rules 700
to 710).

A row of the DoLo table is one order a child looked after was subject to, with the dates it
started and ended (`DOLO_END` blank while it is in force). The table first appears in
2026-27 returns, so the rule on last year's open orders (706) has nothing to read until the
2027-28 return.
"""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r2_common import (
    OPEN_EPISODES_END,
    PERIODS_OF_CARE,
    opened_while_one_is_open,
)

FROM_2026_27 = (2027, 2027)


def _rule(code: str, message: str, sql: str, fields: tuple[str, ...], **kw) -> DfeRule:
    return DfeRule(SSDA903, code, message, sql, fields, years=FROM_2026_27, **kw)


def _dolo(condition: str) -> str:
    return f"select _file, _row from dolo where {condition}"


def _placed_during(placements: str) -> str:
    """Orders with both dates, and the child's episodes they overlap, where the episode's
    placement is (or is not) among `placements`: both rows fail."""
    return f"""
        with pairs as (
            select d._file as dolo_file, d._row as dolo_row, e._file, e._row
            from dolo as d
            join episodes as e on e._cy = d._cy and e."CHILD" = d."CHILD"
            where d."DOLO_START" is not null and d."DOLO_END" is not null
                and (d."DOLO_START_d" <= e."DEC_d" or e."DEC_d" is null)
                and d."DOLO_END_d" >= e."DECOM_d"
                and {placements}
        )
        select dolo_file as _file, dolo_row as _row from pairs
        union
        select _file, _row from pairs
    """


_NO_PLACEMENT_COLUMN = (
    "The DfE's tool reads a PLACEMENT column, which the Episodes table does not have (the "
    "placement is PLACE), so the tool cannot run this rule; the warehouse reads PLACE."
)

RULES = [
    _rule(
        "700",
        "The start date of the DoLO is not a valid date.",
        _dolo('"DOLO_START_d" is null'),
        ("DOLO_START",),
        difference="A row whose start date is blank cannot be keyed (a child's orders are "
        "told apart by the date each started): the warehouse sets it aside, reporting it "
        "under the DoLo table's own rule, and does not load it, so this rule reads only rows "
        "whose start is present.",
    ),
    _rule(
        "701",
        "The end date of the DoLO is not a valid date.",
        _dolo('"DOLO_END" is not null and "DOLO_END_d" is null'),
        ("DOLO_END",),
    ),
    _rule(
        "702",
        "The date that the DoLO ended is before the date that it started.",
        _dolo('"DOLO_END_d" <= "DOLO_START_d"'),
        ("DOLO_START", "DOLO_END"),
    ),
    _rule(
        "703",
        "The date that the DoLO started is after the end of the collection year.",
        _dolo('"DOLO_START_d" > _end'),
        ("DOLO_START",),
    ),
    _rule(
        "704",
        "The date that the DoLO ended is before the start or after the end of the collection year.",
        _dolo('"DOLO_END_d" > _end or "DOLO_END_d" < _start'),
        ("DOLO_END",),
    ),
    _rule(
        "705",
        "A DoLO cannot start when the previous DoLO is still open.",
        opened_while_one_is_open("dolo", "DOLO_START", "DOLO_END"),
        ("DOLO_START", "DOLO_END"),
    ),
    _rule(
        "706",
        "There is an open DoLO in last year’s return and there is no corresponding DoLO "
        "recorded at the start of this year..",
        """
        select h._file, h._row from dolo_last as l
        join header as h on h._cy = l._cy and h."CHILD" = l."CHILD"
        where l."DOLO_END" is null and not exists (
            select 1 from dolo as d
            where d._cy = l._cy and d."CHILD" = l."CHILD" and d."DOLO_START" = l."DOLO_START"
        )
        """,
        ("DOLO_START",),
        difference="The DfE's tool reports the row number of last year's order against this "
        "year's DoLo table, where it points at another row or none; the warehouse reports the "
        "child's row of this year's Header. No return has a previous year's DoLo table before "
        "2027-28.",
    ),
    _rule(
        "707",
        "Child ceased to be looked after but there is a DoLO without an end date.",
        f"""
        with periods as ({PERIODS_OF_CARE})
        select d._file, d._row from dolo as d
        join periods as p on p._cy = d._cy and p."CHILD" = d."CHILD"
        where d."DOLO_START_d" is not null
        group by all having bool_and(coalesce(
            (d."DOLO_END_d" is null and p.poc_end is not null)
            or (d."DOLO_END_d" is null and d."DOLO_START_d" < p.poc_start)
            or d."DOLO_END_d" > p.poc_end or d."DOLO_END_d" < p.poc_start, false))
        """,
        ("DOLO_END",),
        difference=OPEN_EPISODES_END,
    ),
    _rule(
        "708",
        "Dates of DoLOs are before child’s date of birth.",
        _dolo('"DOLO_START_d" <= "DOB_d"'),
        ("DOLO_START",),
    ),
    _rule(
        "709",
        "Child with a DoLO is in an unexpected placement type.",
        _placed_during("coalesce(e.\"PLACE\" not in ('K2', 'Z12', 'Z13'), true)"),
        ("DOLO_START", "PLACE"),
        difference=_NO_PLACEMENT_COLUMN,
    ),
    _rule(
        "710",
        "Child with a DoLO can not be placed in secure children's homes, with parents, young "
        "offender institutions, or supported accommodation.",
        _placed_during("e.\"PLACE\" in ('K1', 'P1', 'R5', 'K3')"),
        ("DOLO_START", "PLACE"),
        difference=_NO_PLACEMENT_COLUMN,
    ),
]
