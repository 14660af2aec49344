"""The DfE rules as the warehouse lists them: in the drop contract, and in raw.load_rules."""

from __future__ import annotations

from pathlib import Path

from conftest import Region, episodes_text, header_text
from csc import dfe

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "drop-contract.md"


def test_the_drop_contract_lists_every_rule():
    """`scripts/dfe_rules_doc.py` has been run since the rules last changed."""
    assert dfe.markdown() in CONTRACT.read_text()


def test_a_rule_is_implemented_or_said_not_to_be_never_both():
    implemented = {rule.id for rule in dfe.every_rule()}
    assert not implemented & set(dfe.not_implemented())


def test_the_rules_and_their_dfe_severity_are_in_the_warehouse(tmp_path):
    region = Region(tmp_path)
    region.drop("Header.csv", header_text())
    region.drop("Episodes.csv", episodes_text())
    region.load()
    listed = dict(
        region.query("select rule_id, dfe_severity from raw.load_rules where rule_id like '%:%'")
    )
    assert listed == {rule.id: rule.severity for rule in dfe.every_rule()}
    own = region.query("select count(*) from raw.load_rules where dfe_severity is not null")
    assert own == [(len(listed),)]


def test_a_return_is_checked_again_when_it_changes_and_its_history_kept(tmp_path):
    """A breach fixed in a later extract leaves the failure on the earlier, superseded file
    and none on the current one; raw.dfe_checks holds both reference dates."""
    region = Region(tmp_path)
    broken = episodes_text().replace(
        "01/05/2023,S,C2,N1,U6,PR1,,,", "01/05/2023,S,C2,N1,U6,PR1,,E11,", 1
    )
    region.drop("Header.csv", header_text(), reference_date="2023-10-31")
    region.drop("Episodes.csv", broken, reference_date="2023-10-31")
    region.load()
    assert region.query(
        "select path, row_number from raw.load_failures where rule_id = '903:148'"
    ) == [("E06000036/2023-10-31/Episodes.csv", 2)]
    region.drop("Header.csv", header_text(), reference_date="2023-11-30")
    region.drop("Episodes.csv", episodes_text(), reference_date="2023-11-30")
    region.load()
    assert region.query("select path from raw.load_failures where rule_id = '903:148'") == [
        ("E06000036/2023-10-31/Episodes.csv",)
    ]
    history = region.query(
        "select reference_date::varchar, rows_failing from raw.dfe_checks "
        "where rule_id = '903:148' order by 1"
    )
    assert history == [("2023-10-31", 1), ("2023-11-30", 0)]
