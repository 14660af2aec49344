"""Where things live for one home folder, and the raw schema the loader writes.

A home folder holds `drops/` (what councils send), `keys/` (demo council keys),
`build/` (the private warehouse file and working files) and `published/` (read-only
copies for analysts). `make run` uses the repository itself as home; `make test` uses a
home of its own under `build/test-region`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from csc import layout

RAW_SCHEMA = "raw"
MEMORY_LIMIT = "1GB"


def stage_memory_limit() -> str:
    """What DuckDB may hold in memory while building and publishing before it spills to
    disk: CSC_MEMORY_LIMIT (profiles.yml reads the same variable for dbt), 2 GB unless set.
    Left to itself DuckDB takes 80% of the machine's memory for cached pages."""
    return os.environ.get("CSC_MEMORY_LIMIT", "2GB")


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def drops(self) -> Path:
        return self.root / "drops"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def council_systems(self) -> Path:
        """Identifiable synthetic extracts, as the councils' own systems hold them."""
        return self.build / "council_systems"

    @property
    def warehouse(self) -> Path:
        """The private build file: never handed out."""
        return self.build / "warehouse.duckdb"

    @property
    def work(self) -> Path:
        return self.build / "work"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def data_docs(self) -> Path:
        return self.published / "data_docs"

    def key_file(self, la_code: str) -> Path:
        return self.keys / f"{la_code}.key"


# The CIN census: one raw table per element that repeats, columns named as the DfE elements
# in lower case. `_child_number` is the position of the <Child> in the file (what a council
# is told about a failing child), `_referral_number` the position of <CINdetails> within the
# child, `_item_number` the position of the row within its own list; `_row_number` numbers
# the table's rows within the file.
CIN_TABLES: dict[str, tuple[str, ...]] = {
    "header": (
        "collection",
        "year",
        "referencedate",
        "sourcelevel",
        "lea",
        "softwarecode",
        "release",
        "serialno",
        "datetime",
    ),
    "children": (
        "_child_number",
        "lachildid",
        "upn",
        "formerupn",
        "upnunknown",
        "personbirthdate",
        "expectedpersonbirthdate",
        "gendercurrent",
        "sex",
        "persondeathdate",
        "ethnicity",
    ),
    "disabilities": ("_child_number", "_item_number", "lachildid", "disability"),
    "referrals": (
        "_child_number",
        "_referral_number",
        "lachildid",
        "cinreferraldate",
        "referralsource",
        "primaryneedcode",
        "cinclosuredate",
        "reasonforclosure",
        "dateofinitialcpc",
        "referralnfa",
    ),
    "assessments": (
        "_child_number",
        "_referral_number",
        "_item_number",
        "lachildid",
        "assessmentactualstartdate",
        "assessmentinternalreviewdate",
        "assessmentauthorisationdate",
    ),
    "assessment_factors": (
        "_child_number",
        "_referral_number",
        "_assessment_number",
        "_item_number",
        "lachildid",
        "assessmentfactors",
    ),
    "plans": (
        "_child_number",
        "_referral_number",
        "_item_number",
        "lachildid",
        "cinplanstartdate",
        "cinplanenddate",
    ),
    "section47": (
        "_child_number",
        "_referral_number",
        "_item_number",
        "lachildid",
        "s47actualstartdate",
        "initialcpctarget",
        "dateofinitialcpc",
        "icpcnotrequired",
    ),
    "cp_plans": (
        "_child_number",
        "_referral_number",
        "_item_number",
        "lachildid",
        "cppstartdate",
        "cppenddate",
        "initialcategoryofabuse",
        "latestcategoryofabuse",
        "numberofpreviouscpp",
    ),
    "cp_reviews": (
        "_child_number",
        "_referral_number",
        "_plan_number",
        "_item_number",
        "lachildid",
        "cppreviewdate",
    ),
}

# Ofsted Annex A lists loaded, with their columns under one spelling (councils' headers
# vary; `annex_a.py` maps them). Dates are ISO text; the rest as the council wrote it.
ANNEX_A_CHILD_COLUMNS = (
    "child_unique_id",
    "gender",
    "ethnicity",
    "date_of_birth",
    "age_of_child_years",
)
ANNEX_A_TABLES: dict[str, tuple[str, ...]] = {
    "contacts": (*ANNEX_A_CHILD_COLUMNS, "date_of_contact", "contact_source"),
    "early_help": (
        *ANNEX_A_CHILD_COLUMNS,
        "assessment_start_date",
        "assessment_completion_date",
        "organisation_completing_assessment",
    ),
    "referrals": (
        *ANNEX_A_CHILD_COLUMNS,
        "date_of_referral",
        "referral_source",
        "referral_nfa",
        "number_of_referrals_in_last_12_months",
        "allocated_team",
        "allocated_worker",
    ),
}
LINEAGE_DDL = (
    "_la_code varchar not null, _reference_date date not null, "
    "_collection_year varchar not null, _load_id varchar not null, "
    "_source_file varchar not null, _file_sha256 varchar not null, "
    "_row_number bigint not null"
)


def raw_table(kind: str) -> str:
    """The raw table of a CSV layout: `raw.ssda903_<table>`, or `raw.placement_costs`.

    Raw tables keep the return's column names, in lower case so every engine reads them
    unquoted.
    """
    return f"{RAW_SCHEMA}.{layout.specs()[kind].raw_name}"


def cin_table(table: str) -> str:
    return f"{RAW_SCHEMA}.cin_{table}"


def annex_a_table(table: str) -> str:
    return f"{RAW_SCHEMA}.annex_a_{table}"


def return_tables() -> dict[str, tuple[str, ...]]:
    """The raw tables (`raw.<name>`) each kind of return in the load manifest loads into:
    an SSDA903 table or the placement costs its own, the CIN census and Annex A several."""
    tables = {kind: (raw_table(kind),) for kind in layout.specs()}
    tables["cin"] = tuple(cin_table(table) for table in CIN_TABLES)
    tables["annex_a"] = tuple(annex_a_table(table) for table in ANNEX_A_TABLES)
    return tables


def _columns_ddl(columns: tuple[str, ...]) -> str:
    return ", ".join(
        f"{c} bigint not null" if c.startswith("_") else f"{c} varchar" for c in columns
    )


MANIFEST_DDL = f"""
create table if not exists {RAW_SCHEMA}.load_manifest (
    file_id varchar primary key,
    la_code varchar,
    reference_date date,
    collection_year varchar,
    kind varchar,
    path varchar not null,
    sha256 varchar not null,
    bytes bigint,
    rows bigint,
    encoding varchar,
    status varchar not null,
    critical_failures bigint,
    warning_failures bigint,
    message varchar,
    load_id varchar not null,
    first_seen_at timestamp not null,
    loaded_at timestamp,
    status_changed_at timestamp
);
create table if not exists {RAW_SCHEMA}.load_failures (
    file_id varchar not null,
    path varchar not null,
    la_code varchar,
    reference_date date,
    kind varchar,
    rule_id varchar not null,
    severity varchar not null,
    row_number bigint,
    child varchar,
    failing_values varchar,
    message varchar not null,
    load_id varchar not null
);
create table if not exists {RAW_SCHEMA}.load_rules (
    rule_id varchar primary key,
    severity varchar not null,
    description varchar not null
);
create table if not exists {RAW_SCHEMA}.file_stats (
    path varchar primary key,
    bytes bigint not null,
    mtime double not null,
    sha256 varchar not null
);
create table if not exists {RAW_SCHEMA}.load_runs (
    load_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp,
    files_seen bigint,
    files_new bigint,
    files_loaded bigint,
    files_quarantined bigint,
    files_duplicate bigint,
    rows_loaded bigint
);
"""


# What `csc forecast` writes (csc.forecast, docs/demand.md), the sources of the demand
# marts: empty until the first forecast, so a build never lacks them.
DEMAND_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "demand_projections": (
        ("area_code", "varchar"),
        ("scenario", "varchar"),
        ("origin_date", "date"),
        ("month_end", "date"),
        ("months_ahead", "integer"),
        ("placement_group", "varchar"),
        ("age_band", "varchar"),
        ("children_p10", "double"),
        ("children_median", "double"),
        ("children_p90", "double"),
        ("cost_p10", "double"),
        ("cost_median", "double"),
        ("cost_p90", "double"),
    ),
    "demand_backtests": (
        ("area_code", "varchar"),
        ("origin_date", "date"),
        ("horizon_months", "integer"),
        ("placement_group", "varchar"),
        ("projected_median", "double"),
        ("actual", "double"),
        ("naive", "double"),
        ("error_percent", "double"),
        ("naive_error_percent", "double"),
    ),
    # What the rows above were projected from: a digest of the history, unit costs and
    # model they read, and the options (scenarios among them) `csc run` projects again with.
    "demand_inputs": (
        ("inputs_digest", "varchar"),
        ("options", "varchar"),
        ("projected_at", "timestamp"),
    ),
}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(MANIFEST_DDL)
    # When these bytes were last dropped: the latest drop of a version makes it current.
    con.execute(
        f"alter table {RAW_SCHEMA}.load_manifest add column if not exists submitted_at timestamp"
    )
    # The DfE's severity (error, query) of the DfE's own rules.
    con.execute(
        f"alter table {RAW_SCHEMA}.load_rules add column if not exists dfe_severity varchar"
    )
    # Rows of a loaded file that could not be keyed, so were not loaded.
    con.execute(
        f"alter table {RAW_SCHEMA}.load_manifest add column if not exists "
        "rows_set_aside bigint default 0"
    )
    for kind, spec in layout.specs().items():
        columns = ", ".join(f"{c.lower()} varchar" for c in spec.columns)
        con.execute(f"create table if not exists {raw_table(kind)} ({columns}, {LINEAGE_DDL})")
    for table, cin_columns in CIN_TABLES.items():
        con.execute(
            f"create table if not exists {cin_table(table)} "
            f"({_columns_ddl(cin_columns)}, {LINEAGE_DDL})"
        )
    for table, annex_columns in ANNEX_A_TABLES.items():
        con.execute(
            f"create table if not exists {annex_a_table(table)} "
            f"({_columns_ddl(annex_columns)}, {LINEAGE_DDL})"
        )
    for table, typed in DEMAND_TABLES.items():
        columns = ", ".join(f"{name} {kind}" for name, kind in typed)
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({columns})")


class Busy(Exception):
    """Another run holds the home folder's warehouse."""


@contextlib.contextmanager
def hold(home: Home) -> Iterator[None]:
    """Hold the home folder for one run of load, build, publish or report.

    An advisory lock on `build/csc.lock`: a second run says so at once rather than waiting
    on, or writing beside, the first. The lock goes with the process, however it ends.
    """
    home.build.mkdir(parents=True, exist_ok=True)
    handle = os.open(home.build / "csc.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Busy(
                f"another csc run holds {home.root}; wait for it to finish, then run again"
            ) from exc
        yield
    finally:
        os.close(handle)


def spill_beyond(con: duckdb.DuckDBPyConnection, home: Home, limit: str) -> None:
    """Hold at most `limit` in memory on this connection and spill the rest under build/."""
    con.execute("set memory_limit = ?", [limit])
    con.execute("set temp_directory = ?", [str(home.build / "duckdb_spill")])


# The load's working tables (every new file's rows, before they are checked) live in a
# database file of their own under the load's working folder, not in temp tables: DuckDB
# stores a file's tables compressed, while temp tables beyond the memory limit spill to
# disk as they are in memory. At ten times the region the spilled batches outgrew the disk.
SCRATCH = "scratch"


@contextlib.contextmanager
def scratch(con: duckdb.DuckDBPyConnection, folder: Path) -> Iterator[None]:
    """Attach `folder`/scratch.duckdb as SCRATCH for the block; tables made there
    (`create table scratch.<name>`) are then found by their bare name, as temp tables are.
    The file goes with the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    ((main,),) = con.sql("select current_database()").fetchall()
    con.execute(f"attach ? as {SCRATCH}", [str(folder / "scratch.duckdb")])
    try:
        con.execute("set search_path = ?", [f"{main}.main,{SCRATCH}.main"])
        yield
    finally:
        con.execute("reset search_path")
        con.execute(f"detach {SCRATCH}")


def connect(home: Home) -> duckdb.DuckDBPyConnection:
    home.build.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home.warehouse))
    # Large loads spill to disk rather than holding every batch in memory.
    spill_beyond(con, home, MEMORY_LIMIT)
    ensure_schema(con)
    return con
