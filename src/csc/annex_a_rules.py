"""The checks every Annex A list goes through (Lists 1-3), one suite per list.

Critical rules quarantine the workbook (an identifier that is not a token, a date that is
not a date); warnings record rows. Rows are reported by their row number in the sheet.
"""

from __future__ import annotations

from collections.abc import Iterable

import great_expectations.expectations as gxe

from csc.cin_rules import ISO_DATE, ISO_FIRST_OF_MONTH, derived_columns
from csc.rules import WARNING, Rule, TableRules, generic_rules

CHILD = "child_unique_id"
GENDERS = ["a) Male", "b) Female", "c) Not stated/recorded", "d) Neither"]


def _spec(dates: tuple[str, ...], main_date: str) -> TableRules:
    return TableRules(
        dates=("date_of_birth", *dates),
        birth_dates=("date_of_birth",),
        required=(CHILD, main_date),
        expected=("gender",),
        key=(),
        child=CHILD,
        date_regex=ISO_DATE,
        date_text="a date (a date cell, or text dd/mm/yyyy)",
        month_regex=ISO_FIRST_OF_MONTH,
        label="annex_a",
        return_name="Annex A",
        row_level=False,  # Annex A has no DfE validation; its shape is the drop contract's
    )


TABLE_RULES: dict[str, TableRules] = {
    "contacts": _spec(("date_of_contact",), "date_of_contact"),
    "early_help": _spec(
        ("assessment_start_date", "assessment_completion_date"), "assessment_start_date"
    ),
    "referrals": _spec(("date_of_referral",), "date_of_referral"),
}


def _specific(table: str) -> list[Rule]:
    rules = [
        Rule(
            "annex_a.gender_label",
            WARNING,
            "Gender is not one of the Annex A labels (a) Male, b) Female, "
            "c) Not stated/recorded, d) Neither)",
            gxe.ExpectColumnValuesToBeInSet,
            {"column": "gender", "value_set": GENDERS},
            ("gender",),
        )
    ]
    if table == "early_help":
        rules.append(
            Rule(
                "annex_a.completion_before_start",
                WARNING,
                "the early help assessment is completed before it starts",
                gxe.ExpectColumnPairValuesAToBeGreaterThanB,
                {
                    "column_A": "assessment_completion_date__date",
                    "column_B": "assessment_start_date__date",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                ("assessment_start_date", "assessment_completion_date"),
            )
        )
    if table == "referrals":
        rules.append(
            Rule(
                "annex_a.referral_nfa_value",
                WARNING,
                "Referral NFA? is neither Yes nor No",
                gxe.ExpectColumnValuesToBeInSet,
                {"column": "referral_nfa", "value_set": ["Yes", "No", "yes", "no", "Y", "N"]},
                ("referral_nfa",),
            )
        )
    return rules


def rules_for(table: str, years: Iterable[int]) -> list[Rule]:
    spec = TABLE_RULES[table]
    return generic_rules(f"annex_a_{table}", spec, sorted(set(years))) + _specific(table)


def prepare_sql(table: str, batch: str) -> str:
    derived = ", ".join(derived_columns(TABLE_RULES[table]))
    return f"select b.*, {derived} from {batch}_{table} as b order by b._file, b._row"  # nosec B608 # identifiers from TABLE_RULES and the loader's batch prefix, none from a file
