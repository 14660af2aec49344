"""SSDA903: the DfE's rules on adoption: the adopters (AD1), decisions that a child should
be placed for adoption, and how both agree with the episodes (the DfE's rules 511 to 525,
551 to 563, 579, 582 to 584, 601, 602 and 1003)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r2_common import OPEN_EPISODES_END

_ADOPTION_PLACES = "('A3', 'A4', 'A5', 'A6')"
_ADOPTERS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")


def _ad1(condition: str) -> str:
    return f"select _file, _row from ad1 where {condition}"


def _placed(condition: str) -> str:
    return f"select _file, _row from placed_adoption where {condition}"


def _both(pairs: str) -> str:
    """The rows of both tables of a `failing` relation of (_file, _row, o_file, o_row)."""
    return (
        f"with failing as ({pairs}) select _file, _row from failing "
        "union select o_file, o_row from failing where o_row is not null"
    )


def _sexes(status: str, allowed: str) -> str:
    return _ad1(f"\"LS_ADOPTR\" = '{status}' and coalesce(\"SEX_ADOPTR\", '') not in {allowed}")


def _order_without_decision(status: str) -> str:
    """Episodes under a placement or freeing order (`status`) of a child with no decision to
    place for adoption; decisions of a child still under the order that say they ceased."""
    return f"""
        select e._file, e._row from episodes as e
        where e."LS" = '{status}' and not exists (
            select 1 from placed_adoption as p where p._cy = e._cy and p."CHILD" = e."CHILD"
        )
        union
        select p._file, p._row from placed_adoption as p
        join episodes as e on e._cy = p._cy and e."CHILD" = p."CHILD"
        where e."LS" = '{status}' and e."DEC" is null
            and (p."DATE_PLACED_CEASED" is not null or p."REASON_PLACED_CEASED" is not null)
    """


def _not_adopted_without_cease(orders: str) -> str:
    """Episodes of a child placed for adoption or under an order (`orders`) that ended other
    than in adoption, with no decision, or with a decision not marked as ceased; and those
    decisions."""
    return f"""
        with eps as (
            select * from episodes
            where ("PLACE" in {_ADOPTION_PLACES} or "LS" in {orders})
                and "REC" is not null and "REC" not in ('E11', 'E12', 'X1')
        )
        select e._file, e._row from eps as e
        where not exists (
                select 1 from placed_adoption as p where p._cy = e._cy and p."CHILD" = e."CHILD"
            ) or exists (
                select 1 from placed_adoption as p
                where p._cy = e._cy and p."CHILD" = e."CHILD"
                    and (p."DATE_PLACED_CEASED" is null or p."REASON_PLACED_CEASED" is null)
            )
        union
        select p._file, p._row from placed_adoption as p
        where (p."DATE_PLACED_CEASED" is null or p."REASON_PLACED_CEASED" is null)
            and exists (select 1 from eps as e where e._cy = p._cy and e."CHILD" = p."CHILD")
    """


_ADOPTED_IN_YEAR = """
    select * from episodes
    where "REC" in ('E11', 'E12') and "DEC_d" between _start and _end
"""

RULES = [
    DfeRule(
        SSDA903,
        "511",
        "If reporting that the number of person(s) adopting the looked after child is two "
        "adopters then the code should only be MM, FF or MF. MM = the adopting couple are both "
        "males; FF = the adopting couple are both females; MF = The adopting couple are male and "
        "female.",
        _ad1("\"NB_ADOPTR\" = '2' and \"SEX_ADOPTR\" in ('M1', 'F1')"),
        ("NB_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "514",
        "Data entry on the legal status of adopters shows a single adopter but data entry for "
        "the numbers of adopters shows it as a couple.",
        _sexes("L0", "('M1', 'F1')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "517",
        "If reporting legal status of adopters is L3 then the genders of adopters should be coded "
        "as MF. MF = the adopting couple are male and female.",
        _sexes("L3", "('MF')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "518",
        "If reporting legal status of adopters is L4 then the genders of adopters should be coded "
        "as MM or FF. MM = the adopting couple are both males. FF = the adopting couple are both "
        "females.",
        _sexes("L4", "('MM', 'FF')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "519",
        "Data entered on the legal status of adopters shows civil partnership couple, but data "
        "entered on genders of adopters does not show it as a couple.",
        _sexes("L2", "('MM', 'FF', 'MF')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "520",
        "Data entry on the legal status of adopters shows different gender married couple but "
        "data entry on genders of adopters shows it as a same gender couple.",
        _sexes("L11", "('MF')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "521",
        "Date of local authority's decision (LA) that adoption is in the best interests of the "
        "child (date should be placed) must be on or prior to the date the child is placed for "
        "adoption.",
        _both(
            f"""select e._file, e._row, a._file as o_file, a._row as o_row
            from episodes as e join ad1 as a on a._cy = e._cy and a."CHILD" = e."CHILD"
            where e."PLACE" in {_ADOPTION_PLACES} and a."DATE_INT_d" > e."DECOM_d" """
        ),
        ("PLACE", "DECOM", "DATE_INT"),
    ),
    DfeRule(
        SSDA903,
        "522",
        "Date of decision that the child should be placed for adoption must be on or before the "
        "date that a child should no longer be placed for adoption.",
        _placed('"DATE_PLACED_CEASED_d" < "DATE_PLACED_d"'),
        ("DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    DfeRule(
        SSDA903,
        "523",
        "Date of decision that the child should be placed for adoption should be the same date "
        "as the decision that adoption is in the best interest (date should be placed).",
        _both(
            """select p._file, p._row, a._file as o_file, a._row as o_row
            from placed_adoption as p join ad1 as a on a._cy = p._cy and a."CHILD" = p."CHILD"
            where a."DATE_INT_d" <> p."DATE_PLACED_d" """
        ),
        ("DATE_PLACED", "DATE_INT"),
    ),
    DfeRule(
        SSDA903,
        "524",
        "If reporting legal status of adopters is L12 then the genders of adopters should be "
        "coded as MM or FF. MM = the adopting couple are both males. FF = the adopting couple "
        "are both females",
        _sexes("L12", "('MM', 'FF')"),
        ("LS_ADOPTR", "SEX_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "525",
        "A child for whom the decision to be placed for adoption has been reversed cannot be "
        "adopted during the year.",
        _both(
            f"""select p._file, p._row, a._file as o_file, a._row as o_row
            from placed_adoption as p join ad1 as a on a._cy = p._cy and a."CHILD" = p."CHILD"
            where p."DATE_PLACED_CEASED" is not null
                and ({" or ".join(f'a."{c}" is not null' for c in _ADOPTERS)})"""
        ),
        ("DATE_PLACED_CEASED",) + _ADOPTERS,
    ),
    DfeRule(
        SSDA903,
        "551",
        "Child has been placed for adoption but there is no date of the decision that the child "
        "should be placed for adoption.",
        f"""
        select e._file, e._row from episodes as e
        where e."PLACE" in {_ADOPTION_PLACES} and (
            not exists (
                select 1 from placed_adoption as p where p._cy = e._cy and p."CHILD" = e."CHILD"
            ) or exists (
                select 1 from placed_adoption as p
                where p._cy = e._cy and p."CHILD" = e."CHILD" and p."DATE_PLACED" is null
            )
        )
        """,
        ("DATE_PLACED", "PLACE"),
    ),
    DfeRule(
        SSDA903,
        "552",
        "Date of Decision to place a child for adoption should be on or prior to the date that "
        "the child was placed for adoption.",
        _both(
            f"""with decision as (
                select * from placed_adoption where "DATE_PLACED_d" is not null
                qualify row_number() over (
                    partition by _cy, "CHILD" order by "DATE_PLACED_d" desc, _row
                ) = 1
            ),
            placed as (
                select * from episodes
                where "PLACE" in {_ADOPTION_PLACES} and "DECOM_d" is not null
                qualify row_number() over (
                    partition by _cy, "CHILD" order by "DECOM_d", _row
                ) = 1
            )
            select e._file, e._row, p._file as o_file, p._row as o_row
            from placed as e join decision as p on p._cy = e._cy and p."CHILD" = e."CHILD"
            where e."DECOM_d" < p."DATE_PLACED_d" """
        ),
        ("DATE_PLACED", "DECOM"),
    ),
    DfeRule(
        SSDA903,
        "553",
        "Placement order has been granted but there is no date of decision that the child should "
        "be placed for adoption.",
        _order_without_decision("E1"),
        ("CHILD", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "554",
        "Date of decision that the child should be placed for adoption should be on or prior to "
        "the date that the placement order was granted. [NOTE: This rule may result in false "
        "positives or false negatives if relevant episodes are in previous years; please check "
        "carefully!]",
        _both(
            """with first_e1 as (
                select * from episodes where "LS" = 'E1' and "DECOM_d" is not null
                qualify row_number() over (
                    partition by _cy, "CHILD" order by "DECOM_d", _row
                ) = 1
            )
            select e._file, e._row, p._file as o_file, p._row as o_row
            from first_e1 as e
            join placed_adoption as p on p._cy = e._cy and p."CHILD" = e."CHILD"
            where p."DATE_PLACED_d" > e."DECOM_d" """
        ),
        ("DATE_PLACED", "DECOM", "LS"),
    ),
    DfeRule(
        SSDA903,
        "555",
        "Freeing order has been granted but there is no date of decision that the child should "
        "be placed for adoption.",
        _order_without_decision("D1"),
        ("CHILD", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        years=(2023, 2024),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "556",
        "Date of decision that the child should be placed for adoption should be on or prior to "
        "the date that the freeing order was granted.",
        """
        select e._file, e._row from episodes as e
        join placed_adoption as p on p._cy = e._cy and p."CHILD" = e."CHILD"
        where e."LS" = 'D1' and p."DATE_PLACED_d" > e."DECOM_d"
        """,
        ("DATE_PLACED", "DECOM"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "557",
        "Child for whom the decision was made that they should be placed for adoption has left "
        "care but was not adopted and information on the decision that they should no longer be "
        "placed for adoption items has not been completed.",
        _not_adopted_without_cease("('D1', 'E1')"),
        ("DATE_PLACED_CEASED", "REASON_PLACED_CEASED", "PLACE", "LS", "REC"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "557",
        "Child for whom the decision was made that they should be placed for adoption has left "
        "care but was not adopted and information on the decision that they should no longer be "
        "placed for adoption items has not been completed.",
        _not_adopted_without_cease("('E1')"),
        ("DATE_PLACED_CEASED", "REASON_PLACED_CEASED", "PLACE", "LS", "REC"),
        years=(2025, 2027),
    ),
    DfeRule(
        SSDA903,
        "558",
        "If a child has been adopted, then the decision to place them for adoption has not been "
        "disrupted and the date of the decision that a child should no longer be placed for "
        "adoption should be left blank.",
        """
        with adopted as (
            select * from episodes where "REC" in ('E11', 'E12')
        ),
        children as (
            select e._cy, e."CHILD", count(*) as pairs,
                bool_or(p."DATE_PLACED_CEASED" is null) as some_blank
            from adopted as e
            left join placed_adoption as p on p._cy = e._cy and p."CHILD" = e."CHILD"
            group by all
        )
        select e._file, e._row from adopted as e
        join children as c on c._cy = e._cy and c."CHILD" = e."CHILD"
        where not c.some_blank and c.pairs > 1
        """,
        ("DATE_PLACED_CEASED", "REC"),
    ),
    DfeRule(
        SSDA903,
        "559",
        "Date of decision that a child should be placed for adoption was not in the current "
        "year but the date of the decision that the child should be placed for adoption was not "
        "completed in a previous return.",
        """
        select p._file, p._row from placed_adoption as p
        where p."DATE_PLACED_d" < p._start
            and exists (select 1 from placed_adoption_last as x where x._cy = p._cy)
            and (
                not exists (
                    select 1 from placed_adoption_last as l
                    where l._cy = p._cy and l."CHILD" = p."CHILD"
                ) or exists (
                    select 1 from placed_adoption_last as l
                    where l._cy = p._cy and l."CHILD" = p."CHILD" and l."DATE_PLACED_d" is null
                )
            )
        """,
        ("DATE_PLACED",),
    ),
    DfeRule(
        SSDA903,
        "560",
        "Date of decision that the child should be placed for adoption this year is different "
        "from that recorded last year but the decision to place the child for adoption did not "
        "change.",
        """
        select p._file, p._row from placed_adoption as p
        join placed_adoption_last as l on l._cy = p._cy and l."CHILD" = p."CHILD"
        where l."DATE_PLACED" is not null and l."DATE_PLACED_CEASED" is null
            and p."DATE_PLACED" is distinct from l."DATE_PLACED"
        """,
        ("DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    DfeRule(
        SSDA903,
        "561",
        "Date of the decision that the child should be placed for adoption this year is the same "
        "as that recorded last year but records show that the decision changed, and the child "
        "should no longer be placed for adoption last year.",
        """
        select p._file, p._row from placed_adoption as p
        join placed_adoption_last as l on l._cy = p._cy and l."CHILD" = p."CHILD"
        where p."DATE_PLACED" = l."DATE_PLACED"
            and (l."REASON_PLACED_CEASED" is not null or l."DATE_PLACED_CEASED" is not null)
        """,
        ("DATE_PLACED",),
    ),
    DfeRule(
        SSDA903,
        "563",
        "The child should no longer be placed for adoption but the date of the decision that "
        "the child should be placed for adoption is blank",
        _placed(
            '"REASON_PLACED_CEASED" is not null and "DATE_PLACED_CEASED" is not null '
            'and "DATE_PLACED" is null'
        ),
        ("DATE_PLACED", "REASON_PLACED_CEASED", "DATE_PLACED_CEASED"),
    ),
    DfeRule(
        SSDA903,
        "579",
        "A new decision that the child should be placed for adoption this year cannot start when "
        "the previous decision is still open. Decisions to place the child for adoption should "
        "also not overlap. The date of any new decision to place the child for adoption must not "
        "be before the date placed ceased of previous decisions.",
        """
        select _file, _row from (
            select *, lag("DATE_PLACED_CEASED_d") over w as prev_ceased,
                lag(_row) over w is not null and "CHILD" is not null as has_prev
            from placed_adoption
            window w as (partition by _cy, "CHILD" order by "DATE_PLACED_d" nulls last, _row)
        ) where has_prev and (prev_ceased is null or "DATE_PLACED_d" < prev_ceased)
        """,
        ("DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    DfeRule(
        SSDA903,
        "582",
        "Child is showing as ceasing to be looked after due to adoption, but the date of "
        "adoption is the same as the date reported for being matched with adopters. In most "
        "circumstances we expect the date the child is matched with adopters to be before the "
        "date of adoption.",
        """
        select e._file, e._row from episodes as e
        join ad1 as a on a._cy = e._cy and a."CHILD" = e."CHILD"
        where e."REC" in ('E11', 'E12') and e."DEC" = a."DATE_MATCH"
        """,
        ("DEC", "DATE_MATCH"),
    ),
    DfeRule(
        SSDA903,
        "583",
        "More than one date the child should be placed for adoption has been reported, but an "
        "earlier decision has not been revoked. Check that both dates are required and add in "
        "the date the earlier decision was revoked. Note this may be in a previous year.",
        """
        select _file, _row from (
            select *, row_number() over (
                partition by _cy, "CHILD" order by "DATE_PLACED_d" desc nulls last, _row
            ) as n
            from placed_adoption
        ) where n > 1 and "DATE_PLACED_CEASED" is null
        """,
        ("DATE_PLACED", "DATE_PLACED_CEASED"),
        difference="The DfE's tool finds a child's latest decision by sorting the dates as "
        "text (dd/mm/YYYY), so 31/01/2020 counts as later than 01/12/2023; the warehouse takes "
        "the latest date.",
    ),
    DfeRule(
        SSDA903,
        "584",
        "Date of decision that the child should be placed for adoption this year is different "
        "from that recorded last year, but the decision to placed the child for adoption changed "
        "and the child should no longer be placed for adoption.",
        """
        select p._file, p._row from placed_adoption as p
        join placed_adoption_last as l on l._cy = p._cy and l."CHILD" = p."CHILD"
        where (l."DATE_PLACED_CEASED" is not null or l."REASON_PLACED_CEASED" is not null)
            and (p."DATE_PLACED" is null or p."DATE_PLACED_d" <= l."DATE_PLACED_d")
        """,
        ("DATE_PLACED",),
        difference="The DfE's tool compares the dates as text (dd/mm/YYYY) and then reports "
        "the rows whose position in the file equals the position of a failing pair in its "
        "joined table, not the failing rows; the warehouse reports each decision whose date is "
        "blank or not after a decision of last year's return that ceased.",
    ),
    DfeRule(
        SSDA903,
        "601",
        "The additional fields relating to adoption have not been completed although the "
        "episode data shows that the child was adopted during the year.",
        _both(
            f"""select a._file, a._row, e._file as o_file, e._row as o_row
            from ({_ADOPTED_IN_YEAR}) as e
            join ad1 as a on a._cy = e._cy and a."CHILD" = e."CHILD"
            where {" or ".join(f'a."{c}" is null' for c in _ADOPTERS)}"""
        ),
        ("REC",) + _ADOPTERS,
    ),
    DfeRule(
        SSDA903,
        "602",
        "The episode data submitted for this child does not show that he/she was adopted during "
        "the year.",
        f"""
        select a._file, a._row from ad1 as a
        where ({" or ".join(f'a."{c}" is not null' for c in _ADOPTERS)})
            and not exists (
                select 1 from ({_ADOPTED_IN_YEAR}) as e
                where e._cy = a._cy and e."CHILD" = a."CHILD"
            )
        """,
        ("CHILD",),
    ),
    DfeRule(
        SSDA903,
        "1003",
        "Date of LA's decision that a child should be placed for adoption is before the child "
        "started to be looked after.",
        _both(
            """with first_s as (
                select * from episodes where "RNE" = 'S' and "DECOM_d" is not null
                qualify row_number() over (
                    partition by _cy, "CHILD" order by "DECOM_d", _row
                ) = 1
            )
            select e._file, e._row, p._file as o_file, p._row as o_row
            from first_s as e
            join placed_adoption as p on p._cy = e._cy and p."CHILD" = e."CHILD"
            where p."DATE_PLACED_d" < e."DECOM_d" """
        ),
        ("DATE_PLACED", "DECOM", "RNE"),
    ),
]
