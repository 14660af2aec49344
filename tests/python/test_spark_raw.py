"""The raw tables Spark reads (`csc --target spark`): Parquet files the loader writes from
the private DuckDB file, equal to its raw tables after every load, writing only the files
of returns Spark has not seen, and a copy that fails part way leaves the folder as it was.

Spark itself is not started here (`make test-spark` builds on it): these check the files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import Region, episodes_text, header_text
from csc import engines, parity


def raw_folder(region: Region) -> Path:
    return engines.spark_folder(region.home) / "raw"


def sync(region: Region) -> engines.Synced:
    return engines.sync_spark(region.home.warehouse, raw_folder(region))


def raw_differences(region: Region) -> list[str]:
    theirs = engines.mirror_spark({"raw": raw_folder(region)})
    compared, found = parity.against_file(region.home.warehouse, theirs, ("raw",))
    assert compared, "DuckDB holds no raw table"
    return found


def files(region: Region, table: str) -> dict[str, int]:
    """A raw table's Parquet files and their inodes."""
    return {p.name: p.stat().st_ino for p in (raw_folder(region) / table).glob("*.parquet")}


def test_each_load_writes_only_new_files_and_leaves_equal_raw_tables(region: Region) -> None:
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.load()
    done = sync(region)
    assert done.files_added == 2
    assert raw_differences(region) == []
    first = files(region, "ssda903_header")

    # A later return: only its file is written; the first return's file is the same file.
    region.drop("Header.csv", header_text(range(1, 6)), reference_date="2025-03-31")
    region.load()
    done = sync(region)
    assert done.files_added == 1
    assert done.rows_added == 5
    assert raw_differences(region) == []
    after = files(region, "ssda903_header")
    assert len(after) == len(first) + 1
    for name, inode in first.items():
        if name != "columns.parquet":
            assert after[name] == inode, "an unchanged return's file was written again"

    # Nothing new: nothing written, still equal.
    done = sync(region)
    assert (done.files_added, done.files_removed) == (0, 0)
    assert raw_differences(region) == []


def test_a_table_with_no_rows_still_gives_spark_its_columns(region: Region) -> None:
    region.drop("Header.csv", header_text())
    region.load()
    sync(region)
    columns = raw_folder(region) / "ssda903_episodes" / "columns.parquet"
    con = duckdb.connect()
    try:
        [(rows,)] = con.execute("select count(*) from read_parquet(?)", [str(columns)]).fetchall()
        names = {
            n
            for (n,) in con.execute("select name from parquet_schema(?)", [str(columns)]).fetchall()
        }
    finally:
        con.close()
    assert rows == 0
    assert {"_load_id", "_source_file"} <= names


def test_a_copy_failing_part_way_leaves_the_raw_folder_as_it_was(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    region.drop("Header.csv", header_text())
    region.load()
    sync(region)
    before = {p.relative_to(raw_folder(region)) for p in raw_folder(region).rglob("*")}
    region.drop("Header.csv", header_text(range(1, 6)), reference_date="2025-03-31")
    region.drop("Episodes.csv", episodes_text(), reference_date="2025-03-31")
    region.load()

    written = []
    real = engines._parquet

    def write_then_fail(duck, query, path, params=()):  # noqa: ANN001, ANN202
        if path.parent.name == "ssda903_header" and path.name != "columns.parquet":
            raise OSError("no space left on device")
        written.append(path)
        return real(duck, query, path, params)

    monkeypatch.setattr(engines, "_parquet", write_then_fail)
    with pytest.raises(OSError, match="no space left"):
        sync(region)
    assert any(p.parent.name == "ssda903_episodes" for p in written)
    assert {p.relative_to(raw_folder(region)) for p in raw_folder(region).rglob("*")} == before
    monkeypatch.setattr(engines, "_parquet", real)
    # The next copy finishes what the failed one began.
    assert raw_differences(region) != []
    sync(region)
    assert raw_differences(region) == []
