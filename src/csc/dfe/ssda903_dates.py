"""SSDA903: dates that must be real dates (the DfE's rules 102 to 116, 141, 147, ...)."""

from __future__ import annotations

from csc.dfe import SSDA903, DfeRule


def _not_a_date(table: str, column: str, required: bool = False) -> str:
    """Rows of `table` whose `column` is given but not a real dd/mm/YYYY date (or blank,
    when `required`)."""
    blank = f' or "{column}" is null' if required else ""
    return (
        f'select _file, _row from {table} where ("{column}" is not null and "{column}_d" is null'
        f"{blank})"
    )


RULES = [
    DfeRule(
        SSDA903,
        "102",
        "Date of birth is not a valid date.",
        _not_a_date("header", "DOB", True),
        ("DOB",),
    ),
    DfeRule(
        SSDA903,
        "141",
        "Date episode began is not a valid date.",
        _not_a_date("episodes", "DECOM", True),
        ("DECOM",),
    ),
    DfeRule(
        SSDA903,
        "147",
        "Date episode ceased is not a valid date.",
        _not_a_date("episodes", "DEC"),
        ("DEC",),
    ),
    DfeRule(
        SSDA903,
        "148",
        "Date episode ceased and reason episode ceased must both be coded, or both left blank.",
        'select _file, _row from episodes where ("DEC" is null) <> ("REC" is null)',
        ("DEC", "REC"),
    ),
]
