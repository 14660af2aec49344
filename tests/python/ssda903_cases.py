"""Small SSDA903 returns laid out as `csc.dfe.engine` lays them out, for testing the DfE
rules on cases the synthetic region does not reach.

A case is a dict from a relation's name (`episodes`, or `episodes_last` for the previous
year's, labelled with this year) to its rows as comma-separated values without the header;
every other table is empty. A failing row is named by its relation and its row as a
spreadsheet shows it (the header is row 1), as the engine names it by file and row.
"""

from __future__ import annotations

import duckdb

from csc import dfe, reference
from csc import rules as rulebook


def lay_out(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], year: int) -> None:
    """Every SSDA903 table and its `_last`, from `tables`, the others empty."""
    for kind, spec in reference.tables().items():
        dates = set(rulebook.TABLE_RULES[kind].dates) if kind in rulebook.TABLE_RULES else set()
        for name in (kind, f"{kind}_last"):
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
                select {", ".join(columns)}, 'LA:{year}' as _cy, {year} as _year,
                    make_date({year} - 1, 4, 1) as _start, make_date({year}, 3, 31) as _end,
                    '{name}' as _file, row_number() over () + 1 as _row
                from (values {values}) as v({names})
                {"" if rows else "where false"}
                """
            )


def failing(code: str, tables: dict[str, list[str]], year: int) -> set[tuple[str, int]]:
    """The rows the warehouse's rule `code` of `year` (the year ending) fails in `tables`."""
    (rule,) = [r for r in dfe.rules_for(dfe.SSDA903, year) if r.code == code]
    con = duckdb.connect()
    try:
        lay_out(con, tables, year)
        return set(con.execute(rule.sql).fetchall())
    finally:
        con.close()
