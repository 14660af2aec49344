"""The children-in-need census: a locked-down, streaming reader of the DfE XML return.

The parser refuses anything a census never needs and an attacker would: a document type
declaration (so no entity definitions, no entity expansion, no external entities), and
network access is never attempted. defusedxml checks the prolog with all of these
forbidden; only a file that passes reaches the standard library's C parser. It also
refuses files larger than `MAX_BYTES` and elements nested deeper than `MAX_DEPTH`, so a
hostile file costs no more than reading it.

The file is read one `<Child>` at a time: each child becomes rows of the raw CIN tables
(`warehouse.CIN_TABLES`), then is discarded, so memory does not grow with the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # nosec B405 # parsed only after the defusedxml guard
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr  # nosec B406 # escapes text we write; parses nothing

import defusedxml
import defusedxml.ElementTree as safe_xml

from csc.warehouse import CIN_TABLES

MAX_BYTES = 1 << 30  # a whole region's census is about 200 MB; one council's far less
MAX_DEPTH = 12  # the deepest element, a CP plan review date, sits at depth 7
MAX_TEXT_BYTES = 64 << 10  # a census value is a date, a code or an ID
COLLECTION = "CIN"
HEADER_FIELDS = CIN_TABLES["header"]
HEADER_PATHS = {
    "collection": ("CollectionDetails", "Collection"),
    "year": ("CollectionDetails", "Year"),
    "referencedate": ("CollectionDetails", "ReferenceDate"),
    "sourcelevel": ("Source", "SourceLevel"),
    "lea": ("Source", "LEA"),
    "softwarecode": ("Source", "SoftwareCode"),
    "release": ("Source", "Release"),
    "serialno": ("Source", "SerialNo"),
    "datetime": ("Source", "DateTime"),
}
# Raw column -> the census element it holds, as the frames and messages name it.
ELEMENTS = {
    "collection": "Collection",
    "year": "Year",
    "referencedate": "ReferenceDate",
    "sourcelevel": "SourceLevel",
    "lea": "LEA",
    "softwarecode": "SoftwareCode",
    "release": "Release",
    "serialno": "SerialNo",
    "datetime": "DateTime",
    "lachildid": "LAchildID",
    "upn": "UPN",
    "formerupn": "FormerUPN",
    "upnunknown": "UPNunknown",
    "personbirthdate": "PersonBirthDate",
    "expectedpersonbirthdate": "ExpectedPersonBirthDate",
    "gendercurrent": "GenderCurrent",
    "sex": "Sex",
    "persondeathdate": "PersonDeathDate",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "cinreferraldate": "CINreferralDate",
    "referralsource": "ReferralSource",
    "primaryneedcode": "PrimaryNeedCode",
    "cinclosuredate": "CINclosureDate",
    "reasonforclosure": "ReasonForClosure",
    "dateofinitialcpc": "DateOfInitialCPC",
    "referralnfa": "ReferralNFA",
    "assessmentactualstartdate": "AssessmentActualStartDate",
    "assessmentinternalreviewdate": "AssessmentInternalReviewDate",
    "assessmentauthorisationdate": "AssessmentAuthorisationDate",
    "assessmentfactors": "AssessmentFactors",
    "cinplanstartdate": "CINPlanStartDate",
    "cinplanenddate": "CINPlanEndDate",
    "s47actualstartdate": "S47ActualStartDate",
    "initialcpctarget": "InitialCPCtarget",
    "icpcnotrequired": "ICPCnotRequired",
    "cppstartdate": "CPPstartDate",
    "cppenddate": "CPPendDate",
    "initialcategoryofabuse": "InitialCategoryOfAbuse",
    "latestcategoryofabuse": "LatestCategoryOfAbuse",
    "numberofpreviouscpp": "NumberOfPreviousCPP",
    "cppreviewdate": "CPPreviewDate",
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class RejectedXml(Exception):
    """A file that is not a readable, safe CIN census. `rule_id` names what it broke."""

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(rule_id, message)  # both, so it survives a trip between processes
        self.rule_id = rule_id
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class CinCensus:
    """One census file as rows of the raw CIN tables (without the lineage columns)."""

    header: dict[str, str | None]
    tables: dict[str, list[tuple]] = field(default_factory=dict)
    children: int = 0


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    for item in element:
        if local(item.tag) == name:
            text = (item.text or "").strip()
            return text or None
    return None


def _first(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def _all(element: ET.Element | None, name: str) -> list[ET.Element]:
    if element is None:
        return []
    return [item for item in element if local(item.tag) == name]


def _under(element: ET.Element, *path: str) -> list[ET.Element]:
    """Elements at a path below `element`; the last name may repeat."""
    items = [element]
    for name in path:
        items = [child for item in items for child in _all(item, name)]
    return items


def _malformed(exc: ET.ParseError) -> RejectedXml:
    """The parser's complaint by position only: its text can quote the file."""
    line, column = getattr(exc, "position", (0, 0))
    return RejectedXml(
        "cin.malformed_xml", f"the file is not well-formed XML (line {line}, column {column})"
    )


def _check_lengths(path: Path) -> None:
    """Refuse a file with a text, tag or attribute longer than MAX_TEXT_BYTES.

    A run of bytes without `<` or `>` bounds every text and every tag with its attributes;
    finding the longest run is one vectorised pass, where a parser would first build the
    whole string.
    """
    import numpy as np

    carried = 0  # bytes since the last `<` or `>` of the previous block
    with open(path, "rb") as handle:
        while block := handle.read(4 << 20):
            data = np.frombuffer(block, dtype=np.uint8)
            marks = np.flatnonzero((data == 60) | (data == 62))
            if marks.size == 0:
                carried += len(block)
            else:
                longest = max(
                    carried + int(marks[0]),
                    int(np.diff(marks).max()) - 1 if marks.size > 1 else 0,
                )
                if longest > MAX_TEXT_BYTES:
                    carried = longest
                    break
                carried = len(block) - int(marks[-1]) - 1
            if carried > MAX_TEXT_BYTES:
                break
    if carried > MAX_TEXT_BYTES:
        raise RejectedXml(
            "cin.text_too_long",
            f"a text, tag or attribute is over {MAX_TEXT_BYTES:,} bytes long; no census value "
            "comes near that",
        )


def _guard(path: Path) -> None:
    """Refuse a file whose prolog declares a document type, before anything else reads it.

    defusedxml reads up to the root element's start tag with DTDs, entities and external
    references forbidden. A document type declaration can only come before the root
    element, so a file that passes has none: no entity can be defined, expanded or fetched,
    and the rest of the file can go to the standard library's fast C parser.
    """
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RejectedXml(
            "cin.file_too_large",
            f"the file is {size:,} bytes; a CIN census over {MAX_BYTES:,} bytes is refused",
        )
    _check_lengths(path)
    try:
        for _event in safe_xml.iterparse(
            str(path),
            events=("start",),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            return
    except defusedxml.DTDForbidden as exc:
        raise RejectedXml(
            "cin.unsafe_xml",
            "the file declares a document type (<!DOCTYPE>), which can define entities or "
            "fetch external files; the CIN census needs none, so the file is refused",
        ) from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise RejectedXml(
            "cin.unsafe_xml", "the file declares or references entities, refused"
        ) from exc
    except ET.ParseError as exc:
        raise _malformed(exc) from exc


def _events(path: Path, shallow: int = MAX_DEPTH) -> Iterator[tuple[str, ET.Element, int]]:
    """(event, element, depth) for start and end tags down to depth `shallow`, under the
    safety limits (which apply at every depth)."""
    _guard(path)
    depth = 0
    try:
        for event, element in ET.iterparse(str(path), events=("start", "end")):  # nosec B314 # only after the defusedxml guard refused DTDs
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise RejectedXml(
                        "cin.too_deep",
                        f"elements are nested more than {MAX_DEPTH} deep; the CIN census never "
                        "nests that deep",
                    )
                if depth <= shallow:
                    yield event, element, depth
            else:
                if depth <= shallow:
                    yield event, element, depth
                depth -= 1
    except ET.ParseError as exc:
        raise _malformed(exc) from exc


def _check_root(element: ET.Element) -> None:
    if local(element.tag) != "Message":
        raise RejectedXml(
            "cin.not_a_census",
            "the root element is not <Message>: not a CIN census",
        )


def read_header(element: ET.Element) -> dict[str, str | None]:
    header = {
        name: _text(_first(element, group), leaf) for name, (group, leaf) in HEADER_PATHS.items()
    }
    if header["collection"] != COLLECTION:
        raise RejectedXml(
            "cin.not_a_census",
            "Header/CollectionDetails/Collection is not 'CIN'",
        )
    return header


def _fields(element: ET.Element | None) -> dict[str, str | None]:
    """An element's leaf children by name, text trimmed (blank is None); first one wins."""
    out: dict[str, str | None] = {}
    if element is None:
        return out
    for item in element:
        name = local(item.tag)
        if name not in out:
            text = item.text.strip() if item.text else ""
            out[name] = text or None
    return out


def _values(elements: list[ET.Element]) -> list[str | None]:
    return [(e.text.strip() if e.text else "") or None for e in elements]


def _leaves(table: str) -> tuple[str, ...]:
    """The elements a table's row takes from one element's leaves, in the table's order."""
    return tuple(
        ELEMENTS[c] for c in CIN_TABLES[table] if not c.startswith("_") and c != "lachildid"
    )


LEAVES = {
    table: _leaves(table)
    for table in ("children", "referrals", "assessments", "plans", "section47", "cp_plans")
}
# Where each list sits below a <CINdetails>, and the table its items go to.
MODULES = (
    ("assessments", "Assessments"),
    ("plans", "CINPlanDates"),
    ("section47", "Section47"),
    ("cp_plans", "ChildProtectionPlans"),
)


def child_rows(child: ET.Element, number: int, tables: dict[str, list[tuple]]) -> None:
    """Append one <Child>'s rows to the raw CIN tables (columns as `warehouse.CIN_TABLES`)."""
    chars_element = _first(child, "ChildCharacteristics")
    person = _fields(_first(child, "ChildIdentifiers")) | _fields(chars_element)
    la_child_id = person.get("LAchildID")
    tables["children"].append(
        (number, la_child_id, *(person.get(name) for name in LEAVES["children"]))
    )
    if chars_element is not None:
        disabilities = _values(_under(chars_element, "Disabilities", "Disability"))
        for item, value in enumerate(disabilities, 1):
            tables["disabilities"].append((number, item, la_child_id, value))
    for ref_no, details in enumerate(_all(child, "CINdetails"), 1):
        fields = _fields(details)
        tables["referrals"].append(
            (number, ref_no, la_child_id, *(fields.get(name) for name in LEAVES["referrals"]))
        )
        for table, name in MODULES:
            for item, module in enumerate(_all(details, name), 1):
                fields = _fields(module)
                tables[table].append(
                    (
                        number,
                        ref_no,
                        item,
                        la_child_id,
                        *(fields.get(leaf) for leaf in LEAVES[table]),
                    )
                )
                if table == "assessments":
                    path = ("FactorsIdentifiedAtAssessment", "AssessmentFactors")
                    for factor_no, value in enumerate(_values(_under(module, *path)), 1):
                        tables["assessment_factors"].append(
                            (number, ref_no, item, factor_no, la_child_id, value)
                        )
                elif table == "cp_plans":
                    reviews = _values(_under(module, "Reviews", "CPPreviewDate"))
                    for review_no, value in enumerate(reviews, 1):
                        tables["cp_reviews"].append(
                            (number, ref_no, item, review_no, la_child_id, value)
                        )


def parse(path: Path) -> CinCensus:
    """Read a CIN census file into rows; raises RejectedXml for an unsafe or foreign file."""
    tables: dict[str, list[tuple]] = {name: [] for name in CIN_TABLES if name != "header"}
    header: dict[str, str | None] | None = None
    children = 0
    container: ET.Element | None = None
    for event, element, depth in _events(path, shallow=3):
        name = local(element.tag)
        if depth == 1:
            if event == "start":
                _check_root(element)
            continue
        if event == "start":
            if depth == 2 and name == "Children":
                container = element
            continue
        if depth == 2 and name == "Header":
            header = read_header(element)
            element.clear()
        elif depth == 3 and name == "Child" and container is not None:
            children += 1
            child_rows(element, children, tables)
            container.remove(element)
    if header is None:
        raise RejectedXml("cin.not_a_census", "the file has no <Header>: not a CIN census")
    return CinCensus(header, tables, children)


_LOCAL: dict[str, str] = {}  # tag -> name without namespace, for the serialiser


def _local_cached(tag: str) -> str:
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = local(tag)
    return name


def _escaped(text: str) -> str:
    """Text for XML: most census values need no escaping, and are not scanned thrice."""
    return escape(text) if "&" in text or "<" in text or ">" in text else text


def _serialise(element: ET.Element, out: list[str]) -> None:
    """Element to text, names without their namespace (the root declares it once).

    Whitespace between elements is dropped; the census has no mixed content.
    """
    name = _local_cached(element.tag)
    attrib = element.attrib
    attributes = (
        "".join(f" {_local_cached(k)}={quoteattr(v)}" for k, v in attrib.items()) if attrib else ""
    )
    text = element.text
    text = _escaped(text.strip()) if text else ""
    if len(element) == 0:
        out.append(f"<{name}{attributes}>{text}</{name}>")
    else:
        out.append(f"<{name}{attributes}>{text}")
        for child in element:
            _serialise(child, out)
        out.append(f"</{name}>")
    tail = element.tail
    if tail and (tail := tail.strip()):
        out.append(_escaped(tail))


def rewrite(path: Path, dest: Path, change_child: Callable[[ET.Element], None]) -> int:
    """Copy a census to `dest` one element at a time, passing each <Child> to `change_child`.

    Used by `csc pseudonymise`; returns the number of children written.
    """
    children = 0
    namespace = ""
    tmp = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)

    def dump(element: ET.Element) -> str:
        parts: list[str] = []
        _serialise(element, parts)
        return "".join(parts)

    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write('<?xml version="1.0" encoding="utf-8"?>\n')
            container: ET.Element | None = None
            for event, element, depth in _events(path, shallow=3):
                name = local(element.tag)
                if depth == 1:
                    if event == "start":
                        _check_root(element)
                        namespace = element.tag[1:].split("}")[0] if "}" in element.tag else ""
                        xmlns = f' xmlns="{namespace}"' if namespace else ""
                        out.write(f"<Message{xmlns}>\n")
                    else:
                        out.write("</Message>\n")
                    continue
                if depth == 2:
                    if name == "Children":
                        if event == "start":
                            container = element
                            out.write("<Children>\n")
                        else:
                            out.write("</Children>\n")
                    elif event == "end":
                        if name == "Header":
                            read_header(element)
                        out.write(dump(element) + "\n")
                        element.clear()
                    continue
                if depth == 3 and event == "end" and name == "Child" and container is not None:
                    change_child(element)
                    element.tail = None
                    out.write(dump(element) + "\n")
                    container.remove(element)
                    children += 1
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return children


def month_of(value: str) -> str:
    """`2012-06-17` -> `2012-06-01`; anything that is not an ISO date is blanked."""
    match = ISO_DATE.match(value.strip())
    return f"{match.group(1)}-{match.group(2)}-01" if match else ""
