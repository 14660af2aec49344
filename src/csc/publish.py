"""Publish read-only copies of the private warehouse, one for each audience.

dbt writes the private file under build/; nobody else ever opens it, so a reader never
blocks a build and nothing leaves by accident. What leaves goes to published/:

* `published/warehouse.duckdb`, for the regional hub's analysts: the marts (all councils,
  child level under pseudonymous tokens), the regional tables and the reference data, plus
  the load bookkeeping under `quality`. It stays within the hub. The staging and
  intermediate layers stay in the private file: analysts would come to depend on tables
  that change whenever the marts' inner workings do.
* `published/regional/`, for the region and beyond (councils, partners, the public): only
  the disclosure-controlled aggregates of the `regional` schema, as `region.duckdb` and
  one Parquet file per table. Before it is written, every table is checked to hold no
  child-level column and no token.
* `published/councils/<ONS code>/warehouse.duckdb`, for each council: its own rows of the
  marts whose dbt meta names the `council` audience (the child-level marts, and its DfE
  validation by rule and reference date, `marts.rpt_dfe_validation`), and nothing of any
  other council (no region totals, no other council's rows).
* `published/docs/index.html`: the dbt docs page (lineage and every column's meaning).

Each DuckDB copy is written in a storage format DuckDB 1.4 and later can open, made
read-only, and swapped in whole. Every table and column in it carries its description from
the dbt project as a comment (`duckdb_tables()`, `duckdb_columns()` and SQL clients show
it), and each regional Parquet file carries them as key-value metadata (`description`, and
`column:<name>` for each column). A build on another engine (`csc --target postgres`) is
first copied into a private DuckDB file under build/ (csc.engines.copy_built), and every
audience's file is written from that copy by the same code.

A publication does only what changed since the last one (`build/published.json` records
what the hub's and the councils' files were made from): when the build rebuilt some
councils only, the hub's file is a copy of the previous one with those councils' rows of
each council-level table replaced and every other table written afresh, and only those
councils' files are written. A changed project, or no record, writes everything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csc import engines, gate, reference
from csc.build import (
    BUILD_TARGET,
    BuildOutcome,
    docs_page,
    engine_built,
    engine_target,
    last_good_build,
)
from csc.crash import crash_point
from csc.progress import Progress
from csc.warehouse import Home, spill_beyond, stage_memory_limit

STORAGE_VERSION = "v1.4.0"
# The schemas of the private file that the hub's file holds; every other stays private.
HUB_SCHEMAS = ("marts", "regional", "reference")
REGIONAL_SCHEMA = "regional"
COUNCIL_AUDIENCE = "council"
# Load bookkeeping the hub's analysts may read, published under the `quality` schema.
QUALITY_TABLES = ("load_manifest", "load_failures", "load_runs")
# Columns that only child-level data has; none may reach the regional file.
CHILD_LEVEL_COLUMNS = re.compile(r"child|token|birth|dob|postcode|_post$|urn$|worker", re.I)
RECORD_FILE = "published.json"


class UnsafeToPublish(Exception):
    """The regional schema holds something that must not leave the hub."""


class NotBuilt(Exception):
    """The warehouse is not as a passing `dbt build` left it: nothing is published."""


@dataclass
class Published:
    hub: Path
    regional: Path | None = None
    councils: dict[str, Path] = field(default_factory=dict)
    regional_held: str = ""  # why the previous regional files stay, when they do


def recover(published: Path) -> None:
    """Put right what a publication killed part-way left: half-written copies go, and a
    folder swapped out but not yet replaced comes back."""
    if not published.exists():
        return
    for folder in ("regional", "report"):
        old = published / f"{folder}.old"
        if old.exists() and not (published / folder).exists():
            os.replace(old, published / folder)
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(published / f"{folder}.part", ignore_errors=True)
    for part in published.rglob("*.part"):
        if part.is_dir():
            shutil.rmtree(part, ignore_errors=True)
        else:
            part.unlink(missing_ok=True)


def _readonly(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _attach_new(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con.execute(f"attach ? as {alias} (storage_version '{STORAGE_VERSION}')", [str(path)])


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.sql(
        "select schema_name, table_name from duckdb_tables() where database_name = 'private' "
        "union all "
        "select schema_name, view_name from duckdb_views() "
        "where database_name = 'private' and not internal "
        "order by all"
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    return con.sql(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = 'private' and schema_name = ? and table_name = ? "
        "order by column_index",
        params=[schema, name],
    ).fetchall()


# What a published table and its columns mean: (table's description, {column: description}).
Described = dict[tuple[str, str], tuple[str, dict[str, str]]]


def descriptions(home: Home, target: str = BUILD_TARGET) -> Described:
    """The description of every table a publication writes and of its columns, from the
    dbt project as the build into dbt's `target` folder knows it: models and seeds by
    (schema, table), the load bookkeeping by ("quality", table)."""
    manifest = home.build / target / "manifest.json"
    if not manifest.exists():
        return {}
    project = json.loads(manifest.read_text(encoding="utf-8"))

    def entry(node: dict) -> tuple[str, dict[str, str]]:
        columns = {
            name.lower(): " ".join((column.get("description") or "").split())
            for name, column in node.get("columns", {}).items()
        }
        return " ".join((node.get("description") or "").split()), columns

    out: Described = {}
    for node in project.get("nodes", {}).values():
        if node["resource_type"] in ("model", "seed"):
            out[(node["schema"], node["alias"])] = entry(node)
    for source in project.get("sources", {}).values():
        key = ("quality", source["identifier"])
        if source["schema"] == "raw" and source["identifier"] in QUALITY_TABLES:
            text, columns = entry(source)
            if len(columns) >= len(out.get(key, ("", {}))[1]):
                out[key] = (text or out.get(key, ("", {}))[0], columns)
    return out


def describe(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, name: str, described: Described
) -> list[str]:
    """The statements that write the descriptions of `schema.name` as comments on that
    table in the attached `database`, for the columns it has (`write_comments` runs them)."""
    text, columns = described.get((schema, name), ("", {}))
    table = f'{database}."{schema}"."{name}"'
    statements = [f"comment on table {table} is {gate.sql_literal(text)}"] if text else []
    present = con.execute(
        "select column_name from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, name],
    ).fetchall()
    for (column,) in present:
        meaning = columns.get(column.lower())
        if meaning:
            statements.append(
                f'comment on column {table}."{column}" is {gate.sql_literal(meaning)}'
            )
    return statements


def write_comments(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run comment statements in one transaction: each alone would be a transaction of its
    own, ten times slower."""
    if statements:
        con.execute("begin")
        con.execute(";\n".join(statements))
        con.execute("commit")


def _parquet_metadata(schema: str, name: str, described: Described) -> str:
    """The descriptions of a table as the key-value metadata of a Parquet file (a DuckDB
    struct literal for COPY's KV_METADATA), or '' when it has none."""
    text, columns = described.get((schema, name), ("", {}))
    pairs = ([("description", text)] if text else []) + [
        (f"column:{column}", value) for column, value in columns.items() if value
    ]
    if not pairs:
        return ""
    return (
        ", kv_metadata {"
        + ", ".join(f"{gate.sql_literal(k)}: {gate.sql_literal(v)}" for k, v in pairs)
        + "}"
    )


def _council_predicate(councils: tuple[str, ...]) -> str:
    """`la_code in (...)` for council codes of the region (checked, so safe to inline)."""
    known = reference.councils()
    if any(code not in known for code in councils):
        raise ValueError(f"not councils of the region: {sorted(set(councils) - set(known))}")
    return (
        "la_code in (" + ", ".join(f"'{code}'" for code in councils) + ")" if councils else "false"
    )


def publish_hub(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    councils: tuple[str, ...] | None = None,
    described: Described | None = None,
) -> Path:
    """The hub's file, written whole, or, given the councils that changed, the previous
    file with their rows of each council-level table replaced and the other tables
    written afresh."""
    target = home.published / "warehouse.duckdb"
    part = target.with_name(target.name + ".part")
    by_council = set(incremental_models(home)) if councils is not None else set()
    if councils is not None and target.exists() and by_council:
        shutil.copyfile(target, part)
        part.chmod(stat.S_IRUSR | stat.S_IWUSR)
        con.execute("attach ? as shared", [str(part)])
        present = set(
            con.sql(
                "select schema_name, table_name from duckdb_tables() where database_name = 'shared'"
            ).fetchall()
        )
        # What the previous file holds that the hub's file no longer should (a model since
        # dropped, a schema no longer published) goes.
        wanted = {(s, n) for s, n in _relations(con) if s in HUB_SCHEMAS}
        wanted |= {("quality", n) for n in QUALITY_TABLES}
        for schema, name in sorted(present - wanted):
            con.execute(f'drop table shared."{schema}"."{name}"')
        for (schema,) in con.sql(
            "select schema_name from duckdb_schemas() where database_name = 'shared' "
            "and not internal"
        ).fetchall():
            if schema not in (*HUB_SCHEMAS, "quality"):
                con.execute(f'drop schema shared."{schema}" cascade')
        present &= wanted
    else:
        _attach_new(con, part, "shared")
        present = set()
    predicate = _council_predicate(councils or ())
    comments: list[str] = []
    relations = [(s, n) for s, n in _relations(con) if s in HUB_SCHEMAS]
    with Progress(
        "writing the hub's file", len(relations) + len(QUALITY_TABLES), unit="tables"
    ) as done:
        for schema, name in relations:
            table = f'shared."{schema}"."{name}"'
            source = f'private."{schema}"."{name}"'
            if (schema, name) in by_council and (schema, name) in present:
                con.execute(f"delete from {table} where {predicate}")  # nosec B608 # our own names; council codes checked
                con.execute(f"insert into {table} select * from {source} where {predicate}")  # nosec B608 # our own names; council codes checked
                done.advance()
                continue
            con.execute(f'create schema if not exists shared."{schema}"')
            con.execute(f"create or replace table {table} as select * from {source}")  # nosec B608 # our own table and column names; values are bound
            comments += describe(con, "shared", schema, name, described or {})
            done.advance()
        con.execute("create schema if not exists shared.quality")
        for name in QUALITY_TABLES:
            con.execute(
                f"create or replace table shared.quality.{name} as select * from private.raw.{name}"  # nosec B608 # our own table and column names; values are bound
            )
            comments += describe(con, "shared", "quality", name, described or {})
            done.advance()
    write_comments(con, comments)
    con.execute("detach shared")
    _readonly(part)
    crash_point("publish-hub")  # the hub's new file written, not yet in place
    os.replace(part, target)
    return target


def check_shareable(con: duckdb.DuckDBPyConnection, schema: str = REGIONAL_SCHEMA) -> None:
    """Refuse to share a table with a child-level column, or a text cell the publication
    gate finds shaped like an identifier (a token among them)."""
    problems = []
    for table_schema, name in _relations(con):
        if table_schema != schema:
            continue
        for column, _data_type in _columns(con, schema, name):
            if CHILD_LEVEL_COLUMNS.search(column) and not column.startswith("children"):
                problems.append(f"{schema}.{name}.{column} is a child-level column")
    if problems:
        raise UnsafeToPublish("not published to published/regional/: " + "; ".join(problems))
    try:
        gate.check(gate.scan_duckdb(con, "private", [schema], allow=gate.REGIONAL_ALLOW))
    except gate.GateClosed as exc:
        raise UnsafeToPublish(f"not published to published/regional/: {exc}") from exc


def publish_regional(
    con: duckdb.DuckDBPyConnection, home: Home, described: Described | None = None
) -> Path | None:
    tables = [n for s, n in _relations(con) if s == REGIONAL_SCHEMA]
    if not tables:
        return None
    check_shareable(con)
    folder = home.published / "regional"
    staging = home.published / "regional.part"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)
    _attach_new(con, staging / "region.duckdb", "shared")
    con.execute(f"create schema shared.{REGIONAL_SCHEMA}")
    comments: list[str] = []
    for name in tables:
        source = f'private.{REGIONAL_SCHEMA}."{name}"'
        con.execute(f'create table shared.{REGIONAL_SCHEMA}."{name}" as select * from {source}')  # nosec B608 # our own table and column names; values are bound
        comments += describe(con, "shared", REGIONAL_SCHEMA, name, described or {})
        metadata = _parquet_metadata(REGIONAL_SCHEMA, name, described or {})
        con.execute(
            f"copy (select * from {source}) to ? (format parquet{metadata})",  # nosec B608 # our own table and column names, descriptions quoted; values are bound
            [str(staging / "parquet" / f"{name}.parquet")],
        )
    write_comments(con, comments)
    con.execute("detach shared")
    try:
        gate.check(
            gate.scan_parquet(sorted((staging / "parquet").glob("*.parquet")), gate.REGIONAL_ALLOW)
        )
    except gate.GateClosed as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UnsafeToPublish(f"not published to published/regional/: {exc}") from exc
    for path in staging.rglob("*.*"):
        _readonly(path)
    old = home.published / "regional.old"
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder / "region.duckdb"


def _models(home: Home, target: str = BUILD_TARGET) -> list[dict]:
    manifest = home.build / target / "manifest.json"
    if not manifest.exists():
        return []
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return [node for node in nodes if node["resource_type"] == "model"]


def council_models(home: Home, target: str = BUILD_TARGET) -> list[tuple[str, str]]:
    """(schema, table) of every model whose dbt meta puts it in each council's own file,
    as the build into dbt's `target` folder under build/ knows them."""
    return sorted(
        (node["schema"], node["alias"])
        for node in _models(home, target)
        if node["config"].get("meta", {}).get("audience") == COUNCIL_AUDIENCE
    )


def incremental_models(home: Home) -> list[tuple[str, str]]:
    """(schema, table) of every council-level model: built by council, each council's rows
    its own (macros/by_council.sql)."""
    return sorted(
        (node["schema"], node["alias"])
        for node in _models(home)
        if node["config"].get("materialized") == "incremental"
    )


def publish_councils(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    councils: tuple[str, ...] | None = None,
    target: str = BUILD_TARGET,
    described: Described | None = None,
) -> dict[str, Path]:
    """Each council's own file; given the councils that changed, only theirs (and any
    council's file that is missing)."""
    present = set(_relations(con))
    models = [m for m in council_models(home, target) if m in present]
    if not models:
        return {}
    out = {}
    chosen = [
        council
        for council in reference.councils()
        if councils is None
        or council in councils
        or not (home.published / "councils" / council / "warehouse.duckdb").exists()
    ]
    with Progress("writing council files", len(chosen)) as progress:
        for council in chosen:
            out[council] = _publish_council(con, home, council, models, described)
            progress.advance()
    return out


def _publish_council(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    council: str,
    models: list[tuple[str, str]],
    described: Described | None,
) -> Path:
    """One council's own file: its rows of each council-audience model."""
    target = home.published / "councils" / council / "warehouse.duckdb"
    part = target.with_name(target.name + ".part")
    _attach_new(con, part, "shared")
    comments: list[str] = []
    for schema, name in models:
        con.execute(f'create schema if not exists shared."{schema}"')
        con.execute(
            f'create table shared."{schema}"."{name}" as '
            f'select * from private."{schema}"."{name}" where la_code = ?',  # nosec B608 # our own table and column names; values are bound
            [council],
        )
        comments += describe(con, "shared", schema, name, described or {})
    write_comments(con, comments)
    con.execute("detach shared")
    _readonly(part)
    crash_point("publish")  # a council's file written, not yet in place
    os.replace(part, target)
    return target


def _engine_outcome(home: Home, engine: str) -> BuildOutcome | None:
    """A passing build on `engine` of the private file as it is now: every node passed."""
    return BuildOutcome(regional_passed=True) if engine_built(home, engine) else None


def _record_file(home: Home) -> Path:
    return home.build / RECORD_FILE


def changed_since_published(home: Home, build: BuildOutcome) -> tuple[str, ...] | None:
    """The councils whose files changed since the hub's and the councils' files were last
    published, or None when everything must be written (no record, or a changed project)."""
    try:
        record = json.loads(_record_file(home).read_text(encoding="utf-8"))
        project, councils = str(record["project"]), dict(record["councils"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not build.project or project != build.project:
        return None
    known = reference.councils()
    return tuple(
        sorted(
            code
            for code in set(councils) | set(build.councils)
            if code in known and councils.get(code) != build.councils.get(code)
        )
    )


def _record(home: Home, build: BuildOutcome) -> None:
    """Record what the hub's and the councils' files now hold."""
    part = _record_file(home).with_suffix(".part")
    part.write_text(json.dumps({"project": build.project, "councils": build.councils}))
    os.replace(part, _record_file(home))


def publish(home: Home, engine: str = engines.DEFAULT) -> Published:
    """Publish every audience's copy of a warehouse that a passing build left, on DuckDB
    or on `engine` (whose build is first copied into a private DuckDB file, so every
    audience's files come out of the same code whichever engine built them).

    Raises NotBuilt, publishing nothing, when the last `dbt build` failed, died or was
    followed by a load. When only the regional tables failed their tests, or the regional
    schema fails the check of what may leave the hub, the hub's and the councils' files are
    refreshed and the previous regional files stay (`Published.regional_held` says why).
    """
    if engine == engines.DEFAULT:
        build = last_good_build(home)
        source = home.warehouse
    else:
        build = _engine_outcome(home, engine)
        source = None
    if build is None:
        raise NotBuilt(
            "the warehouse is not as a passing `dbt build` left it (the build failed, was "
            "stopped, or files were loaded since): nothing was published and the previous "
            "files stay; run `csc build`, or `csc run`"
            + (f", with --target {engine}" if engine != engines.DEFAULT else "")
        )
    home.published.mkdir(parents=True, exist_ok=True)
    recover(home.published)
    if source is None:
        source = engines.copy_built(home, engine)
        changed = None  # the files of a DuckDB publication are no guide: write everything
        _record_file(home).unlink(missing_ok=True)
    else:
        changed = changed_since_published(home, build)
    target = BUILD_TARGET if source == home.warehouse else engine_target(engine)
    described = descriptions(home, target)
    con = duckdb.connect()
    try:
        spill_beyond(con, home, stage_memory_limit())
        con.execute("attach ? as private (read_only)", [str(source)])
        published = Published(hub=publish_hub(con, home, changed, described))
        published.councils = publish_councils(con, home, changed, target, described)
        if engine == engines.DEFAULT:
            _record(home, build)
        if not build.regional_passed:
            published.regional_held = (
                "the regional tables failed their tests (" + ", ".join(build.failed[:5]) + ")"
            )
        else:
            try:
                published.regional = publish_regional(con, home, described)
            except UnsafeToPublish as exc:
                published.regional_held = str(exc)
    finally:
        con.close()
    docs = docs_page(home)
    if docs.exists():
        (home.published / "docs").mkdir(exist_ok=True)
        shutil.copyfile(docs, home.published / "docs" / "index.html")
    return published
