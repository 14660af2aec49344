"""Privacy at source: what each council runs on its extracts before dropping them.

* child identifiers (CHILD, and SW_ID for social workers) become keyed HMAC-SHA256 tokens
  under the council's own secret key, so a child links across years and returns but the
  regional hub can never reverse a token;
* dates of birth (DOB, MC_DOB) become the first of their month;
* postcodes (HOME_POST, PL_POST) are cut to the postcode sector (`SO15 2AB` -> `SO15 2`);
* UPNs are blanked.

The DfE layout is kept: the same columns, in the same order, under the same header.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from csc import layout

TOKEN_HEX_CHARS = 16
TOKEN_PATTERN = r"^[0-9a-f]{16}$"
FULL_POSTCODE = re.compile(r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])[A-Z]{2}\s*$", re.IGNORECASE)
SECTOR = re.compile(r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])\s*$", re.IGNORECASE)
DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

TOKEN_COLUMNS = ("CHILD", "SW_ID")
BIRTH_DATE_COLUMNS = ("DOB", "MC_DOB")
POSTCODE_COLUMNS = ("HOME_POST", "PL_POST")
BLANKED_COLUMNS = ("UPN",)


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
    """Pseudonymise one CSV text. Returns the new text, the table it holds and its rows."""
    header = layout.read_header(text)
    recognised = layout.recognise(header)
    if recognised.kind is None:
        raise PseudonymiseError(
            "not an SSDA903 table (columns: " + ", ".join(header) + "); it was not copied, "
            "because an unknown file may hold identifiers"
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


def pseudonymise_file(source: Path, dest: Path, key: bytes) -> Result:
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


def pseudonymise_tree(source: Path, dest: Path, key: bytes) -> list[Result]:
    """Pseudonymise a file, or every CSV file below a folder keeping its relative path."""
    if source.is_file():
        target = dest / source.name if dest.is_dir() or not dest.suffix else dest
        return [pseudonymise_file(source, target, key)]
    results = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.suffix.lower() == ".csv":
            results.append(pseudonymise_file(path, dest / path.relative_to(source), key))
    return results
