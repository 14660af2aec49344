"""Long work says how far it has got: a bar on a terminal, a line now and then in a log."""

from __future__ import annotations

import io
import re

from conftest import COUNCIL, csc
from csc.progress import Progress, Stages


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_every_interval_and_one_at_the_end() -> None:
    log, clock = io.StringIO(), Clock()
    with Progress("pseudonymising", 100, every=10.0, stream=log, clock=clock) as progress:
        for _ in range(100):
            clock.now += 0.5  # 50 seconds in all
            progress.advance()
    lines = log.getvalue().splitlines()
    assert len(lines) == 5, lines  # at 10, 20, 30 and 40 seconds, and the end
    assert lines[0] == "pseudonymising: 20 of 100 files (20%), 10.0s"
    assert lines[-1] == "pseudonymising: 100 of 100 files (100%), 50.0s"
    assert "\r" not in log.getvalue()


def test_short_work_in_a_log_says_only_where_it_ended() -> None:
    log = io.StringIO()
    with Progress("checking", 3, unit="", stream=log) as progress:
        progress.advance(3)
    assert re.fullmatch(r"checking: 3 of 3 \(100%\), \d+\.\ds\n", log.getvalue())


def test_a_terminal_gets_a_bar_redrawn_in_place_and_the_last_line_kept() -> None:
    screen, clock = Terminal(), Clock()
    with Progress("loading", 4, stream=screen, clock=clock) as progress:
        for _ in range(4):
            clock.now += 1
            progress.advance()
    text = screen.getvalue()
    assert text.count("\r[") == 4
    assert "[###############---------------] loading: 2 of 4 files (50%)" in text
    assert text.endswith("loading: 4 of 4 files (100%), 4.0s\n")


def test_stages_close_one_stage_when_the_next_begins() -> None:
    log = io.StringIO()
    with Stages(stream=log) as stages:
        stages("scan", 1, 2)
        stages("scan", 2, 2)
        stages("validate", 1, 3)
        stages("validate", 3, 3)
        # The same stage counted again from the start (a second pass) is a new line.
        stages("validate", 1, 5)
        stages("validate", 5, 5)
    lines = [line.split(",")[0] for line in log.getvalue().splitlines()]
    assert lines == [
        "scan: 2 of 2 (100%)",
        "validate: 3 of 3 (100%)",
        "validate: 5 of 5 (100%)",
    ]


def test_generate_and_load_say_how_far_they_have_got(tmp_path) -> None:
    home = tmp_path / "home"
    done = csc(home, "generate", "--scale", "0.02", "--council", COUNCIL)
    assert done.returncode == 0, done.stderr
    assert re.search(r"pseudonymising: (\d+) of \1 files \(100%\)", done.stderr), done.stderr
    done = csc(home, "load")
    assert done.returncode == 0, done.stderr
    assert re.search(r"scan: (\d+) of \1 \(100%\)", done.stderr), done.stderr


def test_the_pack_says_how_far_it_has_got(tmp_path) -> None:
    from csc import report
    from csc.warehouse import Home
    from regional_fixture import write_regional

    home = Home(tmp_path)
    write_regional(report.regional_file(home))
    done = csc(home.root, "report")
    assert done.returncode == 0, done.stderr
    assert re.search(r"writing the pack: (\d+) of \1 pages \(100%\)", done.stderr), done.stderr
