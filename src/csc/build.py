"""Run dbt against a home folder's private warehouse file."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from csc.reference import PROJECT_ROOT
from csc.warehouse import Home

DOCS_TARGET = "dbt_docs"


def dbt_args(home: Home, *command: str, target: str = "dbt_target") -> list[str]:
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


def dbt(home: Home, *command: str, target: str = "dbt_target") -> None:
    """Run dbt in its own process, so the warehouse file is released when it ends."""
    env = {
        **os.environ,
        "CSC_WAREHOUSE": str(home.warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    launcher = "from dbt.cli.main import cli; cli()"
    done = subprocess.run(
        [sys.executable, "-c", launcher, *dbt_args(home, *command, target=target)],
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise click.ClickException(f"dbt {' '.join(command)} failed; see {home.build / 'dbt_logs'}")


def dbt_build(home: Home) -> None:
    dbt(home, "build")


def dbt_docs(home: Home) -> None:
    """One self-contained HTML page of the project's docs and lineage, for offline reading."""
    # Its own target folder, so the build's run_results.json stays for the benchmark.
    dbt(home, "docs", "generate", "--static", "--quiet", target=DOCS_TARGET)
