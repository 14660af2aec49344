"""SSDA903: episodes of care (the DfE's rules 142, 199, 213 to 234 and 301 to 399): how an
episode's dates, legal status, placement and reasons fit together, with the episodes before
and after it, and with the child's age."""

from __future__ import annotations

from csc.dfe import BIRTHDAY_IN_MONTH, PSEUDONYMISED_BIRTH, SSDA903, DfeRule, latest_birth

TEMPORARY = "('T0', 'T1', 'T2', 'T3', 'T4')"

# Each child's episodes in order of start date (a start that is not a date last), numbered.
ORDERED = """
    select *, row_number() over w as _n, count(*) over (partition by _cy, "CHILD") as _of,
        lag("PLACE") over w as _place_before, lag("PLACE", 2) over w as _place_before_2,
        lag("PL_POST", 2) over w as _post_before_2,
        lag("REASON_PLACE_CHANGE") over w as _rpc_before,
        lead("DECOM_d") over w as _decom_after
    from episodes
    window w as (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row)
"""


def _rule(code: str, message: str, sql: str, fields: tuple[str, ...], **kw) -> DfeRule:
    return DfeRule(SSDA903, code, message, sql, fields, **kw)


def _episodes(where: str) -> str:
    return f"select _file, _row from episodes where {where}"


def _with_header(where: str, both: bool = False) -> str:
    """Episodes (and, `both`, their header rows) where `where` holds of the episode `e`
    and the child's header row `h`."""
    episodes = (
        "select e._file, e._row from episodes as e join header as h on h._cy = e._cy and "
        f'h."CHILD" = e."CHILD" where {where}'
    )
    if not both:
        return episodes
    return (
        episodes + " union select h._file, h._row from episodes as e join header as h on "
        f'h._cy = e._cy and h."CHILD" = e."CHILD" where {where}'
    )


def _young_for_placement(place: str, years: int) -> str:
    """Ended episodes in `place` that began before the child's birthday `years`."""
    return _with_header(
        f'e."PLACE" = \'{place}\' and e."DEC_d" is not null and '
        f'e."DECOM_d" < h."DOB_d" + interval ({years}) year'
    )


def _too_long(place: str, days: int) -> str:
    return _with_header(
        f'e."PLACE" = \'{place}\' and h."DOB_d" is not null and '
        f'e."DEC_d" > e."DECOM_d" + interval ({days}) day'
    )


def _chained_status(status: str, days: int) -> str:
    """Episodes under legal status `status` in a run of such episodes (each ending the day
    the child's next episode begins) lasting more than `days` days, open ones to 31 March."""
    return f"""
        with o as (
            select *, coalesce("DEC_d", _end) as _dec,
                coalesce("DEC_d", _end) = lead("DECOM_d") over w as _flows
            from episodes
            window w as (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row)
        ), s as (
            select *, sum(case when coalesce(_before, false) then 0 else 1 end)
                over (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row) as _run
            from (select *, lag(_flows) over (partition by _cy, "CHILD"
                order by "DECOM_d" nulls last, _row) as _before from o where "LS" = '{status}')
        )
        select _file, _row from s window r as (partition by _cy, "CHILD", _run)
        qualify max(_dec) over r - min("DECOM_d") over r > {days}
    """


def _summed_status(status: str, days: int) -> str:
    """Episodes under legal status `status` in a run of consecutive such rows of the file (a
    run breaks at another child or an episode starting after the last one ended) whose days
    add up to more than `days`."""
    return f"""
        with s as (
            select *, coalesce("DEC_d", case when "DEC" is null then _end end) - "DECOM_d" as _days,
                case when "CHILD" is not distinct from lag("CHILD") over w
                    and not coalesce("DECOM_d" > lag(coalesce("DEC_d",
                        case when "DEC" is null then _end end)) over w, false)
                    then 0 else 1 end as _new
            from episodes where "LS" = '{status}' and "DECOM_d" is not null
            window w as (partition by _cy order by _row)
        ), p as (select *, sum(_new) over (partition by _cy order by _row) as _period from s)
        select _file, _row from p qualify sum(_days) over (partition by _cy, _period) > {days}
    """


def _female_no_mother(female: str) -> str:
    return (
        f'select h._file, h._row from header as h where h."SEX" = \'{female}\' and h."MOTHER" '
        'is null and exists (select 1 from episodes as e where e._cy = h._cy and e."CHILD" = '
        'h."CHILD" and e."LS" is distinct from \'V3\' and e."LS" is distinct from \'V4\')'
    )


def _return_to_placement(post_too: bool) -> str:
    post = ' or not coalesce("PL_POST" = _post_before_2, false)' if post_too else ""
    return (
        f"select _file, _row from ({ORDERED}) where _n > 2 and _place_before in {TEMPORARY} "
        'and ("RNE" is distinct from \'P\' or not coalesce("PLACE" = _place_before_2, false)'
        f"{post})"
    )


RULES = [
    _rule(
        "142",
        "A new episode has started, but the previous episode has not ended.",
        f'select _file, _row from ({ORDERED}) where _n < _of and "DECOM_d" is not null '
        'and ("DEC_d" is null or "REC" is null)',
        ("DEC", "REC"),
    ),
    _rule(
        "199",
        "Episode information shows child has been previously adopted from care. [NOTE: This "
        "only tests the current and previous year data loaded into the tool]",
        """
        with a as (
            select _cy, "CHILD", "DECOM_d", "REC", _file, _row, 1 as _this from episodes
            union all
            select _cy, "CHILD", "DECOM_d", "REC", null, _row, 0 from episodes_last
        ), c as (
            select *, coalesce("REC" in ('E11', 'E12'), false) as _adopted,
                sum(coalesce("REC" in ('E11', 'E12'), false)::int) over (partition by _cy,
                    "CHILD" order by "DECOM_d", _this, _row rows unbounded preceding) as _so_far
            from a where "DECOM_d" is not null
        )
        select _file, _row from c
        where _this = 1 and _so_far > 0 and not (_so_far = 1 and _adopted)
        """,
        ("CHILD",),
    ),
    _rule(
        "217",
        "Children who are placed for adoption with current foster carers (placement types A3 "
        "or A5) must have a reason for new episode of S, T or U.",
        _episodes(
            "\"PLACE\" in ('A3', 'A5') and \"DECOM_d\" >= date '2015-04-01' "
            "and \"RNE\" is distinct from 'S' and \"RNE\" is distinct from 'T' "
            "and \"RNE\" is distinct from 'U'"
        ),
        ("PLACE", "DECOM", "RNE"),
    ),
    _rule(
        "217t",
        "Placement type 'P2' is not a valid placement type from 28 October 2023.",
        _episodes('"PLACE" = \'P2\' and ("DEC_d" > date \'2023-10-28\' or "DEC_d" is null)'),
        ("PLACE", "DECOM"),
        years=(2024, 2024),
    ),
    *(
        _rule(
            "222",
            "Ofsted Unique reference number (URN) should not be recorded for this placement type.",
            _episodes(f'"PLACE" in ({places}) and "URN" is not null and "URN" <> \'XXXXXXX\''),
            ("URN",),
            years=years,
        )
        for places, years in (
            (
                "'H5', 'P1', 'P2', 'P3', 'R1', 'R2', 'R5', 'T0', 'T1', 'T2', 'T3', 'T4', 'Z1'",
                (2023, 2023),
            ),
            (
                "'P1', 'P2', 'P3', 'R1', 'R2', 'R5', 'T0', 'T1', 'T2', 'T3', 'T4', 'Z1'",
                (2024, 2024),
            ),
            ("'P1', 'P3', 'R1', 'R2', 'R5', 'T0', 'T1', 'T2', 'T3', 'T4', 'Z1'", (2025, 2025)),
            (
                "'P1', 'P3', 'R1', 'R2', 'R5', 'T0', 'T1', 'T2', 'T3', 'T4', 'Z11', 'Z12', "
                "'Z13', 'Z14'",
                (2026, 2027),
            ),
        )
    ),
    _rule(
        "225",
        "Reason for placement change must be recorded.",
        f"""
        select _file, _row from (
            select *, lead("RNE") over w as _rne_after, lead("PLACE") over w as _place_after,
                lead(1) over w as _has_after
            from episodes
            window w as (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row)
        ) where _has_after = 1 and "REC" = 'X1' and "REASON_PLACE_CHANGE" is null
            and coalesce("PLACE" not in {TEMPORARY}, true)
            and _rne_after in ('P', 'B', 'T', 'U')
            and coalesce(_place_after not in {TEMPORARY}, true)
        """,
        ("REASON_PLACE_CHANGE",),
    ),
    *(
        _rule(
            "226",
            message,
            f'select _file, _row from ({ORDERED}) where "PLACE" in {TEMPORARY} '
            'and ("REASON_PLACE_CHANGE" is not null or _rpc_before is not null)',
            ("REASON_PLACE_CHANGE", "PLACE"),
            years=years,
        )
        for message, years in (
            ("Reason for placement change is not required.", (2023, 2025)),
            ("Reason for placement change is not required for temporary placements.", (2026, 2027)),
        )
    ),
    _rule(
        "233",
        "Reason for placement change is not required when the episode has not ceased.",
        _episodes('"DEC" is null and "REASON_PLACE_CHANGE" is not null'),
        ("REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE"),
        years=(2026, 2027),
        difference="The DfE's tool reads a column DATE_EPISODE_CEASED that no return has, and "
        "fails on every return; the warehouse checks the episode's DEC as the rule says.",
    ),
    _rule(
        "234",
        "A child aged under 10 can not change placement due to being admitted to custody",
        _with_header(
            'e."REASON_PLACE_CHANGE" = \'CUSTOD\' and h."DOB_d" + interval 10 year > e."DECOM_d"',
            both=True,
        ),
        ("REASON_PLACE_CHANGE", "DOB"),
        years=(2026, 2027),
    ),
    _rule(
        "242",
        "URN = 'XXXXXXX' can only be used for regional adoption agencies",
        _episodes(
            '"URN" = \'XXXXXXX\' and coalesce("PLACE" not in '
            "('A3', 'A4', 'A5', 'A6', 'U1', 'U2', 'U3', 'U4', 'U5', 'U6'), true)"
        ),
        ("URN",),
        years=(2026, 2027),
    ),
    _rule(
        "301",
        "Date of birth falls after the year ended.",
        'select _file, _row from header where "DOB_d" > _end',
        ("DOB",),
    ),
    _rule(
        "302",
        "First episode starts before child was born.",
        f"""
        with f as (select * from ({ORDERED}) where _n = 1 and "DECOM_d" is not null)
        select f._file, f._row from f join header as h on h._cy = f._cy and h."CHILD" = f."CHILD"
        where h."DOB_d" > f."DECOM_d"
        union
        select h._file, h._row from f join header as h on h._cy = f._cy and h."CHILD" = f."CHILD"
        where h."DOB_d" > f."DECOM_d"
        """,
        ("DECOM", "DOB"),
    ),
    _rule(
        "351",
        "Child was over 25 at the start of the current collection year.",
        'select _file, _row from header where _start > "DOB_d" + interval 25 year',
        ("DOB",),
    ),
    _rule(
        "352",
        "Child who started to be looked after was aged 18 or over.",
        _with_header(f'e."RNE" = \'S\' and {latest_birth("h")} + interval 18 year <= e."DECOM_d"'),
        ("DECOM", "RNE"),
        difference=BIRTHDAY_IN_MONTH,
    ),
    _rule(
        "353",
        "No episode submitted can start before 14 October 1991.",
        _episodes("\"DECOM_d\" < date '1991-10-14'"),
        ("DECOM",),
    ),
    _rule(
        "354",
        "Date episode ceased must be on or before the end of the current collection year.",
        _episodes('"DECOM_d" > _end'),
        ("DECOM",),
    ),
    _rule(
        "355",
        "Episode appears to have lasted for less than 24 hours",
        _episodes('"DECOM" is not distinct from "DEC"'),
        ("DECOM", "DEC"),
    ),
    _rule(
        "356",
        "The date the episode ceased is before the date the same episode started.",
        _episodes('"DEC_d" < "DECOM_d"'),
        ("DECOM",),
    ),
    _rule(
        "357",
        "If this is the first episode ever for this child, reason for new episode must be S.  "
        "Check whether there is an episode immediately preceding this one, which has been left "
        "out.  If not the reason for new episode code must be amended to S.",
        f'select _file, _row from ({ORDERED}) where _n = 1 and "DECOM_d" >= _start '
        "and \"RNE\" is distinct from 'S'",
        ("RNE",),
    ),
    _rule(
        "358",
        "Child with this legal status should not be under 10.",
        _with_header(
            "e.\"LS\" in ('J1', 'J2', 'J3') and h.\"DOB_d\" + interval 10 year >= e.\"DECOM_d\"",
            both=True,
        ),
        ("DECOM", "DOB", "LS"),
    ),
    *(
        _rule(
            "359",
            "Child being looked after following 18th birthday must be accommodated under section "
            "20(5) of the Children Act 1989 in a community home.",
            _with_header(
                f'{latest_birth("h")} + interval 18 year < e._end and e."DEC" is null '
                "and not coalesce(e.\"LS\" = 'V2' and e.\"PLACE\" = 'K2', false)"
            ),
            ("DEC", "LS", "PLACE"),
            years=years,
            difference=difference,
        )
        for years, difference in (
            ((2023, 2026), PSEUDONYMISED_BIRTH),
            (
                (2027, 2027),
                "The DfE's tool hands each rule a shallow copy of the tables; in its 2026-27 "
                "rule order a rule run before 359 fills every blank DEC with 31 March, so 359 "
                "finds no open episode and never fails; the warehouse checks the DEC as sent. "
                + PSEUDONYMISED_BIRTH,
            ),
        )
    ),
    _rule(
        "361",
        "Police protection legal status lasted longer than maximum 72 hours allowed in the "
        "Children Act 1989.",
        _chained_status("L1", 3),
        ("DECOM", "LS", "DEC"),
    ),
    _rule(
        "362",
        "Emergency protection order (EPO) lasted longer than 21 days",
        _chained_status("L2", 21),
        ("DECOM", "LS", "DEC"),
    ),
    _rule(
        "363",
        "Child assessment order (CAO) lasted longer than 7 days allowed in the Children Act 1989.",
        _summed_status("L3", 7),
        ("LS", "DECOM", "DEC"),
    ),
    _rule(
        "364",
        "Sections 41-46 of Police and Criminal Evidence (PACE; 1984) severely limits the time a "
        "child can be detained in custody in Local Authority (LA) accommodation.",
        _summed_status("J2", 21),
        ("LS", "DECOM", "DEC"),
    ),
    _rule(
        "365",
        "Any individual short- term respite placement must not exceed 17 days.",
        _episodes(
            '"LS" = \'V3\' and coalesce("DEC_d", case when "DEC" is null then _end end) '
            '> "DECOM_d" + interval 17 day'
        ),
        ("LS", "DECOM", "DEC"),
    ),
    _rule(
        "366",
        "A child cannot change placement during the course of an individual short-term respite "
        "break.",
        _episodes("\"LS\" = 'V3' and \"RNE\" is distinct from 'S'"),
        ("RNE",),
    ),
    _rule(
        "367",
        "The maximum amount of respite care allowable is 75 days in any 12-month period.",
        """
        with v as (
            select _cy, "CHILD", _file, _row,
                case when "DEC" is null or "DEC_d" > _end then _end else "DEC_d" end
                - case when "DECOM_d" < _start then _start else "DECOM_d" end as _days
            from episodes where "LS" = 'V3' and "DECOM" is not null
        )
        select _file, _row from v where _days > 0
        qualify sum(_days) over (partition by _cy, "CHILD") > 75
        """,
        ("LS", "DECOM", "DEC"),
    ),
    _rule(
        "370",
        "Child in independent living should be at least 15.",
        _young_for_placement("P2", 15),
        ("DECOM", "PLACE"),
        years=(2023, 2023),
    ),
    _rule(
        "370",
        "Child in independent living should be at least 16.",
        _young_for_placement("P2", 16),
        ("DECOM", "PLACE"),
        years=(2024, 2024),
    ),
    _rule(
        "371",
        "Child in semi-independent living accommodation not subject to children’s homes "
        "regulations should be at least 14.",
        _young_for_placement("H5", 14),
        ("DECOM", "PLACE"),
        years=(2023, 2023),
    ),
    _rule(
        "371",
        "Child in semi-independent living accommodation not subject to children’s homes "
        "regulations should be at least 16.",
        _young_for_placement("H5", 16),
        ("DECOM", "PLACE"),
        years=(2024, 2024),
    ),
    _rule(
        "371",
        "Child in supported accomodation not subject to children’s homes regulations should be "
        "at least 16.",
        _young_for_placement("K3", 16),
        ("DECOM", "PLACE"),
        years=(2025, 2027),
    ),
    _rule(
        "372",
        "Child in youth custody or prison should be at least 10.",
        _young_for_placement("R5", 10),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "373",
        "Child placed in a school should be at least 4 years old.",
        _young_for_placement("S1", 4),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "374",
        "Child in residential employment should be at least 14 years old.",
        _young_for_placement("P3", 14),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "375",
        "Hospitalisation coded as a temporary placement exceeds six weeks.",
        _too_long("T1", 42),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "376",
        "Temporary placements coded as being due to holiday of usual foster carer(s) cannot "
        "exceed three weeks.",
        _too_long("T3", 21),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "377",
        "Only two temporary placements coded as being due to holiday of usual foster carer(s) "
        "are allowed in any 12- month period.",
        "select _file, _row from episodes where \"PLACE\" = 'T3' "
        'qualify count(*) over (partition by _cy, "CHILD") > 2',
        ("PLACE",),
    ),
    _rule(
        "378",
        "A child who is placed with parent(s) cannot be looked after under a single period of "
        "accommodation under Section 20 of the Children Act 1989.",
        _episodes("\"PLACE\" = 'P1' and \"LS\" = 'V2'"),
        ("PLACE", "LS"),
    ),
    _rule(
        "379",
        "Temporary placements for unspecified reason (placement code T4) cannot exceed seven days.",
        _too_long("T4", 7),
        ("DECOM", "PLACE"),
    ),
    _rule(
        "380",
        "A period of care cannot start with a temporary placement.",
        _episodes(f"\"PLACE\" in {TEMPORARY} and coalesce(\"RNE\" not in ('P', 'B'), true)"),
        ("PLACE", "RNE"),
    ),
    _rule(
        "381",
        "A period of care cannot end with a temporary placement.",
        _episodes(f'"PLACE" in {TEMPORARY} and "REC" <> \'X1\''),
        ("PLACE", "REC"),
    ),
    _rule(
        "382",
        "A child receiving respite care cannot be in a temporary placement.",
        _episodes(f"\"LS\" in ('V3', 'V4') and \"PLACE\" in {TEMPORARY}"),
        ("LS", "PLACE"),
    ),
    _rule(
        "383",
        "A child in a temporary placement must subsequently return to his/her normal placement.",
        _return_to_placement(False),
        ("PLACE",),
        years=(2023, 2025),
    ),
    _rule(
        "383",
        "A child in a temporary placement must subsequently return to his/her normal placement.",
        _return_to_placement(True),
        ("PLACE",),
        years=(2026, 2027),
    ),
    _rule(
        "384",
        "A child receiving respite care cannot be in a long-term foster placement ",
        _episodes("\"LS\" in ('V3', 'V4') and \"PLACE\" in ('U1', 'U4')"),
        ("PLACE", "LS"),
    ),
    _rule(
        "385",
        "Date episode ceased must be on or before the end of the current collection year.",
        _episodes('"DEC_d" > _end'),
        ("DEC",),
    ),
    _rule(
        "386",
        "Reason episode ceased is adopted but child has reached age 18.",
        _with_header('e."REC" in (\'E11\', \'E12\') and h."DOB_d" + interval 18 year <= e."DEC_d"'),
        ("REC",),
    ),
    _rule(
        "387",
        "Reason episode ceased is child moved into independent living arrangement, but the "
        "child is aged under 14.",
        """
        select e._file, e._row from episodes as e
        left join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
        where e."REC" in ('E5', 'E6') and e."DEC_d" is not null
            and not coalesce(h."DOB_d" + interval 14 year <= e."DEC_d", false)
        """,
        ("REC",),
    ),
    _rule(
        "388",
        "Reason episode ceased is coded new episode begins, but there is no continuation episode.",
        f"""
        select _file, _row from ({ORDERED}) where "DEC_d" is not null and (
            (_n < _of and "REC" = 'X1' and "DEC_d" <> _decom_after)
            or (_n < _of and "REC" <> 'X1' and "DEC_d" = _decom_after)
            or (_n = _of and "REC" = 'X1'))
        """,
        ("REC",),
    ),
    _rule(
        "389",
        "Reason episode ceased is that child transferred to care of adult social care services, "
        "but child is aged under 16.",
        """
        select e._file, e._row from episodes as e
        left join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
        where e."REC" = 'E7' and not coalesce(h."DOB_d" + interval 16 year <= e."DEC_d", false)
        """,
        ("REC",),
    ),
    _rule(
        "390",
        "Reason episode ceased is adopted but child has not been previously placed for adoption.",
        _episodes(
            "\"REC\" in ('E11', 'E12') and coalesce(\"PLACE\" not in ('A3', 'A4', 'A5', 'A6'), "
            "true)"
        ),
        ("PLACE", "REC"),
    ),
    _rule(
        "392b",
        "Child is looked after but no postcodes are recorded. [NOTE: This check may result in "
        "false positives for children formerly UASC, particularly if current & prior year UASC "
        "data not loaded]",
        """
        select e._file, e._row from episodes as e
        where coalesce(e."LS" not in ('V3', 'V4'), true)
            and (e."HOME_POST" is null or e."PL_POST" is null)
            and not exists (select 1 from uasc as u where u._cy = e._cy and u."CHILD" = e."CHILD")
            and not exists (select 1 from uasc_last as u
                where u._cy = e._cy and u."CHILD" = e."CHILD")
        """,
        ("HOME_POST", "PL_POST"),
    ),
    _rule(
        "393",
        "Child is looked after but mother field is not completed.",
        _female_no_mother("2"),
        ("MOTHER",),
        years=(2023, 2024),
    ),
    _rule(
        "393",
        "Child is looked after but mother field is not completed.",
        _female_no_mother("F"),
        ("MOTHER",),
        years=(2025, 2027),
    ),
    _rule(
        "398",
        "Distance field completed but child looked after under legal status V3 or V4.",
        _episodes(
            '"LS" in (\'V3\', \'V4\') and ("HOME_POST" is not null or "PL_POST" is not null)'
        ),
        ("LS", "HOME_POST", "PL_POST"),
    ),
    _rule(
        "399",
        "Mother field, review field or participation field are completed but child is looked "
        "after under legal status V3 or V4.",
        """
        with c as (
            select _cy, "CHILD" from episodes group by all
            having bool_and(coalesce("LS" in ('V3', 'V4'), false))
        ), m as (
            select c._cy, c."CHILD",
                exists (select 1 from header as h where h._cy = c._cy and h."CHILD" = c."CHILD"
                    and h."MOTHER" is not null) as _mother,
                exists (select 1 from reviews as r where r._cy = c._cy and r."CHILD" = c."CHILD"
                    and (r."REVIEW" is not null or r."REVIEW_CODE" is not null)) as _review
            from c
        )
        select e._file, e._row from episodes as e join m using (_cy, "CHILD")
        where m._mother or m._review
        union select h._file, h._row from header as h join m using (_cy, "CHILD")
        where h."MOTHER" is not null or m._review
        union select r._file, r._row from reviews as r join m using (_cy, "CHILD")
        where r."REVIEW" is not null or r."REVIEW_CODE" is not null or m._mother
        """,
        ("MOTHER", "LS", "REVIEW", "REVIEW_CODE"),
    ),
]


NOT_IMPLEMENTED = {
    "903:392d": "`csc pseudonymise` cuts HOME_POST and PL_POST to their sectors, and two "
    "postcodes in one sector are not the same postcode",
}
