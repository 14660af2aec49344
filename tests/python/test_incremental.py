"""A build and a publication by council give exactly what building and publishing
everything gives, after each kind of drop a month brings: a new in-year extract, a
corrected resubmission, two councils in one run, a council's first ever drop.

A small synthetic region of three councils is loaded and built in steps, each step's build
rebuilding only the councils whose files changed and each publication rewriting only
theirs; after the steps a copy of the home (its raw tables as they are) is built and
published whole, and every table of the private warehouse and of every published file is
compared (csc.parity: row counts and a digest of the rows).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import csc
from csc import build, column_tests, parity, stamp
from csc.crash import CRASH_EXIT
from csc.warehouse import Home

IN_YEAR = "E06000036"  # Bracknell Forest: its in-year extract arrives in the first step
RESUBMITS = "E06000040"  # Windsor and Maidenhead: corrects its last return
NEWCOMER = "E06000041"  # Wokingham: its first ever drop comes in the last step
SCALE = "0.1"


def run(home: Path, *args: str) -> str:
    done = csc(home, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def copy_council(source: Path, home: Path, council: str, skip: str | None = None) -> None:
    for folder in sorted((source / council).iterdir()):
        if folder.name != skip:
            shutil.copytree(folder, home / "drops" / council / folder.name)


def resubmit(home: Path, council: str, year: str) -> None:
    """A corrected return for the same reference date: the episodes file with its last
    episode's placement postcode changed, written over the first and stamped again."""
    folder = home / "drops" / council / year
    episodes = folder / "Episodes.csv"
    lines = episodes.read_text().splitlines(keepends=True)
    cells = lines[-1].rstrip("\n").split(",")
    cells[11] = "ZZ1 1" if cells[11] != "ZZ1 1" else "ZZ9 9"
    lines[-1] = ",".join(cells) + "\n"
    episodes.write_text("".join(lines))
    stamp.write(folder, council, [p for p in folder.iterdir() if p.name != stamp.STAMP_NAME])


def built_whole(home: Path, tmp_path: Path) -> Path:
    """A copy of the home, its raw tables as they are, built and published whole."""
    whole = tmp_path / "whole"
    shutil.rmtree(whole, ignore_errors=True)
    shutil.copytree(home, whole, ignore=shutil.ignore_patterns("published", "published.json"))
    out = run(whole, "build", "--full")
    assert "every model and test" in out
    run(whole, "publish")
    return whole


def assert_same(mine: Path, theirs: Path, schemas: tuple[str, ...]) -> None:
    left = duckdb.connect(str(mine), read_only=True)
    right = duckdb.connect(str(theirs), read_only=True)
    try:
        assert parity.differences(left, right, schemas) == []
        assert parity.digests(left, schemas), f"{mine} holds no table to compare"
    finally:
        left.close()
        right.close()


def assert_home_equals_whole(home: Path, whole: Path) -> None:
    assert_same(
        home / "build" / "warehouse.duckdb",
        whole / "build" / "warehouse.duckdb",
        ("staging", "intermediate", "marts", "regional"),
    )
    published = sorted((home / "published").rglob("*.duckdb"))
    assert len(published) == 1 + 1 + 19  # the hub's, the region's and every council's
    for path in published:
        other = whole / "published" / path.relative_to(home / "published")
        assert_same(path, other, ("marts", "quality", "regional", "reference"))
    assert sorted(p.relative_to(home) for p in (home / "published").rglob("*.duckdb")) == sorted(
        p.relative_to(whole) for p in (whole / "published").rglob("*.duckdb")
    )


def folded_tests_dbt_ran(home: Path) -> list[str]:
    target = home / "build" / build.BUILD_TARGET
    results = json.loads((target / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"]}
    assert any(r.startswith("test.") for r in ran), "the refresh ran no data test at all"
    manifest = json.loads((target / "manifest.json").read_text())
    return [t.unique_id for t in column_tests.folded_tests(manifest) if t.unique_id in ran]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("source")
    run(
        root,
        "generate",
        "--scale",
        SCALE,
        *("--council", IN_YEAR, "--council", RESUBMITS, "--council", NEWCOMER),
    )
    return root


@pytest.fixture(scope="module")
def home(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two councils loaded and built whole, the first without its in-year extract."""
    root = tmp_path_factory.mktemp("home")
    shutil.copytree(source / "keys", root / "keys")
    in_year = max(p.name for p in (source / "drops" / IN_YEAR).iterdir())
    copy_council(source / "drops", root, IN_YEAR, skip=in_year)
    copy_council(source / "drops", root, RESUBMITS)
    run(root, "load")
    assert "every model and test" in run(root, "build")
    run(root, "publish")
    return root


def test_each_kind_of_drop_rebuilds_its_councils_to_what_a_whole_build_gives(
    home: Path, source: Path, tmp_path: Path
) -> None:
    """A new in-year extract for one council; then, in one run, a corrected resubmission
    for another and a third council's first ever drop; last, a correction of one SSDA903
    table alone, which rebuilds only the models that return reaches. Each council's rows
    are last built by the step of its kind, and the models the last step leaves as they
    were are compared too, so the comparison at the end checks every kind."""
    in_year = max(p.name for p in (source / "drops" / IN_YEAR).iterdir())
    shutil.copytree(source / "drops" / IN_YEAR / in_year, home / "drops" / IN_YEAR / in_year)
    run(home, "load")
    assert f"dbt build of {IN_YEAR} and the models comparing councils" in run(home, "build")
    # dbt's built-in column tests were evaluated beside dbt (csc.column_tests), not by it.
    assert not folded_tests_dbt_ran(home)
    assert "(1 written this time)" in run(home, "publish")

    year = sorted(p.name for p in (home / "drops" / RESUBMITS).iterdir())[-2]
    resubmit(home, RESUBMITS, year)
    copy_council(source / "drops", home, NEWCOMER)
    run(home, "load")
    out = run(home, "build")
    assert f"dbt build of {RESUBMITS}, {NEWCOMER} and the models comparing councils" in out
    assert "(2 written this time)" in run(home, "publish")

    resubmit(home, RESUBMITS, year)
    run(home, "load")
    out = run(home, "build")
    reach = re.search(r"\((\d+) models: those the changed SSDA903 returns reach\)", out)
    assert reach, out
    manifest = json.loads((home / "build" / build.BUILD_TARGET / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert 0 < int(reach[1]) < len(models)
    # The refresh's changes waited in DuckDB's log and were written to the file as dbt closed it.
    assert not (home / "build" / "warehouse.duckdb.wal").exists()
    assert "(1 written this time)" in run(home, "publish")
    assert_home_equals_whole(home, built_whole(home, tmp_path))


def test_a_publication_killed_part_way_is_finished_by_the_next(home: Path) -> None:
    """Killed before the hub's new file is in place, then before a council's is: the
    previous files stay whole, and the next publication brings every file up to date."""
    year = sorted(p.name for p in (home / "drops" / NEWCOMER).iterdir())[-2]
    resubmit(home, NEWCOMER, year)
    run(home, "load")
    assert f"dbt build of {NEWCOMER} and" in run(home, "build")
    hub = home / "published" / "warehouse.duckdb"
    council = home / "published" / "councils" / NEWCOMER / "warehouse.duckdb"
    before = {path: path.read_bytes() for path in (hub, council)}
    for point in ("publish-hub", "publish"):
        assert csc(home, "publish", crash_at=point).returncode == CRASH_EXIT
        assert council.read_bytes() == before[council]
    assert hub.read_bytes() != before[hub]  # the second kill came after the hub's swap
    run(home, "publish")
    assert not list((home / "published").rglob("*.part"))
    private = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    shared = duckdb.connect(str(hub), read_only=True)
    try:
        assert parity.differences(private, shared, ("marts", "regional", "reference")) == []
        [(rows,)] = private.execute(
            "select count(*) from marts.fct_episodes where la_code = ?", [NEWCOMER]
        ).fetchall()
    finally:
        private.close()
        shared.close()
    own = duckdb.connect(str(council), read_only=True)
    try:
        assert own.sql("select count(*) from marts.fct_episodes").fetchall() == [(rows,)]
    finally:
        own.close()


def test_nothing_new_builds_nothing_and_publishes_the_same(home: Path) -> None:
    before = build.last_good_build(Home(home))
    run(home, "load")
    assert "dbt build not needed" in run(home, "build")
    assert build.last_good_build(Home(home)) == before


def test_a_changed_project_is_built_whole() -> None:
    previous = build.BuildOutcome(True, [], "project-1", {IN_YEAR: "a", RESUBMITS: "b"})
    assert build.plan(previous, "project-2", {IN_YEAR: "a", RESUBMITS: "b"}, False).full
    assert build.plan(None, "project-1", {IN_YEAR: "a"}, False).full
    assert build.plan(previous, "project-1", {IN_YEAR: "a", RESUBMITS: "b"}, True).full


def test_a_changed_rule_catalogue_changes_what_the_project_is_taken_to_be(tmp_path: Path) -> None:
    """Every council's DfE validation reads the loader's rule catalogue: new wording must
    rebuild every council, as a changed project does."""
    from csc import warehouse

    home = Home(tmp_path)
    con = warehouse.connect(home)
    con.execute("insert into raw.load_rules values ('903:103', 'warning', 'old words', 'error')")
    con.close()
    before = build.rules_digest(home)
    con = warehouse.connect(home)
    con.execute("update raw.load_rules set description = 'new words'")
    con.close()
    assert before and build.rules_digest(home) not in ("", before)


def test_the_plan_names_changed_new_and_gone_councils_only() -> None:
    previous = build.BuildOutcome(True, [], "p", {IN_YEAR: "a", RESUBMITS: "b", "?": "q"})
    same = build.plan(previous, "p", {IN_YEAR: "a", RESUBMITS: "b", "?": "q"}, False)
    assert same.nothing and not same.full
    changed = build.plan(previous, "p", {IN_YEAR: "a2", NEWCOMER: "c", "?": "q"}, False)
    assert changed.councils == (IN_YEAR, RESUBMITS, NEWCOMER)
    unknown_only = build.plan(previous, "p", {IN_YEAR: "a", RESUBMITS: "b", "?": "r"}, False)
    assert unknown_only.councils == () and not unknown_only.nothing


def test_the_plan_names_the_kinds_of_return_that_changed_for_known_councils() -> None:
    before = {f"{IN_YEAR} episodes": "a", f"{IN_YEAR} cin": "b", "? episodes": "q"}
    previous = build.BuildOutcome(True, [], "p", {IN_YEAR: "ab"}, before)
    now = {**before, f"{IN_YEAR} episodes": "a2", "? cin": "r", f"{NEWCOMER} annex_a": "c"}
    changed = build.plan(previous, "p", {IN_YEAR: "a2b", NEWCOMER: "c"}, False, now)
    assert changed.kinds == ("annex_a", "episodes")
    # A council's digest follows its returns' digests, and only its own.
    councils_before, councils_now = build.council_digests(before), build.council_digests(now)
    assert councils_before[IN_YEAR] != councils_now[IN_YEAR]
    assert councils_before["?"] != councils_now["?"] and NEWCOMER in councils_now
    assert build.council_digests(dict(reversed(list(now.items())))) == councils_now
    # A record from before kinds were kept: any kind may have changed.
    old = build.BuildOutcome(True, [], "p", {IN_YEAR: "ab"})
    assert build.plan(old, "p", {IN_YEAR: "a2b"}, False, now).kinds is None


def _model(name: str, *parents: str) -> tuple[str, dict]:
    return f"model.p.{name}", {
        "resource_type": "model",
        "name": name,
        "depends_on": {"nodes": list(parents)},
    }


def _source(source: str, name: str, table: str) -> tuple[str, dict]:
    return f"source.p.{source}.{name}", {
        "source_name": source,
        "name": name,
        "schema": "raw",
        "identifier": table,
    }


def test_only_models_a_changed_return_or_the_load_bookkeeping_reach_are_stale() -> None:
    """A model reading the load manifest beside a return's raw table keeps that return's
    current submission: stale only when that return changed. A model reading the
    manifest alone, or the loader's bookkeeping, is always stale; what reads seeds or the
    demand tables alone is not; staleness runs downstream."""
    manifest_source = "source.p.ssda903.load_manifest"
    sources = dict(
        [
            _source("ssda903", "load_manifest", "load_manifest"),
            _source("ssda903", "episodes", "ssda903_episodes"),
            _source("cin_census", "children", "cin_children"),
            _source("loads", "load_failures", "load_failures"),
            _source("demand", "demand_projections", "demand_projections"),
        ]
    )
    nodes = dict(
        [
            _model("stg_episodes", "source.p.ssda903.episodes", manifest_source),
            _model("stg_children", "source.p.cin_census.children", manifest_source, "seed.p.c"),
            _model("stg_files", manifest_source),
            _model("stg_failures", "source.p.loads.load_failures"),
            _model("calendar", "seed.p.holidays"),
            _model("projections", "source.p.demand.demand_projections", "model.p.calendar"),
            _model("children_journeys", "model.p.stg_children", "model.p.calendar"),
            _model("care_journeys", "model.p.stg_episodes", "model.p.children_journeys"),
            _model("quality", "model.p.stg_failures"),
        ]
    )
    nodes["test.p.unique_stg_files"] = {"resource_type": "test", "depends_on": {"nodes": []}}
    manifest = {"sources": sources, "nodes": nodes}

    def models(kinds: tuple[str, ...]) -> set[str]:
        selectors, chosen = build.stale(manifest, kinds)
        assert {s for s in selectors if not s.startswith("source:")} == {
            uid.split(".")[-1] for uid in chosen if uid.startswith("model.")
        }
        return {s for s in selectors if not s.startswith("source:")}

    always = {"stg_files", "stg_failures", "quality"}
    assert models(("episodes",)) == always | {"stg_episodes", "care_journeys"}
    assert models(("cin",)) == always | {"stg_children", "children_journeys", "care_journeys"}
    assert models(()) == always
    selectors, _ = build.stale(manifest, ("episodes",))
    assert "source:ssda903.episodes" in selectors and "source:cin_census.children" not in selectors
    assert "source:ssda903.load_manifest" in selectors  # so dbt runs its tests
    assert "source:demand.demand_projections" not in selectors


def _plant(con: duckdb.DuckDBPyConnection, test: column_tests.ColumnTest, council: str) -> bool:
    """Break `test` on one row of `council` (every row of a table not built by council);
    False when the table's own constraints refuse it."""
    rows = f"la_code = '{council}'" if test.by_council else "true"
    pick = f"rowid = (select min(rowid) from {test.relation} where {rows})"
    column = test.column
    if test.kind == "unique":
        statements = [
            f"insert into {test.relation} select * from {test.relation} "
            f"where {rows} and {column} is not null limit 1"
        ]
    elif test.kind == "not_null":
        statements = [f"update {test.relation} set {column} = null where {pick}"]
    else:
        statements = [
            f"update {test.relation} set {column} = {value} where {pick}"
            for value in ("'planted'", "-99")
        ]
    for statement in statements:
        try:
            con.execute(statement)
            return True
        except duckdb.Error:
            continue
    return False


def test_column_tests_evaluated_together_fail_as_dbts_own(home: Path, tmp_path: Path) -> None:
    """Defects planted for each kind of folded test, in a council being rebuilt, in a
    council that is not, and in tables rebuilt whole: evaluated together, every test finds
    as many failures as dbt's own test finds on the same warehouse and councils."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("published", "published.json"))
    target = copy / "build" / build.BUILD_TARGET
    tests = column_tests.folded_tests(json.loads((target / "manifest.json").read_text()))
    planted: dict[str, set[str]] = {}
    con = duckdb.connect(str(copy / "build" / "warehouse.duckdb"))
    try:
        touched: set[str] = set()
        for test in tests:
            # la_code is the council itself: breaking it would move the row between councils.
            if test.relation in touched or test.column == "la_code":
                continue
            for council in (IN_YEAR, RESUBMITS) if test.by_council else ("",):
                if _plant(con, test, council):
                    touched.add(test.relation)
                    planted.setdefault(test.kind, set()).add(council or "whole")
    finally:
        con.close()
    assert set(planted) == set(column_tests.FOLDED), planted
    councils = (IN_YEAR,)
    build._run_dbt(Home(copy), "test", "--select", *column_tests.EXCLUDE[1:], councils=councils)
    results = json.loads((target / "run_results.json").read_text())
    dbts = {
        r["unique_id"]: r["failures"] or 0
        for r in results["results"]
        if r["unique_id"].startswith("test.")
    }
    assert set(dbts) == {t.unique_id for t in tests}
    con = duckdb.connect(str(copy / "build" / "warehouse.duckdb"), read_only=True)
    try:
        ours = column_tests.evaluate(con, tests, councils)
    finally:
        con.close()
    assert ours.counts == dbts
    failing = {t.kind for t in tests if dbts[t.unique_id]}
    assert failing == set(column_tests.FOLDED), "some kind's defects were never seen"
    # A defect in a council not being rebuilt is not this refresh's to find, as in dbt.
    con = duckdb.connect(str(copy / "build" / "warehouse.duckdb"), read_only=True)
    try:
        everywhere = column_tests.evaluate(con, tests, None)
    finally:
        con.close()
    assert any(everywhere.counts[t] > n for t, n in ours.counts.items())
    failed, outside = build.failed_nodes(Home(copy), ours.failed)
    assert set(ours.failed) <= set(failed) and outside


def test_a_forecast_builds_the_demand_marts_and_leaves_the_build_publishable(
    home: Path, tmp_path: Path
) -> None:
    """`csc forecast` on a built region: the demand marts hold every council and the
    region, the build's record still holds (so publishing works), and the hub's file
    carries the projections."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    # the councils the region holds by now (a test before this one may have added one)
    councils = len([p for p in (copy / "drops").iterdir() if p.is_dir()])
    out = run(copy, "forecast", "--runs", "20", "--horizon-months", "12")
    assert f"projected {councils + 1} areas ({councils} councils and the region)" in out
    con = duckdb.connect(str(copy / "build" / "warehouse.duckdb"), read_only=True)
    try:
        areas = con.sql(
            "select area_type, count(distinct la_code) from marts.fct_demand_projections "
            "where months_ahead = 12 group by all order by all"
        ).fetchall()
        [(backtests,)] = con.sql("select count(*) from marts.fct_demand_backtests").fetchall()
    finally:
        con.close()
    assert areas == [("council", councils), ("region", 1)]
    assert backtests > 0
    assert build.last_good_build(Home(copy)) is not None
    run(copy, "publish")
    hub = duckdb.connect(str(copy / "published" / "warehouse.duckdb"), read_only=True)
    try:
        [(rows,)] = hub.sql("select count(*) from marts.fct_demand_projections").fetchall()
    finally:
        hub.close()
    assert rows > 0
    regional = duckdb.connect(str(copy / "published" / "regional" / "region.duckdb"), True)
    try:
        shared = regional.sql(
            "select max(months_ahead), count(distinct la_code), count(children_median) "
            "from regional.demand_projections"
        ).fetchall()
    finally:
        regional.close()
    assert shared[0][:2] == (12, councils + 1) and shared[0][2] > 0
    # `csc run` with nothing new projects nothing again: the history up to the origin and
    # the unit costs are as they were.
    assert "demand projections as before" in run(copy, "run")
