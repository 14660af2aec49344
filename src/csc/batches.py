"""CIN census and Annex A drops on their way in: parsed rows into batch tables, checks, raw.

Both are read in Python (a locked-down XML parser, a workbook reader) rather than by DuckDB's
CSV reader, then follow the SSDA903's path: every new file of a kind lands in one batch
table per raw table (`batch_cin_<table>`, `batch_annex_a_<table>`, in the load's scratch
database: `warehouse.scratch`) with the file as a column, Great Expectations checks each
table for all files at once, and only files that pass are copied into the raw tables.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from csc import annex_a, annex_a_rules, cin, cin_rules, warehouse
from csc.pseudonymise import TOKEN_PATTERN
from csc.rules import CRITICAL, INFO, WARNING, Rule

LINEAGE = ("_row", "_file", "_la_code", "_reference_date", "_year_ending", "_sha256")
LINEAGE_TYPES = ("bigint", "varchar", "varchar", "date", "integer", "varchar")


@dataclass(frozen=True)
class Family:
    """One kind of nested return: its raw tables and how its frames name their columns."""

    name: str
    tables: dict[str, tuple[str, ...]]
    frame_names: dict[str, str]  # raw column -> batch and frame column
    raw_table: Callable[[str], str]
    rules_for: Callable[[str, Iterable[int]], list[Rule]]
    prepare_sql: Callable[[str, str], str]
    child: Callable[[str], str]  # the column naming the child in a table's frame

    def batch(self, table: str) -> str:
        return f"batch_{self.name}_{table}"

    def columns(self, table: str) -> list[str]:
        return [self.frame_names.get(c, c) for c in self.tables[table]]

    def extra(self, table: str) -> list[tuple[str, str]]:
        """Columns a table's batch has beyond the raw columns and the lineage."""
        return [("_la_number", "varchar")] if self.name == "cin" and table == "header" else []


CIN = Family(
    name="cin",
    tables=warehouse.CIN_TABLES,
    frame_names=cin.ELEMENTS,
    raw_table=warehouse.cin_table,
    rules_for=cin_rules.rules_for,
    prepare_sql=cin_rules.prepare_sql,
    child=lambda table: "_child" if table == "header" else cin_rules.CHILD,
)
ANNEX_A = Family(
    name="annex_a",
    tables=warehouse.ANNEX_A_TABLES,
    frame_names={},
    raw_table=warehouse.annex_a_table,
    rules_for=annex_a_rules.rules_for,
    prepare_sql=annex_a_rules.prepare_sql,
    child=lambda table: annex_a_rules.CHILD,
)
FAMILIES = (CIN, ANNEX_A)


class Buffer:
    """Parsed rows on their way into a family's batch tables, appended in large blocks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, family: Family, limit: int) -> None:
        self.con = con
        self.family = family
        self.limit = limit
        self.rows: dict[str, list[tuple]] = {table: [] for table in family.tables}
        self.held = 0
        # Parquet files parsed elsewhere, with their file's lineage, inserted a table at a time.
        self.files: dict[str, list[tuple[Path, tuple]]] = {table: [] for table in family.tables}
        self.held_files = 0
        for table, raw_columns in family.tables.items():
            columns = [
                f"{name} {'bigint' if raw.startswith('_') else 'varchar'}"
                for raw, name in zip(raw_columns, family.columns(table), strict=True)
            ]
            columns += [f"{n} {t}" for n, t in zip(LINEAGE, LINEAGE_TYPES, strict=True)]
            columns += [f"{n} {t}" for n, t in family.extra(table)]  # nosec B610 # not Django: a Family method
            con.execute(
                f"create or replace table {warehouse.SCRATCH}.{family.batch(table)} "
                f"({', '.join(columns)})"
            )

    def add(self, table: str, rows: list[tuple], lineage: tuple, extra: tuple = ()) -> None:
        """Append a file's rows; each gets its row number in the file, then `lineage`."""
        store = self.rows[table]
        for number, row in enumerate(rows, 1):
            store.append((*row, number, *lineage, *extra))
        self.held += len(rows)
        if self.held >= self.limit:
            self.flush()

    def add_parquet(self, table: str, path: Path, lineage: tuple) -> None:
        """Append a file's rows already in Parquet (its columns, then `_row`); the file is
        deleted once its rows are in."""
        self.files[table].append((path, lineage))
        self.held_files += 1
        if self.held_files >= FILES_PER_INSERT:
            self.flush()

    def _insert_files(self) -> None:
        for table, files in self.files.items():
            if not files:
                continue
            self.con.execute(
                "create or replace temp table parquet_lineage (path varchar, "
                + ", ".join(f"{n} {t}" for n, t in zip(LINEAGE[1:], LINEAGE_TYPES[1:], strict=True))
                + ")"
            )
            self.con.executemany(
                "insert into parquet_lineage values (?, ?, ?, ?, ?, ?)",
                [[str(path), *lineage] for path, lineage in files],
            )
            columns = ", ".join(f"parsed.{c}" for c in self.family.columns(table))
            kept = ", ".join(f"parquet_lineage.{n}" for n in LINEAGE[1:])
            # One statement for many files: each statement has a fixed cost that, a file and
            # a table at a time, outweighed the rows.
            self.con.execute(
                f"insert into {self.family.batch(table)} select {columns}, parsed._row, {kept} "
                "from read_parquet(?, filename = true) as parsed "
                "inner join parquet_lineage on parsed.filename = parquet_lineage.path",  # nosec B608 # our own table and column names; values are bound
                [[str(path) for path, _ in files]],
            )
            for path, _ in files:
                path.unlink()
            files.clear()
        self.con.execute("drop table if exists parquet_lineage")
        self.held_files = 0

    def flush(self) -> None:
        self._insert_files()
        for table, rows in self.rows.items():
            if not rows:
                continue
            names = self.family.columns(table) + list(LINEAGE)
            names += [n for n, _ in self.family.extra(table)]  # nosec B610 # not Django: a Family method
            frame = pd.DataFrame.from_records(rows, columns=names)
            self.con.register("parsed_rows", frame)
            self.con.execute(f"insert into {self.family.batch(table)} select * from parsed_rows")  # nosec B608 # our own table and column names; values are bound
            self.con.unregister("parsed_rows")
            rows.clear()
        self.held = 0


def lineage(drop) -> tuple:  # noqa: ANN001 - a load.DropFile; load imports this module
    return (drop.rel, drop.la_code, drop.reference_date, drop.year_ending, drop.sha256)


FILES_PER_INSERT = 500  # parsed Parquet files held before their rows go into DuckDB
PARALLEL_BYTES = 20 << 20  # below this much XML, starting worker processes costs more


@dataclass(frozen=True)
class ParsedCensus:
    """A census parsed into Parquet files, one per CIN table, under `folder`."""

    header: dict[str, str | None]
    rows: dict[str, int]
    children: int
    files: dict[str, Path]

    def discard(self) -> None:
        """Remove the rows' files: kept only until they are added."""
        for path in self.files.values():
            path.unlink(missing_ok=True)


def _parse(path: Path, out: Path) -> ParsedCensus | cin.RejectedXml:
    """Parse one census into Parquet files (the table's columns, then its row number).

    The rows of a region's census run to millions of small Python objects; written to
    Parquet where they are parsed, they go into DuckDB without ever being held by the
    loading process.
    """
    try:
        census = cin.parse(path)
    except cin.RejectedXml as exc:
        return exc
    except (OSError, ValueError, MemoryError, RecursionError) as exc:
        return cin.RejectedXml(
            "drop.unreadable", f"the census could not be read ({type(exc).__name__})"
        )
    files = {}
    for table, rows in census.tables.items():
        files[table] = out.with_name(f"{out.name}_{table}.parquet")
        _write_parquet(files[table], CIN, table, [(*row, n) for n, row in enumerate(rows, 1)])
    return ParsedCensus(
        census.header, {t: len(r) for t, r in census.tables.items()}, census.children, files
    )


def _write_parquet(path: Path, family: Family, table: str, rows: list[tuple]) -> None:
    """A table's rows (its raw columns, then the row's number in the file) as Parquet, under
    the names its batch table gives them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw_columns = family.tables[table]
    values = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(raw_columns) + 1)]
    arrays = {
        name: pa.array(column, type=pa.int64() if raw.startswith("_") else pa.string())
        for raw, name, column in zip(raw_columns, family.columns(table), values[:-1], strict=True)
    }
    arrays["_row"] = pa.array(values[-1], type=pa.int64())
    pq.write_table(pa.table(arrays), path)


@dataclass(frozen=True)
class ReadWorkbook:
    """A workbook read where it was found: its lists as found, each loadable list's rows
    (every column of its raw table, as the warehouse keeps it) moved into a Parquet file.

    Turning millions of cells into the raw tables' text is Python-bound: done here, in the
    worker that read the workbook, it runs on every core and the loading process only
    points DuckDB at the files.
    """

    book: annex_a.Workbook
    files: dict[int, Path]  # position of the sheet in book.sheets -> its rows
    rows: dict[int, int]

    def discard(self) -> None:
        """Remove the rows' files: kept only until they are added, or the file is refused."""
        for path in self.files.values():
            path.unlink(missing_ok=True)


def _read_workbook(path: Path, out: Path) -> ReadWorkbook | annex_a.RejectedWorkbook:
    try:
        book = annex_a.read(path)
    except annex_a.RejectedWorkbook as exc:
        return exc
    except (OSError, ValueError, MemoryError, RecursionError) as exc:
        return annex_a.RejectedWorkbook(
            "drop.unreadable", f"the file could not be read ({type(exc).__name__})"
        )
    read = ReadWorkbook(book, {}, {})
    try:
        for position, sheet in enumerate(book.sheets):
            if sheet.table is None or sheet.missing():
                continue
            rows = annex_a.table_rows(sheet)
            read.files[position] = out.with_name(f"{out.name}_list{position}.parquet")
            read.rows[position] = len(rows)
            _write_parquet(read.files[position], ANNEX_A, sheet.table, rows)
            # Its rows go on as the Parquet file; the header is all that is left to read.
            sheet.rows = sheet.rows[: sheet.header_row + 1]
    except BaseException:
        read.discard()
        raise
    return read


Prepared = ParsedCensus | cin.RejectedXml | ReadWorkbook | annex_a.RejectedWorkbook


def discard(prepared: Prepared | None) -> None:
    """Remove the rows' files of a nested file that will not be added (a twin of another)."""
    if isinstance(prepared, ParsedCensus | ReadWorkbook):
        prepared.discard()


def _prepare(file_format: str, path: Path, out: Path) -> Prepared:
    """One nested file made ready to add: a census parsed to Parquet, a workbook read and
    its lists' rows written to Parquet."""
    if file_format == "xml":
        return _parse(path, out)
    return _read_workbook(path, out)


def prepare_all(jobs: list[tuple[str, Path, Path]]) -> Iterator[Prepared]:
    """Each nested file (`(format, path, Parquet name)`: censuses and workbooks) made ready,
    in order; in worker processes (one per core) when there is much.

    Parsing XML and reading workbooks are Python-bound, so processes rather than threads;
    at most two files per worker are in flight.
    """
    workers = min(os.cpu_count() or 1, len(jobs))
    if workers < 2 or sum(path.stat().st_size for _, path, _ in jobs) < PARALLEL_BYTES:
        yield from (_prepare(*job) for job in jobs)
        return
    # spawn, not fork: the loading process holds a DuckDB connection and threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[tuple[str, Future]] = deque()
        queue = iter(jobs)
        for job in queue:
            pending.append((job[0], pool.submit(_prepare, *job)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            file_format, future = pending.popleft()
            try:
                result = future.result()
            except Exception as exc:  # a worker that died (memory, signal) fails its file only
                message = f"the file could not be read ({type(exc).__name__})"
                result = (
                    cin.RejectedXml("drop.unreadable", message)
                    if file_format == "xml"
                    else annex_a.RejectedWorkbook("drop.unreadable", message)
                )
            following = next(queue, None)
            if following is not None:
                pending.append((following[0], pool.submit(_prepare, *following)))
            yield result


def read_cin(drop, buffer: Buffer, census: ParsedCensus | cin.RejectedXml) -> None:  # noqa: ANN001
    """Add a parsed census; a file refused by the parser is failed here and adds no rows."""
    if isinstance(census, cin.RejectedXml):
        drop.fail(census.rule_id, CRITICAL, census.message)
        return
    drop.kind = "cin"
    drop.rows = census.children
    header = tuple(census.header.get(c) for c in warehouse.CIN_TABLES["header"])
    buffer.add("header", [header], lineage(drop), (drop.la_number,))
    drop.table_rows["header"] = 1
    for table, path in census.files.items():
        drop.table_rows[table] = census.rows[table]
        if census.rows[table]:
            buffer.add_parquet(table, path, lineage(drop))
        else:
            path.unlink()
    if not census.children:
        drop.fail("cin.no_children", WARNING, "the census holds no <Child>")


def _rows_not_tokens(sheet: annex_a.Sheet) -> list[int]:
    """Sheet rows of an unloaded list whose Child Unique ID is not a token."""
    position = sheet.columns["child_unique_id"]
    pattern = re.compile(TOKEN_PATTERN)
    bad = []
    for row_number, row in sheet.data():
        text = annex_a.cell_text(row[position] if position < len(row) else None)
        if text and not pattern.match(text):
            bad.append(row_number)
    return bad


def read_annex_a(drop, buffer: Buffer, read: ReadWorkbook | annex_a.RejectedWorkbook) -> None:  # noqa: ANN001
    """Add Lists 1-3 of a workbook read by `prepare_all`; note the lists it leaves and
    anything it cannot match. A workbook refused by the reader adds no rows, and the
    rows' files of a list not added are removed."""
    if isinstance(read, annex_a.RejectedWorkbook):
        drop.fail(read.rule_id, CRITICAL, read.message)
        return
    try:
        _add_workbook(drop, buffer, read)
    finally:
        read.discard()  # what the buffer took is no longer here


def _add_workbook(drop, buffer: Buffer, read: ReadWorkbook) -> None:  # noqa: ANN001
    book = read.book
    if not annex_a.is_annex_a(book):
        drop.fail(
            "annex_a.no_lists",
            CRITICAL,
            "no sheet is an Annex A List 1, 2 or 3 with a Child Unique ID column "
            f"({len(book.unrecognised)} sheet(s) of other names or headers)",
        )
        return
    drop.kind = "annex_a"
    twice = Counter(sheet.number for sheet in book.sheets)
    for number, count in sorted(twice.items()):
        if count > 1:
            drop.fail(
                "annex_a.list_twice",
                CRITICAL,
                f"List {number} is on {count} sheets: which one is meant is not for the loader "
                "to guess; keep one",
            )
    if drop.critical:
        return
    found = {sheet.table for sheet in book.sheets if sheet.table}
    for number, table in annex_a.LOADED_LISTS.items():
        if table not in found:
            drop.fail("annex_a.list_missing", WARNING, f"List {number} ({table}) is missing")
    for position, sheet in enumerate(book.sheets):
        if sheet.table is None:
            rows = len(sheet.data())
            drop.fail(
                "annex_a.list_not_loaded",
                INFO,
                f"List {sheet.number} ({rows} rows) is not loaded: the warehouse takes Lists 1-3",
            )
            for row in _rows_not_tokens(sheet)[:20]:
                drop.fail(
                    "annex_a.child_not_pseudonymised",
                    CRITICAL,
                    f"List {sheet.number}: Child Unique ID is not a pseudonymised token: run "
                    "`csc pseudonymise` before dropping",
                    row=row,
                )
            continue
        missing = sheet.missing()
        if missing:
            drop.fail(
                "annex_a.missing_columns",
                CRITICAL,
                f"List {sheet.number} has no column for " + ", ".join(missing),
            )
            continue
        if sheet.unknown:
            drop.fail(
                "annex_a.extra_columns",
                WARNING,
                f"List {sheet.number}: {len(sheet.unknown)} column(s) not in Annex A were ignored",
            )
        # The sheet's row number, as the council sees it, is the row's number in the file.
        rows = read.rows[position]
        drop.table_rows[sheet.table] = rows
        drop.rows += rows
        if rows:
            buffer.add_parquet(sheet.table, read.files.pop(position), lineage(drop))
    for number, _name in enumerate(book.unrecognised, 1):
        drop.fail(
            "annex_a.sheet_not_loaded",
            INFO,
            f"a sheet that is no Annex A list was ignored ({number} of {len(book.unrecognised)})",
        )


def write(con: duckdb.DuckDBPyConnection, family: Family, load_id: str) -> None:
    """Copy the rows of loaded files (temp table `loaded_files`) into the raw tables."""
    for table, raw_columns in family.tables.items():
        columns = ", ".join(f"b.{c}" for c in family.columns(table))
        con.execute(
            f"""
            insert into {family.raw_table(table)} ({", ".join(raw_columns)},
                _la_code, _reference_date, _collection_year, _load_id, _source_file,
                _file_sha256, _row_number)
            select {columns}, b._la_code, b._reference_date,
                printf('%d-%02d', b._year_ending - 1, b._year_ending % 100),
                ?, b._file, b._sha256, b._row
            from {family.batch(table)} as b
            where b._file in (select _file from loaded_files)
            """,  # nosec B608 # our own table and column names; values are bound
            [load_id],
        )
