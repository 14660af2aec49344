"""Measure wall time and peak memory of each stage, and write docs/benchmarks.md.

Each stage runs as its own `csc` process so its peak resident memory is its own. Nothing
here is asserted: it measures, and the figures go into the docs.

    python scripts/benchmark.py                 # default size and --scale 10
    python scripts/benchmark.py --scales 1      # default size only
    python scripts/benchmark.py --hostile --scales   # only the refusal of hostile files
    python scripts/benchmark.py --scales 0.2 1 --engines postgres spark   # other engines too
    python scripts/benchmark.py --scales 10 --reuse-drops   # the last run's drops again
    python scripts/benchmark.py --scales 10 --region-only   # ten times the region, whole only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from csc import stamp

ROOT = Path(__file__).resolve().parents[1]
CSC = [sys.executable, "-m", "csc.cli"]
ONE_COUNCIL = "E06000045"  # Southampton: about an average council's return


@dataclass
class Measure:
    scale: float
    stage: str
    seconds: float
    peak_mb: float
    detail: str = ""


def run(args: list[str], said: list[str] | None = None) -> tuple[float, float]:
    """Run a command; return its wall time and peak resident memory (MB). Its last line of
    output goes into `said` when given."""
    started = time.perf_counter()
    with open(os.devnull, "w") if said is None else _temporary() as out:
        process = subprocess.Popen(args, cwd=ROOT, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        if said is not None:
            out.seek(0)
            said.extend(line.strip() for line in out.read().splitlines()[-1:])
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return seconds, usage.ru_maxrss / 1024


def _temporary():  # noqa: ANN202
    import tempfile

    return tempfile.TemporaryFile("w+")


def count_rows(home: Path) -> str:
    import duckdb

    con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        files, rows = con.sql(
            "select count(*), sum(rows) from raw.load_manifest where status <> 'quarantined'"
        ).fetchall()[0]
    finally:
        con.close()
    return f"{files} files, {rows:,} rows"


BACKTESTS_HEADING = "## Demand backtests"


def backtest_rows(scale: float, home: Path) -> list[str]:
    """The demand model's backtests (marts.fct_demand_backtests, all placements): for each
    council and the region and each horizon, the mean absolute percentage error of the
    model's median and of the naive projection (the count carried forward) over the
    backtest origins, and how often the model was nearer."""
    import duckdb

    con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.sql(
            "select area_type, la_code, area_name, horizon_months, count(*), "
            "avg(error_percent), avg(naive_error_percent), "
            "count(*) filter (where error_percent < naive_error_percent) "
            "from marts.fct_demand_backtests where placement_group = 'all' "
            "and error_percent is not null group by 1, 2, 3, 4 "
            "order by area_type = 'region', area_name, horizon_months"
        ).fetchall()
    finally:
        con.close()
    return [
        f"| {scale:g} | {name} ({code}) | {horizon} | {backtests} | {model:.1f} | "
        f"{naive:.1f} | {nearer} |"
        for _, code, name, horizon, backtests, model, naive, nearer in rows
    ]


def dbt_split(home: Path) -> str:
    """How much of dbt build's time the models and tests spent in DuckDB, from run_results."""
    import json

    results = json.loads((home / "build" / "dbt_target" / "run_results.json").read_text())
    total = results["elapsed_time"]
    nodes = sum(r["execution_time"] for r in results["results"])
    return f"dbt build {total:.1f}s, of which nodes executing {nodes:.1f}s"


class Results(list):
    """Measures, written to the results file as each one arrives, so a run that fails part
    way (out of memory, out of disk) still leaves what it measured. Rows of scales this run
    does not measure are kept from the file, with the line saying when they were run."""

    def __init__(self, path: Path, scales: list[float], reused: bool = False) -> None:
        super().__init__()
        self.path = path
        self.kept: list[str] = []
        self.notes: list[str] = []
        # The demand backtests' table (`backtest_rows`), kept apart the same way.
        self.backtests: list[str] = []
        self.kept_backtests: list[str] = []
        if path.exists():
            text = path.read_text()
            below = text.split(BACKTESTS_HEADING)
            for line in below[1].splitlines() if len(below) > 1 else []:
                cells = [c.strip() for c in line.split("|")]
                if len(cells) > 2 and _is_scale(cells[1]) and float(cells[1]) not in scales:
                    self.kept_backtests.append(line)
            for line in below[0].splitlines():
                cells = [c.strip() for c in line.split("|")]
                if len(cells) > 2 and _is_scale(cells[1]) and float(cells[1]) not in scales:
                    self.kept.append(line)
                elif reused and any(_generate_row(line, s) for s in scales):
                    self.kept.append(line)  # the drops loaded again are that run's
                said = re.match(r"- Scale ([0-9.]+)", line)
                if said and float(said.group(1)) not in scales:
                    self.notes.append(line)
        again = " (loading the drops an earlier run generated)" if reused else ""
        self.notes += [
            f"- Scale {s:g}: run on {dt.date.today().isoformat()} at {_commit()}{again}."
            for s in scales
        ]

    def append(self, m: Measure) -> None:  # type: ignore[override]
        super().append(m)
        self.save()

    def save(self) -> None:
        write(self, self.path, self.kept, self.notes, [*self.kept_backtests, *self.backtests])


def _generate_row(line: str, scale: float) -> bool:
    cells = [c.strip() for c in line.split("|")]
    return (
        len(cells) > 2
        and _is_scale(cells[1])
        and float(cells[1]) == scale
        and cells[2].startswith("generate")
    )


def _is_scale(cell: str) -> bool:
    try:
        return float(cell) > 0
    except ValueError:
        return False


def _commit() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
            or "an unknown commit"
        )
    except OSError:
        return "an unknown commit"


# Drop folders the benchmark adds to a generated region (the in-year drop), one a line.
ADDED = "benchmark-added.txt"
GENERATED = "benchmark-generated.txt"


def bench_scale(
    scale: float, work: Path, out: list[Measure], reuse: bool = False, region_only: bool = False
) -> None:
    home = work / f"scale-{scale:g}"
    csc = [*CSC, "--home", str(home)]
    if reuse and (home / GENERATED).exists():
        # Generating ten times the region takes over an hour: its drops are kept, and
        # everything made from them (and the in-year drop added below) goes.
        for added in (home / ADDED).read_text().split() if (home / ADDED).exists() else []:
            shutil.rmtree(home / "drops" / added, ignore_errors=True)
        for path in home.iterdir():
            if path.is_dir() and path.name not in ("drops", "keys"):
                shutil.rmtree(path)
            elif path.is_file() and path.name != GENERATED:
                path.unlink()
        print(f"scale {scale:g}: the drops generated before are loaded again")
    else:
        shutil.rmtree(home, ignore_errors=True)
        if isinstance(out, Results):  # generated afresh: an earlier run's figure goes
            out.kept = [line for line in out.kept if not _generate_row(line, scale)]
        if reuse:
            print(f"scale {scale:g}: no finished generation under {home} to load again")
        seconds, peak = run([*csc, "generate", "--scale", str(scale)])
        out.append(Measure(scale, "generate (19 councils, 10 years + in-year)", seconds, peak))
        # Only a generation that finished may be loaded again (--reuse-drops).
        (home / GENERATED).write_text(f"scale {scale:g}, {dt.datetime.now().isoformat()}\n")
    # The councils' own extracts before pseudonymisation are not the hub's to keep; at
    # scale 10 they are about 20 GB of disk.
    shutil.rmtree(home / "build" / "council_systems", ignore_errors=True)
    first = len(out)
    seconds, peak = run([*csc, "load"])
    out.append(Measure(scale, "load and check every drop", seconds, peak, count_rows(home)))
    seconds, peak = run([*csc, "build"])
    out.append(Measure(scale, "dbt build and docs", seconds, peak, dbt_split(home)))
    # As `csc run` does after its build: the demand projections and their backtests.
    seconds, peak = run([*csc, "forecast"])
    out.append(
        Measure(
            scale,
            "demand projections and backtests (csc forecast: 200 runs, 36 months, and the "
            "demand marts' build)",
            seconds,
            peak,
        )
    )
    if isinstance(out, Results):
        out.backtests = [r for r in out.backtests if float(r.split("|")[1]) != scale]
        out.backtests += backtest_rows(scale, home)
    seconds, peak = run([*csc, "publish"])
    out.append(Measure(scale, "publish (hub, regional, 19 council files)", seconds, peak))
    seconds, peak = run([*csc, "report"])
    out.append(Measure(scale, "benchmark pack", seconds, peak))
    out.append(
        Measure(
            scale,
            "drops to published marts and pack (load + build + forecast + publish + report)",
            sum(m.seconds for m in out[first:]),
            max(m.peak_mb for m in out[first:]),
        )
    )

    if region_only:
        return
    # One council's new in-year drop: the latest extract again, one month on, one row fewer.
    council = home / "drops" / ONE_COUNCIL
    latest = max(p for p in council.iterdir() if p.is_dir())
    newer = council / (dt.date.fromisoformat(latest.name) + dt.timedelta(days=30)).isoformat()
    (home / ADDED).write_text(f"{ONE_COUNCIL}/{newer.name}\n")
    shutil.copytree(latest, newer, ignore=shutil.ignore_patterns("*.xml", "*.xlsx"))
    for path in newer.iterdir():
        if path.name == stamp.STAMP_NAME:
            continue
        lines = path.read_text().splitlines(keepends=True)
        if len(lines) > 2:
            path.write_text("".join(lines[:-1]))
    # The council stamps what it drops, as `csc pseudonymise` does.
    stamp.write(newer, ONE_COUNCIL, [p for p in newer.iterdir() if p.name != stamp.STAMP_NAME])
    said: list[str] = []
    seconds, peak = run([*csc, "run"], said)
    # `csc run` ends by saying what each stage took: "done in 30.1s (load 6.0s, ...)".
    split = said[0].partition("(")[2].rstrip(")") if said else ""
    out.append(Measure(scale, "one council's new in-year drop to published", seconds, peak, split))

    # One council's one year, loaded and checked alone: the SSDA903, then the CIN census
    # and Annex A.
    year = council / f"{latest.name[:4]}-03-31"
    for what, suffixes in (("SSDA903", (".csv",)), ("CIN census and Annex A", (".xml", ".xlsx"))):
        single = work / f"single-{scale:g}-{suffixes[0][1:]}"
        shutil.rmtree(single, ignore_errors=True)
        target = single / "drops" / ONE_COUNCIL / year.name
        target.mkdir(parents=True)
        for path in year.iterdir():
            if path.suffix in suffixes or path.name == stamp.STAMP_NAME:
                shutil.copy2(path, target / path.name)
        seconds, peak = run([*CSC, "--home", str(single), "load"])
        out.append(
            Measure(
                scale,
                f"one council's year of {what} ({ONE_COUNCIL} {year.name}) loaded and checked",
                seconds,
                peak,
                count_rows(single),
            )
        )
        for m in bench_dfe_rules(scale, single, year, council / f"{int(year.name[:4]) - 1}-03-31"):
            out.append(m)


def bench_engines(scale: float, work: Path, engines: list[str], out: list[Measure]) -> None:
    """The region benchmark_scale built, built again on each other engine: its raw tables
    copied there and `dbt build` of every model and test, on a throwaway server."""
    from csc import pgserver

    home = work / f"scale-{scale:g}"
    for engine in engines:
        if engine == "spark":
            csc = [*CSC, "--home", str(home), "--target", engine]
            for stage, command in (
                ("write the raw tables as Parquet files for Spark", "load"),
                ("dbt build of every model and test on Spark (local[2])", "build"),
            ):
                seconds, peak = run([*csc, command])
                out.append(Measure(scale, stage, seconds, peak, "Spark runs inside the process"))
            continue
        if engine != "postgres":
            raise SystemExit(f"no benchmark for the engine {engine!r}")
        with pgserver.throwaway() as server:
            os.environ.update(server.environment())
            csc = [*CSC, "--home", str(home), "--target", engine]
            for stage, command in (
                ("copy the raw tables to PostgreSQL", "load"),
                ("dbt build of every model and test on PostgreSQL", "build"),
            ):
                with ServerMemory(server) as memory:
                    seconds, peak = run([*csc, command])
                out.append(
                    Measure(
                        scale, stage, seconds, peak, f"the server's peak {memory.peak_mb:.0f} MB"
                    )
                )


class ServerMemory:
    """The peak of the resident memory of a PostgreSQL server's processes, sampled twice a
    second while a `with` block runs (its shared buffers are counted in each process that
    touched them, so the figure overstates)."""

    def __init__(self, server) -> None:  # noqa: ANN001 - a csc.pgserver.Server
        pid_file = server.folder / "data" / "postmaster.pid"
        self.postmaster = int(pid_file.read_text().split()[0])
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss_mb(self) -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if self.postmaster in (pid, parent):
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        return total / (1 << 20)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._rss_mb())
            self._stop.wait(0.5)

    def __enter__(self) -> ServerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_dfe_rules(scale: float, single: Path, year: Path, previous: Path) -> list[Measure]:
    """The warehouse's DfE rules on one council-year already loaded, beside the DfE's own
    validator on the same files (build/dfe-venv, `make dfe`), and the ratio of the two."""
    import json

    import duckdb

    from csc import dfe
    from csc.dfe import engine

    con = duckdb.connect(str(single / "build" / "warehouse.duckdb"))
    try:
        returns = con.sql(
            "select distinct la_code, collection_year, kind = 'cin' from raw.load_manifest "
            "where status = 'loaded'"
        ).fetchall()
        name = dfe.CIN if any(is_cin for *_, is_cin in returns) else dfe.SSDA903
        con.execute("begin transaction")
        started = time.perf_counter()
        outcome = engine.check(
            con, "benchmark", {(la, y) for la, y, _ in returns}, dt.datetime.now(), [name]
        )
        ours = time.perf_counter() - started
        con.execute("rollback")
    finally:
        con.close()
    dfe_python = ROOT / "build" / "dfe-venv" / "bin" / "python"
    collection_year = returns[0][1]
    rules = len(dfe.rules_for(name, int(collection_year[:4]) + 1))
    out = [
        Measure(
            scale,
            f"the warehouse's {rules} DfE {name} rules on that year (in-process, no memory figure)",
            ours,
            0,
            f"{outcome.failures} failing rows",
        )
    ]
    if not dfe_python.exists():
        return out
    answer = single / "dfe.json"
    args = ["--year", collection_year, "--la", ONE_COUNCIL, "--out", str(answer)]
    if name == dfe.CIN:
        args = ["cin", *args, str(year / "cin_census.xml")]
    else:
        args = ["903", *args, "--this", str(year)]
        if previous.is_dir():
            args += ["--previous", str(previous)]
    seconds, peak = run([str(dfe_python), str(ROOT / "scripts" / "dfe_oracle.py"), *args])
    found = json.loads(answer.read_text())
    out.append(
        Measure(
            scale,
            "the DfE's validator on the same files "
            f"({found['validator']['package']} {found['validator']['version']})",
            seconds,
            peak,
            f"{len(found['failures'])} failures; {seconds / max(ours, 1e-9):.0f} times the "
            "warehouse's rules",
        )
    )
    return out


def _hostile_files(folder: Path) -> dict[str, Path]:
    """One file of each hostile kind the drop contract refuses, written into `folder`."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def zipped(name: str, size: int) -> Path:
        path = folder / name
        block = b"\0" * (8 << 20)
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part,
        ):
            for _ in range(size // len(block)):
                part.write(block)
        return path

    files["census with a 300 MB attribute"] = folder / "attribute.xml"
    with open(files["census with a 300 MB attribute"], "wb") as out:
        out.write(b'<?xml version="1.0"?><Message a="')
        for _ in range(300):
            out.write(b"x" * (1 << 20))
        out.write(b'"/>')
    files["census nested 1,000,000 deep"] = folder / "deep.xml"
    files["census nested 1,000,000 deep"].write_bytes(
        b"<Message>" + b"<a>" * 1_000_000 + b"</a>" * 1_000_000 + b"</Message>"
    )
    files["workbook expanding to 2 GB"] = zipped("bomb.xlsx", 2 << 30)
    files["workbook part expanding 1,000 times"] = zipped("ratio.xlsx", 256 << 20)
    files["6 KB workbook with a cell at XFD1048576"] = folder / "far.xlsx"
    with xlsxwriter.Workbook(files["6 KB workbook with a cell at XFD1048576"]) as book:
        sheet = book.add_worksheet("List 1")
        sheet.write_row(0, 0, ["Child Unique ID", "Gender", "Date of Contact"])
        sheet.write_string(1_048_575, 16_383, "far")
    # Written in blocks: a child's peak memory counts its parent's at the fork.
    files["CSV with a 200 MB line"] = folder / "line.csv"
    with open(files["CSV with a 200 MB line"], "wb") as out:
        out.write(b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n")
        for _ in range(200):
            out.write(b"x" * (1 << 20))
        out.write(b"\n")
    files["CSV with 1,000,000 columns"] = folder / "columns.csv"
    files["CSV with 1,000,000 columns"].write_text(",".join(f"C{i}" for i in range(1_000_000)))
    stamp.write(folder, ONE_COUNCIL, list(files.values()))
    files["a 4 GB file (sparse)"] = folder / "huge.csv"
    with open(files["a 4 GB file (sparse)"], "wb") as out:
        out.truncate(4 << 30)
    files["a link to /dev/zero"] = folder / "zero.csv"
    files["a link to /dev/zero"].symlink_to("/dev/zero")
    return files


def bench_hostile(work: Path) -> list[Measure]:
    """How long each hostile kind takes to refuse, and the peak memory, each loaded alone
    beside one good file."""
    out = []
    empty = work / "hostile-baseline"
    shutil.rmtree(empty, ignore_errors=True)
    (empty / "drops").mkdir(parents=True)
    seconds, peak = run([*CSC, "--home", str(empty), "load"])
    out.append(Measure(0, "baseline: `csc load` with nothing to load", seconds, peak))
    shutil.rmtree(empty, ignore_errors=True)
    source = work / "hostile-files"
    shutil.rmtree(source, ignore_errors=True)
    kinds = _hostile_files(source / "files")
    for number, (kind, path) in enumerate(kinds.items()):
        home = work / f"hostile-{number}"
        shutil.rmtree(home, ignore_errors=True)
        folder = home / "drops" / ONE_COUNCIL / "2024-03-31"
        folder.mkdir(parents=True)
        if path.is_symlink():
            (folder / path.name).symlink_to(os.readlink(path))
        else:
            os.link(path, folder / path.name)
        shutil.copy2(source / "files" / stamp.STAMP_NAME, folder / stamp.STAMP_NAME)
        seconds, peak = run([*CSC, "--home", str(home), "load"])
        import duckdb

        con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
        try:
            rules = con.sql(
                "select string_agg(distinct rule_id, ', ') from raw.load_failures"
            ).fetchall()[0][0]
        finally:
            con.close()
        out.append(Measure(0, f"refuse: {kind}", seconds, peak, rules or "nothing refused"))
        shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)
    return out


def write(
    measures: list[Measure],
    path: Path,
    kept: list[str] = (),
    notes: list[str] = (),
    backtests: list[str] = (),
) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Measured by `scripts/benchmark.py` (`make bench`); every stage is a separate `csc`",
        "process, timed by wall clock, with its peak resident memory.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}.",
        "",
        *notes,
        "",
        "| scale | stage | wall time (s) | peak memory (MB) | volume |",
        "|---|---|---:|---:|---|",
    ]
    rows = [
        f"| {m.scale:g} | {m.stage} | {m.seconds:.1f} | {m.peak_mb:.0f} | {m.detail} |"
        for m in measures
    ]
    lines += sorted([*kept, *rows], key=lambda line: float(line.split("|")[1]))
    if backtests:
        lines += [
            "",
            BACKTESTS_HEADING,
            "",
            "How far the demand model's projections of children looked after (all placements)",
            "were off, from each earlier 31 March the history allows, 12 and 24 months on",
            "(marts.fct_demand_backtests; docs/demand.md): the mean absolute percentage error",
            "of the median of its runs, beside the naive projection (the count at the origin",
            "carried forward), and in how many backtests the model was nearer.",
            "",
            "| scale | area | months ahead | backtests | model MAPE (%) | naive MAPE (%) "
            "| model nearer |",
            "|---|---|---:|---:|---:|---:|---:|",
            *sorted(backtests, key=lambda line: float(line.split("|")[1])),
        ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="*", default=[1.0, 10.0])
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmark-results.md")
    parser.add_argument(
        "--hostile", action="store_true", help="also time the refusal of each hostile kind"
    )
    parser.add_argument(
        "--region-only",
        action="store_true",
        help="measure the whole region only (generate, load, build, publish, pack), not one "
        "council's in-year drop or one council-year: all the aim for ten times the region needs",
    )
    parser.add_argument(
        "--reuse-drops",
        action="store_true",
        help="load the drops a previous run generated at each scale instead of generating",
    )
    parser.add_argument(
        "--engines",
        nargs="*",
        default=[],
        help="also build each region on these engines (postgres: a throwaway server; spark: "
        "a local session, after `make spark`)",
    )
    args = parser.parse_args()
    measures = Results(args.out, args.scales, reused=args.reuse_drops)
    if args.hostile:
        for m in bench_hostile(args.work):
            measures.append(m)
            print(f"{m.stage:<60} {m.seconds:7.1f}s {m.peak_mb:7.0f} MB  {m.detail}")
    for scale in args.scales:
        try:
            bench_scale(
                scale, args.work, measures, reuse=args.reuse_drops, region_only=args.region_only
            )
            bench_engines(scale, args.work, args.engines, measures)
        except SystemExit as stopped:
            measures.notes.append(f"- Scale {scale:g} stopped: {stopped}.")
            measures.save()
            raise
        for m in measures:
            print(f"scale {m.scale:g}  {m.stage:<60} {m.seconds:7.1f}s {m.peak_mb:7.0f} MB")
    print(f"wrote {args.out}")
    print(f"parent peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
