"""Checks of a region built end to end: `make test` builds build/test-region with `csc run`
and then runs these against it (`pytest tests/integration --home build/test-region`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc.warehouse import Home


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--home",
        default="build/test-region",
        help="Home folder of a region built with `csc run` (drops, build, published).",
    )


@pytest.fixture(scope="session")
def home(request: pytest.FixtureRequest) -> Home:
    built = Home(Path(request.config.getoption("--home")).resolve())
    if not (built.published / "regional" / "region.duckdb").exists():
        pytest.fail(
            f"no published region under {built.root}: build one first with "
            f"`csc --home {built.root} generate --out {built.root}/drops --scale 0.2 --errors` "
            f"and `csc --home {built.root} run`",
            pytrace=False,
        )
    return built
