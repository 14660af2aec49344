"""SSDA903: mother status, UASC status from one year to the next and the UPN against the
previous year's (the DfE's rules 165, 205A to 205D and 208).

A return sent as CSV has no UASC column in its header: a child is UASC in a year by being in
that year's UASC table, as the DfE's tool reads such a return too. Rules 205A to 205C look at
the current UASC rows, with the child's header row this year and, last year, the child's UASC
row and header row."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule, latest_birth


def _rule(code: str, message: str, sql: str, fields: tuple[str, ...], **kw) -> DfeRule:
    return DfeRule(SSDA903, code, message, sql, fields, **kw)


def _mother(male: str, female: str) -> str:
    """Header rows (and the child's OC3 rows) of children with an episode other than respite
    whose MOTHER is not 0 or 1, is given for a boy, is missing for a girl looked after during
    the year, or is given for a girl who was not but is a care leaver."""
    return f"""
        with e as (
            select _cy, "CHILD", bool_or(coalesce(
                coalesce("DEC_d", _end) >= _start and "DECOM_d" <= _end, false)) as _in_year
            from episodes where coalesce("LS" not in ('V3', 'V4'), true)
            group by all
        ), f as (
            select h._file as hf, h._row as hr, o._file as oc3_file, o._row as oc3_row
            from e join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
            left join oc3 as o on o._cy = e._cy and o."CHILD" = e."CHILD"
            where h."MOTHER" not in ('0', '1')
                or (h."MOTHER" is not null and h."SEX" = '{male}')
                or (h."MOTHER" is null and h."SEX" = '{female}' and e._in_year)
                or (h."MOTHER" is not null and h."SEX" = '{female}' and not e._in_year
                    and (o."IN_TOUCH" is not null or o."ACTIV" is not null
                        or o."ACCOM" is not null))
        )
        select hf as _file, hr as _row from f
        union select oc3_file, oc3_row from f where oc3_file is not null
        """


MOTHER_MESSAGE = "Data entry for mother status is invalid."
MOTHER_FIELDS = ("MOTHER", "SEX", "ACTIV", "ACCOM", "IN_TOUCH", "DECOM")

# Whether the child of a row in `{a}` is in this year's header, and whether UASC last year:
# in last year's UASC table and last year's header.
IN_HEADER = 'exists (select 1 from header as h where h._cy = {a}._cy and h."CHILD" = {a}."CHILD")'
UASC_LAST = """exists (select 1 from uasc_last as ul join header_last as hl
    on hl._cy = ul._cy and hl."CHILD" = ul."CHILD"
    where ul._cy = {a}._cy and ul."CHILD" = {a}."CHILD")"""
UNKNOWN_UPN = "('UN1', 'UN2', 'UN3', 'UN4', 'UN5')"

RULES = [
    _rule("165", MOTHER_MESSAGE, _mother("1", "2"), MOTHER_FIELDS, years=(2023, 2024)),
    _rule(
        "165",
        MOTHER_MESSAGE,
        _mother("M", "F"),
        MOTHER_FIELDS,
        years=(2025, 2027),
        difference="From 2024-25 SEX is coded M, F or U; the DfE's tool still takes 1 for a boy "
        "and 2 for a girl, so it only checks that MOTHER is 0 or 1. The warehouse reads M and F.",
    ),
    _rule(
        "205A",
        "Child identified as UASC last year is no longer UASC this year, but date UASC ceased in "
        "both years does not support this.",
        f"""
        select u._file, u._row from uasc as u
        join uasc_last as ul on ul._cy = u._cy and ul."CHILD" = u."CHILD"
        where not {IN_HEADER.format(a="u")}
            and exists (select 1 from header_last as hl
                where hl._cy = ul._cy and hl."CHILD" = ul."CHILD")
            and (u."DUC" is not null or not coalesce(ul."DUC_d"
                between ul._start - interval 1 year and ul._end - interval 1 year, false))
        """,
        ("CHILD", "UASC"),
    ),
    _rule(
        "205B",
        "Child previously identified as UASC is also UASC this year, but date UASC ceased in "
        "both years does not support this.",
        f"""
        with f as (
            select u._file as uf, u._row as ur, h._file as hf, h._row as hr from uasc as u
            join header as h on h._cy = u._cy and h."CHILD" = u."CHILD"
            join uasc_last as ul on ul._cy = u._cy and ul."CHILD" = u."CHILD"
            where exists (select 1 from header_last as hl
                    where hl._cy = ul._cy and hl."CHILD" = ul."CHILD")
                and ((not coalesce(u."DUC_d" between u._start and u._end, false)
                        and not coalesce(u."DUC_d" = ul."DUC_d", false))
                    or not coalesce(ul."DUC_d" between ul."DOB_d" + interval 18 year
                        and {latest_birth("ul")} + interval 18 year, false))
        )
        select uf as _file, ur as _row from f union select hf, hr from f
        """,
        ("DUC", "UASC"),
        difference="A date of birth reaches the warehouse as the first of its month: the "
        "warehouse takes last year's date UASC ceased to be the 18th birthday when it falls in "
        "the month of it; the DfE's tool, on the same pseudonymised file, wants the first of the "
        "month, and so fails almost every child UASC in both years.",
    ),
    _rule(
        "205C",
        "Child not identified as UASC either this year or last year but date UASC ceased has "
        "been provided.",
        f"""
        select u._file, u._row from uasc as u
        where not {IN_HEADER.format(a="u")} and not {UASC_LAST.format(a="u")}
            and (u."DUC_d" is not null or exists (select 1 from uasc_last as ul
                where ul._cy = u._cy and ul."CHILD" = u."CHILD" and ul."DUC_d" is not null))
        """,
        ("DUC", "UASC"),
    ),
    _rule(
        "205D",
        "Child identified as UASC this year but not identified as UASC status provided for the "
        "child last year.",
        """
        select h._file, h._row from header as h
        where exists (select 1 from uasc as u where u._cy = h._cy and u."CHILD" = h."CHILD")
            and exists (select 1 from header_last as l
                where l._cy = h._cy and l."CHILD" = h."CHILD")
            and not exists (select 1 from uasc_last as ul
                where ul._cy = h._cy and ul."CHILD" = h."CHILD")
        """,
        ("UASC", "CHILD"),
    ),
    _rule(
        "208",
        "Unique Pupil Number (UPN) for the current year disagrees with the Unique Pupil Number "
        "(UPN) already recorded for this child.",
        f"""
        select h._file, h._row from header as h
        join header_last as l on l._cy = h._cy and l."CHILD" = h."CHILD"
        where h."UPN" is distinct from l."UPN"
            -- from UN1 or blank to UN2-UN5, from blank to UN1
            and not (coalesce(l."UPN" = 'UN1', true)
                and coalesce(h."UPN" in ('UN2', 'UN3', 'UN4', 'UN5'), false))
            and not (l."UPN" is null and h."UPN" = 'UN1')
            -- from unknown or blank to a UPN
            and not (coalesce(l."UPN" in {UNKNOWN_UPN}, true)
                and h."UPN" is not null and h."UPN" not in {UNKNOWN_UPN})
        """,
        ("UPN",),
        difference="The DfE's tool means to allow a UPN left blank last year and UN1 this year, "
        "but tests last year's blank against UN1, so fails it; the warehouse allows it.",
    ),
]
