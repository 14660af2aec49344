"""`csc forecast` (csc.forecast) on a small warehouse made by hand: two councils in a steady
state, one of them dearer; what it writes, how it prices and how a scenario moves it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from csc import forecast, warehouse
from csc.cli import main
from test_demand import cohorts

COUNCILS = {"E06000036": 700.0, "E06000040": 1400.0}  # weekly cost of in-house foster care


def hand_made(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate; create schema marts")
    frames = []
    for la_code, size in zip(COUNCILS, (10, 5), strict=True):
        spells = cohorts(0, 140, lambda month, size=size: size, 10, 60)
        frames.append(spells.assign(la_code=la_code, child=la_code + ":" + spells["child"]))
    spells = pd.concat(frames)
    con.register("spells", spells)
    con.execute(
        "create table intermediate.int_demand__care_spells as select la_code, child as "
        'child_key, start::date as episode_start_date, "end"::date as episode_end_date, '
        '"group" as placement_group, birth::date as birth_month from spells'
    )
    con.execute(
        "create table intermediate.int_ssda903__cla_at_reference_date as "
        "select * from (values ('E06000036', date '2025-03-31'), ('E06000040', date '2025-03-31'),"
        " ('E06000036', date '2025-10-31')) t(la_code, reference_date)"
    )
    con.execute(
        "create table marts.rpt_placement_unit_costs (la_code varchar, placement_group varchar, "
        "placement_provider_code varchar, collection_year varchar, average_weekly_cost double)"
    )
    for la_code, weekly in COUNCILS.items():
        con.execute(
            "insert into marts.rpt_placement_unit_costs values "
            "(?, 'in_house_fostering', 'all', '2024-25', ?)",
            [la_code, weekly],
        )
    con.execute(
        "insert into marts.rpt_placement_unit_costs values "
        "('E12000008', 'in_house_fostering', 'all', '2024-25', 900)"
    )
    return con


@pytest.fixture(scope="module")
def projected(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = hand_made(tmp_path_factory.mktemp("forecast") / "w.duckdb")
    try:
        options = forecast.Options(horizon_months=24, runs=60, inflation=0.03)
        return forecast.project(con, options)
    finally:
        con.close()


def totals(projections: pd.DataFrame) -> pd.DataFrame:
    rows = projections[(projections.placement_group == "all") & (projections.age_band == "all")]
    return rows.set_index(["area_code", "months_ahead"])


def test_every_council_and_the_region_from_the_latest_31_march_all_share(projected) -> None:  # noqa: ANN001
    projections, _ = projected
    rows = totals(projections)
    assert set(projections["area_code"]) == {*COUNCILS, forecast.REGION}
    assert set(projections["origin_date"]) == {dt.date(2025, 3, 31)}
    assert rows.loc[("E06000036", 0), "children_median"] == 100
    assert rows.loc[("E06000040", 0), "children_median"] == 50
    assert rows.loc[(forecast.REGION, 0), "children_median"] == 150
    assert rows.loc[("E06000036", 24), "month_end"] == dt.date(2027, 3, 31)
    ordered = (projections.children_p10 <= projections.children_median) & (
        projections.children_median <= projections.children_p90
    )
    assert ordered.all()
    assert (rows.xs(24, level="months_ahead").eval("children_p90 - children_p10") > 0).all()


def test_children_are_priced_at_their_councils_weekly_cost_raised_by_inflation(projected) -> None:  # noqa: ANN001
    projections, _ = projected
    rows = totals(projections)
    for la_code, weekly in COUNCILS.items():
        for month in (0, 12, 24):
            row = rows.loc[(la_code, month)]
            # One placement group: the cost's percentiles are the children's, priced.
            price = weekly * forecast.WEEKS_PER_MONTH * 1.03 ** (month / 12)
            assert row["cost_median"] == pytest.approx(row["children_median"] * price)
    region = rows.loc[(forecast.REGION, 0)]
    assert region["cost_median"] == pytest.approx(
        (100 * 700 + 50 * 1400) * forecast.WEEKS_PER_MONTH
    )


def test_backtests_compare_with_what_happened_and_with_the_naive_projection(projected) -> None:  # noqa: ANN001
    _, backtests = projected
    assert set(backtests["origin_date"]) == {
        dt.date(2022, 3, 31), dt.date(2023, 3, 31), dt.date(2024, 3, 31)
    }  # fmt: skip
    latest = backtests[backtests.origin_date == dt.date(2024, 3, 31)]
    assert set(latest["horizon_months"]) == {12}  # 24 months on is beyond the history
    every = backtests[backtests.placement_group == "all"]
    assert (every["actual"] == every["naive"]).all()  # a steady state
    assert every["error_percent"].to_numpy() == pytest.approx(
        100 * np.abs(every["projected_median"] - every["actual"]) / every["actual"]
    )
    assert (every["error_percent"] < 15).all()
    assert (
        every.set_index(["area_code", "origin_date", "horizon_months"]).loc[
            (forecast.REGION, dt.date(2022, 3, 31), 24), "actual"
        ]
        == 150
    )


def test_a_scenario_from_its_file_changes_its_own_rows_only(tmp_path: Path) -> None:
    scenario = tmp_path / "more.toml"
    scenario.write_text('name = "twice the entries"\nentries = 2.0\n')
    con = hand_made(tmp_path / "w.duckdb")
    try:
        options = forecast.Options(
            horizon_months=24, runs=40, scenarios=[forecast.read_scenario(scenario)]
        )
        projections, _ = forecast.project(con, options)
    finally:
        con.close()
    rows = totals(projections).reset_index()
    base = rows[(rows.scenario == "baseline") & (rows.months_ahead == 24)]
    more = rows[(rows.scenario == "twice the entries") & (rows.months_ahead == 24)]
    assert (more["children_median"].to_numpy() > 1.6 * base["children_median"].to_numpy()).all()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('name = "x"\nentries = "many"\n', "not a number"),
        ('name = "x"\nshrink = 1\n', "unknown keys ['shrink']"),
        ('name = "x"\n[[shift]]\nfrom = "castles"\nto = "other"\nshare = 0.1\n', "castles"),
        ('name = "baseline"\n', "a name of its own"),
        ("name = \n", "not a readable TOML file"),
    ],
)
def test_a_scenario_file_that_cannot_be_read_is_named(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    with pytest.raises(forecast.ScenarioError, match=re.escape(said)) as caught:
        forecast.read_scenario(path)
    assert str(path) in str(caught.value)


def test_forecast_needs_a_build_that_passed(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["--home", str(tmp_path), "forecast"])
    assert done.exit_code != 0
    assert "run `csc build` first" in done.output


def test_what_is_written_replaces_the_raw_demand_tables(projected, tmp_path: Path) -> None:  # noqa: ANN001
    projections, backtests = projected
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        warehouse.ensure_schema(con)
        for _ in range(2):  # written twice: replaced, not added to
            forecast.write(con, projections, backtests)
        counts = [
            con.sql(f"select count(*) from raw.{table}").fetchall()[0][0]
            for table in warehouse.DEMAND_TABLES
        ]
        [(origin,)] = con.sql("select distinct origin_date from raw.demand_projections").fetchall()
    finally:
        con.close()
    assert counts == [len(projections), len(backtests), 1]
    assert origin == dt.date(2025, 3, 31)


def test_the_options_are_stored_with_the_projection_and_read_back(
    projected,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    projections, backtests = projected
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "fewer homes"\nentries = 1.1\n[entries_by_band]\n"10 to 15" = 1.2\n'
        '[[shift]]\nfrom = "childrens_home"\nto = "agency_fostering"\nshare = 0.25\n'
        "[unit_costs]\nchildrens_home = 1.05\n"
    )
    options = forecast.Options(
        window_years=2, horizon_months=18, runs=30, inflation=0.02,
        scenarios=[forecast.read_scenario(scenario)],
    )  # fmt: skip
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        warehouse.ensure_schema(con)
        assert forecast.stored_options(con) is None and forecast.stored_digest(con) is None
        forecast.write(con, projections, backtests, options, "abc")
        assert forecast.stored_options(con) == options
        assert forecast.stored_digest(con) == "abc"
    finally:
        con.close()


def test_the_inputs_digest_moves_with_what_the_projection_reads_only(tmp_path: Path) -> None:
    """Months after the origin (an in-year drop) leave it as it is; the history up to the
    origin, the unit costs of the origin's year and the options change it."""
    con = hand_made(tmp_path / "w.duckdb")
    options = forecast.Options(runs=30)
    spells = "intermediate.int_demand__care_spells"
    try:
        before = forecast.inputs_digest(con, options)
        assert forecast.inputs_digest(con, options) == before
        # after the origin (2025-03-31): a child who comes into care, and one who leaves
        con.execute(
            f"insert into {spells} values ('E06000036', 'E06000036:new', date '2025-06-01', "
            "null, 'childrens_home', date '2012-01-01')"
        )
        con.execute(
            f"update {spells} set episode_end_date = date '2025-09-30' where episode_end_date "
            f"is null and child_key = (select min(child_key) from {spells} where "
            "episode_end_date is null and episode_start_date < date '2025-03-31')"
        )
        assert forecast.inputs_digest(con, options) == before
        assert forecast.inputs_digest(con, forecast.Options(runs=31)) != before
        # costs of another year, then of the origin's year
        con.execute("update marts.rpt_placement_unit_costs set collection_year = '2023-24'")
        assert forecast.inputs_digest(con, options) != before
        con.execute("update marts.rpt_placement_unit_costs set collection_year = '2024-25'")
        assert forecast.inputs_digest(con, options) == before
        # a child who left before the origin, as a corrected return would say
        con.execute(
            f"update {spells} set episode_end_date = episode_end_date - 1 where episode_end_date "
            f"< date '2025-01-01' and child_key = (select min(child_key) from {spells} where "
            "episode_end_date < date '2025-01-01')"
        )
        assert forecast.inputs_digest(con, options) != before
    finally:
        con.close()
