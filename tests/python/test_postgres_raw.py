"""The raw tables on PostgreSQL (`csc --target postgres`) equal the private DuckDB file's
after every load, copying only the files PostgreSQL has not seen, and a copy that fails part
way leaves PostgreSQL as it was.

Each test runs on a throwaway server of its own (csc.pgserver); `make test` installs
Debian's PostgreSQL when it is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import Region, csc, episodes_text, header_text
from csc import engines, parity, pgserver
from csc.reference import PROJECT_ROOT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pgserver.Server]:
    why = pgserver.available()
    if why:
        pytest.fail(f"no PostgreSQL server can be started here: {why}", pytrace=False)
    with pgserver.throwaway(tmp_path_factory.mktemp("postgres")) as running:
        yield running


@pytest.fixture
def on_postgres(server: pgserver.Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's variables set, and its raw schema emptied, for one test."""
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    yield
    pg = engines.postgres_connection()
    try:
        with pg, pg.cursor() as cur:
            cur.execute("drop schema if exists raw cascade")
    finally:
        pg.close()


def raw_differences(home: Path, scratch: Path) -> list[str]:
    pg = engines.postgres_connection()
    try:
        theirs = parity.mirror_postgres(pg, ("raw",), scratch)
    finally:
        pg.close()
    compared, found = parity.against_file(home / "build" / "warehouse.duckdb", theirs, ("raw",))
    assert compared, "DuckDB holds no raw table"
    return found


def sync(home: Path, scratch: Path) -> engines.Synced:
    with contextlib.closing(engines.postgres_connection()) as pg:
        return engines.sync_postgres(home / "build" / "warehouse.duckdb", pg, scratch)


def postgres_rows(table: str) -> int:
    pg = engines.postgres_connection()
    try:
        with pg.cursor() as cur:
            cur.execute(f"select count(*) from raw.{table}")  # our own table names
            return cur.fetchone()[0]
    finally:
        pg.close()


def test_each_load_copies_only_new_files_and_leaves_equal_raw_tables(
    region: Region, on_postgres: None, tmp_path: Path
) -> None:
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    done = csc(region.home.root, "--target", "postgres", "load")
    assert done.returncode == 0, done.stderr
    assert "2 file(s) added" in done.stdout
    assert raw_differences(region.home.root, tmp_path) == []

    # A later return: only its file reaches PostgreSQL, the first return's rows stay.
    region.drop("Header.csv", header_text(range(1, 6)), reference_date="2025-03-31")
    done = csc(region.home.root, "--target", "postgres", "load")
    assert done.returncode == 0, done.stderr
    assert "1 file(s) added" in done.stdout
    assert postgres_rows("ssda903_header") == 3 + 5
    assert raw_differences(region.home.root, tmp_path) == []

    # Nothing new: nothing copied, still equal.
    done = csc(region.home.root, "--target", "postgres", "load")
    assert done.returncode == 0, done.stderr
    assert "0 file(s) added" in done.stdout
    assert raw_differences(region.home.root, tmp_path) == []


def test_rows_postgres_holds_of_files_duckdb_no_longer_holds_are_removed(
    region: Region, on_postgres: None, tmp_path: Path
) -> None:
    region.drop("Header.csv", header_text())
    region.load()
    sync(region.home.root, tmp_path)
    with contextlib.closing(engines.postgres_connection()) as pg, pg, pg.cursor() as cur:
        cur.execute(
            "insert into raw.ssda903_header (_load_id, _source_file) values ('gone', 'gone')"
        )
    synced = sync(region.home.root, tmp_path)
    assert synced.files_removed == 1
    assert synced.files_added == 0
    assert raw_differences(region.home.root, tmp_path) == []


def test_a_copy_failing_part_way_leaves_postgres_as_it_was(
    region: Region, on_postgres: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    region.drop("Header.csv", header_text())
    region.load()
    sync(region.home.root, tmp_path)
    region.drop("Header.csv", header_text(range(1, 6)), reference_date="2025-03-31")
    region.drop("Episodes.csv", episodes_text(), reference_date="2025-03-31")
    region.load()

    # Tables are copied in name order: the episodes' new rows are copied, then the
    # connection is lost at the header's.
    copied = []
    real_copy = engines._copy

    def copy_then_fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if args[2] == "ssda903_header":
            raise OSError("the connection to the server was lost")
        copied.append(args[2])
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(engines, "_copy", copy_then_fail)
    with pytest.raises(OSError, match="connection to the server was lost"):
        sync(region.home.root, tmp_path)
    assert "ssda903_episodes" in copied
    assert postgres_rows("ssda903_episodes") == 0
    assert postgres_rows("ssda903_header") == 3
    monkeypatch.setattr(engines, "_copy", real_copy)
    assert raw_differences(region.home.root, tmp_path) != []
    assert not list(tmp_path.glob("raw-copy-*")), "the copy's scratch files were kept"


def test_a_server_that_cannot_be_reached_is_named_and_nothing_is_lost(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    region.drop("Header.csv", header_text())
    monkeypatch.setenv("CSC_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("CSC_PG_PORT", "1")
    done = csc(region.home.root, "--target", "postgres", "load")
    assert done.returncode != 0
    assert "cannot reach the PostgreSQL server" in done.stderr
    # The load itself committed in DuckDB: the next run with a server copies it.
    assert region.status("Header.csv") == "loaded"


def test_publishing_what_another_engine_has_not_built_is_refused_clearly(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    region.drop("Header.csv", header_text())
    region.load()
    done = csc(region.home.root, "--target", "postgres", "publish")
    assert done.returncode != 0
    assert "nothing was published" in done.stderr
    assert "with --target postgres" in done.stderr
    assert not (region.home.published / "warehouse.duckdb").exists()
    monkeypatch.setenv("CSC_TARGET", "oracle")
    done = csc(region.home.root, "load")
    assert done.returncode != 0
    assert "not an engine here" in done.stderr


def test_every_name_dbt_makes_fits_postgres_identifiers() -> None:
    """PostgreSQL cuts identifiers at 63 characters; a unit test's name becomes one."""
    too_long = []
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            if len(test["name"]) > 63:
                too_long.append(test["name"])
    too_long += [p.stem for p in (PROJECT_ROOT / "models").rglob("*.sql") if len(p.stem) > 63]
    assert too_long == []
