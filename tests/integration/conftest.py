"""Checks of a region built end to end: `make test` builds build/test-region with `csc run`
and then runs these against it (`pytest tests/integration --home build/test-region`)."""

from __future__ import annotations

import pytest

from built_region import add_home_option, built_home
from csc.warehouse import Home


def pytest_addoption(parser: pytest.Parser) -> None:
    add_home_option(parser, "build/test-region")


@pytest.fixture(scope="session")
def home(request: pytest.FixtureRequest) -> Home:
    return built_home(request, "0.2")
