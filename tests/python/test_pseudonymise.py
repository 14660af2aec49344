"""Privacy at source: tokens, months of birth, postcode sectors, blanked UPNs."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from csc import pseudonymise as privacy

KEY = bytes.fromhex("22" * 32)


def test_token_is_stable_keyed_and_irreversible_looking():
    assert privacy.token(KEY, "100234") == privacy.token(KEY, " 100234 ")
    assert privacy.token(KEY, "100234") != privacy.token(KEY, "100235")
    assert privacy.token(KEY, "100234") != privacy.token(bytes.fromhex("33" * 32), "100234")
    assert len(privacy.token(KEY, "100234")) == 16
    assert "100234" not in privacy.token(KEY, "100234")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("17/06/2012", "01/06/2012"), ("1/6/2012", "01/06/2012"), ("", ""), ("not a date", "")],
)
def test_month_of_birth(value, expected):
    assert privacy.month_of_birth(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SO15 2AB", "SO15 2"),
        ("so152ab", "SO15 2"),
        ("EC1A 1BB", "EC1A 1"),
        ("RG12 1", "RG12 1"),
        ("", ""),
        ("abroad", ""),
    ],
)
def test_postcode_sector(value, expected):
    assert privacy.postcode_sector(value) == expected


def test_header_keeps_layout_and_drops_identifiers():
    text = (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "100234,2,17/06/2008,WBRI,A123456789012,1,23/09/2024\n"
    )
    out, kind, rows = privacy.pseudonymise_text(text, KEY)
    assert (kind, rows) == ("header", 1)
    header, row = list(csv.reader(io.StringIO(out)))
    assert header == ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    assert row == [privacy.token(KEY, "100234"), "2", "01/06/2008", "WBRI", "", "1", "01/09/2024"]


def test_episodes_cut_postcodes_and_keep_other_values():
    text = (
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
        "HOME_POST,PL_POST,URN\n"
        "100234,17/06/2020,S,C2,N1,U6,PR1,,,,SO15 2AB,GU1 4XY,SC123456\n"
    )
    out, kind, _ = privacy.pseudonymise_text(text, KEY)
    row = list(csv.reader(io.StringIO(out)))[1]
    assert kind == "episodes"
    assert row[1] == "17/06/2020"  # episode dates are not identifiers
    assert row[10:] == ["SO15 2", "GU1 4", "SC123456"]


def test_unknown_file_is_refused_not_copied(tmp_path):
    source = tmp_path / "extract"
    source.mkdir()
    (source / "names.csv").write_text("CHILD,NAME\n1,Jo\n")
    results = privacy.pseudonymise_tree(source, tmp_path / "out", KEY, "E06000036")
    assert results[0].dest is None
    assert "not an SSDA903 table" in results[0].message
    assert not (tmp_path / "out" / "names.csv").exists()


def test_command_line_creates_key_once_and_tokens_link_across_runs(tmp_path):
    source = tmp_path / "extract" / "2024-03-31"
    source.mkdir(parents=True)
    (source / "uasc.csv").write_text("CHILD,SEX,DOB,DUC\n555,1,09/09/2008,09/09/2026\n")
    key_file = tmp_path / "secret" / "council.key"
    command = [sys.executable, "-m", "csc.cli", "pseudonymise"]
    for out in ("first", "second"):
        done = subprocess.run(
            [
                *command,
                str(tmp_path / "extract"),
                str(tmp_path / out),
                "--la",
                "E06000036",
                "--key-file",
                str(key_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    first = (tmp_path / "first" / "2024-03-31" / "uasc.csv").read_text()
    assert first == (tmp_path / "second" / "2024-03-31" / "uasc.csv").read_text()
    key = privacy.read_key(key_file)
    assert privacy.token(key, "555") in first
    assert "09/09/2008" not in first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
