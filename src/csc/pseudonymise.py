"""Privacy at source: what each council runs on its extracts before dropping them.

* child identifiers (CHILD, and SW_ID for social workers) become keyed HMAC-SHA256 tokens
  under the council's own secret key, so a child links across years and returns but the
  regional hub can never reverse a token;
* dates of birth (DOB, MC_DOB) become the first of their month;
* postcodes (HOME_POST, PL_POST) are cut to the postcode sector (`SO15 2AB` -> `SO15 2`);
* UPNs are blanked.

The DfE layout is kept: the same columns, in the same order, under the same header.
A placement costs extract (CSV) is recognised and treated the same way, column by column:
its CHILD gets the token the SSDA903 gives the same ID, and it holds nothing else to change.
The children-in-need census (XML) and Ofsted Annex A workbooks get the same treatment under
the same key, so a child links across the SSDA903, the CIN census and Annex A: LAchildID
and Annex A's Child Unique ID become the token CHILD gets, UPN and FormerUPN are removed,
birth dates (and a date of death) go to the first of the month, and Annex A's allocated
worker becomes a token like SW_ID. Annex A lists the warehouse does not load keep only
their header row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from csc import annex_a, cin, layout, stamp

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET  # nosec B405 # for type hints only; nothing is parsed here

    from csc.progress import Progress

TOKEN_HEX_CHARS = 16
TOKEN_PATTERN = r"^[0-9a-f]{16}$"  # nosec B105 # the shape of a token, not a secret
FULL_POSTCODE = re.compile(r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])[A-Z]{2}\s*$", re.IGNORECASE)
SECTOR = re.compile(r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])\s*$", re.IGNORECASE)
DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

TOKEN_COLUMNS = ("CHILD", "SW_ID")
BIRTH_DATE_COLUMNS = ("DOB", "MC_DOB")
POSTCODE_COLUMNS = ("HOME_POST", "PL_POST")
BLANKED_COLUMNS = ("UPN",)
CIN_REMOVED = ("UPN", "FormerUPN")
CIN_MONTH_ONLY = ("PersonBirthDate", "ExpectedPersonBirthDate", "PersonDeathDate")
RETURN_SUFFIXES = (".csv", ".xml", ".xlsx")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PseudonymiseError(Exception):
    """A file that cannot be pseudonymised safely, so it is not written."""


def new_key() -> str:
    """A fresh 256-bit council key, hex encoded."""
    return secrets.token_hex(32)


def read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise PseudonymiseError(f"{path}: key file must hold a hex key") from exc
    if len(key) < 16:
        raise PseudonymiseError(f"{path}: key must be at least 128 bits")
    return key


def ensure_key(path: Path) -> bytes:
    """Read a council's key, creating a new one (readable by its owner only) if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(new_key() + "\n", encoding="ascii")
    return read_key(path)


def token(key: bytes, identifier: str) -> str:
    """The same identifier under the same key always gives the same token."""
    digest = hmac.new(key, identifier.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:TOKEN_HEX_CHARS]


def month_of_birth(value: str) -> str:
    """`17/06/2012` -> `01/06/2012`; anything that is not a date is blanked, never passed on."""
    match = DATE.match(value)
    if not match:
        return ""
    _, month, year = match.groups()
    return f"01/{int(month):02d}/{year}"


def postcode_sector(value: str) -> str:
    """`SO15 2AB` -> `SO15 2`; a value that is neither a postcode nor a sector is blanked."""
    for pattern in (FULL_POSTCODE, SECTOR):
        match = pattern.match(value)
        if match:
            outward, sector = match.groups()
            return f"{outward.upper()} {sector}"
    return ""


@dataclass
class Result:
    source: Path
    dest: Path | None
    kind: str | None
    rows: int
    message: str = ""


def _transforms(key: bytes) -> dict[str, Callable[[str], str]]:
    def tokenise(value: str) -> str:
        return token(key, value) if value.strip() else ""

    out: dict[str, Callable[[str], str]] = {}
    out.update({c: tokenise for c in TOKEN_COLUMNS})
    out.update({c: month_of_birth for c in BIRTH_DATE_COLUMNS})
    out.update({c: postcode_sector for c in POSTCODE_COLUMNS})
    out.update({c: (lambda _value: "") for c in BLANKED_COLUMNS})
    return out


def pseudonymise_text(text: str, key: bytes) -> tuple[str, str | None, int]:
    """Pseudonymise one CSV text (an SSDA903 table or placement costs). Returns the new
    text, the layout it holds and its rows."""
    header = layout.read_header(text)
    recognised = layout.recognise(header)
    if recognised.kind is None:
        raise PseudonymiseError(
            "not an SSDA903 table or a placement costs extract (columns: "
            + ", ".join(header)
            + "); it was not copied, because an unknown file may hold identifiers"
        )
    transforms = _transforms(key)
    column_transforms = [transforms.get(name) for name in recognised.header]
    reader = csv.reader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(next(reader))
    rows = 0
    for row in reader:
        if not row:
            continue
        writer.writerow(
            [
                fn(value) if fn is not None else value
                for fn, value in zip(column_transforms, row, strict=False)
            ]
            + row[len(column_transforms) :]
        )
        rows += 1
    return out.getvalue(), recognised.kind, rows


def file_format(path: Path) -> str:
    """'xml', 'xlsx' or 'csv', from the file's first bytes rather than its name."""
    with open(path, "rb") as handle:
        start = handle.read(512)
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = start.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<") or text.startswith(b"\xff\xfe<") or text.startswith(b"\xfe\xff\x00<"):
        return "xml"
    return "csv"


def _cin_child(key: bytes) -> Callable[[ET.Element], None]:
    def change(child: ET.Element) -> None:
        ids = next((item for item in child if cin.local(item.tag) == "ChildIdentifiers"), None)
        if ids is None:
            return
        for item in list(ids):
            name = cin.local(item.tag)
            text = (item.text or "").strip()
            if name == "LAchildID" and text:
                item.text = token(key, text)
            elif name in CIN_REMOVED:
                ids.remove(item)
            elif name in CIN_MONTH_ONLY and text:
                item.text = cin.month_of(text)

    return change


def pseudonymise_cin(source: Path, dest: Path, key: bytes) -> Result:
    try:
        children = cin.rewrite(source, dest, _cin_child(key))
    except cin.RejectedXml as exc:
        return Result(source, None, None, 0, f"{source}: {exc.message}; it was not copied")
    return Result(source, dest, "cin", children)


def _annex_changes(key: bytes) -> dict[str, Callable[[object], object]]:
    def tokenise(value: object) -> object:
        text = annex_a.cell_text(value)
        return token(key, text) if text else value

    def month(value: object) -> object:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = annex_a.date_text(value)
        return dt.date.fromisoformat(text).replace(day=1) if text and ISO.match(text) else None

    return {"child_unique_id": tokenise, "allocated_worker": tokenise, "date_of_birth": month}


def pseudonymise_annex_a(source: Path, dest: Path, key: bytes) -> Result:
    try:
        book = annex_a.read(source)
        if not annex_a.is_annex_a(book):
            return Result(
                source, None, None, 0, f"{source}: no Annex A List 1, 2 or 3 found; not copied"
            )
        written = annex_a.rewrite(book, dest, _annex_changes(key))
    except annex_a.RejectedWorkbook as exc:
        return Result(source, None, None, 0, f"{source}: {exc.message}; it was not copied")
    return Result(source, dest, "annex_a", sum(written.values()))


def pseudonymise_file(source: Path, dest: Path, key: bytes) -> Result:
    kind = file_format(source)
    if kind == "xml":
        return pseudonymise_cin(source, dest, key)
    if kind == "xlsx":
        return pseudonymise_annex_a(source, dest, key)
    decoded = layout.decode(source.read_bytes())
    try:
        text, kind, rows = pseudonymise_text(decoded.text, key)
    except PseudonymiseError as exc:
        return Result(source, None, None, 0, f"{source}: {exc}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest)
    return Result(source, dest, kind, rows)


def _one(job: tuple[Path, Path, bytes]) -> Result:
    return pseudonymise_file(*job)


def pseudonymise_many(
    jobs: list[tuple[Path, Path, bytes]],
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """Pseudonymise many (source, dest, key) files, one process per core, advancing
    `progress` by one for each file done.

    Rewriting XML and workbooks is Python-bound, so a region's worth spreads over processes.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers < 2:
        results = []
        for job in jobs:
            results.append(_one(job))
            if progress is not None:
                progress.advance()
        return results
    # Biggest first, so no large file is left for the end; progress counts each file as it
    # finishes, not in the order the files were given.
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0].stat().st_size)
    context = multiprocessing.get_context("spawn")
    done: dict[int, Result] = {}
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(_one, jobs[i]): i for i in order}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress is not None:
                progress.advance()
    return [done[i] for i in range(len(jobs))]


def stamp_results(results: list[Result], la_code: str) -> None:
    """Stamp every folder written to with the council the files were pseudonymised for."""
    folders: dict[Path, list[Path]] = {}
    for result in results:
        if result.dest is not None:
            folders.setdefault(result.dest.parent, []).append(result.dest)
    for folder, paths in folders.items():
        stamp.write(folder, la_code, paths)


def pseudonymise_tree(source: Path, dest: Path, key: bytes, la_code: str) -> list[Result]:
    """Pseudonymise a file, or every return file below a folder keeping its relative path,
    and stamp what was written for `la_code` (see `csc.stamp`)."""
    if source.is_file():
        target = dest / source.name if dest.is_dir() or not dest.suffix else dest
        results = [pseudonymise_file(source, target, key)]
    else:
        results = [
            pseudonymise_file(path, dest / path.relative_to(source), key)
            for path in sorted(source.rglob("*"))
            if path.is_file() and path.suffix.lower() in RETURN_SUFFIXES
        ]
    stamp_results(results, la_code)
    return results
