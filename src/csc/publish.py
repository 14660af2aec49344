"""Publish read-only copies of the private warehouse for analysts.

dbt writes the private file under build/; analysts and reports open the copy under
published/, so a reader never blocks a build. The dbt docs page (lineage and every column's
meaning, one HTML file) is published beside it as published/docs/index.html. The copy
is written in a storage format that DuckDB 1.4 and later can open, then swapped in whole.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import duckdb

from csc.build import DOCS_TARGET
from csc.warehouse import Home

STORAGE_VERSION = "v1.4.0"
PRIVATE_SCHEMAS = ("raw",)
# Load bookkeeping analysts may read, published under the `quality` schema.
QUALITY_TABLES = ("load_manifest", "load_failures", "load_runs")


def publish(home: Home) -> Path:
    target = home.published / "warehouse.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{home.warehouse}' as private (read_only)")
        con.execute(f"attach '{part}' as shared (storage_version '{STORAGE_VERSION}')")
        relations = con.sql(
            "select schema_name, table_name from duckdb_tables() where database_name = 'private' "
            "union all "
            "select schema_name, view_name from duckdb_views() "
            "where database_name = 'private' and not internal "
            "order by all"
        ).fetchall()
        for schema, name in relations:
            if schema in PRIVATE_SCHEMAS:
                continue
            con.execute(f'create schema if not exists shared."{schema}"')
            con.execute(
                f'create table shared."{schema}"."{name}" as '
                f'select * from private."{schema}"."{name}"'
            )
        con.execute("create schema if not exists shared.quality")
        for name in QUALITY_TABLES:
            con.execute(f"create table shared.quality.{name} as select * from private.raw.{name}")
        con.execute("detach shared")
    finally:
        con.close()
    part.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(part, target)
    docs = home.build / DOCS_TARGET / "static_index.html"
    if docs.exists():
        (home.published / "docs").mkdir(exist_ok=True)
        shutil.copyfile(docs, home.published / "docs" / "index.html")
    return target
