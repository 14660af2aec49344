"""Reading a council's CSV file: its encoding, its header and which layout it is.

Two families of CSV layouts arrive: the SSDA903 tables (declared in
`seeds/ssda903_tables.csv`, the DfE's own layout) and the placement costs extract, which
has no DfE standard and is declared here, where the drop contract defines it. Files are
recognised by their set of columns, never by their names. Header case, surrounding spaces
and a UTF-8 BOM are tolerated; UTF-16 and Windows-1252 files are read and noted, so a
council can fix its export without losing the drop.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from functools import cache

from csc import reference

MAX_HEADER_BYTES = 64 * 1024

# A child-level extract of what each placement costs (docs/drop-contract.md, "Placement
# costs"): one row per period in which a weekly cost applied to a placement.
PLACEMENT_COSTS = reference.TableSpec(
    name="placement_costs",
    columns=(
        "CHILD",
        "PLACE_START",
        "PLACE",
        "PLACE_PROVIDER",
        "URN",
        "WEEKLY_COST",
        "COST_START",
        "COST_END",
        "LA_SHARE",
        "HEALTH_SHARE",
        "EDUCATION_SHARE",
    ),
    first_year_ending=None,
    last_year_ending=None,
    description="Weekly cost of each placement and who pays it, line by line over time",
    raw_name="placement_costs",
    title="placement costs",
)
KNOWN_LAYOUTS = "the SSDA903 tables and the placement costs extract"


@cache
def known_columns() -> frozenset[str]:
    """Every column name of every CSV layout: the only header cells a message may name."""
    return frozenset(c for spec in specs().values() for c in spec.columns)


@cache
def specs() -> dict[str, reference.TableSpec]:
    """Every CSV layout the warehouse takes, keyed by kind: the SSDA903 tables, then costs."""
    return {**reference.tables(), PLACEMENT_COSTS.name: PLACEMENT_COSTS}


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was encoded."""

    text: str
    encoding: str  # utf-8, utf-8-sig, utf-16, windows-1252

    @property
    def is_plain_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes, recognising BOMs and falling back to Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16")
    if len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:1] != b"\x00":
        return Decoded(data.decode("utf-16-le", errors="replace"), "utf-16")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return Decoded(data.decode("cp1252", errors="replace"), "windows-1252")


def normalise_column(name: str) -> str:
    """How a header cell is compared: BOM, surrounding spaces and quotes gone, upper case."""
    return name.replace("\ufeff", "").strip().strip('"').strip().upper()


def read_header(text: str) -> list[str]:
    """The header row of a CSV text, as the file spells it; no columns when the text cannot
    be read as CSV at all."""
    try:
        first = next(csv.reader(io.StringIO(text[:MAX_HEADER_BYTES])), [])
    except csv.Error:
        return []
    return [cell for cell in first]


@dataclass(frozen=True)
class Recognition:
    """Which layout a header belongs to, and how it differs from it."""

    kind: str | None
    header: tuple[str, ...]  # normalised, in file order
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    duplicated: tuple[str, ...] = ()
    candidates: tuple[str, ...] = field(default=())


def recognise(header: list[str]) -> Recognition:
    """Match a header against every CSV layout (`specs`) by its set of columns.

    The best match is the layout sharing the most columns, provided it shares more than
    half of its own columns; a near match is reported with what is missing or extra.
    """
    normalised = tuple(normalise_column(cell) for cell in header)
    present = set(normalised) - {""}
    duplicated = tuple(sorted({c for c in normalised if c and normalised.count(c) > 1}))
    scored = []
    for spec in specs().values():
        wanted = set(spec.columns)
        shared = len(wanted & present)
        # Jaccard similarity; ties go to the table with fewer columns missing.
        score = shared / len(wanted | present) if present else 0.0
        scored.append((score, -len(wanted - present), spec.name))
    scored.sort(reverse=True)
    best_score, _, best = scored[0]
    spec = specs()[best]
    wanted = set(spec.columns)
    if not present or len(wanted & present) * 2 <= len(wanted) or best_score < 0.5:
        return Recognition(None, normalised, candidates=tuple(name for _, _, name in scored[:2]))
    missing = tuple(c for c in spec.columns if c not in present)
    extra = tuple(c for c in normalised if c and c not in wanted)
    return Recognition(best, normalised, missing, extra, duplicated)
