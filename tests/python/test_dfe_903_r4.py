"""The SSDA903 rules on mother status, UASC status and the UPN from one year to the next, on
small returns laid out as `csc.dfe.engine` lays them out, for cases the synthetic region does
not reach."""

from __future__ import annotations

from ssda903_cases import failing

YEAR = 2025  # 2024-25


def _failing(code: str, tables: dict[str, list[str]], year: int = YEAR) -> set[tuple[str, int]]:
    return failing(code, tables, year)


EPISODE = "{},01/05/2023,S,C2,N1,U1,PR1,,,,,,"


def test_mother_status_with_the_sex_codes_of_each_year():
    tables = {
        "header": [
            "A,F,01/01/2010,WBRI,,,",  # a girl looked after: MOTHER is wanted
            "B,M,01/01/2010,WBRI,,0,",  # a boy: no MOTHER
            "C,F,01/01/2010,WBRI,,2,",  # not a code
            "D,F,01/01/2010,WBRI,,0,",
            "E,F,01/01/2010,WBRI,,,",  # respite only
            "F,F,01/01/2006,WBRI,,1,",  # a care leaver not looked after this year
        ],
        "episodes": [
            *(EPISODE.format(c) for c in "ABCD"),
            "E,01/05/2023,S,V3,N1,U1,PR1,,,,,,",
            "F,01/05/2022,S,C2,N1,U1,PR1,01/06/2023,E8,,,,",
        ],
        "oc3": ["F,01/01/2006,YES,F1,B1"],
    }
    assert _failing("165", tables) == {
        ("header", 2),
        ("header", 3),
        ("header", 4),
        ("header", 7),
        ("oc3", 2),
    }
    # Until 2023-24 a girl is 2 and a boy 1.
    assert _failing("165", tables, 2024) == {("header", 4)}
    tables["header"][0] = "A,2,01/01/2010,WBRI,,,"
    tables["header"][1] = "B,1,01/01/2010,WBRI,,0,"
    assert _failing("165", tables, 2024) == {("header", 2), ("header", 3), ("header", 4)}


def test_uasc_last_year_not_in_the_header_this_year():
    tables = {
        "uasc": [
            "A,M,01/09/2005,01/09/2023",  # ceased last year, but a DUC this year
            "B,M,01/09/2005,",  # ceased last year: fine
            "C,M,01/09/2006,",  # last year's DUC is not in last year
            "D,M,01/09/2005,01/09/2023",  # in this year's header
        ],
        "header": ["D,M,01/09/2005,OOTH,,,"],
        "uasc_last": [
            "A,M,01/09/2005,01/09/2023",
            "B,M,01/09/2005,01/09/2023",
            "C,M,01/09/2006,01/09/2024",
            "D,M,01/09/2005,01/09/2023",
        ],
        "header_last": [f"{c},M,01/09/2005,OOTH,,," for c in "ABCD"],
    }
    assert _failing("205A", tables) == {("uasc", 2), ("uasc", 4)}


def test_uasc_both_years_ceases_at_the_18th_birthday_in_its_month():
    tables = {
        "uasc": [
            "A,M,01/09/2008,14/09/2026",
            "B,M,01/09/2008,14/09/2026",
            "C,M,01/09/2008,14/10/2026",  # a new DUC, not this year
            "D,M,01/09/2008,01/10/2024",  # a new DUC this year
        ],
        "header": [f"{c},M,01/09/2008,OOTH,,," for c in "ABCD"],
        "uasc_last": [
            "A,M,01/09/2008,14/09/2026",
            "B,M,01/09/2008,14/10/2026",  # not the 18th birthday
            "C,M,01/09/2008,14/09/2026",
            "D,M,01/09/2008,14/09/2026",
        ],
        "header_last": [f"{c},M,01/09/2008,OOTH,,," for c in "ABCD"],
    }
    assert _failing("205B", tables) == {("uasc", 3), ("header", 3), ("uasc", 4), ("header", 4)}


def test_a_duc_for_a_child_uasc_in_neither_year():
    tables = {
        "uasc": ["A,M,01/09/2008,14/09/2026", "B,M,01/09/2008,", "C,M,01/09/2008,14/09/2026"],
        "header": ["C,M,01/09/2008,OOTH,,,"],
        "uasc_last": ["B,M,01/09/2008,14/09/2026"],
    }
    assert _failing("205C", tables) == {("uasc", 2), ("uasc", 3)}
    tables["header_last"] = ["B,M,01/09/2008,OOTH,,,"]
    assert _failing("205C", tables) == {("uasc", 2)}


def test_uasc_this_year_but_not_last_year():
    tables = {
        "uasc": [f"{c},M,01/09/2008,14/09/2026" for c in "ABC"],
        "header": [f"{c},M,01/09/2008,OOTH,,," for c in "ABCD"],
        "uasc_last": ["B,M,01/09/2008,14/09/2026"],
        "header_last": [f"{c},M,01/09/2008,OOTH,,," for c in "ABD"],
    }
    assert _failing("205D", tables) == {("header", 2)}


def test_upn_changes_from_last_year():
    changes = [
        ("UN1", "UN3", False),
        ("UN3", "UN1", True),
        ("", "UN1", False),  # the DfE's tool fails this one
        ("", "UN4", False),
        ("A123456789012", "B123456789012", True),
        ("A123456789012", "", True),
        ("A123456789012", "UN2", True),
        ("", "", False),
        ("UN2", "A123456789012", False),
        ("", "A123456789012", False),
    ]
    tables = {
        "header": [f"C{i},M,01/09/2010,WBRI,{now},," for i, (_, now, _) in enumerate(changes)],
        "header_last": [
            f"C{i},M,01/09/2010,WBRI,{then},," for i, (then, _, _) in enumerate(changes)
        ],
    }
    expected = {("header", i + 2) for i, (_, _, fails) in enumerate(changes) if fails}
    assert _failing("208", tables) == expected
