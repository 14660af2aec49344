"""Whether two builds of the warehouse hold the same tables.

Each table is reduced to its row count and a digest of its rows (the sum of a hash of each
row, so the order of the rows does not count and a repeated row does), every value as
text, numbers with a fractional part to `SIGNIFICANT` significant digits (so the order in
which an engine adds up a column cannot tell two equal builds apart). Two builds are equal
when every table has the same count and digest, or, for a table whose digests differ only
because a number fell either side of a rounding step, when its rows, sorted, agree value by
value with numbers within a relative `TOLERANCE`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

# Values with a fractional part are compared to this many significant digits.
SIGNIFICANT = 10
TOLERANCE = 1e-9
# Tables up to this many rows are compared row by row when their digests differ.
ROW_BY_ROW_LIMIT = 1_000_000
FRACTIONAL_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
PUBLIC_SCHEMAS = ("staging", "intermediate", "marts", "regional", "reference")
# What analysts are meant to read: compared between engines.
PUBLIC_MARTS = ("marts", "regional", "reference")


@dataclass(frozen=True)
class TableDigest:
    rows: int
    digest: str


def _cell(column: str, data_type: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    if data_type.upper().startswith(FRACTIONAL_TYPES):
        return f"coalesce(format('{{:.{SIGNIFICANT}g}}', cast({quoted} as double)), '<null>')"
    return f"coalesce(cast({quoted} as varchar), '<null>')"


def digests(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = PUBLIC_SCHEMAS, database: str = ""
) -> dict[str, TableDigest]:
    """Every table and view of `schemas` (in `database`, or the default one): its row
    count and the digest of its rows."""
    where = "database_name = current_database()" if not database else "database_name = ?"
    params = [] if not database else [database]
    prefix = f'"{database}".' if database else ""
    columns: dict[str, list[tuple[str, str]]] = {}
    marks = ", ".join("?" for _ in schemas)
    for schema, table, column, data_type in con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "  # nosec B608 # placeholders only; values are bound
        f"where {where} and schema_name in ({marks}) "
        "order by schema_name, table_name, column_index",
        [*params, *schemas],
    ).fetchall():
        columns.setdefault(f"{schema}.{table}", []).append((column, data_type))
    out = {}
    for name, cells in sorted(columns.items()):
        schema, table = name.split(".", 1)
        row = " || '|' || ".join(_cell(column, data_type) for column, data_type in cells)
        [(rows, digest)] = con.execute(
            "select count(*), coalesce(cast(sum(cast(hash(row_text) as hugeint)) as varchar), '') "  # nosec B608 # names read from the catalogue, quoted
            f'from (select {row} as row_text from {prefix}"{schema}"."{table}")'
        ).fetchall()
        out[name] = TableDigest(int(rows), str(digest))
    return out


def _sorted_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    schema, name = table.split(".", 1)
    return sorted(
        con.execute(f'select * from "{schema}"."{name}"').fetchall(),  # nosec B608 # names from the catalogue
        key=lambda row: tuple(
            (0, "")
            if v is None
            else (1, f"{v:.{SIGNIFICANT - 2}g}")
            if isinstance(v, float)
            else (1, str(v))
            for v in row
        ),
    )


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def rows_agree(
    left: duckdb.DuckDBPyConnection, right: duckdb.DuckDBPyConnection, table: str
) -> bool:
    """Whether a table's rows, sorted, agree value by value (numbers within TOLERANCE)."""
    mine, theirs = _sorted_rows(left, table), _sorted_rows(right, table)
    return len(mine) == len(theirs) and all(
        len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
        for a, b in zip(mine, theirs, strict=True)
    )


def differences(
    left: duckdb.DuckDBPyConnection,
    right: duckdb.DuckDBPyConnection,
    schemas: tuple[str, ...] = PUBLIC_SCHEMAS,
) -> list[str]:
    """What differs between the tables of two warehouses, one line per table."""
    mine, theirs = digests(left, schemas), digests(right, schemas)
    lines = []
    for name in sorted(set(mine) | set(theirs)):
        if name not in mine or name not in theirs:
            lines.append(f"{name}: only in the {'second' if name not in mine else 'first'}")
        elif mine[name].rows != theirs[name].rows:
            lines.append(f"{name}: {mine[name].rows} rows against {theirs[name].rows}")
        elif mine[name].digest != theirs[name].digest and not (
            mine[name].rows <= ROW_BY_ROW_LIMIT and rows_agree(left, right, name)
        ):
            lines.append(f"{name}: same {mine[name].rows} rows, different values")
    return lines


def against_file(
    path,
    theirs: duckdb.DuckDBPyConnection,
    schemas: tuple[str, ...],  # noqa: ANN001 - a Path
) -> tuple[dict[str, TableDigest], list[str]]:
    """The tables of `schemas` in a DuckDB file (opened read-only) compared with another
    engine's, copied into `theirs` (closed afterwards): the file's tables and what differs."""
    mine = duckdb.connect(str(path), read_only=True)
    try:
        return digests(mine, schemas), differences(mine, theirs, schemas)
    finally:
        mine.close()
        theirs.close()


# PostgreSQL's types of the warehouse's tables, as DuckDB reads them back. PostgreSQL's
# numerics (its averages, its rounding) are compared as numbers, like DuckDB's doubles.
POSTGRES_TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "numeric": "DOUBLE",
    "double precision": "DOUBLE",
    "real": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}


def mirror_postgres(
    pg,  # noqa: ANN001 - a psycopg2 connection
    schemas: tuple[str, ...],
    scratch,  # noqa: ANN001 - a Path
    out: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyConnection:
    """The tables and views of `schemas` on a PostgreSQL server, copied under the same
    names into `out` (a new in-memory DuckDB database unless given), to be compared with
    `differences` or published. Rows pass through CSV files in `scratch` (a private
    folder), removed as they are read."""
    import tempfile
    from pathlib import Path

    out = out if out is not None else duckdb.connect()
    Path(scratch).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="parity-", dir=scratch))
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns where table_schema = any(%s) "
                "order by table_schema, table_name, ordinal_position",
                [list(schemas)],
            )
            tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for schema, table, column, kind in cur.fetchall():
                tables.setdefault((schema, table), []).append((column, kind))
            for schema in sorted({schema for schema, _ in tables}):
                out.execute(f'create schema "{schema}"')
            for (schema, table), columns in sorted(tables.items()):
                path = folder / "table.csv"
                with open(path, "w", encoding="utf-8") as rows:
                    cur.copy_expert(
                        f'copy (select * from "{schema}"."{table}") to stdout '  # nosec B608 # names from the catalogue
                        "with (format csv, header false, force_quote *)",
                        rows,
                    )
                types = {
                    column: POSTGRES_TO_DUCKDB.get(kind, "VARCHAR") for column, kind in columns
                }
                literal = str(path).replace("'", "''")
                out.execute(
                    f'create table "{schema}"."{table}" as select * from read_csv('  # nosec B608 # names from the catalogue
                    f"'{literal}', header = false, columns = ?, allow_quoted_nulls = false, "
                    "auto_detect = false)",
                    [types],
                )
                path.unlink()
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return out
