"""Load council drops into the raw tables: recognise, validate, load or quarantine.

The drop contract (docs/drop-contract.md): `drops/<ONS code>/<reference date>/<files>`.
Every file seen gets one row in `raw.load_manifest`; nothing in `drops/` is ever moved,
changed or deleted. A run is one transaction: a crash part-way leaves no trace and the next
run does the whole job again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from csc import batches, intake_rules, layout, reference, warehouse
from csc.pseudonymise import file_format
from csc.validate import Failure, Validator, prepare_sql

LOADED = "loaded"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
QUARANTINED = "quarantined"

CHUNK_ROWS = 250_000
BUFFER_ROWS = 200_000  # parsed CIN and Annex A rows held in Python before going to DuckDB
# Header first: episodes are checked against the Header of their own drop.
KIND_ORDER = ("header", "episodes")
CIN = batches.CIN.name
ANNEX_A = batches.ANNEX_A.name


@dataclass
class DropFile:
    """One file found in drops/ and everything learnt about it during the run."""

    path: Path
    rel: str
    sha256: str
    size: int
    mtime: float
    la_code: str | None = None
    reference_date: dt.date | None = None
    kind: str | None = None
    encoding: str = ""
    status: str = ""
    rows: int = 0
    read_from: Path | None = None
    recognition: layout.Recognition | None = None
    failures: list[Failure] = field(default_factory=list)
    file_format: str = "csv"
    table_rows: dict[str, int] = field(default_factory=dict)  # CIN and Annex A: rows per table

    @property
    def file_id(self) -> str:
        return hashlib.sha256(f"{self.rel}\0{self.sha256}".encode()).hexdigest()[:20]

    @property
    def year_ending(self) -> int | None:
        return reference.year_ending(self.reference_date) if self.reference_date else None

    @property
    def collection_year(self) -> str | None:
        year = self.year_ending
        return reference.collection_year_label(year) if year else None

    def fail(self, rule_id: str, severity: str, text: str, **kwargs: object) -> None:
        self.failures.append(Failure(self.rel, rule_id, severity, text, **kwargs))

    @property
    def la_number(self) -> str | None:
        council = reference.councils().get(self.la_code or "")
        return council.la_number if council else None

    @property
    def critical(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "critical"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "warning"]


@dataclass
class LoadReport:
    load_id: str
    files_seen: int
    new: list[DropFile]
    data_docs: Path | None = None

    def by_status(self, status: str) -> list[DropFile]:
        return [f for f in self.new if f.status == status]

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.new if f.status in (LOADED, SUPERSEDED))


Progress = Callable[[str, int, int], None]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def new_load_id() -> str:
    return "L" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


def scan(
    home: warehouse.Home, con: duckdb.DuckDBPyConnection, progress: Progress
) -> tuple[int, list[DropFile]]:
    """Every file under drops/ not seen before (a new path, or new bytes at a known path)."""
    known = set(con.sql("select path, sha256 from raw.load_manifest").fetchall())
    stats = con.sql("select path, bytes, mtime, sha256 from raw.file_stats").fetchall()
    seen = {(p, b, m): s for p, b, m, s in stats}
    paths = sorted(
        p
        for p in home.drops.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part")
    )
    new: list[DropFile] = []
    fresh_stats = []
    for done, path in enumerate(paths, 1):
        rel = path.relative_to(home.drops).as_posix()
        info = path.stat()
        sha = seen.get((rel, info.st_size, info.st_mtime))
        if sha is None:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            fresh_stats.append((rel, info.st_size, info.st_mtime, sha))
        if (rel, sha) not in known:
            new.append(DropFile(path, rel, sha, info.st_size, info.st_mtime))
        progress("scan", done, len(paths))
    if fresh_stats:
        con.execute(
            "delete from raw.file_stats where path in (select unnest(?))",
            [[row[0] for row in fresh_stats]],
        )
        _append(con, "raw.file_stats", fresh_stats)
    return len(paths), new


def place(drop: DropFile) -> None:
    """Read council and reference date from the file's place in drops/."""
    parts = drop.rel.split("/")
    if len(parts) != 3:
        drop.fail(
            "drop.misplaced",
            "critical",
            "files belong in drops/<ONS code>/<reference date YYYY-MM-DD>/",
        )
        return
    council, date_text, _ = parts
    if council not in reference.councils():
        drop.fail("drop.unknown_council", "critical", f"{council} is not a council of the region")
    try:
        drop.reference_date = dt.date.fromisoformat(date_text)
    except ValueError:
        drop.fail(
            "drop.bad_reference_date",
            "critical",
            f"folder {date_text!r} is not a reference date written YYYY-MM-DD",
        )
    else:
        if drop.reference_date > dt.date.today():
            drop.fail(
                "drop.bad_reference_date",
                "critical",
                f"reference date {date_text} is in the future: an extract covers days "
                "that have happened",
            )
    if council in reference.councils():
        drop.la_code = council


def recognise(drop: DropFile, work: Path) -> None:
    """Decode the file, recognise its layout and note how it departs from it."""
    data = drop.path.read_bytes()
    if not data.strip():
        drop.fail("structure.empty_file", "critical", "the file is empty")
        return
    decoded = layout.decode(data)
    drop.encoding = decoded.encoding
    header = layout.read_header(decoded.text)
    found = layout.recognise(header)
    drop.recognition = found
    if found.kind is None:
        drop.fail(
            "structure.unrecognised",
            "critical",
            f"none of {layout.KNOWN_LAYOUTS} has these columns: "
            + ", ".join(header)
            + f" (nearest: {', '.join(found.candidates)})",
        )
        return
    drop.kind = found.kind
    spec = layout.specs()[found.kind]
    if found.missing:
        drop.fail(
            "structure.missing_columns",
            "critical",
            f"looks like {found.kind} but lacks column(s) " + ", ".join(found.missing),
        )
    if found.duplicated:
        drop.fail(
            "structure.duplicate_columns",
            "critical",
            "column(s) appear twice: " + ", ".join(found.duplicated),
        )
    if found.extra:
        drop.fail(
            "structure.extra_columns",
            "warning",
            f"column(s) not in the {spec.title} layout were ignored, not loaded: "
            + ", ".join(found.extra),
        )
    if drop.year_ending and not spec.valid_in(drop.year_ending):
        drop.fail(
            "structure.table_not_in_year",
            "warning",
            f"the {found.kind} table is not part of the {drop.collection_year} return",
        )
    if decoded.is_plain_utf8:
        drop.read_from = drop.path
    else:
        drop.fail(
            "structure.encoding",
            "warning",
            f"the file is {decoded.encoding}, not UTF-8; it was read as {decoded.encoding}",
        )
        work.mkdir(parents=True, exist_ok=True)
        drop.read_from = work / f"{drop.file_id}.csv"
        drop.read_from.write_text(decoded.text, encoding="utf-8")


def read_batches(con: duckdb.DuckDBPyConnection, readable: list[DropFile]) -> set[str]:
    """Read every readable file into one temp table per kind: `batch_<kind>`."""
    groups: dict[tuple[str, tuple[str, ...]], list[DropFile]] = defaultdict(list)
    for drop in readable:
        assert drop.recognition is not None and drop.kind is not None
        groups[(drop.kind, drop.recognition.header)].append(drop)
    con.execute(
        "create or replace temp table batch_files (_path varchar, _file varchar, "
        "_la_code varchar, _reference_date date, _year_ending integer, _sha256 varchar)"
    )
    con.executemany(
        "insert into batch_files values (?, ?, ?, ?, ?, ?)",
        [
            (str(d.read_from), d.rel, d.la_code, d.reference_date, d.year_ending, d.sha256)
            for d in readable
        ],
    )
    by_rel = {d.rel: d for d in readable}
    by_read = {str(d.read_from): d for d in readable}
    kinds: set[str] = set()
    for number, ((kind, header), files) in enumerate(sorted(groups.items())):
        spec = layout.specs()[kind]
        names = [c if c in spec.columns else f"_extra_{i}" for i, c in enumerate(header)]
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        paths = "[" + ", ".join(f"'{str(d.read_from)}'" for d in files) + "]"
        group = f"group_{number}"
        con.execute(
            f"""
            create or replace temp table {group} as
            select * from read_csv({paths}, header = true, auto_detect = false,
                delim = ',', quote = '"', escape = '"', columns = {columns},
                filename = '_path', store_rejects = true,
                rejects_table = 'rejects_{number}', rejects_scan = 'rejects_scan_{number}')
            """
        )
        for path, line, message in con.sql(
            f"select s.file_path, e.line, min(e.error_message) from rejects_{number} e "
            f"join rejects_scan_{number} s using (scan_id, file_id) group by all order by all"
        ).fetchall():
            by_read[path].fail(
                "structure.unreadable_row",
                "critical",
                f"line {line} cannot be read as a row of the table: {message}",
                row=int(line),
            )
        selected = ", ".join(f'nullif(trim("{c}"), \'\') as "{c}"' for c in spec.columns)
        target = f"batch_{kind}"
        query = f"""
            select {selected}, f._file,
                cast(g.rowid - min(g.rowid) over (partition by g._path) + 2 as bigint) as _row,
                f._la_code, f._reference_date, f._year_ending, f._sha256
            from {group} as g join batch_files as f using (_path)
        """
        if kind in kinds:
            con.execute(f"insert into {target} {query}")
        else:
            con.execute(f"create or replace temp table {target} as {query}")
            kinds.add(kind)
        con.execute(f"drop table {group}")
    for rel, rows in con.sql(
        " union all ".join(f"select _file, count(*) from batch_{k} group by 1" for k in kinds)
        or "select null, null where false"
    ).fetchall():
        by_rel[rel].rows = rows
    return kinds


def _chunks(
    files: list[DropFile], rows: Callable[[DropFile], int] = lambda d: d.rows
) -> list[list[DropFile]]:
    """Whole files, grouped so that one validation frame stays under CHUNK_ROWS rows.

    All new files of a table are checked together, in as few Great Expectations runs as
    memory allows: a frame costs a few kilobytes a row in pandas.
    """
    out: list[list[DropFile]] = []
    size = 0
    for drop in files:
        if not out or size + rows(drop) > CHUNK_ROWS:
            out.append([])
            size = 0
        out[-1].append(drop)
        size += rows(drop)
    return out


def header_rows(con: duckdb.DuckDBPyConnection, kinds: set[str]) -> str:
    """Header rows of the drops in this batch: new ones, and those already loaded."""
    con.execute(
        """
        create or replace temp table batch_header_rows as
        select _la_code, _reference_date, "CHILD", "DOB" from raw.ssda903_header
        where (_la_code, _reference_date) in (select _la_code, _reference_date from batch_files)
        """
    )
    if "header" in kinds:
        con.execute(
            'insert into batch_header_rows select _la_code, _reference_date, "CHILD", "DOB" '
            "from batch_header"
        )
    return "batch_header_rows"


def supersede(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> None:
    """For each council, collection year and table, the latest reference date wins.

    A resubmission for the same reference date (new bytes) replaces the earlier file.
    """
    con.execute(
        """
        update raw.load_manifest as m
        set status = r.new_status, status_changed_at = ?
        from (
            select file_id,
                case when row_number() over (
                    partition by la_code, collection_year, kind
                    order by reference_date desc, first_seen_at desc, path desc
                ) = 1 then 'loaded' else 'superseded' end as new_status
            from raw.load_manifest
            where status in ('loaded', 'superseded')
        ) as r
        where m.file_id = r.file_id and m.status <> r.new_status
        """,
        [now],
    )


def _summary(drop: DropFile) -> str:
    if drop.status == DUPLICATE:
        return drop.failures[0].text if drop.failures else "identical to a file already loaded"
    parts = []
    by_rule: dict[str, list[Failure]] = defaultdict(list)
    for failure in drop.failures:
        by_rule[failure.rule_id].append(failure)
    for rule_id, items in by_rule.items():
        rows = [str(f.row) for f in items if f.row is not None]
        where = f" (rows {', '.join(rows[:5])}{', ...' if len(rows) > 5 else ''})" if rows else ""
        parts.append(f"{items[0].severity} {rule_id}: {len(items)}{where}")
    return "; ".join(parts)


def load(home: warehouse.Home, progress: Progress = _quiet, data_docs: bool = True) -> LoadReport:
    """Scan drops/, check every new file and load those that pass, in one transaction."""
    con = warehouse.connect(home)
    try:
        return _load(home, con, progress, data_docs)
    finally:
        con.close()


def _load(
    home: warehouse.Home, con: duckdb.DuckDBPyConnection, progress: Progress, data_docs: bool
) -> LoadReport:
    load_id = new_load_id()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        files_seen, new = scan(home, con, progress)
        report = LoadReport(load_id, files_seen, new)
        # A re-drop is the same bytes for the same council and collection year.
        previous = {
            (la, year, sha): path
            for la, year, sha, path in con.sql(
                "select la_code, collection_year, sha256, min(path) from raw.load_manifest "
                "where status in ('loaded', 'superseded') group by all"
            ).fetchall()
        }
        work = home.work / load_id
        readable: list[DropFile] = []
        buffers = {f.name: batches.Buffer(con, f, BUFFER_ROWS) for f in batches.FAMILIES}
        candidates: list[DropFile] = []
        for drop in new:
            place(drop)
            same = previous.get((drop.la_code, drop.collection_year, drop.sha256))
            if same and not drop.critical:
                drop.status = DUPLICATE
                drop.fail("drop.duplicate", "warning", f"byte-identical to {same}, already loaded")
                continue
            if drop.critical:
                drop.status = QUARANTINED
                continue
            drop.file_format = file_format(drop.path)
            candidates.append(drop)
        work.mkdir(parents=True, exist_ok=True)
        xml = [d for d in candidates if d.file_format == "xml"]
        censuses = batches.parse_all([d.path for d in xml], [work / d.file_id for d in xml])
        for done, drop in enumerate(candidates, 1):
            census = next(censuses) if drop.file_format == "xml" else None
            # The same bytes twice in one run: the second is a duplicate of the first.
            same = previous.get((drop.la_code, drop.collection_year, drop.sha256))
            if same:
                drop.status = DUPLICATE
                drop.fail("drop.duplicate", "warning", f"byte-identical to {same}, already loaded")
                continue
            if census is not None:
                batches.read_cin(drop, buffers[CIN], census)
            elif drop.file_format == "xlsx":
                batches.read_annex_a(drop, buffers[ANNEX_A])
            else:
                recognise(drop, work)
            if drop.critical:
                drop.status = QUARANTINED
            else:
                previous[(drop.la_code, drop.collection_year, drop.sha256)] = drop.rel
                readable.append(drop)
            progress("recognise", done, len(candidates))

        for buffer in buffers.values():
            buffer.flush()
        flat = [d for d in readable if d.file_format == "csv"]
        nested = [d for d in readable if d.file_format != "csv"]
        kinds = read_batches(con, flat) if flat else set()
        validator = Validator(home.data_docs if data_docs else None) if readable else None
        headers = header_rows(con, kinds) if kinds else None
        by_rel = {d.rel: d for d in readable}
        ordered = sorted(kinds, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 9, k))
        chunks = [
            (kind, files)
            for kind in ordered
            for files in _chunks([d for d in readable if d.kind == kind and d.rows])
        ]
        for done, (kind, files) in enumerate(chunks, 1):
            assert validator is not None
            con.execute("create or replace temp table chunk_files (_file varchar)")
            _append(con, "chunk_files", [(d.rel,) for d in files])
            con.execute(
                f"create or replace temp table chunk_{kind} as select * from batch_{kind} "
                "where _file in (select _file from chunk_files)"
            )
            frame = con.sql(prepare_sql(kind, f"chunk_{kind}", headers)).df()
            con.execute(f"drop table chunk_{kind}")
            for failure in validator.validate(kind, frame):
                by_rel[failure.file].failures.append(failure)
            del frame
            progress("validate", done, len(chunks))

        if nested:
            assert validator is not None
            _validate_nested(con, validator, nested, progress)

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for drop in readable:
            drop.status = QUARANTINED if drop.critical else LOADED
        _write(con, load_id, readable, kinds, report, now)
        for family in batches.FAMILIES:
            batches.write(con, family, load_id)
        supersede(con, now)
        con.execute("delete from raw.load_rules")
        _append(con, "raw.load_rules", intake_rules.catalogue())
        con.execute(
            "insert into raw.load_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                started,
                now,
                files_seen,
                len(new),
                len(report.by_status(LOADED)),
                len(report.by_status(QUARANTINED)),
                len(report.by_status(DUPLICATE)),
                report.rows_loaded,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if validator is not None:
        report.data_docs = validator.build_docs()
    _tidy(work)
    # Statuses after supersession, for the report.
    current = dict(
        con.sql(
            "select file_id, status from raw.load_manifest where load_id = ?", params=[load_id]
        ).fetchall()
    )
    for drop in new:
        drop.status = current.get(drop.file_id, drop.status)
    return report


def _validate_nested(
    con: duckdb.DuckDBPyConnection, validator: Validator, nested: list[DropFile], progress: Progress
) -> None:
    """Check every CIN and Annex A table for all new files at once, in chunks of whole files."""
    by_rel = {d.rel: d for d in nested}
    work = []
    for family in batches.FAMILIES:
        for table in family.tables:
            files = [d for d in nested if d.kind == family.name and d.table_rows.get(table)]
            for chunk in _chunks(files, lambda d, t=table: d.table_rows[t]):
                work.append((family, table, chunk))
    for done, (family, table, files) in enumerate(work, 1):
        con.execute("create or replace temp table chunk_files (_file varchar)")
        _append(con, "chunk_files", [(d.rel,) for d in files])
        frame = con.sql(
            f"select * from ({family.prepare_sql(table, f'batch_{family.name}')}) "
            "where _file in (select _file from chunk_files) order by _file, _row"
        ).df()
        years = [int(y) for y in frame["_year_ending"].dropna().unique()] or [2000]
        for failure in validator.check(
            f"{family.name}_{table}",
            family.rules_for(table, years),
            frame,
            child=family.child(table),
        ):
            by_rel[failure.file].failures.append(failure)
        del frame
        progress("validate", done, len(work))


def _write(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    readable: list[DropFile],
    kinds: set[str],
    report: LoadReport,
    now: dt.datetime,
) -> None:
    loaded = [d.rel for d in readable if d.status == LOADED]
    con.execute("create or replace temp table loaded_files (_file varchar)")
    if loaded:
        con.executemany("insert into loaded_files values (?)", [(r,) for r in loaded])
    for kind in kinds:
        spec = layout.specs()[kind]
        columns = ", ".join(f'"{c}"' for c in spec.columns)
        con.execute(
            f"""
            insert into {warehouse.raw_table(kind)}
            select {columns}, b._la_code, b._reference_date,
                printf('%d-%02d', b._year_ending - 1, b._year_ending % 100),
                ?, b._file, b._sha256, b._row
            from batch_{kind} as b
            where b._file in (select _file from loaded_files)
            """,
            [load_id],
        )
    manifest = []
    failures = []
    for drop in report.new:
        manifest.append(
            (
                drop.file_id,
                drop.la_code,
                drop.reference_date,
                drop.collection_year,
                drop.kind,
                drop.rel,
                drop.sha256,
                drop.size,
                drop.rows,
                drop.encoding or None,
                drop.status,
                len(drop.critical),
                len(drop.warnings),
                _summary(drop) or None,
                load_id,
                now,
                now if drop.status == LOADED else None,
                now,
            )
        )
        failures.extend(
            (
                drop.file_id,
                drop.rel,
                drop.la_code,
                drop.reference_date,
                drop.kind,
                f.rule_id,
                f.severity,
                f.row,
                f.child,
                f.values or None,
                f.text,
                load_id,
            )
            for f in drop.failures
        )
    _append(con, "raw.load_manifest", manifest)
    _append(con, "raw.load_failures", failures)


def _append(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append many rows at once through a frame (row-by-row inserts are slow)."""
    if not rows:
        return
    names = con.sql(f"select * from {table} limit 0").columns
    frame = pd.DataFrame.from_records(rows, columns=names)
    con.register("appended_rows", frame)
    con.execute(f"insert into {table} select * from appended_rows")
    con.unregister("appended_rows")


def _tidy(work: Path) -> None:
    if work.exists():
        for path in work.iterdir():
            path.unlink()
        os.rmdir(work)
