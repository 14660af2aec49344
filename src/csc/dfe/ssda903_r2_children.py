"""SSDA903: the DfE's rules on the child: reviews, health and convictions (OC2), motherhood
(header) and permanence before care (PrevPerm) (the DfE's rules 440, 441, 542, 544, 547,
607 to 628, 630, 631, 633 to 635)."""

from __future__ import annotations

from csc.dfe import PSEUDONYMISED_BIRTH, SSDA903, DfeRule, latest_birth

_LA_CODES = ",".join(
    (
        "800,889,822,301,304,303,330,825,837,302,846,370,350,890,867,380,305,801,351,873,823,895,896,"
        "381,909,202,908,331,306,841,830,831,878,371,835,332,840,307,308,811,881,845,390,916,203,876,"
        "850,311,204,884,312,205,313,805,919,310,309,420,921,206,207,886,810,382,314,340,888,208,856,"
        "383,855,209,925,341,201,821,352,806,887,826,315,929,812,391,926,892,813,802,928,891,392,316,"
        "815,353,931,879,836,851,874,807,354,317,870,318,372,857,333,935,343,803,373,342,893,356,355,"
        "871,394,334,933,882,936,861,852,319,860,808,393,866,210,357,894,883,880,358,211,937,869,320,"
        "359,865,384,335,336,212,868,872,885,344,877,213,938,816,999",
    )
).split(",") + ["WAL", "SCO", "NUK", "NIR"]
_HEALTH = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")


def _where(table: str, condition: str) -> str:
    return f"select _file, _row from {table} where {condition}"


def _health_incomplete(column: str) -> str:
    blank = " or ".join(f'"{c}" is null' for c in _HEALTH)
    return _where("oc2", f"\"{column}\" = '1' and ({blank})")


def _mother_missing(female: str) -> str:
    """Episodes of a girl who ceased to be looked after in the year (other than by respite
    care), whose header has no motherhood status; and those headers."""
    return f"""
        with failing as (
            select e._file, e._row, h._file as h_file, h._row as h_row
            from episodes as e
            join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
            where e."DEC" is not null and e."REC" is not null and e."REC" <> 'X1'
                and coalesce(e."LS", '') not in ('V3', 'V4')
                and e."DEC_d" between e._start and e._end
                and h."SEX" = '{female}' and h."MOTHER" is null
        )
        select _file, _row from failing union select h_file, h_row from failing
    """


def _not_mother(female: str) -> str:
    return _where(
        "header",
        f"coalesce(\"MOTHER\", '0') = '0' and \"SEX\" = '{female}' and \"MC_DOB\" is not null",
    )


RULES = [
    DfeRule(
        SSDA903,
        "440",
        "Participation method indicates child was under 4 years old at the time of the review, "
        "but date of birth and review date indicates the child was 4 years old or over.",
        _where(
            "reviews",
            f'"REVIEW_CODE" = \'PN0\' and "REVIEW_d" > {latest_birth()} + interval 4 year',
        ),
        ("DOB", "REVIEW", "REVIEW_CODE"),
        difference=PSEUDONYMISED_BIRTH,
    ),
    DfeRule(
        SSDA903,
        "441",
        "Participation method indicates child was 4 years old or over at the time of the review, "
        "but the date of birth and review date indicates the child was under 4 years old.",
        _where(
            "reviews",
            "\"REVIEW_CODE\" in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7') "
            'and "REVIEW_d" < "DOB_d" + interval 4 year',
        ),
        ("DOB", "REVIEW", "REVIEW_CODE"),
    ),
    DfeRule(
        SSDA903,
        "542",
        "A child aged under 10 at 31 March should not have conviction information completed.",
        _where("oc2", '"DOB_d" + interval 10 year > _end and "CONVICTED" is not null'),
        ("CONVICTED",),
    ),
    DfeRule(
        SSDA903,
        "544",
        "Any child who has conviction information completed must also have immunisation, teeth "
        "check, health assessment and substance misuse problem identified fields completed.",
        _health_incomplete("CONVICTED"),
        ("CONVICTED",) + _HEALTH,
    ),
    DfeRule(
        SSDA903,
        "547",
        "Any child who has health promotion information completed must also have immunisation, "
        "teeth check, health assessment and substance misuse problem identified fields "
        "completed.",
        _health_incomplete("HEALTH_CHECK"),
        ("HEALTH_CHECK",) + _HEALTH,
    ),
    DfeRule(
        SSDA903,
        "607",
        "Child ceased to be looked after in the year, but mother field has not been completed.",
        _mother_missing("2"),
        ("DEC", "REC", "MOTHER", "LS", "SEX"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "607",
        "Child ceased to be looked after in the year, but mother field has not been completed.",
        _mother_missing("F"),
        ("DEC", "REC", "MOTHER", "LS", "SEX"),
        years=(2025, 2027),
    ),
    DfeRule(
        SSDA903,
        "611",
        "Date of birth field is blank, but child is a mother.",
        _where("header", '"MOTHER" = \'1\' and "MC_DOB" is null'),
        ("MOTHER", "MC_DOB"),
    ),
    DfeRule(
        SSDA903,
        "612",
        "Date of birth field has been completed but mother field indicates child is not a mother.",
        _not_mother("2"),
        ("SEX", "MOTHER", "MC_DOB"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "612",
        "Date of birth field has been completed but mother field indicates child is not a mother.",
        _not_mother("F"),
        ("SEX", "MOTHER", "MC_DOB"),
        years=(2025, 2027),
    ),
    DfeRule(
        SSDA903,
        "620",
        "Child has been recorded as a mother, but date of birth shows that the mother is under "
        "11 years of age.",
        _where("header", '"MOTHER" = \'1\' and "DOB_d" + interval 11 year > _start'),
        ("DOB", "MOTHER"),
    ),
    DfeRule(
        SSDA903,
        "621",
        "Mother’s field has been completed but date of birth shows that the mother is younger "
        "than her child.",
        _where("header", '"MC_DOB_d" is not null and not coalesce("MC_DOB_d" > "DOB_d", false)'),
        ("DOB", "MC_DOB"),
    ),
    DfeRule(
        SSDA903,
        "624",
        "Date of birth of the first child contradicts the date of birth of the first child "
        "previously recorded.",
        """
        select h._file, h._row from header as h
        join header_last as l on l._cy = h._cy and l."CHILD" = h."CHILD"
        where l."MC_DOB" is not null and h."MC_DOB" is distinct from l."MC_DOB"
        """,
        ("MC_DOB",),
    ),
    DfeRule(
        SSDA903,
        "625",
        "Date of birth of the first child is beyond the end of this reporting year or the date "
        "the child ceased to be looked after.",
        """
        with latest as (
            select *, case when "DEC" is null then _end else "DEC_d" end as ceased
            from episodes
            where "DEC" is null or "DEC_d" is not null
            qualify row_number() over (
                partition by _cy, "CHILD" order by ceased desc, _row
            ) = 1
        ),
        failing as (
            select e._file, e._row, h._file as h_file, h._row as h_row
            from latest as e join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
            where h."MC_DOB_d" > e._end or h."MC_DOB_d" > e.ceased
        )
        select _file, _row from failing union select h_file, h_row from failing
        """,
        ("MC_DOB", "DEC"),
    ),
    DfeRule(
        SSDA903,
        "626",
        "Child was reported as a mother but the date of birth of the first child is before the "
        "current year which contradicts with the mother status recorded last year.",
        """
        select h._file, h._row from header as h
        join header_last as l on l._cy = h._cy and l."CHILD" = h."CHILD"
        where h."MC_DOB_d" < h._start and try_cast(h."MOTHER" as double) = 1
            and try_cast(l."MOTHER" as double) = 0
        """,
        ("MOTHER", "MC_DOB"),
    ),
    DfeRule(
        SSDA903,
        "628",
        "Motherhood details are not required for care leavers who have not been looked after "
        "during the year.",
        """
        select h._file, h._row from header as h
        where h."MOTHER" is not null
            and not exists (
                select 1 from episodes as e where e._cy = h._cy and e."CHILD" = h."CHILD"
            )
            and exists (
                select 1 from oc3 as o where o._cy = h._cy and o."CHILD" = h."CHILD"
                    and (o."IN_TOUCH" is not null or o."ACTIV" is not null
                        or o."ACCOM" is not null)
            )
        """,
        ("MOTHER",),
    ),
    DfeRule(
        SSDA903,
        "630",
        "Information on previous permanence option should be returned.",
        """
        select e._file, e._row from episodes as e
        where e."RNE" = 'S' and e."DECOM_d" >= e._start
            and exists (select 1 from prev_perm as x where x._cy = e._cy)
            and (
                not exists (
                    select 1 from prev_perm as p where p._cy = e._cy and p."CHILD" = e."CHILD"
                ) or exists (
                    select 1 from prev_perm as p
                    where p._cy = e._cy and p."CHILD" = e."CHILD" and (
                        p."PREV_PERM" is null
                        or (p."PREV_PERM" <> 'Z1'
                            and (p."LA_PERM" is null or p."DATE_PERM" is null))
                    )
                )
            )
        """,
        ("RNE",),
    ),
    DfeRule(
        SSDA903,
        "631",
        "Previous permanence option not a valid value.",
        _where(
            "prev_perm",
            "\"PREV_PERM\" is not null and \"PREV_PERM\" not in ('P1', 'P2', 'P3', 'P4', 'Z1')",
        ),
        ("PREV_PERM",),
    ),
    DfeRule(
        SSDA903,
        "633",
        "Local authority code where previous permanence option was arranged is not a valid value.",
        _where(
            "prev_perm",
            f'"LA_PERM" is not null and "LA_PERM" not in ({", ".join(repr(c) for c in _LA_CODES)})',
        ),
        ("LA_PERM",),
    ),
    DfeRule(
        SSDA903,
        "634",
        "There are entries for previous permanence options, but child has not started to be "
        "looked after from 1 April 2016 onwards.",
        """
        with failing as (
            select p._file, p._row, p._cy, p."CHILD" from prev_perm as p
            join (
                select _cy, "CHILD", max("DECOM_d") as last_decom from episodes group by all
            ) as e on e._cy = p._cy and e."CHILD" = p."CHILD"
            where (p."PREV_PERM" is not null or p."DATE_PERM" is not null
                    or p."LA_PERM" is not null)
                and e.last_decom < p._start
        )
        select _file, _row from failing
        union
        select e._file, e._row from episodes as e
        join failing as f on f._cy = e._cy and f."CHILD" = e."CHILD"
        """,
        ("LA_PERM", "PREV_PERM", "DATE_PERM", "DECOM"),
    ),
    DfeRule(
        SSDA903,
        "635",
        "There are entries for date of order and local authority code where previous permanence "
        "option was arranged but previous permanence code is Z1",
        _where(
            "prev_perm",
            '("LA_PERM" is not null or "DATE_PERM" is not null) and "PREV_PERM" is null',
        ),
        ("LA_PERM", "DATE_PERM", "PREV_PERM"),
    ),
]
