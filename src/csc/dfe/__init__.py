"""The DfE's validation rules for the SSDA903 and the CIN census, as the warehouse's warnings.

Each rule carries the DfE's code (`903:103`, `cin:8696`), the DfE's severity (`error`, or
`query` for the CIN census's Q-suffixed codes; the SSDA903 has errors only), the DfE's
wording as a council sees it from the DfE, the collection years it applies to, and a query
written here in SQL that returns the failing rows. The rules are evaluated on a whole
return at once (`csc.dfe.engine`): for the SSDA903 the current file of every table of one
council and collection year, with the same council's previous return beside it; for the
CIN census the current census. A failing row is recorded in `raw.load_failures` against
the file it came from, with the warehouse's severity `warning`: the DfE reports it, the
file still loads.

How a rule's query reads the return (see `csc.dfe.engine` for the exact columns):

* SSDA903: one relation per table, `header`, `episodes`, `uasc`, `oc2`, `oc3`, `ad1`,
  `placed_adoption`, `prev_perm`, `missing`, `reviews`, `sw_episodes`, and the previous
  year's as `header_last`, `episodes_last`, .... Columns are the DfE's names, values as
  sent trimmed and upper-cased (as the DfE's tool reads them), blank as null; every date
  column `X` also as a date `X_d` (null when not a real dd/mm/YYYY date).
* CIN census: `cin_header`, `children`, `disabilities`, `referrals`, `assessments`,
  `assessment_factors`, `cin_plans`, `section47`, `cp_plans`, `cp_reviews`, with the
  census's element names in lower case and every date element `x` also as `x_d`.
* Every relation has `_cy` (the council and collection year: join on it and the child,
  never on the child alone, since one evaluation holds many returns), `_year` (the year
  the collection year ends), `_start` and `_end` (1 April and 31 March of the collection
  year), `_file` and `_row` (the file and the row a failure is reported on).

A rule's query selects `_file, _row` of the failing rows of the return's own tables (never
of the `_last` ones); a rule about the return as a whole selects `_file` and a null `_row`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache

SSDA903 = "903"
CIN = "cin"
ERROR = "error"
QUERY = "query"
FIRST_YEAR = 2023  # 2022-23: the first collection year the DfE's tools cover here
LAST_YEAR = 2027  # 2026-27


# A date of birth reaches the warehouse as the first of its month (`csc pseudonymise`).
PSEUDONYMISED_BIRTH = (
    "A date of birth reaches the warehouse as the first of its month: the warehouse fails a "
    "row only if it fails for the last day of that month, so never takes a child to be older "
    "than they may be; the DfE's tool, on the same pseudonymised file, takes the first day."
)


# The same, for rules on a birthday whose day matters either way.
BIRTHDAY_IN_MONTH = (
    "A date of birth reaches the warehouse as the first of its month, so a birthday is known "
    "only to its month: the warehouse fails a row only if it fails whichever day of that "
    "month the child was born; the DfE's tool, on the same pseudonymised file, takes the "
    "first day."
)


def latest_birth(alias: str = "") -> str:
    """The last day a child whose pseudonymised DOB is in `alias` could have been born."""
    prefix = f"{alias}." if alias else ""
    return f'({prefix}"DOB_d" + interval 1 month - interval 1 day)'


@dataclass(frozen=True)
class DfeRule:
    """One DfE validation rule, implemented in SQL over a whole return."""

    return_name: str  # SSDA903 or CIN
    code: str  # the DfE's code: "103", "8696", "8873Q"
    message: str  # the DfE's wording
    sql: str  # select _file, _row from ... : the failing rows
    fields: tuple[str, ...] = ()  # the columns the DfE names with the rule
    years: tuple[int, int] = (FIRST_YEAR, LAST_YEAR)  # collection years (ending) it applies to
    severity: str = ""  # ERROR or QUERY; by default QUERY for a code ending in Q
    difference: str = ""  # where and why the warehouse differs from the DfE's tool, if at all
    tables: tuple[str, ...] = field(default=())  # the tables it reports rows in

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", QUERY if self.code.endswith("Q") else ERROR)

    @property
    def id(self) -> str:
        return f"{self.return_name}:{self.code}"

    def applies_to(self, year: int) -> bool:
        return self.years[0] <= year <= self.years[1]


@cache
def every_rule() -> tuple[DfeRule, ...]:
    """Every rule of every module of this package, in code order. A rule the DfE changed
    from one year to the next is one `DfeRule` per version, for years that do not overlap."""
    found: list[DfeRule] = []
    for module in _rule_modules():
        found += getattr(importlib.import_module(f"{__name__}.{module}"), "RULES", ())
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        ids = [rule.id for rule in found if rule.applies_to(year)]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"DfE rules defined twice for {year}: {', '.join(twice)}")
    return tuple(sorted(found, key=lambda r: (r.return_name, _order(r.code), r.years)))


@cache
def not_implemented() -> dict[str, str]:
    """DfE rules the warehouse does not evaluate, by id, with the reason (for example the
    rule needs a directory the warehouse does not hold): each module's `NOT_IMPLEMENTED`."""
    out: dict[str, str] = {}
    for module in _rule_modules():
        out |= getattr(importlib.import_module(f"{__name__}.{module}"), "NOT_IMPLEMENTED", {})
    return out


def _rule_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "engine")


def _order(code: str) -> tuple[bool, int, str]:
    """Numbered codes in number order (205A after 205), then the lettered ones (INT, SW)."""
    digits = "".join(c for c in code if c.isdigit())
    return (not code[0].isdigit(), int(digits) if digits else 0, code)


def rules_for(return_name: str, year: int | None = None) -> list[DfeRule]:
    return [
        r
        for r in every_rule()
        if r.return_name == return_name and (year is None or r.applies_to(year))
    ]


DOC_BEGIN = "<!-- DfE rules: written by scripts/dfe_rules_doc.py from src/csc/dfe -->"
DOC_END = "<!-- end of DfE rules -->"
RETURN_TITLES = {SSDA903: "SSDA903", CIN: "CIN census"}


def markdown() -> str:
    """The DfE rules the warehouse evaluates and those it does not, for the drop contract."""

    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    lines = [DOC_BEGIN, ""]
    for name, title in RETURN_TITLES.items():
        rules = rules_for(name)
        lines += [
            f"#### {title}: {len(rules)} rules",
            "",
            "| rule | DfE severity | years | the DfE's wording | how the warehouse differs |",
            "|---|---|---|---|---|",
        ]
        for rule in rules:
            first, last = rule.years
            years = f"{first - 1}-{first % 100:02d} to {last - 1}-{last % 100:02d}"
            lines.append(
                f"| `{rule.id}` | {rule.severity} | {years} | {cell(rule.message)} | "
                f"{cell(rule.difference)} |"
            )
        skipped = {k: v for k, v in not_implemented().items() if k.startswith(f"{name}:")}
        if skipped:
            lines += ["", f"Not evaluated ({len(skipped)}):", ""]
            lines += [f"* `{rule_id}`: {cell(why)}" for rule_id, why in sorted(skipped.items())]
        lines.append("")
    lines.append(DOC_END)
    return "\n".join(lines)
