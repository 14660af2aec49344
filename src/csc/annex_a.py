"""Ofsted Annex A workbooks: find Lists 1-3 and read them whatever the council calls columns.

A workbook has sheets "List 1" .. "List 11". The warehouse loads List 1 (contacts),
List 2 (early help assessments) and List 3 (referrals); the other lists are noted in the
load manifest and left alone. Councils' headers differ in case, spacing, punctuation and
wording, so a header is matched after normalising it against the known spellings below.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from csc.warehouse import ANNEX_A_TABLES

MAX_BYTES = 200 << 20
MAX_UNZIPPED_BYTES = 512 << 20  # a workbook is a zip: refuse one that inflates past this
MAX_RATIO = 100  # a part of a real workbook expands 5 to 30 times; a zip bomb thousands
RATIO_FROM_BYTES = 1 << 20  # small parts (styles, shared strings) may compress further
# A sheet is read as a dense grid from A1 to its last cell, so one cell far down and across
# a few-kilobyte sheet would need gigabytes. The largest council's List 1 for a year is about
# 60,000 rows of 20 columns; ten million cells leaves room for ten times that and stays a
# few hundred megabytes in memory.
MAX_SHEET_CELLS = 10_000_000
SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
HEADER_SEARCH_ROWS = 10  # some templates put a title above the header row
LOADED_LISTS = {1: "contacts", 2: "early_help", 3: "referrals"}
DATE_COLUMNS = {
    "date_of_birth",
    "date_of_contact",
    "assessment_start_date",
    "assessment_completion_date",
    "date_of_referral",
}
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

# Every spelling seen for each column, normalised (see `normalise`).
ALIASES: dict[str, tuple[str, ...]] = {
    "child_unique_id": (
        "child unique id",
        "child id",
        "unique child id",
        "la child id",
        "child identifier",
    ),
    "gender": ("gender", "sex"),
    "ethnicity": ("ethnicity", "ethnic origin"),
    "date_of_birth": ("date of birth", "dob", "birth date"),
    "age_of_child_years": ("age of child years", "age of child", "age years", "age"),
    "date_of_contact": ("date of contact", "contact date"),
    "contact_source": ("contact source", "source of contact"),
    "assessment_start_date": (
        "assessment start date",
        "early help assessment start date",
        "eh assessment start date",
    ),
    "assessment_completion_date": (
        "assessment completion date",
        "early help assessment completion date",
        "eh assessment completion date",
    ),
    "organisation_completing_assessment": (
        "organisation completing assessment",
        "organisation completing the assessment",
        "organisation",
    ),
    "date_of_referral": ("date of referral", "referral date"),
    "referral_source": ("referral source", "source of referral"),
    "referral_nfa": ("referral nfa", "nfa"),
    "number_of_referrals_in_last_12_months": (
        "number of referrals in last 12 months",
        "referrals in last 12 months",
    ),
    "allocated_team": ("allocated team", "team"),
    "allocated_worker": ("allocated worker", "allocated social worker", "worker"),
}
BY_SPELLING = {spelling: column for column, names in ALIASES.items() for spelling in names}


class RejectedWorkbook(Exception):
    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(rule_id, message)  # both, so it survives a trip between processes
        self.rule_id = rule_id
        self.message = message

    def __str__(self) -> str:
        return self.message


def normalise(header: object) -> str:
    """`  Referral NFA? ` -> `referral nfa`; `Age of Child (Years)` -> `age of child years`."""
    text = re.sub(r"[^0-9a-z]+", " ", str(header or "").lower())
    return " ".join(text.split())


def list_number(sheet_name: str) -> int | None:
    """`List 3`, `list3`, `LIST 3 - Referrals` -> 3."""
    match = re.match(r"^\s*list\s*(\d+)\b", sheet_name, re.IGNORECASE)
    return int(match.group(1)) if match else None


def cell_text(value: object) -> str | None:
    """A cell as the text the warehouse keeps: dates ISO, whole numbers without `.0`."""
    if type(value) is str:  # most cells: tested first, a workbook holds millions
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None


def _filled(value: object) -> bool:
    """Whether a cell holds anything (`cell_text` is not None), without building its text."""
    if value is None:
        return False
    if type(value) is str:
        return bool(value.strip())
    return cell_text(value) is not None


def date_text(value: object) -> str | None:
    """A date cell, or text written dd/mm/yyyy, as ISO; any other text is kept for the checks."""
    if isinstance(value, dt.date):  # a date cell needs no pattern
        return cell_text(value)
    text = cell_text(value)
    if text is None:
        return None
    match = UK_DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


@dataclass
class Sheet:
    """One list as found: which column holds what, and where the data starts."""

    name: str
    number: int
    header_row: int  # 0-based index of the header row
    columns: dict[str, int]  # warehouse column -> position
    unknown: list[str]
    rows: list[list[object]]

    @property
    def table(self) -> str | None:
        return LOADED_LISTS.get(self.number)

    def missing(self) -> list[str]:
        if self.table is None:
            return []
        return [c for c in ANNEX_A_TABLES[self.table] if c not in self.columns]

    def data(self) -> list[tuple[int, list[object]]]:
        """(sheet row number as Excel shows it, cells) for every non-empty row under the header."""
        first = self.header_row + 1
        return [
            (number, row)
            for number, row in enumerate(self.rows[first:], first + 1)
            if any(map(_filled, row))
        ]


@dataclass
class Workbook:
    sheets: list[Sheet] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # sheets that are no Annex A list


def _find_header(rows: list[list[object]]) -> tuple[int, dict[str, int], list[str]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for position, value in enumerate(row):
            spelling = normalise(value)
            if not spelling:
                continue
            column = BY_SPELLING.get(spelling)
            if column is None or column in columns:
                unknown.append(str(value).strip())
            else:
                columns[column] = position
        if "child_unique_id" in columns:
            return index, columns, unknown
    return None


_ROWS = re.compile(rb"<(?:\w+:)?row\b")
_CELLS = re.compile(rb"<(?:\w+:)?c\b")
_ROW_NUMBERS = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_CELL_REFS = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Za-z]+)(\d+)\"")
_ELEMENTS = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb"\br=\"([A-Za-z]*)(\d*)\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """The last row and column (1-based) a reader places a cell in, from a sheet's XML.

    Rows and cells normally carry their position (`r="C7"`); one without it follows the
    one before, as readers place it. The XML need not be well-formed: this only bounds
    what a reader would allocate, and a broken sheet is refused when it is read.
    """
    rows = _ROW_NUMBERS.findall(xml)
    refs = _CELL_REFS.findall(xml)
    if len(rows) == len(_ROWS.findall(xml)) and len(refs) == len(_CELLS.findall(xml)):
        last_row = max([int(r) for r in rows] + [int(r) for _, r in refs], default=0)
        last_column = max((_column_number(c) for c in {c for c, _ in refs}), default=0)
        return last_row, last_column
    last_row = last_column = row = column = 0
    for element in _ELEMENTS.finditer(xml):
        ref = _REF.search(element.group(2))
        if element.group(1) == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            column = 0
        else:
            if ref and ref.group(1):
                column = _column_number(ref.group(1))
                row = int(ref.group(2)) if ref.group(2) else row
            else:
                column += 1
            last_column = max(last_column, column)
        last_row = max(last_row, row)
    return last_row, last_column


def _check_zip(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RejectedWorkbook(
            "annex_a.file_too_large", f"the workbook is {size:,} bytes (limit {MAX_BYTES:,})"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            declared = sum(info.file_size for info in parts)
            if declared > MAX_UNZIPPED_BYTES:
                raise RejectedWorkbook(
                    "annex_a.file_too_large",
                    f"the workbook inflates to {declared:,} bytes (limit {MAX_UNZIPPED_BYTES:,})",
                )
            for info in parts:
                if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
                    info.compress_size, 1
                ):
                    ratio = info.file_size // max(info.compress_size, 1)
                    raise RejectedWorkbook(
                        "annex_a.too_compressed",
                        f"a part of the workbook expands {ratio:,} times (limit {MAX_RATIO})",
                    )
            # Sizes in a zip's directory can lie: inflate each part, counting, up to its
            # declared size, so what the reader is given is what was checked.
            for info in parts:
                inflated = 0
                sheet = SHEET_PART.match(info.filename) is not None
                blocks = []
                with archive.open(info) as part:
                    while block := part.read(1 << 20):
                        inflated += len(block)
                        if inflated > info.file_size:
                            raise RejectedWorkbook(
                                "annex_a.too_compressed",
                                "a part of the workbook inflates past the size it declares",
                            )
                        if sheet:
                            blocks.append(block)
                if sheet:
                    _check_extent(b"".join(blocks))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise RejectedWorkbook("annex_a.unreadable", "not a readable .xlsx workbook") from exc
    except OSError as exc:
        raise RejectedWorkbook("annex_a.unreadable", "not a readable .xlsx workbook") from exc


def _check_extent(xml: bytes) -> None:
    rows, columns = sheet_extent(xml)
    if rows * columns > MAX_SHEET_CELLS:
        raise RejectedWorkbook(
            "annex_a.sheet_too_large",
            f"a sheet reaches row {rows:,} and column {columns:,}: {rows * columns:,} cells "
            f"(limit {MAX_SHEET_CELLS:,})",
        )


def read(path: Path) -> Workbook:
    """Every Annex A list in the workbook, with its header matched."""
    from python_calamine import CalamineWorkbook

    _check_zip(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise RejectedWorkbook("annex_a.unreadable", "not a readable workbook") from exc
    out = Workbook()
    for name in book.sheet_names:
        number = list_number(name)
        if number is None:
            out.unrecognised.append(name)
            continue
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error types for broken sheets
            raise RejectedWorkbook(
                "annex_a.unreadable", "a sheet of the workbook is broken"
            ) from exc
        found = _find_header(rows)
        if found is None:
            out.unrecognised.append(name)
            continue
        header_row, columns, unknown = found
        out.sheets.append(Sheet(name, number, header_row, columns, unknown, rows))
    return out


def is_annex_a(book: Workbook) -> bool:
    return any(sheet.table for sheet in book.sheets)


def table_rows(sheet: Sheet) -> list[tuple]:
    """A loaded list's rows in the raw table's column order, then the sheet row number."""
    assert sheet.table is not None  # nosec B101 # narrows a type; holds by construction
    takes = [
        (sheet.columns.get(column), date_text if column in DATE_COLUMNS else cell_text)
        for column in ANNEX_A_TABLES[sheet.table]
    ]
    out = []
    for row_number, row in sheet.data():
        width = len(row)
        values = [
            convert(row[position]) if position is not None and position < width else None
            for position, convert in takes
        ]
        out.append((*values, row_number))
    return out


def rewrite(
    book: Workbook, dest: Path, change: dict[str, Callable[[object], object]]
) -> dict[str, int]:
    """Copy a workbook applying `change` (warehouse column -> function) to every list.

    Lists the warehouse does not load keep their header row only: their rows are not
    needed, and may hold identifiers. Returns the rows written per sheet.
    """
    from csc import xlsx

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    written: dict[str, int] = {}
    try:
        # A fixed creation time, so the same extract always gives the same bytes (and a
        # re-drop is recognised as a duplicate).
        with xlsx.Workbook(tmp, dt.datetime(2000, 1, 1)) as out:
            for sheet in sorted(book.sheets, key=lambda s: s.number):
                target = out.sheet(sheet.name[:31])
                by_position = {p: c for c, p in sheet.columns.items()}
                keep_rows = sheet.table is not None
                count = 0
                for index, row in enumerate(sheet.rows):
                    if index > sheet.header_row and not keep_rows:
                        break
                    if index > sheet.header_row and not any(cell_text(v) for v in row):
                        continue
                    values = []
                    for position, value in enumerate(row):
                        column = by_position.get(position)
                        if index > sheet.header_row and column in change:
                            value = change[column](value)
                        values.append(value.date() if isinstance(value, dt.datetime) else value)
                    target.add(values, row=index)
                    count += index > sheet.header_row
                written[sheet.name] = count
        tmp.replace(dest)
    except xlsx.Unwritable as exc:
        raise RejectedWorkbook("annex_a.unwritable", f"cannot be written again: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return written
