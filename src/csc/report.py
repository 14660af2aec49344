"""The benchmark pack: a static HTML site for council leads, from the regional file.

`csc report` (and the end of `csc run`) writes published/report/: `index.html` (the
region: every council's headline indicators with quartile shading, the region's charts, its
children's pathway, placement costs and where demand is heading), one page per council
named by its ONS code (its indicators against the region, its statistical neighbours and
England, with rank, quartile, direction of travel and trends; its pathway; its placement
costs; where demand is heading: the demand model's projection of its children looked
after, how far its backtests say to trust it, and its cost) and
`quality.html` (per council, the DfE's validation rules its SSDA903 and CIN census fail now
and at the previous reference date, which would block submission, and the errors by
reference date; then every file it dropped, what became of it, and which rules failed on
how many rows).

It reads only published/regional/region.duckdb, opened read-only, which holds
disclosure-controlled aggregates. Wherever a cell carries a government statistics symbol
(`c`, `z`, `x`) the pages print the symbol, never a number, and the pack derives nothing
from published numbers (no differences, no totals) that could reveal a suppressed one: it
only displays what was published. A table the file does not hold yet (placement costs
before councils send them, say) gives a "no data yet" section rather than an error, and
with no regional file at all the overview says so.

Pages are Jinja2 templates (`report_templates/`, shipped as package data); `report_pages`
decides what each shows, `report_format` writes the cells, `report_charts` the charts, whose
drawing script is inlined in every page so the pack opens offline from file:// and prints.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from csc import gate, report_charts, report_pages
from csc.progress import Progress
from csc.report_format import LEGEND_SYMBOLS, SYMBOLS, short_date
from csc.report_pages import REGION_NAME, Pack, Row, by
from csc.warehouse import Home

REPORT_FOLDER = "report"
SCHEMA = "regional"
# The tables of the regional contract, each read in one order for the pages, whatever engine
# built them and in whatever order it stored the rows.
TABLES = {
    "benchmark_indicators": "la_code, indicator, collection_year",
    "indicator_definitions": "display_order",
    "councils": "la_name",
    "statistical_neighbours": "la_code, neighbour_rank",
    "pathway_flows": "la_code, collection_year, from_stage_order, to_stage_order",
    "placement_costs": "la_code, collection_year, group_order",
    "data_quality_files": "la_code, reference_date desc, kind, file_name",
    "data_quality_rules": "la_code, reference_date desc, file_name, severity, rule_id",
    "dfe_validation": "la_code, return_name, collection_year, reference_date, rule_id",
    "dfe_validation_trend": "la_code, return_name, reference_date",
    "england_values": "indicator, collection_year",
    "year_to_date": "la_code, indicator, collection_year",
    "demand_projections": "la_code, scenario, origin_date, group_order, months_ahead",
    "demand_backtests": "la_code, group_order, horizon_months, origin_date",
}


def regional_file(home: Home) -> Path:
    """The published regional file (see csc.publish)."""
    return home.published / "regional" / "region.duckdb"


def read_regional(path: Path) -> dict[str, list[Row] | None]:
    """Every table of the regional contract the file holds, as rows; None for one it lacks."""
    tables: dict[str, list[Row] | None] = dict.fromkeys(TABLES)
    if not path.exists():
        return tables
    con = duckdb.connect(str(path), read_only=True)
    try:
        # The file is called regional too, so names carry the database to stay unambiguous.
        [(database,)] = con.sql("select current_database()").fetchall()
        present = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = ? and schema_name = ? "
                "union all select view_name from duckdb_views() "
                "where database_name = ? and schema_name = ?",
                [database, SCHEMA, database, SCHEMA],
            ).fetchall()
        }
        for table, order in TABLES.items():
            if table not in present:
                continue
            sql = f'select * from "{database}"."{SCHEMA}"."{table}"'  # nosec B608 # our own table and column names; values are bound
            cursor = con.execute(sql + (f" order by {order}" if order else ""))
            columns = [d[0] for d in cursor.description]
            tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return tables


def _councils(tables: dict[str, list[Row] | None]) -> list[Row]:
    """The region's councils, from its list of councils, else from the indicators."""
    if tables["councils"]:
        return tables["councils"]
    seen = {
        r["la_code"]: {"la_code": r["la_code"], "la_number": None, "la_name": r["la_name"]}
        for r in tables["benchmark_indicators"] or []
    }
    return sorted(seen.values(), key=lambda c: c["la_name"])


def _pack(tables: dict[str, list[Row] | None]) -> Pack:
    def rows(table: str) -> list[Row]:
        return tables[table] or []

    flows = by(rows("pathway_flows"), "area_type")
    costs = by(rows("placement_costs"), "area_type")
    projections = by(rows("demand_projections"), "area_type")
    backtests = by(rows("demand_backtests"), "area_type")
    return Pack(
        indicators=rows("benchmark_indicators"),
        definitions={d["indicator"]: d for d in rows("indicator_definitions")},
        councils=_councils(tables),
        neighbours=by(rows("statistical_neighbours"), "la_code"),
        council_flows=by(flows.get("council", []), "la_code"),
        region_flows=flows.get("region", []),
        council_costs=by(costs.get("council", []), "la_code"),
        region_costs=costs.get("region", []),
        files=by(rows("data_quality_files"), "la_code"),
        rules=by(rows("data_quality_rules"), "la_code", "reference_date", "file_name", "kind"),
        dfe=by(rows("dfe_validation"), "la_code"),
        dfe_trend=by(rows("dfe_validation_trend"), "la_code"),
        england={(e["indicator"], e["collection_year"]): e for e in rows("england_values")},
        same_months=by(rows("year_to_date"), "la_code", "indicator"),
        council_projections=by(projections.get("council", []), "la_code"),
        region_projections=projections.get("region", []),
        council_backtests=by(backtests.get("council", []), "la_code"),
        region_backtests=backtests.get("region", []),
        has={table: bool(found) for table, found in tables.items()},
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("csc", "report_templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_report(home: Home) -> Path:
    """Write the benchmark pack under published/report/ and return the path of its index."""
    # Altair checks every object against the Vega-Lite schema as it is made, which is a
    # third of the pack's time; the tests check each finished chart against the schema.
    with alt.utils.schemapi.debug_mode(False):
        return _write_report(home)


def _write_report(home: Home) -> Path:
    source = regional_file(home)
    pack = _pack(read_regional(source))
    written = dt.datetime.fromtimestamp(source.stat().st_mtime) if source.exists() else None
    common: dict[str, Any] = {
        "region": REGION_NAME,
        "symbols": [(s, SYMBOLS[s]) for s in LEGEND_SYMBOLS],
        "source_found": source.exists(),
        "source_name": source.name,
        "written_at": short_date(written) if written else None,
        "bundle": Markup(report_charts.vega_bundle()),  # nosec B704 # the vendored Vega bundle, not data
    }
    pages = {
        "index.html": ("index.html", report_pages.overview_page(pack)),
        "quality.html": ("quality.html", report_pages.quality_page(pack)),
    }
    indicators = by(pack.indicators, "la_code")
    for council in pack.councils:
        code = council["la_code"]
        context = report_pages.council_page(pack, council, indicators.get(code, []))
        pages[f"{code}.html"] = ("council.html", context)

    target = home.published / REPORT_FOLDER
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    env = _environment()
    with Progress("writing the pack", len(pages), unit="pages") as progress:
        for name, (template, context) in pages.items():
            html = env.get_template(template).render(**common, **context, page=name)
            (part / name).write_text(html, encoding="utf-8")
            progress.advance()
    # The publication gate: nothing shaped like an identifier leaves in a page; the
    # previous pack stays when something does.
    findings = gate.scan_text_files(
        sorted(part.iterdir()), gate.PACK_ALLOW, trusted_scripts=[report_charts.vega_bundle()]
    )
    if findings:
        shutil.rmtree(part, ignore_errors=True)
        gate.check(findings)
    # Swap the whole folder in, so a reader never sees half of one pack and half of another.
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(part, target)
    shutil.rmtree(old, ignore_errors=True)
    return target / "index.html"
