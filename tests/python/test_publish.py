"""Publishing by audience: the hub's copy without the raw schema, the regional aggregates
that pass the shareability check, and each council's own rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import COUNCIL, child, episodes_text, header_text
from csc import build
from csc import publish as publisher
from csc.publish import STORAGE_VERSION

MODELS = Path(__file__).parents[2] / "models"


def publish(home):  # noqa: ANN001, ANN201
    """Publish a warehouse made by hand, recorded as a passing build would record it."""
    build.record_passed(home, build.BuildOutcome(regional_passed=True))
    return publisher.publish(home)


def test_published_copy_is_read_only_old_format_and_holds_marts_not_inner_layers(region):
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.load()
    con = duckdb.connect(str(region.home.warehouse))
    for schema in ("staging", "intermediate", "marts", "reference"):
        con.execute(f"create schema {schema}")
        con.execute(f"create table {schema}.example as select 42 as answer")
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
    assert schemas == {"marts", "reference", "quality"}  # not raw, staging or intermediate
    assert con.sql("select answer from shared.marts.example").fetchall() == [(42,)]
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


def test_a_hub_file_updated_by_council_keeps_nothing_no_longer_published(region, monkeypatch):
    """A publication by council starts from the previous hub file: a schema the hub's
    file no longer holds and a table since dropped go, and the changed council's rows are
    replaced."""
    home = region.home
    region.drop("Header.csv", header_text())
    region.load()
    home.published.mkdir(parents=True, exist_ok=True)
    _private(
        region,
        "create schema marts",
        "create table marts.fct_x as select * from "
        "(values ('E06000036', 1), ('E06000043', 5)) t(la_code, n)",
    )
    previous = duckdb.connect(str(home.published / "warehouse.duckdb"))
    for statement in (
        "create schema marts",
        "create table marts.fct_x as select * from "
        "(values ('E06000036', 1), ('E06000043', 2)) t(la_code, n)",
        "create table marts.fct_gone as select 1 as n",
        "create schema staging",
        "create table staging.stg_old as select 1 as n",
    ):
        previous.execute(statement)
    previous.close()
    monkeypatch.setattr(publisher, "incremental_models", lambda home: [("marts", "fct_x")])
    con = duckdb.connect()
    con.execute("attach ? as private (read_only)", [str(home.warehouse)])
    try:
        hub = publisher.publish_hub(con, home, ("E06000043",), {})
    finally:
        con.close()
    shared = duckdb.connect(str(hub), read_only=True)
    try:
        tables = shared.sql(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
        rows = shared.sql("select la_code, n from marts.fct_x order by la_code").fetchall()
    finally:
        shared.close()
    assert ("staging", "stg_old") not in tables and ("marts", "fct_gone") not in tables
    assert ("marts", "fct_x") in tables
    assert rows == [("E06000036", 1), ("E06000043", 5)]


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


def _manifest(home, models: dict[str, dict]) -> None:  # noqa: ANN001
    """A dbt manifest naming `models` (name: config) in the marts schema, as dbt writes it."""
    target = home.build / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    nodes = {
        f"model.csc_warehouse.{name}": {
            "resource_type": "model",
            "schema": "marts",
            "alias": name,
            "config": config,
        }
        for name, config in models.items()
    }
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))


def _model_config(name: str) -> dict:
    """A model's config as its yml under models/ sets it."""
    for path in MODELS.rglob("_*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            if model["name"] == name:
                return model.get("config", {})
    raise LookupError(name)


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
    _manifest(
        region.home,
        {"fct_episodes": {"meta": {"audience": "council"}}, "benchmark_indicators": {"meta": {}}},
    )

    councils = publish(region.home).councils

    assert len(councils) == 19
    for code, expected in ((COUNCIL, [(1,)]), (other, [(2,), (3,)])):
        assert councils[code] == region.home.published / "councils" / code / "warehouse.duckdb"
        con = duckdb.connect(str(councils[code]), read_only=True)
        assert con.sql("select table_name from duckdb_tables()").fetchall() == [("fct_episodes",)]
        assert con.sql("select distinct la_code from marts.fct_episodes").fetchall() == [(code,)]
        assert con.sql("select episode from marts.fct_episodes order by 1").fetchall() == expected
        con.close()


def test_each_council_file_holds_its_own_dfe_validation_and_no_other_councils(region):
    # The mart's own config (models/marts/data_quality/) decides whether it is published to
    # the councils, so the test breaks if it stops naming the council audience.
    region.drop("Header.csv", header_text())
    region.load()
    other, silent = "E06000043", "E10000016"
    _private(
        region,
        "create schema marts",
        "create table marts.rpt_dfe_validation as select * from (values "
        f"('{COUNCIL}', '903:103', date '2026-04-30', 12, true), "
        f"('{COUNCIL}', '903:103', date '2026-05-31', 4, true), "
        f"('{other}', '903:103', date '2026-05-31', 0, false), "
        f"('{other}', 'cin:8873Q', date '2026-05-31', 40, false)"
        ") as t(la_code, rule_id, reference_date, rows_failing, blocks_submission)",
    )
    _manifest(region.home, {"rpt_dfe_validation": _model_config("rpt_dfe_validation")})

    councils = publish(region.home).councils

    expected = {
        COUNCIL: [
            ("903:103", dt.date(2026, 4, 30), 12, True),
            ("903:103", dt.date(2026, 5, 31), 4, True),
        ],
        other: [
            ("903:103", dt.date(2026, 5, 31), 0, False),
            ("cin:8873Q", dt.date(2026, 5, 31), 40, False),
        ],
        silent: [],
    }
    for code, rows in expected.items():
        con = duckdb.connect(str(councils[code]), read_only=True)
        try:
            assert con.sql("select schema_name, table_name from duckdb_tables()").fetchall() == [
                ("marts", "rpt_dfe_validation")
            ]
            found = con.sql(
                "select rule_id, reference_date, rows_failing, blocks_submission "
                "from marts.rpt_dfe_validation order by all"
            ).fetchall()
            assert found == rows
            assert con.sql("select distinct la_code from marts.rpt_dfe_validation").fetchall() in (
                [(code,)],
                [],
            )
        finally:
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


@pytest.mark.parametrize(
    "text",
    [
        "A child's first period of care; it's counted once",
        "Quotes ' and '' and \\ and a line\nbreak",
        "Ends with a quote'",
        "Unicode: £ – é",
    ],
)
def test_descriptions_reach_comments_and_parquet_metadata_exactly(
    tmp_path: Path, text: str
) -> None:
    described = {("marts", "t"): (text, {"a": text, "b": ""})}
    con = duckdb.connect()
    try:
        con.execute("attach ? as shared", [str(tmp_path / "f.duckdb")])
        con.execute('create schema shared.marts; create table shared.marts.t (a int, "B" int)')
        publisher.write_comments(con, publisher.describe(con, "shared", "marts", "t", described))
        assert con.sql(
            "select comment from duckdb_tables() where database_name = 'shared'"
        ).fetchall() == [(text,)]
        assert con.sql(
            "select column_name, comment from duckdb_columns() where database_name = 'shared' "
            "order by column_index"
        ).fetchall() == [("a", text), ("B", None)]
        parquet = tmp_path / "t.parquet"
        con.execute(
            "copy (select * from shared.marts.t) to ? (format parquet"
            + publisher._parquet_metadata("marts", "t", described)
            + ")",
            [str(parquet)],
        )
        metadata = dict(
            con.execute(
                "select decode(key), decode(value) from parquet_kv_metadata(?)", [str(parquet)]
            ).fetchall()
        )
    finally:
        con.close()
    assert metadata == {"description": text, "column:a": text}
