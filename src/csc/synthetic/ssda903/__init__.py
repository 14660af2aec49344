"""Synthetic SSDA903 returns (children looked after) of a council.

The council's children are simulated from a burn-in start well before the first return
(`children`): periods of care planned when they start (`plans`), made of placements and
legal statuses (`placements`), with missing episodes, reviews, social workers, adoption
decisions and care-leaver outcomes (`periods`). Every return is then a view of that single
history as the council's case-management system would have extracted it at the return's
reference date (`tables`), so the same episode appears, consistently, in consecutive
returns; with `--errors` a share of returns carry business-rule defects (`defects`).

The output is identifiable synthetic data in the exact DfE CSV layout, one file per table:
`<out_dir>/<ONS code>/<reference date>/<Table>.csv`.
"""

from __future__ import annotations

from csc.synthetic.ssda903.children import simulate_council
from csc.synthetic.ssda903.defects import RULE_CHILD_NOT_IN_HEADER, inject_defects
from csc.synthetic.ssda903.records import FOSTER, RECODED_PLACE, TEMPORARY, Child, Episode
from csc.synthetic.ssda903.tables import FILE_NAMES, Tables, place_for_year, render_view, write_view

__all__ = [
    "FILE_NAMES",
    "FOSTER",
    "RECODED_PLACE",
    "RULE_CHILD_NOT_IN_HEADER",
    "TEMPORARY",
    "Child",
    "Episode",
    "Tables",
    "inject_defects",
    "place_for_year",
    "render_view",
    "simulate_council",
    "write_view",
]
