"""`csc forecast`: the demand model (csc.demand, docs/demand.md) for every council and the
region, with its costs and backtests, written to the warehouse's raw demand tables, from
which the build makes the demand marts.

The projection starts at the latest 31 March every council's returns count their children
looked after at (the origin), from a reference window of the years before it. Each council
is simulated on its own; the region's runs are its councils' runs added run by run. Each
run's children are priced with the council's own average weekly cost per placement group
in the origin's collection year (marts.rpt_placement_unit_costs; the region's where a
council has none), raised by inflation each year. Backtests project from each earlier
31 March whose window the history holds and set the projection beside what happened 12
and 24 months on, with the naive projection (the count at the origin carried forward).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc import demand, reference, warehouse

REGION = "E12000008"  # South East: the region's code in the marts
ALL = "all"
WEEKS_PER_MONTH = 365.25 / 12 / 7
HORIZONS = (12, 24)


@dataclass
class Options:
    window_years: int = 3
    horizon_months: int = 36
    runs: int = 200
    inflation: float = 0.0  # a year, e.g. 0.03 for 3%
    scenarios: list[demand.Scenario] = field(default_factory=list)


class ScenarioError(ValueError):
    """A scenario file that cannot be read; the message names the file and the key."""


def read_scenario(path: Path) -> demand.Scenario:
    """A scenario from a TOML file:

    name = "more foster care"
    entries = 1.0                      # every age band's entries multiplied
    [entries_by_band]
    "10 to 15" = 1.1
    [[shift]]                          # of those going into `from`, `share` go to `to`
    from = "childrens_home"
    to = "agency_fostering"
    share = 0.2
    [unit_costs]                       # weekly costs multiplied
    childrens_home = 1.05
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: not a readable TOML file ({type(exc).__name__})") from None
    known = {"name", "entries", "entries_by_band", "shift", "unit_costs"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(f"{path}: unknown keys {unknown}; a scenario has {sorted(known)}")
    bands = {name for name, *_ in demand.AGE_BANDS}
    try:
        scenario = demand.Scenario(
            name=str(data["name"]),
            entries=float(data.get("entries", 1.0)),
            entries_by_band={str(k): float(v) for k, v in data.get("entries_by_band", {}).items()},
            shifts=[
                (str(s["from"]), str(s["to"]), float(s["share"])) for s in data.get("shift", [])
            ],
            unit_costs={str(k): float(v) for k, v in data.get("unit_costs", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScenarioError(f"{path}: a value is missing or not a number ({exc})") from None
    wrong = [b for b in scenario.entries_by_band if b not in bands]
    wrong += [g for s in scenario.shifts for g in s[:2] if g not in demand.GROUPS]
    wrong += [g for g in scenario.unit_costs if g not in demand.GROUPS]
    if wrong:
        raise ScenarioError(
            f"{path}: {wrong} are not age bands ({sorted(bands)}) or placement groups "
            f"({list(demand.GROUPS)})"
        )
    if scenario.name == "baseline" or not scenario.name:
        raise ScenarioError(f"{path}: a scenario needs a name of its own, not 'baseline'")
    return scenario


def origin_of(con) -> dt.date:  # noqa: ANN001 - DuckDB
    """The latest 31 March at which every council's returns count their children."""
    [(origin,)] = con.execute(
        "select min(latest) from (select la_code, max(reference_date) as latest "
        "from intermediate.int_ssda903__cla_at_reference_date "
        "where month(reference_date) = 3 and day(reference_date) = 31 group by la_code)"
    ).fetchall()
    if origin is None:
        raise ValueError("no council's return counts its children looked after at 31 March")
    return origin


def unit_costs(con, year_ending: int) -> dict[str, np.ndarray]:  # noqa: ANN001 - DuckDB
    """Average weekly cost per placement group (G) per council and for the region, in the
    collection year ending in `year_ending`; a council's missing group takes the region's
    (0 when the region has none either)."""
    rows = con.execute(
        "select la_code, placement_group, average_weekly_cost "
        "from marts.rpt_placement_unit_costs where placement_provider_code = 'all' "
        "and collection_year = ? and average_weekly_cost is not null",
        [reference.collection_year_label(year_ending)],
    ).fetchall()
    costs: dict[str, dict[str, float]] = {}
    for la_code, group, cost in rows:
        costs.setdefault(la_code, {})[group] = float(cost)
    region = costs.get(REGION, {})
    out = {REGION: np.array([region.get(g, 0.0) for g in demand.GROUPS])}
    for la_code, own in costs.items():
        out[la_code] = np.array([own.get(g, region.get(g, 0.0)) for g in demand.GROUPS])
    return out


def _seed(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


def _add_months(day: dt.date, months: int) -> dt.date:
    """The month end `months` after the month end `day`."""
    return (pd.Timestamp(day) + pd.offsets.MonthEnd(months)).date()


def _priced(bands: np.ndarray, weekly: np.ndarray, options: Options, factor: np.ndarray):  # noqa: ANN202
    """What children cost: ... x (T + 1) x B x G child counts to pounds a month, each group
    at its weekly cost (times the scenario's factor), raised by inflation each year."""
    months = np.arange(bands.shape[-3])
    raise_by = (1 + options.inflation) ** (months / 12)
    return bands * (weekly * factor * WEEKS_PER_MONTH) * raise_by[:, None, None]


def _cut(values: np.ndarray, group: str, band: str) -> np.ndarray:
    """S x (T + 1) x B x G to S x (T + 1): one group and band, or their totals (ALL)."""
    names = [name for name, *_ in demand.AGE_BANDS]
    if group != ALL:
        values = values[..., [demand.GROUPS.index(group)]]
    if band != ALL:
        values = values[..., [names.index(band)], :]
    return values.sum(axis=(-2, -1))


def _interval_rows(
    area: str, scenario: str, origin: dt.date, bands: np.ndarray, spend: np.ndarray
) -> list[dict]:
    """One area's rows: S x (T + 1) x B x G children and their cost, each month by group
    and age band and their totals (ALL), as the 10th, 50th and 90th percentiles of the
    runs."""
    rows = []
    for group in [*demand.GROUPS, ALL]:
        for band in [*(name for name, *_ in demand.AGE_BANDS), ALL]:
            low, middle, high = demand.interval(_cut(bands, group, band))
            cost_low, cost_middle, cost_high = demand.interval(_cut(spend, group, band))
            for month in range(bands.shape[1]):
                rows.append(
                    {
                        "area_code": area,
                        "scenario": scenario,
                        "origin_date": origin,
                        "month_end": _add_months(origin, month),
                        "months_ahead": month,
                        "placement_group": group,
                        "age_band": band,
                        "children_p10": float(low[month]),
                        "children_median": float(middle[month]),
                        "children_p90": float(high[month]),
                        "cost_p10": float(cost_low[month]),
                        "cost_median": float(cost_middle[month]),
                        "cost_p90": float(cost_high[month]),
                    }
                )
    return rows


def project(con, options: Options) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    """The projections and backtests of every council and the region."""
    origin = origin_of(con)
    spells = demand.read_spells(con)
    councils = sorted(spells["la_code"].unique())
    window = 12 * options.window_years
    earliest = origin - dt.timedelta(days=366 * (options.window_years + 3) + 31)
    ends = demand.month_ends(earliest, origin)
    at = len(ends) - 1
    panels = {la: demand.panel(spells[spells["la_code"] == la], ends) for la in councils}
    costs = unit_costs(con, origin.year)
    projections = []
    for scenario in [demand.Scenario(), *options.scenarios]:
        factor = np.array([scenario.unit_costs.get(g, 1.0) for g in demand.GROUPS])
        bands, spend = {}, {}
        for la in councils:
            counts = demand.count(demand.window(panels[la], at, window))
            runs = demand.simulate(
                demand.stock_at(panels[la], at),
                counts,
                options.horizon_months,
                options.runs,
                scenario,
                seed=_seed(la, scenario.name),
            )
            bands[la] = demand.by_band(runs)
            spend[la] = _priced(bands[la], costs.get(la, costs[REGION]), options, factor)
            projections += _interval_rows(la, scenario.name, origin, bands[la], spend[la])
        # The region's runs are its councils' added run by run, each priced at its own costs.
        projections += _interval_rows(
            REGION,
            scenario.name,
            origin,
            demand.region_runs(list(bands.values())),
            demand.region_runs(list(spend.values())),
        )
    return pd.DataFrame(projections), backtests(panels, at, window, options.runs)


def backtests(panels: dict[str, demand.Panel], at: int, window: int, runs: int) -> pd.DataFrame:
    """Each council's and the region's projections from every earlier 31 March whose
    window the history holds, beside what happened 12 and 24 months on."""
    rows = []
    for years_back in (3, 2, 1):
        origin = at - 12 * years_back
        if origin - window < 0:
            continue
        horizons = tuple(h for h in HORIZONS if origin + h <= at)
        simulated, actual, start = {}, {}, {}
        for la, states in panels.items():
            counts = demand.count(demand.window(states, origin, window))
            simulated[la] = demand.simulate(
                demand.stock_at(states, origin), counts, max(horizons), runs,
                seed=_seed(la, "backtest", origin),
            ).sum(axis=2)  # S x (T + 1) x G  # fmt: skip
            actual[la] = {h: demand.stock_at(states, origin + h).sum(axis=(0, 2)) for h in horizons}
            start[la] = demand.stock_at(states, origin).sum(axis=(0, 2))
        simulated[REGION] = sum(simulated[la] for la in panels)
        actual[REGION] = {h: sum(actual[la][h] for la in panels) for h in horizons}
        start[REGION] = sum(start[la] for la in panels)
        origin_date = next(iter(panels.values())).month_ends[origin]
        for area, sims in simulated.items():
            for h in horizons:
                cuts = [(g, sims[:, h, i], actual[area][h][i], start[area][i])
                        for i, g in enumerate(demand.GROUPS)]  # fmt: skip
                cuts.append((ALL, sims[:, h].sum(axis=1), actual[area][h].sum(),
                             start[area].sum()))  # fmt: skip
                for group, projected, seen, naive in cuts:
                    middle = float(np.median(projected))
                    rows.append(
                        {
                            "area_code": area,
                            "origin_date": origin_date,
                            "horizon_months": h,
                            "placement_group": group,
                            "projected_median": middle,
                            "actual": float(seen),
                            "naive": float(naive),
                            "error_percent": float(demand.absolute_percentage_error(middle, seen)),
                            "naive_error_percent": float(
                                demand.absolute_percentage_error(naive, seen)
                            ),
                        }
                    )
    return pd.DataFrame(rows)


def options_text(options: Options) -> str:
    """The options as JSON, as `stored_options` reads them back."""
    return json.dumps(dataclasses.asdict(options), sort_keys=True)


def stored_options(con) -> Options | None:  # noqa: ANN001 - DuckDB
    """The options the stored projections were made with; None before the first."""
    rows = con.execute(f"select options from {warehouse.RAW_SCHEMA}.demand_inputs").fetchall()  # nosec B608 # constant
    if not rows:
        return None
    data = json.loads(rows[0][0])
    data["scenarios"] = [
        demand.Scenario(**{**s, "shifts": [tuple(shift) for shift in s["shifts"]]})
        for s in data["scenarios"]
    ]
    return Options(**data)


def stored_digest(con) -> str | None:  # noqa: ANN001 - DuckDB
    rows = con.execute(f"select inputs_digest from {warehouse.RAW_SCHEMA}.demand_inputs").fetchall()  # nosec B608 # constant
    return rows[0][0] if rows else None


def inputs_digest(con, options: Options) -> str:  # noqa: ANN001 - DuckDB
    """A digest of everything a projection reads: the care history up to the origin (an
    episode's end after it read as open, episodes after it left out, as the model sees
    them), the unit costs of the origin's year, the model's own code and the options.
    Equal digests give equal projections, so `csc run` projects again only when it
    changes: an in-year drop adds months after the origin and changes nothing here."""
    origin = origin_of(con)
    [history] = con.execute(
        "select count(*), sum(hash(la_code, child_key, episode_start_date, "
        "case when episode_end_date <= ? then episode_end_date end, placement_group, "
        "birth_month)) from intermediate.int_demand__care_spells "
        "where episode_start_date <= ?",
        [origin, origin],
    ).fetchall()
    # The costs the projection prices with, to the penny: a sum over threads may differ in
    # its last bits from build to build.
    costs = sorted(
        (la, tuple(np.round(weekly, 2))) for la, weekly in unit_costs(con, origin.year).items()
    )
    digest = hashlib.sha256()
    for part in (origin, history, costs, options_text(options)):
        digest.update(repr(part).encode())
    for code in (demand.__file__, __file__):
        digest.update(Path(code).read_bytes())
    return digest.hexdigest()


def write(
    con,  # noqa: ANN001 - DuckDB
    projections: pd.DataFrame,
    tests: pd.DataFrame,
    options: Options | None = None,
    digest: str = "",
) -> None:
    """Replace the rows of the raw demand tables (warehouse.DEMAND_TABLES) in one
    transaction, with the options and the inputs' digest they were projected from."""
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {warehouse.RAW_SCHEMA}.demand_inputs")  # nosec B608 # constant
        con.execute(
            f"insert into {warehouse.RAW_SCHEMA}.demand_inputs values (?, ?, current_timestamp)",  # nosec B608 # constant
            [digest, options_text(options or Options())],
        )
        for table, frame in (("demand_projections", projections), ("demand_backtests", tests)):
            columns = ", ".join(name for name, _ in warehouse.DEMAND_TABLES[table])
            con.register("demand_frame", frame)
            con.execute(f"delete from {warehouse.RAW_SCHEMA}.{table}")  # nosec B608 # constants
            con.execute(
                f"insert into {warehouse.RAW_SCHEMA}.{table} ({columns}) "  # nosec B608 # constants
                f"select {columns} from demand_frame"
            )
            con.unregister("demand_frame")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
