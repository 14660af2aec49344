"""A throwaway PostgreSQL server: made in a folder, listening on 127.0.0.1 only, removed
when done. The tests and `make test` build the warehouse on it; the hub's own server is
configured with the CSC_PG_* variables instead (docs/engines.md).

PostgreSQL refuses to run as root: as root, the server runs as the `postgres` account that
Debian's package creates, and its folder belongs to that account while it runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess  # nosec B404 # PostgreSQL's own programs, with fixed arguments
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(os.environ.get("CSC_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "csc"  # the server's superuser, which owns the warehouse's database
DATABASE = "csc"
SERVICE_ACCOUNT = "postgres"


@dataclass(frozen=True)
class Server:
    folder: Path
    port: int

    def environment(self) -> dict[str, str]:
        """The variables `profiles.yml` and `csc` read to reach this server."""
        return {
            "CSC_PG_HOST": "127.0.0.1",
            "CSC_PG_PORT": str(self.port),
            "CSC_PG_USER": USER,
            "CSC_PG_PASSWORD": "",  # nosec B105 # none: trust on 127.0.0.1, a throwaway server
            "CSC_PG_DATABASE": DATABASE,
        }


def available() -> str | None:
    """Why no throwaway server can be started here, or None when one can."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL's programs are not in {BIN} (Debian: apt-get install postgresql-15)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam(SERVICE_ACCOUNT)
        except KeyError:
            return f"running as root and there is no {SERVICE_ACCOUNT!r} account to run it as"
    return None


def _as_server(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVICE_ACCOUNT, "--", *args]
    return args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(args: list[str]) -> None:
    done = subprocess.run(  # noqa: S603 # nosec B603 # PostgreSQL's programs, fixed arguments
        _as_server(args), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def start(folder: Path) -> Server:
    """initdb into `folder/data` and start the server there."""
    why = available()
    if why:
        raise RuntimeError(why)
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
    data, sockets = folder / "data", folder / "sockets"
    # Only this machine's own connections, each as the user it names: a throwaway server
    # holds synthetic data only and listens on nothing but 127.0.0.1.
    _run([str(BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
          "--locale=C", "--no-sync"])  # fmt: skip
    _run(["mkdir", "-p", str(sockets)])
    port = _free_port()
    settings = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
        # Durability is not wanted of a server thrown away at the end.
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=40 -c shared_buffers=128MB"
    )
    _run([str(BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", settings,
          "-w", "-t", "60", "start"])  # fmt: skip
    server = Server(folder, port)
    import psycopg2

    con = psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"create database {DATABASE}")
    finally:
        con.close()
    return server


def stop(server: Server) -> None:
    """Stop the server and remove its folder."""
    with contextlib.suppress(RuntimeError):
        _run([str(BIN / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate", "-w",
              "stop"])  # fmt: skip
    shutil.rmtree(server.folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway(parent: Path | None = None) -> Iterator[Server]:
    """A server for the length of a `with` block, in a folder under `parent`. As root, the
    folder is in the system's temporary folder instead: the `postgres` account must reach it,
    and folders made for root (pytest's, for one) are closed to every other account."""
    if os.geteuid() == 0:
        parent = None
    folder = Path(tempfile.mkdtemp(prefix="csc-postgres-", dir=parent))
    server = start(folder)
    try:
        yield server
    finally:
        stop(server)
