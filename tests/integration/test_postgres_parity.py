"""The test region built on a throwaway PostgreSQL server equals its DuckDB build: every
model, seed, data test and unit test passes there (`csc --target postgres build`), and
every public table (marts, regional, reference) has the same rows (`csc parity`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import duckdb
import psycopg2
import psycopg2.errors
import pytest

from csc import engines, parity, pgserver
from csc.warehouse import Home
from published_parity import assert_same_pack, assert_same_publications, copy_of_built_home


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


def _login(server: pgserver.Server, name: str, *roles: str) -> psycopg2.extensions.connection:
    """A login role of an analyst holding `roles`, connected."""
    admin = psycopg2.connect(host="127.0.0.1", port=server.port, user="csc", dbname="csc")
    try:
        with admin, admin.cursor() as cur:
            cur.execute(f"drop role if exists {name}")
            cur.execute(
                f"create role {name} login" + (f" in role {', '.join(roles)}" if roles else "")
            )
    finally:
        admin.close()
    con = psycopg2.connect(host="127.0.0.1", port=server.port, user=name, dbname="csc")
    con.autocommit = True
    return con


def _read(con, sql: str) -> list[tuple] | str:  # noqa: ANN001
    """The rows, or 'denied' when the role may not read them."""
    with con.cursor() as cur:
        try:
            cur.execute(sql)
        except psycopg2.errors.InsufficientPrivilege:
            return "denied"
        return cur.fetchall()


def test_each_role_reads_what_it_may_and_nothing_else(
    home: Home, server: pgserver.Server, compared
) -> None:
    assert compared.returncode == 0
    mine = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        marts = [t for (t,) in mine.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        councils = [c for (c,) in mine.execute(
            "select distinct la_code from marts.fct_episodes order by 1"
        ).fetchall()]  # fmt: skip
        episodes = dict(mine.execute(
            "select la_code, count(*) from marts.fct_episodes group by 1"
        ).fetchall())  # fmt: skip
    finally:
        mine.close()
    assert len(marts) > 10 and len(councils) > 2
    one, two = councils[0], councils[1]

    council = _login(server, "analyst_one", engines.council_role(one))
    both = _login(server, "analyst_both", engines.council_role(one), engines.council_role(two))
    regional = _login(server, "analyst_beyond", engines.REGIONAL_ROLE)
    hub = _login(server, "analyst_hub", engines.HUB_ROLE)
    nobody = _login(server, "analyst_none")
    try:
        for table in marts:
            rows = _read(council, f"select distinct la_code from marts.{table}")
            assert rows != "denied", table
            assert {r[0] for r in rows} <= {one}, f"marts.{table} shows other councils' rows"
            assert {r[0] for r in _read(both, f"select distinct la_code from marts.{table}")} <= {
                one,
                two,
            }
            assert _read(regional, f"select 1 from marts.{table} limit 1") == "denied", table
            assert _read(nobody, f"select 1 from marts.{table} limit 1") == "denied", table
        assert _read(council, "select count(*) from marts.fct_episodes") == [(episodes[one],)]
        assert _read(both, "select count(*) from marts.fct_episodes") == [
            (episodes[one] + episodes[two],)
        ]
        assert _read(hub, "select count(*) from marts.fct_episodes") == [(sum(episodes.values()),)]
        for con in (council, regional, hub, nobody):
            assert _read(con, "select 1 from raw.load_manifest limit 1") == "denied"
        for con in (council, regional, nobody):
            assert _read(con, "select 1 from staging.stg_loads__files limit 1") == "denied"
            assert _read(con, "select 1 from intermediate.int_calendar__working_days limit 1") == (
                "denied"
            )
        assert _read(hub, "select count(*) > 0 from staging.stg_loads__files") == [(True,)]
        for con in (council, regional, hub):
            assert _read(con, "select count(*) > 0 from regional.councils") == [(True,)]
        assert _read(regional, "select 1 from reference.councils limit 1") == "denied"
        assert _read(nobody, "select 1 from regional.councils limit 1") == "denied"
    finally:
        for con in (council, both, regional, hub, nobody):
            con.close()


def test_publishing_and_the_pack_from_postgres_equal_those_from_duckdb(
    home: Home, server: pgserver.Server, compared, tmp_path
) -> None:
    assert compared.returncode == 0
    other = copy_of_built_home(home, tmp_path / "from-postgres", "postgres")
    env = {**os.environ, **server.environment()}
    env.pop("CSC_TARGET", None)
    done = subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(other.root), "--target", "postgres",
         "publish"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert_same_publications(home.published, other.published)
    assert_same_pack(home, other, env)


# Last: it changes what PostgreSQL holds.
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
