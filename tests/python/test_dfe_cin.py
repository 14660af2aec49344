"""The CIN census rules (`csc.dfe.cin_r_*`) on small hand-made returns, for rules the
generated region does not break."""

from __future__ import annotations

import duckdb
import pytest

from csc import dfe, warehouse
from csc.dfe.engine import CIN_RELATIONS

FILE = "E06000036/2025-03-31/cin_census.xml"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """Every CIN relation, empty, with the columns the engine lays out."""
    db = duckdb.connect()
    for name, table in CIN_RELATIONS.items():
        columns = []
        for column in warehouse.CIN_TABLES[table]:
            columns.append(f"{column} {'bigint' if column.startswith('_') else 'varchar'}")
            if not column.startswith("_") and ("date" in column or column == "initialcpctarget"):
                columns.append(f"{column}_d date")
        columns += ["_cy varchar", "_year integer", "_start date", "_end date"]
        columns += ["_file varchar", "_row bigint"]
        db.execute(f"create table {name} ({', '.join(columns)})")
    db.execute(
        "insert into cin_header (referencedate, referencedate_d, year, _file) "
        "values ('2025-03-31', date '2025-03-31', '2025', ?)",
        [FILE],
    )
    return db


def add(con: duckdb.DuckDBPyConnection, relation: str, **values: object) -> None:
    values = {"_file": FILE, "_row": values.get("_child_number", 1), **values}
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"insert into {relation} ({names}) values ({marks})", list(values.values()))


def failing(con: duckdb.DuckDBPyConnection, code: str) -> set[int]:
    (rule,) = [r for r in dfe.rules_for(dfe.CIN, 2025) if r.code == code]
    return {row for _, row in con.execute(rule.sql).fetchall()}


def test_8869_factor_21_beside_another(con):
    for child, factors in ((1, ("21", "2A")), (2, ("21",)), (3, ("2A", "3A"))):
        add(con, "assessments", _child_number=child, _referral_number=1, _item_number=1)
        for n, factor in enumerate(factors, 1):
            add(
                con,
                "assessment_factors",
                _child_number=child,
                _referral_number=1,
                _assessment_number=1,
                _item_number=n,
                assessmentfactors=factor,
            )
    assert failing(con, "8869") == {1}


def test_8935_more_than_one_open_plan_of_a_child(con):
    for child, referral, item, end in ((1, 1, 1, None), (1, 2, 1, None), (2, 1, 1, None)):
        add(
            con,
            "cp_plans",
            _child_number=child,
            _referral_number=referral,
            _item_number=item,
            cppenddate_d=end,
        )
    add(
        con,
        "cp_plans",
        _child_number=2,
        _referral_number=1,
        _item_number=2,
        cppenddate_d="2025-01-01",
    )
    assert failing(con, "8935") == {1}


def test_8815_and_8816_open_episodes(con):
    rows = ((1, 1, "2024-05-01"), (1, 2, "2024-09-01"), (2, 1, "2024-05-01"))
    for child, referral, start in rows:
        add(
            con,
            "referrals",
            _child_number=child,
            _referral_number=referral,
            cinreferraldate_d=start,
            referralnfa="0",
        )
    assert failing(con, "8815") == {1}
    assert failing(con, "8816") == {1}


def test_8569q_nfa_referral_before_the_last_working_day_of_the_year_before(con):
    # 28 March 2024 was the last working day before 1 April 2024 (Good Friday, Easter Monday).
    for child, start in ((1, "2024-03-27"), (2, "2024-03-28"), (3, "2024-04-02")):
        add(con, "referrals", _child_number=child, cinreferraldate_d=start, referralnfa="1")
    assert failing(con, "8569Q") == {1}


def test_8670q_open_assessment_started_more_than_45_working_days_before_the_end(con):
    # The 45th working day back from 31 March 2025, counting it, is 28 January 2025.
    for child, start in ((1, "2025-01-27"), (2, "2025-01-28")):
        add(con, "assessments", _child_number=child, assessmentactualstartdate_d=start)
    assert failing(con, "8670Q") == {1}
