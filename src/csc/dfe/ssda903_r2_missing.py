"""SSDA903: the DfE's rules on periods missing or away from placement without authorisation
(the DfE's rules 564 to 581, 586 and 1004 to 1006)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r2_common import (
    OPEN_EPISODES_END,
    PERIODS_OF_CARE,
    opened_while_one_is_open,
)


def _missing(condition: str) -> str:
    return f"select _file, _row from missing where {condition}"


def _outside_every_period(condition: str, where: str = "true") -> str:
    """Missing rows (`where`) of a child with periods of care, outside every one of them."""
    return f"""
        with periods as ({PERIODS_OF_CARE})
        select m._file, m._row from missing as m
        join periods as p on p._cy = m._cy and p."CHILD" = m."CHILD"
        where {where}
        group by all having bool_and({condition})
    """


RULES = [
    DfeRule(
        SSDA903,
        "564",
        "Child was missing or away from placement without authorisation and the date started is "
        "blank.",
        _missing("\"MISSING\" in ('M', 'A') and \"MIS_START\" is null"),
        ("MISSING", "MIS_START"),
    ),
    DfeRule(
        SSDA903,
        "565",
        "The date that the child started to be missing or away from placement without "
        "authorisation has been completed but whether the child was missing or away from "
        "placement without authorisation has not been completed.",
        _missing('"MIS_START" is not null and "MISSING" is null'),
        ("MISSING", "MIS_START"),
    ),
    DfeRule(
        SSDA903,
        "566",
        "The date that the child's episode of being missing or away from placement without "
        "authorisation ended has been completed but whether the child was missing or away "
        "without authorisation has not been completed.",
        _missing('"MISSING" is null and "MIS_END" is not null'),
        ("MISSING", "MIS_END"),
    ),
    DfeRule(
        SSDA903,
        "567",
        "The date that the missing episode or episode that the child was away from placement "
        "without authorisation ended is before the date that it started.",
        _missing('"MIS_START_d" > "MIS_END_d"'),
        ("MIS_START", "MIS_END"),
    ),
    DfeRule(
        SSDA903,
        "570",
        "The date that the child started to be missing or away from placement without "
        "authorisation is after the end of the collection year.",
        _missing('"MIS_START_d" > _end'),
        ("MIS_START",),
    ),
    DfeRule(
        SSDA903,
        "571",
        "The date that the child ceased to be missing or away from placement without "
        "authorisation is before the start or after the end of the collection year.",
        _missing('"MIS_END_d" < _start or "MIS_END_d" > _end'),
        ("MIS_END",),
    ),
    DfeRule(
        SSDA903,
        "574",
        "A new missing/away from placement without authorisation period cannot start when the "
        "previous missing/away from placement without authorisation period is still open. "
        "Missing/away from placement without authorisation periods should also not overlap.",
        opened_while_one_is_open("missing", "MIS_START", "MIS_END"),
        ("MIS_START", "MIS_END"),
    ),
    DfeRule(
        SSDA903,
        "575",
        "If the placement from which the child goes missing/away from placement without "
        "authorisation ends, the missing/away from placement without authorisation period in "
        "the missing module must also have an end date.",
        """
        select m._file, m._row from missing as m
        where m."MIS_END" is null and exists (
            select 1 from episodes as e
            where e._cy = m._cy and e."CHILD" = m."CHILD" and e."DEC" is not null
                and m."MIS_START_d" between e."DECOM_d" and e."DEC_d"
        )
        """,
        ("MIS_END",),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "576",
        "There is an open missing/away from placement without authorisation period in last "
        "year’s return and there is no corresponding period recorded at the start of this year.",
        """
        with first_missing as (
            select * from missing
            qualify row_number() over (
                partition by _cy, "CHILD"
                order by coalesce("MIS_START_d", date '2099-01-01'), _row
            ) = 1
        )
        select f._file, f._row from first_missing as f
        join missing_last as l on l._cy = f._cy and l."CHILD" = f."CHILD"
        where l."MIS_END" is null and l."MIS_START_d" is not null
            and coalesce(f."MIS_START_d", date '2099-01-01') <> l."MIS_START_d"
        """,
        ("CHILD",),
    ),
    DfeRule(
        SSDA903,
        "577",
        "Child ceased to be looked after but there is a missing/away from placement without "
        "authorisation period without an end date.",
        _outside_every_period(
            """coalesce(
                (m."MIS_END_d" is null and p.poc_end is not null)
                or (m."MIS_END_d" is null and m."MIS_START_d" < p.poc_start)
                or m."MIS_END_d" > p.poc_end or m."MIS_END_d" < p.poc_start, false)""",
            'm."MIS_START_d" is not null',
        ),
        ("MIS_END",),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "578",
        "The date that the child started to be missing is after the child ceased to be looked "
        "after.",
        _outside_every_period(
            'coalesce(m."MIS_START_d" < p.poc_start or m."MIS_START_d" > p.poc_end, false)'
        ),
        ("MIS_START",),
    ),
    DfeRule(
        SSDA903,
        "580",
        "Child is missing when cease being looked after but reason episode ceased not ‘E8’.",
        """
        select e._file, e._row from episodes as e
        join missing as m on m._cy = e._cy and m."CHILD" = e."CHILD"
        where m."DOB_d" + interval 18 year = m."MIS_END_d" and m."MIS_END_d" = e."DEC_d"
            and e."REC" is distinct from 'E8'
        """,
        ("REC",),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "581",
        "Child is missing but has not yet started to be looked after.",
        """
        select m._file, m._row from missing as m
        join episodes as e on e._cy = m._cy and e."CHILD" = m."CHILD"
        group by all
        having not bool_or(coalesce(m."MIS_START_d" >= e."DECOM_d"
            and (m."MIS_START_d" <= e."DEC_d" or e."DEC" is null), false))
        """,
        ("MIS_START",),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "586",
        "Dates of missing periods are before child’s date of birth.",
        _missing('"MIS_START_d" <= "DOB_d"'),
        ("MIS_START",),
    ),
    DfeRule(
        SSDA903,
        "1004",
        "The start date of the missing episode or episode that the child was away from "
        "placement without authorisation is not a valid date.",
        _missing('"MIS_START_d" is null'),
        ("MIS_START",),
    ),
    DfeRule(
        SSDA903,
        "1005",
        "The end date of the missing episode or episode that the child was away from placement "
        "without authorisation is not a valid date.",
        _missing('"MIS_END" is not null and "MIS_END_d" is null'),
        ("MIS_END",),
    ),
    DfeRule(
        SSDA903,
        "1006",
        "Missing type invalid.",
        _missing("\"MISSING\" is not null and \"MISSING\" not in ('M', 'A')"),
        ("MISSING",),
    ),
]
