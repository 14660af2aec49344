"""The SSDA903 rules on care leavers, continuity and social workers, on small returns laid
out as `csc.dfe.engine` lays them out, for cases the synthetic region does not reach."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from csc import dfe, reference
from csc import rules as rulebook
from csc.dfe.ssda903_r3_continuity import partial_date

YEAR = 2025  # 2024-25


def _relations(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]]) -> None:
    """Every SSDA903 table and its `_last`, from `tables` (name to rows of comma-separated
    values, without the header), the others empty."""
    for kind, spec in reference.tables().items():
        dates = set(rulebook.TABLE_RULES[kind].dates) if kind in rulebook.TABLE_RULES else set()
        for name in (kind, f"{kind}_last"):  # the previous year labelled with this one
            rows = [line.split(",") for line in tables.get(name, [])]
            columns = []
            for i, column in enumerate(spec.columns):
                value = f"nullif(trim(v.col{i}), '')"
                value = value if column == "CHILD" else f"upper({value})"
                columns.append(f'{value} as "{column}"')
                if column in dates:
                    columns.append(
                        f"cast(try_strptime({value}, '%d/%m/%Y') as date) as \"{column}_d\""
                    )
            values = (
                ", ".join("(" + ", ".join(f"'{cell}'" for cell in row) + ")" for row in rows)
                if rows
                else "(" + ", ".join("null" for _ in spec.columns) + ")"
            )
            names = ", ".join(f"col{i}" for i in range(len(spec.columns)))
            con.execute(
                f"""
                create or replace table {name} as
                select {", ".join(columns)}, 'LA:{YEAR}' as _cy, {YEAR} as _year,
                    make_date({YEAR} - 1, 4, 1) as _start, make_date({YEAR}, 3, 31) as _end,
                    '{name}' as _file, row_number() over () + 1 as _row
                from (values {values}) as v({names})
                {"" if rows else "where false"}
                """
            )


def _failing(code: str, tables: dict[str, list[str]]) -> set[tuple[str, int]]:
    (rule,) = [r for r in dfe.rules_for(dfe.SSDA903, YEAR) if r.code == code]
    con = duckdb.connect()
    _relations(con, tables)
    return set(con.execute(rule.sql).fetchall())


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("03/02/2020", dt.date(2020, 2, 3)),
        ("ZZ/02/2020", dt.date(2020, 2, 29)),
        ("01/ZZ/2019", dt.date(2019, 12, 31)),
        ("ZZ/ZZ/ZZZZ", dt.date(2000, 12, 31)),
        ("12/13/2020", None),
        ("01/01/ZZ", None),
        ("2020-01-01", None),
    ],
)
def test_partial_dates_stand_for_their_latest_day(text, date):
    assert duckdb.sql(f"select {partial_date(repr(text))}").fetchall() == [(date,)]


def test_care_leaver_open_at_last_year_end_without_episodes_now():
    tables = {
        "episodes_last": ["A,01/05/2023,S,C2,N1,U1,PR1,,,,,,"],
        "oc3": ["A,01/05/2006,YES,F1,B1", "B,01/05/2006,YES,F1,B1"],
        "episodes": ["B,01/05/2024,S,C2,N1,U1,PR1,,,,,,"],
    }
    assert _failing("1010", tables) == {("oc3", 2)}


def test_still_looked_after_on_the_17th_birthday_is_1007_not_1016():
    tables = {
        "episodes": ["A,01/05/2023,S,C2,N1,U1,PR1,,,,,,"],
        "oc3": ["A,01/06/2007,YES,F1,B1"],
    }
    assert _failing("1007", tables) == {("oc3", 2)}
    assert _failing("1016", tables) == set()


def test_a_lone_social_worker_episode_ending_in_the_last_days_of_march():
    tables = {
        "sw_episodes": [
            "A,01/06/2010,SW1,01/05/2024,28/03/2025,MANAGE",
            "B,01/06/2010,SW1,01/05/2024,20/03/2025,MANAGE",
        ]
    }
    assert _failing("SW11bSTG2", tables) == {("sw_episodes", 2)}
