"""What each page of the benchmark pack shows, from the rows of the regional file.

Each function returns the context of one template: tiles, figures (a chart, its text
alternative and its data table) and tables of cells already written for people. Every
number shown is a published value; a cell whose symbol is set is shown as its symbol.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from csc import report_charts as charts
from csc.report_format import (
    UNIT_LABELS,
    cell,
    long_date,
    money,
    ordinal,
    period_text,
    plain,
    previous_year,
    short_date,
    spoken,
    symbol,
)

Row = dict[str, Any]

REGION_NAME = "South East"
THEMES = {
    "looked_after": "Children looked after",
    "in_need": "Children in need and child protection",
    "costs": "Costs",
    "other": "Other indicators",
}
IN_NEED_PREFIXES = ("referral", "re_referral", "assessment", "cin_", "s47", "icpc", "cpp_", "cp_")
# The overview's table: these where the file has them, and the first two money indicators.
HEADLINE = (
    "cla_rate_per_10k",
    "cla_3plus_placements_pct",
    "cla_long_term_stability_pct",
    "care_leavers_eet_pct",
    "referrals_per_10k",
    "re_referrals_12m_pct",
    "assessments_within_45wd_pct",
    "cin_rate_per_10k",
    "cpp_rate_per_10k",
    "cpp_second_or_subsequent_pct",
)
# Pathway stages: the name in tables, and the short one on the diagram.
STAGES = {
    "contact": ("Contact", "Contact"),
    "early_help": ("Early help", "Early help"),
    "referral": ("Referral", "Referral"),
    "assessment": ("Assessment", "Assessment"),
    "s47_icpc": ("Section 47 enquiry or initial conference", "S47 / ICPC"),
    "cin_plan": ("Child in need plan", "CIN plan"),
    "cp_plan": ("Child protection plan", "CP plan"),
    "looked_after": ("Looked after", "Looked after"),
    "care_leaver": ("Care leaver", "Care leaver"),
    "closed_step_down": ("Closed or stepped down", "Closed"),
}
# Cases leaving the pathway: drawn as exits under each stage rather than one far column.
EXIT_STAGE = "closed_step_down"
FILE_STATUSES = {
    "loaded": "Loaded",
    "superseded": "Superseded by a later file",
    "duplicate": "Duplicate of a file already received",
    "quarantined": "Quarantined: not loaded",
}
POLARITY_LABELS = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "neutral": "Neither higher nor lower is better",
}
DIRECTIONS = {"up": ("↑", "Up"), "down": ("↓", "Down"), "same": ("→", "No change")}
# The DfE's returns the warehouse validates, in the order the quality page lists them.
DFE_RETURNS = {"903": "SSDA903 (children looked after)", "cin": "CIN census (children in need)"}
DFE_SEVERITIES = {"error": "Error", "query": "Query"}
DFE_CHANGES = {"fewer": "fewer rows", "more": "more rows", "same": "no change"}
ASSESSMENTS = {
    "better": "better",
    "worse": "worse",
    "same": "no change",
    "neutral": "neither better nor worse",
}
# Where demand is heading (docs/demand.md): the projection drawn is the baseline's, of all
# placements; the placement groups are set side by side, and costs added up, a year on; how
# far to trust it is told from the backtests 12 and 24 months ahead.
BASELINE = "baseline"
ALL_PLACEMENTS = "all"
DEMAND_YEAR = 12
BACKTEST_HORIZONS = (12, 24)
DEMAND_METHOD = "the demand model (multi-state, simulated 200 times), described in docs/demand.md"
# Each trend line and the value and symbol columns it is drawn from.
SERIES_FIELDS = (
    ("value", "value_symbol"),
    ("region_value", "region_value_symbol"),
    ("neighbour_value", "neighbour_value_symbol"),
    ("england_value", "england_value_symbol"),
)


@dataclass
class Figure:
    """A chart with its caption, its text alternative and its data table."""

    id: str
    title: str
    summary: str
    spec: str | None
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""

    @property
    def wide(self) -> bool:
        """Whether the figure takes a whole row of a grid of figures: a data table of more
        than four columns does not fit half of 1,400 pixels."""
        return len(self.headers) > 4

    @property
    def download(self) -> str:
        """The data table as a CSV file inside a link (opens offline, like the page)."""
        return csv_link(self.headers, self.rows)


def _plain_text(value: Any) -> str:
    """A cell as text: markup without its tags, anything else as it is."""
    if value is None:
        return ""
    return value.striptags() if isinstance(value, Markup) else str(value)


def csv_link(headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """A `data:` address holding a table as CSV: each cell as the page shows it, without
    markup (a hidden figure is its symbol), with a byte order mark so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in (headers, *rows):
        writer.writerow([_plain_text(value) for value in row])
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + out.getvalue(), safe="")


@dataclass
class Trend:
    arrow: str
    text: str
    css: str


@dataclass
class Tile:
    indicator: str
    name: str
    theme: str
    definition: str
    follows: str
    polarity: str
    period: str
    in_year: bool
    value: Markup
    unit_label: str
    counts: Markup | None
    comparisons: list[tuple[str, str, Markup]]
    rank: Markup
    quartile: Markup
    quartile_class: str
    trend: Trend | None
    figure: Figure
    # An in-year extract newer than the headline year: part of a year, never compared.
    year_to_date: Markup | None = None
    # Against England and against the statistical neighbours.
    ratings: list[Rating] = field(default_factory=list)
    # Where each England figure of the trend comes from: (year, source, approximate).
    england_sources: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass
class Rating:
    """A tile's figure against one comparator, in words (`text`) and colour (`css`)."""

    against: str
    text: str
    css: str


@dataclass
class Section:
    id: str
    title: str
    tiles: list[Tile] = field(default_factory=list)


class Ids:
    """Unique element ids for a page's charts."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, stem: str) -> str:
        self.count += 1
        return f"chart-{self.count}-{stem}"


def by(rows: Iterable[Row], *keys: str) -> dict[Any, list[Row]]:
    """Rows grouped by the values of `keys` (one key: the value itself)."""
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        grouped.setdefault(key, []).append(row)
    return grouped


def years_of(rows: Iterable[Row]) -> list[str]:
    return sorted({r["collection_year"] for r in rows})


def latest_year(rows: Iterable[Row]) -> str | None:
    years = years_of(rows)
    return years[-1] if years else None


def theme_of(indicator: str, unit: str) -> str:
    if unit == "gbp" or any(word in indicator for word in ("cost", "spend", "placement_weeks")):
        return "costs"
    if indicator.startswith(("cla_", "care_leaver")):
        return "looked_after"
    if indicator.startswith(IN_NEED_PREFIXES):
        return "in_need"
    return "other"


def shown(row: Row, value: str) -> bool:
    """Whether a cell is published as a number."""
    return row[value] is not None and not row[f"{value}_symbol"]


def quartile_class(row: Row) -> str:
    """The shading of a council's quartile: green to red, or blue where neither is better."""
    quartile = row.get("quartile_in_region")
    if quartile is None:
        return ""
    return f"q{quartile}" + (" neutral" if row["polarity"] == "neutral" else "")


def _standing(row: Row) -> tuple[Markup, Markup]:
    """Rank and quartile in the region, or the value's symbol where it is suppressed."""
    rank, quartile = row.get("rank_in_region"), row.get("quartile_in_region")
    if rank is None or quartile is None:
        mark = symbol(row.get("value_symbol") or "x")
        return mark, mark
    best = "highest" if row["polarity"] == "neutral" else "best"
    return (
        Markup("{} of {} <small>(1st = {})</small>").format(
            ordinal(rank), row["councils_ranked"], best
        ),
        Markup("{} of 4").format(quartile),
    )


def _trend(row: Row) -> Trend | None:
    direction = row.get("direction_of_travel")
    if direction not in DIRECTIONS:
        return None
    arrow, word = DIRECTIONS[direction]
    assessment = row.get("travel_assessment") or "neutral"
    before = plain(row.get("previous_value"), None, row["unit"])
    text = (
        f"{word} on {previous_year(row['collection_year'])} ({before}): "
        f"{ASSESSMENTS.get(assessment, assessment)}"
    )
    return Trend(arrow, text, f"trend-{assessment}")


def _year_label(row: Row) -> Markup:
    extra = Markup(" <small>(in-year)</small>") if row["is_in_year"] else ""
    return Markup("{}{}").format(row["collection_year"], extra)


def headline_row(rows: list[Row]) -> Row:
    """The row a figure is headlined on: the last complete collection year (an in-year
    extract covers part of a year and would read as a fall against full years), or the
    newest row when there is no complete year."""
    complete = [r for r in rows if not r["is_in_year"]]
    return complete[-1] if complete else rows[-1]


APPROXIMATE = Markup(
    ' <abbr class="approx" title="approximate: quoted by others, or rounded">≈</abbr>'
)


def _trend_figure(
    ids: Ids, rows: list[Row], council_name: str, name: str, england: dict[str, Row]
) -> Figure:
    """A council's indicator over the years beside the region, neighbours and England;
    an approximate England figure is marked."""
    latest = headline_row(rows)
    unit = latest["unit"]
    years = [r["collection_year"] for r in rows]
    series = (council_name, REGION_NAME, "Neighbours (average)", "England")
    # A count for the whole region or England dwarfs a council's: those stay in the table.
    drawn = [0, 2] if unit == "count" else [0, 1, 2, 3]
    points = [
        charts.Point(r["collection_year"], series[i], float(r[v]), plain(r[v], None, unit))
        for r in rows
        for i, (v, _) in enumerate(SERIES_FIELDS)
        if i in drawn and shown(r, v)
    ]
    summary = (
        f"{name}, {years[0]} to {years[-1]}. In {latest['collection_year']}: "
        + "; ".join(
            f"{label} {spoken(latest[v], latest[s], unit)}"
            for label, (v, s) in zip(series, SERIES_FIELDS, strict=True)
        )
        + "."
    )
    notes = [
        f"{r['collection_year']} is an in-year extract to {long_date(r['period_end'])}, "
        "not a full year: drawn as an open point, apart from the line of full years."
        for r in rows
        if r["is_in_year"]
    ]
    if unit == "count":
        notes.insert(0, f"The {REGION_NAME} and England totals are in the data table.")
    approximate = {y for y, e in england.items() if e["is_approximate"]}
    if approximate & set(years):
        notes.append(
            "≈ marks an England figure read as quoted by others, or rounded; the "
            "definition says where each England figure comes from."
        )

    def england_cell(r: Row) -> Markup:
        shown_cell = cell(r["england_value"], r["england_value_symbol"], unit)
        if r["collection_year"] in approximate and shown(r, "england_value"):
            return shown_cell + APPROXIMATE
        return shown_cell

    spec = None
    if points:
        chart = charts.trend_chart(
            points,
            years,
            [series[i] for i in drawn],
            unit,
            summary,
            styles=drawn,
            partial_years=[r["collection_year"] for r in rows if r["is_in_year"]],
        )
        spec = charts.spec_json(chart)
    return Figure(
        ids(latest["indicator"]),
        f"{name}: trend",
        summary,
        spec,
        ("Year", *series),
        [
            [
                _year_label(r),
                *(cell(r[v], r[s], unit) for v, s in SERIES_FIELDS[:3]),
                england_cell(r),
            ]
            for r in rows
        ],
        " ".join(notes),
    )


# Fewer neighbours with a value than this, and their average is said to be thin.
FEW_NEIGHBOURS = 3


def _neighbours_note(shown: int | None, listed: int) -> str:
    """How many of a council's neighbours the average is of, and whether that is thin."""
    if shown is None:
        return ""
    of = f" of {listed}" if listed else ""
    return f"average of {shown}{of}" + (": too few to rely on" if shown < FEW_NEIGHBOURS else "")


# A council's figure reads as similar to a comparator's within this band; outside it, better
# or worse by the indicator's polarity. A band for reading, not a statistical test.
SIMILAR_POINTS = 1.0  # percentages: within 1 percentage point
SIMILAR_SHARE = 0.05  # rates and money: within 5% of the comparator's value
RATING_WORDS = {
    "better": "Better than",
    "worse": "Worse than",
    "similar": "Similar to",
    "higher": "Higher than",
    "lower": "Lower than",
}


RATING_RULE = (
    "Each figure is rated against England and against the average of the statistical "
    "neighbours with a value: better or worse as the indicator's polarity says, or similar "
    f"when within {SIMILAR_POINTS:g} percentage point (percentages) or within "
    f"{SIMILAR_SHARE:.0%} (rates and money). A band for reading, not a statistical test; "
    "counts are not rated, as they depend on the size of the area, and nothing is rated "
    f"against fewer than {FEW_NEIGHBOURS} neighbours."
)


def similar_band(unit: str) -> str:
    """The band within which a figure is said to be similar, in words."""
    if unit == "percent":
        return f"within {SIMILAR_POINTS:g} percentage point"
    return f"within {SIMILAR_SHARE:.0%} of it"


def judge(value: float, reference: float, polarity: str, unit: str) -> str:
    """better, worse or similar (higher, lower or similar where neither is better)."""
    band = SIMILAR_POINTS if unit == "percent" else SIMILAR_SHARE * abs(reference)
    if abs(value - reference) <= band:
        return "similar"
    higher = value > reference
    if polarity == "higher_is_better":
        return "better" if higher else "worse"
    if polarity == "lower_is_better":
        return "worse" if higher else "better"
    return "higher" if higher else "lower"


def rating(row: Row, against: str, value: str, thin: str = "") -> Rating:
    """The council's figure of `row` against the comparator in the `value` column."""
    unit = row["unit"]
    if unit == "count":
        return Rating(against, "Not rated: a count depends on the size of the area.", "rating-none")
    if not shown(row, "value"):
        return Rating(against, "Not rated: the council's figure is not published.", "rating-none")
    if not shown(row, value):
        return Rating(
            against, f"Not rated: no {against} figure for {row['collection_year']}.", "rating-none"
        )
    if thin:
        return Rating(against, f"Not rated: {thin}.", "rating-none")
    verdict = judge(float(row["value"]), float(row[value]), row["polarity"], unit)
    reference = plain(row[value], None, unit)
    if verdict == "similar":
        why = similar_band(unit)
    else:
        why = POLARITY_LABELS.get(row["polarity"], "").lower()
    return Rating(
        against,
        f"{RATING_WORDS[verdict]} {against} ({reference}): {why}.",
        f"rating-{verdict}" if verdict in ("better", "worse", "similar") else "rating-neutral",
    )


def tile_ratings(row: Row) -> list[Rating]:
    """The headline row against England and against the statistical neighbours (not when
    too few of them have a value)."""
    neighbours = row.get("neighbours_shown")
    thin = (
        f"only {neighbours} neighbours had a value"
        if neighbours is not None and neighbours < FEW_NEIGHBOURS
        else ""
    )
    return [
        rating(row, "England", "england_value"),
        rating(row, "statistical neighbours", "neighbour_value", thin),
    ]


def _tile(
    ids: Ids,
    rows: list[Row],
    definition: Row | None,
    neighbours_listed: int = 0,
    england: dict[str, Row] | None = None,
    same_months: dict[str, Row] | None = None,
) -> Tile:
    """An indicator's figures for a council in its last complete year, its trend, and any
    newer in-year extract beside them as the year to date."""
    latest = headline_row(rows)
    unit = latest["unit"]
    name = latest["indicator_name"] or latest["indicator"]
    counts = None
    if unit == "percent" and shown(latest, "value"):
        counts = Markup("{} of {}").format(
            cell(latest["numerator"], latest["numerator_symbol"], "count"),
            cell(latest["denominator"], latest["denominator_symbol"], "count"),
        )
    neighbours = latest.get("neighbours_shown")
    rank, quartile = _standing(latest)
    definition = definition or {}
    return Tile(
        indicator=latest["indicator"],
        name=name,
        theme=theme_of(latest["indicator"], unit),
        definition=definition.get("definition") or "",
        follows=definition.get("follows") or "",
        polarity=POLARITY_LABELS.get(latest["polarity"], latest["polarity"] or ""),
        period=period_text(latest["collection_year"], latest["period_end"], latest["is_in_year"]),
        in_year=bool(latest["is_in_year"]),
        value=cell(latest["value"], latest["value_symbol"], unit),
        unit_label=UNIT_LABELS.get(unit, "") if shown(latest, "value") else "",
        counts=counts,
        comparisons=[
            (REGION_NAME, "", cell(latest["region_value"], latest["region_value_symbol"], unit)),
            (
                "Statistical neighbours",
                _neighbours_note(neighbours, neighbours_listed),
                cell(latest["neighbour_value"], latest["neighbour_value_symbol"], unit),
            ),
            ("England", "", cell(latest["england_value"], latest["england_value_symbol"], unit)),
        ],
        rank=rank,
        quartile=quartile,
        quartile_class=quartile_class(latest),
        trend=_trend(latest),
        figure=_trend_figure(ids, rows, latest["la_name"], name, england or {}),
        year_to_date=(
            _year_to_date(rows[-1], (same_months or {}).get(rows[-1]["collection_year"]))
            if rows[-1] is not latest
            else None
        ),
        ratings=tile_ratings(latest),
        england_sources=[
            (year, e["source"], bool(e["is_approximate"]))
            for year, e in sorted((england or {}).items())
            if year in {r["collection_year"] for r in rows}
        ],
    )


def _year_to_date(row: Row, same: Row | None = None) -> Markup:
    """An in-year extract's figure, said as part of a year: beside the same months of the
    year before where the regional file has them, never beside a full year."""
    unit = row["unit"]
    label = UNIT_LABELS.get(unit, "") if shown(row, "value") else ""
    said = Markup("Year to date, {} to {}: <strong>{}</strong>{}.").format(
        row["collection_year"],
        long_date(row["period_end"]),
        cell(row["value"], row["value_symbol"], unit),
        Markup(" {}").format(label) if label else "",
    )
    part = Markup(" Part of a year: not compared with full years.")
    if same is None:
        return said + part
    # A rate in the same months is on the previous year's population, as that year's rate.
    unit = same["unit"]
    before = cell(same["same_months_value"], same["same_months_value_symbol"], unit)
    label = UNIT_LABELS.get(unit, "") if shown(same, "same_months_value") else ""
    label = Markup(" {}").format(label) if label else ""
    if not same["is_flow"]:
        compared = Markup(" A year before, on {}: <strong>{}</strong>{}.").format(
            long_date(same["same_months_to"]), before, label
        )
    else:
        compared = Markup(" Same months a year before, {} to {}: <strong>{}</strong>{}.").format(
            long_date(same["same_months_from"]), long_date(same["same_months_to"]), before, label
        )
    return said + compared + part


def _stage(stage: str, short: bool = False) -> str:
    return STAGES.get(stage, (stage, stage))[1 if short else 0]


def pathway_figure(ids: Ids, flows: list[Row], area: str) -> Figure | None:
    """An area's latest pathway year as a Sankey diagram, with a table of every flow."""
    year = latest_year(flows)
    if year is None:
        return None
    drawn: list[charts.Flow] = []
    table = []
    suppressed = backward = 0
    this_year = [f for f in flows if f["collection_year"] == year]
    for f in sorted(this_year, key=lambda f: (f["from_stage_order"], f["to_stage_order"])):
        if not f["is_forward"]:
            backward += 1
            status = "No: a move back to an earlier stage"
        elif not shown(f, "transitions"):
            suppressed += 1
            status = "No: suppressed"
        elif f["transitions"] <= 0:
            status = "No: none"
        else:
            status = "Yes"
            drawn.append(
                charts.Flow(
                    f["from_stage"],
                    f["from_stage_order"],
                    f["to_stage"],
                    f["to_stage_order"],
                    float(f["transitions"]),
                    plain(f["transitions"], None, "count"),
                )
            )
        table.append(
            [
                _stage(f["from_stage"]),
                _stage(f["to_stage"]),
                cell(f["transitions"], f["transitions_symbol"], "count"),
                cell(f["children"], f["children_symbol"], "count"),
                status,
            ]
        )
    summary = (
        f"Children's pathway in {area}, {year}: {len(drawn)} flows between stages are drawn, "
        f"wider for more moves. {suppressed} suppressed flows and {backward} moves back to an "
        "earlier stage are not drawn; the table lists every flow."
    )
    labels = {stage: _stage(stage, short=True) for stage in STAGES}
    spec = charts.sankey_chart(drawn, labels, summary, exit_stage=EXIT_STAGE)
    return Figure(
        ids("pathway"),
        f"Children's pathway, {year}",
        summary,
        charts.spec_json(spec) if spec else None,
        ("From", "To", "Transitions", "Children", "In the diagram"),
        table,
        "Stages run left to right from contact to care and leaving care; the grey bars "
        "below them are cases closed or stepped down after each stage. A ribbon's width is "
        "the number of moves from one stage to the next. Suppressed flows and moves back to "
        "an earlier stage are not drawn: the table below lists every flow.",
    )


def cost_figures(ids: Ids, costs: list[Row], region: list[Row], area: str) -> list[Figure]:
    """An area's average weekly cost by placement beside the region's, and its spend."""
    year = latest_year(costs)
    if year is None:
        return []
    mine = [r for r in costs if r["collection_year"] == year]
    theirs = {r["placement_group"]: r for r in region if r["collection_year"] == year}
    beside_region = area != REGION_NAME
    areas = [area, REGION_NAME] if beside_region else [area]
    groups = [r["placement_group_label"] for r in mine]
    cost_bars = []
    for r in mine:
        pairs = [(area, r)]
        if beside_region and r["placement_group"] in theirs:
            pairs.append((REGION_NAME, theirs[r["placement_group"]]))
        cost_bars += [
            charts.Bar(
                r["placement_group_label"],
                float(row["average_weekly_cost"]),
                plain(row["average_weekly_cost"], None, "gbp"),
                name,
            )
            for name, row in pairs
            if shown(row, "average_weekly_cost")
        ]
    cost_summary = (
        f"Average weekly cost of a placement by type of placement, {area}"
        + (f" beside the {REGION_NAME}" if beside_region else "")
        + f", {year}: "
        + "; ".join(
            f"{r['placement_group_label']} "
            + spoken(r["average_weekly_cost"], r["average_weekly_cost_symbol"], "gbp")
            for r in mine
        )
        + "."
    )
    headers = ["Placement", "Children", "Placement weeks", "Spend", "Average weekly cost"]
    table = []
    for r in mine:
        line = [
            r["placement_group_label"],
            cell(r["children"], r["children_symbol"], "count"),
            cell(r["placement_weeks"], r["placement_weeks_symbol"], "count"),
            cell(r["spend"], r["spend_symbol"], "gbp"),
            cell(r["average_weekly_cost"], r["average_weekly_cost_symbol"], "gbp"),
        ]
        if beside_region:
            other = theirs.get(r["placement_group"])
            line.append(
                cell(other["average_weekly_cost"], other["average_weekly_cost_symbol"], "gbp")
                if other
                else symbol("x")
            )
        table.append(line)
    if beside_region:
        headers.append(f"{REGION_NAME} average weekly cost")
    cost_spec = charts.grouped_bars(
        cost_bars, groups, areas, "gbp", "Average weekly cost", cost_summary
    )
    spend_bars = [
        charts.Bar(
            r["placement_group_label"], float(r["spend"]), plain(r["spend"], None, "gbp"), area
        )
        for r in mine
        if shown(r, "spend")
    ]
    spend_summary = (
        f"Spend on placements by type of placement, {area}, {year}: "
        + "; ".join(
            f"{r['placement_group_label']} {spoken(r['spend'], r['spend_symbol'], 'gbp')}"
            for r in mine
        )
        + "."
    )
    spend_spec = charts.grouped_bars(spend_bars, groups, [area], "gbp", "Spend", spend_summary)
    return [
        Figure(
            ids("weekly-cost"),
            f"Average weekly cost by placement, {year}",
            cost_summary,
            charts.spec_json(cost_spec) if cost_bars else None,
            headers,
            table,
        ),
        Figure(
            ids("spend"),
            f"Spend by placement, {year}",
            spend_summary,
            charts.spec_json(spend_spec) if spend_bars else None,
            ["Placement", "Spend"],
            [
                [r["placement_group_label"], cell(r["spend"], r["spend_symbol"], "gbp")]
                for r in mine
            ],
        ),
    ]


@dataclass
class Demand:
    """Where demand is heading in an area: its projection of children looked after, how far
    to trust it, what it would cost and how it splits by placement. `hidden` when the
    projection of all placements is too small to publish: then nothing else is set."""

    hidden: bool = False
    intro: str = ""
    headline: str = ""
    children: Figure | None = None
    trust: list[str] = field(default_factory=list)
    backtests: Figure | None = None
    cost_text: str = ""
    cost: Figure | None = None
    groups: Figure | None = None


def _projected(row: Row, measure: str) -> bool:
    """Whether a projection's `measure` (children or cost) is published as numbers."""
    return row[f"{measure}_median"] is not None and not row[f"{measure}_symbol"]


def _interval(row: Row, measure: str, unit: str) -> Markup:
    """A projection's 10th to 90th percentile, or its symbol."""
    low, high = row[f"{measure}_p10"], row[f"{measure}_p90"]
    if not _projected(row, measure) or low is None or high is None:
        return symbol(row[f"{measure}_symbol"] or "x")
    return Markup("{} to {}").format(cell(low, None, unit), cell(high, None, unit))


def _projection_label(row: Row, measure: str, unit: str) -> str:
    """A projected month end for a tooltip: '190 (170 to 210)', or '168 (counted)'."""
    median = plain(row[f"{measure}_median"], None, unit)
    if row["months_ahead"] == 0:
        return f"{median} (counted)"
    low, high = (plain(row[f"{measure}_{p}"], None, unit) for p in ("p10", "p90"))
    return f"{median} ({low} to {high})"


def _month_end(row: Row) -> str:
    """A projection's month end in a table: the first is the count it starts from."""
    return short_date(row["month_end"]) + (" (counted)" if row["months_ahead"] == 0 else "")


def scenario_name(scenario: str) -> str:
    """A scenario as the pack names it: 'Baseline', 'More foster care'."""
    return scenario[:1].upper() + scenario[1:]


def _listed(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1]))) if items else ""


def _projection_points(
    rows: list[Row], measure: str, unit: str, series: str, band: bool
) -> list[charts.Projected]:
    """A projection's published month ends as points of a chart, with their band or not."""
    return [
        charts.Projected(
            f"{r['month_end']:%Y-%m}",
            short_date(r["month_end"]),
            r["months_ahead"],
            series,
            float(r[f"{measure}_median"]),
            _projection_label(r, measure, unit),
            float(r[f"{measure}_p10"]) if band else None,
            float(r[f"{measure}_p90"]) if band else None,
        )
        for r in rows
        if _projected(r, measure)
    ]


def _children_figure(
    ids: Ids, total: list[Row], scenarios: dict[str, list[Row]], area: str
) -> Figure:
    """Children looked after in all placements, month by month: the baseline's median and
    band, and each named scenario's median."""
    names = [f"{scenario_name(s)}: median" for s in (BASELINE, *scenarios)]
    points = _projection_points(total, "children", "count", names[0], band=True)
    for name, rows in zip(names[1:], scenarios.values(), strict=True):
        points += _projection_points(rows, "children", "count", name, band=False)
    drawn = [r for r in total if _projected(r, "children")]
    first, last = drawn[0], drawn[-1]
    ahead = {s: {r["months_ahead"]: r for r in rows} for s, rows in scenarios.items()}
    summary = (
        f"Children looked after in {area}, all placements, month by month from "
        f"{long_date(first['month_end'])}, when {plain(first['children_median'], None, 'count')} "
        f"were counted, to {long_date(last['month_end'])}: the median of the runs is "
        f"{plain(last['children_median'], None, 'count')} by then, the 10th to 90th "
        f"percentile {_interval(last, 'children', 'count').striptags()}"
        + "".join(
            f"; under the scenario {scenario_name(s).lower()}, "
            + spoken(
                (at := ahead[s].get(last["months_ahead"], {})).get("children_median"),
                at.get("children_symbol"),
                "count",
            )
            for s in scenarios
        )
        + "."
    )
    spec = charts.projection_chart(points, names, "count", "Children looked after", summary)
    note = (
        "The line is the median of the model's runs; the shaded band holds the middle eight "
        "in ten of them (the 10th to 90th percentile). Every run starts from the children "
        "counted (the point)."
    )
    if scenarios:
        note += (
            " A scenario changes the model's rates on purpose (docs/demand.md says how): "
            "its line is the median of its own runs."
        )
    return Figure(
        ids("demand_children"),
        f"Children looked after in {area}: where demand is heading",
        summary,
        charts.spec_json(spec),
        ("Month end", "Median", "10th to 90th percentile", *names[1:]),
        [
            [
                _month_end(r),
                cell(r["children_median"], r["children_symbol"], "count"),
                _interval(r, "children", "count"),
                *(
                    cell(at["children_median"], at["children_symbol"], "count")
                    if (at := ahead[s].get(r["months_ahead"]))
                    else symbol("x")
                    for s in scenarios
                ),
            ]
            for r in total
        ],
        note,
    )


def _cost(ids: Ids, total: list[Row], area: str) -> tuple[str, Figure | None]:
    """What the children of all placements would cost: a sentence with the first year's
    cost, and the cost a month with its band."""
    drawn = [r for r in total if _projected(r, "cost")]
    if not drawn:
        if any(r["cost_symbol"] == "c" for r in total):
            return (
                f"What the children looked after in {area} would cost is not published (c): "
                "it would let a count of very few children be worked out.",
                None,
            )
        return (
            f"No cost is projected for {area} (x): the regional file holds no unit costs for it.",
            None,
        )
    year = [r for r in total if 1 <= r["months_ahead"] <= DEMAND_YEAR]
    if len(year) == DEMAND_YEAR and all(_projected(r, "cost") for r in year):
        # Each month's median is published: their sum reveals nothing hidden.
        text = (
            f"Over the {DEMAND_YEAR} months to {long_date(year[-1]['month_end'])}, the "
            f"children looked after in {area} would cost about "
            f"{money(sum(r['cost_median'] for r in year))} (each month's median cost, added "
            "up)."
        )
    else:
        text = (
            f"The cost of the first {DEMAND_YEAR} months is not added up: not every month's "
            "cost is published."
        )
    first, last = drawn[0], drawn[-1]
    summary = (
        f"Cost a month of the children looked after in {area}, all placements, from the month "
        f"to {long_date(first['month_end'])} ({plain(first['cost_median'], None, 'gbp')}) to "
        f"the month to {long_date(last['month_end'])}: median of the runs "
        f"{plain(last['cost_median'], None, 'gbp')}, 10th to 90th percentile "
        f"{_interval(last, 'cost', 'gbp').striptags()}."
    )
    points = _projection_points(total, "cost", "gbp", "Baseline: median", band=True)
    spec = charts.projection_chart(points, ["Baseline: median"], "gbp", "Cost a month", summary)
    return text, Figure(
        ids("demand_cost"),
        f"What the children looked after in {area} would cost a month",
        summary,
        charts.spec_json(spec),
        ("Month end", "Median", "10th to 90th percentile"),
        [
            [
                _month_end(r),
                cell(r["cost_median"], r["cost_symbol"], "gbp"),
                _interval(r, "cost", "gbp"),
            ]
            for r in total
        ],
        "Each placement's cost a week in the council's returns, raised for inflation, for the "
        "children the model projects in it; the line is the median of the runs, the band "
        "their 10th to 90th percentile.",
    )


def _groups_figure(ids: Ids, baseline: list[Row], area: str) -> Figure | None:
    """The baseline by placement group a year on: median and interval beside the count it
    started from; hidden groups in the table as their symbol, not drawn."""
    later = sorted(
        (r for r in baseline if r["months_ahead"] == DEMAND_YEAR), key=lambda r: r["group_order"]
    )
    if not later:
        return None
    start = {r["placement_group"]: r for r in baseline if r["months_ahead"] == 0}
    target, origin = later[0]["month_end"], later[0]["origin_date"]
    intervals = [
        charts.Interval(
            r["placement_group_label"],
            float(r["children_median"]),
            float(r["children_p10"]),
            float(r["children_p90"]),
            _projection_label(r, "children", "count"),
            float(began["children_median"]),
            _projection_label(began, "children", "count"),
        )
        for r in later
        if r["placement_group"] != ALL_PLACEMENTS
        and _projected(r, "children")
        and (began := start.get(r["placement_group"])) is not None
        and _projected(began, "children")
    ]
    summary = (
        f"Children looked after in {area} by placement, projected for "
        f"{long_date(target)}, {DEMAND_YEAR} months on: "
        + "; ".join(
            f"{r['placement_group_label']} "
            + spoken(r["children_median"], r["children_symbol"], "count")
            for r in later
        )
        + "."
    )
    note = (
        "Each line runs from the 10th to the 90th percentile of the runs; the dot is their "
        f"median and the diamond the count on {long_date(origin)}. All placements are in the "
        "table."
    )
    if any(not _projected(r, "children") for r in later):
        note += " Placements with too few children to publish are not drawn: the table shows c."
    spec = (
        charts.spec_json(
            charts.interval_chart(intervals, "count", "Children looked after", summary)
        )
        if intervals
        else None
    )
    return Figure(
        ids("demand_groups"),
        f"By placement, {short_date(target)}",
        summary,
        spec,
        ("Placement", f"Counted, {short_date(origin)}", "Median", "10th to 90th percentile"),
        [
            [
                r["placement_group_label"],
                cell(began["children_median"], began["children_symbol"], "count")
                if (began := start.get(r["placement_group"]))
                else symbol("x"),
                cell(r["children_median"], r["children_symbol"], "count"),
                _interval(r, "children", "count"),
            ]
            for r in later
        ],
        note,
    )


def backtest_sentence(rows: list[Row], horizon: int) -> str:
    """How far off the projections made `horizon` months ahead were: the mean of the
    published backtests' errors, the model's and carrying the count forward's, and how many
    backtests that is."""
    used = [r for r in rows if shown(r, "error_percent") and shown(r, "naive_error_percent")]
    if not rows:
        return f"No projection made {horizon} months ahead has been checked yet."
    if not used:
        return (
            f"The backtests {horizon} months ahead count too few children to publish (c), so "
            "none is shown."
        )
    model = sum(r["error_percent"] for r in used) / len(used)
    naive = sum(r["naive_error_percent"] for r in used) / len(used)
    count = f"{len(used)} backtest{'s' if len(used) != 1 else ''}"
    text = (
        f"Projections made {horizon} months ahead were off by {plain(model, None, 'percent')} "
        f"on average ({count}); carrying the count forward was off by "
        f"{plain(naive, None, 'percent')}."
    )
    hidden = len(rows) - len(used)
    if hidden:
        text += (
            f" {hidden} more {'backtest is' if hidden == 1 else 'backtests are'} hidden (c) "
            "and not counted."
        )
    return text


def _trust(
    ids: Ids, backtests: list[Row], area: str, published: bool
) -> tuple[list[str], Figure | None]:
    """How far to trust an area's projection, from its backtests of all placements: in
    words, and the backtests as a table."""
    if not published:
        return ["No backtests published yet: the regional file holds none."], None
    rows = sorted(
        (r for r in backtests if r["placement_group"] == ALL_PLACEMENTS),
        key=lambda r: (r["horizon_months"], r["origin_date"]),
    )
    if not rows:
        return [f"No backtests for {area} yet."], None
    origins = [long_date(day) for day in sorted({r["origin_date"] for r in rows})]
    said = [
        f"The same model was run from earlier 31 Marches ({_listed(origins)}) and what it "
        "projected for all placements set against the children then counted (backtests). "
        "A projection is off by the gap between the median of its runs and the count, as a "
        "share of the count; carrying the count forward means assuming no change."
    ]
    said += [
        backtest_sentence([r for r in rows if r["horizon_months"] == h], h)
        for h in BACKTEST_HORIZONS
    ]
    table = Figure(
        ids("demand_backtests"),
        f"Backtests of all placements, {area}",
        said[0],
        None,
        ("Projected from", "Months ahead", "Projected", "Counted", "Off by", "Carried forward"),
        [
            [
                short_date(r["origin_date"]),
                str(r["horizon_months"]),
                cell(r["projected_median"], r["projected_median_symbol"], "count"),
                cell(r["actual"], r["actual_symbol"], "count"),
                cell(r["error_percent"], r["error_percent_symbol"], "percent"),
                cell(r["naive_error_percent"], r["naive_error_percent_symbol"], "percent"),
            ]
            for r in rows
        ],
    )
    return said, table


def _headline(total: list[Row], area: str) -> str:
    """The children counted at the origin and projected a year on, in a sentence."""
    start = total[0]
    year_on = next((r for r in total if r["months_ahead"] == DEMAND_YEAR), None)
    if start["months_ahead"] != 0 or year_on is None:
        return ""
    if not (_projected(start, "children") and _projected(year_on, "children")):
        return ""
    return (
        f"{plain(start['children_median'], None, 'count')} children were looked after in "
        f"{area} on {long_date(start['month_end'])}. By {long_date(year_on['month_end'])} the "
        f"model projects {plain(year_on['children_median'], None, 'count')}, and in eight runs "
        f"in ten between {plain(year_on['children_p10'], None, 'count')} and "
        f"{plain(year_on['children_p90'], None, 'count')}."
    )


def demand_section(
    ids: Ids,
    projections: list[Row],
    backtests: list[Row],
    area: str,
    backtests_published: bool = True,
) -> Demand | None:
    """Where demand is heading in an area, from its published projections (the latest
    origin's) and backtests; None when the regional file holds no projection for it."""
    if not projections:
        return None
    origin = max(r["origin_date"] for r in projections)
    series = by(
        (r for r in projections if r["origin_date"] == origin), "scenario", "placement_group"
    )
    total = sorted(series.get((BASELINE, ALL_PLACEMENTS), []), key=lambda r: r["months_ahead"])
    if not total:
        return None
    if not any(_projected(r, "children") for r in total):
        return Demand(hidden=True)
    scenarios = {
        scenario: sorted(rows, key=lambda r: r["months_ahead"])
        for (scenario, group), rows in sorted(series.items())
        if scenario != BASELINE and group == ALL_PLACEMENTS
    }
    baseline = [r for (scenario, _), rows in series.items() if scenario == BASELINE for r in rows]
    last = total[-1]["month_end"]
    intro = (
        f"Children looked after in {area}, projected month by month from "
        f"{long_date(origin)} to {long_date(last)} by {DEMAND_METHOD}: the baseline, which "
        "holds the rates of recent years steady"
        + (
            f", and the scenario{'s' if len(scenarios) > 1 else ''} "
            + _listed([scenario_name(s).lower() for s in scenarios])
            if scenarios
            else ""
        )
        + "."
    )
    trust, table = _trust(ids, backtests, area, backtests_published)
    cost_text, cost = _cost(ids, total, area)
    return Demand(
        intro=intro,
        headline=_headline(total, area),
        children=_children_figure(ids, total, scenarios, area),
        trust=trust,
        backtests=table,
        cost_text=cost_text,
        cost=cost,
        groups=_groups_figure(ids, baseline, area),
    )


def _returns(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Each collection year a council's figures come from, with its period end."""
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(
            r["collection_year"],
            {
                "year": r["collection_year"],
                "period_end": long_date(r["period_end"]),
                "in_year": bool(r["is_in_year"]),
            },
        )
    return [seen[y] for y in sorted(seen)]


@dataclass
class Pack:
    """The regional file's rows, grouped the ways the pages read them."""

    indicators: list[Row]
    definitions: dict[str, Row]
    councils: list[Row]
    neighbours: dict[str, list[Row]]
    council_flows: dict[str, list[Row]]
    region_flows: list[Row]
    council_costs: dict[str, list[Row]]
    region_costs: list[Row]
    files: dict[str, list[Row]]
    rules: dict[tuple, list[Row]]
    has: dict[str, bool]
    dfe: dict[str, list[Row]] = field(default_factory=dict)
    dfe_trend: dict[str, list[Row]] = field(default_factory=dict)
    # England's published figures by indicator and collection year, with their sources.
    england: dict[tuple[str, str], Row] = field(default_factory=dict)
    # The same months of the year before each in-year extract, by council and indicator.
    same_months: dict[tuple[str, str], list[Row]] = field(default_factory=dict)
    # Where demand is heading: projections and backtests, by council and for the region.
    council_projections: dict[str, list[Row]] = field(default_factory=dict)
    region_projections: list[Row] = field(default_factory=list)
    council_backtests: dict[str, list[Row]] = field(default_factory=dict)
    region_backtests: list[Row] = field(default_factory=list)

    @property
    def indicator_order(self) -> list[str]:
        """Indicators in the order their definitions come, then any others."""
        order = list(self.definitions)
        order += [
            i for i in dict.fromkeys(r["indicator"] for r in self.indicators) if i not in order
        ]
        return order


def council_page(pack: Pack, council: Row, mine: list[Row]) -> dict[str, Any]:
    """A council's indicators by theme, its pathway and its placement costs."""
    code = council["la_code"]
    names = {c["la_code"]: c["la_name"] for c in pack.councils}
    ids = Ids()
    sections = {key: Section(key, title) for key, title in THEMES.items()}
    by_indicator = by(mine, "indicator")
    for indicator in pack.indicator_order:
        if indicator in by_indicator:
            rows = sorted(by_indicator[indicator], key=lambda r: r["collection_year"])
            tile = _tile(
                ids,
                rows,
                pack.definitions.get(indicator),
                len(pack.neighbours.get(code, [])),
                {y: e for (i, y), e in pack.england.items() if i == indicator},
                {s["collection_year"]: s for s in pack.same_months.get((code, indicator), [])},
            )
            sections[tile.theme].tiles.append(tile)
    returns = _returns(mine)
    return {
        "title": council["la_name"],
        "council": council,
        "latest": returns[-1] if returns else None,
        "returns": returns,
        "sections": [s for s in sections.values() if s.tiles or s.id != "other"],
        "has_indicators": pack.has["benchmark_indicators"],
        "pathway": pathway_figure(ids, pack.council_flows.get(code, []), council["la_name"]),
        "has_pathways": pack.has["pathway_flows"],
        "costs": cost_figures(
            ids, pack.council_costs.get(code, []), pack.region_costs, council["la_name"]
        ),
        "has_costs": pack.has["placement_costs"],
        "neighbours": [
            {"code": n["neighbour_la_code"], "name": names.get(n["neighbour_la_code"], "")}
            for n in pack.neighbours.get(code, [])
        ],
        "has_neighbours": pack.has["statistical_neighbours"],
        "neighbour_figures": neighbour_figures(pack, council, ids),
        "rating_rule": RATING_RULE,
        "demand": demand_section(
            ids,
            pack.council_projections.get(code, []),
            pack.council_backtests.get(code, []),
            council["la_name"],
            pack.has["demand_backtests"],
        ),
        "has_demand": pack.has["demand_projections"],
    }


def headline_indicators(pack: Pack) -> list[str]:
    units = {r["indicator"]: r["unit"] for r in pack.indicators}
    chosen = [i for i in HEADLINE if i in units]
    chosen += [i for i in pack.indicator_order if units.get(i) == "gbp"][:2]
    if not chosen:
        chosen = [i for i in pack.indicator_order if units.get(i) not in (None, "count")][:8]
    return chosen


def table_year(rows: list[Row], councils: int) -> str | None:
    """The latest complete collection year most of the region's councils have figures for.

    In-year extracts cover part of a year, so a year they stand for is never the table's:
    set against full years, every count would seem to fall. A newer year that only a few
    councils have sent would leave most of the regional table empty; those councils' newer
    figures are on their own pages.
    """
    rows = [r for r in rows if not r["is_in_year"]] or rows
    sent = {
        year: {r["la_code"] for r in group} for year, group in by(rows, "collection_year").items()
    }
    for year in sorted(sent, reverse=True):
        if 2 * len(sent[year]) >= councils:
            return year
    return max(sent, default=None)


def _region_bars(ids: Ids, rows: list[Row], year: str, highlight: Row | None = None) -> Figure:
    """Every council's published value in a year, best (or highest) first; given a council
    (`highlight`), only it and its neighbours, its bar picked out."""
    first = rows[0]
    unit, name, indicator = first["unit"], first["indicator_name"], first["indicator"]
    rows = sorted(
        rows, key=lambda r: (r["rank_in_region"] is None, r["rank_in_region"] or 0, r["la_name"])
    )
    region = spoken(first["region_value"], first["region_value_symbol"], unit)
    order = "from best to worst" if first["polarity"] != "neutral" else "from highest to lowest"
    summary = (
        f"{name}, {year}, council by council {order}. {REGION_NAME}: {region}. "
        + "; ".join(f"{r['la_name']} {spoken(r['value'], r['value_symbol'], unit)}" for r in rows)
        + "."
    )
    bars = [
        charts.Bar(r["la_name"], float(r["value"]), plain(r["value"], None, unit))
        for r in rows
        if shown(r, "value")
    ]
    line = float(first["region_value"]) if shown(first, "region_value") else None
    spec = charts.council_bars(
        bars,
        unit,
        summary,
        line,
        plain(line, None, unit) if line is not None else "",
        highlight=highlight["la_name"] if highlight else None,
    )
    standing = [
        [r["la_name"], cell(r["value"], r["value_symbol"], unit), *_standing(r)] for r in rows
    ]
    title = (
        f"{name}: {highlight['la_name']} among its neighbours, {year}"
        if highlight
        else f"{name}: councils, {year}"
    )
    return Figure(
        ids(f"{indicator}-{'neighbours' if highlight else 'councils'}"),
        title,
        summary,
        charts.spec_json(spec) if bars else None,
        ("Council", "Value", "Rank in region", "Quartile"),
        standing,
        f"The dashed line is the {REGION_NAME} value. Suppressed councils are not drawn."
        + (" Ranks are among all the region's councils." if highlight else ""),
    )


def neighbour_figures(pack: Pack, council: Row, ids: Ids) -> list[Figure]:
    """For each headline indicator, the council and its neighbours in its last complete
    year, ranked, the council's bar picked out."""
    code = council["la_code"]
    circle = {code} | {n["neighbour_la_code"] for n in pack.neighbours.get(code, [])}
    if len(circle) < 2:
        return []
    figures = []
    by_indicator = by(pack.indicators, "indicator")
    for indicator in headline_indicators(pack):
        mine = [r for r in by_indicator.get(indicator, []) if r["la_code"] == code]
        if not mine:
            continue
        year = headline_row(sorted(mine, key=lambda r: r["collection_year"]))["collection_year"]
        rows = [
            r
            for r in by_indicator[indicator]
            if r["collection_year"] == year and r["la_code"] in circle
        ]
        own = next(r for r in rows if r["la_code"] == code)
        figures.append(_region_bars(ids, rows, year, highlight=own))
    return figures


def _region_trend(ids: Ids, rows: list[Row]) -> Figure:
    """The region's and England's values of an indicator over the years."""
    first = rows[0]
    unit, name, indicator = first["unit"], first["indicator_name"], first["indicator"]
    by_year = {year: group[0] for year, group in by(rows, "collection_year").items()}
    years = sorted(by_year)
    # A year any council sent only part of is part of a year for the region too.
    partial = sorted({r["collection_year"] for r in rows if r["is_in_year"]})
    series = (REGION_NAME, "England")
    fields = SERIES_FIELDS[1], SERIES_FIELDS[3]
    points = [
        charts.Point(y, label, float(by_year[y][v]), plain(by_year[y][v], None, unit))
        for y in years
        for label, (v, _) in zip(series, fields, strict=True)
        if shown(by_year[y], v)
    ]
    said = [
        f"{y}: "
        + ", ".join(
            f"{label} {spoken(by_year[y][v], by_year[y][s], unit)}"
            for label, (v, s) in zip(series, fields, strict=True)
        )
        for y in years
    ]
    summary = f"{name}, {REGION_NAME} and England, {years[0]} to {years[-1]}. " + "; ".join(said)
    spec = (
        charts.trend_chart(points, years, series, unit, summary, [1, 3], partial_years=partial)
        if points
        else None
    )
    return Figure(
        ids(f"{indicator}-region"),
        f"{name}: {REGION_NAME} over time",
        summary,
        charts.spec_json(spec) if spec else None,
        ("Year", *series),
        [[y, *(cell(by_year[y][v], by_year[y][s], unit) for v, s in fields)] for y in years],
    )


def overview_page(pack: Pack) -> dict[str, Any]:
    """Every council's headline indicators, the region's charts, pathway and costs."""
    ids = Ids()
    rows = pack.indicators
    councils = pack.councils
    year = table_year(rows, len(councils))
    headline = headline_indicators(pack)
    in_table = by([r for r in rows if r["collection_year"] == year], "indicator")
    first = {i: in_table.get(i, [None])[0] for i in headline}
    table = []
    for council in councils:
        cells = []
        for indicator in headline:
            row = next(
                (r for r in in_table.get(indicator, []) if r["la_code"] == council["la_code"]), None
            )
            cells.append(
                {
                    "value": cell(row["value"], row["value_symbol"], row["unit"])
                    if row
                    else symbol("x"),
                    "css": quartile_class(row) if row else "",
                    "quartile": row["quartile_in_region"] if row else None,
                }
            )
        table.append({"council": council, "cells": cells})
    reference_rows = [
        {
            "label": label,
            "cells": [
                cell(r[value], r[f"{value}_symbol"], r["unit"]) if r else symbol("x")
                for r in first.values()
            ],
        }
        for label, value in ((REGION_NAME, "region_value"), ("England", "england_value"))
    ]
    by_indicator = by(rows, "indicator")
    figures = []
    for indicator in headline:
        if in_table.get(indicator):
            figures.append(_region_bars(ids, in_table[indicator], year))
        figures.append(_region_trend(ids, by_indicator[indicator]))
    newest: dict[str, Row] = {}
    for r in rows:
        if (
            r["la_code"] not in newest
            or r["collection_year"] > newest[r["la_code"]]["collection_year"]
        ):
            newest[r["la_code"]] = r
    in_year = sorted(
        {
            (r["la_name"], r["period_end"])
            for r in rows
            if r["collection_year"] == year and r["is_in_year"]
        }
    )
    later = by([r for r in rows if year and r["collection_year"] > year], "collection_year")
    return {
        "title": f"{REGION_NAME} children's services benchmark pack",
        "year": year,
        "councils": [
            {
                **c,
                "latest": period_text(n["collection_year"], n["period_end"], n["is_in_year"])
                if (n := newest.get(c["la_code"]))
                else "no figures yet",
            }
            for c in councils
        ],
        "headline": [
            {"indicator": i, "name": by_indicator[i][0]["indicator_name"]} for i in headline
        ],
        "table": table,
        "reference_rows": reference_rows,
        "table_download": csv_link(
            ["Council", *(by_indicator[i][0]["indicator_name"] for i in headline)],
            [
                *([r["council"]["la_name"], *(c["value"] for c in r["cells"])] for r in table),
                *([r["label"], *r["cells"]] for r in reference_rows),
            ],
        ),
        "in_year": [f"{name} (to {long_date(end)})" for name, end in in_year],
        "later": [
            {
                "year": y,
                "councils": sorted({r["la_name"] for r in group}),
                "in_year": all(r["is_in_year"] for r in group),
            }
            for y, group in sorted(later.items())
        ],
        "figures": figures,
        "has_indicators": bool(rows),
        "pathway": pathway_figure(ids, pack.region_flows, REGION_NAME),
        "has_pathways": pack.has["pathway_flows"],
        "costs": cost_figures(ids, pack.region_costs, [], REGION_NAME),
        "has_costs": pack.has["placement_costs"],
        "demand_area": f"the {REGION_NAME}",
        "demand": demand_section(
            ids,
            pack.region_projections,
            pack.region_backtests,
            f"the {REGION_NAME}",
            pack.has["demand_backtests"],
        ),
        "has_demand": pack.has["demand_projections"],
    }


@dataclass
class DfeReturn:
    """A council's latest SSDA903 or CIN census as the DfE's rules find it."""

    return_name: str
    title: str
    year: str
    reference: str
    previous: str
    blocking: int
    queries: int
    rules: list[dict[str, Any]]
    trend: Figure
    dates: int


def _rule_order(code: str) -> tuple[bool, int, str]:
    """DfE codes in number order (205A after 205), then the lettered ones (SW12STG2)."""
    digits = "".join(c for c in code if c.isdigit())
    return (not code[:1].isdigit(), int(digits) if digits else 0, code)


def _dfe_rule(row: Row) -> dict[str, Any]:
    """A row of a return's table of DfE rules, its numbers as published."""
    if row["blocks_submission"]:
        blocks = "Yes"
    elif row["needs_explanation"]:
        blocks = "No: explain or amend"
    else:
        blocks = "No: passes now"
    return {
        "code": row["rule_code"],
        "severity": DFE_SEVERITIES.get(row["dfe_severity"], row["dfe_severity"]),
        "severity_class": row["dfe_severity"],
        "blocks": blocks,
        "blocking": bool(row["blocks_submission"]),
        "now": cell(row["rows_failing"], row["rows_failing_symbol"], "count"),
        "before": cell(row["previous_rows_failing"], row["previous_rows_failing_symbol"], "count"),
        "change": DFE_CHANGES.get(row["change_direction"] or "", ""),
        "message": row["rule_message"] or "",
        "passing": not (row["blocks_submission"] or row["needs_explanation"]),
    }


def _dfe_trend(ids: Ids, rows: list[Row], title: str) -> Figure:
    """Errors that would block submission at each reference date the return was checked at."""
    labels = [short_date(r["reference_date"]) for r in rows]
    series = "DfE errors failing"
    points = [
        charts.Point(
            label, series, float(r["error_rules_failing"]), f"{r['error_rules_failing']:,}"
        )
        for label, r in zip(labels, rows, strict=True)
    ]
    latest = rows[-1]
    summary = (
        f"{title}: DfE errors failing, which would block submission, at each reference date "
        f"checked, {labels[0]} to {labels[-1]}. At {labels[-1]}: "
        f"{latest['error_rules_failing']:,} "
        f"{'error' if latest['error_rules_failing'] == 1 else 'errors'} failing."
    )
    spec = None
    if len(rows) > 1:
        spec = charts.spec_json(charts.trend_chart(points, labels, [series], "count", summary))
    note = "The chart counts rules, not rows: rows failing are in the table."
    if len({r["collection_year"] for r in rows}) > 1:
        note = "Each collection year is checked against that year's DfE rules. " + note
    return Figure(
        ids(f"dfe-{latest['return_name']}"),
        f"{title}: DfE errors by reference date",
        summary,
        spec,
        (
            "Reference date",
            "Collection year",
            "Errors failing",
            "Rows failing errors",
            "Queries failing",
            "Rows failing queries",
        ),
        [
            [
                label,
                r["collection_year"],
                f"{r['error_rules_failing']:,}",
                cell(r["error_rows"], r["error_rows_symbol"], "count"),
                f"{r['query_rules_failing']:,}",
                cell(r["query_rows"], r["query_rows_symbol"], "count"),
            ]
            for label, r in zip(labels, rows, strict=True)
        ],
        note,
    )


def dfe_returns(ids: Ids, rules: list[Row], trend: list[Row]) -> list[DfeReturn]:
    """A council's latest SSDA903 and CIN census: the DfE rules they fail now or failed at
    the previous reference date of the year, and their errors at every date checked."""
    out = []
    by_return = by(trend, "return_name")
    for return_name, title in DFE_RETURNS.items():
        dated = sorted(by_return.get(return_name, []), key=lambda r: r["reference_date"])
        if not dated:
            continue
        latest = dated[-1]
        now = [
            r
            for r in rules
            if r["return_name"] == return_name
            and r["collection_year"] == latest["collection_year"]
            and r["reference_date"] == latest["reference_date"]
        ]
        now.sort(
            key=lambda r: (
                not r["blocks_submission"],
                not r["needs_explanation"],
                r["dfe_severity"] != "error",
                _rule_order(r["rule_code"] or ""),
            )
        )
        previous = max(
            (
                r["reference_date"]
                for r in dated
                if r["collection_year"] == latest["collection_year"]
                and r["reference_date"] < latest["reference_date"]
            ),
            default=None,
        )
        out.append(
            DfeReturn(
                return_name=return_name,
                title=title,
                year=latest["collection_year"],
                reference=long_date(latest["reference_date"]),
                previous=long_date(previous) if previous else "",
                blocking=int(latest["error_rules_failing"]),
                queries=int(latest["query_rules_failing"]),
                rules=[_dfe_rule(r) for r in now],
                trend=_dfe_trend(ids, dated, title),
                dates=len(dated),
            )
        )
    return out


def quality_page(pack: Pack) -> dict[str, Any]:
    """Per council: the DfE rules its returns fail, every file dropped, what became of it,
    and the rules that failed."""
    sections = []
    ids = Ids()
    for council in pack.councils:
        code = council["la_code"]
        files = pack.files.get(code, [])
        entries = [
            {
                **f,
                "reference": short_date(f["reference_date"]),
                "first_seen": short_date(f["first_seen_at"]),
                "loaded": short_date(f["loaded_at"]),
                "status_text": FILE_STATUSES.get(f["status"], f["status"]),
                "rows": cell(f["row_count"], f["row_count_symbol"], "count"),
                "critical": cell(f["critical_failures"], f["critical_failures_symbol"], "count"),
                "warnings": cell(f["warning_failures"], f["warning_failures_symbol"], "count"),
                "rules": [
                    {**r, "rows": cell(r["rows_failing"], r["rows_failing_symbol"], "count")}
                    for r in pack.rules.get(
                        (f["la_code"], f["reference_date"], f["file_name"], f["kind"]), []
                    )
                ],
            }
            for f in files
        ]
        sections.append(
            {
                "council": council,
                "files": entries,
                "counts": {s: sum(f["status"] == s for f in files) for s in FILE_STATUSES},
                "latest": short_date(
                    max(
                        (f["reference_date"] for f in files if f["reference_date"] is not None),
                        default=None,
                    )
                ),
                "quarantined": [e for e in entries if e["status"] == "quarantined"],
                "warned": [e for e in entries if e["status"] != "quarantined" and e["rules"]],
                "dfe": dfe_returns(ids, pack.dfe.get(code, []), pack.dfe_trend.get(code, [])),
            }
        )
    return {
        "title": "Data quality",
        "sections": sections,
        "statuses": FILE_STATUSES,
        "has_files": pack.has["data_quality_files"],
        "has_rules": pack.has["data_quality_rules"],
        "has_dfe": pack.has.get("dfe_validation_trend", False),
        # the page carries the charts' drawing script only when it has a chart to draw
        "has_charts": any(r.trend.spec for s in sections for r in s["dfe"]),
    }
