"""SSDA903: the DfE's rules on a child's episodes of care, one after another and across
the years (the DfE's rules 407 to 504, 516 to 531, 550, 562 and 1009)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule
from csc.dfe.ssda903_r2_common import OPEN_EPISODES_END

# Each episode with the one before it in the child's order of start dates (the DfE's tool
# puts episodes without a start date last, and keeps the file's order among equal dates).
_SEQUENCE = """
    select *,
        lag("DEC_d") over w as prev_dec_d, lag("DEC") over w as prev_dec,
        lag("REC") over w as prev_rec, lag("LS") over w as prev_ls,
        lag("CIN") over w as prev_cin, lag("PLACE") over w as prev_place,
        lag("PL_POST") over w as prev_pl_post, lag("URN") over w as prev_urn,
        lag("PLACE_PROVIDER") over w as prev_provider,
        lag(_row) over w is not null and "CHILD" is not null as has_prev,
        lead(_row) over w is not null and "CHILD" is not null as has_next
    from episodes
    window w as (partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row)
"""

# The child's first episode of this year and latest episode of last year's return, when
# last year's return is there.
_FIRST_AND_LAST_YEAR = """
    with first_ep as (
        select * from episodes
        qualify row_number() over (
            partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row
        ) = 1 and "DECOM_d" is not null
    ),
    last_ep as (
        select * from episodes_last
        qualify row_number() over (
            partition by _cy, "CHILD" order by "DECOM_d" desc nulls last, _row
        ) = 1 and "DECOM_d" is not null
    )
    select f.*, l."DEC_d" as last_dec, l."RNE" as last_rne, l."LS" as last_ls,
        l."CIN" as last_cin, l."PLACE" as last_place, l."PLACE_PROVIDER" as last_provider,
        l."URN" as last_urn
    from first_ep as f join last_ep as l on l._cy = f._cy and l."CHILD" = f."CHILD"
"""


def _seq(condition: str) -> str:
    return f"select _file, _row from ({_SEQUENCE}) where has_prev and ({condition})"


def _episodes(condition: str) -> str:
    return f"select _file, _row from episodes where {condition}"


def _differs_from_last_year(column: str, exception: str = "false") -> str:
    last = f"last_{column.lower()}" if column != "PLACE_PROVIDER" else "last_provider"
    return f"""
        select _file, _row from ({_FIRST_AND_LAST_YEAR})
        where last_dec is null and "{column}" is distinct from {last} and not ({exception})
    """


_ADOPTION_PLACES = "('A3', 'A4', 'A5', 'A6')"

# 503D: the changes of placement code the DfE allows across a year's end.
_PLACE_ALLOWED = """
    (_year in (2024, 2025) and "PLACE" = 'K3' and last_place = 'H5')
    or (_year = 2026 and "PLACE" in ('Z11', 'Z12', 'Z13', 'Z14') and last_place = 'Z1')
"""

_PROVIDER_NEEDED_2025 = "('T0', 'T1', 'T2', 'T3', 'T4', 'Z1')"
_PROVIDER_NEEDED_2026 = "('T0', 'T1', 'T2', 'T3', 'T4', 'Z11', 'Z12', 'Z13', 'Z14')"

_REASONS_PLACE_CHANGE = (
    "('CARPL', 'CLOSE', 'ALLEG', 'STAND', 'APPRR', 'CREQB', 'CREQO', 'CHILD', 'LAREQ', "
    "'PLACE', 'CUSTOD', 'OTHER')"
)

_CEASED = (
    "('E2', 'E3', 'E4A', 'E4B', 'E5', 'E6', 'E7', 'E8', 'E9', 'E11', 'E12', 'E13', 'E14', "
    "'E15', 'E16', 'E17', 'E41', 'E45', 'E46', 'E47', 'E48')"
)


def _provider(code: str, places: str) -> str:
    return _episodes(f'"PLACE" in {places} and "PLACE_PROVIDER" = \'{code}\'')


RULES = [
    DfeRule(
        SSDA903,
        "407",
        "Reason episode ceased is Special Guardianship Order, but child has reached age 18.",
        """
        with failing as (
            select e._file, e._row, h._file as h_file, h._row as h_row
            from episodes as e
            join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
            where e."REC" in ('E45', 'E46', 'E47', 'E48')
                and h."DOB_d" + interval 18 year < e."DEC_d"
        )
        select _file, _row from failing union select h_file, h_row from failing
        """,
        ("DEC", "DOB", "REC"),
    ),
    DfeRule(
        SSDA903,
        "408",
        "Child is placed for adoption with a placement order, but no placement order has been "
        "recorded.",
        _episodes("\"PLACE\" in ('A5', 'A6') and \"LS\" is distinct from 'E1'"),
        ("PLACE", "LS"),
    ),
    DfeRule(
        SSDA903,
        "426",
        "A child receiving respite care cannot be recorded under a legal status of V3 and V4 in "
        "the same year.",
        """
        select _file, _row from (
            select _file, _row, "LS",
                bool_or("LS" = 'V3') over c and bool_or("LS" = 'V4') over c as v3_and_v4
            from episodes window c as (partition by _cy, "CHILD")
        ) where v3_and_v4 and "LS" in ('V3', 'V4')
        """,
        ("LS",),
    ),
    DfeRule(
        SSDA903,
        "431",
        "The reason for new episode is started to be looked after, but the previous episode "
        "ended on the same day.",
        _seq('"RNE" = \'S\' and "DECOM_d" <= prev_dec_d'),
        ("RNE", "DECOM"),
    ),
    DfeRule(
        SSDA903,
        "432",
        "The child ceased to be looked after at the end of the previous episode but the reason "
        "for the new episode is not started to be looked after.",
        _seq(f"prev_rec in {_CEASED} and \"RNE\" is distinct from 'S'"),
        ("RNE",),
    ),
    DfeRule(
        SSDA903,
        "433",
        "The reason for new episode suggests that this is a continuation episode, but the "
        "episode does not start on the same day as the last episode finished.",
        """
        select _file, _row from (
            select *, lag("DEC") over w as prev_dec,
                lag(_row) over w is not null and "CHILD" is not null as has_prev
            from episodes
            window w as (
                partition by _cy, "CHILD" order by "DECOM_d" nulls last, "DEC_d" nulls last, _row
            )
        )
        where has_prev and "RNE" in ('P', 'L', 'T', 'U', 'B')
            and (prev_dec is null or "DECOM" is null or prev_dec <> "DECOM")
        """,
        ("RNE", "DECOM"),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "434",
        "Reason for new episode is that child's legal status has changed but not the placement, "
        "but this is not reflected in the episode data.",
        _seq(
            """"RNE" = 'L' and ("LS" = prev_ls
                or coalesce("PLACE", '') <> coalesce(prev_place, '')
                or coalesce("PL_POST", '') <> coalesce(prev_pl_post, '')
                or coalesce("URN", '') <> coalesce(prev_urn, '')
                or coalesce("PLACE_PROVIDER", '') <> coalesce(prev_provider, ''))"""
        ),
        ("RNE", "LS", "PLACE", "PL_POST", "URN", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "435",
        "Reason for new episode is that child’s placement has changed but not the legal status, "
        "but this is not reflected in the episode data recorded.",
        _seq(
            """"RNE" in ('P', 'T') and (coalesce("LS" <> prev_ls, true)
                or ("PLACE" = prev_place and "PL_POST" = prev_pl_post and "URN" = prev_urn
                    and "PLACE_PROVIDER" = prev_provider))"""
        ),
        ("LS", "PLACE", "PL_POST", "URN", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "436",
        "Reason for new episode is that both child’s placement and legal status have changed, "
        "but this is not reflected in the episode data.",
        _seq(
            """"RNE" in ('U', 'B') and (coalesce("LS", '*') = coalesce(prev_ls, '*')
                or (coalesce("PLACE", '*') = coalesce(prev_place, '*')
                    and coalesce("PL_POST", '*') = coalesce(prev_pl_post, '*')
                    and coalesce("URN", '*') = coalesce(prev_urn, '*')
                    and coalesce("PLACE_PROVIDER", '*') = coalesce(prev_provider, '*')))"""
        ),
        ("RNE", "LS", "PLACE", "PL_POST", "URN", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "437",
        "Reason episode ceased is child has died or is aged 18 or over but there are further "
        "episodes.",
        f"""select _file, _row from ({_SEQUENCE})
        where has_next and "DECOM_d" is not null and "REC" in ('E2', 'E15')""",
        ("REC",),
    ),
    DfeRule(
        SSDA903,
        "444",
        "Duplicate UPN has been reported",
        """
        select _file, _row from (
            select _file, _row, "UPN",
                count(*) over (partition by _cy, "UPN") as n from header
        ) where "UPN" is not null and "UPN" not in ('UN1', 'UN2', 'UN3', 'UN4', 'UN5') and n > 1
        """,
        ("UPN",),
        years=(2026, 2027),
    ),
    DfeRule(
        SSDA903,
        "445",
        "D1 is not a valid code for episodes starting after December 2005.",
        _episodes("\"LS\" = 'D1' and \"DECOM_d\" > date '2005-12-31'"),
        ("LS", "DECOM"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "446",
        "E1 is not a valid code for episodes starting before December 2005.",
        _episodes("\"LS\" = 'E1' and \"DECOM_d\" < date '2005-12-01'"),
        ("LS", "DECOM"),
    ),
    DfeRule(
        SSDA903,
        "451",
        "Child is still freed for adoption, but freeing orders could not be applied for since "
        "30 December 2005.",
        _episodes('"DEC" is null and "REC" is null and "LS" = \'D1\''),
        ("DEC", "REC", "LS"),
        years=(2023, 2024),
        difference=OPEN_EPISODES_END,
    ),
    DfeRule(
        SSDA903,
        "460",
        "Reason episode ceased is that child stayed with current carers at age 18 (or above), "
        "but child is aged under 18.",
        """
        select e._file, e._row from episodes as e
        join header as h on h._cy = e._cy and h."CHILD" = e."CHILD"
        where e."REC" = 'E17' and h."DOB_d" + interval 18 year > e."DEC_d"
        """,
        ("DEC", "REC"),
    ),
    DfeRule(
        SSDA903,
        "501",
        "A new episode has started before the end date of the previous episode.",
        _seq('"DECOM_d" < prev_dec_d'),
        ("DECOM", "DEC"),
    ),
    DfeRule(
        SSDA903,
        "502",
        "Last year's record ended with an open episode. The date on which that episode started "
        "does not match the start date of the first episode on this year’s record.",
        """
        with first_ep as (
            select * from episodes
            qualify row_number() over (
                partition by _cy, "CHILD" order by "DECOM_d" nulls last, _row
            ) = 1 and "DECOM_d" is not null
        )
        select f._file, f._row from first_ep as f
        join episodes_last as l on l._cy = f._cy and l."CHILD" = f."CHILD"
        where l."DEC" is null and f."DECOM_d" is distinct from l."DECOM_d"
        """,
        ("DECOM",),
    ),
    DfeRule(
        SSDA903,
        "503A",
        "The reason for new episode in the first episode does not match open episode at end of "
        "last year.",
        _differs_from_last_year("RNE"),
        ("RNE",),
    ),
    DfeRule(
        SSDA903,
        "503B",
        "The legal status in the first episode does not match open episode at end of last year.",
        _differs_from_last_year("LS"),
        ("LS",),
    ),
    DfeRule(
        SSDA903,
        "503C",
        "The category of need in the first episode does not match open episode at end of last "
        "year.",
        _differs_from_last_year("CIN"),
        ("CIN",),
    ),
    DfeRule(
        SSDA903,
        "503D",
        "The placement type in the first episode does not match open episode at end of last year",
        _differs_from_last_year("PLACE", _PLACE_ALLOWED),
        ("PLACE",),
    ),
    DfeRule(
        SSDA903,
        "503E",
        "The placement provider in the first episode does not match open episode at end of last "
        "year.",
        _differs_from_last_year("PLACE_PROVIDER"),
        ("PLACE_PROVIDER",),
    ),
    DfeRule(
        SSDA903,
        "503F",
        "The Ofsted URN in the  first episode does not match open episode at end of last year.",
        _differs_from_last_year("URN"),
        ("URN",),
    ),
    DfeRule(
        SSDA903,
        "504",
        "The category of need code differs from that reported at start of current period of "
        "being looked after",
        _seq('prev_rec = \'X1\' and prev_dec_d = "DECOM_d" and "CIN" is distinct from prev_cin'),
        ("CIN",),
    ),
    DfeRule(
        SSDA903,
        "516",
        "The episode data submitted for this child does not show that he/she was with their "
        "former foster carer(s) during the year.If the code in the reason episode ceased is E45 "
        "or E46 the child must have a placement code of U1 to U6.",
        _episodes(
            "\"REC\" in ('E45', 'E46') "
            "and coalesce(\"PLACE\", '') not in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')"
        ),
        ("REC", "PLACE"),
    ),
    DfeRule(
        SSDA903,
        "526",
        "Child is missing a placement provider code for at least one episode.",
        _episodes(
            f'coalesce("PLACE", \'\') not in {_PROVIDER_NEEDED_2025} and "PLACE_PROVIDER" is null'
        ),
        ("PLACE", "PLACE_PROVIDER"),
        years=(2023, 2025),
    ),
    DfeRule(
        SSDA903,
        "526",
        "Child is missing a placement provider code for at least one episode.",
        _episodes(
            f'coalesce("PLACE", \'\') not in {_PROVIDER_NEEDED_2026} and "PLACE_PROVIDER" is null'
        ),
        ("PLACE", "PLACE_PROVIDER"),
        years=(2026, 2027),
    ),
    DfeRule(
        SSDA903,
        "527",
        "A placement provider code of PR1 cannot be associated with placements P1, R2 or R5.",
        _provider("PR1", "('P1', 'R2', 'R5')"),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "528",
        "A placement provider code of PR2 cannot be associated with placements P1, R2 or R5.",
        _provider("PR2", "('P1', 'R2', 'R5')"),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "529",
        "Placement provider code of PR3 cannot be associated with placements P1, A3 to A6, K1, "
        "K2 and U1 to U6 as these placements cannot be provided by other public organisations.",
        _provider(
            "PR3",
            "('A3', 'A4', 'A5', 'A6', 'K1', 'K2', 'P1', 'U1', 'U2', 'U3', 'U4', 'U5', 'U6')",
        ),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "530",
        "A placement provider code of PR4 cannot be associated with placement P1.",
        _provider("PR4", "('P1')"),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "531",
        "A placement provider code of PR5 cannot be associated with placements P1.",
        _provider("PR5", "('P1')"),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "550",
        "A placement provider code of PR0 can only be associated with placement P1.",
        _episodes("\"PLACE\" is distinct from 'P1' and \"PLACE_PROVIDER\" = 'PR0'"),
        ("PLACE", "PLACE_PROVIDER"),
    ),
    DfeRule(
        SSDA903,
        "562",
        "Episode commenced before the start of the current collection year but there is a "
        "missing continuous episode in the previous year.",
        """
        with first_ep as (
            select * from episodes where "DECOM_d" < _start
            qualify row_number() over (partition by _cy, "CHILD" order by "DECOM_d", _row) = 1
        ),
        last_ep as (
            select * from episodes_last
            qualify row_number() over (
                partition by _cy, "CHILD" order by "DECOM_d" desc nulls last, _row
            ) = 1
        )
        select f._file, f._row from first_ep as f
        where exists (select 1 from episodes_last as x where x._cy = f._cy)
            and not exists (
                select 1 from last_ep as l
                where l._cy = f._cy and l."CHILD" = f."CHILD" and l."DECOM_d" = f."DECOM_d"
            )
        """,
        ("DECOM",),
    ),
    DfeRule(
        SSDA903,
        "1009",
        "Reason for placement change is not a valid code.",
        _episodes(
            '"REASON_PLACE_CHANGE" is not null '
            f'and "REASON_PLACE_CHANGE" not in {_REASONS_PLACE_CHANGE}'
        ),
        ("REASON_PLACE_CHANGE",),
    ),
]

_POSTCODES = (
    "needs the placement's local authority, location or distance, which the DfE's tool derives "
    "from the home and placement postcodes with the ONS postcode directory; the warehouse does "
    "not hold the directory"
)

NOT_IMPLEMENTED = {
    f"903:{code}": _POSTCODES
    for code in ("406", "411", "420", "452", "453", "454", "503G", "503H", "503J", "1015")
} | {
    "903:442": "`csc pseudonymise` blanks the UPN before the return reaches the warehouse, so "
    "every child would fail",
    "903:1008": "needs Ofsted's lists of providers and their URNs, which the warehouse does not "
    "hold",
}
