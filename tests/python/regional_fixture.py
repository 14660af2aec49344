"""A small published regional file, written to the regional contract, for the report tests.

The numbers are made up but behave like the real ones: council counts under 10 are
suppressed (`c`), region values are sums over councils, neighbour values average the
neighbours' shown values, ranks and quartiles leave suppressed councils out. A few private
numbers are planted: their true values are known here but never written to the file, so a
test can check that no page shows them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import duckdb

REGION_CODE = "E12000008"
REGION_NAME = "South East"

COUNCILS = [
    ("E06000036", "867", "Bracknell Forest", 28_000),
    ("E06000043", "846", "Brighton and Hove", 50_000),
    ("E06000060", "825", "Buckinghamshire", 125_000),
    ("E10000011", "845", "East Sussex", 110_000),
    ("E10000014", "850", "Hampshire", 290_000),
    ("E06000046", "921", "Isle of Wight", 24_000),
    ("E10000016", "886", "Kent", 350_000),
    ("E06000035", "887", "Medway", 65_000),
    ("E06000042", "826", "Milton Keynes", 70_000),
    ("E10000025", "931", "Oxfordshire", 150_000),
    ("E06000044", "851", "Portsmouth", 45_000),
    ("E06000038", "870", "Reading", 38_000),
    ("E06000039", "871", "Slough", 42_000),
    ("E06000045", "852", "Southampton", 55_000),
    ("E10000030", "936", "Surrey", 270_000),
    ("E06000037", "869", "West Berkshire", 35_000),
    ("E10000032", "938", "West Sussex", 180_000),
    ("E06000040", "868", "Windsor and Maidenhead", 34_000),
    ("E06000041", "872", "Wokingham", 40_000),
]
SMALL_REGION = ("E06000036", "E06000043", "E06000046", "E10000016")
YEARS = ("2022-23", "2023-24", "2024-25")
# The latest year is an in-year extract, to a different date for each council that sent one.
IN_YEAR_PERIOD_ENDS = {
    "E06000036": dt.date(2024, 9, 30),
    "E06000043": dt.date(2024, 12, 31),
    "E10000016": dt.date(2024, 10, 31),
}
# (indicator, name, unit, polarity, per 10k children or share, England value or None)
INDICATORS = [
    ("cla_at_31_march", "Children looked after at 31 March", "count", "neutral", 60.0, 81_770.0),
    (
        "cla_rate_per_10k",
        "Children looked after per 10000 children",
        "rate_per_10k",
        "neutral",
        60.0,
        67.0,
    ),
    (
        "cla_3plus_placements_pct",
        "Children with 3 or more placements in the year",
        "percent",
        "lower_is_better",
        0.105,
        10.0,
    ),
    (
        "care_leavers_eet_pct",
        "Care leavers aged 19 to 21 in education employment or training",
        "percent",
        "higher_is_better",
        0.61,
        60.0,
    ),
    ("referrals_per_10k", "Referrals per 10000 children", "rate_per_10k", "neutral", 520.0, 519.0),
    (
        "cpp_second_or_subsequent_pct",
        "Child protection plans that were a second or subsequent plan",
        "percent",
        "lower_is_better",
        0.23,
        23.0,
    ),
    (
        "assessments_within_45wd_pct",
        "Assessments completed within 45 working days",
        "percent",
        "higher_is_better",
        0.86,
        86.0,
    ),
    (
        "placement_avg_weekly_cost",
        "Average weekly cost of a placement",
        "gbp",
        "lower_is_better",
        1_850.0,
        None,
    ),
]
STAGES = (
    "contact",
    "early_help",
    "referral",
    "assessment",
    "s47_icpc",
    "cin_plan",
    "cp_plan",
    "looked_after",
    "care_leaver",
    "closed_step_down",
)
# Transitions per 10,000 children in a year, from stage to stage.
FLOWS = {
    ("contact", "early_help"): 300,
    ("contact", "referral"): 500,
    ("contact", "closed_step_down"): 700,
    ("early_help", "referral"): 90,
    ("early_help", "closed_step_down"): 200,
    ("referral", "assessment"): 480,
    ("referral", "closed_step_down"): 60,
    ("assessment", "s47_icpc"): 160,
    ("assessment", "cin_plan"): 120,
    ("assessment", "closed_step_down"): 200,
    ("s47_icpc", "cp_plan"): 45,
    ("s47_icpc", "cin_plan"): 40,
    ("s47_icpc", "closed_step_down"): 60,
    ("cin_plan", "cp_plan"): 8,
    ("cin_plan", "looked_after"): 9,
    ("cin_plan", "closed_step_down"): 110,
    ("cp_plan", "looked_after"): 11,
    ("cp_plan", "cin_plan"): 25,
    ("cp_plan", "closed_step_down"): 15,
    ("looked_after", "care_leaver"): 6,
    ("looked_after", "closed_step_down"): 20,
}
PLACEMENT_GROUPS = [
    ("in_house_fostering", "In-house fostering", 1, 0.40, 480.0),
    ("agency_fostering", "Agency fostering", 2, 0.25, 950.0),
    ("childrens_home", "Children's home", 3, 0.12, 5_200.0),
    ("supported_accommodation", "Supported accommodation", 4, 0.08, 1_700.0),
    ("other", "Other placements", 5, 0.15, 700.0),
]
KINDS = ("header", "episodes", "oc3", "cin", "annex_a", "placement_costs")
# DfE rules in the fixture's own words: (rule id, severity, wording).
DFE_RULES = {
    "903:103": ("error", "Ethnicity is missing or not a code the DfE accepts."),
    "903:117": ("error", "A placement starts after the child's adoption."),
    "903:1004": ("error", "Care leaver activity is given for a young person who is not one."),
    "903:205A": ("error", "UASC status disagrees with the return of the year before."),
    "cin:2885": ("error", "A child protection plan ends before it starts."),
    "cin:8873Q": ("query", "A child protection plan has no review: please check."),
}
# Rows failing each rule at three month ends of an in-year SSDA903: one rule getting
# cleaner, one put right a month before the last, one put right in the last month (hidden
# at its middle month), one failing from the last month on.
DFE_IN_YEAR_903 = {
    "903:103": (25, 18, 12),
    "903:117": (13, 0, 0),
    "903:1004": (11, 4, 0),
    "903:205A": (0, 0, 14),
}
DFE_ANNUAL_903 = {"903:103": 30, "903:1004": 6, "903:205A": 0}
DFE_IN_YEAR_CIN = {"cin:2885": 3, "cin:8873Q": 12}
# The demand projections: from the last 31 March every council's annual return counts, 36
# month ends on, the baseline and one named scenario; backtests from the three 31 Marches
# before it, 12 months on and, where the history reaches, 24.
DEMAND_ORIGIN = dt.date(2024, 3, 31)
DEMAND_MONTHS = 36
DEMAND_SCENARIO = "more foster care"
BACKTEST_ORIGINS = (dt.date(2021, 3, 31), dt.date(2022, 3, 31), dt.date(2023, 3, 31))
BACKTEST_HORIZONS = (12, 24)
# Kent sent no unit costs, so its costs are not available; Brighton and Hove's children are
# made too few to publish (PLANTED.demand_hidden_council), every one of its series hidden.
DEMAND_NO_COSTS = "E10000016"
# The scenario moves children from homes and agencies to the council's own foster carers:
# added to each group's drift a month.
SCENARIO_SHIFT = {"in_house_fostering": 0.004, "agency_fostering": -0.001, "childrens_home": -0.005}
INFLATION_A_MONTH = 0.002
# The Isle of Wight's children's homes are hidden (PLANTED.children at the origin) and so is
# its next smallest group, so the hidden one cannot be worked out from the total.
DEMAND_SECONDARY = {"E06000046": "supported_accommodation"}
# A backtest of all placements hidden where every count is large: the pack must average only
# what is published, whatever the reason a row is hidden.
BACKTEST_HIDDEN = ("E06000036", dt.date(2021, 3, 31), 12)


@dataclass(frozen=True)
class Planted:
    """Private numbers the fixture knows and the file never holds."""

    council: str = "E06000046"
    year: str = "2023-24"
    # Children with 3 or more placements: 3 of 7, so 42.857%: suppressed.
    indicator: str = "cla_3plus_placements_pct"
    numerator: float = 3.0
    denominator: float = 7.0
    # Children's homes: 4 children, spend 1,129,856 over 208 weeks, so 5,432 a week: suppressed.
    placement_group: str = "childrens_home"
    children: float = 4.0
    placement_weeks: float = 208.0
    spend: float = 1_129_856.0
    # Child protection plan to care: 6 transitions of 6 children: suppressed.
    flow: tuple[str, str] = ("cp_plan", "looked_after")
    flow_transitions: float = 6.0
    # What those few children's home children would cost a month 12 months on (baseline
    # median), and all of Brighton and Hove's few children: both suppressed.
    demand_group_cost: float = 94_517.0
    demand_hidden_council: str = "E06000043"
    demand_hidden_cost: float = 31_862.0

    @property
    def value(self) -> float:
        return 100 * self.numerator / self.denominator

    @property
    def strings(self) -> tuple[str, ...]:
        """How the private numbers would look if a page leaked them."""
        weekly = self.spend / self.placement_weeks
        return (
            f"{self.value:.1f}",
            f"{self.value:.2f}",
            f"{weekly:,.0f}",
            f"{weekly:.0f}",
            f"{self.spend:,.0f}",
            f"{self.spend:.0f}",
            *(
                text
                for cost in (self.demand_group_cost, self.demand_hidden_cost)
                for text in (f"{cost:,.0f}", f"{cost:.0f}")
            ),
        )


PLANTED = Planted()

SCHEMA = {
    "benchmark_indicators": """
        la_code varchar, la_name varchar, collection_year varchar, period_end date,
        is_in_year boolean, indicator varchar, indicator_name varchar, unit varchar,
        polarity varchar, numerator double, numerator_symbol varchar, denominator double,
        denominator_symbol varchar, value double, value_symbol varchar, region_value double,
        region_value_symbol varchar, neighbour_value double, neighbour_value_symbol varchar,
        neighbours_shown integer, england_value double, england_value_symbol varchar,
        rank_in_region integer, quartile_in_region integer, councils_ranked integer,
        previous_value double, direction_of_travel varchar, travel_assessment varchar""",
    "indicator_definitions": """
        indicator varchar, name varchar, unit varchar, polarity varchar, follows varchar,
        definition varchar, display_order integer""",
    "councils": "la_code varchar, la_number varchar, la_name varchar",
    "year_to_date": (
        "la_code varchar, la_name varchar, collection_year varchar, period_end date, "
        "indicator varchar, unit varchar, is_flow boolean, previous_collection_year varchar, "
        "same_months_from date, same_months_to date, same_months_count bigint, "
        "same_months_count_symbol varchar, same_months_value double, "
        "same_months_value_symbol varchar"
    ),
    "england_values": (
        "indicator varchar, collection_year varchar, value double, is_approximate boolean, "
        "source varchar"
    ),
    "statistical_neighbours": "la_code varchar, neighbour_la_code varchar, neighbour_rank integer",
    "pathway_flows": """
        area_type varchar, la_code varchar, area_name varchar, collection_year varchar,
        from_stage varchar, from_stage_order integer, to_stage varchar, to_stage_order integer,
        is_forward boolean, transitions double, transitions_symbol varchar, children double,
        children_symbol varchar""",
    "placement_costs": """
        area_type varchar, la_code varchar, area_name varchar, collection_year varchar,
        placement_group varchar, placement_group_label varchar, group_order integer,
        children double, children_symbol varchar, placement_weeks double,
        placement_weeks_symbol varchar, spend double, spend_symbol varchar,
        average_weekly_cost double, average_weekly_cost_symbol varchar""",
    "data_quality_files": """
        la_code varchar, la_name varchar, reference_date date, collection_year varchar,
        kind varchar, file_name varchar, status varchar, row_count bigint, row_count_symbol varchar,
        critical_failures bigint, critical_failures_symbol varchar, warning_failures bigint,
        warning_failures_symbol varchar, first_seen_at timestamp, loaded_at timestamp""",
    "data_quality_rules": """
        la_code varchar, reference_date date, file_name varchar, kind varchar, rule_id varchar,
        severity varchar, message varchar, rows_failing bigint, rows_failing_symbol varchar""",
    "dfe_validation": """
        dfe_validation_id varchar, la_code varchar, la_name varchar, return_name varchar,
        return_title varchar, collection_year varchar, reference_date date,
        reference_date_number bigint, is_latest_reference_date boolean,
        previous_reference_date date, rule_id varchar, rule_code varchar, dfe_severity varchar,
        rule_message varchar, blocks_submission boolean, needs_explanation boolean,
        rows_failing bigint, rows_failing_symbol varchar, previous_rows_failing bigint,
        previous_rows_failing_symbol varchar, change_direction varchar""",
    "dfe_validation_trend": """
        dfe_validation_trend_id varchar, la_code varchar, la_name varchar, return_name varchar,
        return_title varchar, collection_year varchar, reference_date date,
        reference_date_number bigint, is_latest_reference_date boolean, rules_checked bigint,
        error_rules_failing bigint, query_rules_failing bigint, blocks_submission boolean,
        error_rows bigint, error_rows_symbol varchar, query_rows bigint,
        query_rows_symbol varchar""",
    "demand_projections": """
        demand_projection_id varchar, area_type varchar, la_code varchar, area_name varchar,
        scenario varchar, origin_date date, month_end date, months_ahead integer,
        placement_group varchar, placement_group_label varchar, group_order integer,
        children_p10 double, children_median double, children_p90 double,
        children_symbol varchar, cost_p10 double, cost_median double, cost_p90 double,
        cost_symbol varchar""",
    "demand_backtests": """
        demand_backtest_id varchar, area_type varchar, la_code varchar, area_name varchar,
        origin_date date, horizon_months integer, target_date date, placement_group varchar,
        placement_group_label varchar, group_order integer, projected_median double,
        projected_median_symbol varchar, actual double, actual_symbol varchar, naive double,
        naive_symbol varchar, error_percent double, error_percent_symbol varchar,
        naive_error_percent double, naive_error_percent_symbol varchar""",
}
THRESHOLD = 10


def _shown(number: float | None) -> tuple[float | None, str | None]:
    """A council count as published: under the threshold it is suppressed."""
    if number is None:
        return None, "x"
    if 0 < number < THRESHOLD:
        return None, "c"
    return number, None


def _period_end(council: str, year: str) -> tuple[dt.date, bool]:
    end_year = int(year[:4]) + 1
    if year == YEARS[-1] and council in IN_YEAR_PERIOD_ENDS:
        return IN_YEAR_PERIOD_ENDS[council], True
    return dt.date(end_year, 3, 31), False


def _years_of(council: str) -> tuple[str, ...]:
    return YEARS if council in IN_YEAR_PERIOD_ENDS else YEARS[:-1]


def _true_counts(council: str, population: int, year: str, rng: random.Random) -> dict:
    """(numerator, denominator) for every indicator of a council and year."""
    counts = {}
    cla = round(population * 60 / 10_000 * rng.uniform(0.7, 1.3))
    for indicator, _, unit, _, level, _ in INDICATORS:
        if indicator == "cla_at_31_march":
            counts[indicator] = (float(cla), None)
        elif unit == "rate_per_10k":
            base = cla if indicator.startswith("cla") else population * level / 10_000
            counts[indicator] = (float(round(base * rng.uniform(0.85, 1.15))), float(population))
        elif unit == "percent":
            denominator = round(cla * rng.uniform(0.3, 0.9))
            share = min(0.97, level * rng.uniform(0.7, 1.3))
            counts[indicator] = (float(round(denominator * share)), float(denominator))
        else:
            weeks = round(cla * 52 * rng.uniform(0.8, 0.95))
            counts[indicator] = (float(round(weeks * level * rng.uniform(0.8, 1.2))), float(weeks))
    if council == PLANTED.council and year == PLANTED.year:
        counts[PLANTED.indicator] = (PLANTED.numerator, PLANTED.denominator)
    return counts


def _value(unit: str, numerator: float, denominator: float | None) -> float:
    if unit == "count":
        return numerator
    if unit == "rate_per_10k":
        return numerator * 10_000 / denominator
    if unit == "percent":
        return 100 * numerator / denominator
    return numerator / denominator


def _benchmark_rows(councils: list[tuple], neighbours: dict[str, list[str]]) -> list[tuple]:
    rng = random.Random(903)
    truth = {
        (code, year): _true_counts(code, population, year, rng)
        for code, _, _, population in councils
        for year in _years_of(code)
    }
    names = {code: name for code, _, name, _ in councils}
    rows = []
    shown_values: dict[tuple[str, str, str], float | None] = {}
    for (code, year), counts in truth.items():
        for indicator, _, unit, _, _, _ in INDICATORS:
            numerator, denominator = counts[indicator]
            suppressed = unit != "gbp" and 0 < numerator < THRESHOLD
            shown_values[code, year, indicator] = (
                None if suppressed else _value(unit, numerator, denominator)
            )
    for (code, year), counts in truth.items():
        period_end, in_year = _period_end(code, year)
        for indicator, name, unit, polarity, _, england in INDICATORS:
            numerator, denominator = counts[indicator]
            value = shown_values[code, year, indicator]
            in_year_councils = [c for c, y in truth if y == year]
            totals = [truth[c, year][indicator] for c in in_year_councils]
            if unit == "count":
                region_value = round(sum(n for n, _ in totals), -1)
            else:
                region_value = _value(
                    unit, sum(n for n, _ in totals), sum(d or 0 for _, d in totals)
                )
            mates = [shown_values.get((m, year, indicator)) for m in neighbours[code]]
            mates = [m for m in mates if m is not None]
            ranked = sorted(
                (v, c)
                for c in in_year_councils
                if (v := shown_values[c, year, indicator]) is not None
            )
            if polarity != "lower_is_better":
                ranked.reverse()
            position = [c for _, c in ranked]
            rank = position.index(code) + 1 if value is not None else None
            quartile = 1 + (4 * (rank - 1)) // len(position) if rank else None
            previous_year = YEARS[YEARS.index(year) - 1] if year != YEARS[0] else None
            previous = shown_values.get((code, previous_year, indicator))
            direction = assessment = None
            if value is not None and previous is not None:
                direction = "up" if value > previous else "down" if value < previous else "same"
                if polarity == "neutral":
                    assessment = "neutral"
                elif direction == "same":
                    assessment = "same"
                else:
                    better = (direction == "up") == (polarity == "higher_is_better")
                    assessment = "better" if better else "worse"
            shown_numerator, numerator_symbol = _shown(numerator)
            if unit == "gbp":
                shown_numerator, numerator_symbol = numerator, None
            rows.append(
                (
                    code,
                    names[code],
                    year,
                    period_end,
                    in_year,
                    indicator,
                    name,
                    unit,
                    polarity,
                    shown_numerator,
                    numerator_symbol,
                    denominator if value is not None else None,
                    None if value is not None or denominator is None else "c",
                    value,
                    None if value is not None else "c",
                    region_value,
                    None,
                    sum(mates) / len(mates) if mates else None,
                    None if mates else "c",
                    len(mates),
                    england,
                    None if england is not None else "x",
                    rank,
                    quartile,
                    len(position),
                    previous,
                    direction,
                    assessment,
                )
            )
    return rows


def _flow_rows(councils: list[tuple]) -> list[tuple]:
    rng = random.Random(47)
    rows = []
    for year in YEARS:
        region: dict[tuple[str, str], float] = {}
        for code, _, name, population in councils:
            if year not in _years_of(code):
                continue
            for (source, target), per_10k in FLOWS.items():
                transitions = round(population * per_10k / 10_000 * rng.uniform(0.6, 1.4))
                if (code, year) == (PLANTED.council, PLANTED.year) and (
                    source,
                    target,
                ) == PLANTED.flow:
                    transitions = PLANTED.flow_transitions
                region[source, target] = region.get((source, target), 0) + transitions
                children = round(transitions * 0.9) if transitions >= 20 else transitions
                rows.append(("council", code, name, year, source, target, transitions, children))
        for (source, target), transitions in region.items():
            rounded = round(transitions, -1)
            rows.append(
                ("region", REGION_CODE, REGION_NAME, year, source, target, rounded, rounded)
            )
    out = []
    for area_type, code, name, year, source, target, transitions, children in rows:
        shown_transitions, transitions_symbol = _shown(float(transitions))
        shown_children, children_symbol = _shown(float(children))
        out.append(
            (
                area_type,
                code,
                name,
                year,
                source,
                STAGES.index(source) + 1,
                target,
                STAGES.index(target) + 1,
                STAGES.index(target) > STAGES.index(source),
                shown_transitions,
                transitions_symbol,
                shown_children,
                children_symbol,
            )
        )
    return out


def _cost_rows(councils: list[tuple]) -> list[tuple]:
    rng = random.Random(52)
    rows = []
    for year in YEARS:
        totals: dict[str, list[float]] = {}
        for code, _, name, population in councils:
            if year not in _years_of(code):
                continue
            looked_after = population * 60 / 10_000
            for group, label, order, share, weekly in PLACEMENT_GROUPS:
                children = float(round(looked_after * share * rng.uniform(0.7, 1.3)))
                weeks = float(round(children * 52 * rng.uniform(0.75, 0.95)))
                spend = float(round(weeks * weekly * rng.uniform(0.85, 1.2)))
                if (code, year, group) == (PLANTED.council, PLANTED.year, PLANTED.placement_group):
                    children, weeks, spend = (
                        PLANTED.children,
                        PLANTED.placement_weeks,
                        PLANTED.spend,
                    )
                total = totals.setdefault(group, [0.0, 0.0, 0.0])
                total[0] += children
                total[1] += weeks
                total[2] += spend
                if 0 < children < THRESHOLD:
                    cells = (None, "c", None, "c", None, "c", None, "c")
                else:
                    cells = (children, None, weeks, None, spend, None, spend / weeks, None)
                rows.append(("council", code, name, year, group, label, order, *cells))
        for group, label, order, _, _ in PLACEMENT_GROUPS:
            children, weeks, spend = totals[group]
            rows.append(
                (
                    "region",
                    REGION_CODE,
                    REGION_NAME,
                    year,
                    group,
                    label,
                    order,
                    round(children, -1),
                    None,
                    round(weeks, -1),
                    None,
                    round(spend, -3),
                    None,
                    spend / weeks,
                    None,
                )
            )
    return rows


def _published(count: int) -> tuple[int | None, str | None]:
    """A count of rows as the regional file publishes it: 1-9 hidden as c."""
    return (None, "c") if 1 <= count < THRESHOLD else (count, None)


def _quality_rows(councils: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    files, rules = [], []
    for number, (code, _, name, _) in enumerate(councils):
        for year in _years_of(code):
            reference_date, _ = _period_end(code, year)
            seen = dt.datetime.combine(reference_date + dt.timedelta(days=40), dt.time(9, 30))
            for kind in KINDS:
                suffix = {"cin": "xml", "annex_a": "xlsx"}.get(kind, "csv")
                file_name = f"{code}/{reference_date.isoformat()}/{kind}.{suffix}"
                status, critical, warnings = "loaded", 0, 0
                if kind == "episodes" and (number + YEARS.index(year)) % 3 == 0:
                    status, critical, warnings = "quarantined", 12 + number, 1
                elif kind == "oc3" and year == YEARS[0]:
                    status, warnings = "superseded", 2
                elif kind == "header" and number % 2:
                    warnings = 3
                files.append(
                    (
                        code,
                        name,
                        reference_date,
                        year,
                        kind,
                        file_name,
                        status,
                        100 + 37 * number,
                        None,
                        *_published(critical),
                        *_published(warnings),
                        seen,
                        None if status == "quarantined" else seen + dt.timedelta(minutes=4),
                    )
                )
                if critical:
                    rules.append(
                        (
                            code,
                            reference_date,
                            file_name,
                            kind,
                            "episodes_dec_before_decom",
                            "critical",
                            "An episode ends (DEC) before it starts (DECOM).",
                            *_published(critical),
                        )
                    )
                if warnings:
                    rules.append(
                        (
                            code,
                            reference_date,
                            file_name,
                            kind,
                            f"{kind}_sex_changed",
                            "warning",
                            "SEX differs from the child's previous return.",
                            *_published(warnings),
                        )
                    )
            if kind == "placement_costs" and year == YEARS[0]:
                files.append(
                    (
                        code,
                        name,
                        reference_date,
                        year,
                        kind,
                        f"{code}/{reference_date.isoformat()}/placement_costs copy.csv",
                        "duplicate",
                        0,
                        None,
                        0,
                        None,
                        0,
                        None,
                        seen + dt.timedelta(days=2),
                        None,
                    )
                )
    return files, rules


def _month_ends(last: dt.date, months: int) -> list[dt.date]:
    """`last`, a month's last day, and the last days of the months before it, oldest first."""
    ends = [last]
    for _ in range(months - 1):
        ends.append(ends[-1].replace(day=1) - dt.timedelta(days=1))
    return sorted(ends)


def _dfe_return(
    code: str,
    name: str,
    return_name: str,
    year: str,
    counts: dict[str, tuple[int, ...]],
    dates: list[dt.date],
) -> tuple[list[tuple], list[tuple]]:
    """A return's rows of dfe_validation and dfe_validation_trend, controlled as the
    warehouse controls them: 1-9 hidden, a total shown only beside shown cells."""
    title = {"903": "SSDA903", "cin": "CIN census"}[return_name]
    cells, trend = [], []
    for number, day in enumerate(dates):
        totals = {"error": [0, 0, False], "query": [0, 0, False]}
        for rule_id, series in counts.items():
            severity, wording = DFE_RULES[rule_id]
            rows, before = series[number], series[number - 1] if number else None
            shown, mark = _published(rows)
            total = totals[severity]
            total[0] += rows > 0
            total[1] += rows
            total[2] = total[2] or mark == "c"
            if rows == 0 and not before:
                continue
            before_shown, before_mark = (None, "z") if before is None else _published(before)
            change = None
            if mark is None and before is not None and before_mark is None:
                change = "fewer" if rows < before else "more" if rows > before else "same"
            key = f"{code}:{year}:{day:%Y%m%d}:{rule_id}"
            cells.append(
                (
                    key,
                    code,
                    name,
                    return_name,
                    title,
                    year,
                    day,
                    number + 1,
                    number == len(dates) - 1,
                    dates[number - 1] if number else None,
                    rule_id,
                    rule_id.split(":")[1],
                    severity,
                    wording,
                    severity == "error" and rows > 0,
                    severity == "query" and rows > 0,
                    shown,
                    mark,
                    before_shown,
                    before_mark,
                    change,
                )
            )
        error, query = totals["error"], totals["query"]
        error_rows = (None, "c") if error[2] else _published(error[1])
        query_rows = (None, "c") if query[2] else _published(query[1])
        trend.append(
            (
                f"{code}:{return_name}:{year}:{day:%Y%m%d}",
                code,
                name,
                return_name,
                title,
                year,
                day,
                number + 1,
                number == len(dates) - 1,
                len(counts),
                error[0],
                query[0],
                error[0] > 0,
                *error_rows,
                *query_rows,
            )
        )
    return cells, trend


def _dfe_rows(councils: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    cells, trend = [], []
    annual_year, in_year = YEARS[-2], YEARS[-1]
    for code, _, name, _ in councils:
        returns = [
            (
                "903",
                annual_year,
                {k: (v,) for k, v in DFE_ANNUAL_903.items()},
                [dt.date(2024, 3, 31)],
            ),
            ("cin", annual_year, {k: (0,) for k in DFE_IN_YEAR_CIN}, [dt.date(2024, 3, 31)]),
        ]
        if code in IN_YEAR_PERIOD_ENDS:
            last = IN_YEAR_PERIOD_ENDS[code]
            returns += [
                ("903", in_year, DFE_IN_YEAR_903, _month_ends(last, 3)),
                ("cin", in_year, {k: (v,) for k, v in DFE_IN_YEAR_CIN.items()}, [last]),
            ]
        for return_name, year, counts, dates in returns:
            found = _dfe_return(code, name, return_name, year, counts, dates)
            cells += found[0]
            trend += found[1]
    return cells, trend


def _months_on(day: dt.date, months: int) -> dt.date:
    """The last day of the month `months` after the month of `day`."""
    years, month = divmod(day.month + months, 12)
    return dt.date(day.year + years, month + 1, 1) - dt.timedelta(days=1)


def _percentiles(start: float, median: float, months: int) -> tuple[float, float, float]:
    """10th, 50th and 90th percentiles of the runs `months` on from a count of `start`: the
    interval widens with the months, from none at the origin."""
    spread = 1.28 * (math.sqrt(start * months / 6) + 0.01 * start * months / 12)
    return (
        max(0.0, float(round(median - spread))),
        round(median * 2) / 2,
        float(round(median + spread)),
    )


def _demand_truth(start: dict[str, float], rng: random.Random) -> tuple[dict, dict]:
    """An area's median children by (scenario, months ahead, group), a steady drift from its
    count at the origin; and its backtests by (origin, horizon, group): projected, actual
    and naive (the count at that origin)."""
    medians, tests = {}, {}
    for group, count in start.items():
        growth = rng.uniform(-0.002, 0.006)
        for scenario in ("baseline", DEMAND_SCENARIO):
            drift = growth + (SCENARIO_SHIFT.get(group, 0.0) if scenario != "baseline" else 0.0)
            for ahead in range(DEMAND_MONTHS + 1):
                medians[scenario, ahead, group] = count * (1 + drift) ** ahead
        for number, origin in enumerate(BACKTEST_ORIGINS):
            then = float(round(count * (0.91 + 0.03 * number)))
            for horizon in BACKTEST_HORIZONS:
                if _months_on(origin, horizon) > DEMAND_ORIGIN:
                    continue
                actual = float(round(then * (1 + 0.03 * horizon / 12) * rng.uniform(0.92, 1.08)))
                projected = (
                    round(then * (1 + 0.04 * horizon / 12) * rng.uniform(0.95, 1.05) * 2) / 2
                )
                tests[origin, horizon, group] = (projected, actual, then)
    return medians, tests


def _demand_start(code: str, population: int, rng: random.Random) -> dict[str, float]:
    """A council's children looked after at the origin by placement group."""
    looked_after = population * 60 / 10_000
    start = {
        group: float(round(looked_after * share * rng.uniform(0.8, 1.2)))
        for group, _, _, share, _ in PLACEMENT_GROUPS
    }
    if code == PLANTED.demand_hidden_council:
        start = dict.fromkeys(start, 1.0) | {"in_house_fostering": 3.0}
    if code == PLANTED.council:
        start[PLANTED.placement_group] = PLANTED.children
    return start


def _error(value: float, actual: float) -> float | None:
    return round(100 * abs(value - actual) / actual, 2) if actual else None


def _demand_area_rows(
    area: tuple[str, str, str], start: dict[str, float], medians: dict, tests: dict
) -> tuple[list[tuple], list[tuple]]:
    """An area's rows of demand_projections and demand_backtests, controlled as the warehouse
    controls them: a group whose count at the origin is 1-9 is hidden, every month, every
    scenario and every backtest (and `DEMAND_SECONDARY`'s beside it)."""
    area_type, code, name = area
    total = sum(start.values())
    hidden = {g for g, n in start.items() if 0 < n < THRESHOLD}
    hidden |= {DEMAND_SECONDARY[code]} if code in DEMAND_SECONDARY else set()
    hidden |= {"all"} if 0 < total < THRESHOLD else set()
    groups = [
        ("all", "All placements", 0, 0.0),
        *((g, lb, o, w) for g, lb, o, _, w in PLACEMENT_GROUPS),
    ]
    # The true costs a month a year on of two hidden series (never written).
    planted = {
        (PLANTED.council, PLANTED.placement_group): PLANTED.demand_group_cost,
        (PLANTED.demand_hidden_council, "all"): PLANTED.demand_hidden_cost,
    }
    projections = []
    for scenario in ("baseline", DEMAND_SCENARIO):
        for ahead in range(DEMAND_MONTHS + 1):
            month_end = _months_on(DEMAND_ORIGIN, ahead)
            a_month = 52 / 12 * (1 + INFLATION_A_MONTH) ** ahead
            cells = {}
            for group, _, _, weekly in groups[1:]:
                children = _percentiles(start[group], medians[scenario, ahead, group], ahead)
                cells[group] = (children, tuple(c * weekly * a_month for c in children))
            everyone = sum(children[1] for children, _ in cells.values())
            cells["all"] = (
                _percentiles(total, everyone, ahead),
                tuple(sum(cost[i] for _, cost in cells.values()) for i in range(3)),
            )
            for group, label, order, _ in groups:
                children, cost = cells[group]
                if (scenario, ahead) == ("baseline", 12) and (code, group) in planted:
                    cost = (cost[0], planted[code, group], cost[2])
                if group in hidden:
                    shown_children, shown_cost = (None, None, None, "c"), (None, None, None, "c")
                elif code == DEMAND_NO_COSTS:
                    shown_children, shown_cost = (*children, None), (None, None, None, "x")
                else:
                    shown_children, shown_cost = (*children, None), (*cost, None)
                projections.append(
                    (
                        f"{code}:{scenario}:{month_end:%Y-%m}:{group}",
                        area_type,
                        code,
                        name,
                        scenario,
                        DEMAND_ORIGIN,
                        month_end,
                        ahead,
                        group,
                        label,
                        order,
                        *shown_children,
                        *shown_cost,
                    )
                )
    backtests = []
    for origin, horizon in sorted({(o, h) for o, h, _ in tests}):
        found = {g: tests[origin, horizon, g] for g in start}
        found["all"] = tuple(sum(t[i] for t in found.values()) for i in range(3))
        for group, label, order, _ in groups:
            projected, actual, naive = found[group]
            if (
                group in hidden
                or 0 < actual < THRESHOLD
                or 0 < naive < THRESHOLD
                or ((code, origin, horizon) == BACKTEST_HIDDEN and group == "all")
            ):
                published = (None, "c") * 5
            else:
                published = (
                    projected,
                    None,
                    actual,
                    None,
                    naive,
                    None,
                    *((e, None) if (e := _error(projected, actual)) is not None else (None, "x")),
                    *((e, None) if (e := _error(naive, actual)) is not None else (None, "x")),
                )
            backtests.append(
                (
                    f"{code}:{origin:%Y-%m}:{horizon}:{group}",
                    area_type,
                    code,
                    name,
                    origin,
                    horizon,
                    _months_on(origin, horizon),
                    group,
                    label,
                    order,
                    *published,
                )
            )
    return projections, backtests


def _demand_rows(councils: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Demand projections and backtests for each council and the region, whose runs are its
    councils' added together (here their medians: a fixture's simplification)."""
    rng = random.Random(36)
    projections: list[tuple] = []
    backtests: list[tuple] = []
    starts, truths = [], []
    for code, _, name, population in councils:
        start = _demand_start(code, population, rng)
        medians, tests = _demand_truth(start, rng)
        starts.append(start)
        truths.append((medians, tests))
        found = _demand_area_rows(("council", code, name), start, medians, tests)
        projections += found[0]
        backtests += found[1]
    if starts:
        region = {g: sum(s[g] for s in starts) for g in starts[0]}
        medians = {k: sum(m[k] for m, _ in truths) for k in truths[0][0]}
        tests = {k: tuple(sum(t[k][i] for _, t in truths) for i in range(3)) for k in truths[0][1]}
        found = _demand_area_rows(("region", REGION_CODE, REGION_NAME), region, medians, tests)
        projections += found[0]
        backtests += found[1]
    return projections, backtests


def write_regional(
    path: Path,
    councils: tuple[str, ...] = SMALL_REGION,
    omit: tuple[str, ...] = (),
) -> Path:
    """Write the regional file at `path` for the given councils, leaving out tables in `omit`."""
    chosen = [c for c in COUNCILS if c[0] in councils]
    codes = [c[0] for c in chosen]
    neighbours = {code: [m for m in codes if m != code][:10] for code in codes}
    files, rules = _quality_rows(chosen)
    dfe, dfe_trend = _dfe_rows(chosen)
    projections, backtests = _demand_rows(chosen)
    tables = {
        "benchmark_indicators": _benchmark_rows(chosen, neighbours),
        "indicator_definitions": [
            (
                indicator,
                name,
                unit,
                polarity,
                f"DfE statistics: {name.lower()}",
                f"How {name.lower()} is counted, in a sentence.",
                order,
            )
            for order, (indicator, name, unit, polarity, _, _) in enumerate(INDICATORS, 1)
        ],
        "councils": [(code, number, name) for code, number, name, _ in chosen],
        # The same months a year before the in-year extracts: one shown, one hidden; and
        # the rate of children looked after from the same count, on 48,000 children.
        "year_to_date": [
            (
                code,
                name,
                YEARS[-1],
                IN_YEAR_PERIOD_ENDS[code],
                indicator,
                unit,
                False,
                YEARS[-2],
                dt.date(int(YEARS[-2][:4]), 4, 1),
                IN_YEAR_PERIOD_ENDS[code].replace(year=IN_YEAR_PERIOD_ENDS[code].year - 1),
                *(
                    (None, "c", None, "c")
                    if code == "E06000043"
                    else (55, None, 55.0 if unit == "count" else 11.5, None)
                ),
            )
            for code, _, name, _ in chosen
            if code in IN_YEAR_PERIOD_ENDS
            for indicator, unit in (
                ("cla_at_31_march", "count"),
                ("cla_rate_per_10k", "rate_per_10k"),
            )
        ],
        # England's figure for each year; the first year's read as quoted, so approximate.
        "england_values": [
            (indicator, year, england, year == YEARS[0], f"DfE national statistics {year}")
            for indicator, _, unit, _, _, england in INDICATORS
            if england is not None and unit != "count"
            for year in YEARS
        ],
        "statistical_neighbours": [
            (code, mate, rank) for code in codes for rank, mate in enumerate(neighbours[code], 1)
        ],
        "pathway_flows": _flow_rows(chosen),
        "placement_costs": _cost_rows(chosen),
        "data_quality_files": files,
        "data_quality_rules": rules,
        "dfe_validation": dfe,
        "dfe_validation_trend": dfe_trend,
        "demand_projections": projections,
        "demand_backtests": backtests,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        # The file is named regional too, so names are qualified with the database.
        [(database,)] = con.sql("select current_database()").fetchall()
        con.execute(f'create schema "{database}".regional')
        for table, rows in tables.items():
            if table in omit:
                continue
            name = f'"{database}".regional.{table}'
            con.execute(f"create table {name} ({SCHEMA[table]})")
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                con.executemany(f"insert into {name} values ({marks})", rows)
    finally:
        con.close()
    return path
