"""The pseudonymisation stamp: which council each dropped file was pseudonymised for.

The SSDA903 and placement costs extracts carry no council field, and an Annex A workbook
none the loader can trust, so a file copied into another council's folder would otherwise
load under the wrong council. `csc pseudonymise` therefore writes, beside what it writes,
one small JSON file per folder, `csc-stamp.json`:

    {"stamp": "csc-pseudonymised/1", "la_code": "E06000036",
     "files": {"<SHA-256 of the file>": "<file name as written>", ...}}

The loader reads a file only if the stamp of its folder names the folder's council and
lists the file's SHA-256: a file of another council (with or without its stamp) or a file
that never went through `csc pseudonymise` is refused before its content is read. The stamp
guards against mistakes, not against forgery: it holds no secret. A council that
pseudonymises with its own tools writes the same JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

STAMP_NAME = "csc-stamp.json"
STAMP_FORMAT = "csc-pseudonymised/1"
MAX_STAMP_BYTES = 1 << 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ONS_CODE = re.compile(r"^E\d{8}$")


class BadStamp(Exception):
    """A stamp that is not a readable stamp: the files of its folder are all refused."""


@dataclass
class Stamp:
    la_code: str
    files: dict[str, str] = field(default_factory=dict)  # sha256 -> file name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read(folder: Path) -> Stamp | None:
    """The stamp of a folder, None if it has none; BadStamp if it cannot be trusted."""
    path = folder / STAMP_NAME
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    import stat

    if not stat.S_ISREG(info.st_mode):
        raise BadStamp("the stamp is not a regular file")
    if info.st_size > MAX_STAMP_BYTES:
        raise BadStamp("the stamp is larger than a stamp can be")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadStamp("the stamp is not readable JSON") from exc
    if not isinstance(data, dict) or data.get("stamp") != STAMP_FORMAT:
        raise BadStamp("the stamp is not a csc pseudonymisation stamp")
    la_code = data.get("la_code")
    files = data.get("files")
    if not isinstance(la_code, str) or not ONS_CODE.match(la_code) or not isinstance(files, dict):
        raise BadStamp("the stamp does not name a council and its files")
    if not all(isinstance(k, str) and SHA256.match(k) for k in files):
        raise BadStamp("the stamp lists something that is not a SHA-256")
    return Stamp(la_code, {k: str(v) for k, v in files.items()})


def write(folder: Path, la_code: str, paths: list[Path]) -> Path:
    """Add `paths` (files in `folder`) to the folder's stamp for `la_code`.

    A stamp for another council is replaced: a folder holds one council's files.
    """
    try:
        current = read(folder)
    except BadStamp:
        current = None
    files = current.files if current and current.la_code == la_code else {}
    names = {path.name for path in paths}
    files = {sha: name for sha, name in files.items() if name not in names}
    for path in paths:
        files[sha256_of(path)] = path.name
    target = folder / STAMP_NAME
    part = folder / f".{STAMP_NAME}.part"
    body = {"stamp": STAMP_FORMAT, "la_code": la_code, "files": dict(sorted(files.items()))}
    part.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    os.replace(part, target)
    return target
