"""The synthetic region meets the checks: clean data loads clean, and every defect the
generator injects is caught by the rule that names it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import Region
from csc import generate, pseudonymise

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


def generated_region(root: Path, errors: bool) -> tuple[Region, Path]:
    region = Region(root)
    raw = region.home.council_systems
    generate.generate_region(raw, scale=0.3, errors=errors, councils=COUNCILS)
    for council in COUNCILS:
        key = pseudonymise.ensure_key(region.home.key_file(council))
        pseudonymise.pseudonymise_tree(raw / council, region.home.drops / council, key, council)
    region.load()
    return region, raw


def test_clean_region_loads_without_a_single_failure(tmp_path):
    region, _ = generated_region(tmp_path, errors=False)
    assert region.query("select distinct status from raw.load_manifest") == [("loaded",)]
    # Annex A lists the warehouse does not load are noted (severity info), nothing else.
    assert (
        region.query("select distinct rule_id from raw.load_failures where severity <> 'info'")
        == []
    )
    assert region.query("select distinct rule_id from raw.load_failures") == [
        ("annex_a.list_not_loaded",)
    ]


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory) -> tuple[Region, Path]:
    return generated_region(tmp_path_factory.mktemp("errors"), errors=True)


def test_every_injected_defect_is_reported_by_its_rule(with_errors):
    region, raw = with_errors
    with open(raw / generate.INJECTED_ERRORS_FILE, newline="") as handle:
        injected = list(csv.DictReader(handle))
    assert injected, "the generator injected no defects"
    found = region.query("select path, child, rule_id from raw.load_failures")
    for defect in injected:
        key = pseudonymise.read_key(region.home.key_file(defect["ons_code"]))
        path = f"{defect['ons_code']}/{defect['reference_date']}/{defect['file']}"
        child = pseudonymise.token(key, defect["child"])
        rules = {rule for p, c, rule in found if p == path and c == child}
        if defect["rule"].startswith(("cin.", "costs.")):
            # CIN census and placement costs defects are named by the rule that must report them.
            assert defect["rule"] in rules, (defect, rules)
            continue
        wanted = CAUGHT_BY[defect["rule"]]
        assert any(r.endswith(w) or r == w for r in rules for w in wanted), (defect, rules)


def test_injected_defects_are_warnings_so_every_file_loads(with_errors):
    region, _ = with_errors
    assert region.query("select distinct status from raw.load_manifest") == [("loaded",)]
    assert region.query("select distinct severity from raw.load_failures order by 1") == [
        ("info",),
        ("warning",),
    ]
