"""SSDA903: codes and dates of one row (the DfE's rules 101 to 196): each field holds a valid
code or a real date, and the items of a table that go together are given together."""

from __future__ import annotations

from csc import reference
from csc.dfe import SSDA903, DfeRule


def _in(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _not_code(table: str, column: str, codes: list[str], blank_fails: bool = False) -> str:
    """Rows of `table` whose `column` is not one of `codes` (a blank fails when `blank_fails`)."""
    blank = f' or "{column}" is null' if blank_fails else ""
    return f'select _file, _row from {table} where "{column}" not in {_in(codes)}{blank}'


def _not_a_date(table: str, column: str) -> str:
    return f'select _file, _row from {table} where "{column}" is not null and "{column}_d" is null'


def _some_not_all(table: str, columns: tuple[str, ...]) -> str:
    """Rows of `table` with some of `columns` given but not all."""
    given = " + ".join(f'("{c}" is not null)::int' for c in columns)
    return f"select _file, _row from {table} where ({given}) between 1 and {len(columns) - 1}"


OC2_ITEMS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")
# ACCOM codes the DfE accepts (no S1 or X1: a young person of no fixed abode or abroad is
# never in suitable accommodation).
ACCOM = [c for c in reference.codes("ACCOM") if c not in ("S1", "X1")]
NO_PROVIDER_BEFORE_2026 = ["T0", "T1", "T2", "T3", "T4", "Z1"]
NO_PROVIDER_FROM_2026 = ["T0", "T1", "T2", "T3", "Z11", "Z12", "Z13", "Z14"]


def _provider_not_valid(no_provider: list[str]) -> str:
    return (
        'select _file, _row from episodes where "PLACE_PROVIDER" is not null and '
        f'("PLACE_PROVIDER" not in {_in(reference.codes("PLACE_PROVIDER"))} '
        f'or coalesce("PLACE" in {_in(no_provider)}, false))'
    )


def _place_rule(years: tuple[int, int], difference: str = "") -> DfeRule:
    return DfeRule(
        SSDA903,
        "146",
        "Placement type code is not a valid code.",
        _not_code("episodes", "PLACE", reference.codes("PLACE", years[0])),
        ("PLACE",),
        years=years,
        difference=difference,
    )


RULES = [
    DfeRule(
        SSDA903,
        "101",
        "Gender code is not valid.",
        _not_code("header", "SEX", ["1", "2"], True),
        ("SEX",),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "101",
        "The child or young person’s reported sex is not valid.",
        _not_code("header", "SEX", ["M", "F", "U"], True),
        ("SEX",),
        years=(2025, 2027),
    ),
    DfeRule(
        SSDA903,
        "103",
        "The ethnicity code is either not valid or has not been entered.",
        _not_code("header", "ETHNIC", reference.codes("ETHNIC"), True),
        ("ETHNIC",),
    ),
    DfeRule(
        SSDA903,
        "104",
        "Date for Unaccompanied Asylum-Seeking Children (UASC) status ceased is not a valid date.",
        'select _file, _row from uasc where ("DUC" is not null and "DUC_d" is null) '
        'or "DUC_d" < _start',
        ("DUC",),
    ),
    DfeRule(
        SSDA903,
        "112",
        "Date should be placed for adoption is not a valid date.",
        _not_a_date("ad1", "DATE_INT"),
        ("DATE_INT",),
    ),
    DfeRule(
        SSDA903,
        "113",
        "Date matching child and adopter(s) is not a valid date.",
        _not_a_date("ad1", "DATE_MATCH"),
        ("DATE_MATCH",),
    ),
    DfeRule(
        SSDA903,
        "114",
        "Data entry to record the status of former carer(s) of an adopted child is invalid.",
        _not_code("ad1", "FOSTER_CARE", ["0", "1"]),
        ("FOSTER_CARE",),
    ),
    DfeRule(
        SSDA903,
        "115",
        "Date of Local Authority's (LA) decision that a child should be placed for adoption is "
        "not a valid date.",
        _not_a_date("placed_adoption", "DATE_PLACED"),
        ("DATE_PLACED",),
    ),
    DfeRule(
        SSDA903,
        "116",
        "Date of Local Authority's (LA) decision that a child should no longer be placed for "
        "adoption is not a valid date.",
        _not_a_date("placed_adoption", "DATE_PLACED_CEASED"),
        ("DATE_PLACED_CEASED",),
    ),
    DfeRule(
        SSDA903,
        "119",
        "If the decision is made that a child should no longer be placed for adoption, then the "
        "date of this decision and the reason why this decision was made must be completed.",
        'select _file, _row from placed_adoption where ("DATE_PLACED_CEASED" is null) '
        '<> ("REASON_PLACED_CEASED" is null)',
        ("REASON_PLACED_CEASED", "DATE_PLACED_CEASED"),
    ),
    DfeRule(
        SSDA903,
        "120",
        "The reason for the reversal of the decision that the child should be placed for adoption "
        "code is not valid.",
        _not_code("placed_adoption", "REASON_PLACED_CEASED", ["RD1", "RD2", "RD3", "RD4"]),
        ("REASON_PLACED_CEASED",),
    ),
    DfeRule(
        SSDA903,
        "131",
        "Data entry for being in touch after leaving care is invalid.",
        _not_code("oc3", "IN_TOUCH", reference.codes("IN_TOUCH"), True),
        ("IN_TOUCH",),
    ),
    DfeRule(
        SSDA903,
        "132",
        "Data entry for activity after leaving care is invalid.",
        _not_code("oc3", "ACTIV", reference.codes("ACTIV"), True),
        ("ACTIV",),
    ),
    DfeRule(
        SSDA903,
        "133",
        "Data entry for accommodation after leaving care is invalid. If reporting on a childs "
        "accommodation after leaving care the data entry must be valid",
        _not_code("oc3", "ACCOM", ACCOM, True),
        ("ACCOM",),
    ),
    DfeRule(
        SSDA903,
        "143",
        "The reason for new episode code is not a valid code.",
        _not_code("episodes", "RNE", reference.codes("RNE")),
        ("RNE",),
    ),
    DfeRule(
        SSDA903,
        "144",
        "The legal status code is not a valid code.",
        _not_code("episodes", "LS", reference.codes("LS")),
        ("LS",),
    ),
    DfeRule(
        SSDA903,
        "145",
        "Category of need code is not a valid code.",
        _not_code("episodes", "CIN", reference.codes("CIN")),
        ("CIN",),
    ),
    _place_rule((2023, 2023)),
    _place_rule((2024, 2024)),
    _place_rule(
        (2025, 2025),
        "The DfE's tool's list for 2024-25 spells K3 in lower case, so every K3 placement "
        "fails, and still holds H5 and P2, which the DfE withdrew for 2024-25; the warehouse "
        "accepts K3 and refuses H5 and P2.",
    ),
    _place_rule((2026, 2027)),
    DfeRule(
        SSDA903,
        "149",
        "Reason episode ceased code is not valid. ",
        _not_code("episodes", "REC", reference.codes("REC")),
        ("REC",),
    ),
    DfeRule(
        SSDA903,
        "151",
        "All data items relating to a childs adoption must be coded or left blank.",
        _some_not_all("ad1", AD1_ITEMS),
        ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTER", "SEX_ADOPTR", "LS_ADOPTR"),
    ),
    DfeRule(
        SSDA903,
        "153",
        "All data items relating to a child's activity or accommodation after leaving care must "
        "be coded or left blank.",
        _some_not_all("oc3", OC3_ITEMS),
        OC3_ITEMS,
    ),
    DfeRule(
        SSDA903,
        "158",
        "If a child has been recorded as receiving an intervention for their substance misuse "
        "problem, then the additional item on whether an intervention was offered should be "
        "left blank.",
        "select _file, _row from oc2 where \"INTERVENTION_RECEIVED\" = '1' "
        'and "INTERVENTION_OFFERED" is not null',
        ("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    ),
    DfeRule(
        SSDA903,
        "159",
        "If a child has been recorded as not receiving an intervention for their substance misuse "
        "problem, then the additional item on whether an intervention was offered should be "
        "completed as well.",
        "select _file, _row from oc2 where \"SUBSTANCE_MISUSE\" = '1' "
        'and "INTERVENTION_RECEIVED" = \'0\' and "INTERVENTION_OFFERED" is null',
        ("SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    ),
    DfeRule(
        SSDA903,
        "166",
        "Date of review is invalid or blank.",
        'select _file, _row from reviews where "REVIEW_d" is null',
        ("REVIEW",),
    ),
    DfeRule(
        SSDA903,
        "167",
        "Data entry for participation is invalid or blank.",
        'select _file, _row from reviews where not (("REVIEW" is not null and coalesce('
        f'"REVIEW_CODE" in {_in(reference.codes("REVIEW_CODE"))}, false)) '
        'or ("REVIEW" is null and "REVIEW_CODE" is null))',
        ("REVIEW_CODE",),
    ),
    DfeRule(
        SSDA903,
        "168",
        "Unique Pupil Number (UPN) is not valid. If unknown, default codes should be UN1, UN2, "
        "UN3, UN4 or UN5.",
        'select _file, _row from header where "UPN" is not null and not regexp_full_match('
        "\"UPN\", '[A-HJ-NP-RT-Z]([0-9]{12}|[0-9]{11}[A-Z])|UN[1-5]')",
        ("UPN",),
    ),
    DfeRule(
        SSDA903,
        "171",
        "Date of birth of mother's child is not a valid date.",
        _not_a_date("header", "MC_DOB"),
        ("MC_DOB",),
    ),
    DfeRule(
        SSDA903,
        "174",
        "Mother's child date of birth is recorded but gender shows that the child is a male.",
        'select _file, _row from header where "SEX" = \'1\' and "MC_DOB" is not null',
        ("SEX", "MC_DOB"),
        years=(2023, 2024),
    ),
    DfeRule(
        SSDA903,
        "174",
        "Mother's child date of birth is recorded but sex shows that the child is a male.",
        'select _file, _row from header where "SEX" = \'M\' and "MC_DOB" is not null',
        ("SEX", "MC_DOB"),
        years=(2025, 2027),
    ),
    DfeRule(
        SSDA903,
        "175",
        "The number of adopter(s) code is not a valid code.",
        _not_code("ad1", "NB_ADOPTR", ["1", "2"]),
        ("NB_ADOPTR",),
    ),
    DfeRule(
        SSDA903,
        "176",
        "The gender of adopter(s) at the date of adoption code is not a valid code.",
        _not_code("ad1", "SEX_ADOPTR", ["M1", "F1", "MM", "FF", "MF"]),
        ("SEX_ADOPTR",),
    ),
    DfeRule(
        SSDA903,
        "177",
        "The legal status of adopter(s) code is not a valid code.",
        _not_code("ad1", "LS_ADOPTR", ["L0", "L11", "L12", "L2", "L3", "L4"]),
        ("LS_ADOPTR",),
    ),
    DfeRule(
        SSDA903,
        "178",
        "Placement provider code is not a valid code.",
        _provider_not_valid(NO_PROVIDER_BEFORE_2026),
        ("PLACE_PROVIDER",),
        years=(2023, 2025),
    ),
    DfeRule(
        SSDA903,
        "178",
        "Placement provider code is not a valid code.",
        _provider_not_valid(NO_PROVIDER_FROM_2026),
        ("PLACE_PROVIDER",),
        years=(2026, 2027),
    ),
    DfeRule(
        SSDA903,
        "180",
        "Data entry for the strengths and difficulties questionnaire (SDQ) score is invalid.",
        'select _file, _row from oc2 where "SDQ_SCORE" is not null and not coalesce('
        'try_cast("SDQ_SCORE" as double) in (select range::double from range(41)), false)',
        ("SDQ_SCORE",),
    ),
    DfeRule(
        SSDA903,
        "181",
        "Data items relating to children looked after continuously for 12 months should be "
        "completed with a 0 or 1.",
        "select _file, _row from oc2 where "
        + " or ".join(f"\"{c}\" not in ('0', '1')" for c in OC2_ITEMS),
        OC2_ITEMS,
    ),
    DfeRule(
        SSDA903,
        "182",
        "Data entries on immunisations, teeth checks, health assessments and substance misuse "
        "problem identified should be completed or all OC2 fields should be left blank.",
        'select _file, _row from oc2 where ("IMMUNISATIONS" is null or "TEETH_CHECK" is null '
        'or "HEALTH_ASSESSMENT" is null or "SUBSTANCE_MISUSE" is null) and ("CONVICTED" is not '
        'null or "HEALTH_CHECK" is not null or "INTERVENTION_RECEIVED" is not null '
        'or "INTERVENTION_OFFERED" is not null)',
        (
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "CONVICTED",
            "HEALTH_CHECK",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ),
    ),
    DfeRule(
        SSDA903,
        "192",
        "Child has been identified as having a substance misuse problem but the additional item "
        "on whether an intervention was received has been left blank.",
        "select _file, _row from oc2 where \"SUBSTANCE_MISUSE\" = '1' "
        'and "INTERVENTION_RECEIVED" is null',
        ("SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED"),
    ),
    DfeRule(
        SSDA903,
        "193",
        "Child not identified as having a substance misuse problem but at least one of the two "
        "additional items on whether an intervention were offered and received have been "
        "completed.",
        "select _file, _row from oc2 where coalesce(\"SUBSTANCE_MISUSE\", '0') = '0' and "
        '("INTERVENTION_RECEIVED" is not null or "INTERVENTION_OFFERED" is not null)',
        ("SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    ),
    DfeRule(
        SSDA903,
        "196",
        "Strengths and Difficulties (SDQ) reason is not a valid code.",
        _not_code("oc2", "SDQ_REASON", reference.codes("SDQ_REASON")),
        ("SDQ_REASON",),
    ),
    DfeRule(
        SSDA903,
        "197a",
        "Reason for no Strengths and Difficulties (SDQ) score is not required if Strengths and "
        "Difficulties Questionnaire score is filled in.",
        'select _file, _row from oc2 where "SDQ_SCORE" is not null and "SDQ_REASON" is not null',
        ("SDQ_SCORE", "SDQ_REASON"),
    ),
    DfeRule(
        SSDA903,
        "213",
        "Placement provider information not required.",
        "select _file, _row from episodes where \"PLACE\" in ('T0', 'T1', 'T2', 'T3', 'T4') "
        'and "PLACE_PROVIDER" is not null',
        ("PLACE_PROVIDER",),
        years=(2023, 2025),
    ),
    DfeRule(
        SSDA903,
        "213",
        "Placement provider information not required.",
        'select _file, _row from episodes where "PLACE" in '
        "('T0', 'T1', 'T2', 'T3', 'T4', 'Z11', 'Z12', 'Z13', 'Z14') "
        'and "PLACE_PROVIDER" is not null',
        ("PLACE_PROVIDER",),
        years=(2026, 2027),
    ),
    DfeRule(
        SSDA903,
        "214",
        "Placement location information not required.",
        "select _file, _row from episodes where \"LS\" in ('V3', 'V4') "
        'and ("PL_POST" is not null or "URN" is not null)',
        ("PL_POST", "URN"),
    ),
    DfeRule(
        SSDA903,
        "232",
        "Sex of the child/young person has been reported as unknown.",
        "select _file, _row from header where \"SEX\" = 'U'",
        ("SEX",),
        years=(2025, 2027),
    ),
]

NOT_IMPLEMENTED = {
    "903:105": "The SSDA903 header sent as CSV has no UASC column: the status is whether the "
    "child is in the UASC table, which cannot be invalid (the DfE's tool skips the rule for "
    "CSV returns too).",
}
