"""The SSDA903 rules on care leavers, continuity and social workers, on small returns laid
out as `csc.dfe.engine` lays them out, for cases the synthetic region does not reach."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from csc.dfe.ssda903_r3_continuity import partial_date
from ssda903_cases import failing

YEAR = 2025  # 2024-25


def _failing(code: str, tables: dict[str, list[str]]) -> set[tuple[str, int]]:
    return failing(code, tables, YEAR)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("03/02/2020", dt.date(2020, 2, 3)),
        ("ZZ/02/2020", dt.date(2020, 2, 29)),
        ("01/ZZ/2019", dt.date(2019, 12, 31)),
        ("ZZ/ZZ/ZZZZ", dt.date(2000, 12, 31)),
        ("12/13/2020", None),
        ("01/01/ZZ", None),
        ("2020-01-01", None),
    ],
)
def test_partial_dates_stand_for_their_latest_day(text, date):
    assert duckdb.sql(f"select {partial_date(repr(text))}").fetchall() == [(date,)]


def test_care_leaver_open_at_last_year_end_without_episodes_now():
    tables = {
        "episodes_last": ["A,01/05/2023,S,C2,N1,U1,PR1,,,,,,"],
        "oc3": ["A,01/05/2006,YES,F1,B1", "B,01/05/2006,YES,F1,B1"],
        "episodes": ["B,01/05/2024,S,C2,N1,U1,PR1,,,,,,"],
    }
    assert _failing("1010", tables) == {("oc3", 2)}


def test_still_looked_after_on_the_17th_birthday_is_1007_not_1016():
    tables = {
        "episodes": ["A,01/05/2023,S,C2,N1,U1,PR1,,,,,,"],
        "oc3": ["A,01/06/2007,YES,F1,B1"],
    }
    assert _failing("1007", tables) == {("oc3", 2)}
    assert _failing("1016", tables) == set()


def test_a_birthday_known_only_to_its_month_fails_only_when_every_day_would():
    # Born in June 2007 (the drop says 01/06/2007): 17 in June 2024, year 2024-25.
    tables = {
        "episodes": [
            "A,01/05/2023,S,C2,N1,U1,PR1,10/06/2024,E11,,,,",  # ceased within the month
            "B,01/05/2023,S,C2,N1,U1,PR1,30/06/2024,E11,,,,",  # on the last day it could be
            "C,01/05/2023,S,C2,N1,U1,PR1,01/07/2024,E11,,,,",  # after the month
        ],
        "oc3": [f"{child},01/06/2007,YES,F1,B1" for child in "ABC"],
    }
    assert _failing("1016", tables) == {("oc3", 3), ("oc3", 4)}
    assert _failing("1007", tables) == {("oc3", 4)}
    # Started to be looked after in the month of the 18th birthday: perhaps before it.
    tables = {
        "header": ["D,1,01/06/2006,WBRI,,,", "E,1,01/06/2006,WBRI,,,"],
        "episodes": [
            "D,15/06/2024,S,V2,N1,U1,PR1,,,,,,",
            "E,01/07/2024,S,V2,N1,U1,PR1,,,,,,",
        ],
    }
    assert _failing("352", tables) == {("episodes", 3)}


def test_a_lone_social_worker_episode_ending_in_the_last_days_of_march():
    tables = {
        "sw_episodes": [
            "A,01/06/2010,SW1,01/05/2024,28/03/2025,MANAGE",
            "B,01/06/2010,SW1,01/05/2024,20/03/2025,MANAGE",
        ]
    }
    assert _failing("SW11bSTG2", tables) == {("sw_episodes", 2)}
