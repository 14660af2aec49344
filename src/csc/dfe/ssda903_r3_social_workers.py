"""SSDA903: the child's social worker episodes, from 2023-24 (the DfE's rules SW01STG1 to
SW19STG2)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r2_common import OPEN_EPISODES_END
from csc.dfe.ssda903_r3_continuity import partial_date

_SW_DECOM = '"SW_DECOM"'
_SW_DEC = '"SW_DEC"'
_REASONS = (
    "('MANAGE', 'FCONTA', 'LEFTRL', 'ORGRST', 'TSPROC', 'ABSENC', 'CHCHAN', 'PCCHAN', "
    "'SWDIED', 'OTHERS')"
)


def _year_before(alias: str = "") -> str:
    """A year before 1 April, as the DfE's tool counts a year back: 365.2425 days."""
    start = f"{alias}._start" if alias else "_start"
    return f"(cast({start} as timestamp) - interval '365 days 5 hours 49 minutes 12 seconds')"


# The five days before 31 March, and 31 March.
_LAST_DAYS = "between _end - interval 5 day and _end"

# Each social worker episode with the one before it in the child's order of start dates
# (episodes without a valid start date last, in the file's order among equal dates).
_SEQUENCE = """
    select *,
        lag("SW_DEC_d") over w as prev_dec, lag(_row) over w is not null as has_prev
    from sw_episodes
    window w as (partition by _cy, "CHILD" order by "SW_DECOM_d" nulls last, "SW_DEC_d" nulls last,
        _row)
"""

# Outside the 7 days either side of the previous episode's end (or either date missing).
_NOT_WITHIN_7_DAYS = (
    'not coalesce("SW_DECOM_d" between prev_dec - interval 7 day and prev_dec + interval 7 day, '
    "false)"
)


def _sw(condition: str) -> str:
    return f"select _file, _row from sw_episodes where {condition}"


def _seq(condition: str) -> str:
    return f"select _file, _row from ({_SEQUENCE}) where has_prev and ({condition})"


def _rule(code: str, message: str, sql: str, fields: tuple[str, ...], **kw) -> DfeRule:
    return DfeRule(SSDA903, code, message, sql, fields, **kw)


_COMPLETE = "For each social worker episode, information should be complete"
_BEGAN_NOT_DATE = "Date social worker episode began is not a valid date."
_ENDED_ALONE = (
    "Social worker episode has ended before 31 March and no subsequent social worker episode "
    "has been provided."
)
_BEFORE_PREVIOUS_END = (
    "A new social worker episode has started before the end date of the previous social "
    "worker episode."
)
_REASON_NOT_VALID = "The reason for social worker change is not valid."
_ALL_REPORTED = (
    "If a child is looked after on 31 March then all social worker episodes for the full "
    "previous year should be reported, even those whilst they were not looked after"
)
_LESS_THAN_A_DAY = "Social worker episode appears to have lasted for less than 24 hours."


def _all_reported(since: str) -> str:
    """SW12STG2: episodes of care, other than respite, that start or end a period of care
    (ended `since`, or open), with a social worker episode of the child's that started
    neither before the episode ended nor, for a start of care, after it began (or with none).
    The DfE's tool reads an open episode as ending on 31 March."""
    return f"""
        select e._file, e._row
        from (
            select *, case when "DEC" is null then _end else "DEC_d" end as dec_to
            from episodes
        ) as e
        left join sw_episodes as s on s._cy = e._cy and s."CHILD" = e."CHILD"
        where ({since} or e.dec_to is null)
            and (e."LS" is null or e."LS" not in ('V3', 'V4'))
            and (e."RNE" = 'S' or e."REC" is distinct from 'X1')
            and not coalesce(s."SW_DECOM_d" <= e.dec_to and e."REC" is distinct from 'X1',
                false)
            and not coalesce(s."SW_DECOM_d" >= e."DECOM_d" and e."RNE" = 'S', false)
    """


RULES = [
    _rule(
        "SW01STG1",
        "Child looked after on 31 March, but no social worker episode information is reported",
        """
        select e._file, e._row from episodes as e
        where e."DEC" is null and (e."LS" is null or e."LS" not in ('V3', 'V4')) and not (
            exists (select 1 from sw_episodes as s where s._cy = e._cy
                and s."CHILD" = e."CHILD" and s."SW_ID" is not null)
            and exists (select 1 from sw_episodes as s where s._cy = e._cy
                and s."CHILD" = e."CHILD" and s."SW_DECOM" is not null)
            and exists (select 1 from sw_episodes as s where s._cy = e._cy
                and s."CHILD" = e."CHILD" and s."SW_REASON" is not null)
        )
        """,
        ("DEC",),
        years=(2024, 2024),
        difference=OPEN_EPISODES_END + " So the tool finds no child looked after on 31 March, "
        "and would report the episode's row number as a social worker episode's; the warehouse "
        "reports the episode.",
    ),
    _rule(
        "SW01aSTG1",
        _COMPLETE,
        _sw('("SW_DECOM_d" < date \'2023-04-01\' and "SW_ID" is null) or "SW_DECOM_d" is null'),
        ("SW_DECOM", "SW_ID"),
        years=(2025, 2025),
    ),
    _rule(
        "SW01bSTG1",
        _COMPLETE,
        _sw(
            '("SW_DECOM_d" >= date \'2023-04-01\' and ("SW_ID" is null or "SW_REASON" is null))'
            ' or "SW_DECOM_d" is null'
        ),
        ("SW_DECOM", "SW_ID", "SW_REASON"),
        years=(2025, 2025),
    ),
    _rule(
        "SW03STG1",
        _COMPLETE + ".",
        _sw('"SW_ID" is null or "SW_DECOM" is null or "SW_REASON" is null'),
        ("SW_ID", "SW_DECOM", "SW_REASON"),
        years=(2024, 2024),
    ),
    _rule(
        "SW04STG1",
        _BEGAN_NOT_DATE + ".",
        _sw(f'"SW_DECOM" is not null and {partial_date(_SW_DECOM)} is null'),
        ("SW_DECOM",),
        years=(2024, 2025),
    ),
    _rule(
        "SW04STG1",
        _BEGAN_NOT_DATE + ".",
        _sw('"SW_DECOM" is not null and "SW_DECOM_d" is null'),
        ("SW_DECOM",),
        years=(2026, 2027),
    ),
    _rule(
        "SW05STG1",
        _BEGAN_NOT_DATE,
        _sw(f'"SW_DEC" is not null and {partial_date(_SW_DEC)} is null'),
        ("SW_DEC",),
        years=(2024, 2025),
    ),
    _rule(
        "SW05STG1",
        _BEGAN_NOT_DATE,
        _sw('"SW_DEC" is not null and "SW_DEC_d" is null'),
        ("SW_DEC",),
        years=(2026, 2027),
    ),
    _rule(
        "SW06STG2",
        "Social worker episode data should be within the social worker data reporting year.",
        _sw('"SW_DECOM_d" > _end'),
        ("SW_DECOM",),
        years=(2024, 2027),
    ),
    _rule(
        "SW07STG2",
        "Social worker episode end date should be on or after the start of the social worker "
        "reporting period, and should be on or before the collection end date.",
        _sw('"SW_DEC_d" < _start or "SW_DEC_d" > _end'),
        ("SW_DEC",),
        years=(2024, 2024),
    ),
    _rule(
        "SW07STG2",
        "Social worker episode end date should be on or after the start of the social worker "
        "reporting period, and should be on or before the collection end date.",
        _sw(f'"SW_DEC_d" < {_year_before()} or "SW_DEC_d" > _end'),
        ("SW_DEC",),
        years=(2025, 2027),
    ),
    _rule(
        "SW08STG2",
        "A new social worker episode has started, but the previous episode has not ended.",
        """
        select _file, _row from (
            select *, row_number() over (
                partition by _cy, "CHILD"
                order by "SW_DECOM_d" is null desc, "SW_DECOM_d" desc, _row desc
            ) as from_last
            from sw_episodes
        )
        where from_last > 1 and "SW_DEC_d" is null and "CHILD" is not null
            and "SW_DECOM_d" is not null
        """,
        ("SW_DEC",),
        years=(2024, 2027),
    ),
    _rule(
        "SW09STG2",
        _LESS_THAN_A_DAY,
        _sw('"SW_DEC" = "SW_DECOM"'),
        ("SW_DECOM", "SW_DEC"),
        years=(2024, 2025),
    ),
    _rule(
        "SW09STG2",
        _LESS_THAN_A_DAY,
        _sw('"SW_DEC_d" - "SW_DECOM_d" < 3'),
        ("SW_DECOM", "SW_DEC"),
        years=(2026, 2027),
    ),
    _rule(
        "SW10STG2",
        _BEFORE_PREVIOUS_END,
        _seq(_NOT_WITHIN_7_DAYS),
        ("SW_DECOM",),
        years=(2024, 2024),
    ),
    _rule(
        "SW10STG2",
        _BEFORE_PREVIOUS_END,
        _seq(f"\"SW_REASON\" is distinct from 'FCONTA' and {_NOT_WITHIN_7_DAYS}"),
        ("SW_DECOM",),
        years=(2025, 2027),
    ),
    _rule(
        "SW10aSTG2",
        "A new social worker episode has started and it is not within +/- 7 days of a previous "
        "episode.",
        _seq(f"\"SW_REASON\" is distinct from 'FCONTA' and {_NOT_WITHIN_7_DAYS}"),
        ("SW_DECOM",),
        years=(2026, 2027),
    ),
    _rule(
        "SW10bSTG2",
        "A new social worker episode has started with a reason of first contact before the "
        "previous episode has ended.",
        _seq('"SW_REASON" = \'FCONTA\' and "SW_DECOM_d" <= prev_dec'),
        ("SW_DECOM", "SW_REASON"),
        years=(2026, 2027),
    ),
    _rule(
        "SW11aSTG2",
        _ENDED_ALONE,
        """
        select _file, _row from (
            select *, lag("SW_DEC_d") over w as prev_dec,
                lag("CHILD") over w as prev_child
            from sw_episodes
            window w as (partition by _cy order by "CHILD" nulls last,
                "SW_DECOM_d" nulls last, _row)
        )
        where prev_child = "CHILD" and prev_dec <= _end - interval 5 day
            and not coalesce("SW_DECOM_d" between prev_dec - interval 5 day
                and prev_dec + interval 5 day, false)
        """,
        ("SW_DEC",),
        years=(2024, 2024),
    ),
    _rule(
        "SW11bSTG2",
        _ENDED_ALONE,
        f"""
        with ordered as (
            select *,
                lag("SW_DEC_d") over up as prev_dec, lag(_row) over up is not null as has_prev,
                lead("SW_DECOM_d") over down as next_decom,
                count(*) over (partition by _cy, "CHILD") as episodes
            from sw_episodes
            window up as (partition by _cy, "CHILD" order by "SW_DECOM_d" nulls last, _row),
                down as (partition by _cy, "CHILD" order by "SW_DECOM_d" desc nulls last, _row)
        )
        select _file, _row from ordered
        where (has_prev and prev_dec {_LAST_DAYS} and "SW_DECOM_d" is null)
            or ("CHILD" is not null and episodes = 1 and "SW_DEC_d" {_LAST_DAYS})
            or (next_decom < "SW_DEC_d" and "SW_DEC_d" {_LAST_DAYS})
        """,
        ("SW_DEC",),
        years=(2024, 2027),
    ),
    _rule(
        "SW12STG2",
        _ALL_REPORTED,
        _all_reported("true"),
        ("SW_DECOM",),
        years=(2024, 2024),
    ),
    _rule(
        "SW12STG2",
        _ALL_REPORTED,
        _all_reported(f"(e.dec_to >= {_year_before('e')} and e.dec_to <= e._end)"),
        ("SW_DECOM",),
        years=(2025, 2027),
    ),
    _rule(
        "SW13STG1",
        "The reason for social worker change is either not valid or has not been entered.",
        _sw(f'"SW_REASON" is null or "SW_REASON" not in {_REASONS}'),
        ("SW_REASON",),
        years=(2024, 2024),
    ),
    _rule(
        "SW13STG1",
        _REASON_NOT_VALID,
        _sw(
            f'"SW_REASON" not in {_REASONS} '
            'or ("SW_REASON" is null and "SW_DECOM_d" >= date \'2023-04-01\')'
        ),
        ("SW_REASON",),
        years=(2025, 2027),
    ),
    _rule(
        "SW14STG2",
        "Social worker episode date ceased is blank.",
        """
        select _file, _row from (
            select *, row_number() over (
                partition by _cy, "CHILD"
                order by "SW_DECOM_d" is null desc, "SW_DECOM_d" desc, _row desc
            ) as from_last
            from sw_episodes
        )
        where from_last > 1 and "SW_DEC_d" is null
        """,
        ("SW_DEC",),
        years=(2024, 2024),
    ),
    _rule(
        "SW17STG2",
        "There is no social worker episode open at 31 March",
        """
        select _file, _row from (
            select * from sw_episodes
            qualify row_number() over (
                partition by _cy, "CHILD" order by "SW_DECOM_d" desc nulls last, _row
            ) = 1
        )
        where "SW_DEC" is not null
        """,
        ("SW_DEC", "SW_DECOM"),
        years=(2026, 2027),
    ),
    _rule(
        "SW18STG2",
        "The end date of the social worker episode is before the start date",
        _sw('"SW_DEC_d" <= "SW_DECOM_d"'),
        ("SW_DEC", "SW_DECOM"),
        years=(2026, 2027),
    ),
    _rule(
        "SW19STG2",
        "There are 2 social worker episodes for the child starting on the same date.",
        """
        select _file, _row from sw_episodes
        qualify row_number() over (partition by _cy, "CHILD", "SW_DECOM" order by _row) > 1
        """,
        ("SW_DEC", "SW_DECOM"),
        years=(2026, 2027),
    ),
]


NOT_IMPLEMENTED = {
    "903:SW02STG1": "`csc pseudonymise` turns SW_ID into a token before the return reaches the "
    "warehouse, so the ID's own shape cannot be checked",
}
