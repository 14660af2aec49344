"""The engines a home's dbt project can be built on, and how the raw tables reach them.

Files are always landed and checked in the private DuckDB file (`csc load`): it is the
record of what every council sent. DuckDB is also the default engine. On another engine
(`csc --target postgres`, or CSC_TARGET) the raw tables are first made equal to DuckDB's,
then dbt builds there; docs/engines.md says how each is configured.

PostgreSQL is brought up to date in one transaction, so a failure part way leaves it as
it was: the raw rows of files it has not seen are copied in (`COPY`), the rows of files
DuckDB no longer holds are deleted, and the load bookkeeping tables (small) are replaced
whole. A raw table whose columns differ from DuckDB's is made again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csc import warehouse

DEFAULT = "duckdb"
TARGETS = ("duckdb", "postgres", "spark")
VARIABLE = "CSC_TARGET"
# A raw table of a return's rows: each row knows the load and the file it came from.
FILE_KEY = ("_load_id", "_source_file")

# DuckDB's types of the raw tables, as PostgreSQL names them (in its DDL and in its
# information_schema alike).
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
}


def chosen() -> str:
    """The engine named by CSC_TARGET (set by `csc --target`), DuckDB unless set."""
    name = os.environ.get(VARIABLE, DEFAULT) or DEFAULT
    if name not in TARGETS:
        raise ValueError(f"{VARIABLE}={name!r} is not an engine here; choose one of {TARGETS}")
    return name


def postgres_connection():  # noqa: ANN201 - a psycopg2 connection
    """A connection to the PostgreSQL server the `postgres` target of profiles.yml names."""
    import psycopg2

    return psycopg2.connect(
        host=os.environ.get("CSC_PG_HOST", "127.0.0.1"),
        port=int(os.environ.get("CSC_PG_PORT", "5432")),
        user=os.environ.get("CSC_PG_USER", "csc"),
        password=os.environ.get("CSC_PG_PASSWORD", ""),
        dbname=os.environ.get("CSC_PG_DATABASE", "csc"),
        application_name="csc raw copy",
    )


@dataclass
class Synced:
    """What bringing an engine's raw tables up to date did."""

    files_added: int = 0
    files_removed: int = 0
    rows_added: int = 0
    tables_replaced: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"raw tables brought up to date: {self.files_added} file(s) added "
            f"({self.rows_added:,} rows), {self.files_removed} removed, "
            f"{len(self.tables_replaced)} bookkeeping table(s) replaced"
        )


def _raw_tables(duck: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in duck.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1",
            [warehouse.RAW_SCHEMA],
        ).fetchall()
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(duck: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return duck.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [warehouse.RAW_SCHEMA, table],
    ).fetchall()


def _postgres_type(table: str, column: str, duck_type: str) -> str:
    try:
        return POSTGRES_TYPES[duck_type]
    except KeyError:
        raise ValueError(
            f"raw.{table}.{column} is {duck_type} in DuckDB, a type not mapped to PostgreSQL"
        ) from None


def sync_postgres(duck_path: Path, pg, scratch: Path) -> Synced:  # noqa: ANN001
    """Make PostgreSQL's raw schema equal DuckDB's, in one transaction of `pg`. Rows pass
    through CSV files under `scratch` (private, like the warehouse), removed at the end."""
    raw = warehouse.RAW_SCHEMA
    done = Synced()
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="raw-copy-", dir=scratch))
    duck = duckdb.connect(str(duck_path), read_only=True)
    try:
        tables = _raw_tables(duck)
        with pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {raw}")
            cur.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = %s order by table_name, ordinal_position",
                [raw],
            )
            theirs: dict[str, list[tuple[str, str]]] = {}
            for table, column, kind in cur.fetchall():
                theirs.setdefault(table, []).append((column, kind))
            for table in tables:
                _sync_table(duck, cur, table, theirs.get(table), folder, done)
            for table in sorted(set(theirs) - set(tables)):
                cur.execute(f"drop table {raw}.{_quote(table)}")
    finally:
        duck.close()
        shutil.rmtree(folder, ignore_errors=True)
    return done


def _sync_table(
    duck: duckdb.DuckDBPyConnection,
    cur,  # noqa: ANN001 - a psycopg2 cursor
    table: str,
    theirs: list[tuple[str, str]] | None,
    folder: Path,
    done: Synced,
) -> None:
    raw = f"{warehouse.RAW_SCHEMA}.{_quote(table)}"
    columns = _columns(duck, table)
    wanted = [(c, _postgres_type(table, c, t)) for c, t in columns]
    names = [c for c, _ in columns]
    fresh = wanted != theirs
    if fresh:
        cur.execute(f"drop table if exists {raw}")
        cur.execute(
            f"create table {raw} (" + ", ".join(f"{_quote(c)} {t}" for c, t in wanted) + ")"
        )
    if not all(k in names for k in FILE_KEY):
        if not fresh:
            cur.execute(f"truncate {raw}")
        done.tables_replaced.append(table)
        whole = f"select * from {raw}"  # nosec B608 # a name from DuckDB's catalogue, quoted
        _copy(duck, cur, table, names, whole, folder)
        return
    key = ", ".join(_quote(k) for k in FILE_KEY)
    files = f"select distinct {key} from {raw}"  # nosec B608 # names from the catalogue, quoted
    mine = set(duck.execute(files).fetchall())
    cur.execute(files)
    present = set(cur.fetchall())
    gone, new = sorted(present - mine), sorted(mine - present)
    if gone:
        cur.execute(
            f"delete from {raw} where ({key}) in "  # nosec B608 # quoted names; values are bound
            "(select * from unnest(%s::text[], %s::text[]))",
            [[g[0] for g in gone], [g[1] for g in gone]],
        )
        done.files_removed += len(gone)
    if new:
        import pyarrow as pa

        files = pa.table({FILE_KEY[0]: [n[0] for n in new], FILE_KEY[1]: [n[1] for n in new]})
        duck.register("csc_new_files", files)
        try:
            query = f"select t.* from {raw} as t semi join csc_new_files using ({key})"  # nosec B608 # quoted names
            done.rows_added += _copy(duck, cur, table, names, query, folder)
        finally:
            duck.unregister("csc_new_files")
        done.files_added += len(new)


def _copy(
    duck: duckdb.DuckDBPyConnection, cur, table: str, names: list[str], query: str, folder: Path
) -> int:  # noqa: ANN001
    """COPY the rows of `query` into PostgreSQL's raw `table`; returns how many."""
    path = folder / f"{table}.csv"
    literal = str(path).replace("'", "''")
    # Every value quoted, a missing one not: PostgreSQL reads "" as an empty text and an
    # unquoted nothing as null, as DuckDB holds them.
    duck.execute(
        f"copy ({query}) to '{literal}' (format csv, header false, force_quote *, null '')"  # nosec B608
    )
    columns = ", ".join(_quote(n) for n in names)
    with open(path, encoding="utf-8") as rows:
        cur.copy_expert(
            f"copy {warehouse.RAW_SCHEMA}.{_quote(table)} ({columns}) from stdin "
            "with (format csv, header false)",
            rows,
        )
    count = cur.rowcount
    path.unlink()
    return count


def built_copy_path(home: warehouse.Home, engine: str) -> Path:
    return home.build / f"warehouse_{engine}.duckdb"


def copy_built(home: warehouse.Home, engine: str) -> Path:
    """A private DuckDB file in build/ holding what `engine` built, under the names the
    DuckDB build uses, and the load bookkeeping: what `csc publish` reads, whichever engine
    built the warehouse (every schema the hub's analysts read; the bookkeeping comes from
    the private DuckDB file, where files are landed). Written whole, then put in place."""
    from csc.publish import QUALITY_TABLES

    path = built_copy_path(home, engine)
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    out = duckdb.connect(str(part))
    try:
        mirror_built(home, engine, HUB_SCHEMAS, out=out)
        out.execute("attach ? as private_raw (read_only)", [str(home.warehouse)])
        out.execute(f"create schema {warehouse.RAW_SCHEMA}")
        for name in QUALITY_TABLES:
            out.execute(
                f"create table {warehouse.RAW_SCHEMA}.{name} as "  # nosec B608 # our own names
                f"select * from private_raw.{warehouse.RAW_SCHEMA}.{name}"
            )
        out.execute("detach private_raw")
    finally:
        out.close()
    os.replace(part, path)
    return path


def mirror_built(
    home: warehouse.Home,
    engine: str,
    schemas: tuple[str, ...],
    out: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyConnection:
    """The tables of `schemas` as `engine` built them, copied under the same names into
    `out` (a new in-memory DuckDB database unless given)."""
    from csc import parity

    if engine == "postgres":
        pg = postgres_connection()
        try:
            return parity.mirror_postgres(pg, schemas, home.work, out=out)
        finally:
            pg.close()
    if engine == "spark":
        warehouse_dir = spark_folder(home) / "warehouse"
        return mirror_spark({s: warehouse_dir / f"{s}.db" for s in schemas}, out=out)
    raise ValueError(f"what {engine} built cannot be read yet")


def mirror_spark(
    folders: dict[str, Path], out: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """Tables Spark reads as folders of Parquet files, copied into `out` (a new in-memory
    DuckDB database unless given): for each schema, a folder holding one folder per table
    (Spark's warehouse keeps schema `s` in `s.db`; the raw tables are the loader's). The
    files are named one by one, never by a pattern, so no character in a path is read as
    a wildcard."""
    out = out if out is not None else duckdb.connect()
    for schema, folder in folders.items():
        tables = sorted(p for p in folder.glob("*") if p.is_dir())
        if not tables:
            continue
        out.execute(f"create schema {_quote(schema)}")
        for table in tables:
            files = sorted(str(p) for p in table.iterdir() if p.suffix == ".parquet")
            if not files:
                raise ValueError(f"Spark's table {schema}.{table.name} has no Parquet file")
            out.execute(
                f"create table {_quote(schema)}.{_quote(table.name)} as "  # nosec B608 # names from Spark's folders, quoted
                "select * from read_parquet(?)",
                [files],
            )
    return out


def spark_folder(home: warehouse.Home) -> Path:
    """Spark's own files for a home: its tables, its metastore, the raw Parquet files."""
    return home.build / "spark"


def sync_spark(duck_path: Path, folder: Path) -> Synced:
    """Make the raw Parquet files under `folder` (one folder per raw table, registered as
    Spark tables before each build) equal DuckDB's raw tables.

    A return's rows are written one file per file dropped (named by a digest of its load
    and file name), so a monthly drop writes only its own files; the files of the tables
    as they were are linked into the new folder, not copied. Each table also has a file of
    no rows that gives Spark its columns when it has no rows. The new folder replaces the
    old one whole: a failure part way leaves the old one as it was."""
    done = Synced()
    part = folder.with_name(folder.name + ".part")
    old = folder.with_name(folder.name + ".old")
    if old.exists() and not folder.exists():
        os.replace(old, folder)  # a swap stopped between its two steps
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    duck = duckdb.connect(str(duck_path), read_only=True)
    try:
        tables = _raw_tables(duck)
        for table in tables:
            _sync_spark_table(duck, table, folder / table, part / table, done)
    finally:
        duck.close()
    if folder.exists():
        gone = {p.name for p in folder.iterdir()} - set(tables)
        done.tables_replaced += sorted(gone)
        os.replace(folder, old)
    os.replace(part, folder)
    shutil.rmtree(old, ignore_errors=True)
    return done


def _parquet(duck: duckdb.DuckDBPyConnection, query: str, path: Path, params=()) -> int:  # noqa: ANN001
    """Write the rows of `query` to a Parquet file; returns how many."""
    literal = str(path).replace("'", "''")
    [(rows,)] = duck.execute(
        f"copy ({query}) to '{literal}' (format parquet)",  # nosec B608 # our own query; values are bound
        list(params),
    ).fetchall()
    return int(rows)


def _sync_spark_table(
    duck: duckdb.DuckDBPyConnection, table: str, before: Path, after: Path, done: Synced
) -> None:
    import hashlib

    name = f"{warehouse.RAW_SCHEMA}.{_quote(table)}"
    after.mkdir()
    columns = _columns(duck, table)
    schema_file = "columns.parquet"
    _parquet(duck, f"select * from {name} limit 0", after / schema_file)  # nosec B608 # a name from the catalogue
    same_columns = (before / schema_file).exists() and (
        duck.execute(
            "select name, type from parquet_schema(?) where name <> 'duckdb_schema'",
            [str(before / schema_file)],
        ).fetchall()
        == duck.execute(
            "select name, type from parquet_schema(?) where name <> 'duckdb_schema'",
            [str(after / schema_file)],
        ).fetchall()
    )
    names = [c for c, _ in columns]
    if not all(k in names for k in FILE_KEY):
        _parquet(duck, f"select * from {name}", after / "rows.parquet")  # nosec B608 # a name from the catalogue
        done.tables_replaced.append(table)
        return
    key = ", ".join(_quote(k) for k in FILE_KEY)
    had = {p.name for p in before.glob("*.parquet")} if same_columns else set()
    for load_id, source_file in duck.execute(
        f"select distinct {key} from {name} order by all"  # nosec B608 # names from the catalogue, quoted
    ).fetchall():
        file = hashlib.sha256(f"{load_id}\0{source_file}".encode()).hexdigest()[:32] + ".parquet"
        if file in had:
            os.link(before / file, after / file)
            had.discard(file)
            continue
        done.rows_added += _parquet(
            duck,
            f"select * from {name} where {_quote(FILE_KEY[0])} = ? and {_quote(FILE_KEY[1])} = ?",  # nosec B608 # names from the catalogue, quoted; values are bound
            after / file,
            [load_id, source_file],
        )
        done.files_added += 1
    done.files_removed += len(had - {schema_file})


# Who reads what on the shared server. Roles are groups (no login): the hub's database
# administrator makes each analyst a login role and grants one of these to it.
HUB_ROLE = "csc_hub"  # the hub's analysts: every schema but raw, every council's rows
REGIONAL_ROLE = "csc_regional"  # beyond the hub: the disclosure-controlled tables only
HUB_SCHEMAS = ("staging", "intermediate", "marts", "regional", "reference")
COUNCIL_SCHEMAS = ("marts", "regional", "reference")  # marts: the council's own rows only


# The ONS codes of the councils whose roles the connected user holds.
COUNCILS_OF_CURRENT_USER = (
    "select upper(substr(rolname, 13)) from pg_roles "
    "where rolname like 'csc\\_council\\_%' and pg_has_role(current_user, oid, 'member')"
)


def council_role(ons_code: str) -> str:
    """The role of a council's analysts: csc_council_e06000036."""
    return f"csc_council_{ons_code.lower()}"


def apply_roles(pg, councils: list[str]) -> list[str]:  # noqa: ANN001 - a psycopg2 connection
    """Grant each role what it may read, after every build (dbt makes tables afresh, and a
    new table grants nothing): the hub's role every schema but raw; the regional role the
    regional schema; each council's role the regional and reference schemas and, in
    `marts`, only its own rows (row-level security on each table's `la_code`). Returns
    the tables under row-level security. One transaction: a failure grants nothing new."""
    roles = [HUB_ROLE, REGIONAL_ROLE, *(council_role(c) for c in councils)]
    with pg, pg.cursor() as cur:
        cur.execute("select rolname from pg_roles where rolname = any(%s)", [roles])
        present = {name for (name,) in cur.fetchall()}
        for role in roles:
            if role not in present:
                cur.execute(f"create role {role} nologin")
        cur.execute(
            "select table_schema, table_name, bool_or(column_name = 'la_code') "
            "from information_schema.columns where table_schema = any(%s) group by 1, 2",
            [list(HUB_SCHEMAS)],
        )
        tables = {(schema, table): has for schema, table, has in cur.fetchall()}
        cur.execute(f"revoke all on schema {warehouse.RAW_SCHEMA} from public")
        for schema in HUB_SCHEMAS:
            readers = [HUB_ROLE]
            if schema == "regional":
                readers.append(REGIONAL_ROLE)
            if schema in COUNCIL_SCHEMAS:
                readers += [council_role(c) for c in councils]
            cur.execute(f"grant usage on schema {schema} to {', '.join(readers)}")
        secured = []
        for (schema, table), has_council in sorted(tables.items()):
            name = f"{schema}.{_quote(table)}"
            readers = [HUB_ROLE]
            if schema == "regional":
                readers.append(REGIONAL_ROLE)
            if schema in ("regional", "reference"):
                readers += [council_role(c) for c in councils]
            if schema == "marts":
                if not has_council:
                    raise ValueError(f"{name} has no la_code: it cannot be read by council")
                readers += [council_role(c) for c in councils]
                # Row-level security: a council's analysts see their council's rows, the
                # hub's every row; the table's owner (the build) is not held to it.
                cur.execute(f"alter table {name} enable row level security")
                cur.execute(f"drop policy if exists hub_reads_every_council on {name}")
                cur.execute(
                    f"create policy hub_reads_every_council on {name} for select "
                    f"to {HUB_ROLE} using (true)"
                )
                cur.execute(f"drop policy if exists council_reads_its_own on {name}")
                cur.execute(
                    f"create policy council_reads_its_own on {name} for select to "
                    + ", ".join(council_role(c) for c in councils)
                    + " using (la_code = any("
                    + COUNCILS_OF_CURRENT_USER
                    + "))"
                )
                secured.append(name)
            cur.execute(f"grant select on {name} to {', '.join(readers)}")
    return secured
