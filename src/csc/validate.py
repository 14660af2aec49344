"""Great Expectations on every new file, one run per table for all new files together.

DuckDB prepares one frame per table holding every new file of that table (the file is a
column, `_file`, and the row a council sees in a spreadsheet is `_row`), with the derived
columns the rules need. One Great Expectations run checks the whole frame, and the failing
rows are split back by file. Data Docs are written for every run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csc import costs_rules, layout
from csc import rules as rulebook

FAR_FUTURE = "2200-01-01"
WARNING_SEVERITY = "warning"
INDEX_COLUMNS = ["_file", "_row"]
# A frame up to this many cells is checked by one suite; a larger one by one suite per
# column (Rule.group), so Great Expectations' per-expectation copies stay small.
WHOLE_FRAME_CELLS = 2_000_000


@dataclass(frozen=True)
class Failure:
    file: str
    rule_id: str
    severity: str
    text: str
    row: int | None = None
    child: str | None = None
    values: str = ""


@dataclass(frozen=True)
class HeaderMatch:
    """How the rows of relation `p` meet the Header of their own return (`header_rows`)."""

    join: str = ""
    in_header: str = "cast(null as boolean)"  # null when the return's Header is not known
    dob: str = "cast(null as date)"


def header_match(header_rows: str | None) -> HeaderMatch:
    """Joins from the rows `p` to the Header rows of the same council and reference date.

    `header_rows` is a relation of (_la_code, _reference_date, CHILD, DOB) holding the Header
    rows of every drop concerned; without it, nothing is known about the Header.
    """
    if not header_rows:
        return HeaderMatch()
    join = f"""
        left join (
            select distinct _la_code, _reference_date from {header_rows}
        ) as d on d._la_code = p._la_code and d._reference_date = p._reference_date
        left join (
            select _la_code, _reference_date, "CHILD",
                min(try_strptime("DOB", '%d/%m/%Y')::date) as dob
            from {header_rows} group by all
        ) as h on h._la_code = p._la_code and h._reference_date = p._reference_date
            and h."CHILD" = p."CHILD"
    """  # nosec B608 # our own table and column names; values are bound
    in_header = 'case when d._la_code is null then null else h."CHILD" is not null end'
    return HeaderMatch(join, in_header, "h.dob")


def table_rules(kind: str) -> rulebook.TableRules:
    """What is checked in a CSV table: an SSDA903 table or the placement costs."""
    return costs_rules.SPEC if kind == costs_rules.KIND else rulebook.TABLE_RULES[kind]


def set_aside_sql(kind: str, batch: str, files: str) -> str:
    """(_file, _row) of the rows of `files` (a relation of `_file`) that cannot be keyed.

    A row is set aside when a column it needs (`TableRules.needed`) is blank or, for a date,
    not a plausible date written dd/mm/YYYY; and when other rows of its file have the same
    key: rows repeated exactly keep the first, rows that differ are all set aside (which one
    is right is not the loader's to guess). The rules `*_required`, `*_format`,
    `*_impossible`, `*_out_of_range` and `duplicate_key` report the same rows.
    """
    spec = table_rules(kind)
    columns = layout.specs()[kind].columns
    unkeyable = [f'b."{c}" is null' for c in spec.needed]
    shaped = spec.date_regex[1:-1]
    for column in spec.needed:
        if column in spec.dates:
            unkeyable.append(
                f"not coalesce(regexp_full_match(b.\"{column}\", '{shaped}') and "
                f"year(try_strptime(b.\"{column}\", '%d/%m/%Y')) between "
                f"{rulebook.EARLIEST_YEAR} and {rulebook.LATEST_YEAR}, false)"
            )
    key = ", ".join(f'b."{c}"' for c in spec.key) or "b._row"
    content = "to_json([" + ", ".join(f'b."{c}"' for c in columns) + "])"
    return f"""
        select _file, _row from (
            select b._file, b._row, {" or ".join(unkeyable) or "false"} as unkeyable,
                min({content}) over by_key <> max({content}) over by_key as conflicting,
                row_number() over (partition by b._file, {key}, {content} order by b._row)
                    as nth
            from {batch} as b
            where b._file in (select _file from {files})
            window by_key as (partition by b._file, {key})
        )
        where unkeyable or conflicting or nth > 1
    """  # nosec B608 # our own table and column names; no values


def prepare_sql(kind: str, batch: str, header_rows: str | None) -> str:
    """SQL over the batch table adding the derived columns the rules read.

    `header_rows` is a relation of (_la_code, _reference_date, CHILD, DOB) holding the Header
    rows of every drop concerned, used to check episodes and cost lines against their Header.
    """
    if kind == costs_rules.KIND:
        return costs_rules.prepare_sql(batch, header_match(header_rows))
    spec = rulebook.TABLE_RULES[kind]
    derived = rulebook.derived_columns(spec)
    if kind == "oc2":
        derived.append('try_cast(b."SDQ_SCORE" as integer) as "SDQ_SCORE__int"')
    base = f"select b.*, {', '.join(derived)} from {batch} as b"  # nosec B608 # our own table and column names; values are bound
    if kind == "episodes":
        header = header_match(header_rows)
        return f"""
        with p as ({base})
        select p.*,
            lag("DEC__date") over w as _prev_dec,
            lead("DECOM__date") over w as _next_decom,
            coalesce("DEC__date", date '{FAR_FUTURE}') as _dec_or_open,
            date_diff('day', "DECOM__date", "DEC__date") as _days,
            {header.in_header} as _in_header,
            {header.dob} as _dob
        from p {header.join}
        window w as (partition by p._file, p."CHILD" order by "DECOM__date", p._row)
        order by p._file, p._row
        """  # nosec B608 # our own table and column names; values are bound
    if kind == "missing":
        return f"""
        with p as ({base})
        select p.*,
            lead("MIS_START__date") over w as _next_start,
            coalesce("MIS_END__date", date '{FAR_FUTURE}') as _end_or_open
        from p
        window w as (partition by _file, "CHILD" order by "MIS_START__date", _row)
        order by _file, _row
        """  # nosec B608 # our own table and column names; values are bound
    return base + " order by _file, _row"


def _raised(info: dict | None) -> str | None:
    """The message of an exception an expectation raised, however GX nests it."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") or "error" if info["raised_exception"] else None
    for value in info.values():
        if isinstance(value, dict) and (message := _raised(value)):
            return message
    return None


def _shown(value: object) -> str:
    """A value as a council would write it: blank for missing, dates without a time."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _failures(
    rule: rulebook.Rule, keys: list[tuple[str, int]], keyed: pd.DataFrame, child: str
) -> list[Failure]:
    """One failure per failing row, with the values a council needs to find and fix it.

    The row reported is `_report_row` when the frame has one (the <Child> of a CIN census,
    whose rows are nested), else `_row`.
    """
    shown = [c for c in rule.columns if c in keyed.columns]
    wanted = [child, *[c for c in shown if c != child]]
    reported = "_report_row" in keyed.columns
    if reported:
        wanted.append("_report_row")
    out = []
    for (file, row), values in zip(
        keys, keyed.loc[keys, wanted].itertuples(index=False), strict=True
    ):
        record = dict(zip(wanted, values, strict=True))
        out.append(
            Failure(
                file=file,
                rule_id=rule.id,
                severity=rule.severity,
                text=rule.description,
                row=(None if pd.isna(record["_report_row"]) else int(record["_report_row"]))
                if reported
                else row,
                child=None if pd.isna(record[child]) else record[child],
                values=", ".join(f"{c}={_shown(record[c])}" for c in shown),
            )
        )
    return out


HIDDEN = "(not shown)"
PARTIAL = 20  # how many failing rows Great Expectations' pages list per expectation


def _context(gx, data_docs: Path | None):  # noqa: ANN001, ANN202 - great_expectations types
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # An ephemeral context keeps its configuration in memory and never reads it back, yet
    # serialises the whole of it to YAML on every suite, data source and definition added
    # or deleted (hundreds of times a load, the costliest step after the checks themselves).
    context._save_project_config = lambda: None  # noqa: SLF001
    if data_docs is not None:
        context.add_data_docs_site(
            site_name="council_checks",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _council_result(item, files: set[str], shown: set[str], warning: bool) -> None:  # noqa: ANN001
    """Narrow one expectation's result to one council's files, in place.

    Failing values stay only for files in `shown` (loaded, so pseudonymised and passed
    every critical check) and only for warning rules; elsewhere the rows are listed with
    every value replaced.
    """
    result = item.result or {}
    index = result.get("unexpected_index_list") or []
    values = result.get("unexpected_list") or []
    aligned = len(values) == len(index)
    kept_index, kept_values = [], []
    for position, entry in enumerate(index):
        file = entry.get("_file") if isinstance(entry, dict) else None
        if file not in files:
            continue
        visible = warning and file in shown
        kept_index.append(
            {k: (v if visible or k in INDEX_COLUMNS else HIDDEN) for k, v in entry.items()}
        )
        if aligned:
            kept_values.append(values[position] if visible else HIDDEN)
    total = result.get("element_count") or 0
    result.update(
        unexpected_index_list=kept_index,
        partial_unexpected_index_list=kept_index[:PARTIAL],
        unexpected_list=kept_values,
        partial_unexpected_list=kept_values[:PARTIAL],
        partial_unexpected_counts=[
            {"value": value, "count": count}
            for value, count in Counter(map(str, kept_values[:PARTIAL])).most_common()
        ],
        unexpected_count=len(kept_index),
        unexpected_percent=100 * len(kept_index) / total if total else 0.0,
    )
    for key in ("unexpected_percent_total", "unexpected_percent_nonmissing"):
        if key in result:
            result[key] = result["unexpected_percent"]
    if "observed_value" in result and not warning:
        result["observed_value"] = HIDDEN
    item.success = not kept_index and item.exception_info.get("raised_exception") is not True


class Validator:
    """One ephemeral Great Expectations context for a load run."""

    def __init__(self) -> None:
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self._gx = gx
        self.context = _context(gx, None)
        self.validated = 0
        self._runs: Counter[str] = Counter()
        self._councils: dict[str, set[str]] = {}  # suite run -> councils in its frame
        self._severity: dict[str, str] = {}

    def validate(self, kind: str, frame: pd.DataFrame) -> list[Failure]:
        """Run a CSV layout's suites (an SSDA903 table, or placement costs) over every new
        file at once."""
        years = [int(y) for y in frame["_year_ending"].dropna().unique()] or [2000]
        if kind == costs_rules.KIND:
            return self.check(kind, costs_rules.rules_for(years), frame)
        return self.check(f"ssda903_{kind}", rulebook.rules_for(kind, years), frame)

    def check(
        self, name: str, rules: list[rulebook.Rule], frame: pd.DataFrame, child: str = "CHILD"
    ) -> list[Failure]:
        """Run `rules` over a frame of every new file; failures come back per file.

        The rules are split into one suite per column they check (and one for rules across
        rows), each run on a frame of only the columns it reads.
        """
        groups: dict[str, list[rulebook.Rule]] = defaultdict(list)
        whole = frame.size <= WHOLE_FRAME_CELLS
        for rule in rules:
            groups["all" if whole else rule.group].append(rule)
        keyed = frame.set_index(INDEX_COLUMNS)
        failures: list[Failure] = []
        for group, members in groups.items():
            columns = set(INDEX_COLUMNS).union(*(rule.reads(frame.columns) for rule in members))
            result = self._run(f"{name}.{group}", members, frame[sorted(columns)])
            by_id = {rule.id: rule for rule in members}
            for item in result.results:
                rule = by_id[item.expectation_config.meta["rule"]]
                error = _raised(item.exception_info)
                if error:
                    raise RuntimeError(f"rule {rule.id} could not run: {error}")
                if not item.success:
                    index = item.result.get("unexpected_index_list") or []
                    keys = [(entry["_file"], int(entry["_row"])) for entry in index]
                    failures.extend(_failures(rule, keys, keyed, child))
        return failures

    def _run(self, name: str, rules: list[rulebook.Rule], frame: pd.DataFrame):
        gx = self._gx
        self._runs[name] += 1
        if self._runs[name] > 1:  # a later chunk of the same table
            name = f"{name} part {self._runs[name]}"
        suite = self.context.suites.add(
            gx.ExpectationSuite(name=name, expectations=[rule.expectation() for rule in rules])
        )
        # A data source per run: its execution engine caches every frame it has read.
        source = self.context.data_sources.add_pandas(f"council drops: {name}")
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("new files")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        self.validated += 1
        # A file's path in drops/ starts with its council's folder.
        self._councils[name] = {str(f).split("/", 1)[0] for f in frame["_file"].unique()}
        self._severity.update({rule.id: rule.severity for rule in rules})
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": INDEX_COLUMNS,
                "return_unexpected_index_query": False,
            },
        )
        # Let the frame go, so memory stays one chunk deep.
        self.context.validation_definitions.delete(name)
        self.context.data_sources.delete(source.name)
        return result

    def build_docs(self, dest: Path, files: dict[str, tuple[str, bool]]) -> list[Path]:
        """Data Docs for each council under `dest/<ONS code>/`, from its own files only.

        `files` maps every checked file to its council and whether it loaded. A council's
        site lists the suites run on its files, each narrowed to its rows; failing values
        are shown only for warning rules on files that loaded.
        """
        import copy

        if not self.validated:
            return []
        store = self.context.validation_results_store
        stored = [(key, store.get(key)) for key in store.list_keys()]
        by_council: dict[str, set[str]] = defaultdict(set)
        for file, (council, _loaded) in files.items():
            by_council[council].add(file)
        shown = {file for file, (_council, loaded) in files.items() if loaded}

        def write_sites(councils: list[str]) -> None:
            for council in councils:
                context = _context(self._gx, dest / council)
                target = context.validation_results_store
                for key, result in stored:
                    if council not in self._councils.get(key.expectation_suite_identifier.name, ()):
                        continue
                    mine = copy.deepcopy(result)
                    for item in mine.results:
                        rule = item.expectation_config.meta.get("rule")
                        warning = self._severity.get(rule) == WARNING_SEVERITY
                        _council_result(item, by_council[council], shown, warning)
                    mine.success = all(item.success for item in mine.results)
                    target.set(key, mine)
                context.build_data_docs()

        councils = sorted(by_council)
        if len(councils) > 1 and (os.cpu_count() or 1) > 1:
            # Rendering is Python-bound and nothing else runs meanwhile: a forked copy of
            # this process writes every other council's site (no result is copied to it).
            theirs = councils[1::2]
            child = multiprocessing.get_context("fork").Process(
                target=_in_child, args=(write_sites, theirs), name="data docs"
            )
            child.start()
            try:
                write_sites(councils[0::2])
            finally:
                child.join()
            if child.exitcode != 0:
                raise RuntimeError(
                    f"the Data Docs of {len(theirs)} council(s) could not be written "
                    f"(exit code {child.exitcode})"
                )
        else:
            write_sites(councils)
        return [dest / council / "index.html" for council in councils]


def _in_child(work, *args) -> None:  # noqa: ANN001
    """Run `work` in a forked process that dies with its parent, so a killed load leaves no
    process behind writing files."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent waits for it all the same
        pass
    work(*args)
