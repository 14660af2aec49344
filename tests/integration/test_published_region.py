"""What leaves the hub, checked on a region built end to end.

The regional file holds no token, no child-level column and no small number; each council's
file holds its own rows only; and the build's disclosure test fails when a small number or
a recoverable cell is planted in a shared table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csc import reference
from csc.build import dbt_args

ROOT = Path(__file__).resolve().parents[2]

THRESHOLD = 10


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.sql("select schema_name, table_name from duckdb_tables() order by all").fetchall()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.sql(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ?",
        params=[schema, table],
    ).fetchall()


@pytest.fixture(scope="module")
def tokens(home) -> set[str]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return {t for (t,) in con.sql("select child_token from marts.dim_child").fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def regional(home):
    con = duckdb.connect(str(home.published / "regional" / "region.duckdb"), read_only=True)
    yield con
    con.close()


def test_regional_file_holds_every_shared_table_and_its_parquet(home, regional):
    tables = _tables(regional)
    assert {s for s, _ in tables} == {"regional"}
    names = {t for _, t in tables}
    assert {
        "benchmark_indicators",
        "pathway_flows",
        "data_quality_files",
        "data_quality_rules",
        "dfe_validation",
        "dfe_validation_trend",
        "councils",
        "statistical_neighbours",
        "indicator_definitions",
    } <= names
    parquet = {p.stem for p in (home.published / "regional" / "parquet").glob("*.parquet")}
    assert parquet == names


def test_regional_file_has_no_token_and_no_child_level_column(regional, tokens):
    assert len(tokens) > 1000
    for schema, table in _tables(regional):
        for column, data_type in _columns(regional, schema, table):
            assert not any(
                word in column for word in ("child_token", "birth", "dob", "child_key", "postcode")
            ), f"{table}.{column}"
            if data_type != "VARCHAR":
                continue
            query = f'select distinct "{column}" from {schema}.{table}'
            values = {v for (v,) in regional.sql(query).fetchall()}
            assert not values & tokens, f"{table}.{column} holds child tokens"


def test_no_shown_count_in_the_regional_file_is_below_the_threshold(regional):
    checked = 0
    for schema, table in _tables(regional):
        columns = dict(_columns(regional, schema, table))
        for column in columns:
            if f"{column}_symbol" not in columns or columns[column] not in ("DOUBLE", "BIGINT"):
                continue
            if column in (
                "value",
                "region_value",
                "neighbour_value",
                "england_value",
                "same_months_value",
                "error_percent",
                "naive_error_percent",
            ):
                continue  # rates and averages, not counts (same_months_count is checked)
            if column == "projected_median":
                continue  # a model's estimate, hidden with the counts it is set beside
            if "cost" in column or "spend" in column or "weeks" in column:
                continue  # money and time, hidden with their children
            small = regional.sql(
                f'select count(*) from {schema}.{table} where "{column}" >= 1 '
                f'and "{column}" < {THRESHOLD} and "{column}_symbol" is null'
            ).fetchall()[0][0]
            assert small == 0, f"{table}.{column} shows {small} counts under {THRESHOLD}"
            checked += 1
    assert checked >= 6


def test_suppressed_values_are_blank_with_the_symbol_c(regional):
    rows = regional.sql(
        "select count(*), count(value), count(numerator) from regional.benchmark_indicators "
        "where value_symbol = 'c'"
    ).fetchall()[0]
    hidden, values_left, numerators_left = rows
    assert hidden > 0
    assert values_left == 0
    # a value is hidden because its numerator or its denominator is
    assert numerators_left < hidden


def test_each_council_file_holds_only_that_council(home):
    folders = sorted(p.name for p in (home.published / "councils").iterdir())
    assert folders == sorted(reference.councils())
    for council in folders:
        con = duckdb.connect(
            str(home.published / "councils" / council / "warehouse.duckdb"), read_only=True
        )
        try:
            tables = _tables(con)
            assert ("marts", "fct_episodes") in tables
            assert ("marts", "fct_child_journey_events") in tables
            for schema, table in tables:
                columns = [c for c, _ in _columns(con, schema, table)]
                assert "la_code" in columns, f"{council}: {table} has no council code"
                assert not [c for c in columns if c.startswith("region_")], table
                codes = con.sql(f"select distinct la_code from {schema}.{table}").fetchall()
                assert codes in ([(council,)], []), f"{council}: {table} holds {codes}"
        finally:
            con.close()


def test_each_council_file_holds_its_whole_dfe_validation(home):
    private = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        expected = dict(
            private.sql(
                "select la_code, count(*) from marts.rpt_dfe_validation group by la_code"
            ).fetchall()
        )
    finally:
        private.close()
    assert sorted(expected) == sorted(reference.councils())
    for council, rows in expected.items():
        con = duckdb.connect(
            str(home.published / "councils" / council / "warehouse.duckdb"), read_only=True
        )
        try:
            found = con.sql(
                "select la_code, count(*) from marts.rpt_dfe_validation group by la_code"
            ).fetchall()
        finally:
            con.close()
        assert found == [(council, rows)]


def test_the_regional_dfe_validation_hides_what_the_councils_files_show_as_small(home, regional):
    private = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        small = {
            i
            for (i,) in private.sql(
                "select dfe_validation_id from marts.rpt_dfe_validation "
                f"where rows_failing between 1 and {THRESHOLD - 1}"
            ).fetchall()
        }
    finally:
        private.close()
    shared = dict(
        regional.sql(
            "select dfe_validation_id, rows_failing_symbol from regional.dfe_validation"
        ).fetchall()
    )
    assert small, "a region at this scale has rules failing on a few rows"
    assert small <= set(shared)
    assert {shared[i] for i in small} == {"c"}


def _dbt_test_on_copy(
    home, tmp_path, plant: str, select: str = "regional_benchmark_indicators"
) -> subprocess.CompletedProcess:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(home.warehouse, copy)
    con = duckdb.connect(str(copy))
    con.execute(plant)
    con.close()
    args = dbt_args(home, "test", "--select", select)
    args[args.index("--target-path") + 1] = str(tmp_path / "target")
    args[args.index("--log-path") + 1] = str(tmp_path / "logs")
    return subprocess.run(
        [sys.executable, "-c", "from dbt.cli.main import cli; cli()", *args],
        env={**os.environ, "CSC_WAREHOUSE": str(copy)},
        capture_output=True,
        text=True,
        check=False,
    )


# Schemas whose every table and column an analyst reads in a SQL client must explain.
DESCRIBED_SCHEMAS = ("marts", "regional", "reference", "quality")


def _undescribed(path) -> list[str]:  # noqa: ANN001 - a Path
    """Tables and columns of the described schemas in a published file without a comment."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.sql(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ? and coalesce(comment, '') = '' order by all",
            params=[list(DESCRIBED_SCHEMAS)],
        ).fetchall()
        columns = con.sql(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name in ? and coalesce(comment, '') = '' order by all",
            params=[list(DESCRIBED_SCHEMAS)],
        ).fetchall()
        described = con.sql(
            "select count(*) from duckdb_columns() where schema_name in ?",
            params=[list(DESCRIBED_SCHEMAS)],
        ).fetchall()[0][0]
    finally:
        con.close()
    assert described > 0, f"{path} holds none of {DESCRIBED_SCHEMAS}"
    return [".".join(t) for t in tables] + [".".join(c) for c in columns]


def test_every_published_table_and_column_carries_its_description(home):
    published = home.published
    files = [
        published / "warehouse.duckdb",
        published / "regional" / "region.duckdb",
        *sorted((published / "councils").glob("*/warehouse.duckdb")),
    ]
    assert len(files) == 2 + len(reference.councils())
    for path in files:
        assert _undescribed(path) == [], path


# DuckDB 1.4 beside the DfE's validators (requirements-dfe.in): the oldest client the
# published files are written for.
OLD_CLIENT = ROOT / "build" / "dfe-venv" / "bin" / "python"
OLD_CLIENT_READS = """
import json, sys
import duckdb
out = {"version": duckdb.__version__, "files": {}}
for path in sys.argv[1:]:
    con = duckdb.connect(path, read_only=True)
    schemas = ["marts", "regional", "reference", "quality"]
    out["files"][path] = {
        "schemas": sorted({s for (s,) in con.execute(
            "select distinct schema_name from duckdb_tables()").fetchall()}),
        "columns": con.execute(
            "select count(*) from duckdb_columns() where schema_name in (select unnest(?))",
            [schemas]).fetchall()[0][0],
        "undescribed": con.execute(
            "select count(*) from duckdb_columns() where schema_name in (select unnest(?)) "
            "and coalesce(comment, '') = ''", [schemas]).fetchall()[0][0],
        "valid_to": con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_care_history' "
            "and column_name = 'valid_to'").fetchall(),
    }
    con.close()
print(json.dumps(out))
"""


def test_a_duckdb_1_4_client_opens_every_published_file_and_reads_its_descriptions(home):
    """What an analyst with DuckDB 1.4 sees: every published file opens, every column of
    what they query explains itself, and the hub's file holds the marts, the regional and
    reference tables and the load bookkeeping, none of the layers inside the build."""
    assert OLD_CLIENT.exists(), "make dfe installs DuckDB 1.4 beside the DfE's validators"
    hub = home.published / "warehouse.duckdb"
    council = sorted((home.published / "councils").glob("*/warehouse.duckdb"))[0]
    regional = home.published / "regional" / "region.duckdb"
    done = subprocess.run(
        [str(OLD_CLIENT), "-c", OLD_CLIENT_READS, str(hub), str(council), str(regional)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert seen["version"].startswith("1.4.")
    files = seen["files"]
    for path in (hub, council, regional):
        assert files[str(path)]["columns"] > 0 and files[str(path)]["undescribed"] == 0, path
    assert files[str(hub)]["schemas"] == ["marts", "quality", "reference", "regional"]
    assert files[str(regional)]["schemas"] == ["regional"]
    [(valid_to,)] = files[str(hub)]["valid_to"]
    assert valid_to.startswith("The first day the row no longer holds")


def test_every_regional_parquet_file_carries_its_descriptions(home):
    con = duckdb.connect()
    try:
        for path in sorted((home.published / "regional" / "parquet").glob("*.parquet")):
            metadata = dict(
                con.execute(
                    "select decode(key), decode(value) from parquet_kv_metadata(?)", [str(path)]
                ).fetchall()
            )
            columns = [
                name
                for (name,) in con.execute(
                    "select name from parquet_schema(?) where num_children is null", [str(path)]
                ).fetchall()
            ]
            assert metadata.get("description"), path.name
            assert [c for c in columns if not metadata.get(f"column:{c}")] == [], path.name
    finally:
        con.close()


def test_disclosure_test_passes_on_the_built_region(home, tmp_path):
    done = _dbt_test_on_copy(home, tmp_path, "select 1")
    assert done.returncode == 0, done.stdout[-3000:]


def test_disclosure_test_catches_a_planted_small_number(home, tmp_path):
    plant = """
        update regional.benchmark_indicators
        set numerator = 3, numerator_symbol = null
        where benchmark_indicator_id = (
            select min(benchmark_indicator_id) from regional.benchmark_indicators
            where numerator_symbol is null and unit = 'count'
        )
    """
    done = _dbt_test_on_copy(home, tmp_path, plant)
    assert done.returncode != 0
    assert "FAIL" in done.stdout and "disclosure_controlled" in done.stdout


def test_disclosure_test_catches_a_cell_recoverable_from_the_total(home, tmp_path):
    # Show the secondary cell of a group with two hidden and the region's total shown: the
    # one left hidden could then be worked out from the total.
    plant = """
        update regional.benchmark_indicators as b
        set numerator = 25, numerator_symbol = null
        where benchmark_indicator_id = (
            select max(benchmark_indicator_id) from regional.benchmark_indicators
            where numerator_symbol = 'c' and (indicator, collection_year) in (
                select indicator, collection_year from regional.benchmark_indicators
                group by all
                having count(*) filter (where numerator_symbol = 'c') = 2
                    and count(*) filter (where region_value_symbol = 'c') = 0
            )
        )
    """
    done = _dbt_test_on_copy(home, tmp_path, plant)
    assert done.returncode != 0
    assert "disclosure_controlled" in done.stdout


def test_dfe_tests_catch_a_total_shown_beside_a_hidden_rule(home, tmp_path):
    # Show the errors' total of a return whose rules include a hidden one: the total less
    # the shown rules would give the hidden number away.
    plant = """
        update regional.dfe_validation_trend as t
        set error_rows = 40, error_rows_symbol = null
        where dfe_validation_trend_id = (
            select min(dfe_validation_trend_id) from regional.dfe_validation_trend
            where error_rows_symbol = 'c' and error_rules_failing > 1
        )
    """
    done = _dbt_test_on_copy(
        home, tmp_path, plant, "regional_dfe_validation regional_dfe_validation_trend"
    )
    assert done.returncode != 0
    failed = re.findall(r"FAIL \d+ (\S+)", done.stdout)
    assert failed == ["assert_dfe_trend_totals_only_add_up_shown_cells"], done.stdout[-3000:]
