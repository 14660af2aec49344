"""The benchmark pack of a region built end to end, as a council lead opens it."""

from __future__ import annotations

import re

import duckdb
import pytest

from chromium import charts_drawn, chromium, console_messages
from csc import reference
from csc.report_format import plain


@pytest.fixture(scope="module")
def pack(home):
    folder = home.published / "report"
    assert (folder / "index.html").exists(), "csc run writes the pack"
    return folder


def test_the_overview_links_a_page_for_every_council(pack):
    index = (pack / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="(E\d{8})\.html"', index))
    assert linked == set(reference.councils())
    for code in reference.councils():
        assert (pack / f"{code}.html").exists()
    assert (pack / "quality.html").exists()


@pytest.mark.parametrize("page", ["index.html", "E10000016.html", "E06000046.html"])
def test_every_chart_draws_offline(pack, page):
    html = (pack / page).read_text(encoding="utf-8")
    result = chromium("--dump-dom", (pack / page).as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    containers, drawn = charts_drawn(html, result.stdout)
    assert len(containers) >= 4
    assert drawn == containers


def _tile(html: str, indicator: str) -> str:
    found = re.search(rf'<article class="tile" id="{indicator}".*?</article>', html, re.S)
    return found.group(0) if found else ""


def test_a_hidden_value_shows_c_and_never_its_number(home, pack):
    """In a tile's headline (its last full year) and in its year to date (a newer in-year
    extract) alike."""
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        hidden = con.sql(
            """
            with shown_years as (
                select
                    la_code,
                    indicator,
                    coalesce(
                        max(collection_year) filter (where not is_in_year), max(collection_year)
                    ) as headline_year,
                    max(collection_year) as newest_year
                from regional.benchmark_indicators
                group by la_code, indicator
            )
            select
                shared.la_code,
                shared.indicator,
                private.value,
                private.unit,
                shared.collection_year = shown_years.headline_year as in_headline
            from regional.benchmark_indicators as shared
            inner join shown_years using (la_code, indicator)
            inner join marts.benchmark_indicators as private
                using (la_code, collection_year, indicator)
            where shared.value_symbol = 'c' and private.value is not null
                and shared.collection_year in (shown_years.headline_year, shown_years.newest_year)
            order by all
            """
        ).fetchall()
    finally:
        con.close()
    assert hidden, "a region at this scale has hidden values in its latest years"
    for la_code, indicator, value, unit, in_headline in hidden:
        tile = _tile((pack / f"{la_code}.html").read_text(encoding="utf-8"), indicator)
        assert tile, f"{la_code} has no tile for {indicator}"
        where = (
            r'<p class="figure-value">(.*?)</p>'
            if in_headline
            else (r'<p class="year-to-date">.*?<strong>(.*?)</strong>')
        )
        headline = re.search(where, tile, re.S)
        assert headline and ">c<" in headline.group(1), f"{la_code} {indicator}: {headline}"
        # the council's figure, with its numerator and denominator beside it
        private = plain(value, None, unit)
        shown = re.sub(r"<[^>]+>", " ", headline.group(1))
        assert not re.search(rf"(?<![\d.,]){re.escape(private)}(?!\d)", shown), (
            f"{la_code} {indicator} shows {private}, which is hidden"
        )


def test_the_quality_page_shows_each_returns_dfe_errors_as_published(home, pack):
    con = duckdb.connect(str(home.published / "regional" / "region.duckdb"), read_only=True)
    try:
        latest = con.sql(
            """
            select la_code, return_name, collection_year, reference_date, error_rules_failing
            from regional.dfe_validation_trend
            qualify row_number() over (
                partition by la_code, return_name order by reference_date desc
            ) = 1
            """
        ).fetchall()
        rules = con.sql(
            "select la_code, return_name, collection_year, reference_date, rule_code "
            "from regional.dfe_validation"
        ).fetchall()
    finally:
        con.close()
    assert {la_code for la_code, *_ in latest} == set(reference.councils())
    quality = (pack / "quality.html").read_text(encoding="utf-8")
    for la_code, return_name, year, reference_date, errors in latest:
        start = f'<div class="dfe-return" id="{la_code}-dfe-{return_name}">'
        block = re.search(rf"{start}.*?(?=<div class=\"dfe-return\"|<h3)", quality, re.S)
        assert block, f"{la_code} {return_name}: no DfE section"
        text = block.group(0)
        assert f", {year}</h4>" in text
        if errors:
            assert f"{errors:,} DfE error{'s' if errors != 1 else ''} would block" in text
        else:
            assert "no DfE error would block submission" in text
        listed = set(re.findall(r'<th scope="row"><code>([^<]+)</code>', text))
        assert listed == {
            code
            for (la, name, y, day, code) in rules
            if (la, name, y, day) == (la_code, return_name, year, reference_date)
        }


def test_the_quality_page_filters_a_councils_files_as_you_type(pack, tmp_path):
    html = (pack / "quality.html").read_text(encoding="utf-8")
    council = re.search(r'data-filter-for="files-(E\d+)"', html).group(1)
    table = re.search(rf'<table class="files" id="files-{council}">(.*?)</table>', html, re.S)
    year = re.search(r"<td>(\d{4}-\d{2})</td>", table.group(1)).group(1)
    # Type a collection year into the council's filter, as a reader would.
    typing = (
        "<script>"
        f"const box = document.querySelector('input[data-filter-for=\"files-{council}\"]');"
        f"box.value = '{year}'; box.dispatchEvent(new Event('input'));"
        "</script>"
    )
    page = tmp_path / "quality.html"
    before, end, after = html.rpartition("</body>")
    page.write_text(before + typing + end + after, encoding="utf-8")
    result = chromium("--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    filtered = re.search(
        rf'<table class="files" id="files-{council}">.*?<tbody>(.*?)</tbody>', result.stdout, re.S
    ).group(1)
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", filtered, re.S)
    shown = [text for attributes, text in rows if "hidden" not in attributes]
    hidden = [text for attributes, text in rows if "hidden" in attributes]
    assert shown and hidden, "the filter should keep some rows and hide others"
    assert all(year in text for text in shown)
    assert not any(year in text for text in hidden)
    assert "A count of rows from 1 to 9 shows" in html


# Reports, once the page has loaded and every data table is opened, every table wider than
# the box that scrolls it.
MEASURE_TABLES = """<script>
window.addEventListener("load", () => {
  document.querySelectorAll("details").forEach((details) => { details.open = true; });
  const wide = [];
  document.querySelectorAll(".table-scroll").forEach((box) => {
    const table = box.querySelector("table");
    if (table && table.scrollWidth > box.clientWidth + 1) {
      wide.push(table.className || table.caption.textContent);
    }
  });
  document.body.dataset.wideTables = wide.join("|") || "none";
});
</script></body>"""


@pytest.mark.parametrize("width", [1400, 1920])
def test_every_table_fits_common_screen_widths(pack, tmp_path, width):
    """Every table of the overview and of each council's page of the region as built, the
    data tables beside charts opened, in view at 1,400 pixels: nothing to scroll. (Wider
    screens: the overview and one council's page.)"""
    pages = ["index.html", *sorted(p.name for p in pack.glob("E*.html"))]
    assert len(pages) > 2
    pages = pages if width == 1400 else pages[:2]
    for name in pages:
        page = tmp_path / name
        html = (pack / name).read_text(encoding="utf-8")
        page.write_text(html.replace("</body>", MEASURE_TABLES), encoding="utf-8")
        result = chromium(f"--window-size={width},900", "--dump-dom", page.as_uri())
        assert result.returncode == 0, result.stderr[-2000:]
        wide = re.search(r'data-wide-tables="([^"]*)"', result.stdout)
        assert wide, f"the measuring script did not run on {name}"
        assert wide.group(1) == "none", f"{name}: {wide.group(1)}"
