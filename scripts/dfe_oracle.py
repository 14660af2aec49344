"""Run the DfE's own validators on a council's returns and write what they find as JSON.

The warehouse's implementation of the DfE rules is tested against this: the validators
councils already use, `csc-validator-be-903` (module `lac_validator`) for the SSDA903 and
`csc-validator-be-cin` (module `cin_validator`) for the CIN census. They pin pandas 1.5, so
this script runs in a virtual environment of its own, `build/dfe-venv` (`make dfe`), with
the standard library, the two validators and what they bring; it never imports `csc`.

    PY=build/dfe-venv/bin/python
    $PY scripts/dfe_oracle.py 903 --year 2024-25 --la E06000036 \\
        --this drops/E06000036/2025-03-31 --previous drops/E06000036/2024-03-31 --out 903.json
    $PY scripts/dfe_oracle.py cin --year 2024-25 --la E06000036 \\
        drops/E06000036/2025-03-31/cin_census.xml --out cin.json
    $PY scripts/dfe_oracle.py rules 903 --year 2024-25      # the rule set, as JSON
    $PY scripts/dfe_oracle.py rules cin --year 2024-25

`--this` and `--previous` take folders or files. Each file is recognised by its header, as
the drop contract says: the set of its column names (surrounding spaces, quotes, a BOM and
case tolerated) must equal one SSDA903 table's. Anything else (the placement costs extract,
the census, workbooks, stamps) is listed under `ignored` and not read. The validator's own
reader needs the exact names and a `.csv` file name, so the oracle hands it each file's
text as UTF-8 with the header spelled the DfE's way; it never changes a data line.

What the oracle found out about the validators (versions pinned in requirements-dfe.lock):

* Severity. The CIN validator marks each rule `RuleType.ERROR` or `RuleType.QUERY`; the
  query rules are exactly those whose code ends in `Q` (26 of 109 in 2024-25). The oracle
  reports `query` for `RuleType.QUERY`, `error` otherwise. The SSDA903 validator has no
  notion of severity: its rules carry code, message, fields and tables only, and no code in
  any rule set from 2022-23 to 2026-27 ends in `Q`. Every SSDA903 rule is reported as
  `error`.
* Rows, SSDA903. A rule returns the index labels of failing rows of each table it names
  (`Episodes`, `Header`, ..., or `Episodes_last` and the like for the previous year). The
  validator reads each file with pandas, whose index counts data records from 0 and skips
  blank lines; the warehouse numbers rows as a spreadsheet shows them, the header being
  row 1 (`_row` in src/csc/batches.py: `rowid - min(rowid) + 2`), and its CSV reader skips
  blank lines too. So `row` is the index plus 2. `child` is the CHILD value of that row as
  the validator holds it: its reader upper-cases every text value.
* Rows, CIN. The validator turns the XML into tables (ChildIdentifiers, CINdetails,
  Assessments, ...) and reports a failing location as table, column and position in that
  table, filling in the row's LAchildID afterwards. The warehouse reports a CIN failure by
  the position of its `<Child>` in the file (1 for the first) and the child's LAchildID. So
  `row` is that position (for ChildIdentifiers and ChildCharacteristics the table position
  plus 1, one row per child; for the other tables the position of the only `<Child>` with
  the row's LAchildID, null when it is not unique), `child` the LAchildID, `referral` the
  position of the `<CINdetails>` within its `<Child>` (the validator's CINdetailsID, the
  warehouse's referral number), `item` the validator's AssessmentID or CPPID, and
  `validator_row` the position in the validator's table. Rules about the whole return
  (the header, or counts across children) have no row.
* Crashes. Either validator runs each rule inside its own catch-all and goes on; the
  SSDA903 one only logs it, the CIN one prints it. The oracle runs the rule sets itself,
  rule by rule, the same way, and lists each crash under `crashes` with the exception.
  As in the DfE tool, a CIN rule's locations pushed before it crashed are still reported,
  and of the kinds of location a CIN rule may push only the most numerous is kept.
* SSDA903 rules that find a table they need missing return nothing and are listed under
  `rules_skipped`; rules about Ofsted's provider lists are always skipped here, as the
  oracle is given no provider list.

Output: `return`, `collection_year`, `la`, `rule_set`, `validator` (package and version),
`seconds` (reading and rules; also `seconds_reading`, `seconds_rules`), `inputs`, `ignored`,
`rules_run`, `rules_skipped`, `crashes`, `warnings` and `failures`, one per rule and failing
row: `return` (`903` or `cin`), `rule` (the code, a string), `severity` (`error` or
`query`), `table`, `file`, `row`, `child`, `fields`, `message` (the DfE's), `validator_row`,
and for CIN `element`, `referral` and `item`.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import copy
import csv
import importlib
import importlib.metadata
import json
import logging
import pkgutil
import re
import sys
import time
import traceback
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGES = {
    "903": ("csc-validator-be-903", "lac_validator", "lac"),
    "cin": ("csc-validator-be-cin", "cin_validator", "cin"),
}
YEAR = re.compile(r"^(\d{4})-(\d{2})$")
# Where each of the CIN validator's tables comes from in the census.
CIN_ELEMENTS = {
    "Header": "Header",
    "ChildIdentifiers": "ChildIdentifiers",
    "ChildCharacteristics": "ChildCharacteristics",
    "Disabilities": "Disability",
    "CINdetails": "CINdetails",
    "Assessments": "Assessments",
    "AssessmentFactorsList": "AssessmentFactors",
    "CINplanDates": "CINPlanDates",
    "Section47": "Section47",
    "ChildProtectionPlans": "ChildProtectionPlans",
    "Reviews": "CPPreviewDate",
}
ONE_ROW_PER_CHILD = ("ChildIdentifiers", "ChildCharacteristics")
LOCATION = ("table", "element", "row", "child", "referral", "item", "validator_row")


class Refused(Exception):
    """The inputs cannot be validated as given: the message says why."""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The validators log at INFO, print and warn freely: keep stdout for the JSON."""
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def collection_year(text: str) -> tuple[int, int]:
    """`2024-25` as (2024, 2025)."""
    match = YEAR.match(text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise argparse.ArgumentTypeError(f"{text!r} is not a collection year like 2024-25")
    return int(match[1]), int(match[1]) + 1


def rule_set_name(kind: str, year: tuple[int, int]) -> str:
    return f"{PACKAGES[kind][2]}{year[0]}_{str(year[1])[2:]}"


def load_registry(kind: str, year: tuple[int, int]) -> tuple[str, dict[str, Any]]:
    """The rule set of a collection year: its module name and its registry, code to rule."""
    package = importlib.import_module(f"{PACKAGES[kind][1]}.rules")
    available = sorted(
        m.name
        for m in pkgutil.iter_modules(package.__path__)
        if re.fullmatch(rf"{PACKAGES[kind][2]}\d{{4}}_\d{{2}}", m.name)
    )
    name = rule_set_name(kind, year)
    if name not in available:
        raise Refused(
            f"{PACKAGES[kind][0]} has no rule set for {year[0]}-{str(year[1])[2:]} "
            f"(it has {', '.join(available)})"
        )
    registry = importlib.import_module(f"{package.__name__}.{name}").registry
    return name, {str(code): rule for code, rule in registry.items()}


def _names(values: Iterable[Any] | None) -> list[str]:
    return [str(v) for v in (values or ()) if v is not None]


def severity(kind: str, rule: Any) -> str:
    if kind == "cin":
        return "query" if rule.rule_type.name == "QUERY" else "error"
    return "error"


def describe(kind: str, code: str, rule: Any) -> dict[str, Any]:
    """One rule of a rule set, as the `rules` subcommand prints it."""
    if kind == "cin":
        tables = [rule.module.name] if rule.module is not None else []
    else:
        tables = _names(rule.tables)
    return {
        "code": code,
        "severity": severity(kind, rule),
        "message": rule.message,
        "tables": tables,
        "fields": _names(rule.affected_fields),
    }


def _code_order(code: str) -> tuple[int, str]:
    digits = re.match(r"\d+", code)
    return (int(digits[0]) if digits else 10**9, code)


# ---------------------------------------------------------------------------------------
# SSDA903


@dataclass
class CsvInput:
    path: Path
    table: str
    year: str  # "this" or "previous"
    content: bytes  # UTF-8, header spelled as the validator expects
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """A CSV file's text and encoding: UTF-8 (BOM or not), UTF-16 with a BOM, else
    Windows-1252, as the warehouse reads them."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def files_in(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file())
        elif path.is_file():
            out.append(path)
        else:
            raise Refused(f"{path} is neither a file nor a folder")
    return out


def recognise(path: Path, year: str, layouts: dict[str, list[str]]) -> CsvInput | str:
    """The SSDA903 table a file holds, or why it is not one."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        return "a zip container (a workbook?), not CSV"
    text, encoding = decode(data)
    if "\x00" in text[:4096]:
        return "binary, not CSV"
    if text.lstrip().startswith("<"):
        return "XML, not CSV"
    line_end = re.search(r"\r\n|\n|\r", text)
    header_line, rest = (
        (text[: line_end.start()], text[line_end.start() :]) if line_end else (text, "")
    )
    try:
        cells = next(csv.reader([header_line]), [])
    except csv.Error:
        return "its first line cannot be read as a CSV header"
    names = [c.replace("\ufeff", "").strip().strip('"').strip().upper() for c in cells]
    for table, columns in layouts.items():
        if sorted(names) == sorted(columns):
            content = (",".join(names) + rest).encode("utf-8")
            return CsvInput(path, table, year, content, encoding)
    return "its columns match no SSDA903 table"


def run_903(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    with quiet():
        import pandas as pd
        from lac_validator import datastore, ingress
        from lac_validator.config import column_names

        rule_set, registry = load_registry("903", args.year)
        inputs: list[CsvInput] = []
        ignored: list[dict[str, str]] = []
        for year, paths in (("this", args.this), ("previous", args.previous or [])):
            for path in files_in(paths):
                found = recognise(path, year, column_names)
                if isinstance(found, str):
                    ignored.append({"file": str(path), "reason": found})
                else:
                    inputs.append(found)
        names: dict[str, CsvInput] = {}
        for item in inputs:
            name = item.table + ("_last" if item.year == "previous" else "")
            if name in names:
                raise Refused(
                    f"{names[name].path} and {item.path} both hold the {item.table} table "
                    f"of {item.year} year's return"
                )
            names[name] = item
        if not any(i.year == "this" for i in inputs):
            raise Refused("no SSDA903 table among the files given with --this")
        uploads = [
            {
                "name": f"{i.table}.csv",
                "description": "This year" if i.year == "this" else "Prev year",
                "file_content": i.content,
            }
            for i in inputs
        ]
        frames, extras = ingress.read_from_text(uploads)
        # What each row's CHILD was before any rule ran, by table and index label.
        children = {
            name: dict(zip(frame.index, frame["CHILD"], strict=True))
            for name, frame in frames.items()
            if "CHILD" in frame.columns
        }
        positions = {
            name: {label: n for n, label in enumerate(frame.index)}
            for name, frame in frames.items()
        }
        metadata = {"collectionYear": str(args.year[1]), "localAuthority": args.la, **extras}
        store = datastore.create_datastore(frames, metadata)
        read = time.perf_counter()

        failures: list[dict[str, Any]] = []
        crashes: list[dict[str, Any]] = []
        skipped: list[str] = []
        notes: list[str] = []
        for code, rule in registry.items():
            try:
                result = rule.func(datastore.copy_datastore(store))
            except Exception as exc:  # a rule's own bug: list it and go on, as the DfE tool does
                crashes.append(_crash("903", code, rule, exc))
                continue
            if not result:
                skipped.append(code)
                continue
            for table, labels in result.items():
                seen = set()
                for label in labels:
                    if pd.isna(label):
                        notes.append(
                            f"rule {code} returned a location in {table} that is not a row"
                        )
                        continue
                    if label in seen:
                        continue
                    seen.add(label)
                    source = names.get(table)
                    position = positions.get(table, {}).get(label)
                    if source is None or position is None:
                        notes.append(f"rule {code} returned {label!r} in {table}, no row of a file")
                        continue
                    failures.append(
                        {
                            "return": "903",
                            "rule": code,
                            "severity": severity("903", rule),
                            "table": table,
                            "file": str(source.path),
                            "row": position + 2,
                            "child": _text(children.get(table, {}).get(label)),
                            "fields": _names(rule.affected_fields),
                            "message": rule.message,
                            "validator_row": position,
                        }
                    )
    finished = time.perf_counter()
    failures.sort(key=lambda f: (f["file"], f["row"], _code_order(f["rule"])))
    return {
        "return": "903",
        "collection_year": args.year_text,
        "la": args.la,
        "rule_set": rule_set,
        "validator": _validator("903"),
        "seconds": round(finished - started, 3),
        "seconds_reading": round(read - started, 3),
        "seconds_rules": round(finished - read, 3),
        "inputs": [
            {
                "file": str(i.path),
                "table": i.table,
                "year": i.year,
                "rows": int(len(frames[i.table + ("_last" if i.year == "previous" else "")])),
                "encoding": i.encoding,
            }
            for i in inputs
        ],
        "ignored": ignored,
        "rules_run": len(registry),
        "rules_skipped": skipped,
        "crashes": crashes,
        "warnings": notes,
        "failures": failures,
    }


# ---------------------------------------------------------------------------------------
# CIN


def _strip_namespaces(root: ET.Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def run_cin(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    path: Path = args.census
    with quiet():
        import pandas as pd
        from cin_validator import cin_validator
        from cin_validator.rule_engine import RuleContext

        rule_set, registry = load_registry("cin", args.year)
        data = path.read_bytes()
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise Refused(f"{path} declares a document type: the census has none")
        try:
            root = ET.fromstring(data)  # no document type, so no entities (checked above)
        except ET.ParseError as exc:
            raise Refused(f"{path} is not well-formed XML ({exc})") from exc
        _strip_namespaces(root)
        if root.find("Header") is None or root.find("Children") is None:
            raise Refused(f"{path} is not a CIN census: no <Header> or <Children>")
        raw = cin_validator.convert_data(root)
        header = (
            {k: _text(v) for k, v in raw["Header"].iloc[0].items()} if len(raw["Header"]) else {}
        )
        tables = cin_validator.process_data(raw)
        snapshot = copy.deepcopy(tables)
        enumed = cin_validator.enum_keys(tables)
        ids = list(snapshot["ChildIdentifiers"]["LAchildID"])
        where: dict[Any, list[int]] = {}
        for number, child in enumerate(ids, 1):
            where.setdefault(child, []).append(number)
        read = time.perf_counter()

        failures: list[dict[str, Any]] = []
        crashes: list[dict[str, Any]] = []
        for code, rule in registry.items():
            context = RuleContext(rule)
            try:
                rule.func(copy.deepcopy(enumed), context)
            except Exception as exc:  # a rule's own bug: list it and go on, as the DfE tool does
                crashes.append(_crash("cin", code, rule, exc))
            kinds = [
                context.type_zero_issues,
                context.type_one_issues,
                context.type_two_issues,
                context.type_three_issues,
                context.la_level_issues,
            ]
            sizes = [len(k) for k in kinds]
            if max(sizes) == 0:
                continue
            kept = sizes.index(max(sizes))
            base = {
                "return": "cin",
                "rule": code,
                "severity": severity("cin", rule),
                "file": str(path),
                "message": rule.message,
            }
            if kept == 4:
                # A rule about the whole return: no table, no row.
                failures.append({**base, **dict.fromkeys(LOCATION), "fields": []})
                continue
            grouped: dict[tuple[str, int], list[str]] = {}
            for table, field, row in kinds[kept][
                ["tables_affected", "columns_affected", "ROW_ID"]
            ].itertuples(index=False):
                if pd.isna(row):
                    continue
                fields = grouped.setdefault((str(table), int(row)), [])
                if str(field) not in fields:
                    fields.append(str(field))
            for (table, row), fields in grouped.items():
                failures.append(
                    {**base, **_cin_location(snapshot, where, table, row), "fields": fields}
                )
    finished = time.perf_counter()
    failures.sort(
        key=lambda f: (
            f["row"] is None,
            f["row"] or 0,
            f["table"] or "",
            f["validator_row"] or 0,
            _code_order(f["rule"]),
        )
    )
    return {
        "return": "cin",
        "collection_year": args.year_text,
        "la": args.la,
        "rule_set": rule_set,
        "validator": _validator("cin"),
        "census": {
            "file": str(path),
            "year": header.get("Year"),
            "reference_date": header.get("ReferenceDate"),
            "lea": header.get("LEA"),
            "children": len(ids),
        },
        "seconds": round(finished - started, 3),
        "seconds_reading": round(read - started, 3),
        "seconds_rules": round(finished - read, 3),
        "rules_run": len(registry),
        "crashes": crashes,
        "warnings": [],
        "failures": failures,
    }


def _cin_location(
    tables: dict[str, Any], where: dict[Any, list[int]], table: str, row: int
) -> dict[str, Any]:
    """Where a failing row of one of the validator's tables is in the census."""
    frame = tables.get(table)
    found = frame is not None and 0 <= row < len(frame)
    values = frame.iloc[row] if found else {}
    child = _text(values.get("LAchildID")) if found else None
    if table == "Header":
        position = None
    elif table in ONE_ROW_PER_CHILD and found:
        position = row + 1
    else:
        matches = where.get(values.get("LAchildID"), []) if found else []
        position = matches[0] if len(matches) == 1 else None
    item = None
    for name in ("AssessmentID", "CPPID"):
        if found and name in values and _text(values.get(name)) is not None:
            item = int(values.get(name))
    referral = values.get("CINdetailsID") if found else None
    return {
        "table": table,
        "element": CIN_ELEMENTS.get(table),
        "row": position,
        "child": child,
        "referral": int(referral) if _text(referral) is not None else None,
        "item": item,
        "validator_row": row,
    }


# ---------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A cell as text; None for the validators' several kinds of missing."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _crash(kind: str, code: str, rule: Any, exc: Exception) -> dict[str, Any]:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return {
        "return": kind,
        "rule": code,
        "severity": severity(kind, rule),
        "error": f"{type(exc).__name__}: {exc}",
        "where": f"{Path(frame.filename).name}:{frame.lineno}",
        "message": rule.message,
    }


def _validator(kind: str) -> dict[str, str]:
    name = PACKAGES[kind][0]
    return {"package": name, "version": importlib.metadata.version(name)}


def run_rules(args: argparse.Namespace) -> dict[str, Any]:
    with quiet():
        rule_set, registry = load_registry(args.kind, args.year)
    rules = [describe(args.kind, code, rule) for code, rule in registry.items()]
    rules.sort(key=lambda r: _code_order(r["code"]))
    return {
        "return": args.kind,
        "collection_year": args.year_text,
        "rule_set": rule_set,
        "validator": _validator(args.kind),
        "rules": rules,
    }


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        description="Run the DfE validators on SSDA903 tables or a CIN census; write JSON."
    )
    commands = top.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser, la: bool = True) -> None:
        sub.add_argument("--year", required=True, help="collection year, e.g. 2024-25")
        if la:
            sub.add_argument("--la", required=True, help="the council's ONS code")
        sub.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
        sub.add_argument("--verbose", action="store_true", help="show the validators' logs")

    lac = commands.add_parser("903", help="validate one council-year of SSDA903 tables")
    common(lac)
    lac.add_argument("--this", nargs="+", type=Path, required=True, help="this year's files")
    lac.add_argument("--previous", nargs="+", type=Path, help="last year's files")
    cin = commands.add_parser("cin", help="validate one CIN census")
    common(cin)
    cin.add_argument("census", type=Path, help="the census XML file")
    rules = commands.add_parser("rules", help="print a year's rule set")
    rules.add_argument("kind", choices=sorted(PACKAGES))
    common(rules, la=False)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.year_text = args.year
        args.year = collection_year(args.year)
    except argparse.ArgumentTypeError as exc:
        print(f"dfe_oracle: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.ERROR)
    run = {"903": run_903, "cin": run_cin, "rules": run_rules}[args.command]
    try:
        result = run(args)
    except Refused as exc:
        print(f"dfe_oracle: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
