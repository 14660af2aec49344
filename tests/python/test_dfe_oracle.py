"""The DfE validators run by scripts/dfe_oracle.py on a synthetic council: the oracle the
warehouse's own DfE rules are tested against must name real rules and point at real rows.

Two homes are generated with the same seed and the same key, one with `--errors`, so their
drops differ only where a defect was injected, and the oracle's findings on the two can be
told apart child by child.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from defusedxml import ElementTree

from conftest import csc
from csc.pseudonymise import read_key, token

ROOT = Path(__file__).resolve().parents[2]
DFE_PYTHON = ROOT / "build" / "dfe-venv" / "bin" / "python"
ORACLE = ROOT / "scripts" / "dfe_oracle.py"
COUNCIL = "E06000036"
FIRST_RULE_SET_YEAR_ENDING = 2023  # both validators have rule sets from 2022-23

pytestmark = pytest.mark.skipif(
    not DFE_PYTHON.exists(), reason="the DfE validators are not installed: run `make dfe`"
)


def oracle(*args: str | Path) -> dict:
    done = subprocess.run(
        [str(DFE_PYTHON), str(ORACLE), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def generate(home: Path, *options: str) -> None:
    done = csc(
        home,
        "generate",
        "--out",
        str(home / "drops"),
        "--scale",
        "0.05",
        "--council",
        COUNCIL,
        *options,
    )
    assert done.returncode == 0, done.stderr


def year_of(reference_date: str) -> str:
    ending = int(reference_date[:4])
    return f"{ending - 1}-{str(ending)[2:]}"


def previous(reference_date: str) -> str:
    return f"{int(reference_date[:4]) - 1}{reference_date[4:]}"


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A clean home and one with injected defects, and which returns carry the defects."""
    root = tmp_path_factory.mktemp("dfe")
    clean, broken = root / "clean", root / "errors"
    generate(clean)
    shutil.copytree(clean / "keys", broken / "keys")
    generate(broken, "--errors")
    key = read_key(clean / "keys" / f"{COUNCIL}.key")
    injected: dict[tuple[str, str], set[str]] = {}
    with open(broken / "build" / "council_systems" / "injected_errors.csv", newline="") as f:
        for row in csv.DictReader(f):
            kind = "cin" if row["file"].endswith(".xml") else "903"
            if row["file"] == "placement_costs.csv" or not row["reference_date"].endswith("03-31"):
                continue
            if int(row["reference_date"][:4]) < FIRST_RULE_SET_YEAR_ENDING:
                continue
            injected.setdefault((kind, row["reference_date"]), set()).add(token(key, row["child"]))
    return {"clean": clean, "errors": broken, "injected": injected}


def pick(homes: dict, kind: str) -> str:
    dates = sorted(d for k, d in homes["injected"] if k == kind)
    assert dates, f"the generator injected no {kind} defect into a year the DfE has rules for"
    return dates[-1]


def run_903(home: Path, reference_date: str) -> dict:
    drops = home / "drops" / COUNCIL
    return oracle(
        "903",
        "--year",
        year_of(reference_date),
        "--la",
        COUNCIL,
        "--this",
        drops / reference_date,
        "--previous",
        drops / previous(reference_date),
    )


def run_cin(home: Path, reference_date: str) -> dict:
    census = home / "drops" / COUNCIL / reference_date / "cin_census.xml"
    return oracle("cin", "--year", year_of(reference_date), "--la", COUNCIL, census)


def rules(kind: str, reference_date: str) -> dict[str, dict]:
    listed = oracle("rules", kind, "--year", year_of(reference_date))
    return {rule["code"]: rule for rule in listed["rules"]}


def check_rules_and_crashes(result: dict, catalogue: dict[str, dict]) -> None:
    for failure in result["failures"]:
        assert failure["rule"] in catalogue, failure
        assert failure["severity"] == catalogue[failure["rule"]]["severity"], failure
        assert failure["message"] == catalogue[failure["rule"]]["message"], failure
    for crash in result["crashes"]:
        assert crash["rule"] in catalogue, crash
        assert crash["error"], crash
    assert result["rules_run"] == len(catalogue)


def test_rule_catalogues_mark_queries_as_each_validator_does() -> None:
    lac = rules("903", "2025-03-31")
    cin = rules("cin", "2025-03-31")
    assert len(lac) > 250 and len(cin) > 100
    assert {r["severity"] for r in lac.values()} == {"error"}
    queries = {code for code, r in cin.items() if r["severity"] == "query"}
    assert queries and queries == {code for code in cin if code.endswith("Q")}
    assert all(r["message"] and r["tables"] for r in cin.values())


def test_903_failures_point_at_the_rows_of_the_files_they_name(homes: dict) -> None:
    reference_date = pick(homes, "903")
    result = run_903(homes["errors"], reference_date)
    check_rules_and_crashes(result, rules("903", reference_date))
    assert result["rule_set"] == "lac" + year_of(reference_date).replace("-", "_")
    tables = {i["file"]: i["table"] for i in result["inputs"]}
    assert "Episodes" in tables.values() and "Episodes" in {
        i["table"] for i in result["inputs"] if i["year"] == "previous"
    }
    assert any(i["file"].endswith("placement_costs.csv") for i in result["ignored"])
    records: dict[str, list[list[str]]] = {}
    for failure in result["failures"]:
        assert failure["file"] in tables, failure
        assert failure["table"].removesuffix("_last") == tables[failure["file"]], failure
        if failure["file"] not in records:
            with open(failure["file"], newline="", encoding="utf-8") as f:
                records[failure["file"]] = [r for r in csv.reader(f) if r]
        rows = records[failure["file"]]
        assert 2 <= failure["row"] <= len(rows), failure
        child = rows[failure["row"] - 1][rows[0].index("CHILD")]
        assert child.upper() == failure["child"], failure
    assert result["failures"], "the DfE validator found nothing at all"


def test_cin_failures_name_the_child_where_it_is_in_the_census(homes: dict) -> None:
    reference_date = pick(homes, "cin")
    census = homes["errors"] / "drops" / COUNCIL / reference_date / "cin_census.xml"
    result = run_cin(homes["errors"], reference_date)
    check_rules_and_crashes(result, rules("cin", reference_date))
    assert result["rule_set"] == "cin" + year_of(reference_date).replace("-", "_")
    children = ElementTree.parse(census).getroot().find("Children").findall("Child")
    assert result["census"]["children"] == len(children)
    located = 0
    for failure in result["failures"]:
        if failure["row"] is None:
            continue
        located += 1
        child = children[failure["row"] - 1]
        assert child.findtext("ChildIdentifiers/LAchildID") == failure["child"], failure
        if failure["referral"] is not None:
            assert failure["referral"] <= len(child.findall("CINdetails")), failure
    assert located, "no CIN failure was placed at a child"


@pytest.mark.parametrize("kind", ["903", "cin"])
def test_injected_defects_are_found_for_the_children_they_were_injected_into(
    homes: dict, kind: str
) -> None:
    reference_date = pick(homes, kind)
    run = run_903 if kind == "903" else run_cin
    clean = run(homes["clean"], reference_date)
    broken = run(homes["errors"], reference_date)
    assert broken["failures"]
    found = Counter((f["rule"], f["child"]) for f in broken["failures"])
    found.subtract(Counter((f["rule"], f["child"]) for f in clean["failures"]))
    new = {child for (_, child), count in found.items() if count > 0}
    injected = {c.upper() if kind == "903" else c for c in homes["injected"][kind, reference_date]}
    assert new & injected, f"no new failure for an injected child: new {new}, injected {injected}"
