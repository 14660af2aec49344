"""The test region built on a throwaway PostgreSQL server equals its DuckDB build: every
model, seed, data test and unit test passes there (`csc --target postgres build`), and
every public table (marts, regional, reference) has the same rows (`csc parity`)."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import duckdb
import psycopg2
import psycopg2.errors
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


def _copy_of_built_home(home: Home, root) -> Home:  # noqa: ANN001 - a Path
    """A new home holding only what publishing from PostgreSQL reads: the private file (its
    load bookkeeping; its size and time, which the build's record names), the record of the
    PostgreSQL build and that build's manifest."""
    copy = Home(root)
    (copy.build / "dbt_target_postgres").mkdir(parents=True)
    for part in (
        "warehouse.duckdb",
        "build_passed_postgres.json",
        "dbt_target_postgres/manifest.json",
    ):
        shutil.copy2(home.build / part, copy.build / part)
    return copy


def test_publishing_and_the_pack_from_postgres_equal_those_from_duckdb(
    home: Home, server: pgserver.Server, compared, tmp_path
) -> None:
    assert compared.returncode == 0
    other = _copy_of_built_home(home, tmp_path / "from-postgres")
    env = {**os.environ, **server.environment()}
    env.pop("CSC_TARGET", None)
    done = subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(other.root), "--target", "postgres",
         "publish"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ours, theirs = home.published, other.published
    # The disclosure-controlled files: the same tables with the same rows.
    for name in ("regional/region.duckdb", "warehouse.duckdb"):
        mine = duckdb.connect(str(ours / name), read_only=True)
        copy = duckdb.connect(str(theirs / name), read_only=True)
        try:
            schemas = ("regional",) if name.startswith("regional") else ("marts", "regional")
            assert parity.digests(mine, schemas), name
            assert parity.differences(mine, copy, schemas) == [], name
        finally:
            mine.close()
            copy.close()
    assert sorted(p.name for p in (ours / "regional" / "parquet").iterdir()) == sorted(
        p.name for p in (theirs / "regional" / "parquet").iterdir()
    )
    # Each council's own file: its own rows, the same tables, on either engine.
    councils = sorted(p.name for p in (ours / "councils").iterdir())
    assert councils == sorted(p.name for p in (theirs / "councils").iterdir())
    for council in councils:
        mine = duckdb.connect(str(ours / "councils" / council / "warehouse.duckdb"), read_only=True)
        copy = duckdb.connect(
            str(theirs / "councils" / council / "warehouse.duckdb"), read_only=True
        )
        try:
            assert parity.differences(mine, copy, ("marts",)) == [], council
            assert {
                c for (c,) in copy.sql("select distinct la_code from marts.fct_episodes").fetchall()
            } <= {council}
        finally:
            mine.close()
            copy.close()
    # The pack, written from the regional file PostgreSQL's build published, reads the same.
    written = (ours / "regional" / "region.duckdb").stat()
    os.utime(theirs / "regional" / "region.duckdb", ns=(written.st_atime_ns, written.st_mtime_ns))
    pack = subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(other.root), "report"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert pack.returncode == 0, pack.stdout[-3000:] + pack.stderr[-3000:]
    pages = sorted(p.name for p in (ours / "report").glob("*.html"))
    assert len(pages) > 3
    assert pages == sorted(p.name for p in (theirs / "report").glob("*.html"))
    for page in pages:
        assert _same_page(
            (ours / "report" / page).read_text(encoding="utf-8"),
            (theirs / "report" / page).read_text(encoding="utf-8"),
        ), page


NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")


def _same_page(mine: str, theirs: str) -> bool:
    """Two pages read the same: every word and label alike, and the numbers the charts are
    drawn from (written to 17 digits, so an engine's order of adding shows in the last)
    within parity's tolerance."""
    if NUMBER.split(mine) != NUMBER.split(theirs):
        return False
    return all(
        math.isclose(float(a), float(b), rel_tol=parity.TOLERANCE)
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(theirs), strict=True)
    )


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
