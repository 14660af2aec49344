"""CIN census: SQL pieces the CIN rule modules share (the census period, working days).

The DfE's census period runs from the day after the return's ReferenceDate a year earlier
to the ReferenceDate itself, both taken from the file's own header; a working day is Monday
to Friday and not a bank holiday in England.
"""

from __future__ import annotations

from csc import reference


def _holidays() -> str:
    return ", ".join(f"date '{day.isoformat()}'" for day in sorted(reference.bank_holidays()))


# Each census file's period: `ref_start` and `ref_end` (the header's ReferenceDate).
PERIOD = """(
    select _file, referencedate_d as ref_end,
        cast(referencedate_d - interval 1 year as date) + 1 as ref_start
    from cin_header
)"""

# Working days in England, numbered in order (`i`), for the years the warehouse covers.
WORKING_DAYS = f"""(
    select d, row_number() over (order by d) as i from (
        select cast(t.range as date) as d
        from range(date '2010-01-01', date '2031-01-01', interval 1 day) as t
    ) where isodow(d) < 6 and d not in ({_holidays()})
)"""


def working_days_back(day: str, days: int) -> str:
    """The working day `days` working days back from `day` counted inclusively: from the
    first working day on or after `day` (itself the first), step back `days - 1`."""
    return f"""(
        select b.d from {WORKING_DAYS} as b
        where b.i = (select min(a.i) from {WORKING_DAYS} as a where a.d >= {day}) - {days - 1}
    )"""


def in_child(alias: str, other: str) -> str:
    """Join condition: rows `alias` and `other` belong to the same <Child>."""
    return f"{other}._file = {alias}._file and {other}._child_number = {alias}._child_number"


def in_referral(alias: str, other: str) -> str:
    """Join condition: rows `alias` and `other` belong to the same <CINdetails>."""
    return f"{in_child(alias, other)} and {other}._referral_number = {alias}._referral_number"
