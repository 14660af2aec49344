"""The checks every SSDA903 file goes through, one expectation suite per table.

Two severities:

* critical: what makes a file unsafe or unusable (identifiers that should have been
  pseudonymised, a child ID that is not a token). The whole file is quarantined (kept,
  reported, not loaded).
* warning: what the DfE would report as an error in the return. The file loads and each
  failing row is recorded against the rule so the council can correct its return. A row
  that cannot be keyed (a blank or broken key, or a key another, different row also has)
  is set aside: recorded and counted, not loaded, while the rest of the file loads.

Each rule has a stable id (`<table>.<what>`), a sentence a council data lead can act on,
and the Great Expectations expectation that checks it. Expectations run on a frame that
DuckDB prepares (see `validate.py`): the file's own columns as text, plus derived columns
named `<COLUMN>__date` (the parsed date), `<COLUMN>__shaped` (written dd/mm/YYYY),
`<COLUMN>__year`, `<COLUMN>__yc` (`<year ending>:<code>`, to check a
code against the codes valid in that collection year) and a few cross-row helpers for
episodes (`_prev_dec`, `_next_decom`, `_in_header`, `_dob`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import great_expectations.expectations as gxe

from csc import reference
from csc.pseudonymise import TOKEN_PATTERN

CRITICAL = "critical"
WARNING = "warning"
INFO = "info"  # a note for the council: neither a breach nor a reason to refuse

DATE_FORMAT = r"^\d{2}/\d{2}/\d{4}$"
FIRST_OF_MONTH = r"^01/\d{2}/\d{4}$"
FULL_POSTCODE = r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\s*$"
EARLIEST_YEAR = 1980
LATEST_YEAR = 2100
CONTINUATION_RNE = '["L", "P", "T", "U", "B"]'
TEMPORARY_PLACES = '["T0", "T1", "T2", "T3", "T4"]'
YEARS = range(2010, 2041)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    build: Callable[..., gxe.Expectation]
    kwargs: dict = field(default_factory=dict)
    columns: tuple[str, ...] = ()  # the file's columns a failing row is reported with
    sets_aside: bool = False  # a failing row cannot be keyed: it is not loaded

    @property
    def group(self) -> str:
        """The column a rule is about; rules across rows (sequences, keys) form their own.

        Each group is one expectation suite, run on a frame holding only the group's
        columns, which keeps Great Expectations' per-expectation copies small.
        """
        first = self.kwargs.get("column") or self.kwargs.get("column_A")
        if first is None or first.startswith("_") or self.kwargs.get("column_B", "x")[0] == "_":
            return "across_rows"
        return first.split("__")[0].lower()

    def reads(self, available: Collection[str]) -> set[str]:
        """The frame columns the expectation reads, row condition included."""
        names = {self.kwargs.get(k) for k in ("column", "column_A", "column_B")}
        names.update(self.kwargs.get("column_list", ()))
        condition = self.kwargs.get("row_condition", "")
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))
        return {n for n in names if n in available}

    def expectation(self) -> gxe.Expectation:
        return self.build(
            **self.kwargs, severity=self.severity, meta={"rule": self.id, "text": self.description}
        )


@dataclass(frozen=True)
class TableRules:
    """What is checked in one table, declared once."""

    dates: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    required: tuple[str, ...] = ("CHILD",)
    expected: tuple[str, ...] = ()  # blank is a DfE rule breach, not a broken file
    shapes: dict[str, str] = field(default_factory=dict)
    coded: tuple[str, ...] = ()
    key: tuple[str, ...] = ("CHILD",)
    postcodes: tuple[str, ...] = ()
    future_ok: tuple[str, ...] = ()  # dates that may lie after the reference date
    identifiers: tuple[str, ...] = ()  # direct identifiers: must arrive blank
    # How the return writes things; the SSDA903's way by default.
    child: str = "CHILD"
    date_regex: str = DATE_FORMAT
    date_text: str = "dd/mm/YYYY"
    month_regex: str = FIRST_OF_MONTH
    code_list: Callable[[str, int], list[str]] = reference.codes
    code_fields: dict[str, str] = field(default_factory=dict)  # column -> code list name
    label: str = ""  # rule ids start with this; the table's name by default
    return_name: str = "SSDA903"
    # Rows are judged one by one (DfE errors are warnings, rows that cannot be keyed are set
    # aside); when False, a breach of the return's shape refuses the whole file.
    row_level: bool = True
    row_needs: tuple[str, ...] = ()  # columns besides the key without which a row is set aside

    @property
    def needed(self) -> tuple[str, ...]:
        """The columns a row cannot be loaded without: the key's, and `row_needs`."""
        return tuple(dict.fromkeys((*self.key, *self.row_needs)))


TABLE_RULES: dict[str, TableRules] = {
    "header": TableRules(
        dates=("DOB", "MC_DOB"),
        birth_dates=("DOB", "MC_DOB"),
        required=("CHILD", "DOB"),
        expected=("SEX", "ETHNIC"),
        shapes={"SEX": r"^[12MFU]$", "ETHNIC": r"^[A-Z]{4}$", "MOTHER": r"^[01]$"},
        coded=("SEX", "ETHNIC", "MOTHER"),
        identifiers=("UPN",),
    ),
    "episodes": TableRules(
        dates=("DECOM", "DEC"),
        required=("CHILD", "DECOM"),
        expected=("RNE", "LS", "CIN", "PLACE"),
        shapes={
            "RNE": r"^[A-Z]$",
            "LS": r"^[A-Z][0-9]$",
            "CIN": r"^N[0-9]$",
            "PLACE": r"^[A-Z][0-9]{1,2}$",
            "PLACE_PROVIDER": r"^PR[0-9]$",
            "REC": r"^[A-Z][0-9A-Z]{1,2}$",
        },
        coded=("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"),
        key=("CHILD", "DECOM"),
        postcodes=("HOME_POST", "PL_POST"),
    ),
    "uasc": TableRules(
        dates=("DOB", "DUC"),
        birth_dates=("DOB",),
        required=("CHILD", "DOB"),
        shapes={"SEX": r"^[12MFU]$"},
        coded=("SEX",),
        future_ok=("DUC",),
    ),
    "oc2": TableRules(
        dates=("DOB",),
        birth_dates=("DOB",),
        shapes={"SDQ_SCORE": r"^\d{1,2}$"},
        coded=(
            "SDQ_REASON",
            "CONVICTED",
            "HEALTH_CHECK",
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ),
    ),
    "oc3": TableRules(
        dates=("DOB",),
        birth_dates=("DOB",),
        expected=("IN_TOUCH", "ACTIV", "ACCOM"),
        coded=("IN_TOUCH", "ACTIV", "ACCOM"),
    ),
    "ad1": TableRules(dates=("DOB", "DATE_INT", "DATE_MATCH"), birth_dates=("DOB",)),
    "placed_adoption": TableRules(
        dates=("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
        birth_dates=("DOB",),
        key=("CHILD", "DATE_PLACED"),
    ),
    "prev_perm": TableRules(dates=("DOB", "DATE_PERM"), birth_dates=("DOB",)),
    "missing": TableRules(
        dates=("DOB", "MIS_START", "MIS_END"),
        birth_dates=("DOB",),
        required=("CHILD", "MIS_START"),
        expected=("MISSING",),
        shapes={"MISSING": r"^[A-Z]$"},
        coded=("MISSING",),
        key=("CHILD", "MIS_START"),
    ),
    "reviews": TableRules(
        dates=("DOB", "REVIEW"),
        birth_dates=("DOB",),
        required=("CHILD", "REVIEW"),
        shapes={"REVIEW_CODE": r"^PN[0-9]$"},
        coded=("REVIEW_CODE",),
        key=("CHILD", "REVIEW"),
    ),
    "sw_episodes": TableRules(
        dates=("DOB", "SW_DECOM", "SW_DEC"),
        birth_dates=("DOB",),
        required=("CHILD", "SW_DECOM"),
        key=("CHILD", "SW_ID", "SW_DECOM"),
    ),
    "dolo": TableRules(
        dates=("DOB", "DOLO_START", "DOLO_END"),
        birth_dates=("DOB",),
        required=("CHILD", "DOLO_START"),
        key=("CHILD", "DOLO_START"),
    ),
}


def derived_columns(spec: TableRules) -> list[str]:
    """The `__date`, `__shaped`, `__year` and `__yc` columns of a dd/mm/YYYY return's rules,
    and `_year_start`, over a batch aliased `b`."""
    dates, coded = spec.dates, spec.coded
    derived = [f'try_strptime(b."{c}", \'%d/%m/%Y\')::date as "{c}__date"' for c in dates]
    derived += [
        f'regexp_full_match(b."{c}", \'{DATE_FORMAT[1:-1]}\') as "{c}__shaped"' for c in dates
    ]
    derived += [f'year(try_strptime(b."{c}", \'%d/%m/%Y\')) as "{c}__year"' for c in dates]
    derived += [f'cast(b._year_ending as varchar) || \':\' || b."{c}" as "{c}__yc"' for c in coded]
    derived.append("make_date(b._year_ending - 1, 4, 1) as _year_start")
    return derived


def valid_year_codes(
    field_name: str,
    years: Iterable[int],
    code_list: Callable[[str, int], list[str]] = reference.codes,
) -> list[str]:
    """Every `<year ending>:<code>` pair that the code list allows in those years."""
    return [f"{year}:{code}" for year in years for code in code_list(field_name, year)]


def generic_rules(table: str, spec: TableRules, years: Iterable[int]) -> list[Rule]:
    """The rules every table of a return gets from its declaration."""
    rules: list[Rule] = []
    label = spec.label or table
    child = spec.child
    needed = set(spec.needed) if spec.row_level else set()
    # A breach of the return's shape: a warning on its row, which is set aside when the
    # column is one the row cannot be keyed or loaded without; or the file's refusal.
    shape = WARNING if spec.row_level else CRITICAL
    aside = ": the row is set aside, not loaded"

    required = spec.required + tuple(c for c in spec.needed if c not in spec.required)
    for column in required if spec.row_level else spec.required:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_required",
                shape,
                f"{column} is blank: every row needs it" + (aside if column in needed else ""),
                gxe.ExpectColumnValuesToNotBeNull,
                {"column": column},
                (column,),
                column in needed,
            )
        )
    rules.append(
        Rule(
            f"{label}.child_not_pseudonymised",
            CRITICAL,
            f"{child} is not a pseudonymised token: run `csc pseudonymise` before dropping",
            gxe.ExpectColumnValuesToMatchRegex,
            {"column": child, "regex": TOKEN_PATTERN},
            (child,),
        )
    )
    if spec.key:
        text = f"more than one row for the same {' + '.join(spec.key)}"
        if spec.row_level:
            text += (
                ": a row repeated exactly loads once; rows that differ are set aside, not loaded"
            )
        rules.append(
            Rule(
                f"{label}.duplicate_key",
                shape,
                text,
                gxe.ExpectCompoundColumnsToBeUnique,
                {"column_list": ["_file", *spec.key]},
                spec.key,
                spec.row_level,
            )
        )
    for column in spec.dates:
        then = aside if column in needed else ""
        rules += [
            Rule(
                f"{label}.{column.lower()}_format",
                shape,
                f"{column} is not a date written {spec.date_text}{then}",
                gxe.ExpectColumnValuesToMatchRegex,
                {"column": column, "regex": spec.date_regex},
                (column,),
                column in needed,
            ),
            Rule(
                f"{label}.{column.lower()}_impossible",
                shape,
                f"{column} is not a real calendar date{then}",
                gxe.ExpectColumnValuesToNotBeNull,
                {
                    "column": f"{column}__date",
                    "row_condition": f"{column}__shaped == True",
                    "condition_parser": "pandas",
                },
                (column,),
                column in needed,
            ),
            Rule(
                f"{label}.{column.lower()}_out_of_range",
                shape,
                f"{column} is outside the plausible years {EARLIEST_YEAR} to {LATEST_YEAR}{then}",
                gxe.ExpectColumnValuesToBeBetween,
                {
                    "column": f"{column}__year",
                    "min_value": EARLIEST_YEAR,
                    "max_value": LATEST_YEAR,
                },
                (column,),
                column in needed,
            ),
        ]
    for column in spec.birth_dates:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_not_pseudonymised",
                CRITICAL,
                f"{column} is a full date of birth: `csc pseudonymise` reduces it to the "
                "first of the month",
                gxe.ExpectColumnValuesToMatchRegex,
                {"column": column, "regex": spec.month_regex},
                (column,),
            )
        )
    for column in spec.identifiers:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_present",
                CRITICAL,
                f"{column} is a direct identifier and must be blank: `csc pseudonymise` removes it",
                gxe.ExpectColumnValuesToBeNull,
                {"column": column},
                (column,),
            )
        )
    for column in spec.postcodes:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_full_postcode",
                CRITICAL,
                f"{column} holds a full postcode: `csc pseudonymise` cuts it to the sector",
                gxe.ExpectColumnValuesToNotMatchRegex,
                {"column": column, "regex": FULL_POSTCODE},
                (column,),
            )
        )
    for column, pattern in spec.shapes.items():
        rules.append(
            Rule(
                f"{label}.{column.lower()}_shape",
                shape,
                f"{column} is not shaped like an {spec.return_name} code",
                gxe.ExpectColumnValuesToMatchRegex,
                {"column": column, "regex": pattern},
                (column,),
            )
        )
    for column in spec.expected:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_missing",
                WARNING,
                f"{column} is blank",
                gxe.ExpectColumnValuesToNotBeNull,
                {"column": column},
                (column,),
            )
        )
    for column in spec.coded:
        rules.append(
            Rule(
                f"{label}.{column.lower()}_invalid_code",
                WARNING,
                f"{column} is not a code valid in this collection year",
                gxe.ExpectColumnValuesToBeInSet,
                {
                    "column": f"{column}__yc",
                    "value_set": valid_year_codes(
                        spec.code_fields.get(column, column), years, spec.code_list
                    ),
                },
                (column,),
            )
        )
    for column in spec.dates:
        if column in spec.future_ok:
            continue
        rules.append(
            Rule(
                f"{label}.{column.lower()}_after_reference_date",
                WARNING,
                f"{column} is after the last day the return covers",
                gxe.ExpectColumnPairValuesAToBeGreaterThanB,
                {
                    "column_A": "_reference_date",
                    "column_B": f"{column}__date",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                (column,),
            )
        )
    return rules


def _pair(
    rule_id: str, text: str, a: str, b: str, columns: tuple[str, ...], **extra: object
) -> Rule:
    """A warning that column a is on or after column b (both dates)."""
    kwargs = {"column_A": a, "column_B": b, "or_equal": True}
    kwargs["ignore_row_if"] = "either_value_is_missing"
    kwargs.update(extra)
    return Rule(
        rule_id, WARNING, text, gxe.ExpectColumnPairValuesAToBeGreaterThanB, kwargs, columns
    )


def _episode_rules() -> list[Rule]:
    ep = ("DECOM", "DEC", "RNE", "LS", "PLACE", "REC")
    return [
        _pair("episodes.dec_before_decom", "DEC is before DECOM", "DEC__date", "DECOM__date", ep),
        Rule(
            "episodes.rec_without_dec",
            WARNING,
            "REC is set but DEC is blank: both or neither",
            gxe.ExpectColumnValuesToBeNull,
            {"column": "REC", "row_condition": "DEC.isnull()", "condition_parser": "pandas"},
            ep,
        ),
        Rule(
            "episodes.dec_without_rec",
            WARNING,
            "DEC is set but REC is blank: both or neither",
            gxe.ExpectColumnValuesToNotBeNull,
            {"column": "REC", "row_condition": "DEC.notnull()", "condition_parser": "pandas"},
            ep,
        ),
        _pair(
            "episodes.overlap",
            "this episode is still open when the child's next episode starts",
            "_next_decom",
            "_dec_or_open",
            ep,
        ),
        Rule(
            "episodes.continuity",
            WARNING,
            "a continuing episode (RNE L, P, T, U or B) must start on the day the previous "
            "episode ended",
            gxe.ExpectColumnPairValuesToBeEqual,
            {
                "column_A": "DECOM__date",
                "column_B": "_prev_dec",
                "ignore_row_if": "either_value_is_missing",
                "row_condition": f"RNE in {CONTINUATION_RNE}",
                "condition_parser": "pandas",
            },
            ep,
        ),
        Rule(
            "episodes.x1_without_next",
            WARNING,
            "REC is X1 (episode continues) but no episode follows",
            gxe.ExpectColumnValuesToNotBeNull,
            {"column": "_next_decom", "row_condition": 'REC == "X1"', "condition_parser": "pandas"},
            ep,
        ),
        _pair(
            "episodes.new_period_same_day",
            "RNE is S (started to be looked after) but the previous episode only ended that day",
            "DECOM__date",
            "_prev_dec",
            ep,
            or_equal=False,
            row_condition='RNE == "S"',
            condition_parser="pandas",
        ),
        Rule(
            "episodes.child_not_in_header",
            WARNING,
            "the child has an episode but no row in the Header of the same return",
            gxe.ExpectColumnValuesToBeInSet,
            {"column": "_in_header", "value_set": [True]},
            ("CHILD",),
        ),
        _pair(
            "episodes.before_birth",
            "the episode starts before the child's date of birth",
            "DECOM__date",
            "_dob",
            ep,
        ),
        Rule(
            "episodes.police_protection_over_72h",
            WARNING,
            "police protection (LS L1) lasted more than 72 hours",
            gxe.ExpectColumnValuesToBeBetween,
            {
                "column": "_days",
                "max_value": 3,
                "row_condition": 'LS == "L1"',
                "condition_parser": "pandas",
            },
            ep,
        ),
        Rule(
            "episodes.epo_over_21_days",
            WARNING,
            "an emergency protection order (LS L2) lasted more than 21 days",
            gxe.ExpectColumnValuesToBeBetween,
            {
                "column": "_days",
                "max_value": 21,
                "row_condition": 'LS == "L2"',
                "condition_parser": "pandas",
            },
            ep,
        ),
        Rule(
            "episodes.period_starts_temporary",
            WARNING,
            "a period of care cannot start in a temporary placement (T0-T4)",
            gxe.ExpectColumnValuesToNotBeInSet,
            {
                "column": "PLACE",
                "value_set": ["T0", "T1", "T2", "T3", "T4"],
                "row_condition": 'RNE == "S"',
                "condition_parser": "pandas",
            },
            ep,
        ),
        Rule(
            "episodes.period_ends_temporary",
            WARNING,
            "a period of care cannot end in a temporary placement (T0-T4)",
            gxe.ExpectColumnValuesToNotBeInSet,
            {
                "column": "PLACE",
                "value_set": ["T0", "T1", "T2", "T3", "T4"],
                "row_condition": 'REC.notnull() and REC != "X1"',
                "condition_parser": "pandas",
            },
            ep,
        ),
        Rule(
            "episodes.provider_pr0_not_p1",
            WARNING,
            "PLACE_PROVIDER PR0 (parents) is only valid with PLACE P1",
            gxe.ExpectColumnValuesToBeInSet,
            {
                "column": "PLACE",
                "value_set": ["P1"],
                "row_condition": 'PLACE_PROVIDER == "PR0"',
                "condition_parser": "pandas",
            },
            ("PLACE", "PLACE_PROVIDER"),
        ),
        Rule(
            "episodes.provider_on_temporary",
            WARNING,
            "PLACE_PROVIDER must be blank for a temporary placement (T0-T4)",
            gxe.ExpectColumnValuesToBeNull,
            {
                "column": "PLACE_PROVIDER",
                "row_condition": f"PLACE in {TEMPORARY_PLACES}",
                "condition_parser": "pandas",
            },
            ("PLACE", "PLACE_PROVIDER"),
        ),
    ]


def _table_specific_rules(table: str) -> list[Rule]:
    if table == "episodes":
        return _episode_rules()
    if table == "header":
        return [
            Rule(
                "header.mother_without_child_dob",
                WARNING,
                "MOTHER is 1 but MC_DOB (the date of birth of her child) is blank",
                gxe.ExpectColumnValuesToNotBeNull,
                {
                    "column": "MC_DOB",
                    "row_condition": 'MOTHER == "1"',
                    "condition_parser": "pandas",
                },
                ("MOTHER", "MC_DOB"),
            )
        ]
    if table == "uasc":
        return [
            _pair("uasc.duc_before_dob", "DUC is before DOB", "DUC__date", "DOB__date", ("DUC",))
        ]
    if table == "oc2":
        return [
            Rule(
                "oc2.sdq_score_range",
                WARNING,
                "SDQ_SCORE must be between 0 and 40",
                gxe.ExpectColumnValuesToBeBetween,
                {"column": "SDQ_SCORE__int", "min_value": 0, "max_value": 40},
                ("SDQ_SCORE",),
            )
        ]
    if table == "missing":
        cols = ("MISSING", "MIS_START", "MIS_END")
        return [
            _pair(
                "missing.end_before_start",
                "MIS_END is before MIS_START",
                "MIS_END__date",
                "MIS_START__date",
                cols,
            ),
            _pair(
                "missing.overlap",
                "this missing period is still open when the child's next one starts",
                "_next_start",
                "_end_or_open",
                cols,
            ),
        ]
    if table == "reviews":
        return [
            _pair(
                "reviews.before_year",
                "REVIEW is before the collection year the return covers",
                "REVIEW__date",
                "_year_start",
                ("REVIEW",),
            )
        ]
    return []


def rules_for(table: str, years: Iterable[int] = YEARS) -> list[Rule]:
    """The table's rules; code lists are limited to the collection years being checked."""
    spec = TABLE_RULES[table]
    return generic_rules(table, spec, sorted(set(years))) + _table_specific_rules(table)
