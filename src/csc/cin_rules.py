"""The checks every children-in-need census goes through, one suite per CIN table.

The same two severities as the SSDA903 (`rules.py`): critical rules quarantine the file,
warnings record the failing rows against the rule. Rows are reported by the position of
their <Child> in the file (`row_number` in `raw.load_failures`) and its LAchildID token.

DuckDB prepares each frame (`prepare_sql`): the census's own elements as text, the derived
columns `<Element>__date`, `__shaped`, `__year`, `__yc` as for the SSDA903, plus the dates of
the referral a row belongs to (`_referral_date`, `_closure_date`) and a few helpers across
rows. The representative DfE CIN rules are the `cin.*` rules below.
"""

from __future__ import annotations

from collections.abc import Iterable

import great_expectations.expectations as gxe

from csc import reference
from csc.rules import CRITICAL, WARNING, Rule, TableRules, generic_rules

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_FIRST_OF_MONTH = r"^\d{4}-\d{2}-01$"
CHILD = "LAchildID"


def _spec(**kwargs: object) -> TableRules:
    base: dict = {
        "required": (CHILD,),
        "key": (),
        "child": CHILD,
        "date_regex": ISO_DATE,
        "date_text": "YYYY-MM-DD",
        "month_regex": ISO_FIRST_OF_MONTH,
        "code_list": reference.cin_codes,
        "label": "cin",
        "return_name": "CIN census",
        # The census's rows hang together (a child, its referrals, their assessments):
        # setting one aside would orphan others, so a breach of its shape still refuses it.
        "row_level": False,
    }
    base.update(kwargs)
    return TableRules(**base)


TABLE_RULES: dict[str, TableRules] = {
    "header": _spec(
        dates=("ReferenceDate",), required=("ReferenceDate", "LEA"), child="_child", key=()
    ),
    "children": _spec(
        dates=("PersonBirthDate", "ExpectedPersonBirthDate", "PersonDeathDate"),
        birth_dates=("PersonBirthDate", "ExpectedPersonBirthDate"),
        key=(CHILD,),
        coded=("GenderCurrent", "Sex", "Ethnicity"),
        identifiers=("UPN", "FormerUPN"),
        future_ok=("ExpectedPersonBirthDate",),
    ),
    "disabilities": _spec(coded=("Disability",)),
    "referrals": _spec(
        dates=("CINreferralDate", "CINclosureDate", "DateOfInitialCPC"),
        required=(CHILD, "CINreferralDate"),
        coded=("ReferralSource", "PrimaryNeedCode", "ReasonForClosure", "ReferralNFA"),
    ),
    "assessments": _spec(
        dates=(
            "AssessmentActualStartDate",
            "AssessmentInternalReviewDate",
            "AssessmentAuthorisationDate",
        ),
        required=(CHILD, "AssessmentActualStartDate"),
    ),
    "assessment_factors": _spec(coded=("AssessmentFactors",)),
    "plans": _spec(
        dates=("CINPlanStartDate", "CINPlanEndDate"), required=(CHILD, "CINPlanStartDate")
    ),
    "section47": _spec(
        dates=("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC"),
        required=(CHILD, "S47ActualStartDate"),
        future_ok=("InitialCPCtarget",),
    ),
    "cp_plans": _spec(
        dates=("CPPstartDate", "CPPendDate"),
        required=(CHILD, "CPPstartDate"),
        coded=("InitialCategoryOfAbuse", "LatestCategoryOfAbuse"),
        code_fields={
            "InitialCategoryOfAbuse": "CategoryOfAbuse",
            "LatestCategoryOfAbuse": "CategoryOfAbuse",
        },
        shapes={"NumberOfPreviousCPP": r"^\d{1,2}$"},
    ),
    "cp_reviews": _spec(dates=("CPPreviewDate",), required=(CHILD, "CPPreviewDate")),
}

# Activity dates of each table that must not fall after its referral was closed.
ACTIVITY_DATES = {
    "assessments": ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    "plans": ("CINPlanStartDate", "CINPlanEndDate"),
    "section47": ("S47ActualStartDate", "DateOfInitialCPC"),
    "cp_plans": ("CPPstartDate", "CPPendDate"),
    "cp_reviews": ("CPPreviewDate",),
}
# The date each table's activity starts on, which must not be before its referral.
STARTS = {
    "assessments": ("cin.assessment_before_referral", "AssessmentActualStartDate", "assessment"),
    "plans": ("cin.cin_plan_before_referral", "CINPlanStartDate", "CIN plan"),
    "section47": ("cin.s47_before_referral", "S47ActualStartDate", "section 47 enquiry"),
    "cp_plans": ("cin.cp_plan_before_referral", "CPPstartDate", "child protection plan"),
}


def _after(
    rule_id: str,
    text: str,
    later: str,
    earlier: str,
    columns: tuple[str, ...],
    or_equal: bool = True,
) -> Rule:
    """A warning unless `later` is on (or after) `earlier`; blank either way passes."""
    return Rule(
        rule_id,
        WARNING,
        text,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        {
            "column_A": later,
            "column_B": earlier,
            "or_equal": or_equal,
            "ignore_row_if": "either_value_is_missing",
        },
        columns,
    )


def _weekday(column: str) -> Rule:
    return Rule(
        "cin.icpc_on_weekend",
        WARNING,
        "the initial child protection conference (DateOfInitialCPC) is on a Saturday or Sunday",
        gxe.ExpectColumnValuesToBeBetween,
        {"column": f"{column}__dow", "min_value": 1, "max_value": 5},
        (column,),
    )


def _specific(table: str) -> list[Rule]:
    rules: list[Rule] = []
    if table == "header":
        rules += [
            Rule(
                "cin.la_mismatch",
                CRITICAL,
                "the header's LEA is not the LA number of the council the file was dropped for",
                gxe.ExpectColumnPairValuesToBeEqual,
                {"column_A": "LEA", "column_B": "_la_number"},
                ("LEA", "_la_number"),
            ),
            Rule(
                "cin.reference_date_mismatch",
                CRITICAL,
                "the header's ReferenceDate is not the reference date of the folder it was "
                "dropped in",
                gxe.ExpectColumnPairValuesToBeEqual,
                {"column_A": "ReferenceDate__date", "column_B": "_reference_date"},
                ("ReferenceDate",),
            ),
            Rule(
                "cin.year_mismatch",
                WARNING,
                "the header's Year is not the year the collection year of the reference date "
                "ends (the DfE reports this as an error and checks the rest of the return)",
                gxe.ExpectColumnPairValuesToBeEqual,
                {"column_A": "Year", "column_B": "_year_text"},
                ("Year", "ReferenceDate"),
            ),
        ]
    if table == "children":
        rules.append(
            Rule(
                "cin.birth_date_missing",
                WARNING,
                "neither PersonBirthDate nor ExpectedPersonBirthDate is given",
                gxe.ExpectColumnValuesToNotBeNull,
                {"column": "_any_birth_date"},
                ("PersonBirthDate", "ExpectedPersonBirthDate"),
            )
        )
    if table == "referrals":
        shown = ("CINreferralDate", "CINclosureDate", "ReasonForClosure")
        rules += [
            _after(
                "cin.closure_before_referral",
                "CINclosureDate is before CINreferralDate",
                "CINclosureDate__date",
                "CINreferralDate__date",
                shown,
            ),
            Rule(
                "cin.closure_without_reason",
                WARNING,
                "CINclosureDate is given but ReasonForClosure is blank",
                gxe.ExpectColumnValuesToNotBeNull,
                {
                    "column": "ReasonForClosure",
                    "row_condition": "CINclosureDate.notnull()",
                    "condition_parser": "pandas",
                },
                shown,
            ),
            Rule(
                "cin.more_than_one_open_referral",
                WARNING,
                "the child has more than one open referral (CINdetails without CINclosureDate)",
                gxe.ExpectColumnValuesToBeBetween,
                {
                    "column": "_open_referrals",
                    "max_value": 1,
                    "row_condition": "CINclosureDate.isnull()",
                    "condition_parser": "pandas",
                },
                shown,
            ),
            _weekday("DateOfInitialCPC"),
        ]
    if table in STARTS:
        rule_id, start, what = STARTS[table]
        rules.append(
            _after(
                rule_id,
                f"the {what} starts ({start}) before the referral date (CINreferralDate)",
                f"{start}__date",
                "_referral_date",
                (start, "_referral_date"),
            )
        )
    if table in ACTIVITY_DATES:
        rules.append(
            _after(
                "cin.activity_after_closure",
                "activity is dated after the referral was closed (CINclosureDate)",
                "_closure_date",
                "_latest_activity",
                (*ACTIVITY_DATES[table], "_closure_date"),
            )
        )
    if table == "assessments":
        rules.append(
            _after(
                "cin.assessment_authorised_before_start",
                "AssessmentAuthorisationDate is before AssessmentActualStartDate",
                "AssessmentAuthorisationDate__date",
                "AssessmentActualStartDate__date",
                ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
            )
        )
    if table == "plans":
        rules.append(
            _after(
                "cin.cin_plan_end_before_start",
                "CINPlanEndDate is before CINPlanStartDate",
                "CINPlanEndDate__date",
                "CINPlanStartDate__date",
                ("CINPlanStartDate", "CINPlanEndDate"),
            )
        )
    if table == "section47":
        rules += [
            _weekday("DateOfInitialCPC"),
            _after(
                "cin.icpc_before_s47",
                "DateOfInitialCPC is before S47ActualStartDate",
                "DateOfInitialCPC__date",
                "S47ActualStartDate__date",
                ("S47ActualStartDate", "DateOfInitialCPC"),
            ),
        ]
    if table == "cp_plans":
        shown = ("CPPstartDate", "CPPendDate")
        rules += [
            Rule(
                "cin.cp_plan_ends_on_start",
                WARNING,
                "the child protection plan ends on the day it starts",
                gxe.ExpectColumnValuesToNotBeInSet,
                {"column": "_days", "value_set": [0]},
                shown,
            ),
            _after(
                "cin.cp_plan_end_before_start",
                "CPPendDate is before CPPstartDate",
                "CPPendDate__date",
                "CPPstartDate__date",
                shown,
            ),
            _after(
                "cin.cp_plans_overlap",
                "this child protection plan starts before the child's previous plan ended",
                "CPPstartDate__date",
                "_previous_end_or_open",
                (*shown, "_previous_end_or_open"),
            ),
        ]
    if table == "cp_reviews":
        rules.append(
            _after(
                "cin.review_before_plan",
                "CPPreviewDate is before the plan's CPPstartDate",
                "CPPreviewDate__date",
                "_plan_start",
                ("CPPreviewDate", "_plan_start"),
            )
        )
    return rules


def rules_for(table: str, years: Iterable[int]) -> list[Rule]:
    return generic_rules(f"cin_{table}", TABLE_RULES[table], sorted(set(years))) + _specific(table)


def derived_columns(spec: TableRules) -> list[str]:
    """The `__date`, `__shaped`, `__year`, `__dow` and `__yc` columns of ISO-dated returns."""
    derived = []
    for c in spec.dates:
        derived += [
            f"try_strptime(b.{c}, '%Y-%m-%d')::date as {c}__date",
            f"regexp_full_match(b.{c}, '{ISO_DATE[1:-1]}') as {c}__shaped",
            f"year(try_strptime(b.{c}, '%Y-%m-%d')) as {c}__year",
            f"isodow(try_strptime(b.{c}, '%Y-%m-%d')) as {c}__dow",
        ]
    derived += [f"cast(b._year_ending as varchar) || ':' || b.{c} as {c}__yc" for c in spec.coded]
    return derived


def prepare_sql(table: str, batch: str) -> str:
    """SQL over `batch_cin_<table>` adding the derived columns the rules read.

    `batch` is the name prefix of the batch tables (one per CIN table), so a row can be
    checked against its referral and its child's other rows.
    """
    spec = TABLE_RULES[table]
    derived = derived_columns(spec)
    joins = ""
    if table in ACTIVITY_DATES:
        parent = (
            f"left join {batch}_cp_plans as p on p._file = b._file "
            "and p._child_number = b._child_number and p._referral_number = b._referral_number "
            "and p._item_number = b._plan_number"
            if table == "cp_reviews"
            else ""
        )
        joins = f"""
            left join {batch}_referrals as r on r._file = b._file
                and r._child_number = b._child_number and r._referral_number = b._referral_number
            {parent}
        """
        dates = ", ".join(f"try_strptime(b.{c}, '%Y-%m-%d')::date" for c in ACTIVITY_DATES[table])
        derived += [
            "try_strptime(r.CINreferralDate, '%Y-%m-%d')::date as _referral_date",
            "try_strptime(r.CINclosureDate, '%Y-%m-%d')::date as _closure_date",
            f"greatest({dates}) as _latest_activity",
        ]
        if table == "cp_reviews":
            derived.append("try_strptime(p.CPPstartDate, '%Y-%m-%d')::date as _plan_start")
    if table == "header":
        derived += [
            "cast(b._year_ending as varchar) as _year_text",
            "cast(null as varchar) as _child",
        ]
    if table == "children":
        derived.append("coalesce(b.PersonBirthDate, b.ExpectedPersonBirthDate) as _any_birth_date")
    if table == "referrals":
        derived.append(
            "count(*) filter (where b.CINclosureDate is null) over "
            "(partition by b._file, b.LAchildID) as _open_referrals"
        )
    if table == "cp_plans":
        derived += [
            "date_diff('day', try_strptime(b.CPPstartDate, '%Y-%m-%d')::date, "
            "try_strptime(b.CPPendDate, '%Y-%m-%d')::date) as _days",
            "lag(coalesce(try_strptime(b.CPPendDate, '%Y-%m-%d')::date, date '2200-01-01')) "
            "over (partition by b._file, b.LAchildID order by "
            "try_strptime(b.CPPstartDate, '%Y-%m-%d'), b._row) as _previous_end_or_open",
        ]
    derived.append("make_date(b._year_ending - 1, 4, 1) as _year_start")
    report = "cast(null as bigint)" if table == "header" else "b._child_number"
    return f"""
        select b.*, {report} as _report_row, {", ".join(derived)}
        from {batch}_{table} as b {joins}
        order by b._file, b._row
    """  # nosec B608 # identifiers from TABLE_RULES and the loader's batch prefix, none from a file
