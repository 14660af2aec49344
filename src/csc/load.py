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
import re
import shutil
import stat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from csc import batches, intake_rules, layout, reference, stamp, warehouse
from csc.crash import crash_point
from csc.dfe import engine as dfe_engine
from csc.pseudonymise import TOKEN_PATTERN, file_format
from csc.validate import Failure, Validator, prepare_sql, set_aside_sql

LOADED = "loaded"
RESTORED = "restored"  # bytes of an earlier version dropped again: that version is current
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
QUARANTINED = "quarantined"

CHUNK_ROWS = 250_000
DOCS_PENDING = "data_docs_pending"
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
    rows: int = 0  # rows loaded, or read when the file is not loaded
    rows_set_aside: int = 0  # rows read that could not be keyed, so were not loaded
    read_from: Path | None = None
    recognition: layout.Recognition | None = None
    failures: list[Failure] = field(default_factory=list)
    file_format: str = "csv"
    table_rows: dict[str, int] = field(default_factory=dict)  # CIN and Annex A: rows per table
    copy: Path | None = None  # the loader's own copy, under a safe name, of what was hashed

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


MAX_FILE_BYTES = 1 << 30  # anything larger is refused unread (the CIN census has the same)
MAX_CSV_BYTES = 256 << 20  # a whole council-year of SSDA903 episodes is a few megabytes
MAX_COLUMNS = 200  # the widest layout has 17 columns
MAX_LINE_BYTES = 64 << 10  # no row of a layout comes near this
# Quarantines that depend on the file's folder rather than its bytes: such a file is looked
# at again on every run, since removing its twin or stamping the folder can clear it.
FOLDER_RULES = ("drop.ambiguous", "drop.not_stamped", "drop.wrong_council", "drop.bad_stamp")


def shown_name(name: str) -> str:
    """A name as it may be recorded and printed: control characters and bytes that are not
    text escaped, so nothing a name holds can act on a terminal or a page."""
    return "".join(
        c if c.isprintable() and not ("\ud800" <= c <= "\udfff") else f"\\x{ord(c):02x}"
        for c in name
    )


def _entries(root: Path) -> list[tuple[Path, os.stat_result]]:
    """Every entry under `root` but folders and hidden names, never following a link."""
    out = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == stamp.STAMP_NAME:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                stack.append(Path(entry.path))
            else:
                out.append((Path(entry.path), info))
    return sorted(out)


def _copy(path: Path, dest: Path) -> str:
    """Copy a regular file to `dest`, hashing what was copied; never follows a link.

    What the loader checks and loads is this copy, so a file changed or removed in drops/
    while the run goes on cannot differ from what was hashed.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise IsADirectoryError(path)
        digest = hashlib.sha256()
        with open(dest, "wb") as out:
            while block := os.read(handle, 1 << 20):
                digest.update(block)
                out.write(block)
        return digest.hexdigest()
    finally:
        os.close(handle)


def scan(
    home: warehouse.Home, con: duckdb.DuckDBPyConnection, work: Path, progress: Progress
) -> tuple[int, list[DropFile], list[tuple]]:
    """Every file under drops/ whose bytes differ from what was last seen at its path.

    New and changed files are copied into `work` under safe names while they are hashed;
    links, devices, files too large and names that are not plain text are refused unread.
    A file quarantined for its folder (see FOLDER_RULES) is looked at again.
    """
    stats = con.sql("select path, bytes, mtime, sha256 from raw.file_stats").fetchall()
    seen = {(p, b, m): s for p, b, m, s in stats}
    last = {p: s for p, _, _, s in stats}
    retry = {
        (path, sha)
        for path, sha in con.sql(
            "select distinct m.path, m.sha256 from raw.load_failures as f "
            "join raw.load_manifest as m using (file_id) "
            "where m.status = 'quarantined' and f.rule_id in (select unnest(?))",
            params=[list(FOLDER_RULES)],
        ).fetchall()
    }
    entries = _entries(home.drops)
    new: list[DropFile] = []
    fresh_stats = []
    work.mkdir(parents=True, exist_ok=True)
    for done, (path, info) in enumerate(entries, 1):
        progress("scan", done, len(entries))
        literal = path.relative_to(home.drops).as_posix()
        rel = shown_name(literal)
        # What was last seen at a path is kept under the path itself, or for a name that is
        # shown escaped (and may then read like another file's name) under its bytes, which
        # no relative path can spell: the key is one file's alone.
        key = rel if rel == literal else "/" + os.fsencode(literal).hex()
        drop = DropFile(path, rel, "", info.st_size, info.st_mtime)
        if rel != literal:
            drop.fail(
                "drop.bad_name",
                "critical",
                "the name holds control characters or bytes that are not text; rename the file",
            )
        elif not stat.S_ISREG(info.st_mode):
            drop.fail(
                "drop.not_a_regular_file",
                "critical",
                "a link, device or other special file is never read: drop the file itself",
            )
        elif info.st_size > MAX_FILE_BYTES:
            drop.fail(
                "drop.too_large",
                "critical",
                f"the file is {info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
            )
        if drop.failures:
            if last.get(key) != "":
                new.append(drop)
                fresh_stats.append((key, info.st_size, info.st_mtime, ""))
            continue
        sha = seen.get((key, info.st_size, info.st_mtime))
        if sha is not None and last.get(key) == sha and (rel, sha) not in retry:
            continue
        drop.copy = work / f"{len(new):06d}.drop"
        try:
            drop.sha256 = _copy(path, drop.copy)
        except FileNotFoundError:
            drop.fail("drop.vanished", "critical", "the file disappeared before it could be read")
        except OSError as exc:
            drop.fail(
                "drop.unreadable",
                "critical",
                f"the file could not be opened ({type(exc).__name__})",
            )
        if drop.failures:
            drop.copy.unlink(missing_ok=True)
            drop.copy = None
            new.append(drop)
            continue
        fresh_stats.append((key, info.st_size, info.st_mtime, drop.sha256))
        if last.get(key) == drop.sha256 and (rel, drop.sha256) not in retry:
            drop.copy.unlink()
            continue
        new.append(drop)
    return len(entries), new, fresh_stats


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
        drop.fail("drop.unknown_council", "critical", "the folder is not a council of the region")
    try:
        drop.reference_date = dt.date.fromisoformat(date_text)
    except ValueError:
        drop.fail(
            "drop.bad_reference_date",
            "critical",
            "the folder is not a reference date written YYYY-MM-DD",
        )
    else:
        first, last = reference.covered_reference_dates()
        if not first <= drop.reference_date <= min(last, dt.date.today()):
            drop.fail(
                "drop.reference_date_out_of_range",
                "critical",
                f"reference date {drop.reference_date.isoformat()} is in the future or outside "
                f"the collection years the warehouse covers ({first.isoformat()} to "
                f"{last.isoformat()}, and no later than today)",
            )
            drop.reference_date = None
    if council in reference.councils():
        drop.la_code = council


def check_stamp(drop: DropFile, stamps: dict[Path, stamp.Stamp | None | stamp.BadStamp]) -> None:
    """Refuse a file the folder's stamp does not list for the folder's council."""
    folder = drop.path.parent
    if folder not in stamps:
        try:
            stamps[folder] = stamp.read(folder)
        except stamp.BadStamp as exc:
            stamps[folder] = exc
    found = stamps[folder]
    if isinstance(found, stamp.BadStamp):
        drop.fail("drop.bad_stamp", "critical", f"{stamp.STAMP_NAME}: {found}")
    elif found is None or drop.sha256 not in found.files:
        drop.fail(
            "drop.not_stamped",
            "critical",
            f"the folder's {stamp.STAMP_NAME} does not list this file: run `csc pseudonymise` "
            "for this council and drop what it writes",
        )
    elif found.la_code != drop.la_code:
        drop.fail(
            "drop.wrong_council",
            "critical",
            f"the file was pseudonymised for {found.la_code}, not for the folder's council "
            f"{drop.la_code}",
        )


def recognise(drop: DropFile, work: Path) -> None:
    """Decode the file, recognise its layout and note how it departs from it."""
    assert drop.copy is not None  # nosec B101 # narrows a type; holds by construction
    if drop.size > MAX_CSV_BYTES:
        drop.fail(
            "drop.too_large",
            "critical",
            f"the file is {drop.size:,} bytes; a CSV extract over {MAX_CSV_BYTES:,} is refused",
        )
        return
    data = drop.copy.read_bytes()
    if not data.strip():
        drop.fail("structure.empty_file", "critical", "the file is empty")
        return
    decoded = layout.decode(data)
    drop.encoding = decoded.encoding
    if "\x00" in decoded.text:
        drop.fail("structure.nul_bytes", "critical", "the file holds NUL bytes: it is not text")
        return
    text = decoded.text
    # Lines must end all in LF or all in CRLF; a mix, or CR alone (old Mac exports), is
    # read with every kind of line end as one.
    crlf = text.count("\r\n")
    mixed = "\r" in text and (text.count("\r") != crlf or text.count("\n") != crlf)
    if mixed:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    longest = max(map(len, text.splitlines()), default=0)
    if longest > MAX_LINE_BYTES:
        drop.fail(
            "structure.line_too_long",
            "critical",
            f"a line is {longest:,} characters long; the limit is {MAX_LINE_BYTES:,}",
        )
        return
    header = layout.read_header(text)
    if len(header) > MAX_COLUMNS:
        drop.fail(
            "structure.too_many_columns",
            "critical",
            f"the header has {len(header):,} columns; the limit is {MAX_COLUMNS}",
        )
        return
    found = layout.recognise(header)
    drop.recognition = found
    if found.kind is None:
        known = [c for c in found.header if c in layout.known_columns()]
        drop.fail(
            "structure.unrecognised",
            "critical",
            f"the header has {len(header)} column(s), {len(known)} of them known column "
            f"names{': ' + ', '.join(known) if known else ''}; none of "
            f"{layout.KNOWN_LAYOUTS} matches (nearest: {', '.join(found.candidates)})",
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
            # Only the layout's own column names are named: any other header is the file's
            # content, so it is given by position.
            "column(s) appear twice: "
            + ", ".join(
                c
                if c in layout.known_columns()
                else "column number "
                + " and ".join(str(i + 1) for i, h in enumerate(found.header) if h == c)
                for c in found.duplicated
            ),
        )
    if found.extra:
        positions = [str(i + 1) for i, c in enumerate(found.header) if c in found.extra]
        drop.fail(
            "structure.extra_columns",
            "warning",
            f"{len(found.extra)} column(s) not in the {spec.title} layout were ignored, not "
            f"loaded (column number {', '.join(positions)})",
        )
    if drop.year_ending and not spec.valid_in(drop.year_ending):
        drop.fail(
            "structure.table_not_in_year",
            "warning",
            f"the {found.kind} table is not part of the {drop.collection_year} return",
        )
    if not decoded.is_plain_utf8:
        drop.fail(
            "structure.encoding",
            "warning",
            f"the file is {decoded.encoding}, not UTF-8; it was read as {decoded.encoding}",
        )
    if mixed:
        drop.fail(
            "structure.line_endings",
            "warning",
            "lines end in CR alone or in a mix of styles (CR, LF, CRLF); they were read as one",
        )
    if decoded.is_plain_utf8 and not mixed:
        drop.read_from = drop.copy
    else:
        drop.read_from = work / f"{drop.file_id}.csv"
        drop.read_from.write_text(text, encoding="utf-8")


def read_batches(con: duckdb.DuckDBPyConnection, readable: list[DropFile]) -> set[str]:
    """Read every readable file into one table per kind: `batch_<kind>`, in the load's
    scratch database."""
    groups: dict[tuple[str, tuple[str, ...]], list[DropFile]] = defaultdict(list)
    for drop in readable:
        assert drop.recognition is not None and drop.kind is not None  # nosec B101 # narrows a type; holds by construction
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
        group = f"group_{number}"
        try:
            _read_group(con, number, names, files)
        except duckdb.Error:
            # One file the reader cannot take at all: read them one by one, so only that
            # file is refused.
            readable_files = []
            for drop in files:
                try:
                    _read_group(con, number, names, [drop])
                except duckdb.Error:
                    drop.fail(
                        "drop.unreadable",
                        "critical",
                        "the file cannot be read as CSV: check quoting and line endings",
                    )
                else:
                    readable_files.append(drop)
            files = [d for d in readable_files]
            if not files:
                continue
            _read_group(con, number, names, files)
        for path, line, error_type in con.sql(
            f"select s.file_path, e.line, min(e.error_type) from rejects_{number} e "
            f"join rejects_scan_{number} s using (scan_id, file_id) group by all order by all"  # nosec B608 # our own table and column names; values are bound
        ).fetchall():
            by_read[path].fail(
                "structure.unreadable_row",
                "critical",
                f"line {line} cannot be read as a row of the table ({error_type.lower()})",
                row=int(line),
            )
        selected = ", ".join(f'nullif(trim("{c}"), \'\') as "{c}"' for c in spec.columns)
        target = f"batch_{kind}"
        query = f"""
            select {selected}, f._file,
                cast(g.rowid - min(g.rowid) over (partition by g._path) + 2 as bigint) as _row,
                f._la_code, f._reference_date, f._year_ending, f._sha256
            from {group} as g join batch_files as f using (_path)
        """  # nosec B608 # our own table and column names; values are bound
        if kind in kinds:
            con.execute(f"insert into {target} {query}")
        else:
            con.execute(f"create or replace table {warehouse.SCRATCH}.{target} as {query}")
            kinds.add(kind)
        con.execute(f"drop table {group}")
    for rel, rows in con.sql(
        " union all ".join(f"select _file, count(*) from batch_{k} group by 1" for k in kinds)  # nosec B608 # our own table and column names; values are bound
        or "select null, null where false"
    ).fetchall():
        by_rel[rel].rows = rows
    return kinds


def _read_group(
    con: duckdb.DuckDBPyConnection, number: int, names: list[str], files: list[DropFile]
) -> None:
    """Read files of one header into scratch table `group_<number>`, rejected lines aside.

    Paths go to the reader as a bound parameter, never into the SQL text; they are the
    loader's own copies under safe names.
    """
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    con.execute(
        f"""
        create or replace table {warehouse.SCRATCH}.group_{number} as
        select * from read_csv(?, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', columns = {columns},
            max_line_size = {MAX_LINE_BYTES * 4},
            filename = '_path', store_rejects = true,
            rejects_table = 'rejects_{number}', rejects_scan = 'rejects_scan_{number}')
        """,  # nosec B608 # our own table and column names; values are bound
        [[str(d.read_from) for d in files]],
    )


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
                    order by reference_date desc, coalesce(submitted_at, first_seen_at) desc,
                        first_seen_at desc, file_id
                ) = 1 then 'loaded' else 'superseded' end as new_status
            from raw.load_manifest
            where status in ('loaded', 'superseded')
        ) as r
        where m.file_id = r.file_id and m.status <> r.new_status
        """,
        [now],
    )


def _returns_changed(report: LoadReport) -> set[tuple[str, str]]:
    """(council, collection year) of every return a file of this load joined, or left by
    being replaced: the returns whose DfE rules are to be checked again."""
    return {
        (d.la_code, d.collection_year)
        for d in report.new
        if d.status in (LOADED, RESTORED) and d.la_code and d.collection_year
    }


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
    if drop.rows_set_aside:
        parts.append(f"{drop.rows_set_aside} row(s) set aside, not loaded")
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
    # Copies left by a run that was killed hold nothing that is not still in drops/.
    shutil.rmtree(home.work, ignore_errors=True)
    work = home.work / load_id
    try:
        with warehouse.scratch(con, work):
            return _load_in(home, con, progress, data_docs, load_id, started, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load_in(
    home: warehouse.Home,
    con: duckdb.DuckDBPyConnection,
    progress: Progress,
    data_docs: bool,
    load_id: str,
    started: dt.datetime,
    work: Path,
) -> LoadReport:
    """Read and check every new file in working tables only (temp tables and the load's
    scratch database), then write in one transaction.

    Nothing before the transaction changes the warehouse, so a file the reader chokes on
    costs that file alone, and a crash at any point leaves no trace.
    """
    publish_docs(home, con)
    files_seen, new, fresh_stats = scan(home, con, work, progress)
    report = LoadReport(load_id, files_seen, new)
    known = {
        (path, sha): (file_id, status)
        for file_id, path, sha, status in con.sql(
            "select file_id, path, sha256, status from raw.load_manifest"
        ).fetchall()
    }
    # A re-drop is the same bytes as the current file for the same council and year.
    current = {
        (la, year, sha): path
        for la, year, sha, path in con.sql(
            "select la_code, collection_year, sha256, min(path) from raw.load_manifest "
            "where status = 'loaded' group by all"
        ).fetchall()
    }
    forgotten: list[str] = []  # earlier verdicts on bytes looked at again
    restored: list[str] = []  # earlier versions made current again
    stamps: dict = {}
    candidates: list[DropFile] = []
    for drop in new:
        earlier = known.get((drop.rel, drop.sha256))
        if earlier and earlier[1] in (LOADED, SUPERSEDED) and not drop.failures:
            drop.status = RESTORED
            restored.append(earlier[0])
            continue
        if earlier:
            forgotten.append(earlier[0])
        if not drop.critical:
            place(drop)
        if not drop.critical:
            check_stamp(drop, stamps)
        if drop.critical:
            drop.status = QUARANTINED
            continue
        same = current.get((drop.la_code, drop.collection_year, drop.sha256))
        if same:
            drop.status = DUPLICATE
            drop.fail("drop.duplicate", "warning", f"byte-identical to {same}, already loaded")
            continue
        assert drop.copy is not None  # nosec B101 # narrows a type; holds by construction
        drop.file_format = file_format(drop.copy)
        candidates.append(drop)

    readable, twins = _read_all(con, candidates, work, progress)
    _refuse_ambiguous(readable)
    flat = [d for d in readable if d.file_format == "csv" and not d.critical]
    nested = [d for d in readable if d.file_format != "csv" and not d.critical]
    kinds = read_batches(con, flat) if flat else set()
    flat = [d for d in flat if not d.critical]
    validator = Validator() if flat or nested else None
    if kinds and flat:
        assert validator is not None  # nosec B101 # narrows a type; holds by construction
        _validate_flat(con, validator, flat, kinds, progress)
    if nested:
        assert validator is not None  # nosec B101 # narrows a type; holds by construction
        _validate_nested(con, validator, nested, progress)

    for drop in readable:
        drop.status = QUARANTINED if drop.critical else LOADED
    _settle_twins(twins)
    _forget_values(new)
    if validator is not None and data_docs:
        # Written before the commit, published after it: a run killed in between leaves
        # them for the next run to publish (`publish_docs`).
        validator.build_docs(
            home.build / DOCS_PENDING / load_id,
            {d.rel: (d.la_code or "", d.status == LOADED) for d in readable},
        )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        for table in ("load_failures", "load_manifest"):
            con.execute(f"delete from raw.{table} where file_id in (select unnest(?))", [forgotten])  # nosec B608 # our own table and column names; values are bound
        if fresh_stats:
            con.execute(
                "delete from raw.file_stats where path in (select unnest(?))",
                [[row[0] for row in fresh_stats]],
            )
            _append(con, "raw.file_stats", fresh_stats)
        _write(con, load_id, readable, kinds, report, now)
        for family in batches.FAMILIES:
            batches.write(con, family, load_id)
        con.execute(
            "update raw.load_manifest set submitted_at = ? where file_id in (select unnest(?))",
            [now, restored],
        )
        supersede(con, now)
        dfe_engine.check(con, load_id, _returns_changed(report) | dfe_engine.stale(con), now)
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
        crash_point("commit")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    crash_point("data_docs")
    if publish_docs(home, con):
        report.data_docs = home.data_docs
    # Statuses after supersession, for the report.
    ids = [d.file_id for d in new] + restored
    statuses = dict(
        con.sql(
            "select file_id, status from raw.load_manifest where file_id in (select unnest(?))",
            params=[ids],
        ).fetchall()
    )
    for drop in new:
        drop.status = statuses.get(drop.file_id, drop.status)
    return report


def publish_docs(home: warehouse.Home, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Move the Data Docs of committed loads into published/data_docs/<ONS code>/.

    Docs of a load that never committed are dropped. Returns the councils published.
    """
    pending = home.build / DOCS_PENDING
    if not pending.exists():
        return []
    committed = {load_id for (load_id,) in con.sql("select load_id from raw.load_runs").fetchall()}
    published = []
    for run in sorted(pending.iterdir()):
        if run.name in committed:
            home.data_docs.mkdir(parents=True, exist_ok=True)
            for legacy in ("index.html", "validations", "expectations", "static"):
                old = home.data_docs / legacy  # one site for every council, before per council
                if old.is_dir():
                    shutil.rmtree(old)
                else:
                    old.unlink(missing_ok=True)
            for site in sorted(run.iterdir()):
                target = home.data_docs / site.name
                old = home.data_docs / f"{site.name}.old"
                shutil.rmtree(old, ignore_errors=True)
                if target.exists():
                    os.replace(target, old)
                os.replace(site, target)
                shutil.rmtree(old, ignore_errors=True)
                published.append(site.name)
        shutil.rmtree(run, ignore_errors=True)
    return published


def _read_all(
    con: duckdb.DuckDBPyConnection,
    candidates: list[DropFile],
    work: Path,
    progress: Progress,
) -> tuple[list[DropFile], list[tuple[DropFile, DropFile]]]:
    """Parse, read or recognise every candidate; a file that cannot be read is refused alone.

    A file with the same bytes as one before it in this run, for the same council and year,
    is not read again: it is returned as a twin of the first, to share its verdict.
    """
    readable: list[DropFile] = []
    firsts: dict[tuple, DropFile] = {}
    twins: list[tuple[DropFile, DropFile]] = []
    buffers = {f.name: batches.Buffer(con, f, BUFFER_ROWS) for f in batches.FAMILIES}
    # Censuses and workbooks are parsed and read in worker processes while this one adds
    # what they made ready, in order.
    nested = [d for d in candidates if d.file_format in ("xml", "xlsx") and d.copy]
    prepared = batches.prepare_all([(d.file_format, d.copy, work / d.file_id) for d in nested])
    in_pool = {id(d) for d in nested}
    for done, drop in enumerate(candidates, 1):
        ready = next(prepared) if id(drop) in in_pool else None
        crash_point("parse")
        first = firsts.setdefault((drop.la_code, drop.collection_year, drop.sha256), drop)
        if first is not drop:
            twins.append((drop, first))
            batches.discard(ready)
            continue
        try:
            if drop.file_format == "xml" and ready is not None:
                batches.read_cin(drop, buffers[CIN], ready)
            elif drop.file_format == "xlsx" and ready is not None:
                batches.read_annex_a(drop, buffers[ANNEX_A], ready)
            else:
                recognise(drop, work)
        except (duckdb.Error, OSError, ValueError, MemoryError, RecursionError) as exc:
            drop.fail(
                "drop.unreadable",
                "critical",
                f"the file could not be read ({type(exc).__name__})",
            )
        if drop.critical:
            drop.status = QUARANTINED
        else:
            readable.append(drop)
        progress("recognise", done, len(candidates))
    prepared.close()  # the worker processes end here
    for buffer in buffers.values():
        buffer.flush()
    return readable, twins


def _settle_twins(twins: list[tuple[DropFile, DropFile]]) -> None:
    """The same bytes twice in one run: the second is a duplicate of the first when the
    first loads, and refused with it when it does not."""
    for drop, first in twins:
        if first.status == LOADED:
            drop.status = DUPLICATE
            drop.fail("drop.duplicate", "warning", f"byte-identical to {first.rel}, already loaded")
        else:
            drop.status = QUARANTINED
            drop.fail(
                "drop.same_as_refused",
                "critical",
                f"byte-identical to {first.rel}, refused in the same load: see its failures",
            )


def _refuse_ambiguous(readable: list[DropFile]) -> None:
    """Two new files of one table in one folder: which is meant is not for the loader to
    guess (not by name, not by time), so neither loads."""
    groups: dict[tuple, list[DropFile]] = defaultdict(list)
    for drop in readable:
        groups[(drop.la_code, drop.reference_date, drop.kind)].append(drop)
    for files in groups.values():
        if len(files) > 1:
            for drop in files:
                drop.fail(
                    "drop.ambiguous",
                    "critical",
                    f"{len(files)} new files in this folder hold the {drop.kind} table; remove "
                    "all but one and the one left is loaded on the next run",
                )
                drop.status = QUARANTINED


def _validate_flat(
    con: duckdb.DuckDBPyConnection,
    validator: Validator,
    readable: list[DropFile],
    kinds: set[str],
    progress: Progress,
) -> None:
    """Check every CSV table for all new files at once, in chunks of whole files."""
    headers = header_rows(con, kinds)
    by_rel = {d.rel: d for d in readable}
    ordered = sorted(kinds, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 9, k))
    chunks = [
        (kind, files)
        for kind in ordered
        for files in _chunks([d for d in readable if d.kind == kind and d.rows])
    ]
    for done, (kind, files) in enumerate(chunks, 1):
        con.execute("create or replace temp table chunk_files (_file varchar)")
        _append(con, "chunk_files", [(d.rel,) for d in files])
        con.execute(
            f"create or replace temp table chunk_{kind} as select * from batch_{kind} "
            "where _file in (select _file from chunk_files)"  # nosec B608 # our own table and column names; values are bound
        )
        frame = con.sql(prepare_sql(kind, f"chunk_{kind}", headers)).df()
        con.execute(f"drop table chunk_{kind}")
        for failure in validator.validate(kind, frame):
            by_rel[failure.file].failures.append(failure)
        del frame
        progress("validate", done, len(chunks))


def _forget_values(drops: list[DropFile]) -> None:
    """Nothing of a file that does not load is kept: its failures keep rule, row and column
    names, and a child only when it is a pseudonymised token."""
    token = re.compile(TOKEN_PATTERN)
    for drop in drops:
        if drop.status == LOADED:
            continue
        drop.failures = [
            replace(
                f,
                values=", ".join(part.split("=", 1)[0] for part in f.values.split(", ") if part)
                if f.values
                else "",
                child=f.child if f.child and token.fullmatch(f.child) else None,
            )
            for f in drop.failures
        ]


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
    prepared = None
    for done, (family, table, files) in enumerate(work, 1):
        # The preparation runs once per table, not once per chunk: run over the whole batch
        # for every chunk it grew with the square of the volume.
        if prepared != (family.name, table):
            con.execute(
                f"create or replace table {warehouse.SCRATCH}.prepared_chunk_source as "
                f"{family.prepare_sql(table, f'batch_{family.name}')}"  # nosec B608 # our own table and column names
            )
            prepared = (family.name, table)
        con.execute("create or replace temp table chunk_files (_file varchar)")
        _append(con, "chunk_files", [(d.rel,) for d in files])
        frame = con.sql(
            "select * from prepared_chunk_source "
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
    con.execute("drop table if exists prepared_chunk_source")


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
    by_rel = {d.rel: d for d in readable}
    for kind in kinds:
        spec = layout.specs()[kind]
        columns = ", ".join(f'"{c}"' for c in spec.columns)
        con.execute(
            "create or replace temp table set_aside as "
            + set_aside_sql(kind, f"batch_{kind}", "loaded_files")
        )
        con.execute(
            f"""
            insert into {warehouse.raw_table(kind)}
            select {columns}, b._la_code, b._reference_date,
                printf('%d-%02d', b._year_ending - 1, b._year_ending % 100),
                ?, b._file, b._sha256, b._row
            from batch_{kind} as b
            anti join set_aside as s on s._file = b._file and s._row = b._row
            where b._file in (select _file from loaded_files)
            """,  # nosec B608 # our own table and column names; values are bound
            [load_id],
        )
        for rel, count in con.sql("select _file, count(*) from set_aside group by all").fetchall():
            by_rel[rel].rows_set_aside = count
            by_rel[rel].rows -= count
    crash_point("raw_write")
    manifest = []
    failures = []
    for drop in report.new:
        if drop.status == RESTORED:
            continue
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
                now,
                drop.rows_set_aside,
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
    names = con.sql(f"select * from {table} limit 0").columns  # nosec B608 # our own table and column names; values are bound
    frame = pd.DataFrame.from_records(rows, columns=names)
    con.register("appended_rows", frame)
    con.execute(f"insert into {table} select * from appended_rows")  # nosec B608 # our own table and column names; values are bound
    con.unregister("appended_rows")
