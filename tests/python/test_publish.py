"""Publishing: a read-only copy analysts can open with DuckDB 1.4+, without the raw schema."""

from __future__ import annotations

import duckdb

from conftest import episodes_text, header_text
from csc.publish import STORAGE_VERSION, publish


def test_published_copy_is_read_only_old_format_and_keeps_raw_private(region):
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.load()
    con = duckdb.connect(str(region.home.warehouse))
    con.execute("create schema staging")
    con.execute("create table staging.stg_example as select 42 as answer")
    con.close()

    path = publish(region.home)

    assert path == region.home.published / "warehouse.duckdb"
    assert path.stat().st_mode & 0o222 == 0
    con = duckdb.connect()
    con.execute(f"attach '{path}' as shared (read_only)")
    tags = con.sql("select tags from duckdb_databases() where database_name = 'shared'").fetchall()
    assert tags[0][0]["storage_version"].startswith(STORAGE_VERSION)
    schemas = {
        s
        for (s,) in con.sql(
            "select distinct schema_name from duckdb_tables() where database_name = 'shared'"
        ).fetchall()
    }
    assert schemas == {"staging", "quality"}
    assert con.sql("select answer from shared.staging.stg_example").fetchall() == [(42,)]
    assert con.sql("select count(*) from shared.quality.load_manifest").fetchall() == [(2,)]


def test_publishing_again_replaces_the_copy(region):
    region.drop("Header.csv", header_text())
    region.load()
    first = publish(region.home)
    region.drop("Episodes.csv", episodes_text())
    region.load()
    second = publish(region.home)
    con = duckdb.connect(str(second), read_only=True)
    assert con.sql("select count(*) from quality.load_manifest").fetchall() == [(2,)]
    assert first == second
