"""Run dbt against a home folder's private warehouse file, and record whether it passed.

Only a build that passed is published: `dbt build` first removes the record of the last
good build, and writes it again only when every model and test passed. The record holds the
size and modification time of the warehouse file as dbt left it, so a load or a build that
changes the file afterwards (or dies part-way) leaves nothing `csc publish` will take.

A failure that concerns only the regional, disclosure-controlled tables (a model under
`models/marts/regional/` or a test of one) does not stop the hub's and the councils'
refresh: the record says the regional tables did not pass, and the previous regional
publication stays.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 # runs dbt with our own interpreter
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from csc.crash import crash_point
from csc.reference import PROJECT_ROOT
from csc.warehouse import Home

DOCS_TARGET = "dbt_docs"
BUILD_TARGET = "dbt_target"
REGIONAL_PATH = "marts/regional/"
PASSED_FILE = "build_passed.json"


@dataclass
class BuildOutcome:
    """What the last `dbt build` left: whether the regional tables may be published."""

    regional_passed: bool
    failed: list[str] = field(default_factory=list)


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


def _run_dbt(home: Home, *command: str, target: str = BUILD_TARGET) -> int:
    """Run dbt in its own process, so the warehouse file is released when it ends."""
    env = {
        **os.environ,
        "CSC_WAREHOUSE": str(home.warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
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


def passed_file(home: Home) -> Path:
    return home.build / PASSED_FILE


def _fingerprint(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


def failed_nodes(home: Home) -> tuple[list[str], list[str]]:
    """(every node that errored or failed in the last build, those of them outside the
    regional tables)."""
    target = home.build / BUILD_TARGET
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["(dbt left no results)"], ["(dbt left no results)"]
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
    ]
    return failed, [f for f in failed if not regional(f)]


def dbt_build(home: Home) -> BuildOutcome:
    """`dbt build` and the docs page; records a passing build for `csc publish`."""
    passed_file(home).unlink(missing_ok=True)
    crash_point("dbt")
    code = _run_dbt(home, "build")
    failed, outside = failed_nodes(home) if code != 0 else ([], [])
    if code != 0 and (outside or not failed):
        raise click.ClickException(
            f"dbt build failed ({len(failed)} node(s): {', '.join(failed[:5])}); nothing is "
            f"published and the previous files stay; see {home.build / 'dbt_logs'}"
        )
    dbt_docs(home)
    outcome = BuildOutcome(regional_passed=not failed, failed=failed)
    record_passed(home, outcome)
    return outcome


def record_passed(home: Home, outcome: BuildOutcome) -> None:
    """Record that the warehouse, as it is now, is what a passing build left."""
    record = {
        "warehouse": _fingerprint(home.warehouse),
        "regional_passed": outcome.regional_passed,
        "failed": outcome.failed,
    }
    part = passed_file(home).with_suffix(".part")
    part.write_text(json.dumps(record), encoding="utf-8")
    os.replace(part, passed_file(home))


def last_good_build(home: Home) -> BuildOutcome | None:
    """The last build that passed, if the warehouse is still as it left it."""
    try:
        record = json.loads(passed_file(home).read_text(encoding="utf-8"))
        if record["warehouse"] != _fingerprint(home.warehouse):
            return None
        return BuildOutcome(bool(record["regional_passed"]), list(record["failed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def dbt_docs(home: Home) -> None:
    """One self-contained HTML page of the project's docs and lineage, for offline reading."""
    # Its own target folder, so the build's run_results.json stays for the benchmark.
    dbt(home, "docs", "generate", "--static", "--quiet", target=DOCS_TARGET)
