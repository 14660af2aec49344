"""A publication killed part-way, on a region built end to end: no half-written file is ever
under a final name, and the next publication removes what the killed one left and ends as a
publication never interrupted would."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from csc import reference
from csc.crash import CRASH_EXIT


def publish(home, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CSC_CRASH_AT"}
    if crash_at:
        env["CSC_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(home.root), "publish"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def council_rows(path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(
            "select schema_name, table_name, estimated_size from duckdb_tables() order by all"
        ).fetchall()
    finally:
        con.close()


def test_a_publication_killed_part_way_converges(home):
    councils = home.published / "councils"
    first = sorted(reference.councils())[0]
    before = {code: council_rows(councils / code / "warehouse.duckdb") for code in (first,)}
    # Without the record of the last publication every file is written again, as after a
    # change to the project.
    (home.build / "published.json").unlink()
    killed = publish(home, crash_at="publish")
    assert killed.returncode == CRASH_EXIT, killed.stderr[-2000:]
    # The killed run left a council's file written under its temporary name only.
    left = list(home.published.rglob("*.part"))
    assert left, "the kill point comes after a council's file is written"
    for code in reference.councils():
        assert (councils / code / "warehouse.duckdb").exists()
    done = publish(home)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert not list(home.published.rglob("*.part"))
    assert council_rows(councils / first / "warehouse.duckdb") == before[first]
