"""The test region built on Spark (a local session, `csc --target spark`) equals its DuckDB
build: every model, seed, data test and unit test passes there, every public table (marts,
regional, reference) has the same rows (`csc parity`), the raw tables Spark read are
DuckDB's, and every audience's files and the pack published from Spark's build are those
published from DuckDB's."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from csc import engines, parity
from csc.warehouse import Home
from published_parity import assert_same_pack, assert_same_publications, copy_of_built_home


def _csc(home: Home, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CSC_TARGET"}
    return subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(home.root), *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def compared(home: Home) -> subprocess.CompletedProcess:
    return _csc(home, "--target", "spark", "parity")


def test_the_region_builds_on_spark_and_equals_duckdb(compared) -> None:
    assert compared.returncode == 0, compared.stdout[-3000:] + compared.stderr[-3000:]
    assert "dbt build of every model and test on spark" in compared.stdout
    assert "spark and DuckDB hold the same" in compared.stdout


def test_the_raw_tables_spark_read_are_duckdbs(home: Home, compared) -> None:
    assert compared.returncode == 0
    theirs = engines.mirror_spark({"raw": engines.spark_folder(home) / "raw"})
    mine = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        assert len(parity.digests(mine, ("raw",))) > 10
        assert parity.differences(mine, theirs, ("raw",)) == []
    finally:
        mine.close()
        theirs.close()


def test_publishing_and_the_pack_from_spark_equal_those_from_duckdb(
    home: Home, compared, tmp_path
) -> None:
    assert compared.returncode == 0
    other = copy_of_built_home(home, tmp_path / "from-spark", "spark")
    # Spark's tables are its files: the copy reads the ones the build wrote.
    (other.build / "spark").mkdir()
    (other.build / "spark" / "warehouse").symlink_to(engines.spark_folder(home) / "warehouse")
    done = _csc(other, "--target", "spark", "publish")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert_same_publications(home.published, other.published)
    env = {k: v for k, v in os.environ.items() if k != "CSC_TARGET"}
    assert_same_pack(home, other, env)


def test_parity_finds_a_changed_table(home: Home, compared, tmp_path) -> None:
    """A table Spark holds with a row fewer is found: parity reads Spark's files, not a
    record of them."""
    assert compared.returncode == 0
    councils = engines.spark_folder(home) / "warehouse" / "regional.db" / "councils"
    theirs = engines.mirror_spark({"regional": councils.parent})
    theirs.execute(
        "delete from regional.councils where la_code = (select max(la_code) from regional.councils)"
    )
    mine = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        found = parity.differences(mine, theirs, ("regional",))
    finally:
        mine.close()
        theirs.close()
    assert [line for line in found if line.startswith("regional.councils:")], found
    assert len(found) == 1, found
