"""Charts for the benchmark pack: Vega-Lite specifications written with Altair.

Every page carries its charts as Vega-Lite JSON beside the chart's container, and one
inlined script, the Vega bundle that vl-convert-python ships (Vega, Vega-Lite and
vega-embed in one file, built offline from the wheel), draws them as SVG when the page
opens. Nothing is fetched: pages open from file:// on a machine with no network.

Why Vega-Lite rather than the other charting libraries on PyPI that ship their JavaScript:

* page weight: the Vega bundle is about 0.9 MB (0.3 MB gzipped), so a council page with
  thirty charts is about 1.1 MB and the 21 pages of a region about 25 MB; bokeh's inline
  resources start at 1.3 MB (bokeh.min.js alone) before its verbose per-chart documents;
  plotly's bundle is about 4.8 MB a page, over 100 MB for the pack.
* print: Vega draws SVG, so charts print as sharp vectors and scale to the page width
  (bokeh draws on a canvas unless told otherwise, which prints as a bitmap).
* the specification is data, not code: a chart is a small JSON document that the tests can
  read and check against the Vega-Lite schema, and Altair (already in the locked
  environment, through Great Expectations) writes it.
* the Sankey diagram of children's pathways is not a Vega-Lite mark, so its layout is
  computed here and drawn with Vega-Lite areas and rectangles (bokeh or Vega-Lite alike
  would need that; only plotly has a Sankey trace, at five times the weight).

Charts show published values only: a suppressed cell has no number and is left out of the
chart (the data table beside every chart prints its symbol), and no chart aggregates,
stacks or subtracts values, so nothing hidden can be worked out from what is drawn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import altair as alt

# Series colours with at least 4.5:1 contrast on white; each also has its own dash pattern so
# the lines can be told apart without colour and in black-and-white print.
COUNCIL_COLOUR = "#1d4f91"
REGION_COLOUR = "#b33c00"
NEIGHBOURS_COLOUR = "#0b6e66"
# Other councils' bars beside a highlighted one.
MUTED_COLOUR = "#9ca3af"
ENGLAND_COLOUR = "#4b5563"
SERIES_COLOURS = (COUNCIL_COLOUR, REGION_COLOUR, NEIGHBOURS_COLOUR, ENGLAND_COLOUR)
SERIES_DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3])
FONT = "Arial, Helvetica, sans-serif"
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#1f2937"},
    "legend": {"labelFontSize": 11, "symbolStrokeWidth": 2, "symbolSize": 250, "labelLimit": 260},
    "title": {"fontSize": 13, "anchor": "start"},
}
TREND_HEIGHT = 170
BAR_STEP = 16
PROJECTION_HEIGHT = 220
INTERVAL_STEP = 28
# A projection's band: the 10th to the 90th percentile of the model's runs, shaded pale in
# its median's colour so the line stays readable over it.
BAND_LABEL = "10th to 90th percentile of the runs"
BAND_OPACITY = 0.2
MEDIAN_LABEL = "Projected (median of the runs)"
START_LABEL = "Counted at the start"
SANKEY_WIDTH = 1000.0
SANKEY_HEIGHT = 380.0
SANKEY_NODE_WIDTH = 14.0
SANKEY_MARGIN = 34.0
SANKEY_GAP = 36.0
SANKEY_SAMPLES = 24

# Axis labels in the units of the regional contract.
AXIS_LABELS = {
    "count": "format(datum.value, ',~r')",
    "rate_per_10k": "format(datum.value, ',~r')",
    "percent": "format(datum.value, ',~r') + '%'",
    "gbp": "datum.value >= 1e6 ? '£' + format(datum.value / 1e6, ',.1~f') + 'm' "
    ": '£' + format(datum.value, ',.0f')",
}
UNIT_TITLES = {
    "count": "Number",
    "rate_per_10k": "Per 10,000 children",
    "percent": "Per cent",
    "gbp": "Pounds",
}


class Datasets:
    """A chart's data, kept out of Altair and attached to the finished specification.

    Altair checks inline data row by row against the Vega-Lite schema, which is most of the
    time a pack takes; named datasets are checked by nobody, and Vega-Lite reads them the
    same way. The tests check each kind of chart, data and all, against the schema.
    """

    def __init__(self) -> None:
        self.values: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, rows: list[dict[str, Any]]) -> alt.NamedData:
        name = f"rows_{len(self.values)}"
        self.values[name] = rows
        return alt.NamedData(name=name)


def _finish(chart: alt.TopLevelMixin, description: str, data: Datasets) -> dict[str, Any]:
    """The Vega-Lite JSON of a chart, self-contained and with the pack's look."""
    spec = chart.properties(description=description).to_dict(validate=False)
    spec["datasets"] = data.values
    # vega-embed is told the mode, so the schema address need not appear in the page.
    spec.pop("$schema", None)
    spec["config"] = CONFIG
    # Charts take the width of their container; heights are fixed.
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def spec_json(spec: dict[str, Any]) -> str:
    """A specification as JSON that is safe inside a <script> element."""
    text = json.dumps(spec, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _axis(unit: str, title: str | None = None) -> alt.Axis:
    return alt.Axis(
        title=title if title is not None else UNIT_TITLES.get(unit, ""),
        labelExpr=AXIS_LABELS.get(unit, AXIS_LABELS["count"]),
        tickMinStep=1 if unit == "count" else alt.Undefined,
        grid=True,
        gridColor="#e5e7eb",
    )


@dataclass(frozen=True)
class Point:
    year: str
    series: str
    value: float
    label: str


def trend_chart(
    points: Sequence[Point],
    years: Sequence[str],
    series: Sequence[str],
    unit: str,
    summary: str,
    styles: Sequence[int] | None = None,
    partial_years: Sequence[str] = (),
) -> dict[str, Any]:
    """Lines over the years for the council, the region, its neighbours and England.

    `styles` picks each series' colour and dash by position in SERIES_COLOURS (by default
    the first ones, in order), so a series keeps its look on every chart. A point of one of
    `partial_years` (an in-year extract: part of a year) is drawn open and apart, never
    joined to the line of full years.
    """
    # Only years with a point drawn, and only beside full years: a layer with nothing to
    # draw has no extent.
    partial = set(partial_years) & {p.year for p in points}
    if not {p.year for p in points} - partial:
        partial = set()
    rows = [
        {"year": p.year, "series": p.series, "value": p.value, "label": p.label}
        | ({"partial": p.year in partial} if partial else {})
        for p in points
    ]
    styles = tuple(styles) if styles is not None else tuple(range(len(series)))
    # The series' names (a council's among them) are filled in, so councils share shapes.
    named = tuple(f"series {i}" for i in range(len(series)))
    spec = _filled(
        _trend_template(tuple(years), named, unit, styles, bool(partial)), summary, [rows]
    )
    return _renamed(spec, list(named), list(series))


def _renamed(node: Any, placeholder: list[str], names: list[str]) -> Any:
    """`node` with every list equal to `placeholder` (a scale's domain) replaced by `names`."""
    if isinstance(node, dict):
        return {k: _renamed(v, placeholder, names) for k, v in node.items()}
    if isinstance(node, list):
        return names if node == placeholder else [_renamed(v, placeholder, names) for v in node]
    return node


def _filled(template: str, description: str, datasets: list[list[dict[str, Any]]]) -> dict:
    """A chart from its shape's specification: its own description and data."""
    spec = json.loads(template)
    spec["description"] = description
    spec["datasets"] = {f"rows_{i}": rows for i, rows in enumerate(datasets)}
    return spec


@cache
def _trend_template(
    years: tuple[str, ...],
    series: tuple[str, ...],
    unit: str,
    styles: tuple[int, ...],
    partial: bool,
) -> str:
    """The specification of every trend chart of one shape, as JSON, without its data.

    Altair writes it once per shape: building a chart copies its nested specification
    several times over, which made most of the time a pack took; the charts of a pack come
    in few shapes (the years, series and unit), so each is filled in from its shape's."""
    data = Datasets()
    colours = [SERIES_COLOURS[i] for i in styles]
    dashes = [SERIES_DASHES[i] for i in styles]
    chart = (
        alt.Chart(data([]))
        .mark_line(point=alt.OverlayMarkDef(size=36, filled=True), strokeWidth=2)
        .encode(
            x=alt.X(
                "year:O",
                title=None,
                scale=alt.Scale(domain=list(years)),
                # Eleven years of labels only fit side by side on a wide chart.
                axis=alt.Axis(labelAngle=0 if len(years) <= 6 else -45),
            ),
            y=alt.Y("value:Q", axis=_axis(unit), scale=alt.Scale(zero=unit != "rate_per_10k")),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=list(series), range=colours),
                legend=alt.Legend(orient="bottom", title=None, columns=2, symbolType="stroke"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=list(series), range=dashes),
                legend=alt.Legend(orient="bottom", title=None, columns=2, symbolType="stroke"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("label:N", title="Value"),
            ],
        )
    )
    if partial:
        full = chart.transform_filter("!datum.partial")
        part = chart.mark_point(size=70, filled=False, strokeWidth=2).transform_filter(
            "datum.partial"
        )
        chart = alt.layer(full, part)
    chart = chart.properties(width="container", height=TREND_HEIGHT)
    return json.dumps(_finish(chart, "", data))


@dataclass(frozen=True)
class Bar:
    category: str
    value: float
    label: str
    group: str = ""


def council_bars(
    bars: Sequence[Bar],
    unit: str,
    summary: str,
    reference: float | None,
    reference_label: str,
    highlight: str | None = None,
) -> dict[str, Any]:
    """One bar per council, in rank order, with the region's value as a dashed line; with
    `highlight`, that council's bar in the council colour and the others muted."""
    rows = [{"council": b.category, "value": b.value, "label": b.label} for b in bars]
    spec = _filled(
        _bars_template(unit, reference is not None, highlight is not None),
        summary,
        [rows]
        + ([[{"value": reference, "label": reference_label}]] if reference is not None else []),
    )
    base = spec["layer"][0]
    base["encoding"]["y"]["sort"] = [b.category for b in bars]
    # A fixed height (not a band step) lets the chart fit its container's width.
    spec["height"] = BAR_STEP * max(len(bars), 1)
    if highlight is not None:
        base["encoding"]["color"]["condition"]["test"] = (
            f"(datum.council === {json.dumps(highlight)})"
        )
    return spec


@cache
def _bars_template(unit: str, reference: bool, highlight: bool) -> str:
    """The specification of council bars of one shape, as JSON, without its data, order,
    height or highlighted council (see _trend_template)."""
    data = Datasets()
    colour = (
        alt.condition(alt.datum.council == "", alt.value(COUNCIL_COLOUR), alt.value(MUTED_COLOUR))
        if highlight
        else alt.value(COUNCIL_COLOUR)
    )
    base = (
        alt.Chart(data([]))
        .mark_bar()
        .encode(
            color=colour,
            y=alt.Y("council:N", sort=[], title=None),
            x=alt.X("value:Q", axis=_axis(unit), scale=alt.Scale(zero=True)),
            tooltip=[
                alt.Tooltip("council:N", title="Council"),
                alt.Tooltip("label:N", title="Value"),
            ],
        )
        .properties(width="container", height=BAR_STEP)
    )
    layers: list[alt.Chart] = [base]
    if reference:
        layers.append(
            alt.Chart(data([]))
            .mark_rule(color=REGION_COLOUR, strokeDash=[6, 3], strokeWidth=2)
            .encode(x="value:Q", tooltip=[alt.Tooltip("label:N", title="Region")])
        )
    return json.dumps(_finish(alt.layer(*layers), "", data))


def grouped_bars(
    bars: Sequence[Bar],
    categories: Sequence[str],
    groups: Sequence[str],
    unit: str,
    title: str,
    summary: str,
) -> dict[str, Any]:
    """Horizontal bars by category, one bar per group (a council beside its region)."""
    data = Datasets()
    rows = [
        {"category": b.category, "group": b.group, "value": b.value, "label": b.label} for b in bars
    ]
    colours = [COUNCIL_COLOUR, REGION_COLOUR][: len(groups)]
    chart = (
        alt.Chart(data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort=list(categories), title=None),
            yOffset=alt.YOffset("group:N", sort=list(groups)),
            x=alt.X("value:Q", axis=_axis(unit, title), scale=alt.Scale(zero=True)),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=list(groups), range=colours),
                legend=alt.Legend(orient="bottom", title=None) if len(groups) > 1 else None,
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Placement"),
                alt.Tooltip("group:N", title="Area"),
                alt.Tooltip("label:N", title="Value"),
            ],
        )
        .properties(
            width="container",
            height=BAR_STEP * max(len(categories), 1) * (len(groups) if len(groups) > 1 else 1.2),
        )
    )
    return _finish(chart, summary, data)


@dataclass(frozen=True)
class Projected:
    """A month end of a projection: the median of the runs and, on the series drawn with its
    band, their 10th and 90th percentiles. `month` is the month as yyyy-mm (a month end
    written as a date would read as someone's date of birth to the publication gate), `when`
    the month end in words for the tooltip."""

    month: str
    when: str
    ahead: int
    series: str
    median: float
    label: str
    low: float | None = None
    high: float | None = None


def projection_chart(
    points: Sequence[Projected], series: Sequence[str], unit: str, title: str, summary: str
) -> dict[str, Any]:
    """A projection month by month: the first series' median as a line over its band (the
    10th to 90th percentile, shaded), any other series' medians (scenarios) as lines of
    their own, and the count the projection starts from as a point.

    Only the points given are drawn: a month end hidden by disclosure control is left out
    by the caller, and nothing is added or taken away here."""
    rows = [
        {
            "month": p.month,
            "when": p.when,
            "ahead": p.ahead,
            "series": p.series,
            "median": p.median,
            "label": p.label,
        }
        | ({"low": p.low, "high": p.high} if p.low is not None and p.high is not None else {})
        for p in points
    ]
    named = tuple(f"series {i}" for i in range(len(series)))
    spec = _filled(_projection_template(named, unit, title), summary, [rows])
    return _renamed(spec, list(named), list(series))


@cache
def _projection_template(series: tuple[str, ...], unit: str, title: str) -> str:
    """The specification of every projection chart of one shape, without its data or its
    series' names (see _trend_template)."""
    data = Datasets()
    source = data([])
    colours = list(SERIES_COLOURS[: len(series)])
    x = alt.X(
        "month:T",
        title=None,
        # Months are written as yyyy-mm, which Vega reads as the first of the month in UTC.
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 6}),
    )
    axis = _axis(unit, title)
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("when:N", title="Month end"),
        alt.Tooltip("label:N", title="Value"),
    ]
    band = (
        alt.Chart(source)
        .transform_filter("isValid(datum.low) && isValid(datum.high)")
        .transform_calculate(band=json.dumps(BAND_LABEL))
        .mark_area(opacity=BAND_OPACITY)
        .encode(
            x=x,
            y=alt.Y("low:Q", axis=axis, scale=alt.Scale(zero=True)),
            y2="high:Q",
            fill=alt.Fill(
                "band:N",
                scale=alt.Scale(domain=[BAND_LABEL], range=colours[:1]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=tooltip,
        )
    )
    legend = alt.Legend(orient="bottom", title=None, columns=2, symbolType="stroke")
    lines = (
        alt.Chart(source)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("median:Q", axis=axis),
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=list(series), range=colours), legend=legend
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=list(series), range=list(SERIES_DASHES[: len(series)])),
                legend=legend,
            ),
            tooltip=tooltip,
        )
    )
    start = (
        alt.Chart(source)
        .transform_filter("datum.ahead === 0 && isValid(datum.low)")
        .mark_point(filled=True, size=60, color=ENGLAND_COLOUR, opacity=1)
        .encode(x=x, y=alt.Y("median:Q", axis=axis), tooltip=tooltip)
    )
    chart = alt.layer(band, lines, start).properties(width="container", height=PROJECTION_HEIGHT)
    return json.dumps(_finish(chart, "", data))


@dataclass(frozen=True)
class Interval:
    """A category's projection at one month end: its median and 10th to 90th percentile,
    beside the count it started from."""

    category: str
    median: float
    low: float
    high: float
    label: str
    start: float
    start_label: str


def interval_chart(
    intervals: Sequence[Interval], unit: str, title: str, summary: str
) -> dict[str, Any]:
    """One row per category, in the order given: a line from the 10th to the 90th percentile,
    a dot at the median and a diamond at the count it started from."""
    projected = [
        {
            "category": i.category,
            "median": i.median,
            "low": i.low,
            "high": i.high,
            "label": i.label,
        }
        for i in intervals
    ]
    started = [
        {"category": i.category, "start": i.start, "label": i.start_label} for i in intervals
    ]
    spec = _filled(_interval_template(unit, title), summary, [projected, started])
    order = [i.category for i in intervals]
    for layer in spec["layer"]:
        layer["encoding"]["y"]["sort"] = order
    spec["height"] = INTERVAL_STEP * max(len(intervals), 1)
    return spec


@cache
def _interval_template(unit: str, title: str) -> str:
    """The specification of interval charts of one unit, without their data, order or
    height (see _trend_template)."""
    data = Datasets()
    projected, started = data([]), data([])
    y = alt.Y("category:N", sort=[], title=None)
    axis = _axis(unit, title)
    marks = alt.Scale(domain=[MEDIAN_LABEL, START_LABEL], range=[COUNCIL_COLOUR, ENGLAND_COLOUR])
    shapes = alt.Scale(domain=[MEDIAN_LABEL, START_LABEL], range=["circle", "diamond"])
    legend = alt.Legend(orient="bottom", title=None)
    tooltip = [alt.Tooltip("category:N", title="Placement"), alt.Tooltip("label:N", title="Value")]
    interval = (
        alt.Chart(projected)
        .mark_rule(color=COUNCIL_COLOUR, strokeWidth=3, opacity=0.45)
        .encode(
            y=y,
            x=alt.X("low:Q", axis=axis, scale=alt.Scale(zero=True)),
            x2="high:Q",
            tooltip=tooltip,
        )
    )

    def points(rows: alt.NamedData, label: str, field: str, size: int) -> alt.Chart:
        return (
            alt.Chart(rows)
            .transform_calculate(mark=json.dumps(label))
            .mark_point(filled=True, size=size, opacity=1)
            .encode(
                y=y,
                x=alt.X(f"{field}:Q", axis=axis),
                color=alt.Color("mark:N", scale=marks, legend=legend),
                shape=alt.Shape("mark:N", scale=shapes, legend=legend),
                tooltip=tooltip,
            )
        )

    median = points(projected, MEDIAN_LABEL, "median", 80)
    start = points(started, START_LABEL, "start", 70)
    chart = alt.layer(interval, start, median).properties(width="container", height=INTERVAL_STEP)
    return json.dumps(_finish(chart, "", data))


@dataclass(frozen=True)
class Flow:
    source: str
    source_order: int
    target: str
    target_order: int
    transitions: float
    label: str


def _smooth(t: float) -> float:
    return t * t * (3 - 2 * t)


def _ribbon(
    name: str, source: str, label: str, x0: float, x1: float, y0: float, y1: float, thick: float
) -> list[dict]:
    """Points along a ribbon of constant thickness that eases from (x0, y0) to (x1, y1)."""
    points = []
    for i in range(SANKEY_SAMPLES + 1):
        t = i / SANKEY_SAMPLES
        y = y0 + (y1 - y0) * _smooth(t)
        points.append(
            {
                "flow": name,
                "source": source,
                "x": round(x0 + (x1 - x0) * t, 2),
                "y": round(y, 2),
                "y2": round(y + thick, 2),
                "label": label,
            }
        )
    return points


def sankey_layout(
    flows: Iterable[Flow], stage_labels: dict[str, str], exit_stage: str | None = None
) -> tuple[list[dict], list[dict]]:
    """Nodes and ribbons of a left-to-right Sankey diagram, in chart units.

    Each stage is a column, in pathway order, its node as tall as the larger of the flows
    into and out of it, centred on one line. Flows into `exit_stage` (cases closed or
    stepped down) do not cross the page to one far column: each drops to a small exit node
    of its own below and just after the stage it leaves, so the way through to care stays
    readable. Ribbons leave a node in the order of their targets and enter in the order of
    their sources. Only forward flows with a number are drawn: the caller lists the rest.
    """
    drawn = [f for f in flows if f.transitions > 0 and f.target_order > f.source_order]
    if not drawn:
        return [], []
    exits = {f.source: f for f in drawn if f.target == exit_stage}
    steps = [f for f in drawn if f.target != exit_stage]
    orders: dict[str, int] = {f.source: f.source_order for f in drawn}
    orders.update({f.target: f.target_order for f in steps})
    stages = sorted(orders, key=orders.__getitem__)
    size = {
        s: max(
            sum(f.transitions for f in drawn if f.target == s),
            sum(f.transitions for f in drawn if f.source == s),
        )
        for s in stages
    }
    biggest_exit = max((f.transitions for f in exits.values()), default=0.0)
    gap = SANKEY_GAP if exits else 0.0
    scale = (SANKEY_HEIGHT - 2 * SANKEY_MARGIN - gap) / (max(size.values()) + biggest_exit)
    band = max(size.values()) * scale
    columns = len(stages) - 1 + (0.5 if stages[-1] in exits else 0.0)
    step = (SANKEY_WIDTH - SANKEY_NODE_WIDTH) / max(columns, 1)
    label = {s: stage_labels.get(s, s) for s in (*stages, exit_stage or "")}

    top: dict[str, float] = {}
    left: dict[str, float] = {}
    nodes = []
    for column, stage in enumerate(stages):
        height = max(size[stage] * scale, 2.0)
        top[stage] = SANKEY_MARGIN + (band - height) / 2
        left[stage] = column * step
        first = column == 0
        last = column == len(stages) - 1 and stage not in exits
        nodes.append(
            {
                "stage": label[stage],
                "kind": "stage",
                "x": left[stage],
                "x2": left[stage] + SANKEY_NODE_WIDTH,
                "y": top[stage],
                "y2": top[stage] + height,
                "align": "left" if first else "right" if last else "center",
                "label_x": left[stage]
                + (0.0 if first else SANKEY_NODE_WIDTH if last else SANKEY_NODE_WIDTH / 2),
                # Neighbouring names sit at two heights so they never run into each other.
                "label_y": top[stage] - 4 - (13 if column % 2 else 0),
            }
        )
    for stage, flow in exits.items():
        x = left[stage] + step / 2
        y = SANKEY_MARGIN + band + gap
        nodes.append(
            {
                "stage": label[exit_stage or ""],
                "kind": "exit",
                "x": x,
                "x2": x + SANKEY_NODE_WIDTH,
                "y": y,
                "y2": y + max(flow.transitions * scale, 2.0),
                "align": "center",
                "label_x": x + SANKEY_NODE_WIDTH / 2,
                "label_y": y + max(flow.transitions * scale, 2.0) + 12,
            }
        )

    leaving = {s: top[s] for s in stages}
    entering = {s: top[s] for s in stages}
    starts: dict[Flow, float] = {}
    for flow in sorted(drawn, key=lambda f: (f.source_order, f.target_order)):
        starts[flow] = leaving[flow.source]
        leaving[flow.source] += flow.transitions * scale
    ribbons = []
    for flow in sorted(drawn, key=lambda f: (f.target_order, f.source_order)):
        thick = max(flow.transitions * scale, 1.0)
        x0 = left[flow.source] + SANKEY_NODE_WIDTH
        if flow.target == exit_stage:
            x1, y1 = left[flow.source] + step / 2, SANKEY_MARGIN + band + gap
        else:
            x1, y1 = left[flow.target], entering[flow.target]
            entering[flow.target] += flow.transitions * scale
        name = f"{label[flow.source]} to {label[flow.target]}"
        ribbons += _ribbon(name, label[flow.source], flow.label, x0, x1, starts[flow], y1, thick)
    return nodes, ribbons


def sankey_chart(
    flows: Iterable[Flow], stage_labels: dict[str, str], summary: str, exit_stage: str | None
) -> dict | None:
    """The pathway as a Sankey diagram, or None when no flow can be drawn."""
    data = Datasets()
    nodes, ribbons = sankey_layout(flows, stage_labels, exit_stage)
    if not nodes:
        return None
    x_scale = alt.Scale(domain=[0, SANKEY_WIDTH], nice=False, zero=False)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y_scale = alt.Scale(domain=[0, SANKEY_HEIGHT], reverse=True, nice=False, zero=False)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    ribbon = (
        alt.Chart(data(ribbons))
        .mark_area(opacity=0.5, interpolate="linear")
        .encode(
            x=x,
            y=y,
            y2="y2:Q",
            detail="flow:N",
            color=alt.Color("source:N", legend=None, scale=alt.Scale(scheme="tableau10")),
            tooltip=[
                alt.Tooltip("flow:N", title="Step"),
                alt.Tooltip("label:N", title="Transitions"),
            ],
        )
    )
    node = (
        alt.Chart(data(nodes))
        .mark_rect()
        .encode(
            x=x,
            x2="x2:Q",
            y=y,
            y2="y2:Q",
            color=alt.condition(
                alt.datum.kind == "exit", alt.value("#6b7280"), alt.value("#1f2937")
            ),
            tooltip=[alt.Tooltip("stage:N", title="Stage")],
        )
    )
    labels = []
    for align in ("left", "center", "right"):
        for kind in ("stage", "exit"):
            placed = [n for n in nodes if (n["align"], n["kind"]) == (align, kind)]
            if not placed:
                continue
            text = {"align": align, "baseline": "bottom", "fontSize": 11 if kind == "stage" else 10}
            text["fontWeight"] = "bold" if kind == "stage" else "normal"
            at = {
                "x": alt.X("label_x:Q", scale=x_scale, axis=None),
                "y": alt.Y("label_y:Q", scale=y_scale, axis=None),
                "text": "stage:N",
            }
            # A white outline under each name keeps it readable where it crosses a ribbon.
            labels.append(
                alt.Chart(data(placed))
                .mark_text(**text, stroke="#ffffff", strokeWidth=3, color="#ffffff")
                .encode(**at)
            )
            labels.append(
                alt.Chart(data(placed))
                .mark_text(**text, color="#111827" if kind == "stage" else "#374151")
                .encode(**at)
            )
    chart = alt.layer(ribbon, node, *labels).properties(width="container", height=SANKEY_HEIGHT)
    return _finish(chart, summary, data)


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed with the pack's drawing script, as one inline script."""
    import vl_convert

    snippet = resources.files("csc").joinpath("report_templates/charts.js").read_text("utf-8")
    major, minor = alt.VEGALITE_VERSION.split(".")[:2]
    bundle = vl_convert.javascript_bundle(snippet, vl_version=f"{major}.{minor}")
    return bundle.replace("</script", "<\\/script")
