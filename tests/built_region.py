"""The home folder of a region built end to end, named on pytest's command line: the
checks in tests/integration (`make test`) and tests/spark (`make test-spark`) run against
one."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc.warehouse import Home


def add_home_option(parser: pytest.Parser, default: str) -> None:
    parser.addoption(
        "--home",
        default=default,
        help="Home folder of a region built with `csc run` (drops, build, published).",
    )


def built_home(request: pytest.FixtureRequest, scale: str) -> Home:
    """The home named by --home, or a failure saying how to build one at `scale`."""
    built = Home(Path(request.config.getoption("--home")).resolve())
    if not (built.published / "regional" / "region.duckdb").exists():
        pytest.fail(
            f"no published region under {built.root}: build one first with "
            f"`csc --home {built.root} generate --out {built.root}/drops --scale {scale} "
            f"--errors` and `csc --home {built.root} run`",
            pytrace=False,
        )
    return built
