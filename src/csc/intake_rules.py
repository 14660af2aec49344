"""Every rule a file or row can fail, in the warehouse's own fixed wording.

The data rules live with their returns (`rules`, `cin_rules`, `annex_a_rules`,
`costs_rules`); the rules about a file as a whole (where it was dropped, whether it can be
read, its layout) live here. The loader writes the whole catalogue to `raw.load_rules` on
every run, so what is shared beyond a council names a rule and its fixed description, never
a message built from a file's content.
"""

from __future__ import annotations

from dataclasses import dataclass

from csc.rules import CRITICAL, INFO, WARNING


@dataclass(frozen=True)
class IntakeRule:
    severity: str
    description: str


INTAKE_RULES: dict[str, IntakeRule] = {
    # Where and how a file was dropped.
    "drop.misplaced": IntakeRule(
        CRITICAL, "the file is not in a drops/<ONS code>/<reference date>/ folder"
    ),
    "drop.unknown_council": IntakeRule(
        CRITICAL, "the folder is not the ONS code of a council of the region"
    ),
    "drop.bad_reference_date": IntakeRule(
        CRITICAL, "the folder is not a reference date written YYYY-MM-DD"
    ),
    "drop.reference_date_out_of_range": IntakeRule(
        CRITICAL,
        "the reference date is in the future or outside the collection years the warehouse covers",
    ),
    "drop.not_a_regular_file": IntakeRule(
        CRITICAL, "the entry is a link, a device or another special file, and is never read"
    ),
    "drop.bad_name": IntakeRule(
        CRITICAL, "the file or folder name holds control characters or is not valid text"
    ),
    "drop.vanished": IntakeRule(CRITICAL, "the file disappeared before it could be read"),
    "drop.too_large": IntakeRule(CRITICAL, "the file is larger than the drop contract allows"),
    "drop.not_stamped": IntakeRule(
        CRITICAL,
        "the file is not listed in the folder's pseudonymisation stamp: run `csc pseudonymise` "
        "for this council before dropping",
    ),
    "drop.wrong_council": IntakeRule(
        CRITICAL, "the file was pseudonymised for another council than the folder's"
    ),
    "drop.bad_stamp": IntakeRule(CRITICAL, "the folder's pseudonymisation stamp cannot be read"),
    "drop.ambiguous": IntakeRule(
        CRITICAL,
        "two new files in one folder hold the same table: neither is loaded until one is removed",
    ),
    "drop.duplicate": IntakeRule(
        WARNING, "byte-identical to the current file for the council and collection year"
    ),
    "drop.same_as_refused": IntakeRule(
        CRITICAL, "the same bytes as another file of the same load, which was refused"
    ),
    "drop.restored": IntakeRule(INFO, "the same bytes as an earlier file, which is current again"),
    "drop.unreadable": IntakeRule(CRITICAL, "the file could not be read"),
    # CSV layouts.
    "structure.empty_file": IntakeRule(CRITICAL, "the file is empty"),
    "structure.unrecognised": IntakeRule(
        CRITICAL, "the columns match neither an SSDA903 table nor the placement costs extract"
    ),
    "structure.missing_columns": IntakeRule(CRITICAL, "the file lacks columns of its layout"),
    "structure.duplicate_columns": IntakeRule(CRITICAL, "a column appears twice in the header"),
    "structure.extra_columns": IntakeRule(
        WARNING, "columns that are not part of the layout were ignored"
    ),
    "structure.table_not_in_year": IntakeRule(
        WARNING, "the table is not part of the return in this collection year"
    ),
    "structure.encoding": IntakeRule(WARNING, "the file is not UTF-8"),
    "structure.line_endings": IntakeRule(
        WARNING, "lines end in CR alone or in a mix of styles; they were read as one"
    ),
    "structure.too_many_columns": IntakeRule(
        CRITICAL, "the header has more columns than the drop contract allows"
    ),
    "structure.nul_bytes": IntakeRule(CRITICAL, "the file holds NUL bytes: it is not text"),
    "structure.line_too_long": IntakeRule(
        CRITICAL, "a line is longer than the drop contract allows"
    ),
    "structure.unreadable_row": IntakeRule(CRITICAL, "a line cannot be read as a row of the table"),
    # The CIN census.
    "cin.file_too_large": IntakeRule(
        CRITICAL, "the census is larger than the drop contract allows"
    ),
    "cin.unsafe_xml": IntakeRule(
        CRITICAL, "the file declares a document type or entities, which the census never needs"
    ),
    "cin.malformed_xml": IntakeRule(CRITICAL, "the file is not well-formed XML"),
    "cin.too_deep": IntakeRule(CRITICAL, "elements are nested deeper than the census ever is"),
    "cin.text_too_long": IntakeRule(
        CRITICAL, "a text, tag or attribute is longer than the drop contract allows"
    ),
    "cin.not_a_census": IntakeRule(CRITICAL, "the file is XML but not a CIN census"),
    "cin.no_children": IntakeRule(WARNING, "the census holds no <Child>"),
    # Annex A workbooks.
    "annex_a.file_too_large": IntakeRule(
        CRITICAL, "the workbook, or what it expands to, is larger than the drop contract allows"
    ),
    "annex_a.too_compressed": IntakeRule(
        CRITICAL, "a part of the workbook expands more than any real workbook does"
    ),
    "annex_a.sheet_too_large": IntakeRule(
        CRITICAL, "a sheet reaches further down and across than the drop contract allows"
    ),
    "annex_a.unreadable": IntakeRule(CRITICAL, "the file is not a readable .xlsx workbook"),
    "annex_a.unwritable": IntakeRule(
        CRITICAL, "the workbook holds a value no .xlsx workbook can hold, so it was not copied"
    ),
    "annex_a.no_lists": IntakeRule(
        CRITICAL, "no sheet is an Annex A List 1, 2 or 3 with a Child Unique ID column"
    ),
    "annex_a.list_twice": IntakeRule(CRITICAL, "two sheets of the workbook hold the same list"),
    "annex_a.list_missing": IntakeRule(WARNING, "one of Lists 1-3 is missing"),
    "annex_a.missing_columns": IntakeRule(CRITICAL, "a loaded list lacks one of its columns"),
    "annex_a.extra_columns": IntakeRule(
        WARNING, "columns that are not part of Annex A were ignored"
    ),
    "annex_a.list_not_loaded": IntakeRule(INFO, "a list the warehouse does not load was left"),
    "annex_a.sheet_not_loaded": IntakeRule(INFO, "a sheet that is no Annex A list was left"),
    "annex_a.child_not_pseudonymised": IntakeRule(
        CRITICAL, "a Child Unique ID in a list the warehouse does not load is not a token"
    ),
}


def catalogue() -> list[tuple[str, str, str, str | None]]:
    """(rule id, severity, fixed description, the DfE's severity) of every rule, once each:
    the DfE's severity (error or query) for the DfE's own rules, blank for the warehouse's."""
    from csc import annex_a_rules, cin_rules, costs_rules, dfe, rules

    out: dict[str, tuple[str, str]] = {
        rule_id: (rule.severity, rule.description) for rule_id, rule in INTAKE_RULES.items()
    }
    every = [rule for table in rules.TABLE_RULES for rule in rules.rules_for(table)]
    every += [rule for t in cin_rules.TABLE_RULES for rule in cin_rules.rules_for(t, rules.YEARS)]
    every += [
        rule for t in annex_a_rules.TABLE_RULES for rule in annex_a_rules.rules_for(t, rules.YEARS)
    ]
    every += costs_rules.rules_for(rules.YEARS)
    for rule in every:
        out.setdefault(rule.id, (rule.severity, rule.description))
    dfe_severity = {}
    for dfe_rule in dfe.every_rule():
        out.setdefault(dfe_rule.id, (WARNING, dfe_rule.message))
        dfe_severity[dfe_rule.id] = dfe_rule.severity
    return sorted(
        (rule_id, sev, text, dfe_severity.get(rule_id)) for rule_id, (sev, text) in out.items()
    )


def describe(rule_id: str) -> str:
    rule = INTAKE_RULES.get(rule_id)
    return rule.description if rule else rule_id
