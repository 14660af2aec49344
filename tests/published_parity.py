"""Whether two publications of the same region hold the same: what a build on another
engine published (tests/integration/test_postgres_parity.py, tests/spark) against what the
DuckDB build published."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from csc import parity
from csc.warehouse import Home


def copy_of_built_home(home: Home, root: Path, engine: str) -> Home:
    """A new home holding only what publishing from `engine` reads: the private file (its
    load bookkeeping; its size and time, which the build's record names), the record of
    the engine's build and that build's manifest."""
    copy = Home(root)
    (copy.build / f"dbt_target_{engine}").mkdir(parents=True)
    for part in (
        "warehouse.duckdb",
        f"build_passed_{engine}.json",
        f"dbt_target_{engine}/manifest.json",
    ):
        shutil.copy2(home.build / part, copy.build / part)
    return copy


def assert_same_publications(ours: Path, theirs: Path) -> None:
    """The disclosure-controlled files, the hub's marts and each council's own file hold
    the same tables with the same rows; each council's file only its own rows."""
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


def assert_same_pack(home: Home, other: Home, env: dict[str, str]) -> None:
    """The pack written from the other publication's regional file reads as ours does."""
    ours, theirs = home.published, other.published
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
        assert same_page(
            (ours / "report" / page).read_text(encoding="utf-8"),
            (theirs / "report" / page).read_text(encoding="utf-8"),
        ), page


NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")


def same_page(mine: str, theirs: str) -> bool:
    """Two pages read the same: every word and label alike, and the numbers the charts are
    drawn from (written to 17 digits, so an engine's order of adding shows in the last)
    within parity's tolerance."""
    if NUMBER.split(mine) != NUMBER.split(theirs):
        return False
    return all(
        math.isclose(float(a), float(b), rel_tol=parity.TOLERANCE)
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(theirs), strict=True)
    )
