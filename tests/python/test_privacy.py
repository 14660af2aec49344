"""Identifiers sent by mistake go nowhere: plant them in raw extracts and hostile files, run
the whole job, and search everything it wrote for them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import xlsxwriter

from conftest import csc
from csc import stamp

COUNCIL = "E06000036"
YEAR = "2024-12-31"  # a folder of its own, so no generated file shares a table with it
RAW_ID = "BF99901"
RAW_DOBS = ("17/06/2012", "2012-06-17")
RAW_UPN = "A123456789012"
RAW_POSTCODE = "RG12 7AB"
SECRET = "SECRET-KEY-MATERIAL-5f3c"
# Searched for: every planted value but the ISO birth date, which the warehouse's calendar
# holds as a day like any other.
PLANTED = (RAW_ID, RAW_DOBS[0], RAW_UPN, RAW_POSTCODE, RAW_POSTCODE.replace(" ", ""), SECRET)


def plant(home: Path, outside: Path) -> None:
    """Raw extracts a council might drop by mistake, and files meant to hurt."""
    folder = home / "drops" / COUNCIL / YEAR
    folder.mkdir(parents=True)
    header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
    raw = f"{RAW_ID},1,{RAW_DOBS[0]},WBRI,{RAW_UPN},,\n"
    # A raw SSDA903 Header stamped as if pseudonymised: the content checks refuse it.
    (folder / "raw header.csv").write_text(header + raw)
    episodes = (
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
        f"PL_POST,URN\n{RAW_ID},{RAW_DOBS[0]},S,C2,N1,U6,PR1,,,,{RAW_POSTCODE},{RAW_POSTCODE},X\n"
    )
    (folder / "raw episodes.csv").write_text(episodes)
    stamp.write(folder, COUNCIL, [folder / "raw header.csv", folder / "raw episodes.csv"])
    # A headerless extract nobody stamped, and a raw census and workbook that were stamped.
    (folder / "extract.csv").write_text(raw * 3)
    (folder / "census.xml").write_text(
        '<?xml version="1.0"?><Message><Header><CollectionDetails><Collection>CIN</Collection>'
        f"<Year>2025</Year><ReferenceDate>{YEAR}</ReferenceDate></CollectionDetails>"
        "<Source><SourceLevel>L</SourceLevel><LEA>867</LEA></Source></Header><Children><Child>"
        f"<ChildIdentifiers><LAchildID>{RAW_ID}</LAchildID><UPN>{RAW_UPN}</UPN>"
        f"<PersonBirthDate>{RAW_DOBS[1]}</PersonBirthDate></ChildIdentifiers></Child></Children>"
        "</Message>"
    )
    book = xlsxwriter.Workbook(str(folder / "annex.xlsx"))
    sheet = book.add_worksheet("List 3")
    sheet.write_row(0, 0, ["Child Unique ID", "Gender", "Date of Birth", "Date of referral"])
    sheet.write_row(1, 0, [RAW_ID, "a) Male", RAW_DOBS[0], "01/05/2024"])
    sheet = book.add_worksheet("List 6")
    sheet.write_row(0, 0, ["Child Unique ID", "Gender"])
    sheet.write_row(1, 0, [RAW_ID, "a) Male"])
    book.close()
    stamp.write(folder, COUNCIL, [folder / "census.xml", folder / "annex.xlsx"])
    # A link to a secret outside drops/, and a name that would break SQL.
    secret = outside / "council.key"
    secret.write_text(f"{SECRET}\n")
    (folder / "key.csv").symlink_to(secret)
    (folder / "it's * [x].csv").write_text(f"CHILD,{SECRET}\n{RAW_ID},{RAW_UPN}\n")


def duckdb_text(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = []
        tables = con.sql(
            "select database_name, schema_name, table_name from duckdb_tables() where not internal"
        ).fetchall()
        for database, schema, table in tables:
            rows = con.sql(f'select * from "{database}"."{schema}"."{table}"').fetchall()  # noqa: S608
            out.extend(" ".join(map(str, row)) for row in rows)
        return "\n".join(out)
    finally:
        con.close()


def parquet_text(path: Path) -> str:
    con = duckdb.connect()
    try:
        rows = con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
        return "\n".join(" ".join(map(str, row)) for row in rows)
    finally:
        con.close()


def test_planted_identifiers_reach_no_output(tmp_path):
    home = tmp_path / "home"
    generated = csc(
        home, "generate", "--out", str(home / "drops"), "--scale", "0.05", "--council", COUNCIL
    )
    assert generated.returncode == 0, generated.stderr
    plant(home, tmp_path)
    done = csc(home, "run")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for value in PLANTED:
        assert value not in done.stdout + done.stderr, value

    searched = []
    for path in sorted(home.rglob("*")):
        if path.is_symlink() or not path.is_file() or "drops" in path.relative_to(home).parts:
            continue
        if "council_systems" in path.parts or path.name.endswith(".key"):
            continue  # the councils' own identifiable extracts and keys, never loaded
        if path.suffix == ".duckdb":
            text = duckdb_text(path)
        elif path.suffix == ".parquet":
            text = parquet_text(path)
        elif path.suffix in (".html", ".json", ".csv", ".txt", ".log"):
            text = path.read_text(errors="replace")
        else:
            continue
        searched.append(path.relative_to(home).as_posix())
        for value in PLANTED:
            assert value not in text, f"{value} found in {path}"
    # Everything that matters was searched: private and published files, pages, docs.
    assert "build/warehouse.duckdb" in searched
    assert "published/warehouse.duckdb" in searched
    assert "published/regional/region.duckdb" in searched
    assert any(p.startswith("published/regional/parquet/") for p in searched)
    assert any(p.startswith("published/report/") for p in searched)
    assert any(p.startswith(f"published/data_docs/{COUNCIL}/") for p in searched)
    assert f"published/councils/{COUNCIL}/warehouse.duckdb" in searched
    # And the planted files were refused, each for its reason.
    con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        refused = dict(
            con.sql(
                "select regexp_extract(path, '[^/]+$'), string_agg(distinct rule_id, ' ') "
                "from raw.load_failures join raw.load_manifest using (file_id, path) "
                "where status = 'quarantined' group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    assert "drop.not_stamped" in refused["extract.csv"]
    assert "drop.not_a_regular_file" in refused["key.csv"]
    assert "header.child_not_pseudonymised" in refused["raw header.csv"]
    assert "cin." in refused["census.xml"]
    assert "annex_a.child_not_pseudonymised" in refused["annex.xlsx"]
