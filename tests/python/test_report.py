"""The benchmark pack: pages written from a small regional file, read as HTML and as
headless Chromium draws them (Debian's chromium package, which `make browser` installs)."""

from __future__ import annotations

import csv
import html as html_module
import json
import os
import re
from pathlib import Path

import duckdb
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from click.testing import CliRunner
from markupsafe import escape

from chromium import charts_drawn, chromium, console_messages
from csc import report, report_charts, report_format, report_pages
from csc.cli import main
from csc.warehouse import Home
from regional_fixture import (
    DEMAND_NO_COSTS,
    DEMAND_SCENARIO,
    DFE_RULES,
    PLANTED,
    REGION_CODE,
    SMALL_REGION,
    write_regional,
)

IN_YEAR_COUNCIL = "E06000036"  # Bracknell Forest: an in-year extract to 30 September 2024
PERCENTILES = ("p10", "median", "p90")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = Home(tmp_path_factory.mktemp("pack"))
    write_regional(report.regional_file(home))
    return report.write_report(home).parent


def pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))}


def tile(html: str, indicator: str) -> str:
    found = re.search(rf'<article class="tile" id="{indicator}".*?</article>', html, re.S)
    assert found, f"no tile for {indicator}"
    return found.group(0)


def readable(html: str) -> str:
    """What a page says to a reader or a screen reader: its text, chart labels included, and
    its labels and titles; not the coordinates of drawn shapes or the charts' JSON."""
    labels = re.findall(r'(?:aria-label|title|alt)="([^"]*)"', html)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *labels])


def leaks(text: str) -> list[str]:
    """The planted private numbers that appear in `text` as numbers of their own."""
    return [p for p in PLANTED.strings if re.search(rf"(?<![\d.,]){re.escape(p)}(?!\d)", text)]


def chart_data(html: str) -> list[dict]:
    """Every row of data every chart of a page draws."""
    rows = []
    for found in re.finditer(r'data-chart-for="[^"]+">(.*?)</script>', html, re.S):
        for values in json.loads(found.group(1))["datasets"].values():
            rows += values
    return rows


# -- the pages as written ------------------------------------------------------------------


def test_every_council_has_a_page_linked_from_the_overview(pack: Path) -> None:
    written = pages(pack)
    index = written["index.html"]
    linked = set(re.findall(r'href="(E\d{8})\.html"', index))
    assert linked == set(SMALL_REGION)
    assert set(written) == {"index.html", "quality.html", *(f"{c}.html" for c in SMALL_REGION)}
    for code in SMALL_REGION:
        page = written[f"{code}.html"]
        assert 'href="index.html"' in page
        assert f'href="quality.html#{code}"' in page
        assert '<html lang="en-GB">' in page
        assert page.count("<h1") == 1


def test_suppressed_cells_print_their_symbol_and_private_numbers_appear_nowhere(
    pack: Path,
) -> None:
    written = pages(pack)
    private_values = (PLANTED.value, PLANTED.spend / PLANTED.placement_weeks, PLANTED.spend)
    for name, html in written.items():
        assert leaks(readable(html)) == [], name
        for row in chart_data(html):
            assert leaks(str(row.get("label", ""))) == [], name
            value = row.get("value")
            assert value is None or all(abs(value - v) > 0.01 for v in private_values), name
    page = written[f"{PLANTED.council}.html"]
    suppressed = tile(page, PLANTED.indicator)
    value = re.search(r'class="figure-value">(.*?)</p>', suppressed, re.S).group(1)
    assert re.match(r'<abbr class="symbol" title="confidential[^"]*">c</abbr>', value)
    assert "Rank in region: <strong><abbr" in suppressed
    # The placement the council's few children's home children are in: every cell is c.
    homes = re.search(r"<tr><th scope=\"row\">Children&#39;s home</th>(.*?)</tr>", page).group(1)
    assert homes.count(">c</abbr>") == 4
    # The suppressed pathway step is in the table as c, and not in the diagram.
    step = re.search(
        r"<tr><th scope=\"row\">Child protection plan</th><td>Looked after</td>(.*?)</tr>", page
    ).group(1)
    assert step.count(">c</abbr>") == 2 and "No: suppressed" in step
    flows = {row["flow"] for row in chart_data(page) if "flow" in row}
    assert "CP plan to Looked after" not in flows
    assert "CP plan to CIN plan" not in flows  # a move back: listed, not drawn
    assert "Referral to Assessment" in flows
    # The footer explains every symbol.
    for mark in ("c", "z", "x"):
        assert (
            f'<dt><abbr class="symbol" title="{report_format.SYMBOLS[mark]}">{mark}</abbr></dt>'
            in page
        )


def test_each_council_page_says_which_period_its_figures_cover(pack: Path) -> None:
    in_year = (pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8")
    assert "in-year extract</span> to <strong>30 September 2024</strong>" in in_year
    # The tile headlines the last full year; the in-year extract is the year to date beside
    # it, compared with nothing.
    rate = tile(in_year, "cla_rate_per_10k")
    assert '<p class="period">2023-24' in rate
    assert "Year to date, 2024-25 to 30 September 2024: <strong>" in rate
    assert "Part of a year: not compared with full years." in rate
    annual = (pack / f"{PLANTED.council}.html").read_text(encoding="utf-8")
    assert "annual return to <strong>31 March 2024</strong>" in annual


def test_tiles_compare_rank_and_show_the_direction_of_travel_in_words(pack: Path) -> None:
    con = duckdb.connect(str(pack.parent / "regional" / "region.duckdb"), read_only=True)
    row = con.execute(
        "select value, region_value, rank_in_region, councils_ranked, quartile_in_region, "
        "direction_of_travel, travel_assessment from regional.benchmark_indicators "
        "where la_code = ? and indicator = 'care_leavers_eet_pct' and collection_year = '2023-24'",
        [IN_YEAR_COUNCIL],
    ).fetchall()[0]
    con.close()
    value, region, rank, ranked, quartile, direction, assessment = row
    html = tile(
        (pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8"), "care_leavers_eet_pct"
    )
    assert f">{value:.1f}%</span>" in html
    assert f">{region:.1f}%</span>" in html
    assert f"{report_format.ordinal(rank)} of {ranked}" in html
    assert f"<strong>{quartile} of 4</strong>" in html
    word = report_pages.DIRECTIONS[direction][1]
    assert f"{word} on 2022-23" in html and report_pages.ASSESSMENTS[assessment] in html
    assert f"trend-{assessment}" in html


def test_the_overview_shades_quartiles_and_lists_region_and_england(pack: Path) -> None:
    index = (pack / "index.html").read_text(encoding="utf-8")
    # The last full year: the in-year extracts of 2024-25 are part of a year.
    assert "Headline indicators, 2023-24" in index
    table = re.search(r'<table class="headline-table">.*?</table>', index, re.S).group(0)
    assert re.search(
        r'<td class="q1">[^<]*<span class="num">[^<]+</span> <span class="qtag">Q1', table
    )
    assert 'class="q1 neutral"' in table  # neither higher nor lower is better: blue
    assert '<th scope="row">South East</th>' in table and '<th scope="row">England</th>' in table
    # The Isle of Wight sent no in-year extract: its full year is in the table all the same.
    wight = re.search(r"Isle of Wight</a></th>(.*?)</tr>", table).group(1)
    assert wight.count('<span class="num">') > wight.count(">x</abbr>")
    assert "2024-25 is not over: its figures are in-year extracts from 3 of the" in index


def test_numbers_are_written_for_people() -> None:
    assert report_format.plain(1234.0, None, "count") == "1,234"
    assert report_format.plain(67.349, None, "rate_per_10k") == "67.3"
    assert report_format.plain(1203.04, None, "rate_per_10k") == "1,203.0"
    assert report_format.plain(12.34, None, "percent") == "12.3%"
    assert report_format.plain(1234.56, None, "gbp") == "£1,235"
    assert report_format.plain(-40.0, None, "gbp") == "-£40"
    assert report_format.plain(None, "c", "count") == "c"
    assert str(report_format.cell(5.0, "c", "count")).endswith(">c</abbr>")
    assert "5" not in str(report_format.cell(5.0, "c", "count"))
    assert report_format.ordinal(1) == "1st" and report_format.ordinal(12) == "12th"
    assert report_format.ordinal(22) == "22nd"
    assert report_format.money(12_345_678.0) == "£12.3m"
    assert report_format.money(999_600.0) == "£1.0m"
    assert report_format.money(456_321.0) == "£456,000"
    assert report_format.money(40.4) == "£40"


def test_pages_reach_for_nothing_outside_the_pack(pack: Path) -> None:
    for name, html in pages(pack).items():
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html), name
        assert "<link" not in html, name
        for target in re.findall(r'href="([^"#]+)', html):
            if target.startswith("data:text/csv;"):
                continue  # a download carried inside the page itself
            assert (pack / target).exists(), f"{name} links to missing {target}"


def test_without_dfe_tables_the_quality_page_says_so(tmp_path: Path) -> None:
    home = Home(tmp_path)
    write_regional(report.regional_file(home), omit=("dfe_validation", "dfe_validation_trend"))
    quality = (report.write_report(home).parent / "quality.html").read_text(encoding="utf-8")
    assert quality.count("No DfE validation published yet") == len(SMALL_REGION)
    assert "Quarantined files" in quality  # the files are still listed
    assert '<script type="module">' not in quality  # nothing to draw, so no drawing script


def test_a_file_refused_before_its_date_was_known_is_listed(tmp_path: Path) -> None:
    """A quarantined file whose reference date was out of range has none: the quality page
    still lists it, and the council's latest date is that of its dated files."""
    home = Home(tmp_path)
    path = write_regional(report.regional_file(home))
    con = duckdb.connect(str(path))
    try:
        [(database,)] = con.sql("select current_database()").fetchall()
        table = f'"{database}".regional.data_quality_files'
        [(latest,)] = con.execute(
            f"select max(reference_date) from {table} where la_code = ?", [PLANTED.council]
        ).fetchall()
        con.execute(
            f"insert into {table} (la_code, reference_date, kind, file_name, status, "
            "row_count_symbol, critical_failures, warning_failures) "
            "values (?, null, 'episodes', 'undated/episodes.csv', 'quarantined', 'x', 1, 0)",
            [PLANTED.council],
        )
    finally:
        con.close()
    quality = (report.write_report(home).parent / "quality.html").read_text(encoding="utf-8")
    section = re.search(rf'id="{PLANTED.council}".*?</section>', quality, re.S).group(0)
    assert "undated/episodes.csv" in section
    assert report_format.short_date(latest) in section


def test_missing_tables_give_no_data_yet_sections(tmp_path: Path) -> None:
    home = Home(tmp_path)
    omitted = ("placement_costs", "pathway_flows", "data_quality_files", "data_quality_rules")
    write_regional(report.regional_file(home), omit=omitted)
    index = report.write_report(home)
    council = (index.parent / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8")
    assert "No placement costs yet" in council
    assert "No pathway flows yet" in council
    assert "Average weekly cost of a placement" in council  # the indicators are still there
    assert "No data quality figures yet" in (index.parent / "quality.html").read_text("utf-8")
    assert "No placement costs yet" in index.read_text(encoding="utf-8")


def test_without_a_regional_file_the_overview_says_so(tmp_path: Path) -> None:
    index = report.write_report(Home(tmp_path))
    assert "No regional file has been published yet" in index.read_text(encoding="utf-8")
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.html", "quality.html"]


def test_quality_page_lists_files_and_the_rules_quarantined_files_failed(pack: Path) -> None:
    quality = (pack / "quality.html").read_text(encoding="utf-8")
    for code in SMALL_REGION:
        assert f'<section class="theme council-quality" id="{code}"' in quality
    section = re.search(rf'id="{PLANTED.council}".*?</section>', quality, re.S).group(0)
    assert '<div class="quarantine">' in section
    assert "<code>episodes_dec_before_decom</code>" in section
    assert "An episode ends (DEC) before it starts (DECOM)." in section
    assert "Superseded by a later file" in section


def _dfe_block(quality: str, council: str, return_name: str) -> str:
    start = f'<div class="dfe-return" id="{council}-dfe-{return_name}">'
    found = re.search(rf'{start}.*?(?=<div class="dfe-return"|<h3)', quality, re.S)
    assert found, f"no DfE section for {council} {return_name}"
    return found.group(0)


def _rule_rows(block: str) -> list[list[str]]:
    """The DfE rules table as text: code, severity, blocks, now, before, wording."""
    table = re.search(r'<table class="dfe-rules">.*?</table>', block, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_quality_page_lists_the_dfe_rules_a_return_fails_now_and_a_month_before(
    pack: Path,
) -> None:
    quality = (pack / "quality.html").read_text(encoding="utf-8")
    block = _dfe_block(quality, IN_YEAR_COUNCIL, "903")
    assert "SSDA903 (children looked after), 2024-25" in block
    assert "As it stood at <strong>30 September 2024</strong>" in block
    assert "2 DfE errors would block submission" in block
    assert "The previous reference date of 2024-25 was 31 August 2024." in block
    # Blocking errors first; a rule put right since last month stays, passing, with its
    # hidden number from before shown as c; one put right before last month is left out.
    assert _rule_rows(block) == [
        ["103", "Error", "Yes", "12", "18 (fewer rows now)", DFE_RULES["903:103"][1]],
        ["205A", "Error", "Yes", "14", "0 (more rows now)", DFE_RULES["903:205A"][1]],
        ["1004", "Error", "No: passes now", "0", "c", DFE_RULES["903:1004"][1]],
    ]
    cin = _dfe_block(quality, IN_YEAR_COUNCIL, "cin")
    assert _rule_rows(cin) == [
        ["2885", "Error", "Yes", "c", "z", DFE_RULES["cin:2885"][1]],
        ["8873Q", "Query", "No: explain or amend", "12", "z", DFE_RULES["cin:8873Q"][1]],
    ]
    assert "1 DfE error would block submission" in cin and "1 query to amend or explain" in cin
    assert "Checked at one reference date so far in 2024-25" in cin


def test_quality_page_draws_the_errors_by_reference_date_and_says_when_there_is_one(
    pack: Path,
) -> None:
    quality = (pack / "quality.html").read_text(encoding="utf-8")
    block = _dfe_block(quality, IN_YEAR_COUNCIL, "903")
    drawn = [(r["year"], r["value"]) for r in chart_data(block)]
    assert drawn == [
        ("31 Mar 2024", 2.0),
        ("31 Jul 2024", 3.0),
        ("31 Aug 2024", 2.0),
        ("30 Sep 2024", 2.0),
    ]
    table = re.search(r"DfE errors by reference date</caption>.*?</table>", block, re.S).group(0)
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    # the month with a hidden rule hides its total; the others add up their shown rules
    assert rows[1:] == [
        ["31 Mar 2024", "2023-24", "2", "c", "0", "0"],
        ["31 Jul 2024", "2024-25", "3", "49", "0", "0"],
        ["31 Aug 2024", "2024-25", "2", "c", "0", "0"],
        ["30 Sep 2024", "2024-25", "2", "26", "0", "0"],
    ]
    # The Isle of Wight's returns were checked once: no chart, and the page says why.
    wight = _dfe_block(quality, PLANTED.council, "903")
    assert "data-chart-for" not in wight
    assert "Only one reference date has been checked for this return (31 March 2024)" in wight
    assert _dfe_block(quality, PLANTED.council, "cin").count("No DfE rule fails") == 1


def test_the_report_command_writes_the_pack(tmp_path: Path) -> None:
    write_regional(report.regional_file(Home(tmp_path)))
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "report"])
    assert result.exit_code == 0, result.output
    assert "published/report/index.html" in result.output.replace("\n", "")
    assert (tmp_path / "published" / "report" / f"{PLANTED.council}.html").exists()


def test_sankey_draws_forward_flows_with_a_number_only() -> None:
    flows = [
        report_charts.Flow("referral", 3, "assessment", 4, 100.0, "100"),
        report_charts.Flow("assessment", 4, "referral", 3, 20.0, "20"),
        report_charts.Flow("assessment", 4, "closed_step_down", 10, 30.0, "30"),
    ]
    labels = {"referral": "Referral", "assessment": "Assessment", "closed_step_down": "Closed"}
    nodes, ribbons = report_charts.sankey_layout(flows, labels, "closed_step_down")
    assert {r["flow"] for r in ribbons} == {"Referral to Assessment", "Assessment to Closed"}
    assert [(n["stage"], n["kind"]) for n in nodes] == [
        ("Referral", "stage"),
        ("Assessment", "stage"),
        ("Closed", "exit"),
    ]
    assert report_charts.sankey_layout([], labels) == ([], [])


def test_every_kind_of_chart_is_valid_vega_lite(pack: Path) -> None:
    schema = load_schema()
    kinds = set()
    for page in ("index.html", f"{IN_YEAR_COUNCIL}.html"):
        html = (pack / page).read_text(encoding="utf-8")
        for found in re.finditer(r'data-chart-for="chart-\d+-([^"]+)">(.*?)</script>', html, re.S):
            kind = found.group(1).rsplit("-", 1)[-1]
            if kind not in kinds:
                kinds.add(kind)
                validate_jsonschema(json.loads(found.group(2)), schema)
    assert {"pathway", "cost", "spend", "councils", "region"} <= kinds
    assert {"demand_children", "demand_cost", "demand_groups"} <= kinds


def test_charts_of_one_shape_keep_their_own_names_data_and_order() -> None:
    """Charts of one shape are filled in from one specification: each keeps its own
    series, data, description, order and highlighted council, and changing one changes no
    other."""
    years = ["2023-24", "2024-25"]

    def trend(council: str, value: float) -> dict:
        points = [report_charts.Point(y, council, value, str(value)) for y in years]
        return report_charts.trend_chart(points, years, [council, "Region"], "count", council)

    first, second = trend("Bracknell Forest", 1.0), trend("Brighton and Hove", 2.0)
    for spec, council, value in (
        (first, "Bracknell Forest", 1.0),
        (second, "Brighton and Hove", 2.0),
    ):
        assert spec["encoding"]["color"]["scale"]["domain"] == [council, "Region"]
        assert spec["encoding"]["strokeDash"]["scale"]["domain"] == [council, "Region"]
        assert spec["description"] == council
        assert [r["value"] for r in spec["datasets"]["rows_0"]] == [value, value]
    first["encoding"]["color"]["scale"]["domain"].append("changed")
    assert trend("Brighton and Hove", 2.0) == second

    def bars(order: list[str], highlight: str) -> dict:
        drawn = [report_charts.Bar(c, float(i), str(i)) for i, c in enumerate(order)]
        return report_charts.council_bars(drawn, "count", "s", 1.0, "Region", highlight=highlight)

    one, other = bars(["A", "B", "C"], "B"), bars(["C's", "A"], "C's")
    assert one["layer"][0]["encoding"]["y"]["sort"] == ["A", "B", "C"]
    assert other["layer"][0]["encoding"]["y"]["sort"] == ["C's", "A"]
    assert one["height"] == 3 * report_charts.BAR_STEP
    assert other["height"] == 2 * report_charts.BAR_STEP
    assert (
        other["layer"][0]["encoding"]["color"]["condition"]["test"] == '(datum.council === "C\'s")'
    )
    assert other["datasets"]["rows_1"] == [{"value": 1.0, "label": "Region"}]
    validate_jsonschema(other, load_schema())

    def projection(scenario: str, median: float) -> dict:
        drawn = [
            report_charts.Projected("2024-03", "31 Mar 2024", 0, "Baseline", 5.0, "5", 5.0, 5.0),
            report_charts.Projected("2024-04", "30 Apr 2024", 1, scenario, median, "m"),
        ]
        return report_charts.projection_chart(drawn, ["Baseline", scenario], "count", "N", "s")

    fewer, more = projection("Fewer", 4.0), projection("More", 6.0)
    assert fewer["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["Baseline", "Fewer"]
    assert more["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["Baseline", "More"]
    assert [r["median"] for r in more["datasets"]["rows_0"]] == [5.0, 6.0]
    assert "low" not in more["datasets"]["rows_0"][1]  # only the baseline has a band


# -- where demand is heading ------------------------------------------------------------------


def _published_rows(pack: Path, sql: str, *params: object) -> list[dict]:
    con = duckdb.connect(str(pack.parent / "regional" / "region.duckdb"), read_only=True)
    try:
        cursor = con.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _demand_page(pack: Path, code: str) -> str:
    return (pack / ("index.html" if code == REGION_CODE else f"{code}.html")).read_text("utf-8")


def _demand_section(html: str) -> str:
    found = re.search(r'<section class="theme" id="demand".*?</section>', html, re.S)
    assert found, "no demand section"
    return found.group(0)


def _said(html: str) -> str:
    """What a part of a page says in words, its charts' JSON left out."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _chart(html: str, kind: str) -> dict | None:
    found = re.search(rf'data-chart-for="chart-\d+-{kind}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def _drawn(spec: dict) -> list[dict]:
    return [r for rows in spec["datasets"].values() for r in rows]


@pytest.mark.parametrize("code", [IN_YEAR_COUNCIL, PLANTED.council, REGION_CODE])
def test_the_demand_chart_draws_the_published_projection_and_nothing_else(
    pack: Path, code: str
) -> None:
    section = _demand_section(_demand_page(pack, code))
    spec = _chart(section, "demand_children")
    assert spec, "no projection drawn"
    published = _published_rows(
        pack,
        "select scenario, month_end, months_ahead, children_p10, children_median, children_p90 "
        "from regional.demand_projections where la_code = ? and placement_group = 'all' "
        "and children_symbol is null order by scenario, months_ahead",
        code,
    )
    rows = _drawn(spec)
    band = [(r["month"], r["ahead"], r["low"], r["median"], r["high"]) for r in rows if "low" in r]
    assert band == [
        (f"{r['month_end']:%Y-%m}", r["months_ahead"], *(r[f"children_{p}"] for p in PERCENTILES))
        for r in published
        if r["scenario"] == "baseline"
    ]
    # It starts at the count at the origin, and runs 36 months on.
    assert band[0][1] == 0 and band[0][2] == band[0][3] == band[0][4]
    assert band[-1][1] == 36
    scenario = [(r["month"], r["median"]) for r in rows if "low" not in r]
    assert scenario == [
        (f"{r['month_end']:%Y-%m}", r["children_median"])
        for r in published
        if r["scenario"] == DEMAND_SCENARIO
    ]
    names = {"Baseline: median", f"{DEMAND_SCENARIO.capitalize()}: median"}
    assert {r["series"] for r in rows} == names
    assert set(spec["layer"][1]["encoding"]["color"]["scale"]["domain"]) == names
    # The origin is said in words, and the method named.
    said = _said(section)
    assert "projected month by month from 31 March 2024 to 31 March 2027" in said
    assert "the demand model (multi-state, simulated 200 times)" in said
    assert "docs/demand.md" in said


@pytest.mark.parametrize("code", [IN_YEAR_COUNCIL, PLANTED.council, DEMAND_NO_COSTS, REGION_CODE])
def test_how_far_to_trust_it_averages_the_published_backtests(pack: Path, code: str) -> None:
    said = _said(_demand_section(_demand_page(pack, code)))
    for horizon in (12, 24):
        rows = _published_rows(
            pack,
            "select error_percent, naive_error_percent from regional.demand_backtests "
            "where la_code = ? and placement_group = 'all' and horizon_months = ?",
            code,
            horizon,
        )
        used = [r for r in rows if r["error_percent"] is not None]
        assert used
        model = sum(r["error_percent"] for r in used) / len(used)
        naive = sum(r["naive_error_percent"] for r in used) / len(used)
        count = f"{len(used)} backtest{'s' if len(used) != 1 else ''}"
        assert (
            f"Projections made {horizon} months ahead were off by {model:.1f}% on average "
            f"({count}); carrying the count forward was off by {naive:.1f}%."
        ) in said
        hidden = len(rows) - len(used)
        assert (f"{hidden} more backtest is hidden (c)" in said) == (hidden == 1)
    if code == IN_YEAR_COUNCIL:  # its first backtest 12 months ahead is hidden
        assert "(2 backtests); carrying" in said and "1 more backtest is hidden (c)" in said


def test_the_backtest_sentence_says_when_none_is_published() -> None:
    hidden = {
        "error_percent": None,
        "error_percent_symbol": "c",
        "naive_error_percent": None,
        "naive_error_percent_symbol": "c",
    }
    shown = {
        "error_percent": 10.0,
        "error_percent_symbol": None,
        "naive_error_percent": 4.0,
        "naive_error_percent_symbol": None,
    }
    sentence = report_pages.backtest_sentence
    assert "too few children to publish (c), so none is shown" in sentence([hidden, hidden], 24)
    assert sentence([], 24) == "No projection made 24 months ahead has been checked yet."
    assert sentence([shown, {**shown, "error_percent": 5.0}, hidden], 12) == (
        "Projections made 12 months ahead were off by 7.5% on average (2 backtests); carrying "
        "the count forward was off by 4.0%. 1 more backtest is hidden (c) and not counted."
    )


def test_the_cost_is_drawn_and_its_first_year_said_for_people(pack: Path) -> None:
    section = _demand_section(_demand_page(pack, IN_YEAR_COUNCIL))
    published = _published_rows(
        pack,
        "select month_end, months_ahead, cost_p10, cost_median, cost_p90 "
        "from regional.demand_projections where la_code = ? and placement_group = 'all' "
        "and scenario = 'baseline' order by months_ahead",
        IN_YEAR_COUNCIL,
    )
    spec = _chart(section, "demand_cost")
    assert spec
    assert [(r["month"], r["low"], r["median"], r["high"]) for r in _drawn(spec)] == [
        (f"{r['month_end']:%Y-%m}", *(r[f"cost_{p}"] for p in PERCENTILES)) for r in published
    ]
    first_year = sum(r["cost_median"] for r in published if 1 <= r["months_ahead"] <= 12)
    said = _said(section)
    assert (
        "Over the 12 months to 31 March 2025, the children looked after in Bracknell Forest "
        f"would cost about {report_format.money(first_year)}"
    ) in said
    assert re.search(r"about £\d+\.\dm", said)
    # A council without unit costs: said, nothing drawn.
    kent = _demand_section(_demand_page(pack, DEMAND_NO_COSTS))
    assert _chart(kent, "demand_cost") is None
    assert "No cost is projected for Kent (x)" in _said(kent)


def test_hidden_demand_is_not_drawn_and_private_numbers_appear_nowhere(pack: Path) -> None:
    # Every series of a council whose children are too few is hidden: said, nothing drawn.
    everything = _demand_section(_demand_page(pack, PLANTED.demand_hidden_council))
    assert "too small to publish, so no projection is shown" in _said(everything)
    assert "data-chart-for" not in everything and "<table" not in everything
    # A council with hidden placement groups: c in the table, not drawn.
    section = _demand_section(_demand_page(pack, PLANTED.council))
    groups = _published_rows(
        pack,
        "select placement_group, placement_group_label, children_symbol "
        "from regional.demand_projections where la_code = ? and scenario = 'baseline' "
        "and months_ahead = 12 order by group_order",
        PLANTED.council,
    )
    hidden = {g["placement_group_label"] for g in groups if g["children_symbol"] == "c"}
    shown = {g["placement_group_label"] for g in groups if g["children_symbol"] is None}
    assert "Children's home" in hidden and "All placements" in shown
    drawn = {r["category"] for r in _drawn(_chart(section, "demand_groups"))}
    assert drawn == shown - {"All placements"}
    figure = re.search(
        r'<figure[^>]*aria-labelledby="chart-\d+-demand_groups-title">.*?</figure>', section, re.S
    ).group(0)
    for label in hidden:
        row = re.search(
            rf'<tr><th scope="row">{re.escape(str(escape(label)))}</th>(.*?)</tr>', figure
        )
        assert row and row.group(1).count(">c</abbr>") == 3, label
    # The fixture never wrote the private numbers, and no page shows or draws them.
    [written] = _published_rows(
        pack,
        "select count(*) as n from regional.demand_projections where cost_median in (?, ?)",
        PLANTED.demand_group_cost,
        PLANTED.demand_hidden_cost,
    )
    assert written["n"] == 0
    private = (PLANTED.demand_group_cost, PLANTED.demand_hidden_cost)
    for name, html in pages(pack).items():
        assert leaks(readable(html)) == [], name
        for row in chart_data(html):
            for key in ("median", "low", "high", "start"):
                value = row.get(key)
                assert value is None or all(abs(value - v) > 0.5 for v in private), name


def test_without_demand_tables_the_pack_says_there_is_no_projection_yet(tmp_path: Path) -> None:
    home = Home(tmp_path / "none")
    write_regional(report.regional_file(home), omit=("demand_projections", "demand_backtests"))
    index = report.write_report(home)
    council = index.parent / f"{IN_YEAR_COUNCIL}.html"
    for html in (index.read_text("utf-8"), council.read_text("utf-8")):
        section = _demand_section(html)
        assert "No projection yet: the regional file holds no demand projections" in section
        assert "data-chart-for" not in section
        assert "demand_" not in html.split('<script type="module">')[0]
    # Projections without backtests: drawn, and how far to trust them is not known yet.
    home = Home(tmp_path / "no-backtests")
    write_regional(report.regional_file(home), omit=("demand_backtests",))
    section = _demand_section(
        (report.write_report(home).parent / f"{IN_YEAR_COUNCIL}.html").read_text("utf-8")
    )
    assert _chart(section, "demand_children")
    assert "No backtests published yet" in _said(section)


def test_templates_ship_with_the_package() -> None:
    text = Path(__file__).parents[2].joinpath("pyproject.toml").read_text(encoding="utf-8")
    assert '"report_templates/*"' in text


# -- the pages in a browser ----------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["index.html", f"{IN_YEAR_COUNCIL}.html", f"{PLANTED.council}.html", "quality.html"]
)
def test_chromium_draws_every_chart_offline_without_script_errors(pack: Path, page: str) -> None:
    html = (pack / page).read_text(encoding="utf-8")
    result = chromium("--dump-dom", (pack / page).as_uri())
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    containers, drawn = charts_drawn(html, dom)
    assert drawn == containers
    # the quality page draws each in-year council's DfE errors by reference date
    assert len(containers) >= (3 if page == "quality.html" else 4)
    if page != "quality.html":  # where demand is heading, for the council or the region
        assert {c.rsplit("-", 1)[-1] for c in drawn} >= {"demand_children", "demand_groups"}
    assert 'data-charts="ready"' in dom
    assert leaks(readable(dom)) == []


def test_a_council_page_prints_to_pdf(pack: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "council.pdf"
    result = chromium(
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        (pack / f"{PLANTED.council}.html").as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 20_000


def test_the_pack_is_the_same_whatever_order_the_rows_are_stored_in(tmp_path: Path) -> None:
    """Another engine stores a table's rows in an order of its own (Spark writes them as
    its tasks finish): the pages come out the same when every table's rows are reversed."""
    first, second = Home(tmp_path / "as-written"), Home(tmp_path / "reversed")
    write_regional(report.regional_file(first))
    report.regional_file(second).parent.mkdir(parents=True)
    con = duckdb.connect(str(report.regional_file(second)))
    try:
        con.execute("attach ? as written (read_only)", [str(report.regional_file(first))])
        con.execute("create schema regional")
        for table in report.TABLES:
            con.execute(
                f"create table regional.{table} as select * exclude (_row) from ("
                f"select *, row_number() over () as _row from written.regional.{table}"
                ") order by _row desc"
            )
        reversed_rows = con.sql("select indicator from regional.indicator_definitions").fetchall()
        written = con.sql("select indicator from written.regional.indicator_definitions").fetchall()
    finally:
        con.close()
    assert reversed_rows == written[::-1]
    # The pages name when the regional file was written.
    stamp = report.regional_file(first).stat()
    os.utime(report.regional_file(second), ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    report.write_report(first)
    report.write_report(second)
    assert pages(first.published / report.REPORT_FOLDER) == pages(
        second.published / report.REPORT_FOLDER
    )


def test_an_in_year_point_is_drawn_apart_from_the_line_of_full_years(pack: Path) -> None:
    html = (pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8")
    figure = re.search(
        r'data-chart-for="chart-\d+-cla_at_31_march">(.*?)</script>', html, re.S
    ).group(1)
    spec = json.loads(figure)
    filters = sorted(layer["transform"][0]["filter"] for layer in spec["layer"])
    assert filters == ["!datum.partial", "datum.partial"]
    rows = [r for values in spec["datasets"].values() for r in values]
    assert {r["year"] for r in rows if r["partial"]} == {"2024-25"}
    assert {r["year"] for r in rows if not r["partial"]} == {"2022-23", "2023-24"}
    # A council that sent no in-year extract has plain lines.
    annual = (pack / f"{PLANTED.council}.html").read_text(encoding="utf-8")
    assert '"partial"' not in annual


def test_the_neighbour_average_says_how_many_it_is_of_and_when_that_is_thin(pack: Path) -> None:
    assert report_pages._neighbours_note(6, 10) == "average of 6 of 10"
    assert report_pages._neighbours_note(2, 10) == "average of 2 of 10: too few to rely on"
    assert report_pages._neighbours_note(None, 10) == ""
    page = (pack / f"{PLANTED.council}.html").read_text(encoding="utf-8")
    notes = re.findall(r"Statistical neighbours <small>\(average of (\d+) of (\d+)([^)]*)\)", page)
    assert notes
    for shown, listed, rest in notes:
        assert int(shown) <= int(listed)
        assert ("too few" in rest) == (int(shown) < report_pages.FEW_NEIGHBOURS)
    # Said as what they are: the region's own, not the DfE's.
    assert "(the DfE's model)" not in page
    assert "ten other councils of this region nearest to each one" in page


def _downloads(html: str) -> list[list[list[str]]]:
    """Every CSV a page offers, read back as rows."""
    import csv as csv_module
    from urllib.parse import unquote

    found = re.findall(r'<a download="[^"]+\.csv" href="data:text/csv;charset=utf-8,([^"]+)"', html)
    return [list(csv_module.reader(unquote(f).lstrip("\ufeff").splitlines())) for f in found]


def test_every_table_of_a_council_page_and_the_overview_can_be_downloaded(pack: Path) -> None:
    page = (pack / f"{PLANTED.council}.html").read_text(encoding="utf-8")
    tables = page.count("<table>") - page.count('<table class="compare">')
    files = _downloads(page)
    assert len(files) >= tables - 1 > 0  # every data table; the returns list is not a figure
    for rows in files:
        assert len({len(r) for r in rows}) == 1, rows[:2]  # a header and rows of its width
        assert not any("<" in cell for r in rows for cell in r), rows[:2]
    # A hidden figure is its symbol in the file too, never a number.
    assert any("c" in r[1:] for rows in files for r in rows[1:])
    index = (pack / "index.html").read_text(encoding="utf-8")
    headline = _downloads(index)[0]
    assert headline[0][0] == "Council"
    assert {r[0] for r in headline[1:]} >= {"South East", "England"}


def test_each_council_page_ranks_it_among_its_neighbours(pack: Path) -> None:
    page = (pack / f"{PLANTED.council}.html").read_text(encoding="utf-8")
    assert 'id="neighbours"' in page
    con = duckdb.connect(str(pack.parent / "regional" / "region.duckdb"), read_only=True)
    try:
        names = dict(con.sql("select la_code, la_name from regional.councils").fetchall())
        circle = {PLANTED.council} | {
            n
            for (n,) in con.execute(
                "select neighbour_la_code from regional.statistical_neighbours where la_code = ?",
                [PLANTED.council],
            ).fetchall()
        }
    finally:
        con.close()
    charts = re.findall(
        r'data-chart-for="(chart-\d+-[a-z0-9_]+-neighbours)">(.*?)</script>', page, re.S
    )
    assert charts
    own = names[PLANTED.council]
    drawn_with_it = 0
    for chart_id, text in charts:
        spec = json.loads(text)
        drawn = {r["council"] for rows in spec["datasets"].values() for r in rows if "council" in r}
        assert drawn <= {names[c] for c in circle}, chart_id
        drawn_with_it += own in drawn  # not drawn where its figure is hidden
        # The council's own bar is picked out.
        assert own in json.dumps(spec["layer"][0]["encoding"]["color"])
    assert drawn_with_it > 0


def _rated(**row) -> report_pages.Rating:
    base = {
        "unit": "percent",
        "polarity": "higher_is_better",
        "collection_year": "2023-24",
        "value": 60.0,
        "value_symbol": None,
        "england_value": 62.0,
        "england_value_symbol": None,
    }
    return report_pages.rating({**base, **row}, "England", "england_value")


def test_ratings_follow_the_polarity_and_name_the_band_of_similar() -> None:
    judge = report_pages.judge
    # Percentages: similar within 1 percentage point, the edge included.
    assert judge(61.0, 62.0, "higher_is_better", "percent") == "similar"
    assert judge(60.9, 62.0, "higher_is_better", "percent") == "worse"
    assert judge(63.5, 62.0, "higher_is_better", "percent") == "better"
    assert judge(12.0, 10.0, "lower_is_better", "percent") == "worse"
    # Rates and money: similar within 5% of the comparator.
    assert judge(70.0, 67.0, "lower_is_better", "rate_per_10k") == "similar"
    assert judge(71.0, 67.0, "lower_is_better", "rate_per_10k") == "worse"
    assert judge(60.0, 67.0, "lower_is_better", "rate_per_10k") == "better"
    # Neither higher nor lower is better: said, never judged.
    assert judge(80.0, 60.0, "neutral", "gbp") == "higher"
    assert judge(40.0, 60.0, "neutral", "gbp") == "lower"

    worse = _rated(value=58.0)
    assert worse.text == "Worse than England (62.0%): higher is better." and worse.css == (
        "rating-worse"
    )
    similar = _rated(value=61.5)
    assert "Similar to England (62.0%): within 1 percentage point" in similar.text
    assert _rated(value=70.0, polarity="neutral").css == "rating-neutral"
    assert _rated(unit="count", value=5000.0, england_value=80000.0).css == "rating-none"
    hidden = _rated(value=None, value_symbol="c")
    assert hidden.text == "Not rated: the council's figure is not published."
    absent = _rated(england_value=None, england_value_symbol="x")
    assert absent.text == "Not rated: no England figure for 2023-24."
    thin = report_pages.tile_ratings(
        {
            **{"unit": "percent", "polarity": "higher_is_better", "collection_year": "2023-24"},
            **{"value": 60.0, "value_symbol": None, "england_value": 50.0},
            **{"england_value_symbol": None, "neighbour_value": 40.0},
            **{"neighbour_value_symbol": None, "neighbours_shown": 2},
        }
    )
    assert [r.text for r in thin] == [
        "Better than England (50.0%): higher is better.",
        "Not rated: only 2 neighbours had a value.",
    ]


def test_each_tile_rates_the_council_against_england_and_neighbours(pack: Path) -> None:
    con = duckdb.connect(str(pack.parent / "regional" / "region.duckdb"), read_only=True)
    rows = con.execute(
        "select indicator, unit, polarity, value, england_value, neighbour_value, "
        "neighbours_shown from regional.benchmark_indicators "
        "where la_code = ? and collection_year = '2023-24' and value is not null "
        "and england_value is not null and unit <> 'count'",
        [IN_YEAR_COUNCIL],
    ).fetchall()
    con.close()
    assert rows
    html = (pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8")
    for indicator, unit, polarity, value, england, neighbours, shown_count in rows:
        verdict = report_pages.judge(value, england, polarity, unit)
        words = report_pages.RATING_WORDS[verdict]
        england_rating = r'<li class="rating ([^"]+)">([^<]*England[^<]*)</li>'
        found = re.search(england_rating, tile(html, indicator))
        assert found, indicator
        assert found.group(2).startswith(f"{words} England"), (indicator, found.group(2))
        if neighbours is not None and shown_count >= report_pages.FEW_NEIGHBOURS:
            verdict = report_pages.judge(value, neighbours, polarity, unit)
            assert f"{report_pages.RATING_WORDS[verdict]} statistical neighbours" in tile(
                html, indicator
            )


def test_england_figures_say_where_they_come_from_and_mark_the_approximate(pack: Path) -> None:
    html = tile((pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8"), "cla_rate_per_10k")
    sources = re.search(r'<ul class="sources">(.*?)</ul>', html, re.S)
    assert sources, "no England sources under the definition"
    listed = re.findall(r"<li>([^<]*)</li>", sources.group(1))
    assert listed[0] == "2022-23 (approximate): DfE national statistics 2022-23"
    assert "2023-24: DfE national statistics 2023-24" in listed
    table = re.search(r"<table.*?</table>", html[html.index("data-chart-for") :], re.S).group(0)
    rows = {
        year: row for year, row in re.findall(r"<tr><th[^>]*>(\d{4}-\d{2})(.*?)</tr>", table, re.S)
    }
    assert 'class="approx"' in rows["2022-23"]
    assert all('class="approx"' not in rows[y] for y in rows if y != "2022-23")
    assert "≈ marks an England figure" in html


def test_the_year_to_date_sits_beside_the_same_months_a_year_before(pack: Path) -> None:
    html = tile((pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8"), "cla_at_31_march")
    line = re.search(r'<p class="year-to-date">(.*?)</p>', html, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", line).split())
    assert "Year to date, 2024-25 to 30 September 2024:" in text
    assert "A year before, on 30 September 2023: 55 children." in text
    assert "not compared with full years" in text
    hidden = tile((pack / "E06000043.html").read_text(encoding="utf-8"), "cla_at_31_march")
    line = re.search(r'<p class="year-to-date">(.*?)</p>', hidden, re.S).group(1)
    assert re.search(
        r"A year before, on 31 December 2023: <strong><abbr[^>]*>c</abbr></strong>\.", line
    )
    # A rate a year before is said in the rate's own unit.
    rate = tile((pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8"), "cla_rate_per_10k")
    line = re.search(r'<p class="year-to-date">(.*?)</p>', rate, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", line).split())
    assert "A year before, on 30 September 2023: 11.5 per 10,000 children." in text
    # Without a same-months figure the in-year line compares with nothing.
    other = tile(
        (pack / f"{IN_YEAR_COUNCIL}.html").read_text(encoding="utf-8"), "cla_3plus_placements_pct"
    )
    line = re.search(r'<p class="year-to-date">(.*?)</p>', other, re.S).group(1)
    assert "year before" not in line and "not compared with full years" in line


def test_the_england_coverage_table_says_what_the_seed_holds() -> None:
    """docs/indicators.md lists, per indicator, the years seeds/england_indicator_values.csv
    holds and which of them are approximate."""
    root = Path(__file__).resolve().parents[2]
    held: dict[str, list[tuple[str, bool]]] = {}
    with (root / "seeds" / "england_indicator_values.csv").open(newline="") as seed:
        for row in csv.DictReader(seed):
            held.setdefault(row["indicator"], []).append(
                (row["collection_year"], row["is_approximate"] == "true")
            )
    docs = (root / "docs" / "indicators.md").read_text(encoding="utf-8")
    table = docs[docs.index("| indicator | years held |") :].split("\n\n")[0]
    listed = {
        indicator: (shown, approximate)
        for indicator, shown, approximate in re.findall(
            r"^\| `(\w+)` \| ([^|]*) \| ([^|]*) \|$", table, re.M
        )
    }
    for indicator, years in held.items():
        assert indicator in listed, indicator
        shown, approximate = listed[indicator]
        assert shown.strip() == ", ".join(y for y, _ in years), indicator
        assert approximate.strip() == (", ".join(y for y, a in years if a) or "none"), indicator
    missing = {i for i, (shown, _) in listed.items() if i not in held}
    assert all(listed[i][0].strip().startswith("none") for i in missing), missing
