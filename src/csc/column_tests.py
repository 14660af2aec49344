"""dbt's four built-in column tests, evaluated together in a refresh by council.

A refresh by council (csc.build) rebuilds a few councils' rows, and its data tests check
those rows and the tables rebuilt whole. About 450 of its tests are dbt's built-in
`not_null`, `unique`, `accepted_values` and `relationships`; as dbt nodes each costs some
40 ms of dbt's own work (compiling, logging, bookkeeping) for a query DuckDB answers in a
millisecond or two. In a refresh those four are left out of `dbt build` and evaluated here
instead, from the same manifest and with the same meaning: the same rows (the test's
`where`, and a council-level table's rebuilt councils only, as macros/by_council.sql's
`get_where_subquery` gives dbt), the same count of failures (dbt's `count(*)` of the rows
each test's SQL returns) and the same severity. Every `not_null` of one relation is one
query. A full build (`csc build --full`, `make test`) runs every test in dbt as ever.

Anything this does not reproduce exactly (a test with its own `fail_calc`, thresholds,
`limit`, stored failures or a templated `where`) makes `folded_tests` refuse, and the
refresh then leaves every test to dbt.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

FOLDED = ("not_null", "unique", "accepted_values", "relationships")
# `dbt build` arguments that leave the folded tests out.
EXCLUDE = ["--exclude", *(f"test_name:{name}" for name in FOLDED)]
_DEFAULTS = {"fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0", "limit": None}
_REF = re.compile(r"^\s*ref\(\s*'([^']+)'\s*\)\s*$")
_SOURCE = re.compile(r"^\s*source\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)\s*$")
_MODEL = re.compile(r"^\{\{\s*get_where_subquery\((.*)\)\s*\}\}$")


class Unfoldable(Exception):
    """A test this module would not evaluate exactly as dbt does."""


@dataclass(frozen=True)
class ColumnTest:
    unique_id: str
    kind: str  # one of FOLDED
    tested: str  # unique_id of the model, seed or source tested
    relation: str  # its relation, as dbt renders it
    column: str
    where: str | None
    by_council: bool  # the tested model is built by council
    warn: bool  # severity warn rather than error
    values: str = ""  # accepted_values: the SQL list dbt writes
    parent: str = ""  # relationships: unique_id of the referenced node
    parent_relation: str = ""
    field: str = ""

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.tested, self.parent) if self.parent else (self.tested,)


def _resolve(text: str, candidates: list[dict]) -> dict:
    """The node a `ref('x')` or `source('s', 't')` names, among a test's parents."""
    ref, source = _REF.match(text), _SOURCE.match(text)
    for node in candidates:
        if ref and node["resource_type"] != "source" and node["name"] == ref.group(1):
            return node
        if (
            source
            and node["resource_type"] == "source"
            and (node["source_name"], node["name"]) == source.groups()
        ):
            return node
    raise Unfoldable(f"cannot tell which node {text!r} is")


def folded_tests(manifest: dict) -> list[ColumnTest]:
    """Every enabled built-in column test of the manifest, ready to evaluate."""
    everything = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    out = []
    for node in manifest.get("nodes", {}).values():
        meta = node.get("test_metadata") or {}
        if node.get("resource_type") != "test" or meta.get("name") not in FOLDED:
            continue
        if meta.get("namespace") is not None:
            continue  # a package's test of the same name is not dbt's own
        config = node.get("config", {})
        if not config.get("enabled", True):
            continue
        if any(config.get(key) != value for key, value in _DEFAULTS.items()) or config.get(
            "store_failures"
        ):
            raise Unfoldable(f"{node['unique_id']} is configured beyond dbt's defaults")
        where = config.get("where")
        if where and ("{{" in where or "{%" in where):
            raise Unfoldable(f"{node['unique_id']} has a templated where")
        kwargs = meta.get("kwargs", {})
        parents = [everything[p] for p in node.get("depends_on", {}).get("nodes", [])]
        model = _MODEL.match(kwargs.get("model", ""))
        if not model or "column_name" not in kwargs:
            raise Unfoldable(f"{node['unique_id']} does not test a column of a node")
        tested = _resolve(model.group(1), parents)
        kind = meta["name"]
        extra: dict[str, str] = {}
        if kind == "accepted_values":
            quote = kwargs.get("quote", True)
            values = [
                "'" + str(v).replace("'", "''") + "'" if quote else str(v)
                for v in kwargs.get("values", [])
            ]
            extra["values"] = ", ".join(values)
        elif kind == "relationships":
            parent = _resolve(kwargs.get("to", ""), parents)
            extra.update(
                parent=parent["unique_id"],
                parent_relation=parent["relation_name"],
                field=kwargs["field"],
            )
        out.append(
            ColumnTest(
                unique_id=node["unique_id"],
                kind=kind,
                tested=tested["unique_id"],
                relation=tested["relation_name"],
                column=kwargs["column_name"],
                where=where or None,
                by_council=tested["resource_type"] == "model"
                and tested.get("config", {}).get("materialized") == "incremental",
                warn=str(config.get("severity", "error")).lower() == "warn",
                **extra,
            )
        )
    return out


def _council_predicate(councils: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + c.replace("'", "") + "'" for c in councils)
    return f"la_code in ({quoted})" if quoted else "1 = 0"


def rows_tested(test: ColumnTest, councils: tuple[str, ...] | None) -> str:
    """What the test reads of its node, as macros/by_council.sql's get_where_subquery."""
    conditions = [f"({test.where})"] if test.where else []
    if councils is not None and test.by_council:
        conditions.append(_council_predicate(councils))
    if not conditions:
        return test.relation
    return f"(select * from {test.relation} where {' and '.join(conditions)}) dbt_subquery"  # nosec B608 # the project's tests


def failures_sql(test: ColumnTest, rows: str) -> str:
    """A query of one row: how many rows dbt's own SQL for the test returns."""
    column = test.column
    if test.kind == "not_null":
        return f"select count(*) from {rows} where {column} is null"  # nosec B608 # the project's tests
    if test.kind == "unique":
        return (
            f"select count(*) from (select {column} from {rows} where {column} is not null "  # nosec B608 # the project's tests
            f"group by {column} having count(*) > 1) failures"
        )
    if test.kind == "accepted_values":
        return (
            f"select count(*) from (select {column} as value_field from {rows} "  # nosec B608 # the project's tests
            f"group by {column}) all_values where value_field not in ({test.values})"
        )
    return (
        f"select count(*) from (select {column} as from_field from {rows} "  # nosec B608 # the project's tests
        f"where {column} is not null) child left join (select {test.field} as to_field "
        f"from {test.parent_relation}) parent on child.from_field = parent.to_field "
        "where parent.to_field is null"
    )


@dataclass
class Verdicts:
    counts: dict[str, int] = field(default_factory=dict)  # failures by test unique_id
    failed: list[str] = field(default_factory=list)  # tests of severity error that failed
    warned: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # each failure, as dbt reports it


def evaluate(
    con,  # noqa: ANN001 - a DuckDB connection to the built warehouse
    tests: list[ColumnTest],
    councils: tuple[str, ...] | None,
    not_built: set[str] = frozenset(),
) -> Verdicts:
    """Evaluate `tests` over the rebuilt `councils` (every row when None). Tests of a node
    dbt did not build this time (`not_built`: errored or skipped) are not evaluated, as
    dbt skips them."""
    out = Verdicts()
    counts = out.counts
    nulls: dict[str, list[ColumnTest]] = defaultdict(list)
    for test in tests:
        if not_built.intersection(test.nodes):
            continue
        rows = rows_tested(test, councils)
        if test.kind == "not_null":
            nulls[rows].append(test)
        else:
            [(counts[test.unique_id],)] = con.execute(failures_sql(test, rows)).fetchall()
    for rows, group in nulls.items():
        # Every not_null of one relation in one pass over its rows.
        columns = ", ".join(f"count(*) filter (where {t.column} is null)" for t in group)
        [found] = con.execute(f"select {columns} from {rows}").fetchall()  # nosec B608
        counts.update(zip((t.unique_id for t in group), found, strict=True))
    by_id = {t.unique_id: t for t in tests}
    for unique_id, count in sorted(counts.items()):
        if not count:
            continue
        test = by_id[unique_id]
        (out.warned if test.warn else out.failed).append(unique_id)
        word = "Warning" if test.warn else "Failure"
        out.lines.append(f"{word} in test {unique_id.split('.')[2]}: got {count} result(s)")
    return out
