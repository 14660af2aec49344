"""The children-in-need census on its way in: safe parsing, pseudonymisation and the rules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import COUNCIL, KEY, Region, child
from csc import cin
from csc import pseudonymise as privacy

EXTERNAL = Path(__file__).resolve().parents[1] / "data" / "external_cin"
LEA = "867"  # Bracknell Forest, COUNCIL


def census(children: str, lea: str = LEA, year: str = "2024", reference: str = "2024-03-31") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Message><Header><CollectionDetails>'
        f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{reference}"
        "</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel>"
        f"<LEA>{lea}</LEA></Source></Header><Children>{children}</Children></Message>\n"
    )


def a_child(number: int, details: str, birth: str = "2015-06-01", extra_ids: str = "") -> str:
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child(number)}</LAchildID>{extra_ids}"
        f"<PersonBirthDate>{birth}</PersonBirthDate><GenderCurrent>1</GenderCurrent>"
        "</ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
        f"</ChildCharacteristics>{details}</Child>"
    )


def referral(start: str, inner: str = "", closed: str = "", icpc: str = "") -> str:
    closure = (
        f"<CINclosureDate>{closed}</CINclosureDate><ReasonForClosure>RC7</ReasonForClosure>"
        if closed
        else ""
    )
    conference = f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>" if icpc else ""
    return (
        f"<CINdetails><CINreferralDate>{start}</CINreferralDate><ReferralSource>2A"
        f"</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>{closure}{conference}"
        f"<ReferralNFA>0</ReferralNFA>{inner}</CINdetails>"
    )


def cp_plan(start: str, end: str = "") -> str:
    ended = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{ended}"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
        "</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        "</ChildProtectionPlans>"
    )


CLEAN = a_child(
    1,
    referral(
        "2023-05-01",
        "<Assessments><AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2023-06-01</AssessmentAuthorisationDate>"
        "<FactorsIdentifiedAtAssessment><AssessmentFactors>3B</AssessmentFactors>"
        "</FactorsIdentifiedAtAssessment></Assessments>"
        "<Section47><S47ActualStartDate>2023-05-10</S47ActualStartDate>"
        "<DateOfInitialCPC>2023-05-24</DateOfInitialCPC></Section47>"
        + cp_plan("2023-05-24", "2023-12-01"),
        closed="2024-01-15",
        icpc="2023-05-24",
    ),
)


def failures(region: Region) -> list[tuple[str, str, int | None]]:
    """The failures of the warehouse's own rules (the DfE's, `cin:NNNN`, are held to the
    DfE's tool in test_dfe_rules.py)."""
    return region.query(
        "select rule_id, severity, row_number from raw.load_failures "
        "where rule_id not like '%:%' order by all"
    )


def test_a_clean_census_loads_every_table(tmp_path):
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN))
    region.load()
    assert region.status("cin.xml") == "loaded"
    assert failures(region) == []
    counts = dict(
        region.query(
            "select 'referrals', count(*) from raw.cin_referrals union all "
            "select 'section47', count(*) from raw.cin_section47 union all "
            "select 'cp_plans', count(*) from raw.cin_cp_plans union all "
            "select 'factors', count(*) from raw.cin_assessment_factors"
        )
    )
    assert counts == {"referrals": 1, "section47": 1, "cp_plans": 1, "factors": 1}
    assert region.query("select kind, rows from raw.load_manifest") == [("cin", 1)]


# Each representative DfE rule, broken once by the second child of the file.
BREACHES = {
    "cin.assessment_before_referral": referral(
        "2023-06-10",
        "<Assessments><AssessmentActualStartDate>2023-06-01</AssessmentActualStartDate>"
        "</Assessments>",
    ),
    "cin.s47_before_referral": referral(
        "2023-06-10", "<Section47><S47ActualStartDate>2023-06-09</S47ActualStartDate></Section47>"
    ),
    "cin.cin_plan_before_referral": referral(
        "2023-06-10", "<CINPlanDates><CINPlanStartDate>2023-06-01</CINPlanStartDate></CINPlanDates>"
    ),
    "cin.cp_plan_before_referral": referral("2023-06-10", cp_plan("2023-06-01")),
    "cin.closure_before_referral": referral("2023-06-10", closed="2023-06-01"),
    "cin.more_than_one_open_referral": referral("2023-06-10") + referral("2023-08-01"),
    "cin.cp_plans_overlap": referral(
        "2023-06-10", cp_plan("2023-06-12", "2023-09-01") + cp_plan("2023-08-01")
    ),
    "cin.cp_plan_ends_on_start": referral("2023-06-10", cp_plan("2023-06-12", "2023-06-12")),
    "cin.activity_after_closure": referral(
        "2023-06-10",
        "<CINPlanDates><CINPlanStartDate>2023-06-20</CINPlanStartDate></CINPlanDates>",
        closed="2023-06-15",
    ),
    "cin.icpc_on_weekend": referral("2023-06-10", icpc="2023-06-17"),
}


@pytest.mark.parametrize("rule", sorted(BREACHES))
def test_each_representative_rule_reports_its_breach_and_nothing_else(tmp_path, rule):
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN + a_child(2, BREACHES[rule])))
    region.load()
    assert region.status("cin.xml") == "loaded", "a business rule breach is a warning"
    found = failures(region)
    assert {rule_id for rule_id, _, _ in found} == {rule}
    assert all(severity == "warning" and row == 2 for _, severity, row in found)
    reported_child = region.query(
        "select distinct child from raw.load_failures where rule_id not like '%:%'"
    )
    assert reported_child == [(child(2),)]


def test_the_header_must_name_the_council_it_was_dropped_for(tmp_path):
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN, lea="846"))  # Brighton and Hove's number
    region.drop("header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n")
    region.load()
    assert region.status("cin.xml") == "quarantined"
    assert ("cin.la_mismatch", "critical") in {(r, s) for r, s, _ in failures(region)}
    assert region.query("select count(*) from raw.cin_children") == [(0,)]
    assert region.status("header.csv") == "loaded"


def test_header_reference_date_must_match_the_folder(tmp_path):
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN, year="2023", reference="2023-03-31"))
    region.load()
    assert region.status("cin.xml") == "quarantined"
    rules = {r for r, s, _ in failures(region) if s == "critical"}
    assert rules == {"cin.reference_date_mismatch"}


def test_a_wrong_header_year_is_reported_and_the_census_loads(tmp_path):
    """The DfE reports a Year that does not end the collection year as an error in the
    return and checks the rest; so does the warehouse."""
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN, year="2023"))
    region.load()
    assert region.status("cin.xml") == "loaded"
    assert failures(region) == [("cin.year_mismatch", "warning", None)]
    assert region.query("select count(*) from raw.cin_children") != [(0,)]


def test_identifiable_census_is_quarantined(tmp_path):
    region = Region(tmp_path)
    raw_child = (
        "<Child><ChildIdentifiers><LAchildID>BF1</LAchildID><UPN>A820123456013</UPN>"
        "<PersonBirthDate>2015-06-17</PersonBirthDate></ChildIdentifiers>"
        + referral("2023-05-01")
        + "</Child>"
    )
    region.drop("cin.xml", census(raw_child))
    region.load()
    assert region.status("cin.xml") == "quarantined"
    rules = {r for r, s, _ in failures(region) if s == "critical"}
    assert {
        "cin.child_not_pseudonymised",
        "cin.upn_present",
        "cin.personbirthdate_not_pseudonymised",
    } <= rules


MALICIOUS = {
    "entity expansion": (
        '<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        "]>\n<Message><Header>&c;</Header></Message>\n",
        "cin.unsafe_xml",
    ),
    "external entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY secret SYSTEM "file://{secret}">]>\n'
        "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails>"
        "</Header><Children><Child><ChildIdentifiers><LAchildID>&secret;</LAchildID>"
        "</ChildIdentifiers></Child></Children></Message>\n",
        "cin.unsafe_xml",
    ),
    "huge depth": (
        '<?xml version="1.0"?>\n<Message>' + "<a>" * 50_000 + "</a>" * 50_000 + "</Message>\n",
        "cin.too_deep",
    ),
    "truncated": (census(CLEAN)[:-40], "cin.malformed_xml"),
    "not a census": ('<?xml version="1.0"?>\n<Invoice><Total>3</Total></Invoice>\n', None),
}


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_hostile_xml_is_refused_without_harm_and_good_files_still_load(tmp_path, case):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    text, rule = MALICIOUS[case]
    region = Region(tmp_path / "home")
    region.drop("hostile.xml", text.replace("{secret}", str(secret)))
    region.drop("cin.xml", census(CLEAN))
    region.load()
    assert region.status("hostile.xml") == "quarantined"
    assert region.status("cin.xml") == "loaded"
    reported = region.query(
        "select rule_id, message from raw.load_failures where path like '%hostile.xml'"
    )
    assert rule is None or rule in {r for r, _ in reported}
    # The hostile file left nothing behind, and the secret was never read.
    dumped = str(region.query("select * from raw.load_failures")) + str(
        region.query("select * from raw.load_manifest")
    )
    assert "TOP-SECRET-VALUE" not in dumped
    assert region.query("select count(*) from raw.cin_children") == [(1,)]
    assert (tmp_path / "home" / "drops" / COUNCIL / "2024-03-31" / "hostile.xml").exists()


def test_oversized_census_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(cin, "MAX_BYTES", 200)
    region = Region(tmp_path)
    region.drop("cin.xml", census(CLEAN))
    region.load()
    assert region.status("cin.xml") == "quarantined"
    assert [r for r, _, _ in failures(region)] == ["cin.file_too_large"]


def test_namespaced_census_reads_like_a_plain_one(tmp_path):
    text = census(CLEAN).replace("<Message>", '<Message xmlns="http://www.dfe.gov.uk/CIN">')
    parsed = cin.parse(_write(tmp_path / "ns.xml", text))
    plain = cin.parse(_write(tmp_path / "plain.xml", census(CLEAN)))
    assert parsed.tables == plain.tables and parsed.header == plain.header


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def external(tmp_path_factory) -> Region:
    """The hand-written census in tests/data, pseudonymised with the command line."""
    root = tmp_path_factory.mktemp("external_cin")
    extract = root / "extract"
    shutil.copytree(EXTERNAL, extract)
    region = Region(root / "home")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "csc.cli",
            "pseudonymise",
            str(extract),
            str(region.home.drops / COUNCIL / "2024-03-31"),
            "--la",
            COUNCIL,
            "--key-file",
            str(region.home.key_file(COUNCIL)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    region.load()
    return region


def test_census_written_by_others_loads_with_its_breaches_as_warnings(external):
    assert external.status("cin_census_2023_24.xml") == "loaded"
    found = external.query(
        "select rule_id, row_number from raw.load_failures where rule_id not like '%:%' "
        "order by all"
    )
    assert found == [
        ("cin.assessment_before_referral", 5),
        ("cin.cp_plan_ends_on_start", 4),
        ("cin.icpc_on_weekend", 4),
    ]
    # The same breaches by the DfE's rules: 1103 (assessment before referral) and 8875
    # (a conference on a weekend).
    dfe = set(
        external.query(
            "select rule_id, row_number from raw.load_failures where rule_id like 'cin:%'"
        )
    )
    assert {("cin:1103", 5), ("cin:8875", 4)} <= dfe
    counts = external.query(
        "select (select count(*) from raw.cin_children), (select count(*) from raw.cin_referrals),"
        " (select count(*) from raw.cin_cp_reviews), (select count(*) from raw.cin_disabilities)"
    )
    assert counts == [(6, 7, 2, 3)]


def test_pseudonymised_census_links_to_the_903_token_and_keeps_no_identifiers(external):
    key = privacy.read_key(external.home.key_file(COUNCIL))
    ids = {r[0] for r in external.query("select lachildid from raw.cin_children")}
    assert ids == {privacy.token(key, f"BF10{n}") for n in range(1, 7)}
    assert external.query(
        "select count(*) from raw.cin_children where upn is not null or formerupn is not null"
    ) == [(0,)]
    births = external.query(
        "select coalesce(personbirthdate, expectedpersonbirthdate) from raw.cin_children"
    )
    assert all(b.endswith("-01") for (b,) in births)
    dropped = (external.home.drops / COUNCIL / "2024-03-31" / "cin_census_2023_24.xml").read_text()
    assert "A820123456" not in dropped and "BF101" not in dropped


def test_same_key_gives_the_same_token_in_every_return():
    assert privacy.token(KEY, "BF101") == privacy.token(KEY, " BF101 ")
    assert cin.month_of("2012-06-17") == "2012-06-01"
    assert cin.month_of("17/06/2012") == ""


def test_many_censuses_parse_in_worker_processes_in_order(tmp_path, monkeypatch):
    from csc import batches

    paths = [
        _write(tmp_path / "a.xml", census(CLEAN)),
        _write(tmp_path / "b.xml", MALICIOUS["entity expansion"][0]),
        _write(tmp_path / "c.xml", census(CLEAN + a_child(2, referral("2023-07-01")))),
    ]
    monkeypatch.setattr(batches, "PARALLEL_BYTES", 0)
    results = list(batches.prepare_all([("xml", p, tmp_path / p.stem) for p in paths]))
    assert isinstance(results[1], cin.RejectedXml) and results[1].rule_id == "cin.unsafe_xml"
    assert [r.children for r in (results[0], results[2])] == [1, 2]
    parsed = cin.parse(paths[2]).tables
    assert results[2].rows == {table: len(rows) for table, rows in parsed.items()}
    written = duckdb.sql(f"select * from read_parquet('{results[2].files['referrals']}')")
    assert [row[:-1] for row in written.fetchall()] == parsed["referrals"]
    # A census not added (a twin of another file) leaves none of its rows behind.
    batches.discard(results[2])
    assert not any(path.exists() for path in results[2].files.values())


def test_cin_indicators_count_the_external_census_as_counted_by_hand(external):
    """The nine CIN indicators of the hand-written census, against a count by hand."""
    from csc.build import dbt_build

    dbt_build(external.home)
    rows = dict(
        (indicator, (numerator, denominator))
        for indicator, numerator, denominator in external.query(
            "select indicator, numerator, denominator from marts.benchmark_indicators "
            "where la_code = ? and collection_year = '2023-24' and unit = 'percent'",
            COUNCIL,
        )
    )
    counts = dict(
        external.query(
            "select indicator, numerator from marts.benchmark_indicators "
            "where la_code = ? and collection_year = '2023-24' and unit = 'rate_per_10k'",
            COUNCIL,
        )
    )
    # Referrals in 2023-24: BF101, BF102, BF103's second, BF104, BF105, BF106. BF103's second
    # (1 Sep 2023) is 10 months after its first (1 Nov 2022): one re-referral.
    assert counts["referrals_per_10k"] == 6
    assert rows["re_referrals_12m_pct"] == (1, 6)
    # Authorised in the year: BF101 in 32 working days (three bank holidays in May 2023),
    # BF104 in 19. BF103's first was authorised in 2022-23; its second and BF105's are open.
    assert rows["assessments_within_45wd_pct"] == (2, 2)
    # Open at 31 March 2024: BF101, BF103 (second), BF104, BF105, BF106; BF102 closed.
    assert counts["cin_rate_per_10k"] == 5
    assert counts["s47_per_10k"] == 2
    # ICPCs 10 (BF101) and 9 (BF104, on a Saturday) working days after the S47 started.
    assert rows["icpc_within_15wd_pct"] == (2, 2)
    # BF101's plan is open at 31 March; BF104's ended the day it started.
    assert counts["cpp_rate_per_10k"] == 1
    assert rows["cpp_second_or_subsequent_pct"] == (0, 2)
    assert rows["cpp_ended_lasting_2y_pct"] == (0, 1)
