"""Evaluate the DfE's rules on whole returns, inside the load's transaction.

After a load has written its raw rows and settled which files are current, `check` takes
every council and collection year whose return changed (for the SSDA903 also the year
after it, whose previous-year rules read it), lays their current files out as the
relations the rules read (see `csc.dfe`), runs every rule of each year in one query per
rule over a batch of those returns at a time, and replaces the DfE failures recorded
against the returns' current files. Batches hold about a million rows loaded, so a first
load of a large region never lays out every return at once. It also records, per return
and reference date, how many rows each rule found (`raw.dfe_checks`), so a council can see
its return getting cleaner month by month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from csc import dfe, reference, warehouse
from csc import rules as rulebook

CHECKS_DDL = f"""
create table if not exists {warehouse.RAW_SCHEMA}.dfe_checks (
    la_code varchar not null,
    collection_year varchar not null,
    reference_date date not null,
    return_name varchar not null,
    rule_id varchar not null,
    dfe_severity varchar not null,
    rows_failing bigint not null,
    load_id varchar not null,
    checked_at timestamp not null
)
"""

RULES_VERSION_DDL = f"""
create table if not exists {warehouse.RAW_SCHEMA}.dfe_rules_version (fingerprint varchar not null)
"""

# The CIN census's relations: the raw table each is read from.
# Rows loaded (as the load manifest counts them) in one batch of returns checked together.
BATCH_ROWS = 1_000_000

CIN_RELATIONS = {
    "cin_header": "header",
    "children": "children",
    "disabilities": "disabilities",
    "referrals": "referrals",
    "assessments": "assessments",
    "assessment_factors": "assessment_factors",
    "cin_plans": "plans",
    "section47": "section47",
    "cp_plans": "cp_plans",
    "cp_reviews": "cp_reviews",
}


def fingerprint() -> str:
    """A hash of every rule's code, years and query: when it changes (a new version of the
    warehouse brings new or mended rules), every current return is checked again."""
    digest = hashlib.sha256()
    for rule in dfe.every_rule():
        digest.update(repr((rule.id, rule.years, rule.severity, rule.message, rule.sql)).encode())
    return digest.hexdigest()


def stale(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every current return, when the rules have changed since they were last checked;
    nothing otherwise."""
    con.execute(CHECKS_DDL)
    con.execute(RULES_VERSION_DDL)
    seen = con.execute(
        f"select fingerprint from {warehouse.RAW_SCHEMA}.dfe_rules_version"  # nosec B608 # our own table name
    ).fetchall()
    if seen == [(fingerprint(),)]:
        return set()
    rows = con.execute(
        "select distinct la_code, collection_year from raw.load_manifest "
        "where status = 'loaded' and la_code is not null"
    ).fetchall()
    return {(la, year) for la, year in rows}


@dataclass(frozen=True)
class Outcome:
    returns: int  # returns (council and collection year) checked
    failures: int  # failing rows recorded
    seconds: float


def year_ending(collection_year: str) -> int:
    return int(collection_year[:4]) + 1


def collection_year(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"


def _ssda903_kinds() -> list[str]:
    return list(reference.tables())


def _year_columns(alias: str) -> str:
    """`_cy`, `_year`, `_start`, `_end` of the collection year in `alias`'s lineage."""
    year = f"(cast(left({alias}._collection_year, 4) as integer) + 1)"
    return (
        f"{alias}._la_code || ':' || {year} as _cy, {year} as _year, "
        f"make_date({year} - 1, 4, 1) as _start, make_date({year}, 3, 31) as _end"
    )


def _ssda903_select(kind: str, last: bool) -> str:
    """A relation of one SSDA903 table for the returns in `dfe_returns` (or, `last`, the
    previous year's return of each, labelled with the later year)."""
    spec = reference.tables()[kind]
    dates = set(rulebook.TABLE_RULES[kind].dates) if kind in rulebook.TABLE_RULES else set()
    columns = []
    for column in spec.columns:
        # Values upper-cased as the DfE's tool reads them; the child's token kept as stored.
        value = f"nullif(trim(r.{column.lower()}), '')"
        if column != "CHILD":
            value = f"upper({value})"
        columns.append(f'{value} as "{column}"')
        if column in dates:
            columns.append(f"cast(try_strptime({value}, '%d/%m/%Y') as date) as \"{column}_d\"")
    year = "(cast(left(r._collection_year, 4) as integer) + 1)"
    shift = " + 1" if last else ""
    return f"""
        select {", ".join(columns)},
            r._la_code || ':' || ({year}{shift}) as _cy, {year}{shift} as _year,
            make_date({year}{shift} - 1, 4, 1) as _start, make_date({year}{shift}, 3, 31) as _end,
            r._source_file as _file, r._row_number as _row
        from {warehouse.raw_table(kind)} as r
        join dfe_current as c on c.path = r._source_file and c.sha256 = r._file_sha256
        where c.kind = '{kind}'
            and (r._la_code, {year}{shift}) in (select la_code, _year from dfe_returns)
    """  # nosec B608 # our own table and column names; no values


def _cin_select(table: str) -> str:
    columns = []
    for column in warehouse.CIN_TABLES[table]:
        if column.startswith("_"):
            columns.append(f"r.{column}")
            continue
        value = f"nullif(trim(r.{column}), '')"
        if column != "lachildid":
            value = f"upper({value})"
        columns.append(f"{value} as {column}")
        if "date" in column or column == "initialcpctarget":
            columns.append(f"try_cast({value} as date) as {column}_d")
    row = "null::bigint" if table == "header" else "r._child_number"
    return f"""
        select {", ".join(columns)}, {_year_columns("r")},
            r._source_file as _file, {row} as _row
        from {warehouse.cin_table(table)} as r
        join dfe_current as c on c.path = r._source_file and c.sha256 = r._file_sha256
        where c.kind = 'cin'
            and (r._la_code, cast(left(r._collection_year, 4) as integer) + 1)
                in (select la_code, _year from dfe_returns)
    """  # nosec B608 # our own table and column names; no values


def _wanted(
    con: duckdb.DuckDBPyConnection, return_name: str, touched: Iterable[tuple]
) -> list[tuple[str, int, int]]:
    """The returns to check (la_code, year ending, rows loaded), from the (la_code,
    collection year) pairs a load touched; for the SSDA903 also the year after each, when
    loaded."""
    pairs = {(la, year_ending(cy)) for la, cy in touched}
    if return_name == dfe.SSDA903:
        pairs |= {(la, year + 1) for la, year in pairs}
    rows = con.execute(
        "select la_code, cast(left(collection_year, 4) as integer) + 1, sum(coalesce(rows, 0)) "
        "from raw.load_manifest where status = 'loaded' and kind in (select unnest(?)) "
        "group by all",
        [_scope_kinds(return_name)],
    ).fetchall()
    return sorted((la, year, int(n)) for la, year, n in rows if (la, year) in pairs)


def _batches(wanted: list[tuple[str, int, int]]) -> list[list[tuple[str, int]]]:
    """The returns in batches of about `BATCH_ROWS` rows loaded, so the relations laid out
    for one batch stay a bounded size however many returns a load touched (a first load
    touches every return of the region)."""
    batches: list[list[tuple[str, int]]] = []
    size = 0
    for la, year, rows in wanted:
        if not batches or (batches[-1] and size + rows > BATCH_ROWS):
            batches.append([])
            size = 0
        batches[-1].append((la, year))
        size += rows
    return batches


def _returns(con: duckdb.DuckDBPyConnection, batch: list[tuple[str, int]]) -> None:
    """`dfe_returns` (la_code, _year): the returns of one batch."""
    con.execute("create or replace temp table dfe_returns (la_code varchar, _year integer)")
    con.executemany("insert into dfe_returns values (?, ?)", batch)


def _lay_out(con: duckdb.DuckDBPyConnection, return_name: str) -> list[str]:
    """Create the relations the rules read (from `dfe_current`); return their names."""
    names = []
    if return_name == dfe.SSDA903:
        for kind in _ssda903_kinds():
            for last in (False, True):
                name = f"{kind}_last" if last else kind
                con.execute(f"create or replace temp table {name} as {_ssda903_select(kind, last)}")
                names.append(name)
    else:
        for name, table in CIN_RELATIONS.items():
            con.execute(f"create or replace temp table {name} as {_cin_select(table)}")
            names.append(name)
    return names


def _scope_kinds(return_name: str) -> list[str]:
    return ["cin"] if return_name == dfe.CIN else _ssda903_kinds()


def check(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    touched: Iterable[tuple[str, str]],
    now: dt.datetime,
    returns: Iterable[str] = (dfe.SSDA903, dfe.CIN),
) -> Outcome:
    """Check the returns the (la_code, collection year) pairs in `touched` belong to."""
    started = dt.datetime.now()
    touched = list(touched)
    con.execute(CHECKS_DDL)
    con.execute(RULES_VERSION_DDL)
    version = f"{warehouse.RAW_SCHEMA}.dfe_rules_version"
    con.execute(f"delete from {version}")  # nosec B608 # our own table name
    con.execute(f"insert into {version} values (?)", [fingerprint()])  # nosec B608 # our own table name
    # The current files, once for every batch.
    con.execute(
        """
        create or replace temp table dfe_current as
        select file_id, path, sha256, kind, la_code, reference_date,
            cast(left(collection_year, 4) as integer) + 1 as _year
        from raw.load_manifest where status = 'loaded'
        """
    )
    total_returns = total_failures = 0
    for return_name in returns:
        for batch in _batches(_wanted(con, return_name, touched)):
            _returns(con, batch)
            total_returns += len(batch)
            total_failures += _check_batch(con, return_name, load_id, now)
    return Outcome(total_returns, total_failures, (dt.datetime.now() - started).total_seconds())


def _check_batch(
    con: duckdb.DuckDBPyConnection, return_name: str, load_id: str, now: dt.datetime
) -> int:
    """Run every rule over the returns in `dfe_returns`; record and count the failures."""
    relations = _lay_out(con, return_name)
    con.execute(
        """
        create or replace temp table dfe_scope as
        select c.* from dfe_current as c
        where c.kind in (select unnest(?))
            and (c.la_code, c._year) in (select la_code, _year from dfe_returns)
        """,
        [_scope_kinds(return_name)],
    )
    con.execute(
        "create or replace temp table dfe_hits (rule_id varchar, _file varchar, _row bigint)"
    )
    years = [y for (y,) in con.sql("select distinct _year from dfe_returns").fetchall()]
    for rule in dfe.rules_for(return_name):
        applies = [y for y in years if rule.applies_to(y)]
        if not applies:
            continue
        con.execute(
            f"""
            insert into dfe_hits
            select distinct ?, h._file, h._row from ({rule.sql}) as h
            where h._file in (select path from dfe_scope where _year in (select unnest(?)))
            """,  # nosec B608 # the rule's own SQL, written here; values are bound
            [rule.id, applies],
        )
    return _record(con, return_name, relations, load_id, now)


def _record(
    con: duckdb.DuckDBPyConnection,
    return_name: str,
    relations: list[str],
    load_id: str,
    now: dt.datetime,
) -> int:
    """Replace the DfE failures of the returns' current files with `dfe_hits`."""
    child = "lachildid" if return_name == dfe.CIN else '"CHILD"'
    own = [name for name in relations if not name.endswith("_last")]
    children = " union all ".join(
        f"select _file, _row, {child} as child from {name}"  # nosec B608 # our own names
        for name in own
        if name != "cin_header"
    )
    con.execute(f"create or replace temp table dfe_children as {children}")  # nosec B608 # our own names
    con.execute(
        "delete from raw.load_failures where rule_id like ? "
        "and file_id in (select file_id from dfe_scope)",
        [f"{return_name}:%"],
    )
    con.execute(
        "create or replace temp table dfe_messages "
        "(rule_id varchar, first integer, last integer, message varchar)"
    )
    con.executemany(
        "insert into dfe_messages values (?, ?, ?, ?)",
        [(r.id, *r.years, r.message) for r in dfe.rules_for(return_name)],
    )
    con.execute(
        """
        insert into raw.load_failures
        select s.file_id, s.path, s.la_code, s.reference_date, s.kind, h.rule_id, 'warning',
            h._row, any_value(k.child), null, any_value(m.message), ?
        from dfe_hits as h
        join dfe_scope as s on s.path = h._file
        join dfe_messages as m on m.rule_id = h.rule_id and s._year between m.first and m.last
        left join dfe_children as k on k._file = h._file and k._row = h._row
        group by all
        """,
        [load_id],
    )
    con.execute(
        """
        update raw.load_manifest as m set warning_failures = f.n
        from (
            select s.file_id, count(l.file_id) as n
            from dfe_scope as s
            left join raw.load_failures as l on l.file_id = s.file_id and l.severity = 'warning'
            group by s.file_id
        ) as f
        where m.file_id = f.file_id
        """
    )
    _history(con, return_name, load_id, now)
    # Read to the end, so the connection is free for the caller's next query.
    [(count,)] = con.execute("select count(*) from dfe_hits").fetchall()
    return int(count)


def _history(
    con: duckdb.DuckDBPyConnection, return_name: str, load_id: str, now: dt.datetime
) -> None:
    """Rows failing each rule in each return checked, as at the return's latest reference
    date; a later check of the same return and date replaces it."""
    con.execute(
        """
        create or replace temp table dfe_as_at as
        select la_code, _year, max(reference_date) as reference_date
        from dfe_scope group by all
        """
    )
    con.execute(
        f"""
        delete from {warehouse.RAW_SCHEMA}.dfe_checks as d
        using dfe_as_at as a
        where d.return_name = ? and d.la_code = a.la_code
            and d.collection_year = printf('%d-%02d', a._year - 1, a._year % 100)
            and d.reference_date = a.reference_date
        """,  # nosec B608 # our own table names; values are bound
        [return_name],
    )
    rules = [(r.id, r.severity, r.years[0], r.years[1]) for r in dfe.rules_for(return_name)]
    con.execute(
        "create or replace temp table dfe_rule_years "
        "(rule_id varchar, dfe_severity varchar, first integer, last integer)"
    )
    con.executemany("insert into dfe_rule_years values (?, ?, ?, ?)", rules)
    con.execute(
        f"""
        insert into {warehouse.RAW_SCHEMA}.dfe_checks
        with counts as (
            select h.rule_id, s.la_code, s._year, count(*) as n
            from dfe_hits as h join dfe_scope as s on s.path = h._file
            group by all
        )
        select a.la_code, printf('%d-%02d', a._year - 1, a._year % 100), a.reference_date, ?,
            r.rule_id, r.dfe_severity, coalesce(c.n, 0), ?, ?
        from dfe_as_at as a
        join dfe_rule_years as r on a._year between r.first and r.last
        left join counts as c
            on c.rule_id = r.rule_id and c.la_code = a.la_code and c._year = a._year
        """,  # nosec B608 # our own table names; values are bound
        [return_name, load_id, now],
    )
