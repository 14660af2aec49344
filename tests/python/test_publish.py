"""Publishing by audience: the hub's copy without the raw schema, the regional aggregates
that pass the shareability check, and each council's own rows."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import COUNCIL, child, episodes_text, header_text
from csc import build
from csc import publish as publisher
from csc.publish import STORAGE_VERSION


def publish(home):  # noqa: ANN001, ANN201
    """Publish a warehouse made by hand, recorded as a passing build would record it."""
    build.record_passed(home, build.BuildOutcome(regional_passed=True))
    return publisher.publish(home)


def test_published_copy_is_read_only_old_format_and_keeps_raw_private(region):
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.load()
    con = duckdb.connect(str(region.home.warehouse))
    con.execute("create schema staging")
    con.execute("create table staging.stg_example as select 42 as answer")
    con.close()

    path = publish(region.home).hub

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
    first = publish(region.home).hub
    region.drop("Episodes.csv", episodes_text())
    region.load()
    second = publish(region.home).hub
    con = duckdb.connect(str(second), read_only=True)
    assert con.sql("select count(*) from quality.load_manifest").fetchall() == [(2,)]
    assert first == second


def _private(region, *statements: str) -> None:
    con = duckdb.connect(str(region.home.warehouse))
    for statement in statements:
        con.execute(statement)
    con.close()


def test_regional_file_holds_only_the_regional_schema_as_duckdb_and_parquet(region):
    region.drop("Header.csv", header_text())
    region.load()
    _private(
        region,
        "create schema regional",
        "create table regional.benchmark_indicators as "
        "select 'E06000036' as la_code, 12.0 as value, null as value_symbol",
        "create schema marts",
        f"create table marts.dim_child as select '{child(1)}' as child_token",
    )

    published = publish(region.home)

    assert published.regional == region.home.published / "regional" / "region.duckdb"
    con = duckdb.connect(str(published.regional), read_only=True)
    tables = con.sql("select schema_name, table_name from duckdb_tables()").fetchall()
    assert tables == [("regional", "benchmark_indicators")]
    parquet = region.home.published / "regional" / "parquet" / "benchmark_indicators.parquet"
    assert duckdb.sql(f"select la_code, value from '{parquet}'").fetchall() == [("E06000036", 12.0)]
    assert not (region.home.published / "regional.part").exists()


@pytest.mark.parametrize(
    "planted",
    [
        f"select '{child(1)}' as la_code",
        "select date '2012-06-01' as date_of_birth",
        "select 'E06000036' as child_token",
    ],
)
def test_a_token_or_child_column_in_the_regional_schema_stops_its_publication(region, planted):
    region.drop("Header.csv", header_text())
    region.load()
    _private(
        region,
        "create schema regional",
        "create table regional.councils as select 'E06000036' as la_code",
    )
    publish(region.home)
    _private(region, f"create table regional.leak as {planted}")

    # The hub's and councils' files are refreshed; the regional files are held back.
    held = publish(region.home)
    assert held.regional is None and "regional.leak" in held.regional_held

    # the file published before stays as it was, without the planted table
    kept = region.home.published / "regional" / "region.duckdb"
    con = duckdb.connect(str(kept), read_only=True)
    assert con.sql("select table_name from duckdb_tables()").fetchall() == [("councils",)]


def test_each_council_file_holds_its_own_rows_of_the_council_audience_models(region):
    region.drop("Header.csv", header_text())
    region.load()
    other = "E06000043"
    _private(
        region,
        "create schema marts",
        f"create table marts.fct_episodes as select * from (values ('{COUNCIL}', 1), "
        f"('{other}', 2), ('{other}', 3)) as t(la_code, episode)",
        "create table marts.benchmark_indicators as select 'x' as la_code",
    )
    target = region.home.build / "dbt_target"
    target.mkdir(parents=True)
    nodes = {
        f"model.csc_warehouse.{name}": {
            "resource_type": "model",
            "schema": "marts",
            "alias": name,
            "config": {"meta": meta},
        }
        for name, meta in (("fct_episodes", {"audience": "council"}), ("benchmark_indicators", {}))
    }
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))

    councils = publish(region.home).councils

    assert len(councils) == 19
    for code, expected in ((COUNCIL, [(1,)]), (other, [(2,), (3,)])):
        assert councils[code] == region.home.published / "councils" / code / "warehouse.duckdb"
        con = duckdb.connect(str(councils[code]), read_only=True)
        assert con.sql("select table_name from duckdb_tables()").fetchall() == [("fct_episodes",)]
        assert con.sql("select distinct la_code from marts.fct_episodes").fetchall() == [(code,)]
        assert con.sql("select episode from marts.fct_episodes order by 1").fetchall() == expected
        con.close()


def test_nothing_is_published_from_a_warehouse_no_passing_build_left(region):
    region.drop("Header.csv", header_text())
    region.load()
    with pytest.raises(publisher.NotBuilt, match="nothing was published"):
        publisher.publish(region.home)
    assert not (region.home.published / "warehouse.duckdb").exists()


def test_regional_tables_that_failed_their_tests_keep_the_previous_regional_files(region):
    region.drop("Header.csv", header_text())
    region.load()
    _private(
        region,
        "create schema regional",
        "create table regional.councils as select 'E06000036' as la_code",
    )
    publish(region.home)
    _private(region, "create table regional.newer as select 1 as n")
    build.record_passed(region.home, build.BuildOutcome(False, ["test.regional_check"]))
    held = publisher.publish(region.home)
    assert held.regional is None and "test.regional_check" in held.regional_held
    assert held.hub.exists()
    kept = region.home.published / "regional" / "region.duckdb"
    con = duckdb.connect(str(kept), read_only=True)
    assert con.sql("select table_name from duckdb_tables()").fetchall() == [("councils",)]
    con.close()
