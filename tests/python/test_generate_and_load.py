"""The synthetic region meets the checks: clean data loads clean, and every defect the
generator injects is caught by the rule that names it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import Region
from csc import dfe, pseudonymise, reference, synthetic

COUNCILS = ["E06000036", "E06000046"]  # Bracknell Forest and the Isle of Wight: small

# Which warehouse rules may report each kind of injected defect.
CAUGHT_BY = {
    "code_not_valid_for_year": ("_invalid_code",),
    "dec_before_decom": ("episodes.dec_before_decom",),
    "dec_rec_mismatch": ("episodes.dec_without_rec", "episodes.rec_without_dec"),
    "overlapping_episodes": ("episodes.overlap", "episodes.continuity"),
    "continuation_decom_not_previous_dec": ("episodes.continuity",),
    "episode_child_missing_from_header": ("episodes.child_not_in_header",),
    "overlapping_missing_periods": ("missing.overlap",),
    "dec_after_collection_year_end": ("episodes.dec_after_reference_date",),
}

# Which of the DfE's rules must report each kind of injected defect, in the collection years
# the DfE's tools have rules for (`csc.dfe`): any one of them, for the child, in the file.
DFE_CAUGHT_BY = {
    # A placement type of another year (146), or a sex coded the other year's way (101).
    "code_not_valid_for_year": ("903:146", "903:101"),
    "dec_before_decom": ("903:356",),
    "dec_rec_mismatch": ("903:148",),
    "overlapping_episodes": ("903:501",),
    "continuation_decom_not_previous_dec": ("903:433",),
    "episode_child_missing_from_header": ("903:INT03",),
    "overlapping_missing_periods": ("903:574",),
    "dec_after_collection_year_end": ("903:385",),
    "cin.assessment_before_referral": ("cin:1103",),
    "cin.cin_plan_before_referral": ("cin:4015",),
    "cin.s47_before_referral": ("cin:2889",),
    "cin.cp_plan_before_referral": ("cin:1105",),
    "cin.closure_before_referral": ("cin:8630",),
    # A second referral still open: 8815 when neither is the latest one, 8816 when the
    # open one that is not the latest is reported on its own.
    "cin.more_than_one_open_referral": ("cin:8815", "cin:8816"),
    "cin.cp_plans_overlap": ("cin:8940",),
    "cin.cp_plan_ends_on_start": ("cin:8840",),
    "cin.activity_after_closure": ("cin:8565",),
    "cin.icpc_on_weekend": ("cin:8875",),
}
# The DfE collects no placement costs: none of its rules reads the costs extract, so its
# defects are reported by the warehouse's own rules only.
NO_DFE_RULE = {
    "costs.lines_overlap",
    "costs.cost_end_before_start",
    "costs.weekly_cost_not_positive",
    "costs.weekly_cost_above_ceiling",
    "costs.shares_not_100",
    "costs.cost_before_placement_start",
    "costs.place_invalid_code",
    "costs.child_not_in_header",
}


def generated_region(
    root: Path,
    errors: bool,
    councils: list[str] = COUNCILS,
    scale: float = 0.3,
    first_year_ending: int = 2017,
) -> tuple[Region, Path]:
    region = Region(root)
    raw = region.home.council_systems
    synthetic.generate_region(
        raw, scale=scale, errors=errors, councils=councils, first_year_ending=first_year_ending
    )
    for council in councils:
        key = pseudonymise.ensure_key(region.home.key_file(council))
        pseudonymise.pseudonymise_tree(raw / council, region.home.drops / council, key, council)
    region.load()
    return region, raw


# The DfE rules that fire on the synthetic region generated without defects, and why.
DFE_RULES_ON_CLEAN_REGION = {
    # As the DfE's rules read any return, or an in-year extract:
    "903:1001": "the tool sees only this year's and last year's episodes, so a care leaver "
    "whose care ended before then has no care to leave (the rule's own note says so)",
    "903:1002": "as 1001",
    "903:SW12STG2": "the tool pairs every episode with every social worker episode, so a child "
    "who comes back into care in the year fails",
    "903:624": "rules 628 and 612 blank a care leaver's MOTHER and MC_DOB when she is in the "
    "Header only for OC3, and 624 then finds her child's birth date changed",
    "903:632": "the rule compares the date of a previous permanence order with the child's "
    "first episode in the return, not with the period of care it came before, so a child who "
    "left care under an order and came back in the same year fails",
    "cin:100": "an in-year extract's reference date is not 31 March, as a census's must be",
    "903:359": "an in-year extract holds the open episodes of young people who turn 18 before "
    "the year ends, and the rule compares the 18th birthday with 31 March",
}


def test_clean_region_loads_without_a_single_failure(tmp_path):
    region, _ = generated_region(tmp_path, errors=False)
    assert region.query("select distinct status from raw.load_manifest") == [("loaded",)]
    # Of the warehouse's own rules, only the Annex A lists it does not load are noted
    # (severity info).
    own = region.query(
        "select distinct rule_id from raw.load_failures where rule_id not like '%:%'"
    )
    assert own == [("annex_a.list_not_loaded",)]
    dfe = {
        r
        for (r,) in region.query(
            "select distinct rule_id from raw.load_failures where rule_id like '%:%'"
        )
    }
    assert dfe <= set(DFE_RULES_ON_CLEAN_REGION), sorted(dfe - set(DFE_RULES_ON_CLEAN_REGION))


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory) -> tuple[Region, Path]:
    return generated_region(tmp_path_factory.mktemp("errors"), errors=True)


def injected_and_found(region: Region, raw: Path) -> list[tuple[dict[str, str], set[str]]]:
    """Each injected defect, with the rules that report its child in its file."""
    with open(raw / synthetic.INJECTED_ERRORS_FILE, newline="") as handle:
        injected = list(csv.DictReader(handle))
    assert injected, "the generator injected no defects"
    found: dict[tuple[str, str], set[str]] = {}
    for path, child, rule in region.query("select path, child, rule_id from raw.load_failures"):
        found.setdefault((path, child), set()).add(rule)
    out = []
    for defect in injected:
        key = pseudonymise.read_key(region.home.key_file(defect["ons_code"]))
        path = f"{defect['ons_code']}/{defect['reference_date']}/{defect['file']}"
        out.append((defect, found.get((path, pseudonymise.token(key, defect["child"])), set())))
    return out


def test_every_injected_defect_is_reported_by_its_rule(with_errors):
    for defect, rules in injected_and_found(*with_errors):
        if defect["rule"].startswith(("cin.", "costs.")):
            # CIN census and placement costs defects are named by the rule that must report them.
            assert defect["rule"] in rules, (defect, rules)
            continue
        wanted = CAUGHT_BY[defect["rule"]]
        assert any(r.endswith(w) or r == w for r in rules for w in wanted), (defect, rules)


def collection_year_ending(reference_date: str) -> int:
    return int(reference_date[:4]) + (int(reference_date[5:7]) > 3)


@pytest.fixture(scope="module")
def dfe_years_with_errors(tmp_path_factory) -> tuple[Region, Path]:
    """Every council, small, with defects, in the years the DfE's tools have rules for: so
    many returns that each kind of defect is injected in some."""
    root = tmp_path_factory.mktemp("dfe-errors")
    councils = list(reference.councils())
    return generated_region(root, True, councils, 0.05, first_year_ending=dfe.FIRST_YEAR)


def test_every_injected_defect_is_reported_by_the_dfe_rule_for_it(dfe_years_with_errors):
    checked: set[str] = set()
    for defect, rules in injected_and_found(*dfe_years_with_errors):
        kind = defect["rule"]
        assert (kind in DFE_CAUGHT_BY) != (kind in NO_DFE_RULE), kind
        year = collection_year_ending(defect["reference_date"])
        assert dfe.FIRST_YEAR <= year <= dfe.LAST_YEAR, defect
        if kind in DFE_CAUGHT_BY:
            assert rules & set(DFE_CAUGHT_BY[kind]), (defect, sorted(rules))
            checked.add(kind)
    assert checked == set(DFE_CAUGHT_BY), sorted(set(DFE_CAUGHT_BY) - checked)


def test_injected_defects_are_warnings_so_every_file_loads(with_errors):
    region, _ = with_errors
    assert region.query("select distinct status from raw.load_manifest") == [("loaded",)]
    assert region.query("select distinct severity from raw.load_failures order by 1") == [
        ("info",),
        ("warning",),
    ]
