"""A run killed at any named point (csc.crash) leaves no trace, and the next run ends where a
run never interrupted would."""

from __future__ import annotations

import duckdb
import pytest

from conftest import Region, csc, episodes_text, header_text
from csc.crash import CRASH_EXIT

RAW_TABLES = ("ssda903_header", "ssda903_episodes")


def outcome(region: Region) -> tuple:
    """What a load leaves, without the run's own ids and times."""
    con = duckdb.connect(str(region.home.warehouse), read_only=True)
    try:
        manifest = con.sql(
            "select path, sha256, kind, status, rows, critical_failures, warning_failures "
            "from raw.load_manifest order by path"
        ).fetchall()
        failures = con.sql(
            "select path, rule_id, severity, row_number, failing_values "
            "from raw.load_failures order by all"
        ).fetchall()
        raw = [
            con.sql(
                f"select * exclude (_load_id) from raw.{table} order by all"  # noqa: S608
            ).fetchall()
            for table in RAW_TABLES
        ]
        runs = con.sql("select count(*) from raw.load_runs").fetchall()
        return manifest, failures, raw, runs
    finally:
        con.close()


def drops(region: Region) -> None:
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.drop("Broken.csv", episodes_text().replace(",S,", ',"S,'), reference_date="2024-02-29")
    region.drop("Unknown.csv", "A,B,C\n1,2,3\n", reference_date="2024-02-29")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple:
    region = Region(tmp_path_factory.mktemp("clean"))
    drops(region)
    done = csc(region.home.root, "load")
    assert done.returncode == 0, done.stderr
    return outcome(region)


@pytest.mark.parametrize("point", ["parse", "raw_write", "commit", "data_docs"])
def test_a_load_killed_at_a_named_point_converges(tmp_path, clean, point):
    region = Region(tmp_path)
    drops(region)
    killed = csc(region.home.root, "load", crash_at=point)
    assert killed.returncode == CRASH_EXIT, killed.stderr
    if point != "data_docs":
        # Nothing of the killed run is in the warehouse: no run, no file, no row.
        assert region.query("select count(*) from raw.load_runs") == [(0,)]
        assert region.query("select count(*) from raw.load_manifest") == [(0,)]
        assert not region.home.data_docs.exists()
    again = csc(region.home.root, "load")
    assert again.returncode == 0, again.stderr
    if point == "data_docs":  # the killed run had committed: the next one is a second run
        assert outcome(region)[:3] == clean[:3]
    else:
        assert outcome(region) == clean
    # The Data Docs of the killed run, or of the run after, are published either way.
    assert (region.home.data_docs / "E06000036" / "index.html").exists()
    assert not (region.home.build / "data_docs_pending").exists() or not any(
        (region.home.build / "data_docs_pending").iterdir()
    )
    assert not region.home.work.exists() or not any(region.home.work.iterdir())


def test_a_second_run_on_the_same_home_is_told_another_holds_it(tmp_path):
    from csc import warehouse

    region = Region(tmp_path)
    drops(region)
    with warehouse.hold(region.home):
        done = csc(region.home.root, "load")
    assert done.returncode != 0
    assert "another csc run holds" in done.stderr + done.stdout
    assert not region.home.warehouse.exists() or region.query(
        "select count(*) from raw.load_runs"
    ) == [(0,)]


def test_publish_refuses_a_warehouse_no_passing_build_left(tmp_path):
    region = Region(tmp_path)
    drops(region)
    assert csc(region.home.root, "load").returncode == 0
    done = csc(region.home.root, "publish")
    assert done.returncode != 0
    assert "nothing was published" in done.stderr + done.stdout
    assert not (region.home.published / "warehouse.duckdb").exists()


def test_a_build_killed_leaves_nothing_to_publish(tmp_path):
    from csc import build

    region = Region(tmp_path)
    drops(region)
    assert csc(region.home.root, "load").returncode == 0
    # As a passing build would leave it: publishing is allowed...
    build.record_passed(region.home, build.BuildOutcome(regional_passed=True))
    assert build.last_good_build(region.home) is not None
    # ...until a build starts and is killed before it passes.
    killed = csc(region.home.root, "build", crash_at="dbt")
    assert killed.returncode == CRASH_EXIT
    assert build.last_good_build(region.home) is None
    done = csc(region.home.root, "publish")
    assert done.returncode != 0 and "nothing was published" in done.stderr + done.stdout


def test_a_load_after_a_good_build_leaves_nothing_to_publish(tmp_path):
    from csc import build

    region = Region(tmp_path)
    drops(region)
    assert csc(region.home.root, "load").returncode == 0
    build.record_passed(region.home, build.BuildOutcome(regional_passed=True))
    region.drop("Header.csv", header_text(), reference_date="2024-01-31")
    assert csc(region.home.root, "load").returncode == 0
    assert build.last_good_build(region.home) is None
