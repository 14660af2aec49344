"""Drops built to hurt: each is refused or loaded as the drop contract says, on its own,
with nothing of a refused file kept, while a good file beside it loads."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from conftest import COUNCIL, Region, episodes_text, header_text
from csc import cin, stamp
from csc import load as loader

OTHER_COUNCIL = "E06000037"
# What a council's case system exports before pseudonymisation: a child's ID, a full birth
# date, a UPN and a full postcode. None of it may be stored or shown anywhere.
RAW_ID = "BF99901"
RAW_DOB = "17/06/2012"
RAW_UPN = "A123456789012"
RAW_POSTCODE = "RG12 7AB"
RAW_LINE = f"{RAW_ID},1,{RAW_DOB},WBRI,{RAW_UPN},,"
PLANTED = (RAW_ID, RAW_DOB, RAW_UPN, RAW_POSTCODE, "RG12 7AB".replace(" ", ""))


def every_text(region: Region) -> str:
    """Every value of every table of the private warehouse, as one text."""
    con = duckdb.connect(str(region.home.warehouse), read_only=True)
    try:
        out = []
        for schema, table in con.sql(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall():
            for row in con.sql(f'select * from "{schema}"."{table}"').fetchall():
                out.append(" ".join(str(v) for v in row))
        return "\n".join(out)
    finally:
        con.close()


def good_drop(region: Region) -> None:
    region.drop("Header.csv", header_text())


def assert_good_loaded(region: Region) -> None:
    assert region.status("Header.csv") == "loaded"
    assert region.query("select count(*) from raw.ssda903_header") == [(3,)]


def rules_of(region: Region, name: str) -> set[str]:
    return {r[0] for r in region.failures(name)}


def test_a_raw_headerless_extract_is_refused_without_quoting_it(region):
    good_drop(region)
    region.drop("children.csv", RAW_LINE + "\n" + RAW_LINE.replace("99901", "99902") + "\n")
    report = region.load()
    assert_good_loaded(region)
    assert region.status("children.csv") == "quarantined"
    assert rules_of(region, "children.csv") == {"structure.unrecognised"}
    text = every_text(region)
    for value in PLANTED:
        assert value not in text
    [drop] = [d for d in report.new if d.rel.endswith("children.csv")]
    assert all(value not in f.text for f in drop.failures for value in PLANTED)


def test_values_of_a_refused_file_are_not_kept(region):
    good_drop(region)
    rows = header_text().splitlines()
    rows.append(RAW_LINE)  # a raw ID, a full birth date and a UPN in an otherwise good file
    region.drop("Header2.csv", "\n".join(rows) + "\n", reference_date="2024-02-29")
    region.load()
    assert region.status("Header2.csv") == "quarantined"
    rules = rules_of(region, "Header2.csv")
    assert "header.child_not_pseudonymised" in rules
    assert {"header.upn_present", "header.dob_not_pseudonymised"} <= rules
    # The failure names the row and the columns, never the values.
    failing = region.query(
        "select failing_values, child from raw.load_failures where path like '%Header2.csv'"
    )
    assert all(child is None for _, child in failing)
    assert any(values and "CHILD" in values for values, _ in failing)
    text = every_text(region)
    for value in PLANTED:
        assert value not in text


def test_a_link_is_never_followed(region, tmp_path):
    secret = tmp_path / "council.key"
    secret.write_text("SECRET-KEY-MATERIAL-0123456789abcdef\n")
    good_drop(region)
    folder = region.home.drops / COUNCIL / "2024-03-31"
    (folder / "linked.csv").symlink_to(secret)
    (region.home.drops / COUNCIL / "2023-03-31").symlink_to(tmp_path, target_is_directory=True)
    region.load()
    assert_good_loaded(region)
    assert region.status("linked.csv") == "quarantined"
    assert rules_of(region, "linked.csv") == {"drop.not_a_regular_file"}
    assert "SECRET-KEY-MATERIAL" not in every_text(region)


@pytest.mark.parametrize("name", ["it's episodes.csv", "episodes*.csv", "e[1].csv", "a?b.csv"])
def test_quotes_and_glob_characters_in_names_are_literal(region, name):
    region.drop(name, episodes_text())
    # A neighbour the glob would match, holding another table: each loads once, as itself.
    region.drop("episodesX.csv", header_text())
    region.load()
    assert region.status(name) == "loaded"
    assert region.status("episodesX.csv") == "loaded"
    assert region.query("select _source_file, count(*) from raw.ssda903_episodes group by 1") == [
        (f"{COUNCIL}/2024-03-31/{name}", 3)
    ]
    assert region.query("select _source_file, count(*) from raw.ssda903_header group by 1") == [
        (f"{COUNCIL}/2024-03-31/episodesX.csv", 3)
    ]


def test_a_name_with_control_characters_is_refused(region):
    good_drop(region)
    region.drop("bad\x1b[2Jname.csv", episodes_text())
    region.load()
    assert_good_loaded(region)
    [(path, status)] = region.query(
        "select path, status from raw.load_manifest where path like '%name.csv'"
    )
    assert status == "quarantined" and "\x1b" not in path
    assert region.query("select rule_id from raw.load_failures where path = ?", path) == [
        ("drop.bad_name",)
    ]


def test_mixed_line_endings_load_with_a_warning(region):
    good_drop(region)
    text = episodes_text().replace("\n", "\r\n", 2)
    region.drop("Episodes.csv", text)
    region.load()
    assert region.status("Episodes.csv") == "loaded"
    assert "structure.line_endings" in rules_of(region, "Episodes.csv")
    assert region.query("select count(*) from raw.ssda903_episodes") == [(3,)]


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"CHILD,DECOM\x00,RNE\n1,2,3\n", "structure.nul_bytes"),
        (",".join(f"C{i}" for i in range(500)).encode() + b"\n", "structure.too_many_columns"),
        (
            episodes_text().encode() + b"x" * (loader.MAX_LINE_BYTES + 10) + b"\n",
            "structure.line_too_long",
        ),
    ],
    ids=["nul", "columns", "line"],
)
def test_files_that_are_not_sane_text_are_refused_alone(region, content, rule):
    good_drop(region)
    region.drop("bad.csv", content)
    region.load()
    assert_good_loaded(region)
    assert region.status("bad.csv") == "quarantined"
    assert rule in rules_of(region, "bad.csv")


def test_a_file_that_vanishes_is_refused_and_the_rest_loads(region, monkeypatch):
    good_drop(region)
    doomed = region.drop("Episodes.csv", episodes_text())
    real = loader._copy

    def vanish(path: Path, dest: Path) -> str:
        if path.name == doomed.name:
            os.unlink(path)
        return real(path, dest)

    monkeypatch.setattr(loader, "_copy", vanish)
    region.load()
    assert_good_loaded(region)
    assert rules_of(region, "Episodes.csv") == {"drop.vanished"}


def test_a_file_changed_after_it_was_hashed_loads_as_hashed(region, monkeypatch):
    good_drop(region)
    region.drop("Episodes.csv", episodes_text())
    real = loader._copy

    def copy_then_change(path: Path, dest: Path) -> str:
        sha = real(path, dest)
        if path.name == "Episodes.csv":
            path.write_text("CHILD\nchanged\n")
        return sha

    monkeypatch.setattr(loader, "_copy", copy_then_change)
    region.load()
    assert region.status("Episodes.csv") == "loaded"
    assert region.query("select count(*) from raw.ssda903_episodes") == [(3,)]


def zip_bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return out.getvalue()


def test_a_zip_bomb_is_refused_unread(region):
    good_drop(region)
    region.drop("annex_a.xlsx", zip_bomb(200 << 20))
    region.load()
    assert_good_loaded(region)
    assert rules_of(region, "annex_a.xlsx") == {"annex_a.too_compressed"}


def test_a_workbook_whose_directory_lies_is_refused(region):
    good_drop(region)
    data = bytearray(zip_bomb(3 << 20))
    # Declare the sheet 1,000 bytes long in the central directory (and the local header).
    for marker in (b"PK\x01\x02", b"PK\x03\x04"):
        start = 0
        while (at := data.find(marker, start)) >= 0:
            offset = 24 if marker == b"PK\x01\x02" else 22
            name_at = 46 if marker == b"PK\x01\x02" else 30
            if data[name_at + at : name_at + at + 8] == b"xl/works":
                data[at + offset : at + offset + 4] = (1000).to_bytes(4, "little")
            start = at + 4
    region.drop("annex_a.xlsx", bytes(data))
    region.load()
    assert_good_loaded(region)
    assert region.status("annex_a.xlsx") == "quarantined"
    assert rules_of(region, "annex_a.xlsx") & {"annex_a.too_compressed", "annex_a.unreadable"}


def test_a_census_with_a_huge_attribute_is_refused_quickly(region):
    good_drop(region)
    body = b'<?xml version="1.0"?><Message a="' + b"x" * (cin.MAX_TEXT_BYTES * 40) + b'"/>'
    region.drop("census.xml", body)
    region.load()
    assert_good_loaded(region)
    assert rules_of(region, "census.xml") == {"cin.text_too_long"}


def test_another_councils_file_is_refused(region):
    good_drop(region)
    region.drop("Episodes.csv", episodes_text(), stamp_as=OTHER_COUNCIL)
    region.load()
    assert rules_of(region, "Episodes.csv") == {"drop.wrong_council"}
    # The folder's stamp now names the other council, so its other file is refused too.
    assert region.status("Header.csv") == "quarantined"


def test_a_file_copied_in_without_its_stamp_is_refused_unread(region):
    good_drop(region)
    region.drop("Episodes.csv", episodes_text(), stamp_as=None)
    region.load()
    assert_good_loaded(region)
    assert rules_of(region, "Episodes.csv") == {"drop.not_stamped"}
    # Stamping the folder clears it on the next run, with no change to the file itself.
    folder = region.home.drops / COUNCIL / "2024-03-31"
    stamp.write(folder, COUNCIL, [folder / "Episodes.csv"])
    region.load()
    assert region.status("Episodes.csv") == "loaded"


def test_a_bad_stamp_refuses_its_folder(region):
    good_drop(region)
    (region.home.drops / COUNCIL / "2024-03-31" / stamp.STAMP_NAME).write_text("{not json")
    region.drop("Other.csv", header_text(), reference_date="2024-02-29")
    region.load()
    assert rules_of(region, "Header.csv") == {"drop.bad_stamp"}
    assert region.status("Other.csv") == "loaded"


@pytest.mark.parametrize("day", ["1900-01-01", "2011-03-31", "2099-03-31"])
def test_reference_dates_outside_the_years_covered_are_refused(region, day):
    good_drop(region)
    region.drop("Header.csv", header_text(), reference_date=day)
    region.load()
    assert region.query("select rule_id from raw.load_failures where path like ?", f"%{day}%") == [
        ("drop.reference_date_out_of_range",)
    ]


def test_two_versions_in_one_folder_are_refused_until_one_goes(region):
    good_drop(region)
    region.drop("a_episodes.csv", episodes_text())
    fixed = episodes_text().replace(",C2,", ",C1,")
    second = region.drop("z_episodes.csv", fixed)
    region.load()
    assert_good_loaded(region)
    assert rules_of(region, "a_episodes.csv") == {"drop.ambiguous"}
    assert rules_of(region, "z_episodes.csv") == {"drop.ambiguous"}
    second.unlink()
    region.load()
    assert region.status("a_episodes.csv") == "loaded"
    assert region.query("select distinct ls from raw.ssda903_episodes") == [("C2",)]


def test_putting_back_the_original_bytes_makes_them_current(region):
    good_drop(region)
    original = episodes_text()
    region.drop("Episodes.csv", original)
    region.load()
    region.drop("Episodes.csv", original.replace(",C2,", ",C1,"))
    region.load()
    current = (
        "select distinct e.ls from raw.ssda903_episodes e join raw.load_manifest m "
        "on e._source_file = m.path and e._file_sha256 = m.sha256 and m.status = 'loaded'"
    )
    assert region.query(current) == [("C1",)]
    region.drop("Episodes.csv", original)
    region.load()
    assert region.query(current) == [("C2",)]
    # And under another name, the corrected bytes again.
    region.drop("Episodes again.csv", original.replace(",C2,", ",C1,"))
    region.load()
    assert region.query(current) == [("C1",)]


def test_data_docs_are_per_council_and_show_no_value_of_a_refused_file(region):
    region.drop("Header.csv", header_text())
    # A warning a council should see with its value: an ethnicity code that does not exist.
    region.drop("Header.csv", header_text().replace("WBRI", "ZZZZ"), reference_date="2024-01-31")
    rows = header_text().splitlines()
    rows.append(RAW_LINE)
    region.drop("Header.csv", "\n".join(rows) + "\n", reference_date="2024-02-29")
    region.drop("Header.csv", header_text(), council=OTHER_COUNCIL)
    from csc.load import load

    report = load(region.home)
    assert report.data_docs == region.home.data_docs
    sites = sorted(p.name for p in region.home.data_docs.iterdir())
    assert sites == sorted([COUNCIL, OTHER_COUNCIL])
    mine = "\n".join(
        p.read_text(errors="replace") for p in (region.home.data_docs / COUNCIL).rglob("*.html")
    )
    theirs = "\n".join(
        p.read_text(errors="replace")
        for p in (region.home.data_docs / OTHER_COUNCIL).rglob("*.html")
    )
    assert "ZZZZ" in mine  # a warning on a loaded file keeps its value
    assert COUNCIL not in theirs and "ZZZZ" not in theirs
    for value in PLANTED:
        assert value not in mine and value not in theirs
