"""Checks of a region built on Spark: `make test-spark` builds build/spark-region with
`csc run` on DuckDB and then runs these against it (`pytest tests/spark --home ...`)."""

from __future__ import annotations

import pytest

from built_region import add_home_option, built_home
from csc.warehouse import Home


def pytest_addoption(parser: pytest.Parser) -> None:
    add_home_option(parser, "build/spark-region")


@pytest.fixture(scope="session")
def home(request: pytest.FixtureRequest) -> Home:
    return built_home(request, "0.02")
