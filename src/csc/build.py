"""Run dbt against a home folder's private warehouse file."""

from __future__ import annotations

import os

import click

from csc.reference import PROJECT_ROOT
from csc.warehouse import Home


def dbt_args(home: Home, command: str, *extra: str) -> list[str]:
    return [
        command,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(home.build / "dbt_target"),
        "--log-path",
        str(home.build / "dbt_logs"),
        *extra,
    ]


def dbt(home: Home, command: str, *extra: str) -> None:
    """Invoke dbt in this process (no second interpreter start) and fail loudly."""
    from dbt.cli.main import dbtRunner

    os.environ["CSC_WAREHOUSE"] = str(home.warehouse)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    result = dbtRunner().invoke(dbt_args(home, command, *extra))
    if not result.success:
        raise click.ClickException(f"dbt {command} failed; see {home.build / 'dbt_logs'}")


def dbt_build(home: Home) -> None:
    dbt(home, "build")
