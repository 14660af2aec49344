"""Measure wall time and peak memory of each stage, and write docs/benchmarks.md.

Each stage runs as its own `csc` process so its peak resident memory is its own. Nothing
here is asserted: it measures, and the figures go into the docs.

    python scripts/benchmark.py                 # default size and --scale 10
    python scripts/benchmark.py --scales 1      # default size only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


def run(args: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time and peak resident memory (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return seconds, usage.ru_maxrss / 1024


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


def dbt_split(home: Path) -> str:
    """How much of dbt build's time the models and tests spent in DuckDB, from run_results."""
    import json

    results = json.loads((home / "build" / "dbt_target" / "run_results.json").read_text())
    total = results["elapsed_time"]
    nodes = sum(r["execution_time"] for r in results["results"])
    return f"dbt build {total:.1f}s, of which nodes executing {nodes:.1f}s"


def bench_scale(scale: float, work: Path) -> list[Measure]:
    home = work / f"scale-{scale:g}"
    shutil.rmtree(home, ignore_errors=True)
    out: list[Measure] = []
    csc = [*CSC, "--home", str(home)]

    seconds, peak = run([*csc, "generate", "--scale", str(scale)])
    out.append(Measure(scale, "generate (19 councils, 10 years + in-year)", seconds, peak))
    seconds, peak = run([*csc, "load"])
    out.append(Measure(scale, "load and check every drop", seconds, peak, count_rows(home)))
    seconds, peak = run([*csc, "build"])
    out.append(Measure(scale, "dbt build and docs", seconds, peak, dbt_split(home)))
    seconds, peak = run([*csc, "publish"])
    out.append(Measure(scale, "publish (hub, regional, 19 council files)", seconds, peak))
    seconds, peak = run([*csc, "report"])
    out.append(Measure(scale, "benchmark pack", seconds, peak))
    out.append(
        Measure(
            scale,
            "drops to published marts and pack (load + build + publish + report)",
            sum(m.seconds for m in out[1:]),
            max(m.peak_mb for m in out[1:]),
        )
    )

    # One council's new in-year drop: the latest extract again, one month on, one row fewer.
    council = home / "drops" / ONE_COUNCIL
    latest = max(p for p in council.iterdir() if p.is_dir())
    newer = council / (dt.date.fromisoformat(latest.name) + dt.timedelta(days=30)).isoformat()
    shutil.copytree(latest, newer, ignore=shutil.ignore_patterns("*.xml", "*.xlsx"))
    for path in newer.iterdir():
        lines = path.read_text().splitlines(keepends=True)
        if len(lines) > 2:
            path.write_text("".join(lines[:-1]))
    seconds, peak = run([*csc, "run"])
    out.append(Measure(scale, "one council's new in-year drop to published", seconds, peak))

    # One council's one year, loaded and checked alone: the SSDA903, then the CIN census
    # and Annex A.
    year = council / f"{latest.name[:4]}-03-31"
    for what, suffixes in (("SSDA903", (".csv",)), ("CIN census and Annex A", (".xml", ".xlsx"))):
        single = work / f"single-{scale:g}-{suffixes[0][1:]}"
        shutil.rmtree(single, ignore_errors=True)
        target = single / "drops" / ONE_COUNCIL / year.name
        target.mkdir(parents=True)
        for path in year.iterdir():
            if path.suffix in suffixes:
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
    return out


def write(measures: list[Measure], path: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Measured by `scripts/benchmark.py` (`make bench`); every stage is a separate `csc`",
        "process, timed by wall clock, with its peak resident memory.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}. Run on {dt.date.today().isoformat()}.",
        "",
        "| scale | stage | wall time (s) | peak memory (MB) | volume |",
        "|---|---|---:|---:|---|",
    ]
    for m in measures:
        lines.append(
            f"| {m.scale:g} | {m.stage} | {m.seconds:.1f} | {m.peak_mb:.0f} | {m.detail} |"
        )
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmark-results.md")
    args = parser.parse_args()
    measures: list[Measure] = []
    for scale in args.scales:
        measures += bench_scale(scale, args.work)
        for m in measures:
            print(f"scale {m.scale:g}  {m.stage:<60} {m.seconds:7.1f}s {m.peak_mb:7.0f} MB")
    write(measures, args.out)
    print(f"wrote {args.out}")
    print(f"parent peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
