"""The warehouse's DfE rules (`csc.dfe`) against the DfE's own tools, on the same files.

Two councils of a synthetic region with injected defects (`--errors`) are loaded into a
warehouse; the DfE's validators (scripts/dfe_oracle.py, in build/dfe-venv) are run on the
same drops, return by return. For every DfE rule the warehouse implements, in every year it
applies and the DfE's tool ran it, the rows the warehouse records and the rows the DfE's
tool names must be the same, in the same files; a rule whose `difference` documents why it
differs is left out of that comparison and listed in docs/drop-contract.md.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from conftest import csc
from csc import dfe
from csc.dfe import engine as dfe_engine

ROOT = Path(__file__).resolve().parents[2]
DFE_PYTHON = ROOT / "build" / "dfe-venv" / "bin" / "python"
ORACLE = ROOT / "scripts" / "dfe_oracle.py"
CACHE = ROOT / "build" / "dfe-oracle-cache"
COUNCILS = ("E06000036", "E10000014")  # a small unitary and a large county
FIRST = dfe.FIRST_YEAR  # the DfE's tools have rule sets from 2022-23

Place = tuple[str, int | None]  # a file under drops/ and its row


def collection_year(reference_date: str) -> tuple[int, str]:
    """The year ending, and the collection year's name, of a folder's reference date."""
    year, month = int(reference_date[:4]), int(reference_date[5:7])
    ending = year + (month > 3)
    return ending, f"{ending - 1}-{ending % 100:02d}"


def oracle(*args: str | Path) -> dict:
    """The oracle's answer, kept in build/ under a hash of its inputs and its own code."""
    digest = hashlib.sha256(ORACLE.read_bytes())
    digest.update((ROOT / "requirements-dfe.lock").read_bytes())
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            for file in sorted(path.iterdir()):
                digest.update(file.name.encode() + file.read_bytes())
        elif path.is_file():
            digest.update(path.read_bytes())
        else:
            digest.update(str(arg).encode())
    cached = CACHE / f"{digest.hexdigest()}.json"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        out = cached.with_suffix(f".{os.getpid()}.tmp")
        done = subprocess.run(
            [str(DFE_PYTHON), str(ORACLE), *map(str, args), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out.rename(cached)
    return json.loads(cached.read_text())


def rule_codes(return_name: str, year: str) -> set[str]:
    """The codes of the DfE tool's rule set for a collection year."""
    return {r["code"] for r in oracle("rules", return_name, "--year", year)["rules"]}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # CSC_DFE_RULES_HOME keeps the generated region between runs while rules are written:
    # a later run only loads it again, which checks every return again when rules changed.
    kept = os.environ.get("CSC_DFE_RULES_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("dfe-rules")
    if kept and (home / "drops").is_dir():
        done = csc(home, "load")
        assert done.returncode == 0, done.stderr
        return home
    home.mkdir(parents=True, exist_ok=True)
    # Keys of the test's own, never used for real data, so that the drops, and the DfE
    # tool's answers kept in build/, are the same from run to run.
    (home / "keys").mkdir(exist_ok=True)
    for code in COUNCILS:
        test_key = hashlib.sha256(f"dfe-rules test key {code}".encode()).hexdigest()
        (home / "keys" / f"{code}.key").write_text(test_key + "\n")
    council_options = [option for code in COUNCILS for option in ("--council", code)]
    done = csc(home, "generate", "--scale", "0.1", "--errors", *council_options)
    assert done.returncode == 0, done.stderr
    done = csc(home, "load")
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def dfe_found(home: Path) -> dict:
    """What the DfE's tools find, by (return, year ending): the rules they ran, and the
    rows each rule named, as (file under drops/, row)."""
    drops = home / "drops"
    runs: dict[tuple[str, str, int], tuple] = {}
    for council in COUNCILS:
        folders = {f.name: f for f in sorted((drops / council).iterdir())}
        for reference_date, folder in folders.items():
            ending, year = collection_year(reference_date)
            if ending < FIRST:
                continue
            previous = f"{ending - 1}-03-31"
            extra = ["--previous", folders[previous]] if previous in folders else []
            runs[(dfe.SSDA903, council, ending)] = (
                year,
                ("903", "--year", year, "--la", council, "--this", folder, *extra),
            )
            runs[(dfe.CIN, council, ending)] = (
                year,
                ("cin", "--year", year, "--la", council, folder / "cin_census.xml"),
            )
    # Each run of the DfE's tool is a process of its own: as many at once as there are
    # cores, the rule lists too, before the answers (then all kept) are read in order.
    wanted = {args for _, args in runs.values()}
    wanted |= {("rules", key[0], "--year", year) for key, (year, _) in runs.items()}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda args: oracle(*args), wanted))
    found: dict[tuple[str, str, int], dict] = {}
    for key, (year, args) in runs.items():
        answer = oracle(*args)
        rows: dict[str, set[Place]] = defaultdict(set)
        for failure in answer["failures"]:
            place = "/".join(Path(failure["file"]).parts[-3:])
            rows[failure["rule"]].add((place, failure["row"]))
        crashed = {c["rule"] for c in answer["crashes"]}
        skipped = set(answer.get("rules_skipped", ()))
        ran = rule_codes(key[0], year) - crashed - skipped
        found[key] = {"ran": ran, "rows": rows}
    return found


@pytest.fixture(scope="module")
def warehouse_found(home: Path) -> dict:
    con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            """
            select f.rule_id, m.la_code, m.collection_year, f.path, f.row_number
            from raw.load_failures as f join raw.load_manifest as m using (file_id)
            where m.status = 'loaded' and f.rule_id like '%:%'
            """
        ).fetchall()
    finally:
        con.close()
    found: dict[tuple[str, str, int], dict[str, set[Place]]] = defaultdict(lambda: defaultdict(set))
    for rule_id, council, year, path, row in rows:
        return_name, code = rule_id.split(":", 1)
        found[(return_name, council, int(year[:4]) + 1)][code].add((path, row))
    return found


def test_the_rules_are_the_dfe_s_rules():
    """Every rule the warehouse implements is a rule of the DfE's tool in each year it
    claims, with the DfE's severity and wording."""
    for return_name in (dfe.SSDA903, dfe.CIN):
        for ending in range(FIRST, dfe.LAST_YEAR + 1):
            year = f"{ending - 1}-{ending % 100:02d}"
            listed = {r["code"]: r for r in oracle("rules", return_name, "--year", year)["rules"]}
            for rule in dfe.rules_for(return_name, ending):
                assert rule.code in listed, f"{rule.id} is not a DfE rule in {year}"
                assert rule.severity == listed[rule.code]["severity"], rule.id
                assert rule.message.strip() == listed[rule.code]["message"].strip(), rule.id


def test_every_rule_finds_the_rows_the_dfe_finds(dfe_found, warehouse_found):
    compared = 0
    differences = []
    for key, answer in sorted(dfe_found.items()):
        return_name, council, ending = key
        ours = warehouse_found.get(key, {})
        for rule in dfe.rules_for(return_name, ending):
            if rule.difference or rule.code not in answer["ran"]:
                continue
            compared += 1
            theirs, mine = answer["rows"].get(rule.code, set()), ours.get(rule.code, set())
            if theirs != mine:
                differences.append(
                    f"{rule.id} {council} {ending}: only the DfE's tool "
                    f"{sorted(theirs - mine, key=str)[:4]}, only the warehouse "
                    f"{sorted(mine - theirs, key=str)[:4]}"
                )
    assert compared, "no rule was compared"
    assert not differences, "\n".join(differences)


def test_the_comparison_is_not_empty(dfe_found, warehouse_found):
    """The DfE's tool and the warehouse agree on failures of both returns, not only on
    their absence."""
    agreed = {
        key[0]
        for key, answer in dfe_found.items()
        for code, rows in answer["rows"].items()
        if rows and rows == warehouse_found.get(key, {}).get(code)
    }
    assert agreed == {dfe.SSDA903, dfe.CIN}


def test_batches_hold_a_bounded_number_of_rows(monkeypatch):
    monkeypatch.setattr(dfe_engine, "BATCH_ROWS", 100)
    wanted = [("A", 2024, 60), ("A", 2025, 30), ("A", 2026, 20), ("B", 2026, 500), ("C", 2026, 0)]
    assert dfe_engine._batches(wanted) == [
        [("A", 2024), ("A", 2025)],
        [("A", 2026)],
        [("B", 2026)],
        [("C", 2026)],
    ]
    assert dfe_engine._batches([]) == []
    assert dfe_engine._batches([("A", 2024, 0)]) == [[("A", 2024)]]


def test_checking_return_by_return_finds_what_one_batch_finds(home, tmp_path, monkeypatch):
    """The failures and per-rule counts are the same whether every return is checked in
    one batch (as the fixture's load did) or each in a batch of its own."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(home / "build" / "warehouse.duckdb", copy)
    failures = (
        "select file_id, rule_id, row_number, child, message from raw.load_failures "
        "where rule_id like '%:%' order by all"
    )
    counts = (
        "select la_code, collection_year, reference_date, return_name, rule_id, rows_failing "
        "from raw.dfe_checks order by all"
    )
    con = duckdb.connect(str(copy))
    try:
        before = con.sql(failures).fetchall(), con.sql(counts).fetchall()
        returns = con.sql(
            "select distinct la_code, collection_year from raw.load_manifest "
            "where status = 'loaded' and la_code is not null"
        ).fetchall()
        wanted = [dfe_engine._wanted(con, name, returns) for name in (dfe.SSDA903, dfe.CIN)]
        assert [len(dfe_engine._batches(w)) for w in wanted] == [1, 1], "one batch each"
        monkeypatch.setattr(dfe_engine, "BATCH_ROWS", 1)
        con.execute("delete from raw.load_failures where rule_id like '%:%'")
        con.execute("delete from raw.dfe_checks")
        outcome = dfe_engine.check(con, "again", returns, dt.datetime(2026, 12, 1))
        after = con.sql(failures).fetchall(), con.sql(counts).fetchall()
    finally:
        con.close()
    assert outcome.returns == sum(len(w) for w in wanted) > 2
    assert before[0] and before[1]
    assert after == before
