"""Property-based attacks on the loader's readers.

Hypothesis writes CSV extracts, census XML, workbooks and file names, most of them close to
what a council sends and then attacked (broken encodings, quoting, markup, nesting,
truncation, zips that are no workbooks, names no one would choose), drops them as
`csc pseudonymise` would (stamped) beside a good Header file, and loads. Whatever arrives:

* the load does not raise, and the good file loads;
* every file gets one verdict: `loaded`, `quarantined` with at least one critical rule, or
  `duplicate` of a file that loaded; every rule named is in the catalogue (raw.load_rules);
* nothing a file holds is quoted: each file carries a marker (`SECRET` and digits) that no
  message may contain, and that appears nowhere in the warehouse once its file is refused.

Each example loads a batch of files, spread over the council's collection years so that
files of one kind are not ambiguous with each other, into a fresh home.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import duckdb
import xlsxwriter
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from conftest import (
    COUNCIL,
    EPISODE_COLUMNS,
    REFERENCE_DATE,
    Region,
    child,
    episodes_text,
    header_text,
)
from csc import annex_a, cin, layout, stamp
from csc.load import MAX_LINE_BYTES, shown_name

MARKER = "SECRET"
GOOD = "Header.csv"
VERDICTS = {"loaded", "quarantined", "duplicate"}
# One folder per collection year; the good file's comes first.
DATES = [REFERENCE_DATE] + [f"{year}-03-31" for year in range(2023, 2016, -1)]
LA_NUMBER = "867"  # the LA number of COUNCIL, as a census header gives it
# File names say nothing: the loader tells formats apart by their bytes.
EXTENSIONS = (".csv", ".xml", ".xlsx", "", ".txt", ".CSV")
# Every example costs a load of a second or two, so shrinking a failure can take many
# minutes: a failure is reported as generated unless HYPOTHESIS_SHRINK is set.
PHASES = tuple(Phase) if os.environ.get("HYPOTHESIS_SHRINK") else (Phase.explicit, Phase.generate)


def fast(examples: int) -> settings:
    return settings(
        max_examples=examples,
        phases=PHASES,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


@dataclass(frozen=True)
class Hostile:
    """A file's bytes, the marker planted in them (None if none) and its reference date."""

    content: bytes
    marker: str | None = None
    date: str = REFERENCE_DATE


# Files of one example differ in their bytes and in their markers.
DISTINCT = (lambda h: h.content, lambda h: h.marker)


def markers() -> st.SearchStrategy[str]:
    return st.integers(0, 10**8 - 1).map(lambda n: f"{MARKER}{n:08d}")


def some(attacks: list[str]) -> st.SearchStrategy[list[str]]:
    """None, one or two attacks on a file that starts out sound."""
    return st.lists(st.sampled_from(attacks), max_size=2, unique=True)


def on_disk(name: str) -> str:
    """A name as the file system gives it back (undecodable bytes round-tripped)."""
    return os.fsdecode(os.fsencode(name))


def rel(name: str, date: str = REFERENCE_DATE) -> str:
    """The path the manifest records for a file dropped under `name`."""
    return shown_name(f"{COUNCIL}/{date}/{on_disk(name)}")


def every_text(region: Region) -> str:
    """Every value of every table of the warehouse, as one text."""
    con = duckdb.connect(str(region.home.warehouse), read_only=True)
    try:
        out = []
        for schema, table in con.sql(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall():
            for row in con.sql(f'select * from "{schema}"."{table}"').fetchall():
                out.append("\x1f".join(str(v) for v in row))
        return "\n".join(out)
    finally:
        con.close()


def check_verdicts(region: Region, expected: dict[str, str | None], report=None) -> dict:  # noqa: ANN001
    """Every property above, for the files `expected` (manifest path -> marker).

    Returns each path's status.
    """
    manifest = region.query(
        "select path, status, la_code, collection_year, sha256, coalesce(message, '') "
        "from raw.load_manifest"
    )
    failures = region.query("select path, rule_id, severity, message from raw.load_failures")
    catalogue = {r[0] for r in region.query("select rule_id from raw.load_rules")}
    by_path: dict[str, list[tuple]] = {}
    for row in manifest:
        by_path.setdefault(row[0], []).append(row)
    good = rel(GOOD)
    assert [r[1] for r in by_path.get(good, [])] == ["loaded"], by_path.get(good)
    header_rows = "select count(*) from raw.ssda903_header where _source_file = ?"
    assert region.query(header_rows, good) == [(3,)]
    loaded = {(r[2], r[3], r[4]) for r in manifest if r[1] == "loaded"}
    statuses = {}
    for path in expected:
        rows = by_path.get(path, [])
        assert len(rows) == 1, f"{path!r}: {len(rows)} manifest rows"
        _, status, la_code, year, sha, _ = rows[0]
        assert status in VERDICTS, f"{path!r}: {status!r}"
        if status == "quarantined":
            rules = [
                rule for p, rule, severity, _ in failures if p == path and severity == "critical"
            ]
            assert rules, f"{path!r} is quarantined without a critical rule"
        if status == "duplicate":
            assert (la_code, year, sha) in loaded, f"{path!r} duplicates no loaded file"
        statuses[path] = status
    unknown = {rule for _, rule, _, _ in failures} - catalogue
    assert not unknown, f"rules missing from raw.load_rules: {sorted(unknown)}"
    messages = [r[5] for r in manifest] + [r[3] for r in failures]
    if report is not None:
        assert all(d.status in VERDICTS for d in report.new), [d.status for d in report.new]
        messages += [f.text for d in report.new for f in d.failures]
    quoted = [m for m in messages if MARKER in m]
    assert not quoted, f"a message quotes a file: {quoted[:3]}"
    # A duplicate holds the bytes of a file that loaded: only a quarantined file is refused.
    refused = [m for path, m in expected.items() if m and statuses[path] == "quarantined"]
    if refused:
        everything = every_text(region)
        kept = [marker for marker in refused if marker in everything]
        assert not kept, f"values of refused files are kept: {kept}"
    return statuses


def drop_beside_good(files: list[Hostile], names: list[str] | None = None) -> dict[str, str]:
    """Drop each file in its year's folder beside a good Header, load, check; each status."""
    names = names or [f"h{i:02d}{EXTENSIONS[i % len(EXTENSIONS)]}" for i in range(len(files))]
    with tempfile.TemporaryDirectory() as root:
        region = Region(Path(root))
        region.drop(GOOD, header_text())
        expected = {}
        for name, hostile in zip(names, files, strict=False):
            region.drop(name, hostile.content, reference_date=hostile.date)
            expected[rel(name, hostile.date)] = hostile.marker
        report = region.load()
        return check_verdicts(region, expected, report)


# --- CSV extracts -----------------------------------------------------------------------

LAYOUTS = {kind: spec.columns for kind, spec in layout.specs().items()}
HEADER_ONLY = set(LAYOUTS["header"]) - {"CHILD", "SEX", "DOB"}
# Known columns that cannot make a file look like a Header: a second Header file beside the
# good one would make both ambiguous, by design.
EXTRA_NAMES = sorted(layout.known_columns() - HEADER_ONLY)
# A value each column accepts, so that a file left sound loads.
VALID = {"SEX": "1", "ETHNIC": "WBRI", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U6"}
VALID |= {"PLACE_PROVIDER": "PR1", "URN": "XXXXXXX", "HOME_POST": "RG12 1", "PL_POST": "RG12 2"}
VALID |= {"SDQ_SCORE": "10", "SDQ_REASON": "SDQ1", "CONVICTED": "0", "HEALTH_CHECK": "1"}
VALID |= {"IMMUNISATIONS": "1", "TEETH_CHECK": "1", "HEALTH_ASSESSMENT": "1", "ACCOM": "B"}
VALID |= {"SUBSTANCE_MISUSE": "0", "IN_TOUCH": "YES", "ACTIV": "F1", "FOSTER_CARE": "0"}
VALID |= {"NB_ADOPTR": "M", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L0", "PREV_PERM": "Z1"}
VALID |= {"MISSING": "M", "REVIEW_CODE": "PN1", "SW_ID": "SW1", "WEEKLY_COST": "1250.50"}
VALID |= {"LA_SHARE": "100"}
CODES = sorted(set(VALID.values()))
HOSTILE_VALUES = ["", " ", "31/02/2023", "2023-05-01", "01/01/1066", "RG12 7AB", "NULL", "\\N"]
HOSTILE_VALUES += ['=HYPERLINK("http://example.invalid")', "A123456789012", "1e309", "NaN"]
CSV_ATTACKS = [
    "wrong_codes",
    "mangled_header",
    "free_header",
    "hostile_cells",
    "ragged_rows",
    "raw_quoting",
    "lone_quote",
    "line_endings",
    "encoding",
    "nul",
    "truncate",
    "long_field",
    "wide",
    "blank_lines",
]


def is_date(column: str) -> bool:
    return "DATE" in column or column.endswith(("DECOM", "DEC", "DUC", "START", "END", "REVIEW"))


def column_values(column: str) -> st.SearchStrategy[str]:
    """A value the column accepts."""
    if column == "CHILD":
        return st.builds(child, st.integers(1, 30))
    if "DOB" in column:
        return st.just("01/05/2012")
    if is_date(column):
        return st.sampled_from(["01/05/2023", "15/06/2023"])
    return st.just(VALID.get(column, ""))


def hostile_values(marker: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_VALUES),
        st.just(marker),
        st.text(max_size=12).map(lambda s: s + marker),
        st.text(max_size=12),
        st.text(alphabet=",\"\r\n\t ;'\\", max_size=6),
    )


def write_csv(rows: list[list[str]], raw: bool) -> str:
    if raw:
        return "".join(",".join(row) + "\n" for row in rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def csv_files(draw: st.DrawFn) -> Hostile:
    """An extract under a layout's header, sound or attacked."""
    marker = draw(markers())
    kind = draw(st.sampled_from(sorted(LAYOUTS)))
    # A Header file goes to another year's folder than the good Header's.
    date = draw(st.sampled_from(DATES[1:] if kind == "header" else DATES))
    attacks = draw(some(CSV_ATTACKS))
    header = list(LAYOUTS[kind])
    if draw(st.booleans()):
        header = list(draw(st.permutations(header)))
    rows = draw(st.lists(st.tuples(*map(column_values, header)).map(list), min_size=1, max_size=5))
    # The marker in one cell: in CHILD it is refused, elsewhere it may load with a warning.
    rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, len(header) - 1))] = marker
    values = hostile_values(marker)
    if "mangled_header" in attacks:
        header = header[draw(st.integers(0, 2)) :]
        extra = EXTRA_NAMES if kind != "header" else sorted(layout.known_columns())
        header += draw(st.lists(st.sampled_from(extra) | values, max_size=3))
        header = [
            draw(st.sampled_from([c, c.lower(), f" {c} ", f'"{c}"', f"\ufeff{c}"])) for c in header
        ]
    if "free_header" in attacks:
        header = draw(st.lists(values, min_size=1, max_size=8))
    if "wrong_codes" in attacks:
        for row in rows:
            row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(CODES))
    if "hostile_cells" in attacks:
        for row in rows:
            row[draw(st.integers(0, len(row) - 1))] = draw(values)
    if "ragged_rows" in attacks:
        for row in rows:
            del row[draw(st.integers(0, len(row))) :]
            row += draw(st.lists(values, max_size=2))
    if "wide" in attacks:
        header += [f"X{i}" for i in range(draw(st.sampled_from([40, 199, 201, 2000])))]
    if "long_field" in attacks:
        length = draw(st.sampled_from([5000, MAX_LINE_BYTES - 64, MAX_LINE_BYTES + 1]))
        rows[0].append(marker + "x" * length)
    text = write_csv([header, *rows], raw="raw_quoting" in attacks)
    if "blank_lines" in attacks:
        lines = text.split("\n")
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(["", " ", ",,,"])))
        text = "\n".join(lines)
    if "lone_quote" in attacks:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + '"' + text[at:]
    if "line_endings" in attacks:
        parts = text.split("\n")
        ends = draw(
            st.lists(
                st.sampled_from(["\n", "\r\n", "\r"]),
                min_size=len(parts) - 1,
                max_size=len(parts) - 1,
            )
        )
        text = parts[0] + "".join(e + p for e, p in zip(ends, parts[1:], strict=True))
    encoding = "utf-8"
    if "encoding" in attacks:
        encoding = draw(
            st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
        )
    data = text.encode(encoding, errors="replace")
    if "nul" in attacks:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    if "truncate" in attacks:
        data = data[: draw(st.integers(0, len(data)))]
    return Hostile(data, marker, date)


@st.composite
def random_text_bytes(draw: st.DrawFn) -> Hostile:
    """Random bytes, behind a byte-order mark or the start of a header, with a marker."""
    marker = draw(markers())
    prefix = draw(
        st.sampled_from(
            [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"CHILD,DECOM,", b'"']
        )
    )
    body = draw(st.binary(max_size=600)) + marker.encode() + draw(st.binary(max_size=100))
    return Hostile(prefix + body, marker, draw(st.sampled_from(DATES)))


def bare_cr_lines(content: bytes) -> bool:
    """Text whose lines end in a bare CR with no bare LF: such a file stops the load (see
    test_a_csv_with_bare_cr_line_ends_is_read_or_refused_not_raised), so the properties
    above leave it to that test and keep guarding everything else."""
    text = layout.decode(content).text
    return text.count("\r") > text.count("\r\n") == text.count("\n")


def hostile_csvs() -> st.SearchStrategy[Hostile]:
    return st.one_of(csv_files(), csv_files(), csv_files(), random_text_bytes()).filter(
        lambda h: not bare_cr_lines(h.content)
    )


# --- Census XML -------------------------------------------------------------------------

# The census's elements: its groups, and its leaves as the reader names them.
GROUPS = ["Message", "Header", "CollectionDetails", "Source", "Children", "Child"]
GROUPS += ["ChildIdentifiers", "ChildCharacteristics", "Disabilities", "CINdetails"]
GROUPS += ["Assessments", "FactorsIdentifiedAtAssessment", "CINPlanDates", "Section47"]
GROUPS += ["ChildProtectionPlans", "Reviews"]
CENSUS_TAGS = sorted({*GROUPS, *cin.ELEMENTS.values()})
# Pieces written into the document as they are: markup, entities, references.
RAW_PIECES = ["<", "&", ">", "&amp;", "&lt;", "&#60;", "&#x26;", "&#0;", "&#xD800;"]
RAW_PIECES += ["&#1114112;", "&nbsp;", "&e;", "&lol9;", "&xxe;", "]]>", "<!-- a comment -->"]
RAW_PIECES += ["<?pi data?>", "\x00", "\x0c", "\ufffe", "</Child>", "<Child>", "<![CDATA[x]]>"]
DOCTYPES = [
    "<!DOCTYPE Message>",
    '<!DOCTYPE Message [<!ENTITY e "{marker}">]>',
    '<!DOCTYPE Message [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol9 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>',
    '<!DOCTYPE Message SYSTEM "http://127.0.0.1:9/census.dtd">',
    '<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE Message [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
    '<!DOCTYPE Message PUBLIC "-//X//Y" "census.dtd">',
]
PROLOGS = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<?xml version="1.1"?>',
    "<?xml version='1.0' standalone='yes'?>",
    '<?xml-stylesheet href="x.xsl"?>',
    "<!-- census -->\n",
    "\n  ",
    ' <?xml version="1.0"?>',
]
XML_ATTACKS = [
    "doctype",
    "markup",
    "hostile_values",
    "extra_elements",
    "deep",
    "cut_text",
    "cut_bytes",
    "encoding",
    "prolog",
    "namespace",
    "wrong_header",
    "no_header",
    "root",
]
# Text an XML document can hold once escaped (no control characters, no non-characters).
XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
    max_size=10,
)

# A node: (tag, attributes as (name, value, raw), text as [(raw, piece)], children);
# a child that is a str is written as it is.
Node = tuple


def render(node: Node) -> str:
    tag, attributes, text, children = node
    attrs = "".join(
        f' {name}="{value}"' if raw else f" {name}={quoteattr(value)}"
        for name, value, raw in attributes
    )
    body = "".join(piece if raw else escape(piece) for raw, piece in text)
    inner = "".join(c if isinstance(c, str) else render(c) for c in children)
    return f"<{tag}{attrs}>{body}{inner}</{tag}>"


@st.composite
def census_xml(draw: st.DrawFn) -> Hostile:
    """A census for one of the council's years, sound or attacked."""
    marker = draw(markers())
    date = draw(st.sampled_from(DATES))
    attacks = draw(some(XML_ATTACKS))
    leaves: list[Node] = []

    def leaf(tag: str, value: str) -> Node:
        node = (tag, [], [(False, value)], [])
        leaves.append(node)
        return node

    def group(tag: str, *children: Node) -> Node:
        return (tag, [], [], list(children))

    def a_child(number: int) -> Node:
        referral = group(
            "CINdetails",
            leaf("CINreferralDate", f"{int(date[:4]) - 1}-05-01"),
            leaf("ReferralSource", "2A"),
            leaf("PrimaryNeedCode", "N1"),
            leaf("ReferralNFA", "0"),
            group(
                "Assessments",
                leaf("AssessmentActualStartDate", f"{int(date[:4]) - 1}-05-02"),
                group("FactorsIdentifiedAtAssessment", leaf("AssessmentFactors", "3B")),
            ),
        )
        return group(
            "Child",
            group(
                "ChildIdentifiers",
                leaf("LAchildID", child(number)),
                leaf("PersonBirthDate", "2015-06-01"),
                leaf("GenderCurrent", "1"),
            ),
            group("ChildCharacteristics", leaf("Ethnicity", "WBRI")),
            *([referral] if draw(st.booleans()) else []),
        )

    header = group(
        "Header",
        group(
            "CollectionDetails",
            leaf("Collection", "CIN"),
            leaf("Year", date[:4]),
            leaf("ReferenceDate", date),
        ),
        group("Source", leaf("SourceLevel", "L"), leaf("LEA", LA_NUMBER)),
    )
    children = group("Children", *(a_child(n) for n in range(1, draw(st.integers(1, 3)) + 1)))
    top = [header, children] if "no_header" not in attacks else [children]
    attributes = []
    if "namespace" in attacks:
        attributes = [
            ("xmlns", draw(st.sampled_from(["http://www.dfe.gov.uk/CoreSchema", ""])), False)
        ]
    tag = "Message" if "root" not in attacks else draw(st.sampled_from([*CENSUS_TAGS, marker]))
    root = (tag, attributes, [], top)
    nodes = [root, header, children, *children[3]]
    # The marker in one leaf: as a child's ID it is refused, elsewhere it may load.
    draw(st.sampled_from(leaves))[2][:] = [(False, marker)]
    if "wrong_header" in attacks:
        node = draw(st.sampled_from(leaves[:5]))  # the header's
        node[2][:] = [(False, draw(st.sampled_from(["CIN2", "1999", "2024-02-30", "999", ""])))]
    if "hostile_values" in attacks:
        for node in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=4)):
            node[2][:] = [(False, draw(st.one_of(XML_TEXT, st.just(marker))))]
    if "markup" in attacks:
        for node in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3)):
            node[2].append((True, draw(st.sampled_from([*RAW_PIECES, f"&{marker};"]))))
    if "extra_elements" in attacks:
        for _ in range(draw(st.integers(1, 3))):
            name = draw(
                st.one_of(
                    st.sampled_from(CENSUS_TAGS),
                    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True),
                    st.sampled_from(["ns:Child", "1Child", "Chïld", "xml", marker]),
                )
            )
            attrs = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["id", "xml:lang", "xmlns:ns", marker]),
                        st.one_of(st.just(marker), st.sampled_from(RAW_PIECES), XML_TEXT),
                        st.booleans(),
                    ),
                    max_size=2,
                )
            )
            host = draw(st.sampled_from(nodes))[3]
            host.insert(draw(st.integers(0, len(host))), (name, attrs, [(False, marker)], []))
    if "deep" in attacks:
        depth = draw(st.sampled_from([5, 12, 13, 200, 5000]))
        draw(st.sampled_from(nodes))[3].insert(0, "<Child>" * depth + marker + "</Child>" * depth)
    body = render(root)
    if "cut_text" in attacks:
        body = body[: draw(st.integers(0, len(body)))]
    text = '<?xml version="1.0" encoding="utf-8"?>\n'
    if "prolog" in attacks:
        text = draw(st.sampled_from(PROLOGS))
    if "doctype" in attacks:
        text += draw(st.sampled_from(DOCTYPES)).replace("{marker}", marker)
        body = body.replace("</Children>", "<Child>&e;&lol9;&xxe;</Child></Children>", 1)
    text += body
    encoding = "utf-8"
    if "encoding" in attacks:
        encoding = draw(st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if "cut_bytes" in attacks:
        data = data[: draw(st.integers(0, len(data)))]
    return Hostile(data, marker, date)


# --- Workbooks --------------------------------------------------------------------------

XLSX_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]
XLSX_PARTS += ["xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]
XLSX_PARTS += ["xl/styles.xml", "docProps/app.xml"]
CHILD_HEADERS = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LIST_HEADERS = {
    "List 1": [*CHILD_HEADERS, "Date of Contact", "Contact Source"],
    "List 2": [
        *CHILD_HEADERS,
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
    ],
    "List 3": [
        *CHILD_HEADERS,
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 4": [*CHILD_HEADERS, "Assessment start date", "Assessment authorised date"],
}
OTHER_SHEETS = ["list1", "LIST 3 - Referrals", "List 11", "List 0", "List 99999999999", "Sheet1"]
OTHER_HEADERS = ["DOB", "NFA", "Child ID", "Unique Child ID", "child   unique-id", "Sex"]
WORKBOOK_ATTACKS = [
    "sheet_names",
    "title_rows",
    "header_cells",
    "hostile_cells",
    "text_dates",
    "formulas",
    "lists_not_loaded",
]


def sheet_name_ok(name: str) -> bool:
    return (
        0 < len(name) <= 31
        and not set(name) & set("[]:*?/\\")
        and not name.startswith("'")
        and not name.endswith("'")
        and name.lower() != "history"
        and name.isprintable()
    )


def list_row(columns: list[str], number: int) -> list[object]:
    """A row of an Annex A list as a council's system writes it."""
    day = dt.datetime(2023, 6, 1 + number % 28)
    by_column = {
        "Child Unique ID": child(number),
        "Gender": "a) Male",
        "Ethnicity": "WBRI",
        "Date of Birth": dt.datetime(2014, 3, 1),
        "Age of Child (Years)": 9,
        "Referral NFA?": "No",
        "Number of Referrals in Last 12 Months": 1,
    }
    return [
        by_column.get(c, day if "date" in c.lower() else "2A Schools" if "ource" in c else "North")
        for c in columns
    ]


def cell_values(marker: str) -> st.SearchStrategy[object]:
    return st.one_of(
        st.builds(child, st.integers(1, 20)),
        st.just(marker),
        st.text(max_size=12).map(lambda s: s + marker),
        st.text(max_size=12),
        st.sampled_from(["Yes", "No", "01/06/2023", "31/02/2023", "2023-06-01", "=1+1", ""]),
        st.integers(-(2**53), 2**53),
        st.floats(),
        st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
        st.booleans(),
        st.none(),
    )


def write_cell(sheet, row: int, col: int, value: object, dates) -> None:  # noqa: ANN001
    if value is None:
        return
    if isinstance(value, tuple):  # ("formula", cached text)
        sheet.write_formula(row, col, f'="{value[1]}"', None, value[1])
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, dates)
    else:
        sheet.write_string(row, col, str(value))


def xlsx_bytes(fill: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    out = io.BytesIO()
    options = {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(out, {**options, "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    fill(book)
    book.close()
    return out.getvalue()


@st.composite
def real_workbooks(draw: st.DrawFn) -> Hostile:
    """An Annex A workbook written by xlsxwriter, sound or attacked."""
    marker = draw(markers())
    attacks = draw(some(WORKBOOK_ATTACKS))
    values = cell_values(marker)
    names = draw(st.lists(st.sampled_from(["List 1", "List 2", "List 3"]), min_size=1, unique=True))
    if "lists_not_loaded" in attacks:
        names += draw(st.lists(st.sampled_from(["List 4", *OTHER_SHEETS]), min_size=1, unique=True))
    if "sheet_names" in attacks:
        odd = st.text(min_size=1, max_size=31).filter(sheet_name_ok) | st.just(marker)
        names += draw(st.lists(odd, min_size=1, max_size=2))
    # One sheet per list: a list on two sheets stops the load (see
    # test_a_list_on_two_sheets_with_a_failing_row_is_checked_not_raised).
    names = list({annex_a.list_number(n) or n.lower(): n for n in names}.values())
    sheets = []
    for name in names:
        header = list(LIST_HEADERS.get(name, LIST_HEADERS["List 1"]))
        if "header_cells" in attacks and draw(st.booleans()):
            header = header[draw(st.integers(0, 1)) :]
            header += draw(st.lists(st.sampled_from(OTHER_HEADERS) | st.just(marker), max_size=2))
            header = draw(st.permutations(header))
        rows = [list_row(header, n) for n in range(1, draw(st.integers(1, 4)) + 1)]
        sheets.append((name, header, rows))
    # The marker in one cell: as a child's ID it is refused, elsewhere it may load.
    _, header, rows = draw(st.sampled_from(sheets))
    rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, len(header) - 1))] = marker
    for *_, rows in sheets:
        if "hostile_cells" in attacks:
            for row in rows:
                row[draw(st.integers(0, len(row) - 1))] = draw(values)
        if "text_dates" in attacks:
            for row in rows:
                row[:] = [v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in row]
        if "formulas" in attacks:
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = ("formula", marker)
    tops = {
        name: draw(st.sampled_from([1, 9, 10])) if "title_rows" in attacks else 0 for name in names
    }

    def fill(book: xlsxwriter.Workbook) -> None:
        dates = book.add_format({"num_format": "dd/mm/yyyy"})
        for name, header, rows in sheets:
            sheet = book.add_worksheet(name)
            top = tops[name]
            if top:
                sheet.write_string(0, 0, f"Annex A {marker}")
            for col, value in enumerate(header):
                sheet.write_string(top, col, value)
            for r, row in enumerate(rows, top + 1):
                for col, value in enumerate(row):
                    write_cell(sheet, r, col, value, dates)

    return Hostile(xlsx_bytes(fill), marker, draw(st.sampled_from(DATES)))


@st.composite
def random_zips(draw: st.DrawFn) -> Hostile:
    """A zip of workbook-like or random members, each compressed any way."""
    marker = draw(markers())
    names = draw(
        st.lists(
            st.sampled_from(XLSX_PARTS) | st.text(min_size=1, max_size=20), max_size=6, unique=True
        )
    )
    methods = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            body = draw(
                st.one_of(
                    st.binary(max_size=300),
                    st.just(f'<?xml version="1.0"?><workbook>{marker}</workbook>'.encode()),
                    st.lists(st.sampled_from(RAW_PIECES) | st.just(marker)).map(
                        lambda pieces: "".join(pieces).encode("utf-8", errors="replace")
                    ),
                )
            )
            info = zipfile.ZipInfo(name.replace("\x00", "_"))
            archive.writestr(info, body, draw(st.sampled_from(methods)))
    return Hostile(out.getvalue(), marker, draw(st.sampled_from(DATES)))


@st.composite
def zip_magic_bytes(draw: st.DrawFn) -> Hostile:
    marker = draw(markers())
    body = b"PK\x03\x04" + draw(st.binary(max_size=600)) + marker.encode()
    return Hostile(body, marker, draw(st.sampled_from(DATES)))


def hostile_workbooks() -> st.SearchStrategy[Hostile]:
    return st.one_of(real_workbooks(), real_workbooks(), random_zips(), zip_magic_bytes())


# --- File names -------------------------------------------------------------------------

NAME_CHARACTERS = st.one_of(
    st.sampled_from(list(" '\"*?[]%\\_-.,;:!#$&()+=@^`{}|~")),
    st.sampled_from(["\t", "\n", "\r", "\x1b", "\x7f", "\u202e", "\u200b", "\u2028", "\ufeff"]),
    st.characters(exclude_categories=("Cs",), exclude_characters="/\x00"),
    st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),  # bytes that are not UTF-8
)


def name_ok(name: str) -> bool:
    return (
        bool(name)
        and not name.startswith(".")  # hidden names are not looked at, by design
        and "/" not in name
        and "\x00" not in name
        and len(os.fsencode(name)) <= 255
        and name not in (GOOD, stamp.STAMP_NAME)
        and MARKER not in name
    )


def file_names() -> st.SearchStrategy[str]:
    return st.text(NAME_CHARACTERS, min_size=1, max_size=30).map(on_disk).filter(name_ok)


def printable(name: str) -> bool:
    return shown_name(name) == name


# --- The properties ---------------------------------------------------------------------


@fast(4)
@given(files=st.lists(hostile_csvs(), min_size=5, max_size=10, unique_by=DISTINCT))
def test_hostile_csv_extracts_get_a_verdict_and_are_never_quoted(files):
    drop_beside_good(files)


@fast(4)
@given(files=st.lists(census_xml(), min_size=5, max_size=10, unique_by=DISTINCT))
def test_hostile_census_xml_gets_a_verdict_and_is_never_quoted(files):
    drop_beside_good(files)


@fast(4)
@given(files=st.lists(hostile_workbooks(), min_size=5, max_size=9, unique_by=DISTINCT))
def test_hostile_workbooks_get_a_verdict_and_are_never_quoted(files):
    drop_beside_good(files)


@fast(3)
@given(names=st.lists(file_names(), min_size=1, max_size=len(DATES) - 1, unique_by=shown_name))
def test_any_file_name_is_taken_literally_or_refused_as_a_bad_name(names):
    """The same good episodes file under each name, one collection year each: a printable
    name loads as itself; any other is refused for its name alone."""
    places = list(zip(names, DATES[1:], strict=False))
    with tempfile.TemporaryDirectory() as root:
        region = Region(Path(root))
        region.drop(GOOD, header_text())
        for name, date in places:
            region.drop(name, episodes_text(), reference_date=date)
        report = region.load()
        statuses = check_verdicts(region, {rel(n, d): None for n, d in places}, report)
        for name, date in places:
            path = rel(name, date)
            if printable(on_disk(name)):
                assert statuses[path] == "loaded", (name, region.failures(path))
                rows = "select count(*) from raw.ssda903_episodes where _source_file = ?"
                assert region.query(rows, path) == [(3,)]
            else:
                assert statuses[path] == "quarantined"
                rules = "select rule_id from raw.load_failures where path = ?"
                assert region.query(rules, path) == [("drop.bad_name",)]


@fast(2)
@given(
    files=st.lists(
        st.one_of(hostile_csvs(), census_xml(), hostile_workbooks()),
        min_size=5,
        max_size=9,
        unique_by=DISTINCT,
    ),
    names=st.lists(file_names(), min_size=9, max_size=9, unique_by=shown_name),
)
def test_a_mixed_hostile_drop_gets_a_verdict_and_a_second_run_changes_nothing(files, names):
    with tempfile.TemporaryDirectory() as root:
        region = Region(Path(root))
        region.drop(GOOD, header_text())
        expected = {}
        for name, hostile in zip(names, files, strict=False):
            region.drop(name, hostile.content, reference_date=hostile.date)
            expected[rel(name, hostile.date)] = hostile.marker
        first = check_verdicts(region, expected, region.load())
        again = region.load()
        assert all(d.status in VERDICTS for d in again.new)
        current = dict(
            region.query("select path, status from raw.load_manifest order by first_seen_at")
        )
        assert {path: current[path] for path in first} == first
        assert current[rel(GOOD)] == "loaded"


# --- Bugs the properties found, each with its smallest reproducer ------------------------


@fast(1)
@given(name=file_names().filter(lambda n: not printable(n)))
@example(name="a\x1bb.csv")
def test_a_control_character_name_beside_its_escaped_spelling_does_not_stop_the_load(name):
    """A file whose name is refused (and recorded escaped) beside a file literally named
    with that escaped spelling: both go to raw.file_stats under one path, its primary key
    refuses the second, and the whole load stops."""
    twin = shown_name(name)
    if not name_ok(twin):
        return
    with tempfile.TemporaryDirectory() as root:
        region = Region(Path(root))
        region.drop(GOOD, header_text())
        region.drop(name, b"anything\n")
        region.drop(twin, episodes_text())
        region.load()
        statuses = "select status from raw.load_manifest where path = ?"
        assert sorted(region.query(statuses, rel(twin))) == [("loaded",), ("quarantined",)]
        assert region.status(GOOD) == "loaded"


@fast(1)
@given(
    texts=st.lists(
        st.one_of(st.just(episodes_text()), st.text(max_size=40)), min_size=1, max_size=4
    )
)
@example(texts=["a\rb"])
def test_a_csv_with_bare_cr_line_ends_is_read_or_refused_not_raised(texts):
    """Lines ending in CR alone, as old Mac exports write them: the header goes to a CSV
    reader that raises on a bare CR, and nothing catches its error."""
    contents = {t.replace("\r\n", "\n").replace("\n", "\r").encode() for t in texts}
    files = [Hostile(content) for content in sorted(contents) if b"\r" in content]
    drop_beside_good(files)


DAMAGES = ["garbage", "truncate", "lzma", "bzip2", "remove"]


def damaged(book: bytes, part: str, damage: str, cut: int, garbage: bytes) -> bytes:
    """`book` with one member replaced, cut short, recompressed or left out."""
    source = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            method = zipfile.ZIP_DEFLATED
            if info.filename == part:
                if damage == "remove":
                    continue
                if damage == "garbage":
                    body = garbage
                elif damage == "truncate":
                    body = body[: cut % (len(body) + 1)]
                else:
                    method = zipfile.ZIP_LZMA if damage == "lzma" else zipfile.ZIP_BZIP2
            archive.writestr(info.filename, body, method)
    return out.getvalue()


def annex_a_book(marker: str) -> bytes:
    def fill(book: xlsxwriter.Workbook) -> None:
        sheet = book.add_worksheet("List 1")
        sheet.write_row(0, 0, LIST_HEADERS["List 1"])
        sheet.write_row(1, 0, [child(1), "a) Male", "WBRI", "01/03/2014", 9, "01/06/2023", marker])

    return xlsx_bytes(fill)


@fast(1)
@given(
    damages=st.lists(
        st.tuples(
            st.sampled_from(XLSX_PARTS[:6]),
            st.sampled_from(DAMAGES),
            st.integers(0, 5000),
            st.binary(max_size=64),
        ),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    first=st.integers(0, 10**8 - 10),
)
@example(damages=[("xl/worksheets/sheet1.xml", "garbage", 0, b"x")], first=0)
def test_a_workbook_with_a_damaged_sheet_is_refused_not_raised(damages, first):
    """A real workbook whose sheet part is broken opens, then fails as its sheet is read:
    the reader's error must quarantine the file, not escape the load."""
    files = {}
    for number, damage in enumerate(damages):
        marker = f"{MARKER}{first + number:08d}"
        files.setdefault(damaged(annex_a_book(marker), *damage), marker)
    drop_beside_good([Hostile(book, marker) for book, marker in files.items()])


@fast(1)
@given(files=st.lists(hostile_csvs(), min_size=1, max_size=3, unique_by=DISTINCT))
@example(
    files=[
        Hostile(
            (
                EPISODE_COLUMNS + "\nBF99901,01/05/2023,S,C2,N1,U6,PR1,,,,RG12 1,RG12 2,XXXXXXX\n"
            ).encode()
        )
    ]
)
def test_a_copy_of_a_refused_file_is_not_a_duplicate_of_a_loaded_one(files):
    """The same bytes twice in one folder of one new drop: when the first is refused by its
    checks, the second is no duplicate of anything loaded."""
    drop_beside_good([f for f in files for _ in (0, 1)])


@fast(1)
@given(
    spellings=st.lists(
        st.sampled_from(["List 1", "list1", "LIST 1 - Contacts", "List 1 (old)", "list 01"]),
        min_size=2,
        max_size=3,
        unique_by=str.lower,
    ),
    contact=st.sampled_from(["01/06/2023", "31/02/2023", "2023-06-01", ""]),
    marker=markers(),
)
@example(spellings=["List 1", "list1"], contact="01/06/2023", marker=f"{MARKER}00000000")
def test_a_list_on_two_sheets_with_a_failing_row_is_checked_not_raised(spellings, contact, marker):
    """Two sheets that are both List 1 give rows with the same file and row number; when
    one of them fails a check, its failures cannot be matched back to rows, and the load
    stops."""

    def fill(book: xlsxwriter.Workbook) -> None:
        for name in spellings:
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, LIST_HEADERS["List 1"])
            row = [child(1), "a) Male", "WBRI", "01/03/2014", 9, contact, marker]
            sheet.write_row(1, 0, row)

    drop_beside_good([Hostile(xlsx_bytes(fill), marker, "2023-03-31")])


LOAD_IN_A_PROCESS = """
import resource, sys
from pathlib import Path
limit = 8 << 30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from csc.load import load
from csc.warehouse import Home
load(Home(Path(sys.argv[1])), data_docs=False)
"""


def test_a_tiny_workbook_with_a_far_away_cell_does_not_kill_the_loader():
    """A few kilobytes with one cell far down and across a sheet: read as a dense grid, the
    sheet needs gigabytes, and a failed allocation aborts the whole process. The load runs
    in a child process (capped at 8 GB of address space) so an abort fails this test alone.
    Each such load costs seconds, so this one is not left to Hypothesis."""
    far = [(1_048_575, 16_383), (600_000, 2_000)]
    files = []
    for number, (row, col) in enumerate(far):
        marker = f"{MARKER}{number:08d}"

        def fill(book: xlsxwriter.Workbook, row: int = row, col: int = col, m: str = marker):
            sheet = book.add_worksheet("List 1")
            sheet.write_row(0, 0, LIST_HEADERS["List 1"])
            sheet.write_string(row, col, m)

        files.append(Hostile(xlsx_bytes(fill), marker, DATES[number + 1]))
    with tempfile.TemporaryDirectory() as root:
        region = Region(Path(root))
        region.drop(GOOD, header_text())
        expected = {}
        for number, hostile in enumerate(files):
            region.drop(f"annex_a_{number}.xlsx", hostile.content, reference_date=hostile.date)
            expected[rel(f"annex_a_{number}.xlsx", hostile.date)] = hostile.marker
        done = subprocess.run(
            [sys.executable, "-c", LOAD_IN_A_PROCESS, root],
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (
            f"the loader process ended with {done.returncode}: "
            + " / ".join(done.stderr.decode(errors="replace").splitlines()[:2])
        )
        check_verdicts(region, expected)
