"""Every kind of bad input: a clear reason naming file, rule and rows; nothing lost;
good files in the same drop still load."""

from __future__ import annotations

import codecs

import pytest

from conftest import EPISODE_COLUMNS, child, episode_rows, episodes_text, header_text


def load_with_good_header(region, name: str, content: str | bytes, header: str | None = None):
    region.drop("Header.csv", header_text() if header is None else header)
    region.drop(name, content)
    return region.load()


def test_clean_drop_loads_every_row(region):
    load_with_good_header(region, "Episodes.csv", episodes_text())
    assert region.status("Header.csv") == "loaded"
    assert region.status("Episodes.csv") == "loaded"
    assert region.failures("Episodes.csv") == []
    assert region.query("select count(*) from raw.ssda903_episodes") == [(3,)]


def test_missing_column_quarantines_and_names_it(region):
    columns = EPISODE_COLUMNS.replace(",URN", "")
    rows = [r.rsplit(",", 1)[0] for r in episode_rows()]
    load_with_good_header(region, "Episodes.csv", episodes_text(rows, columns))
    assert region.status("Episodes.csv") == "quarantined"
    [(rule, severity, _, message)] = region.failures("Episodes.csv")
    assert (rule, severity) == ("structure.missing_columns", "critical")
    assert "URN" in message
    assert region.status("Header.csv") == "loaded"
    assert region.query("select count(*) from raw.ssda903_episodes") == [(0,)]


def test_renamed_column_is_missing_plus_extra(region):
    load_with_good_header(
        region, "Episodes.csv", episodes_text(columns=EPISODE_COLUMNS.replace("DECOM", "START"))
    )
    assert region.status("Episodes.csv") == "quarantined"
    rules = {r[0]: r[3] for r in region.failures("Episodes.csv")}
    assert "DECOM" in rules["structure.missing_columns"]
    # A header cell that is no known column name is content: counted and placed, never quoted.
    assert "START" not in rules["structure.extra_columns"]
    assert "column number 2" in rules["structure.extra_columns"]


def test_extra_column_is_ignored_with_a_warning(region):
    rows = [r + ",Jo Bloggs" for r in episode_rows()]
    load_with_good_header(region, "Episodes.csv", episodes_text(rows, EPISODE_COLUMNS + ",NAME"))
    assert region.status("Episodes.csv") == "loaded"
    [(rule, severity, _, message)] = region.failures("Episodes.csv")
    assert (rule, severity) == ("structure.extra_columns", "warning")
    # A header cell that is no known column name may be anything: placed, never quoted.
    assert "NAME" not in message and "column number 14" in message
    columns = [
        c
        for (c,) in region.query(
            "select column_name from information_schema.columns "
            "where table_name = 'ssda903_episodes'"
        )
    ]
    assert "name" not in columns
    assert region.query("select count(*) from raw.ssda903_episodes where urn = 'XXXXXXX'") == [(3,)]


def test_a_column_twice_is_named_only_when_it_is_the_layouts_own(region):
    rows = [r + ",01/05/2023,Jo,Jo" for r in episode_rows()]
    load_with_good_header(
        region, "Episodes.csv", episodes_text(rows, EPISODE_COLUMNS + ",DECOM,SURNAME,SURNAME")
    )
    assert region.status("Episodes.csv") == "quarantined"
    rules = {r[0]: r[3] for r in region.failures("Episodes.csv")}
    message = rules["structure.duplicate_columns"]
    # DECOM is the layout's own name; the other header is the file's content, placed only.
    assert "DECOM" in message and "column number 15 and 16" in message
    assert "SURNAME" not in message


def test_columns_in_another_order_land_in_the_right_columns(region):
    names = EPISODE_COLUMNS.split(",")
    order = list(reversed(range(len(names))))
    rows = [",".join(r.split(",")[i] for i in order) for r in episode_rows()]
    load_with_good_header(
        region, "Episodes.csv", episodes_text(rows, ",".join(names[i] for i in order))
    )
    assert region.status("Episodes.csv") == "loaded"
    assert region.query("select distinct decom, ls, pl_post from raw.ssda903_episodes") == [
        ("01/05/2023", "C2", "RG12 2")
    ]


def test_lower_case_header_with_spaces_and_bom(region):
    header = ", ".join(c.lower() for c in EPISODE_COLUMNS.split(","))
    content = codecs.BOM_UTF8 + episodes_text(columns=header).encode()
    load_with_good_header(region, "Episodes.csv", content)
    assert region.status("Episodes.csv") == "loaded"
    assert region.query("select count(distinct child) from raw.ssda903_episodes") == [(3,)]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_other_encodings_load_with_a_note(region, encoding):
    rows = [r.replace("XXXXXXX", "Caf\u00e9 Ltd") for r in episode_rows()]
    load_with_good_header(region, "Episodes.csv", episodes_text(rows).encode(encoding))
    assert region.status("Episodes.csv") == "loaded"
    [(rule, severity, _, message)] = region.failures("Episodes.csv")
    assert (rule, severity) == ("structure.encoding", "warning")
    assert region.query("select distinct urn from raw.ssda903_episodes") == [("Caf\u00e9 Ltd",)]


def test_empty_file_is_quarantined(region):
    load_with_good_header(region, "Episodes.csv", b"")
    assert region.status("Episodes.csv") == "quarantined"
    assert region.failures("Episodes.csv")[0][0] == "structure.empty_file"
    assert region.status("Header.csv") == "loaded"


def test_header_only_file_loads_with_no_rows(region):
    load_with_good_header(region, "Episodes.csv", EPISODE_COLUMNS + "\n")
    assert region.status("Episodes.csv") == "loaded"
    assert region.query("select rows from raw.load_manifest where kind = 'episodes'") == [(0,)]


def test_truncated_last_line_names_the_line(region):
    text = episodes_text().rstrip("\n")
    text = text[: text.rfind(",S,") + 3]  # cut in the middle of the last row
    load_with_good_header(region, "Episodes.csv", text)
    assert region.status("Episodes.csv") == "quarantined"
    failures = region.failures("Episodes.csv")
    assert [(f[0], f[2]) for f in failures] == [("structure.unreadable_row", 4)]
    assert region.query("select count(*) from raw.ssda903_episodes") == [(0,)]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2023-05-01", "episodes.decom_format"),
        ("31/02/2021", "episodes.decom_impossible"),
        ("01/05/1890", "episodes.decom_out_of_range"),
    ],
)
def test_a_row_with_a_broken_key_date_is_set_aside_naming_the_row(region, value, rule):
    """DECOM keys an episode: a row without a date there cannot be placed in the child's
    care history, so it is set aside; the rest of the file loads."""
    rows = episode_rows()
    rows[1] = rows[1].replace("01/05/2023", value)
    load_with_good_header(region, "Episodes.csv", episodes_text(rows))
    assert region.status("Episodes.csv") == "loaded"
    failures = [f for f in region.failures("Episodes.csv") if f[0] == rule]
    assert [(f[1], f[2]) for f in failures] == [("warning", 3)]
    assert "set aside" in failures[0][3]
    loaded = region.query("select _row_number from raw.ssda903_episodes order by 1")
    assert loaded == [(2,), (4,)]


def test_a_broken_date_outside_the_key_is_reported_and_the_row_loads(region):
    rows = episode_rows()
    rows[1] = rows[1].replace("U6,PR1,,", "U6,PR1,31/02/2024,")
    load_with_good_header(region, "Episodes.csv", episodes_text(rows))
    assert region.status("Episodes.csv") == "loaded"
    failures = [f[:3] for f in region.failures("Episodes.csv") if f[0] == "episodes.dec_impossible"]
    assert failures == [("episodes.dec_impossible", "warning", 3)]
    assert region.query("select count(*) from raw.ssda903_episodes") == [(3,)]


def test_duplicate_rows_name_both_rows_and_a_repeat_loads_once(region):
    rows = episode_rows()
    load_with_good_header(region, "Episodes.csv", episodes_text([*rows, rows[0]]))
    assert region.status("Episodes.csv") == "loaded"
    failures = [f for f in region.failures("Episodes.csv") if f[0] == "episodes.duplicate_key"]
    assert [(f[1], f[2]) for f in failures] == [("warning", 2), ("warning", 5)]
    loaded = region.query("select _row_number from raw.ssda903_episodes order by 1")
    assert loaded == [(2,), (3,), (4,)]


def test_rows_that_differ_under_one_key_are_all_set_aside(region):
    """Two different episodes with one CHILD + DECOM: which is right is not for the loader
    to guess, so neither loads; the council sees both rows named."""
    rows = episode_rows()
    load_with_good_header(
        region, "Episodes.csv", episodes_text([*rows, rows[0].replace(",C2,", ",C1,")])
    )
    assert region.status("Episodes.csv") == "loaded"
    loaded = region.query("select _row_number from raw.ssda903_episodes order by 1")
    assert loaded == [(3,), (4,)]
    manifest = "select rows, rows_set_aside from raw.load_manifest where path like '%Episodes.csv'"
    assert region.query(manifest) == [(2, 2)]


def test_a_header_value_out_of_shape_is_reported_and_the_header_loads(region):
    """MOTHER must be 0 or 1; anything else is the DfE's error to report, not a reason to
    lose every child of the return."""
    text = header_text().replace(",WBRI,,,", ",WBRI,,2,", 1)
    load_with_good_header(region, "Episodes.csv", episodes_text(), header=text)
    assert region.status("Header.csv") == "loaded"
    failures = [f[:3] for f in region.failures("Header.csv") if f[0] == "header.mother_shape"]
    assert failures == [("header.mother_shape", "warning", 2)]
    assert region.query("select count(*) from raw.ssda903_header") == [(3,)]


def test_unrecognised_file_is_kept_and_reported(region):
    path = region.drop("notes.csv", "name,comment\nA,B\n")
    load_with_good_header(region, "Episodes.csv", episodes_text())
    assert region.status("notes.csv") == "quarantined"
    [(rule, _, _, message)] = region.failures("notes.csv")
    assert rule == "structure.unrecognised"
    assert "NAME" in message.upper()
    assert path.exists()
    assert region.status("Episodes.csv") == "loaded"


def test_upn_values_are_refused(region):
    text = header_text().replace("WBRI,,,", "WBRI,A123456789012,,", 1)
    region.drop("Episodes.csv", episodes_text())
    region.drop("Header.csv", text)
    region.load()
    assert region.status("Header.csv") == "quarantined"
    assert [(f[0], f[2]) for f in region.failures("Header.csv")] == [("header.upn_present", 2)]
    assert region.query("select count(*) from raw.ssda903_header") == [(0,)]


def test_full_postcodes_are_refused(region):
    rows = episode_rows()
    rows[2] = rows[2].replace("RG12 1,", "RG12 1AB,")
    load_with_good_header(region, "Episodes.csv", episodes_text(rows))
    assert region.status("Episodes.csv") == "quarantined"
    assert [(f[0], f[2]) for f in region.failures("Episodes.csv")] == [
        ("episodes.home_post_full_postcode", 4)
    ]


def test_raw_child_ids_and_birth_dates_are_refused(region):
    text = header_text().replace(child(1), "100234").replace("01/02/2012", "17/02/2012")
    region.drop("Header.csv", text)
    region.load()
    assert region.status("Header.csv") == "quarantined"
    rules = {f[0] for f in region.failures("Header.csv")}
    assert {"header.child_not_pseudonymised", "header.dob_not_pseudonymised"} <= rules


def test_formula_like_text_is_stored_as_text(region):
    formula = '"=HYPERLINK(""http://example.invalid"",""x"")"'
    rows = [r.replace("XXXXXXX", formula) for r in episode_rows()]
    load_with_good_header(region, "Episodes.csv", episodes_text(rows))
    assert region.status("Episodes.csv") == "loaded"
    assert region.query("select distinct urn from raw.ssda903_episodes") == [
        ('=HYPERLINK("http://example.invalid","x")',)
    ]


def test_same_file_dropped_twice_is_a_duplicate(region):
    load_with_good_header(region, "Episodes.csv", episodes_text())
    region.drop("Episodes (1).csv", episodes_text())
    region.drop("Episodes.csv", episodes_text(), reference_date="2024-02-29")
    region.load()
    statuses = region.query("select path, status from raw.load_manifest order by path")
    assert statuses == [
        ("E06000036/2024-02-29/Episodes.csv", "duplicate"),
        ("E06000036/2024-03-31/Episodes (1).csv", "duplicate"),
        ("E06000036/2024-03-31/Episodes.csv", "loaded"),
        ("E06000036/2024-03-31/Header.csv", "loaded"),
    ]
    assert "byte-identical" in region.failures("Episodes (1).csv")[0][3]
    assert region.query("select count(*) from raw.ssda903_episodes") == [(3,)]


def test_copies_in_one_run_share_the_first_copy_s_verdict(region):
    """Copies within one run are read once: a copy of a file that loads is a duplicate, a
    copy of a file that is refused is refused with it, never a duplicate of it."""
    first, *rest = episode_rows()
    good, bad = episodes_text(), episodes_text(["1234" + first[first.index(",") :], *rest])
    region.drop("Header.csv", header_text())
    for name, text in (("a.csv", good), ("b.csv", good), ("c.csv", bad), ("d.csv", bad)):
        region.drop(name, text, reference_date="2024-02-29" if name < "c" else "2024-03-31")
    region.load()
    statuses = dict(region.query("select path, status from raw.load_manifest"))
    assert {p.rsplit("/", 1)[1]: s for p, s in statuses.items()} == {
        "Header.csv": "loaded",
        "a.csv": "loaded",
        "b.csv": "duplicate",
        "c.csv": "quarantined",
        "d.csv": "quarantined",
    }
    assert "episodes.child_not_pseudonymised" in {r[0] for r in region.failures("c.csv")}
    assert {r[0] for r in region.failures("d.csv")} == {"drop.same_as_refused"}


def test_corrected_resubmission_supersedes(region):
    load_with_good_header(region, "Episodes.csv", episodes_text())
    fixed = [r.replace(",C2,", ",C1,") for r in episode_rows()]
    region.drop("Episodes.csv", episodes_text(fixed))
    region.load()
    statuses = region.query(
        "select status, count(*) from raw.load_manifest where kind = 'episodes' group by 1 "
        "order by 1"
    )
    assert statuses == [("loaded", 1), ("superseded", 1)]
    current = region.query(
        "select distinct e.ls from raw.ssda903_episodes e join raw.load_manifest m "
        "on e._file_sha256 = m.sha256 and m.status = 'loaded'"
    )
    assert current == [("C1",)]


def test_misplaced_file_is_quarantined(region):
    path = region.home.drops / "Episodes.csv"
    path.parent.mkdir(parents=True)
    path.write_text(episodes_text())
    region.load()
    assert region.status("Episodes.csv") == "quarantined"
    assert region.failures("Episodes.csv")[0][0] == "drop.misplaced"


def test_reference_date_in_the_future_is_quarantined(region):
    region.drop("Episodes.csv", episodes_text(), reference_date="2999-03-31")
    region.load()
    assert region.status("Episodes.csv") == "quarantined"
    [(rule, _, _, message)] = region.failures("Episodes.csv")
    assert rule == "drop.reference_date_out_of_range"
    assert "future" in message
