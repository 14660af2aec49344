"""A small writer of .xlsx workbooks: the synthetic Annex A workbooks and the pseudonymised
copies of councils' own.

A workbook is a zip of XML parts (ECMA-376, Office Open XML, part 1). This writes only what
those workbooks need: sheets of rows, cells holding text, numbers, booleans, dates and
times, a bold header and a date format. Text goes inline in each cell (no shared string
table), so a sheet streams to disk row by row in constant memory, and the bytes depend only
on what is written and the `created` time, never on when or where: the same extract
pseudonymised twice gives the same file, so a re-drop is recognised as a duplicate.

Values a workbook cannot hold (text longer than a cell allows, characters XML cannot
carry, a number that is not finite, a date before 1900) raise `Unwritable`, whose message
names the sheet, row and column but never quotes the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767  # characters in one cell
# Styles (the cellXfs of styles.xml, by position).
PLAIN, BOLD, DATE, DATETIME, TIME, DURATION = range(6)
# Excel's 1900 date system: serial day 1 is 1 January 1900, and Excel counts a 29 February
# 1900 that never was (serial 60), so from 1 March 1900 serials count from 30 December 1899.
# Dates before 1900 it cannot hold.
EPOCH = dt.date(1899, 12, 30)
FIRST_DATE = dt.date(1900, 1, 1)
LEAP_BUG = dt.date(1900, 3, 1)
# Characters XML 1.0 cannot carry, and a literal that looks like Excel's own escape: both
# written as _xHHHH_, which Excel and readers such as calamine turn back into the character.
# A carriage return is escaped too, since XML parsers turn it into a line feed.
_ESCAPED = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries' time: the earliest a zip can hold


class Unwritable(ValueError):
    """A value a workbook cannot hold; the message never quotes it."""


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLUMNS: list[str] = []


def column_letters(position: int) -> str:
    """The letters of the 0-based column `position` (0 is A)."""
    while len(_COLUMNS) <= position:
        _COLUMNS.append(_column(len(_COLUMNS) + 1))
    return _COLUMNS[position]


def escape(text: str) -> str:
    """Text made safe between XML tags (and, with quotes, in a double-quoted attribute)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _escape_char(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()[0]):04X}_"


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise Unwritable(f"text of {len(value):,} characters, more than a cell holds")
    if _SURROGATE.search(value):
        raise Unwritable("text with an unpaired surrogate, which UTF-8 cannot carry")
    return escape(_ESCAPED.sub(_escape_char, value))


def _number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise Unwritable("a number that is not finite")
    return repr(float(value)) if isinstance(value, float) else str(value)


def _serial(value: dt.date) -> int:
    if value < FIRST_DATE:
        raise Unwritable("a date before 1900, which a workbook cannot hold")
    return (value - EPOCH).days - (value < LEAP_BUG)


def cell(reference: str, value: object, style: int = PLAIN) -> str:
    """The XML of one cell at `reference` (A1), or "" for an empty one."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _INLINE.format(reference, s, _text(value))
    if isinstance(value, bool):
        return f'<c r="{reference}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"{s}><v>{_number(value)}</v></c>'
    if isinstance(value, dt.datetime):
        day = _serial(value.date())
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{reference}" s="{DATETIME}"><v>{_number(day + seconds / 86400)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{reference}" s="{DATE}"><v>{_serial(value)}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{reference}" s="{TIME}"><v>{_number(seconds / 86400)}</v></c>'
    if isinstance(value, dt.timedelta):
        return (
            f'<c r="{reference}" s="{DURATION}"><v>{_number(value / dt.timedelta(days=1))}</v></c>'
        )
    raise Unwritable(f"a value of type {type(value).__name__}")


class Sheet:
    """One sheet being written: rows go to the workbook's file as they are added."""

    def __init__(self, book: Workbook, name: str, number: int) -> None:
        self.name = name
        self.number = number
        self._book = book
        self._next = 0
        self._buffer: list[str] = []
        self._size = 0

    def add(
        self,
        values: Sequence[object],
        row: int | None = None,
        style: int = PLAIN,
        styles: Sequence[int] | None = None,
    ) -> None:
        """Add a row of values at `row` (0-based; default: after the last row), leaving None
        and "" empty. Rows go in increasing order. `style` styles every cell, or `styles`
        each cell by position (DATE on a number writes an Excel serial day as a date);
        dates and times take their own."""
        if self._book._current is not self:
            raise Unwritable(f"sheet {self.number} is closed: a later sheet was begun")
        number = self._next if row is None else row
        if number < self._next:
            raise Unwritable(f"sheet {self.number}: row {number + 1} comes after a later row")
        if number >= MAX_ROWS or len(values) > MAX_COLUMNS:
            raise Unwritable(f"sheet {self.number}: row {number + 1} is beyond a sheet's limits")
        line = number + 1
        try:
            cells = "".join(
                cell(
                    f"{column_letters(position)}{line}",
                    value,
                    style if styles is None else styles[position],
                )
                for position, value in enumerate(values)
                if value is not None
            )
        except Unwritable as exc:
            raise Unwritable(f"sheet {self.number}, row {line}: {exc}") from None
        self._next = line
        text = f'<row r="{line}">{cells}</row>'
        self._buffer.append(text)
        self._size += len(text)
        if self._size > 1 << 20:
            self._flush()

    def _flush(self) -> None:
        self._book._part.write("".join(self._buffer).encode())
        self._buffer.clear()
        self._size = 0


class Workbook:
    """A workbook written to `path` as sheets are added, in constant memory:

        with Workbook(path, created) as book:
            sheet = book.sheet("List 1")
            sheet.add(["Child ID", "Date of Birth"], style=BOLD)
            sheet.add(["C1", dt.date(2015, 4, 1)])

    The file is complete only when the block ends without an exception; callers that must
    never leave a partial file write to a temporary name and rename it.
    """

    def __init__(self, path: Path, created: dt.datetime) -> None:
        self.created = created
        self._archive = zipfile.ZipFile(path, "w", compresslevel=6)
        self._names: list[str] = []
        self._current: Sheet | None = None
        self._part = None

    def sheet(self, name: str) -> Sheet:
        """Begin the next sheet, ending the one before."""
        _check_name(name, len(self._names) + 1, self._names)
        self._end_sheet()
        self._names.append(name)
        self._part = self._archive.open(_entry(f"xl/worksheets/sheet{len(self._names)}.xml"), "w")
        self._part.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
        self._current = Sheet(self, name, len(self._names))
        return self._current

    def _end_sheet(self) -> None:
        if self._current is not None:
            self._current._flush()
            self._part.write(b"</sheetData></worksheet>")
            self._part.close()
            self._current = self._part = None

    def close(self) -> None:
        try:
            self._end_sheet()
            if not self._names:
                self.sheet("Sheet1")
                self._end_sheet()
            for name, text in _parts(self._names, self.created):
                self._archive.writestr(_entry(name), text.encode())
        finally:
            self._archive.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            if self._part is not None:
                self._part.close()
            self._archive.close()


_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _check_name(name: str, number: int, before: Sequence[str]) -> None:
    if not name or len(name) > 31 or _SHEET_NAME.search(name) or name.strip("'") != name:
        raise Unwritable(f"sheet {number}'s name cannot name a sheet")
    if _ESCAPED.search(name) or _SURROGATE.search(name):
        raise Unwritable(f"sheet {number}'s name holds characters a sheet's name cannot")
    if name.casefold() in {other.casefold() for other in before}:
        raise Unwritable(f"sheet {number}'s name is another sheet's")


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="[h]:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_INLINE = '<c r="{}"{} t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>'
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _parts(names: Sequence[str], created: dt.datetime) -> Iterable[tuple[str, str]]:
    count = len(names)
    yield (
        "[Content_Types].xml",
        _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        + '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
    )
    yield (
        "_rels/.rels",
        _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>",
    )
    stamp = created.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    yield (
        "docProps/core.xml",
        _HEAD + "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>",
    )
    yield (
        "xl/workbook.xml",
        _HEAD
        + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>",
    )
    yield (
        "xl/_rels/workbook.xml.rels",
        _HEAD
        + f'<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
    )
    yield "xl/styles.xml", _STYLES


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info
