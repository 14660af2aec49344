"""The test region built on a throwaway PostgreSQL server equals its DuckDB build: every
model, seed, data test and unit test passes there (`csc --target postgres build`), and
every public table (marts, regional, reference) has the same rows (`csc parity`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import duckdb
import pytest

from csc import engines, parity, pgserver
from csc.warehouse import Home


@pytest.fixture(scope="module")
def server() -> Iterator[pgserver.Server]:
    why = pgserver.available()
    if why:
        pytest.fail(f"no PostgreSQL server can be started here: {why}", pytrace=False)
    with pgserver.throwaway() as running:
        yield running


@pytest.fixture(scope="module")
def compared(home: Home, server: pgserver.Server) -> subprocess.CompletedProcess:
    env = {**os.environ, **server.environment()}
    env.pop("CSC_TARGET", None)
    return subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(home.root), "--target", "postgres",
         "parity"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_region_builds_on_postgres_and_equals_duckdb(compared) -> None:
    assert compared.returncode == 0, compared.stdout[-3000:] + compared.stderr[-3000:]
    assert "dbt build of every model and test on postgres" in compared.stdout
    assert "postgres and DuckDB hold the same" in compared.stdout


def test_parity_finds_a_changed_value_and_a_missing_row(
    home: Home, server: pgserver.Server, compared, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert compared.returncode == 0
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    pg = engines.postgres_connection()
    try:
        with pg, pg.cursor() as cur:
            cur.execute(
                "update marts.dim_council set la_name = la_name || ' (changed)' "
                "where la_code = (select min(la_code) from marts.dim_council)"
            )
            cur.execute(
                "delete from regional.councils "
                "where la_code = (select max(la_code) from regional.councils)"
            )
        theirs = parity.mirror_postgres(pg, parity.PUBLIC_MARTS, home.work)
    finally:
        pg.close()
    mine = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        found = parity.differences(mine, theirs, parity.PUBLIC_MARTS)
    finally:
        mine.close()
        theirs.close()
    assert any(line.startswith("marts.dim_council: same") for line in found), found
    assert any(line.startswith("regional.councils:") and "rows against" in line for line in found)
    assert len(found) == 2, found
