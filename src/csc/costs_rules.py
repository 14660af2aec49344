"""The checks every placement costs file goes through: one expectation suite.

Placement costs have no DfE standard: the drop contract (docs/drop-contract.md, "Placement
costs") defines the file and these rules check it, with the SSDA903's two severities
(`rules.py`). Critical rules quarantine the file: a child that is not a token, a key date or
the weekly cost missing, a date that is not a real dd/mm/YYYY date, a weekly cost that is not
a number, the same cost line twice. Warnings record the failing rows: codes not valid in the
collection year, implausible costs and shares, cost lines out of order with their placement,
each other or the collection year.

The frame DuckDB prepares (`prepare_sql`) holds the file's columns as text, the derived
columns the SSDA903 rules use (`<COLUMN>__date`, `__shaped`, `__year`, `__yc`,
`_year_start`), and:

* `WEEKLY_COST__num`: the weekly cost as a number, null unless written as one;
* `<SHARE>__ok`: the share is blank or a percentage from 0 to 100 (up to 2 decimals);
* `_share_total`: the three shares added up, blank health and education shares as 0; null
  when LA_SHARE is blank or a share is not a percentage (other rules report those);
* `_next_start`: COST_START of the placement's next cost line in the file;
* `_end_or_open`: COST_END, or far in the future while the cost still applies;
* `_in_header`: whether the child is in the Header of the same return (null when that
  Header has not arrived).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import great_expectations.expectations as gxe

from csc import layout
from csc.rules import CRITICAL, WARNING, Rule, TableRules, derived_columns, generic_rules

if TYPE_CHECKING:
    from csc.validate import HeaderMatch

KIND = layout.PLACEMENT_COSTS.name
LABEL = "costs"
WEEKLY_COST = r"^-?\d+(?:\.\d{1,2})?$"
PERCENTAGE = r"^\d{1,3}(?:\.\d{1,2})?$"
SHARES = ("LA_SHARE", "HEALTH_SHARE", "EDUCATION_SHARE")
# A weekly cost above this is far more likely an annual figure, or pence, than a placement:
# the dearest placements in England cost a few tens of thousands of pounds a week.
WEEKLY_COST_CEILING = 30_000
FAR_FUTURE = "2200-01-01"

SPEC = TableRules(
    dates=("PLACE_START", "COST_START", "COST_END"),
    required=("CHILD", "PLACE_START", "WEEKLY_COST", "COST_START"),
    expected=("PLACE", "LA_SHARE"),
    coded=("PLACE", "PLACE_PROVIDER"),
    key=("CHILD", "PLACE_START", "COST_START"),
    row_needs=("WEEKLY_COST",),
    label=LABEL,
    return_name="placement costs",
)
LINE = ("PLACE_START", "PLACE", "WEEKLY_COST", "COST_START", "COST_END")


def _after(rule_id: str, text: str, later: str, earlier: str, or_equal: bool = True) -> Rule:
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
        LINE,
    )


# Placements that have no provider: temporary and other placements (the SSDA903 leaves
# PLACE_PROVIDER blank for them).
NO_PROVIDER = '["T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"]'


def _specific() -> list[Rule]:
    rules = [
        Rule(
            f"{LABEL}.place_provider_missing",
            WARNING,
            "PLACE_PROVIDER is blank for a placement that has a provider",
            gxe.ExpectColumnValuesToNotBeNull,
            {
                "column": "PLACE_PROVIDER",
                "row_condition": f"PLACE not in {NO_PROVIDER}",
                "condition_parser": "pandas",
            },
            ("PLACE", "PLACE_PROVIDER"),
        ),
        Rule(
            f"{LABEL}.weekly_cost_format",
            CRITICAL,
            "WEEKLY_COST is not a number of pounds with up to 2 decimal places (no £ sign, "
            "no thousands separator)",
            gxe.ExpectColumnValuesToMatchRegex,
            {"column": "WEEKLY_COST", "regex": WEEKLY_COST},
            ("WEEKLY_COST",),
        ),
        Rule(
            f"{LABEL}.weekly_cost_not_positive",
            WARNING,
            "WEEKLY_COST is zero or negative: a placement that costs nothing needs no cost line",
            gxe.ExpectColumnValuesToBeBetween,
            {"column": "WEEKLY_COST__num", "min_value": 0, "strict_min": True},
            LINE,
        ),
        Rule(
            f"{LABEL}.weekly_cost_above_ceiling",
            WARNING,
            f"WEEKLY_COST is over £{WEEKLY_COST_CEILING:,} a week: is it an annual or monthly "
            "cost, or in pence?",
            gxe.ExpectColumnValuesToBeBetween,
            {"column": "WEEKLY_COST__num", "max_value": WEEKLY_COST_CEILING},
            LINE,
        ),
    ]
    rules += [
        Rule(
            f"{LABEL}.{share.lower()}_not_a_percentage",
            WARNING,
            f"{share} is not a percentage from 0 to 100 (up to 2 decimal places)",
            gxe.ExpectColumnValuesToBeInSet,
            {"column": f"{share}__ok", "value_set": [True]},
            SHARES,
        )
        for share in SHARES
    ]
    rules += [
        Rule(
            f"{LABEL}.shares_not_100",
            WARNING,
            "LA_SHARE, HEALTH_SHARE and EDUCATION_SHARE do not add up to 100 "
            "(a blank health or education share counts as 0)",
            gxe.ExpectColumnValuesToBeBetween,
            {"column": "_share_total", "min_value": 100, "max_value": 100},
            SHARES,
        ),
        _after(
            f"{LABEL}.cost_end_before_start",
            "COST_END is before COST_START",
            "COST_END__date",
            "COST_START__date",
        ),
        _after(
            f"{LABEL}.cost_before_placement_start",
            "COST_START is before PLACE_START: a cost line starts on or after the day its "
            "placement started",
            "COST_START__date",
            "PLACE_START__date",
        ),
        _after(
            f"{LABEL}.lines_overlap",
            "this cost line still applies (COST_END blank or on or after the next line's "
            "COST_START) when the placement's next cost line starts",
            "_next_start",
            "_end_or_open",
            or_equal=False,
        ),
        _after(
            f"{LABEL}.ended_before_year",
            "the cost line ended (COST_END) before the collection year the return covers began",
            "COST_END__date",
            "_year_start",
        ),
        Rule(
            f"{LABEL}.child_not_in_header",
            WARNING,
            "the child has a cost line in the year but no row in the SSDA903 Header of the "
            "same return",
            gxe.ExpectColumnValuesToBeInSet,
            {"column": "_in_header", "value_set": [True]},
            ("CHILD",),
        ),
    ]
    return rules


def rules_for(years: Iterable[int]) -> list[Rule]:
    """The suite of placement costs; code lists are limited to the years being checked."""
    return generic_rules(KIND, SPEC, sorted(set(years))) + _specific()


def prepare_sql(batch: str, header: HeaderMatch) -> str:
    """SQL over the batch table of placement costs adding the columns the rules read."""
    derived = derived_columns(SPEC)
    derived.append(
        f"case when regexp_full_match(b.\"WEEKLY_COST\", '{WEEKLY_COST[1:-1]}') "
        'then try_cast(b."WEEKLY_COST" as double) end as "WEEKLY_COST__num"'
    )
    derived += [
        f'b."{share}" is null or coalesce('
        f"regexp_full_match(b.\"{share}\", '{PERCENTAGE[1:-1]}') "
        f'and try_cast(b."{share}" as decimal(5, 2)) <= 100, false) as "{share}__ok"'
        for share in SHARES
    ]
    total = " + ".join(f'coalesce(try_cast(p."{s}" as decimal(5, 2)), 0)' for s in SHARES)
    checked = " and ".join(f'p."{s}__ok"' for s in SHARES)
    return f"""
        with p as (select b.*, {", ".join(derived)} from {batch} as b)
        select p.*,
            case when p."LA_SHARE" is not null and {checked}
                then cast({total} as double) end as _share_total,
            lead(p."COST_START__date") over w as _next_start,
            coalesce(p."COST_END__date", date '{FAR_FUTURE}') as _end_or_open,
            {header.in_header} as _in_header
        from p {header.join}
        window w as (
            partition by p._file, p."CHILD", p."PLACE_START"
            order by p."COST_START__date", p._row
        )
        order by p._file, p._row
    """  # nosec B608 # this module's constants and the loader's table names, none from a file
