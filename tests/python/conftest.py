"""Helpers that build small, hand-made drops for the loader tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csc import stamp
from csc.pseudonymise import token
from csc.warehouse import Home

KEY = bytes.fromhex("11" * 32)
COUNCIL = "E06000036"
REFERENCE_DATE = "2024-03-31"
FOLDER = "the folder's council"

HEADER_COLUMNS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODE_COLUMNS = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def child(number: int) -> str:
    return token(KEY, str(number))


def header_text(children: range = range(1, 4)) -> str:
    rows = [f"{child(n)},{1 + n % 2},01/0{1 + n % 9}/2012,WBRI,,," for n in children]
    return "\n".join([HEADER_COLUMNS, *rows]) + "\n"


def episode_rows(children: range = range(1, 4)) -> list[str]:
    return [f"{child(n)},01/05/2023,S,C2,N1,U6,PR1,,,,RG12 1,RG12 2,XXXXXXX" for n in children]


def episodes_text(rows: list[str] | None = None, columns: str = EPISODE_COLUMNS) -> str:
    return "\n".join([columns, *(episode_rows() if rows is None else rows)]) + "\n"


def csc(home: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    """Run the `csc` command on a home folder in a process of its own (to be killed at a
    named point with `crash_at`, see csc.crash)."""
    env = {k: v for k, v in os.environ.items() if k != "CSC_CRASH_AT"}
    if crash_at:
        env["CSC_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "csc.cli", "--home", str(home), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


class Region:
    """A home folder with drops written by the test."""

    def __init__(self, root: Path) -> None:
        self.home = Home(root)

    def drop(
        self,
        name: str,
        content: str | bytes,
        council: str = COUNCIL,
        reference_date: str = REFERENCE_DATE,
        stamp_as: str | None = FOLDER,
    ) -> Path:
        """Write a file into drops/ and stamp it, as `csc pseudonymise` would, for the
        folder's council (`stamp_as` another council, or None for no stamp)."""
        path = self.home.drops / council / reference_date / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        if stamp_as is not None:
            stamp.write(path.parent, council if stamp_as == FOLDER else stamp_as, [path])
        return path

    def load(self):
        from csc.load import load

        return load(self.home, data_docs=False)

    def query(self, sql: str, *params: object) -> list[tuple]:
        con = duckdb.connect(str(self.home.warehouse), read_only=True)
        try:
            return con.sql(sql, params=list(params) or None).fetchall()
        finally:
            con.close()

    def status(self, name: str) -> str:
        rows = self.query(
            "select status from raw.load_manifest where path like ? or path = ? "
            "order by first_seen_at",
            f"%/{name}",
            name,
        )
        return rows[-1][0]

    def failures(self, name: str, dfe: bool = False) -> list[tuple]:
        """The failures of a file: of the warehouse's own rules, and with `dfe` of the
        DfE's too (`903:NNN`, `cin:NNNN`, held to the DfE's tool in test_dfe_rules.py)."""
        return self.query(
            "select rule_id, severity, row_number, message from raw.load_failures "
            "where (path like ? or path = ?) and (? or rule_id not like '%:%') "
            "order by rule_id, row_number",
            f"%/{name}",
            name,
            dfe,
        )


@pytest.fixture
def region(tmp_path: Path) -> Region:
    return Region(tmp_path)
