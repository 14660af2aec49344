"""Headless Chromium (Debian's chromium package, which `make browser` installs) for the
tests that look at the benchmark pack as a browser draws it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Any request that leaves the machine fails: pages must work from file:// alone.
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=15000",
)


def chromium(*args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Chromium is not on PATH: `make browser` installs Debian's chromium package "
            "(or run `apt-get install --no-install-recommends chromium` as root)"
        )
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [executable, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def charts_drawn(html: str, dom: str) -> tuple[list[str], list[str]]:
    """Ids of the page's chart containers, and of those that hold a drawn SVG in the DOM."""
    containers = re.findall(r'<div class="chart" id="([^"]+)"', html)
    drawn = re.findall(
        r'<div class="chart[^"]*" id="([^"]+)"[^>]*data-chart-state="drawn"[^>]*>'
        r'<svg[^>]*class="marks"',
        dom,
    )
    return sorted(containers), sorted(drawn)
