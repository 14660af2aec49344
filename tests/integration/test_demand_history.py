"""The demand model's history, read from a region built end to end: its month-end count of
children in care is the DfE's count of children looked after at 31 March, for every
council and every year (of the children whose month of birth a Header row gives: the
model needs their age, and leaves out the few a return breaches the DfE's rules on)."""

from __future__ import annotations

import datetime as dt

import duckdb

from csc import demand
from csc.warehouse import Home


def test_month_end_states_count_the_children_looked_after_at_31_march(home: Home) -> None:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        counted = con.execute(
            "select la_code, reference_date, count(birth_month) "
            "from intermediate.int_ssda903__cla_at_reference_date "
            "where month(reference_date) = 3 and day(reference_date) = 31 group by all"
        ).fetchall()
        spells = demand.read_spells(con)
    finally:
        con.close()
    assert counted, "no return of the region counts its children at 31 March"
    first = min(day for _, day, _ in counted) - dt.timedelta(days=365)
    ends = demand.month_ends(first, max(day for _, day, _ in counted))
    for la_code, day, dfe in counted:
        states = demand.panel(spells[spells["la_code"] == la_code], ends)
        assert demand.stock_at(states, ends.index(day)).sum() == dfe, (la_code, day)
