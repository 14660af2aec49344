"""SSDA903: the DfE's integrity checks between the return's tables (INT01 to INT36): every
child of a table is in the header, with the header's date of birth and sex, and a child
appears at most once in the tables that hold one row per child."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule

# The relation of each of the DfE's table names.
_TABLES = {
    "AD1": "ad1",
    "PlacedAdoption": "placed_adoption",
    "Episodes": "episodes",
    "Missing": "missing",
    "OC2": "oc2",
    "OC3": "oc3",
    "PrevPerm": "prev_perm",
    "Reviews": "reviews",
    "UASC": "uasc",
}


def _not_in_header(table: str) -> str:
    return f"""
        select t._file, t._row from {table} as t
        where not exists (
            select 1 from header as h
            where h._cy = t._cy and h."CHILD" is not distinct from t."CHILD"
        )
    """


def _differs_from_header(table: str, column: str) -> str:
    value = f'"{column}_d"' if column == "DOB" else f'"{column}"'
    return f"""
        select t._file, t._row from {table} as t
        join header as h on h._cy = t._cy and h."CHILD" is not distinct from t."CHILD"
        where h.{value} <> t.{value}
    """


def _more_than_once(table: str) -> str:
    return f"""
        select _file, _row from (
            select _file, _row, count("CHILD") over (partition by _cy, "CHILD") as n from {table}
        ) where n > 1
    """


_MISSING_CHILD = [
    ("INT01", "AD1", "Data Integrity Check"),
    ("INT02", "PlacedAdoption", "Internal Check"),
    ("INT03", "Episodes", "Internal Check"),
    ("INT04", "Missing", "Internal Check"),
    ("INT05", "OC2", "Internal Check"),
    ("INT06", "OC3", "Internal Check"),
    ("INT07", "PrevPerm", "Internal Check"),
    ("INT08", "Reviews", "Internal Check"),
    ("INT09", "UASC", "Internal Check"),
]
_DOB = [
    ("INT11", "AD1"),
    ("INT12", "PlacedAdoption"),
    ("INT13", "Missing"),
    ("INT14", "OC2"),
    ("INT15", "OC3"),
    ("INT16", "PrevPerm"),
    ("INT17", "Reviews"),
    ("INT18", "UASC"),
]
_ONCE = [
    ("INT31", "AD1"),
    ("INT32", "Header"),
    ("INT33", "OC2"),
    ("INT34", "OC3"),
    ("INT35", "PrevPerm"),
    ("INT36", "UASC"),
]

RULES = (
    [
        DfeRule(
            SSDA903,
            code,
            f"{prefix}: Child in {name} does not exist in Header.",
            _not_in_header(_TABLES[name]),
            ("CHILD",),
        )
        for code, name, prefix in _MISSING_CHILD
    ]
    + [
        DfeRule(
            SSDA903,
            code,
            f"Internal Check: DOB in {name} is different to DOB in Header.",
            _differs_from_header(_TABLES[name], "DOB"),
            ("DOB",),
        )
        for code, name in _DOB
    ]
    + [
        DfeRule(
            SSDA903,
            "INT21",
            "Internal Check: SEX in UASC is different to SEX in Header.",
            _differs_from_header("uasc", "SEX"),
            ("SEX",),
        )
    ]
    + [
        DfeRule(
            SSDA903,
            code,
            f"Internal Check: Child should only exist once in {name}.",
            _more_than_once(_TABLES.get(name, "header")),
            ("CHILD",),
        )
        for code, name in _ONCE
    ]
)
