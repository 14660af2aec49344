"""Run dbt against a home folder's private warehouse file, and record whether it passed.

Only a build that passed is published: `dbt build` first removes the record of the last
good build, and writes it again only when every model and test passed. The record holds the
size and modification time of the warehouse file as dbt left it, so a load or a build that
changes the file afterwards (or dies part-way) leaves nothing `csc publish` will take.

A failure that concerns only the regional, disclosure-controlled tables (a model under
`models/marts/regional/` or a test of one) does not stop the hub's and the councils'
refresh: the record says the regional tables did not pass, and the previous regional
publication stays.

A build does only what changed since the last build that passed. The record also holds a
digest of the dbt project (with the loader's rule catalogue) and, for each council, a
digest of its files in the load manifest (each file and its status). When the project is
as it was, only the councils whose files changed are rebuilt (macros/by_council.sql), and
only in the models their changed kinds of return reach (`stale`: an in-year SSDA903
extract leaves the CIN census's and Annex A's models as they are); the models that compare
councils among those are rebuilt whole; the data tests check the rebuilt councils' rows
and the whole of the tables rebuilt whole (dbt's built-in column tests evaluated together
beside dbt rather than as hundreds of dbt nodes: csc.column_tests); and the seeds, the
unit tests and the docs page, which depend on the project alone, are left as the last
build made them. When nothing changed at all, dbt does not run. A changed project, a
missing record or `csc build --full` builds everything.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess  # nosec B404 # runs dbt with our own interpreter
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
import duckdb

from csc import column_tests, layout, warehouse
from csc.crash import crash_point
from csc.reference import PROJECT_ROOT
from csc.warehouse import Home

DOCS_TARGET = "dbt_docs"
BUILD_TARGET = "dbt_target"
REGIONAL_PATH = "marts/regional/"
PASSED_FILE = "build_passed.json"
# What a dbt build depends on besides the warehouse's raw tables.
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")
# Names the councils a build rebuilds (macros/by_council.sql).
COUNCILS_VARIABLE = "CSC_BUILD_COUNCILS"
# The dbt source of the tables `csc forecast` writes.
DEMAND_SOURCE = "demand"
MANIFEST_TABLE = "raw.load_manifest"
RETURN_NAMES = {"placement_costs": "placement costs", "cin": "CIN census", "annex_a": "Annex A"}


@dataclass
class BuildOutcome:
    """What the last `dbt build` left: whether the regional tables may be published."""

    regional_passed: bool
    failed: list[str] = field(default_factory=list)
    # What it was built from: the project's digest and each council's files' digest.
    project: str = ""
    councils: dict[str, str] = field(default_factory=dict)
    # Each council's files of each kind of return, keyed "<council> <kind>".
    returns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildPlan:
    """What a build does: everything, some councils, or nothing."""

    full: bool
    councils: tuple[str, ...] | None = ()  # None: nothing to build
    reason: str = ""
    # The kinds of return (the load manifest's `kind`) whose files changed for those
    # councils; None: any may have.
    kinds: tuple[str, ...] | None = None

    @property
    def nothing(self) -> bool:
        return not self.full and self.councils is None


def project_digest() -> str:
    """A digest of everything of the dbt project a build reads, and of dbt's version."""
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(f"{package}=={importlib.metadata.version(package)}\n".encode())
    for part in PROJECT_PARTS:
        path = PROJECT_ROOT / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(PROJECT_ROOT)).encode() + b"\0")
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def rules_digest(home: Home) -> str:
    """A digest of the loader's rule catalogue (`raw.load_rules`), which every council's
    DfE validation reads: new wording or severities rebuild every council."""
    if not home.warehouse.exists():
        return ""
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        [(digest,)] = con.sql(
            "select coalesce(md5(string_agg(concat_ws(':', rule_id, severity, description, "
            "dfe_severity), chr(10) order by rule_id)), '') from raw.load_rules"
        ).fetchall()
    except duckdb.CatalogException:
        return ""
    finally:
        con.close()
    return str(digest)


def return_digests(home: Home) -> dict[str, str]:
    """For each council (`?` for files of no known council) and kind of return, a digest of
    its files in the load manifest (each file and what became of it), keyed
    "<council> <kind>"."""
    if not home.warehouse.exists():
        return {}
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        rows = con.sql(
            "select coalesce(la_code, '?') || ' ' || coalesce(kind, '?'), "
            "md5(string_agg(file_id || ':' || status, ',' order by file_id)) "
            "from raw.load_manifest group by all"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    finally:
        con.close()
    return dict(rows)


def council_digests(returns: dict[str, str]) -> dict[str, str]:
    """For each council, a digest of its returns' digests (`return_digests`): what it
    dropped and what became of each file."""
    parts: dict[str, list[str]] = {}
    for key, digest in sorted(returns.items()):
        council, _, kind = key.partition(" ")
        parts.setdefault(council, []).append(f"{kind}:{digest}")
    return {
        council: hashlib.sha256(",".join(kinds).encode()).hexdigest()
        for council, kinds in parts.items()
    }


def plan(
    previous: BuildOutcome | None,
    project: str,
    councils: dict[str, str],
    full: bool,
    returns: dict[str, str] | None = None,
) -> BuildPlan:
    """Decide what a build must do, from the last passing build's record (and, with
    `returns`, which kinds of return changed for the councils it rebuilds)."""
    if full:
        return BuildPlan(full=True, reason="a full build was asked for")
    if previous is None or not previous.project:
        return BuildPlan(full=True, reason="no build has passed on this warehouse yet")
    if previous.project != project:
        return BuildPlan(full=True, reason="the dbt project changed")
    if previous.councils == councils:
        return BuildPlan(full=False, councils=None, reason="nothing changed since the last build")
    changed = sorted(
        code
        for code in set(previous.councils) | set(councils)
        if code != "?" and previous.councils.get(code) != councils.get(code)
    )
    kinds = None
    if returns is not None and previous.returns:
        # Files of no known council are refused: they reach no return's tables.
        kinds = tuple(
            sorted(
                {
                    key.partition(" ")[2]
                    for key in set(previous.returns) | set(returns)
                    if not key.startswith("? ") and previous.returns.get(key) != returns.get(key)
                }
            )
        )
    return BuildPlan(
        full=False,
        councils=tuple(changed),
        reason=f"files changed for {len(changed)} council(s)" if changed else "load bookkeeping",
        kinds=kinds,
    )


def stale(manifest: dict, kinds: tuple[str, ...]) -> tuple[list[str], set[str]]:
    """What a build by council runs when only `kinds` of return changed: (dbt's selectors,
    the unique_ids they select).

    A model is stale when it reads a stale model, a changed kind's raw table, or one of
    the loader's bookkeeping tables (the failures, the DfE checks, the rule catalogue:
    every load rewrites them). Reading the load manifest beside a return's raw table is
    how a council-level model keeps that return's current submission
    (macros/current_submission.sql): the manifest's rows of an unchanged kind are
    unchanged, so only a model reading the manifest without any return's table is stale
    for it. The demand tables change only with `csc forecast`, which rebuilds what reads
    them (`dbt_demand`); seeds change only with the project. The changed sources are
    selected too, so that dbt's tests of them run."""
    by_kind = warehouse.return_tables()
    returns = {table for tables in by_kind.values() for table in tables}
    changed = {table for kind in kinds for table in by_kind.get(kind, ())}
    sources = manifest.get("sources", {})
    table_of = {
        uid: f"{source['schema']}.{source['identifier'] or source['name']}"
        for uid, source in sources.items()
    }
    changed_sources = {
        uid
        for uid, source in sources.items()
        if source["source_name"] != DEMAND_SOURCE
        and (table_of[uid] in changed or table_of[uid] not in returns)
    }
    nodes = manifest.get("nodes", {})
    models = {uid: node for uid, node in nodes.items() if node["resource_type"] == "model"}
    verdicts: dict[str, bool] = {}

    def is_stale(uid: str) -> bool:
        if uid not in verdicts:
            verdicts[uid] = False  # the graph is acyclic; this only guards the recursion
            parents = models[uid]["depends_on"]["nodes"]
            read = {table_of[p] for p in parents if p in table_of}
            if MANIFEST_TABLE in read and not read & returns:
                verdicts[uid] = True
            else:
                verdicts[uid] = any(
                    (p in changed_sources and table_of[p] != MANIFEST_TABLE)
                    or (p in models and is_stale(p))
                    for p in parents
                )
        return verdicts[uid]

    chosen = sorted(uid for uid in models if is_stale(uid))
    selectors = [models[uid]["name"] for uid in chosen] + [
        f"source:{sources[uid]['source_name']}.{sources[uid]['name']}"
        for uid in sorted(changed_sources)
    ]
    return selectors, set(chosen) | changed_sources


def dbt_args(home: Home, *command: str, target: str = BUILD_TARGET) -> list[str]:
    return [
        *command,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(home.build / target),
        "--log-path",
        str(home.build / "dbt_logs"),
    ]


def _run_dbt(
    home: Home, *command: str, target: str = BUILD_TARGET, councils: tuple[str, ...] | None = None
) -> int:
    """Run dbt in its own process, so the warehouse file is released when it ends."""
    env = {
        **os.environ,
        "CSC_WAREHOUSE": str(home.warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    env.pop(COUNCILS_VARIABLE, None)
    # Spark keeps its tables and metastore under build/spark/ and finds the raw Parquet
    # files there (macros/spark.sql); other engines ignore these.
    spark = home.build / "spark"
    env["CSC_SPARK_DIR"] = str(spark)
    env["CSC_SPARK_RAW"] = str(spark / "raw")
    if (spark / "raw").is_dir():
        env["CSC_SPARK_RAW_TABLES"] = " ".join(sorted(p.name for p in (spark / "raw").iterdir()))
    if councils is not None:
        env[COUNCILS_VARIABLE] = " ".join(councils)
    launcher = "from dbt.cli.main import cli; cli()"
    done = subprocess.run(  # noqa: S603 - our own interpreter and dbt's fixed arguments
        [sys.executable, "-c", launcher, *dbt_args(home, *command, target=target)],
        env=env,
        check=False,
    )  # nosec B603 # fixed arguments, no shell
    return done.returncode


def dbt(home: Home, *command: str, target: str = BUILD_TARGET) -> None:
    if _run_dbt(home, *command, target=target) != 0:
        raise click.ClickException(f"dbt {' '.join(command)} failed; see {home.build / 'dbt_logs'}")


def dbt_demand(home: Home, passed: BuildOutcome) -> None:
    """Build the demand marts (and their tests) from the raw demand tables `csc forecast`
    has just written. Nothing else reads those tables, so when they pass, the last passing
    build (`passed`) holds for the warehouse as it now is; when they fail, nothing is
    recorded and nothing will be published until a build passes."""
    code = _run_dbt(home, "build", "--select", "source:demand+", "--log-level-file", "info")
    if code != 0:
        raise click.ClickException(
            f"the demand marts did not build; nothing is published until a build passes; "
            f"see {home.build / 'dbt_logs'}"
        )
    record_passed(home, passed)


def passed_file(home: Home) -> Path:
    return home.build / PASSED_FILE


def _fingerprint(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


def _artifacts(home: Home) -> tuple[dict, dict] | None:
    """(run_results, manifest) of the last dbt run, or None when dbt left none."""
    target = home.build / BUILD_TARGET
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return results, manifest


def failed_nodes(home: Home, also: list[str] = ()) -> tuple[list[str], list[str]]:
    """(every node that errored or failed in the last build, with the tests evaluated
    beside it that failed (`also`), and those of them outside the regional tables)."""
    artifacts = _artifacts(home)
    if artifacts is None:
        return ["(dbt left no results)"], ["(dbt left no results)"]
    results, manifest = artifacts
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}

    def regional(unique_id: str) -> bool:
        node = nodes.get(unique_id, {})
        if node.get("resource_type") == "model":
            return REGIONAL_PATH in node.get("original_file_path", "")
        parents = node.get("depends_on", {}).get("nodes", [])
        models = [p for p in parents if p.startswith("model.")]
        return bool(models) and all(regional(p) for p in models)

    failed = [
        r["unique_id"] for r in results.get("results", []) if r.get("status") in ("error", "fail")
    ] + list(also)
    return failed, [f for f in failed if not regional(f)]


def _folded_tests(home: Home) -> list[column_tests.ColumnTest]:
    """The built-in column tests a refresh evaluates itself (csc.column_tests), from the
    manifest of the last build (the project is unchanged, or the build is full); none when
    there is no manifest or a test is beyond what is evaluated exactly as dbt does."""
    artifacts = _artifacts(home)
    if artifacts is None:
        return []
    try:
        return column_tests.folded_tests(artifacts[1])
    except (column_tests.Unfoldable, KeyError):
        return []


def _check_folded(
    home: Home, tests: list[column_tests.ColumnTest], councils: tuple[str, ...] | None
) -> column_tests.Verdicts:
    """Evaluate the folded tests on the warehouse dbt just built, and report them as dbt
    reports its own."""
    artifacts = _artifacts(home)
    not_built = {
        r["unique_id"]
        for r in (artifacts[0].get("results", []) if artifacts else [])
        if r.get("status") in ("error", "skipped")
    }
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        verdicts = column_tests.evaluate(con, tests, councils, not_built)
    finally:
        con.close()
    for line in verdicts.lines:
        click.echo(line, err=True)
    click.echo(
        f"{len(verdicts.counts)} column tests ({', '.join(column_tests.FOLDED)}) evaluated "
        f"beside dbt: {len(verdicts.failed)} failed, {len(verdicts.warned)} warned"
    )
    return verdicts


def dbt_build(home: Home, full: bool = False, say=None) -> BuildOutcome:  # noqa: ANN001
    """`dbt build` of what changed (everything when `full`) and, after a full build, the
    docs page; records a passing build for `csc publish`. `say` is told what is done."""
    previous = _read_record(home)
    project = f"{project_digest()}:{rules_digest(home)}"
    returns = return_digests(home)
    councils = council_digests(returns)
    what = plan(previous, project, councils, full, returns)
    selected = _selection(home, what)
    if say:
        say(_describe(what, selected))
    if what.nothing and previous is not None:
        record_passed(home, previous)
        return previous
    passed_file(home).unlink(missing_ok=True)
    # Tables the loader owns but a newer project may read before any load made them (the
    # raw demand tables): made empty where missing.
    warehouse.connect(home).close()
    crash_point("dbt")
    folded = [] if what.full else _folded_tests(home)
    if selected is not None:
        folded = [test for test in folded if selected[1].intersection(test.nodes)]
    if what.full:
        code = _run_dbt(home, "build", "--full-refresh")
    else:
        code = _run_dbt(
            home,
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--exclude-resource-type",
            "seed",
            # dbt's debug log (every statement, some 15 MB a run) costs a refresh a few
            # per cent; a full build keeps it, and a failure is logged at this level too.
            "--log-level-file",
            "info",
            *(column_tests.EXCLUDE if folded else []),
            *(["--select", *selected[0]] if selected is not None else []),
            councils=what.councils,
        )
    also = _check_folded(home, folded, what.councils).failed if folded else []
    failed, outside = failed_nodes(home, also) if code != 0 or also else ([], [])
    if (code != 0 or also) and (outside or not failed):
        raise click.ClickException(
            f"dbt build failed ({len(failed)} node(s): {', '.join(failed[:5])}); nothing is "
            f"published and the previous files stay; see {home.build / 'dbt_logs'}"
        )
    if what.full or not docs_page(home).exists():
        dbt_docs(home)
    outcome = BuildOutcome(
        regional_passed=not failed,
        failed=failed,
        project=project,
        councils=councils,
        returns=returns,
    )
    record_passed(home, outcome)
    return outcome


def engine_target(engine: str) -> str:
    """The folder under build/ of dbt's files for a build on another engine."""
    return f"{BUILD_TARGET}_{engine}"


def engine_passed_file(home: Home, engine: str) -> Path:
    return home.build / f"build_passed_{engine}.json"


def engine_build(home: Home, engine: str, say=None) -> None:  # noqa: ANN001
    """On another engine than DuckDB: bring its raw tables up to DuckDB's, then `dbt build`
    of every model, seed, data test and unit test there, and record that it passed for
    `csc --target ENGINE publish`. The private DuckDB file, the record of the last DuckDB
    build and what is published stay as they are."""
    engine_passed_file(home, engine).unlink(missing_ok=True)
    synced = sync_raw(home, engine)
    if say:
        say(f"{engine}: {synced.describe()}")
        say(f"dbt build of every model and test on {engine}")
    if _run_dbt(home, "build", "--full-refresh", target=engine_target(engine)) != 0:
        raise click.ClickException(f"dbt build on {engine} failed; see {home.build / 'dbt_logs'}")
    if engine == "postgres":
        from csc import engines, reference

        pg = engines.postgres_connection()
        try:
            secured = engines.apply_roles(pg, list(reference.councils()))
        finally:
            pg.close()
        if say:
            say(
                f"{engine}: roles granted (docs/engines.md, who reads what): {len(secured)} "
                "marts tables read by council under row-level security"
            )
    record = {
        "warehouse": _fingerprint(home.warehouse),
        "project": f"{project_digest()}:{rules_digest(home)}",
    }
    part = engine_passed_file(home, engine).with_suffix(".part")
    part.write_text(json.dumps(record), encoding="utf-8")
    os.replace(part, engine_passed_file(home, engine))


def engine_built(home: Home, engine: str) -> bool:
    """Whether `engine` holds what a passing build made of the private file as it is now
    (nothing loaded since) and of the project as it is now."""
    try:
        record = json.loads(engine_passed_file(home, engine).read_text(encoding="utf-8"))
        return record["warehouse"] == _fingerprint(home.warehouse) and record["project"] == (
            f"{project_digest()}:{rules_digest(home)}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def sync_raw(home: Home, engine: str):  # noqa: ANN201 - a csc.engines.Synced
    """Make `engine`'s raw tables equal the private DuckDB file's."""
    import psycopg2

    from csc import engines

    if engine == "spark":
        return engines.sync_spark(home.warehouse, engines.spark_folder(home) / "raw")
    if engine != "postgres":
        raise click.ClickException(f"raw tables cannot be copied to {engine} yet")
    try:
        pg = engines.postgres_connection()
    except psycopg2.OperationalError as exc:
        raise click.ClickException(f"cannot reach the PostgreSQL server: {exc}") from exc
    try:
        return engines.sync_postgres(home.warehouse, pg, home.work)
    finally:
        pg.close()


def _selection(home: Home, what: BuildPlan) -> tuple[list[str], set[str]] | None:
    """What a build by council selects (`stale`), from the manifest of the last build
    (the project is as it left it); None, to run every model, when a full build, when
    any kind may have changed, or when there is no manifest to read the graph from."""
    if what.full or what.nothing or what.kinds is None:
        return None
    artifacts = _artifacts(home)
    if artifacts is None:
        return None
    return stale(artifacts[1], what.kinds)


def _returns_named(kinds: tuple[str, ...]) -> str:
    """The returns `kinds` belong to, as a council names them."""
    names = {RETURN_NAMES.get(k, "SSDA903" if k in layout.specs() else k) for k in kinds}
    return " and ".join(sorted(names)) or "no"


def _describe(what: BuildPlan, selected: tuple[list[str], set[str]] | None = None) -> str:
    if what.full:
        return f"dbt build of every model and test ({what.reason})"
    if what.nothing:
        return f"dbt build not needed ({what.reason})"
    councils = ", ".join(what.councils) or "no council"
    reach = ""
    if selected is not None:  # only ever with the kinds that changed (`_selection`)
        models = sum(1 for uid in selected[1] if uid.startswith("model."))
        reach = f" ({models} models: those the changed {_returns_named(what.kinds)} returns reach)"
    return (
        f"dbt build of {councils} and the models comparing councils{reach}, data tests on "
        f"their rows ({what.reason}; the project is as the last passing build left it)"
    )


def docs_page(home: Home) -> Path:
    return home.build / DOCS_TARGET / "static_index.html"


def record_passed(home: Home, outcome: BuildOutcome) -> None:
    """Record that the warehouse, as it is now, is what a passing build left."""
    record = {
        "warehouse": _fingerprint(home.warehouse),
        "regional_passed": outcome.regional_passed,
        "failed": outcome.failed,
        "project": outcome.project,
        "councils": outcome.councils,
        "returns": outcome.returns,
    }
    part = passed_file(home).with_suffix(".part")
    part.write_text(json.dumps(record), encoding="utf-8")
    os.replace(part, passed_file(home))


def _read_record(home: Home) -> BuildOutcome | None:
    """The record of the last build that passed, whatever has happened since."""
    try:
        record = json.loads(passed_file(home).read_text(encoding="utf-8"))
        return BuildOutcome(
            bool(record["regional_passed"]),
            list(record["failed"]),
            str(record.get("project", "")),
            dict(record.get("councils", {})),
            dict(record.get("returns", {})),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def last_good_build(home: Home) -> BuildOutcome | None:
    """The last build that passed, if the warehouse is still as it left it."""
    try:
        record = json.loads(passed_file(home).read_text(encoding="utf-8"))
        if record["warehouse"] != _fingerprint(home.warehouse):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _read_record(home)


def dbt_docs(home: Home) -> None:
    """One self-contained HTML page of the project's docs and lineage, for offline reading."""
    # Its own target folder, so the build's run_results.json stays for the benchmark.
    dbt(home, "docs", "generate", "--static", "--quiet", target=DOCS_TARGET)
