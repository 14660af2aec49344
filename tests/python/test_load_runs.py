"""Whole runs: a battery of bad files beside good ones, twice over with identical results;
a crash part-way leaves no trace."""

from __future__ import annotations

import shutil

import pytest

from conftest import EPISODE_COLUMNS, Region, episode_rows, episodes_text, header_text
from csc import load as loader


def battery(region: Region) -> None:
    """Good files and bad files for two councils and two returns: an episode whose start date
    (part of its key) is impossible is set aside, the rest of its file loads."""
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.drop("Header.csv", header_text(), council="E06000043")
    bad = episode_rows()
    bad[0] = bad[0].replace("01/05/2023", "31/02/2023")
    region.drop("Episodes.csv", episodes_text(bad), council="E06000043")
    region.drop("empty.csv", b"", council="E06000043")
    region.drop("notes.txt", "not a return\n", council="E06000043")
    region.drop("Header.csv", header_text(), reference_date="2025-03-31")
    region.drop(
        "Episodes.csv", episodes_text(columns=EPISODE_COLUMNS.lower()), reference_date="2025-03-31"
    )


def outcome(region: Region) -> tuple[list[tuple], list[tuple], list[tuple]]:
    manifest = region.query(
        "select path, kind, status, rows, critical_failures, warning_failures, message "
        "from raw.load_manifest order by path"
    )
    failures = region.query(
        "select path, rule_id, severity, row_number, child, failing_values, message "
        "from raw.load_failures order by all"
    )
    rows = region.query(
        "select _source_file, count(*) from raw.ssda903_episodes group by 1 order by 1"
    )
    return manifest, failures, rows


def test_battery_quarantines_bad_files_and_loads_good_ones(region):
    battery(region)
    region.load()
    manifest, _, rows = outcome(region)
    status = {path: s for path, _, s, *_ in manifest}
    assert status == {
        "E06000036/2024-03-31/Episodes.csv": "loaded",
        "E06000036/2024-03-31/Header.csv": "loaded",
        "E06000036/2025-03-31/Episodes.csv": "loaded",
        "E06000036/2025-03-31/Header.csv": "loaded",
        "E06000043/2024-03-31/Episodes.csv": "loaded",
        "E06000043/2024-03-31/Header.csv": "loaded",
        "E06000043/2024-03-31/empty.csv": "quarantined",
        "E06000043/2024-03-31/notes.txt": "quarantined",
    }
    assert rows == [
        ("E06000036/2024-03-31/Episodes.csv", 3),
        ("E06000036/2025-03-31/Episodes.csv", 3),
        ("E06000043/2024-03-31/Episodes.csv", 2),
    ]
    set_aside = [m for m in manifest if m[0] == "E06000043/2024-03-31/Episodes.csv"][0]
    assert set_aside[3] == 2 and "1 row(s) set aside" in set_aside[6]


def test_loading_twice_changes_nothing_and_a_fresh_load_is_identical(region, tmp_path):
    battery(region)
    region.load()
    first = outcome(region)
    report = region.load()
    assert report.new == []
    assert outcome(region) == first

    again = Region(tmp_path / "again")
    shutil.copytree(region.home.drops, again.home.drops)
    again.load()
    assert outcome(again) == first


def test_a_crash_part_way_leaves_no_trace(region, monkeypatch):
    battery(region)

    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(loader, "supersede", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        region.load()
    assert region.query("select count(*) from raw.load_manifest") == [(0,)]
    assert region.query("select count(*) from raw.ssda903_episodes") == [(0,)]
    assert region.query("select count(*) from raw.load_failures") == [(0,)]

    monkeypatch.undo()
    report = region.load()
    assert len(report.new) == 8
    assert region.query("select count(*) from raw.ssda903_episodes") == [(8,)]


def test_the_new_files_rows_wait_in_a_scratch_database_that_goes_with_the_load(region, monkeypatch):
    """Rows waiting to be checked are kept in a database file under the load's working
    folder (stored compressed), not in temp tables that spill to disk uncompressed; the
    file is gone once the load is, and nothing of it reaches the warehouse."""
    battery(region)
    seen: dict[str, object] = {}
    supersede = loader.supersede

    def looking(con, now):  # noqa: ANN001, ANN202
        seen["tables"] = con.sql(
            "select database_name, table_name from duckdb_tables() "
            "where table_name like 'batch\\_%' escape '\\' order by all"
        ).fetchall()
        seen["files"] = sorted(p.name for p in region.home.work.rglob("*.duckdb"))
        return supersede(con, now)

    monkeypatch.setattr(loader, "supersede", looking)
    region.load()
    where = {table: database for database, table in seen["tables"]}
    assert len(where) == len(seen["tables"])  # no name in two places
    for table in ("batch_episodes", "batch_header", "batch_cin_children", "batch_annex_a_contacts"):
        assert where.get(table) == "scratch", seen["tables"]
    # Only the lists of files and Header rows the checks consult stay temp tables.
    assert {t for t, d in where.items() if d != "scratch"} <= {"batch_files", "batch_header_rows"}
    assert seen["files"] == ["scratch.duckdb"]
    assert not region.home.work.exists() or not any(region.home.work.rglob("*"))
    assert region.query("select count(*) from duckdb_tables() where table_name like 'batch%'") == [
        (0,)
    ]
    assert region.query("select count(*) from raw.ssda903_episodes") == [(8,)]


def test_a_later_reference_date_supersedes_an_in_year_extract(region):
    region.drop("Episodes.csv", episodes_text(), reference_date="2024-01-31")
    region.load()
    region.drop("Episodes.csv", episodes_text(episode_rows(range(1, 6))))
    region.load()
    assert region.query("select path, status, rows from raw.load_manifest order by path") == [
        ("E06000036/2024-01-31/Episodes.csv", "superseded", 3),
        ("E06000036/2024-03-31/Episodes.csv", "loaded", 5),
    ]
    # An older extract arriving late does not displace the newer one.
    region.drop(
        "Episodes.csv", episodes_text(episode_rows(range(1, 2))), reference_date="2023-12-31"
    )
    region.load()
    assert region.status("Episodes.csv") == "superseded"
    assert region.query("select path from raw.load_manifest where status = 'loaded'") == [
        ("E06000036/2024-03-31/Episodes.csv",)
    ]
