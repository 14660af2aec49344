"""The publication gate: nothing that looks like an identifier or a secret leaves the hub.

Disclosure control (`macros/disclosure_control.sql`) decides which numbers may be shown;
this gate is the last look before anything leaves the regional hub (the regional DuckDB
file, its Parquet files, the benchmark pack's pages). Every text cell is scanned by a small
set of named detectors, each a regular expression for the shape of a kind of identifier
or secret: a child's token, a UPN, a full postcode, a full date, a long hex or digit run...

* Only text is scanned. A number, a date, a timestamp or a boolean is not text: a column
  of DATE type is not read here (that a table holds no birth date column is the column
  name check of `csc.publish`). In a page, a JSON number in a chart's data is not text
  either, so a rate written to sixteen decimals is never a "long digit run".
* Tables are scanned in SQL, so rows never come into Python: a first pass over a table or
  file matches each text column against all detectors at once, and only a column where
  something matched is counted detector by detector. Three million rows of five text
  columns take about three seconds on two cores. The patterns are RE2, the dialect of
  DuckDB's `regexp_matches`, and pages are scanned by the same engine, so one pattern
  means one thing everywhere.
* A finding names where (table and column, or file and part of the page), the detector and
  how many values matched; never the value. Nothing read is kept, quoted or logged.
* What is published by design and would look like an identifier is exempted by an
  `Allow`: a detector, where (table, column, file) and, preferably, the shape of the part
  of a value that is exempt (a drop's folder `<council>/<reference date>/` in a file name),
  so the rest of the same value is still scanned. Each allowance says why.
* A script whose text is exactly one the caller vouches for (the pack's vendored Vega
  bundle, whose minified code is full of long hex and digit runs) is not scanned; any
  other script is scanned as text, so an unknown script cannot pass unseen.

`check(findings)` raises `GateClosed` if anything was found.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from html.parser import HTMLParser
from pathlib import Path

import duckdb

# --- What the detectors look for -----------------------------------------------------------

# A match starts and ends at the edge of a run: RE2 has no look-around, so the character
# before and after is matched too (or the start or end of the text).
_NOT_HEX_BEFORE, _NOT_HEX_AFTER = "(^|[^0-9A-Fa-f])", "([^0-9A-Fa-f]|$)"
_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = "(^|[^0-9A-Za-z])", "([^0-9A-Za-z]|$)"
_NOT_DIGIT_BEFORE, _NOT_DIGIT_AFTER = "(^|[^0-9])", "([^0-9]|$)"
# Digits right after "<digit>." are the decimals of a number written as text, not an id.
_NOT_DECIMALS_BEFORE = "(^|[^0-9.]|(^|[^0-9])[.])"


def _hex_with_a_letter(lower: str, letters: str) -> str:
    """Sixteen hex characters of which at least one is a letter a-f, as RE2 (no look-ahead).

    A run of digits only is a number, the business of the digit detector: requiring a
    letter keeps the decimals of a number written as text from looking like a token.
    """
    windows = (f"[0-9]{{{k}}}{letters}{lower}{{{15 - k}}}" for k in range(16))
    return "(" + "|".join(windows) + ")"


_DAY_NOT_FIRST = "(0?[2-9]|[12][0-9]|3[01])"
_MONTH = "(0?[1-9]|1[0-2])"
_YEAR = "(19|20)[0-9]{2}"
# The outward codes Royal Mail uses (A9, A99, AA9, AA99, A9A, AA9A, and GIR), a space or
# none, then the inward code: a digit and two letters from the 20 used in inward codes.
_OUTWARD = (
    "([A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    "|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]|GIR)"
)
_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"
# DfE check letters (and a temporary UPN's last character) skip I, O and S.
_UPN_LETTER = "[A-HJ-NP-RT-Z]"


@dataclass(frozen=True)
class Detector:
    id: str
    description: str
    pattern: str


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "token",
        "a pseudonymised child or worker token (16 lowercase hex characters)",
        _NOT_HEX_BEFORE + _hex_with_a_letter("[0-9a-f]", "[a-f]") + _NOT_HEX_AFTER,
    ),
    Detector(
        "upn",
        "an English unique pupil number (a check letter and 12 digits, or 11 and a letter)",
        f"{_NOT_ALNUM_BEFORE}{_UPN_LETTER}[0-9]{{11}}[0-9A-HJ-NP-RT-Z]{_NOT_ALNUM_AFTER}",
    ),
    Detector(
        "postcode",
        "a full UK postcode (a postcode sector such as SO15 2 is not one)",
        f"{_NOT_ALNUM_BEFORE}{_OUTWARD} ?{_INWARD}{_NOT_ALNUM_AFTER}",
    ),
    Detector(
        "full_date",
        "a full date that is not the first of a month (dd/mm/yyyy, yyyy-mm-dd and the like)",
        _NOT_DIGIT_BEFORE
        + f"({_YEAR}[-/](0[1-9]|1[0-2])[-/](0[2-9]|[12][0-9]|3[01])"
        + f"|{_DAY_NOT_FIRST}[-/.]{_MONTH}[-/.]{_YEAR})"
        + _NOT_DIGIT_AFTER,
    ),
    Detector(
        "long_hex",
        "a run of 16 or more hex characters (a key, a hash, a token)",
        _hex_with_a_letter("[0-9A-Fa-f]", "[A-Fa-f]"),
    ),
    Detector(
        "long_digits",
        "a run of 10 or more digits, or 10 digits grouped 3 3 4 (an NHS number, a phone number)",
        _NOT_DECIMALS_BEFORE
        + f"([0-9]{{10}}|[0-9]{{3}}[ -][0-9]{{3}}[ -][0-9]{{4}}{_NOT_DIGIT_AFTER})",
    ),
    Detector(
        "email",
        "an email address",
        "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}",
    ),
    Detector(
        "ni_number",
        "a National Insurance number",
        _NOT_ALNUM_BEFORE
        + "[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
        + _NOT_ALNUM_AFTER,
    ),
    Detector(
        "private_key",
        "a private key block",
        "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----",
    ),
)
DETECTOR_IDS = frozenset(d.id for d in DETECTORS)
_DESCRIPTIONS = {d.id: d.description for d in DETECTORS}

# --- Exemptions ------------------------------------------------------------------------------

# A character no pattern matches or needs, put where an exempt part of a value was, so its
# neighbours are never joined into a new match.
_MASK = "\x1f"


@dataclass(frozen=True)
class Allow:
    """A detector's matches that are published by design, and where.

    `table`, `column` and `file` are shell-style patterns (`*`, `?`): `table` matches a
    table's or view's name (a Parquet file's name without `.parquet`), `column` a column's
    name (a field of a struct as `column.field`), `file` a file's name without its folder.
    An allowance that names a column or a table applies only to tables, one that names a
    file only to that file. `shape`, an RE2 pattern, exempts only the parts of a value it
    matches; without one, the detector is off wherever the allowance applies.
    """

    detector: str
    reason: str
    table: str | None = None
    column: str | None = None
    file: str | None = None
    shape: str | None = None

    def __post_init__(self) -> None:
        if self.detector not in DETECTOR_IDS:
            raise ValueError(f"no detector is called {self.detector!r}")
        if not self.reason.strip():
            raise ValueError("an allowance must say why the content is published by design")
        if not (self.table or self.column or self.file or self.shape):
            raise ValueError(f"an allowance for {self.detector} would turn it off everywhere")

    def applies(
        self, detector: str, table: str | None, column: str | None, file: str | None
    ) -> bool:
        wanted = ((self.table, table), (self.column, column), (self.file, file))
        return self.detector == detector and all(
            pattern is None or (name is not None and fnmatchcase(name, pattern))
            for pattern, name in wanted
        )


def _exemption(
    allow: Sequence[Allow], detector: str, table: str | None, column: str | None, file: str | None
) -> str | None | bool:
    """False: scan as is; True: do not scan; a pattern: blank what it matches, then scan."""
    applying = [a for a in allow if a.applies(detector, table, column, file)]
    if not applying:
        return False
    if any(a.shape is None for a in applying):
        return True
    return "|".join(f"(?:{a.shape})" for a in applying)


# A dropped file's folder, `<council ONS code>/<reference date>/`, which starts its name.
DROP_FOLDER = "E[0-9]{8}/[0-9]{4}-[0-9]{2}-[0-9]{2}/"
# A file id: the start (or all) of the SHA-256 of a dropped file's name and bytes.
FILE_ID = "^[0-9a-f]{20,64}$"
_FILE_ID_WHY = "a file id is a hash of the dropped file, which names a file, not a child"
_DROP_FOLDER_WHY = (
    "a file's name starts with the folder it was dropped in, named by its reference date"
)

# What the regional file (and its Parquet files) publishes by design that a detector flags.
REGIONAL_ALLOW: tuple[Allow, ...] = (
    *(
        Allow(detector, _FILE_ID_WHY, table="data_quality_*", column="file_id", shape=FILE_ID)
        for detector in ("long_hex", "long_digits")
    ),
    *(
        Allow(
            detector,
            "a rule's row is keyed by its file id, then the rule",
            table="data_quality_rules",
            column="data_quality_rule_id",
            shape="^[0-9a-f]{20,64}:",
        )
        for detector in ("long_hex", "long_digits")
    ),
    Allow(
        "full_date", _DROP_FOLDER_WHY, table="data_quality_*", column="file_name", shape=DROP_FOLDER
    ),
)
# What the benchmark pack's pages show by design that a detector flags: the quality page
# lists every dropped file by name. (Its Vega bundle is vouched for by its text instead.)
PACK_ALLOW: tuple[Allow, ...] = (
    Allow("full_date", _DROP_FOLDER_WHY, file="*.html", shape=DROP_FOLDER),
)


# --- Findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Where values that look like an identifier were found, and how many: never the value.

    `source` is `schema.table` in a database, else the path of the file; `column` is the
    column (a struct's field as `column.field`), or for a page the part of it (text,
    attributes, chart data, script, style, comments).
    """

    source: str
    column: str | None
    detector: str
    count: int

    def __str__(self) -> str:
        where = self.source if self.column is None else f"{self.source}: {self.column}"
        values = "1 value looks" if self.count == 1 else f"{self.count} values look"
        return f"{where}: {values} like {_DESCRIPTIONS[self.detector]} [{self.detector}]"


class GateClosed(Exception):
    """Something that looks like an identifier or a secret would have left the hub."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = tuple(findings)
        lines = "\n".join(f"  {finding}" for finding in self.findings)
        super().__init__(
            "not published: these hold values shaped like an identifier or a secret "
            f"(the values are not shown here)\n{lines}"
        )


def check(findings: Iterable[Finding]) -> None:
    """Raise GateClosed if anything was found."""
    findings = list(findings)
    if findings:
        raise GateClosed(findings)


# --- Scanning in SQL --------------------------------------------------------------------------


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """Text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class _Leaf:
    """A text value inside a column: `sql` gives one string, or a list of them if `many`."""

    name: str
    sql: str
    many: bool


def _leaves(sql: str, name: str, kind: duckdb.DuckDBPyType, depth: int = 0) -> Iterator[_Leaf]:
    """The text in a column of any type: itself, or strings inside its lists and structs."""
    if kind.id == "varchar":
        yield _Leaf(name, sql, False)
    elif kind.id == "enum":
        yield _Leaf(name, f"cast({sql} as varchar)", False)
    elif kind.id == "struct":
        for field, field_kind in kind.children:
            inner = f"struct_extract({sql}, {sql_literal(field)})"
            yield from _leaves(inner, f"{name}.{field}", field_kind, depth)
    elif kind.id == "union":
        for member, member_kind in kind.children[1:]:
            inner = f"union_extract({sql}, {sql_literal(member)})"
            yield from _leaves(inner, f"{name}.{member}", member_kind, depth)
    elif kind.id in ("list", "array"):
        yield from _list_leaves(sql, name, kind.children[0][1], depth)
    elif kind.id == "map":
        (_, key), (_, value) = kind.children
        yield from _list_leaves(f"map_keys({sql})", f"{name}.key", key, depth)
        yield from _list_leaves(f"map_values({sql})", f"{name}.value", value, depth)


def _list_leaves(sql: str, name: str, element: duckdb.DuckDBPyType, depth: int) -> Iterator[_Leaf]:
    var = f"gate_element_{depth}"
    for leaf in _leaves(var, name, element, depth + 1):
        each = f"list_transform({sql}, lambda {var}: {leaf.sql})"
        yield _Leaf(leaf.name, f"flatten({each})" if leaf.many else each, True)


def _count(leaf: _Leaf, pattern: str, mask: str | None) -> tuple[str, list[object]]:
    """SQL counting the values of a leaf the pattern matches, with its parameters in order."""
    params: list[object] = []
    value = "gate_value" if leaf.many else leaf.sql
    if mask:
        value = f"regexp_replace({value}, ?, ?, 'g')"
        params += [mask, _MASK]
    test = f"regexp_matches({value}, ?)"
    params.append(pattern)
    if leaf.many:
        test = f"list_bool_or(list_transform({leaf.sql}, lambda gate_value: {test}))"
    return f"count(*) filter (where {test})", params


@dataclass(frozen=True)
class _Test:
    """The detectors to run on one leaf under one exemption."""

    leaf: _Leaf
    mask: str | None
    detectors: tuple[Detector, ...]


# Counts per query: DuckDB plans a select of thousands of filtered counts slowly (a
# 300-column table's 2,700 took 11 s in one query, 1 s in chunks of 200).
_COUNTS_PER_QUERY = 200


def _counts(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    source_params: list[object],
    counts: list[tuple[str, list[object]]],
) -> list[int]:
    found: list[int] = []
    for start in range(0, len(counts), _COUNTS_PER_QUERY):
        chunk = counts[start : start + _COUNTS_PER_QUERY]
        params = [p for _, leaf_params in chunk for p in leaf_params]
        sql = f"select {', '.join(sql for sql, _ in chunk)} from {source_sql}"  # nosec B608 # our own table and column names; values are bound
        [row] = con.execute(sql, params + source_params).fetchall()
        found += row
    return found


def _scan_relation(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    source_params: list[object],
    label: str,
    allow: Sequence[Allow],
    *,
    table: str | None,
    file: str | None,
) -> list[Finding]:
    """Count the values of each text column each detector matches.

    A first pass matches each column against all its detectors at once (RE2 runs a union
    of patterns about as fast as one), so a clean table costs one match per value; only a
    column where something matched is counted detector by detector, in a second pass.
    A table's columns are columns to allowances; a page's parts are not.
    """
    relation = con.sql(f"select * from {source_sql}", params=source_params or None)  # nosec B608 # our own table and column names; values are bound
    tests: list[_Test] = []
    for column, kind in zip(relation.columns, relation.types, strict=True):
        for leaf in _leaves(_identifier(column), column, kind):
            by_mask: dict[str | None, list[Detector]] = {}
            for detector in DETECTORS:
                name = leaf.name if table is not None else None
                exempt = _exemption(allow, detector.id, table, name, file)
                if exempt is not True:
                    by_mask.setdefault(exempt or None, []).append(detector)
            tests += [_Test(leaf, mask, tuple(found)) for mask, found in by_mask.items()]
    if not tests:
        return []
    union = [
        _count(t.leaf, "|".join(f"(?:{d.pattern})" for d in t.detectors), t.mask) for t in tests
    ]
    first = _counts(con, source_sql, source_params, union)
    matched = [test for test, found in zip(tests, first, strict=True) if found]
    each = [(t, d) for t in matched for d in t.detectors]
    if not each:
        return []
    counts = _counts(
        con, source_sql, source_params, [_count(t.leaf, d.pattern, t.mask) for t, d in each]
    )
    return [
        Finding(label, test.leaf.name, detector.id, count)
        for (test, detector), count in zip(each, counts, strict=True)
        if count
    ]


def scan_duckdb(
    con: duckdb.DuckDBPyConnection,
    database_alias: str,
    schemas: Iterable[str] | None = None,
    allow: Iterable[Allow] = (),
) -> list[Finding]:
    """Scan every text column of every table and view of an attached database.

    `schemas` limits the scan to those schemas; every one is scanned otherwise. A database
    or schema that is not there is an error, so a misspelt name never passes as clean.
    """
    allow = list(allow)
    present = {
        schema
        for (schema,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = ?", [database_alias]
        ).fetchall()
    }
    if not present:
        raise ValueError(f"no database {database_alias!r} is attached to scan")
    wanted = None if schemas is None else set(schemas)
    if wanted is not None and wanted - present:
        raise ValueError(f"no schema {sorted(wanted - present)} in {database_alias!r} to scan")
    relations = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and not internal "
        "union all "
        "select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal "
        "order by all",
        [database_alias, database_alias],
    ).fetchall()
    findings = []
    for schema, name in relations:
        if wanted is not None and schema not in wanted:
            continue
        qualified = ".".join(_identifier(part) for part in (database_alias, schema, name))
        label = f"{schema}.{name}"
        findings += _scan_relation(con, qualified, [], label, allow, table=name, file=None)
    return findings


_GLOB_CHARACTERS = set("*?[]{}~\\")


def scan_parquet(
    paths: Iterable[str | os.PathLike[str]], allow: Iterable[Allow] = ()
) -> list[Finding]:
    """Scan every text column of each Parquet file.

    DuckDB reads a path given to `read_parquet` as a glob pattern (and expands `~`), so a
    file is read through a link under a name of our own making in a fresh folder, passed as
    a bound parameter: a path with `*`, `?`, `[` or a quote in it is read as itself.
    """
    allow = list(allow)
    findings = []
    folder = Path(tempfile.mkdtemp(prefix="csc-gate-"))
    try:
        if _GLOB_CHARACTERS & set(str(folder)):
            raise ValueError(f"the temporary folder {folder} has a glob character in its path")
        con = duckdb.connect()
        try:
            for number, given in enumerate(paths):
                path = Path(given)
                if not path.is_file():
                    raise FileNotFoundError(path)
                link = folder / f"{number}.parquet"
                try:
                    link.symlink_to(path.resolve())
                except OSError:
                    shutil.copyfile(path, link)
                findings += _scan_relation(
                    con,
                    "read_parquet(?)",
                    [str(link)],
                    str(given),
                    allow,
                    table=path.name.removesuffix(".parquet"),
                    file=path.name,
                )
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return findings


# --- Scanning pages -------------------------------------------------------------------------

_JSON_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap", "speculationrules"}
_MARKUP_SUFFIXES = {".html", ".htm", ".xhtml", ".svg", ".xml"}


def digest(text: str) -> str:
    """How a script the caller vouches for is recognised: its text, without edge whitespace."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _json_strings(document: object) -> Iterator[str]:
    """Every string of a JSON document, keys included; numbers are not text."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _json_or_lines(text: str) -> tuple[str, list[str]]:
    try:
        return "chart data", list(_json_strings(json.loads(text)))
    except ValueError:
        return "script", text.splitlines()


class _PageText(HTMLParser):
    """The text of a page by part: what a reader sees, attribute values, embedded JSON
    data, scripts (except those vouched for), styles and comments."""

    def __init__(self, trusted: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.trusted = trusted
        self.parts: dict[str, list[str]] = {}
        self._raw: tuple[str, str] | None = None  # (tag, script type) inside script/style
        self._body: list[str] = []

    def _add(self, part: str, texts: Iterable[str]) -> None:
        self.parts.setdefault(part, []).extend(t for t in texts if t.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("attributes", (value for _, value in attrs if value))
        if tag in ("script", "style"):
            kind = next((v or "" for k, v in attrs if k == "type"), "")
            self._raw, self._body = (tag, kind.strip().lower()), []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("attributes", (value for _, value in attrs if value))

    def handle_endtag(self, tag: str) -> None:
        if self._raw is None or tag != self._raw[0]:
            return
        (raw_tag, kind), body = self._raw, "".join(self._body)
        self._raw, self._body = None, []
        if raw_tag == "style":
            self._add("style", body.splitlines())
        elif kind in _JSON_SCRIPT_TYPES:
            self._add(*_json_or_lines(body))
        elif digest(body) not in self.trusted:
            self._add("script", body.splitlines())

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._body.append(data)
        else:
            self._add("text", [data])

    def handle_comment(self, data: str) -> None:
        self._add("comments", [data])

    def handle_pi(self, data: str) -> None:
        self._add("comments", [data])

    def unknown_decl(self, data: str) -> None:
        self._add("text", [data])


def _file_parts(path: Path, trusted: set[str]) -> dict[str, list[str]]:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix in _MARKUP_SUFFIXES:
        page = _PageText(trusted)
        page.feed(text)
        page.close()
        return page.parts
    if digest(text) in trusted:
        return {}
    if suffix == ".json":
        try:
            return {"data": list(_json_strings(json.loads(text)))}
        except ValueError:
            pass
    part = {".js": "script", ".mjs": "script", ".css": "style"}.get(suffix, "text")
    return {part: text.splitlines()}


def scan_text_files(
    paths: Iterable[str | os.PathLike[str]],
    allow: Iterable[Allow] = (),
    trusted_scripts: Iterable[str] = (),
) -> list[Finding]:
    """Scan the text of HTML, CSS, JS and JSON files: what a reader sees and every attribute
    value, string in JSON data, style, comment and script.

    A script (inline or a whole file) whose text is exactly one of `trusted_scripts` (edge
    whitespace aside) is skipped; every other script is scanned line by line.
    """
    allow = list(allow)
    trusted = {digest(text) for text in trusted_scripts}
    findings = []
    con = duckdb.connect()
    try:
        for given in paths:
            path = Path(given)
            for part, texts in _file_parts(path, trusted).items():
                if not texts:
                    continue
                source = f"unnest(?::varchar[]) as gate_texts({_identifier(part)})"
                findings += _scan_relation(
                    con, source, [texts], str(given), allow, table=None, file=path.name
                )
    finally:
        con.close()
    return findings
