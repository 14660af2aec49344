"""Ofsted Annex A workbooks: Lists 1-3 load whatever the council calls its columns."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import COUNCIL, KEY, Region, child
from csc import annex_a, stamp
from csc import pseudonymise as privacy

CHILD_HEADERS = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LISTS = {
    "List 1": [*CHILD_HEADERS, "Date of Contact", "Contact Source"],
    "List 2": [
        *CHILD_HEADERS,
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
    ],
    "List 3": [
        *CHILD_HEADERS,
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 4": [*CHILD_HEADERS, "Assessment start date", "Assessment authorised date"],
}


def person(number: int, birth: object) -> list[object]:
    return [child(number), "a) Male", "WBRI", birth, 9]


def rows_for(sheet: str, number: int, birth: object) -> list[object]:
    base = person(number, birth)
    day = dt.date(2023, 6, number)
    if sheet == "List 1":
        return [*base, day, "2A Schools"]
    if sheet == "List 2":
        return [*base, day, day + dt.timedelta(days=20), "School"]
    if sheet == "List 3":
        return [*base, day, "2A Schools", "No", 1, "North", "W1"]
    return [*base, day, day]


def workbook(
    path: Path,
    headers: dict[str, list[str]] | None = None,
    rows: int = 2,
    title_row: bool = False,
    birth: object = dt.date(2014, 3, 1),
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, columns in (headers or LISTS).items():
        sheet = book.add_worksheet(name)
        top = 1 if title_row else 0
        if title_row:
            sheet.write(0, 0, f"Annex A {name}")
        sheet.write_row(top, 0, columns)
        for n in range(1, rows + 1):
            for col, value in enumerate(rows_for(name, n, birth)):
                if isinstance(value, dt.date):
                    sheet.write_datetime(top + n, col, dt.datetime.combine(value, dt.time()), dates)
                else:
                    sheet.write(top + n, col, value)
    book.close()
    if path.parent.parent.parent.name == "drops":  # a drop: stamp it as csc pseudonymise does
        stamp.write(path.parent, path.parent.parent.name, [path])
    return path


def drop_path(region: Region, name: str = "annex_a.xlsx") -> Path:
    return region.home.drops / COUNCIL / "2024-03-31" / name


def test_lists_1_to_3_load_and_the_rest_is_noted(tmp_path):
    region = Region(tmp_path)
    workbook(drop_path(region))
    region.load()
    assert region.status("annex_a.xlsx") == "loaded"
    counts = region.query(
        "select (select count(*) from raw.annex_a_contacts),"
        " (select count(*) from raw.annex_a_early_help),"
        " (select count(*) from raw.annex_a_referrals)"
    )
    assert counts == [(2, 2, 2)]
    assert region.query("select date_of_contact, _row_number from raw.annex_a_contacts") == [
        ("2023-06-01", 2),
        ("2023-06-02", 3),
    ]
    (message,) = region.query("select message from raw.load_manifest")[0]
    assert "annex_a.list_not_loaded" in message
    assert (
        region.query("select rule_id, severity from raw.load_failures where severity <> 'info'")
        == []
    )


def test_header_variations_councils_use_are_matched(tmp_path):
    variant = {
        "list 1 - contacts": [
            "CHILD  ID",
            "sex",
            "Ethnic Origin",
            "DOB",
            "age",
            "Contact date",
            "Source of contact",
        ],
        "LIST2": [
            "Unique Child ID",
            "Gender",
            "Ethnicity",
            "Birth Date",
            "Age (Years)",
            "EH Assessment Start Date",
            "Early Help Assessment Completion Date",
            "Organisation",
        ],
        "List 3": [
            "la child id",
            "GENDER",
            "ethnicity",
            "date of birth",
            "Age of child",
            "Referral Date",
            "Source of Referral",
            "NFA",
            "Referrals in last 12 months",
            "Team",
            "Allocated Social Worker",
        ],
    }
    region = Region(tmp_path)
    # The variant workbook keeps each list's column order, so rows_for still fits.
    renamed = {"List 1": "list 1 - contacts", "List 2": "LIST2", "List 3": "List 3"}
    path = drop_path(region)
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    for name, sheet_name in renamed.items():
        sheet = book.add_worksheet(sheet_name)
        sheet.write(0, 0, "Ofsted Annex A")  # a title above the header
        sheet.write_row(1, 0, variant[sheet_name])
        sheet.write_row(2, 0, [str(v) for v in rows_for(name, 1, "01/03/2014")])
    book.close()
    stamp.write(path.parent, COUNCIL, [path])
    region.load()
    assert region.status("annex_a.xlsx") == "loaded"
    assert region.query(
        "select date_of_birth, date_of_referral, allocated_worker from raw.annex_a_referrals"
    ) == [("2014-03-01", "2023-06-01", "W1")]


def test_a_list_without_a_needed_column_quarantines_the_workbook(tmp_path):
    headers = dict(LISTS)
    headers["List 1"] = [c for c in LISTS["List 1"] if c != "Date of Contact"] + ["Notes"]
    region = Region(tmp_path)
    workbook(drop_path(region), headers)
    region.load()
    assert region.status("annex_a.xlsx") == "quarantined"
    (message,) = region.query(
        "select message from raw.load_failures where rule_id = 'annex_a.missing_columns'"
    )[0]
    assert "List 1" in message and "date_of_contact" in message
    assert region.query("select count(*) from raw.annex_a_referrals") == [(0,)]


def test_a_refused_workbook_leaves_none_of_its_rows_behind(tmp_path):
    from csc import batches, load

    path = workbook(tmp_path / "twice.xlsx", {**LISTS, "List 1 again": LISTS["List 1"]})
    work = tmp_path / "work"
    work.mkdir()
    read = batches._read_workbook(path, work / "twice")
    assert len(read.files) == 4  # every loadable list was read where the workbook was
    drop = load.DropFile(path, "twice.xlsx", "0" * 64, path.stat().st_size, 0.0)
    batches.read_annex_a(drop, None, read)
    assert [f.rule_id for f in drop.failures] == ["annex_a.list_twice"]
    assert list(work.iterdir()) == []


def test_identifiable_rows_even_in_unloaded_lists_quarantine_the_workbook(tmp_path):
    region = Region(tmp_path)
    path = workbook(drop_path(region), {"List 1": LISTS["List 1"], "List 5": LISTS["List 4"]})
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("List 1").write_row(0, 0, LISTS["List 1"])
    unloaded = book.add_worksheet("List 5")
    unloaded.write_row(0, 0, LISTS["List 4"])
    unloaded.write_row(1, 0, ["BF101", "a) Male", "WBRI", "01/03/2014", 9])  # a case number
    book.close()
    stamp.write(path.parent, COUNCIL, [path])
    region.load()
    assert region.status("annex_a.xlsx") == "quarantined"
    assert region.query(
        "select rule_id, row_number from raw.load_failures where severity = 'critical'"
    ) == [("annex_a.child_not_pseudonymised", 2)]


def test_pseudonymise_workbook_tokens_match_and_unloaded_lists_are_emptied(tmp_path):
    source = tmp_path / "council" / "annex_a.xlsx"
    path = source.parent
    path.mkdir()
    book = xlsxwriter.Workbook(str(source))
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, columns in LISTS.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, columns)
        values = rows_for(name, 1, dt.date(2014, 3, 17))
        values[0] = "BF101"
        for col, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(1, col, dt.datetime.combine(value, dt.time()), dates)
            else:
                sheet.write(1, col, value)
    book.close()
    dest = tmp_path / "drop" / "annex_a.xlsx"
    result = privacy.pseudonymise_file(source, dest, KEY)
    assert result.kind == "annex_a" and result.rows == 3
    out = annex_a.read(dest)
    by_name = {s.name: s for s in out.sheets}
    assert by_name["List 4"].data() == []
    (row_number, row) = by_name["List 3"].data()[0]
    assert row_number == 2
    assert row[0] == privacy.token(KEY, "BF101")
    assert row[3] == dt.date(2014, 3, 1)
    assert row[10] == privacy.token(KEY, "W1")
    # The same extract always gives the same bytes, so a re-drop is a duplicate.
    again = tmp_path / "again.xlsx"
    privacy.pseudonymise_file(source, again, KEY)
    assert again.read_bytes() == dest.read_bytes()


def test_workbooks_are_read_in_worker_processes_in_order_beside_censuses(tmp_path, monkeypatch):
    from csc import batches

    good = workbook(tmp_path / "good.xlsx", rows=3)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    census = tmp_path / "census.xml"
    census.write_text("<Message><Header></Header><Children></Children></Message>")
    monkeypatch.setattr(batches, "PARALLEL_BYTES", 0)
    jobs = [
        ("xlsx", good, tmp_path / "a"),
        ("xml", census, tmp_path / "b"),
        ("xlsx", broken, tmp_path / "c"),
    ]
    results = list(batches.prepare_all(jobs))
    read = results[0]
    assert isinstance(read, batches.ReadWorkbook)
    assert sorted(sheet.table for sheet in read.book.sheets if sheet.table) == sorted(
        annex_a.LOADED_LISTS.values()
    )
    # Each list's rows come back as a Parquet file in the raw table's columns, not as cells.
    assert sorted(read.rows.values()) == [3, 3, 3]
    for position, path in read.files.items():
        sheet = read.book.sheets[position]
        table = pq.read_table(path)
        assert table.column_names == [*batches.ANNEX_A.columns(sheet.table), "_row"]
        assert table.num_rows == 3
        assert table.column("_row").to_pylist() == [sheet.header_row + 2 + i for i in range(3)]
        assert sheet.data() == []
    batches.discard(read)
    assert not any(path.exists() for path in read.files.values())
    assert not isinstance(results[1], batches.ReadWorkbook | annex_a.RejectedWorkbook)
    assert isinstance(results[2], annex_a.RejectedWorkbook)
    assert results[2].rule_id == "annex_a.unreadable"


def test_header_matching_normalises_case_spacing_and_punctuation():
    assert annex_a.normalise("  Referral NFA? ") == "referral nfa"
    assert annex_a.normalise("Age of Child (Years)") == "age of child years"
    assert annex_a.list_number("LIST 3 - Referrals") == 3
    assert annex_a.list_number("Summary") is None
    assert annex_a.date_text("17/06/2012") == "2012-06-17"
    assert annex_a.date_text("31/02/2012") == "31/02/2012"  # kept, and the checks refuse it
    assert annex_a.cell_text(3.0) == "3"


def _sheet_xml(cells: list[tuple[int, int]]) -> bytes:
    target = io.BytesIO()
    book = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = book.add_worksheet("List 1")
    for row, column in cells:
        sheet.write_number(row, column, 1)
    book.close()
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def _calamine_grid(xml: bytes, tmp: Path) -> tuple[int, int]:
    """The grid calamine reads from a sheet: what the loader would allocate."""
    from python_calamine import CalamineWorkbook

    source = io.BytesIO()
    book = xlsxwriter.Workbook(source, {"in_memory": True})
    book.add_worksheet("List 1")
    book.close()
    path = tmp / "book.xlsx"
    with (
        zipfile.ZipFile(io.BytesIO(source.getvalue())) as old,
        zipfile.ZipFile(path, "w") as new,
    ):
        for info in old.infolist():
            body = xml if info.filename == "xl/worksheets/sheet1.xml" else old.read(info)
            new.writestr(info.filename, body)
    rows = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name("List 1")
        .to_python(skip_empty_area=False)
    )
    return len(rows), max((len(r) for r in rows), default=0)


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30)), min_size=1, max_size=12),
    drop_rows=st.booleans(),
    drop_cells=st.booleans(),
)
def test_the_sheet_extent_is_the_grid_a_reader_allocates(
    tmp_path_factory, cells, drop_rows, drop_cells
):
    """With positions written on rows and cells or left for the reader to count, the extent
    measured before reading is the grid calamine builds: the bound on its memory is exact."""
    xml = _sheet_xml(cells)
    if drop_rows:
        xml = re.sub(rb'<row r="\d+"', b"<row", xml)
    if drop_cells:
        xml = re.sub(rb' r="[A-Z]+\d+"', b"", xml)
    assert annex_a.sheet_extent(xml) == _calamine_grid(xml, tmp_path_factory.mktemp("book"))


def test_a_tiny_sheet_reaching_far_is_refused_before_it_is_read(tmp_path):
    """A cell at XFD1048576 makes a few-kilobyte sheet a grid of 17 billion cells."""
    region = Region(tmp_path)
    target = io.BytesIO()
    book = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = book.add_worksheet("List 1")
    sheet.write_row(0, 0, LISTS["List 1"])
    sheet.write_string(1_048_575, 16_383, "far")
    book.close()
    region.drop("annex_a.xlsx", target.getvalue())
    region.load()
    failures = region.query(
        "select rule_id, message from raw.load_failures where path like '%annex_a.xlsx'"
    )
    assert [rule for rule, _ in failures] == ["annex_a.sheet_too_large"]
    assert "row 1,048,576 and column 16,384" in failures[0][1]


CELLS = st.one_of(
    st.none(),
    st.text(alphabet=" \t\n0123456789/-abAB", max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=300, deadline=None)
@given(value=CELLS)
def test_a_cell_is_filled_exactly_when_it_has_text_and_a_date_cell_reads_as_iso(value):
    assert annex_a._filled(value) == (annex_a.cell_text(value) is not None)
    text = annex_a.date_text(value)
    if isinstance(value, dt.date):
        as_date = value.date() if isinstance(value, dt.datetime) else value
        assert text == as_date.isoformat()
    elif isinstance(value, str):
        assert (text is None) == (not value.strip())
        if not annex_a.UK_DATE.match(value.strip()):
            assert text == annex_a.cell_text(value)
