"""The analysts' SQL in the README, run against a region built end to end, and the marts
for their questions checked against what the DfE's own definitions give.

Every fenced SQL block of the README runs on the published file it names (the hub's file
for `marts.`, the regional file otherwise) and must answer with rows: a query that no
longer runs, or that the test region leaves empty, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README.read_text(), flags=re.S)


def _published_file(home, sql: str) -> Path:
    if "marts." in sql:
        return home.published / "warehouse.duckdb"
    return home.published / "regional" / "region.duckdb"


def test_the_readme_has_the_analysts_queries():
    queries = readme_queries()
    assert len(queries) >= 12
    for mart in ("fct_care_entry_routes", "fct_care_history", "fct_edge_of_care_cohorts"):
        assert any(f"marts.{mart}" in q for q in queries), mart


@pytest.mark.parametrize("number", range(len(readme_queries())))
def test_each_readme_query_answers_on_the_test_region(home, number):
    sql = readme_queries()[number]
    con = duckdb.connect(str(_published_file(home, sql)), read_only=True)
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    assert rows, f"README query {number + 1} returned no rows:\n{sql}"


@pytest.fixture(scope="module")
def built(home):
    """The private warehouse the hub's file is published from: the intermediate models
    the checks compare with are there."""
    con = duckdb.connect(str(home.warehouse), read_only=True)
    yield con
    con.close()


def test_care_history_as_at_each_reference_date_counts_whom_the_return_counts(built):
    """The children looked after on each return's reference date, read from
    fct_care_history, are the children the DfE's rule counts in that return (an episode
    open that day, short breaks left out). The history holds the latest return's version
    of each episode, so a child whose episode a later return says ended before it began
    (a rule breach the test region plants) is left out of both sides."""
    compared = built.sql(
        """
        with reversed_episodes as (
            select distinct child_key from marts.fct_episodes
            where episode_end_date < episode_start_date
        ),
        in_return as (
            select la_code, reference_date, count(*) as children
            from intermediate.int_ssda903__cla_at_reference_date
            where la_code || ':' || child_token not in (select child_key from reversed_episodes)
            group by la_code, reference_date
        ),
        in_history as (
            select in_return.la_code, in_return.reference_date,
                count(distinct history.child_key) as children
            from in_return
            left join marts.fct_care_history as history
                on history.la_code = in_return.la_code
                and history.valid_from <= in_return.reference_date
                and in_return.reference_date < history.valid_to
                and not history.is_short_break
                and history.child_key not in (select child_key from reversed_episodes)
            group by in_return.la_code, in_return.reference_date
        )
        select in_return.la_code, in_return.reference_date, in_return.children,
            in_history.children
        from in_return
        inner join in_history using (la_code, reference_date)
        order by 1, 2
        """
    ).fetchall()
    assert len(compared) > 100
    differ = [row for row in compared if row[2] != row[3]]
    assert not differ, f"(council, date, in the return, in the history): {differ[:10]}"


def test_a_child_is_in_at_most_one_care_history_row_on_any_day(built):
    overlapping = built.sql(
        """
        select count(*) from marts.fct_care_history as one
        inner join marts.fct_care_history as other
            on one.child_key = other.child_key
            and one.episode_id < other.episode_id
            and one.valid_from < other.valid_to
            and other.valid_from < one.valid_to
        -- a row valid on no day (an episode a later return corrected) overlaps nothing
        where one.valid_from < one.valid_to and other.valid_from < other.valid_to
        """
    ).fetchall()[0][0]
    assert overlapping == 0
    beyond = built.sql(
        """
        select count(*) from marts.fct_care_history
        where (is_open and valid_to > source_reference_date + 1)
            or source_reference_date > observed_to
        """
    ).fetchall()[0][0]
    assert beyond == 0


def test_every_period_of_care_has_one_route_and_days_that_add_up(built):
    periods, routed = built.sql(
        """
        select
            (select count(*) from marts.fct_periods_of_care where not is_short_breaks_only),
            (select count(*) from marts.fct_care_entry_routes)
        """
    ).fetchall()[0]
    assert routed == periods > 0
    wrong = built.sql(
        """
        select count(*) from marts.fct_care_entry_routes
        where days_from_latest_referral < 0
            or days_from_first_referral < days_from_latest_referral
            or (first_referral_date is null) <> (days_from_first_referral is null)
            or (care_entry_route in ('cp_plan', 'cin_plan', 'referral_assessment')
                and latest_referral_date is null and latest_cp_plan_start_date is null
                and latest_cin_plan_start_date is null)
        """
    ).fetchall()[0][0]
    assert wrong == 0
    with_days = built.sql(
        "select count(*) from marts.fct_care_entry_routes where days_from_first_referral > 0"
    ).fetchall()[0][0]
    assert with_days > 0


def test_early_help_and_referral_cohorts_sit_beside_the_pooled_one(built):
    """Each child of the pooled cohort is in the early help cohort, the referral cohort or
    both, so the pooled count is at least each and at most their sum; the test region
    has children in each."""
    rows = built.sql(
        """
        select la_code, collection_year,
            max(case when cohort = 'early_help_or_referral' then cohort_children end),
            coalesce(max(case when cohort = 'early_help' then cohort_children end), 0),
            coalesce(max(case when cohort = 'referral' then cohort_children end), 0)
        from marts.fct_edge_of_care_cohorts
        where outcome = 'looked_after' and window_months = 12
        group by la_code, collection_year
        """
    ).fetchall()
    assert rows
    for _, _, pooled, early_help, referral in rows:
        assert max(early_help, referral) <= pooled <= early_help + referral
    assert sum(row[3] for row in rows) > 0
    assert sum(row[4] for row in rows) > 0
