"""The workbook writer (csc.xlsx): what it writes reads back the same through calamine (the
reader the warehouse loads Annex A with), it refuses what a workbook cannot hold without
quoting it, and the same rows always give the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from csc import annex_a, xlsx
from csc.pseudonymise import pseudonymise_annex_a

CREATED = dt.datetime(2026, 3, 31, 17, 30)
MARKER = "PLANTEDSECRET"

text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
value = st.one_of(
    st.none(),
    text,
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)).map(lambda d: d.replace(microsecond=0)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)
sheet_rows = st.tuples(
    st.lists(text, min_size=1, max_size=6),  # a header row, its first cell never empty
    st.lists(st.tuples(st.integers(1, 3), st.lists(value, max_size=8)), max_size=12),
)


def _read(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _expected(rows: dict[int, list[object]]) -> list[list[object]]:
    """The grid calamine gives: from A1 to the last cell written, empty cells as ""."""

    def read_as(v: object) -> object:
        if v is None:
            return ""
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, dt.datetime) and v.time() == dt.time():
            return v.date()  # calamine gives a date for a datetime at midnight
        return v

    def last(row: list[object]) -> int:
        used = [i for i, v in enumerate(row) if v not in (None, "")]
        return used[-1] + 1 if used else 0

    width = max(last(row) for row in rows.values())
    height = max(n for n, row in rows.items() if last(row)) + 1
    grid = [[""] * width for _ in range(height)]
    for n, row in rows.items():
        for i, v in enumerate(row[:width]):
            if n < height:
                grid[n][i] = read_as(v)
    return grid


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sheets=st.lists(sheet_rows, min_size=1, max_size=3))
def test_what_is_written_reads_back_the_same(tmp_path: Path, sheets: list) -> None:
    path = tmp_path / "book.xlsx"
    wanted: dict[str, list[list[object]]] = {}
    with xlsx.Workbook(path, CREATED) as book:
        for number, (header, body) in enumerate(sheets, start=1):
            name = f"List {number}"
            sheet = book.sheet(name)
            sheet.add(header, style=xlsx.BOLD)
            rows: dict[int, list[object]] = {0: list(header)}
            at = 0
            for gap, values in body:
                at += gap
                sheet.add(values, row=at)
                rows[at] = list(values)
            wanted[name] = _expected(rows)
    assert _read(path) == wanted


def test_text_xml_cannot_carry_and_excel_escapes_reads_back(tmp_path: Path) -> None:
    awkward = ["a\rb", "tab\there", "bell\x07", "_x0041_ stays", "<&>\"'", "\x00", "  "]
    with xlsx.Workbook(tmp_path / "book.xlsx", CREATED) as book:
        book.sheet("A").add(awkward)
    assert _read(tmp_path / "book.xlsx") == {"A": [awkward]}


def test_excels_1900_calendar_and_durations(tmp_path: Path) -> None:
    days = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2026, 3, 31)]
    with xlsx.Workbook(tmp_path / "book.xlsx", CREATED) as book:
        sheet = book.sheet("A")
        sheet.add(days)
        sheet.add([dt.timedelta(hours=30), 46112], styles=[xlsx.DURATION, xlsx.DATE])
    rows = _read(tmp_path / "book.xlsx")["A"]
    assert rows[0] == days
    # 46112 is Excel's serial day of 31 March 2026.
    assert rows[1][:2] == [dt.timedelta(hours=30), dt.date(2026, 3, 31)]


def _refusal(tmp_path: Path, values: list[object], name: str = "A") -> str:
    with pytest.raises(xlsx.Unwritable) as caught, xlsx.Workbook(tmp_path / "b.xlsx", CREATED) as b:
        b.sheet(name).add(values)
    return str(caught.value)


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([MARKER * 3000], "more than a cell holds"),
        ([MARKER + "\ud800"], "unpaired surrogate"),
        ([float("nan")], "not finite"),
        ([dt.date(1899, 12, 31)], "before 1900"),
        ([object()], "a value of type object"),
    ],
)
def test_values_a_workbook_cannot_hold_are_refused_unquoted(
    tmp_path: Path, values: list[object], said: str
) -> None:
    message = _refusal(tmp_path, values)
    assert said in message
    assert "sheet 1, row 1" in message
    assert MARKER not in message


@pytest.mark.parametrize("name", [f"{MARKER}[1]", f"'{MARKER}", MARKER * 3, "", f"{MARKER}\x01"])
def test_sheet_names_a_workbook_cannot_hold_are_refused_unquoted(tmp_path: Path, name: str) -> None:
    message = _refusal(tmp_path, ["x"], name)
    assert message.startswith("sheet 1's name")
    assert MARKER not in message or not name


def test_sheets_rows_in_order_and_names_apart(tmp_path: Path) -> None:
    with (
        pytest.raises(xlsx.Unwritable, match="comes after"),
        xlsx.Workbook(tmp_path / "a.xlsx", CREATED) as book,
    ):
        sheet = book.sheet("A")
        sheet.add(["x"], row=5)
        sheet.add(["y"], row=2)
    with (
        pytest.raises(xlsx.Unwritable, match="another sheet's"),
        xlsx.Workbook(tmp_path / "b.xlsx", CREATED) as book,
    ):
        book.sheet("List 1")
        book.sheet("LIST 1")
    with (
        pytest.raises(xlsx.Unwritable, match="closed"),
        xlsx.Workbook(tmp_path / "c.xlsx", CREATED) as book,
    ):
        first = book.sheet("A")
        book.sheet("B")
        first.add(["late"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_rows_give_the_same_bytes(tmp_path: Path) -> None:
    def write(path: Path, created: dt.datetime) -> Path:
        with xlsx.Workbook(path, created) as book:
            sheet = book.sheet("List 1")
            sheet.add(["Child Unique ID", "Date of Contact"], style=xlsx.BOLD)
            for n in range(2000):
                sheet.add([f"C{n}", dt.date(2025, 4, 1) + dt.timedelta(days=n % 365)])
        return path

    first = write(tmp_path / "1.xlsx", CREATED)
    assert _digest(first) == _digest(write(tmp_path / "2.xlsx", CREATED))
    assert _digest(first) != _digest(write(tmp_path / "3.xlsx", CREATED.replace(year=2025)))
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_council_workbook_that_cannot_be_written_again_is_not_copied(tmp_path: Path) -> None:
    """A cell longer than any workbook may hold (a hostile file, not Excel's) is refused at
    pseudonymisation, naming the file but never the text."""
    source = tmp_path / "annex.xlsx"
    with xlsx.Workbook(source, CREATED) as book:
        sheet = book.sheet("List 1")
        sheet.add(["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child"])
        sheet.add(["C1", "a) Male", "WBRI", dt.date(2015, 5, 1), 10])
        sheet.add(["C2", "b) Female", "PLACEHOLDER", dt.date(2016, 5, 1), 9])
    planted = tmp_path / "planted.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(planted, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"PLACEHOLDER", (MARKER * 3000).encode())
            new.writestr(info, data)
    assert annex_a.is_annex_a(annex_a.read(planted))
    result = pseudonymise_annex_a(planted, tmp_path / "out" / "annex.xlsx", b"k" * 32)
    assert result.dest is None
    assert "cannot be written again" in result.message
    assert str(planted) in result.message
    assert MARKER not in result.message
    assert not any((tmp_path / "out").rglob("*"))


def test_sheet_names_with_markup_read_back(tmp_path: Path) -> None:
    names = ["Contacts & referrals", 'List "3"', "<List 1>", "Liste d'été"]
    with xlsx.Workbook(tmp_path / "book.xlsx", CREATED) as book:
        for name in names:
            book.sheet(name).add([name])
    assert _read(tmp_path / "book.xlsx") == {name: [[name]] for name in names}
