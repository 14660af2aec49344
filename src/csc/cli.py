"""The `csc` command: one entry point for councils, the regional hub and analysts."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from csc import engines, reference
from csc.progress import Progress, Stages
from csc.warehouse import Home

if TYPE_CHECKING:
    from csc.forecast import Options as ForecastOptions

console = Console(highlight=False)
if not console.is_terminal:
    # Into a log or a pipe: tables 120 wide, but a line of text (a path) is never broken.
    console = Console(highlight=False, width=120, soft_wrap=True)


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder holding drops/, keys/, build/ and published/.",
)
@click.option(
    "--target",
    type=click.Choice(engines.TARGETS),
    default=None,
    help="The engine dbt builds on [default: CSC_TARGET, else duckdb]. Drops are always "
    "checked and landed in the private DuckDB file first (docs/engines.md).",
)
@click.pass_context
def main(ctx: click.Context, home: Path, target: str | None) -> None:
    """Regional children's social care warehouse."""
    import os

    if target:
        # dbt reads it too: profiles.yml chooses its target from CSC_TARGET.
        os.environ[engines.VARIABLE] = target
    try:
        engines.chosen()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.obj = Home(home.resolve())


def _engine() -> str:
    return engines.chosen()


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where pseudonymised drops go [default: HOME/drops].",
)
@click.option("--seed", type=int, default=903, show_default=True)
@click.option(
    "--scale", type=float, default=1.0, show_default=True, help="Multiplies the number of children."
)
@click.option("--errors", is_flag=True, help="Inject realistic DfE rule breaches.")
@click.option("--council", "councils", multiple=True, help="ONS code; repeat for several.")
@click.pass_obj
def generate(
    home: Home, out: Path | None, seed: int, scale: float, errors: bool, councils: tuple[str, ...]
) -> None:
    """Write a synthetic region: council extracts, then pseudonymised drops."""
    from csc import pseudonymise as privacy
    from csc import synthetic

    out = out or home.drops
    started = time.perf_counter()
    raw = home.council_systems
    shutil.rmtree(raw, ignore_errors=True)
    written = synthetic.generate_region(
        raw,
        seed=seed,
        scale=scale,
        errors=errors,
        councils=list(councils) or None,
        report=lambda line: click.echo(line, err=True),
    )
    console.print(f"generated {len(written)} council extract files under {raw}")
    jobs = []
    for council in sorted(p.name for p in raw.iterdir() if p.name in reference.councils()):
        key = privacy.ensure_key(home.key_file(council))
        jobs += [
            (path, out / council / path.relative_to(raw / council), key)
            for path in sorted((raw / council).rglob("*"))
            if path.is_file() and path.suffix.lower() in privacy.RETURN_SUFFIXES
        ]
    with Progress("pseudonymising", len(jobs)) as progress:
        results = privacy.pseudonymise_many(jobs, progress=progress)
    for council in {dest.relative_to(out).parts[0] for _, dest, _ in jobs}:
        privacy.stamp_results(
            [r for r in results if r.dest and r.dest.relative_to(out).parts[0] == council], council
        )
    refused = [r.message for r in results if r.dest is None]
    if refused:
        raise click.ClickException("; ".join(refused))
    dropped = len(results)
    console.print(
        f"pseudonymised {dropped} files into {out} with each council's key from {home.keys} "
        f"({time.perf_counter() - started:.1f}s)"
    )


@main.command()
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--la", "la_code", required=True, help="The council's ONS code.")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The council's secret key (hex); created if it does not exist.",
)
def pseudonymise(src: Path, dest: Path, la_code: str, key_file: Path) -> None:
    """Pseudonymise a council's extract before dropping it: a file or a folder of SSDA903
    and placement costs CSV files, CIN census XML and Annex A workbooks."""
    from csc import pseudonymise as privacy

    if la_code not in reference.councils():
        raise click.BadParameter(f"{la_code} is not a council of the region", param_hint="--la")
    key = privacy.ensure_key(key_file)
    refused = 0
    for result in privacy.pseudonymise_tree(src, dest, key, la_code):
        if result.dest is None:
            refused += 1
            console.print(f"[red]refused[/red] {result.message}")
        else:
            console.print(f"{result.source} -> {result.dest} ({result.kind}, {result.rows} rows)")
    if refused:
        sys.exit(1)


def _print_load(report) -> None:
    from csc import load as loader

    table = Table(title=f"load {report.load_id}: {report.files_seen} files in drops/")
    for column in (
        "council",
        "new files",
        "loaded",
        "superseded",
        "duplicate",
        "quarantined",
        "warnings",
        "rows",
    ):
        table.add_column(column, justify="right" if column != "council" else "left")
    councils = sorted({d.la_code or "?" for d in report.new})
    for council in councils:
        mine = [d for d in report.new if (d.la_code or "?") == council]
        name = reference.councils()[council].la_name if council in reference.councils() else "?"
        table.add_row(
            f"{council} {name}",
            str(len(mine)),
            *(
                str(sum(d.status == s for d in mine))
                for s in (loader.LOADED, loader.SUPERSEDED, loader.DUPLICATE, loader.QUARANTINED)
            ),
            str(sum(len(d.warnings) for d in mine)),
            str(sum(d.rows for d in mine if d.status in (loader.LOADED, loader.SUPERSEDED))),
        )
    if councils:
        console.print(table)
    else:
        console.print(f"no new files among {report.files_seen} in drops/")
    for drop in report.by_status(loader.QUARANTINED):
        console.print(f"[bold red]QUARANTINED[/bold red] drops/{drop.rel}")
        for line in describe(drop.critical):
            console.print(f"  {line}")
    if report.data_docs:
        console.print(
            f"Great Expectations Data Docs, one site per council: {report.data_docs}/<ONS code>/"
        )


def describe(failures) -> list[str]:
    """One line per rule: the rule, what it means, and the rows that break it."""
    grouped: dict[str, list] = {}
    for failure in failures:
        grouped.setdefault(failure.rule_id, []).append(failure)
    lines = []
    for rule_id, items in grouped.items():
        rows = [f"row {f.row}" + (f" ({f.values})" if f.values else "") for f in items if f.row]
        shown = "; ".join(rows[:5]) + (f"; and {len(rows) - 5} more rows" if len(rows) > 5 else "")
        lines.append(
            f"[{items[0].severity}] {rule_id}: {items[0].text}" + (f" - {shown}" if shown else "")
        )
    return lines


@main.command()
@click.pass_obj
def load(home: Home) -> None:
    """Check every new file in drops/ and load those that pass."""
    from csc import load as loader

    with _holding(home):
        with Stages() as progress:
            report = loader.load(home, progress=progress)
        _print_load(report)
        engine = _engine()
        if engine != "duckdb":
            from csc import build as builder

            console.print(f"{engine}: {builder.sync_raw(home, engine).describe()}")


@contextlib.contextmanager
def _holding(home: Home) -> Iterator[None]:
    """Hold the home folder for the command, or say that another run holds it."""
    from csc import warehouse

    try:
        with warehouse.hold(home):
            yield
    except warehouse.Busy as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild every model and run every seed, data test and unit test, and the docs.",
)
@click.pass_obj
def build(home: Home, full: bool) -> None:
    """Run `dbt build` into the private warehouse: the councils whose files changed since
    the last passing build (everything when the project changed, or with --full)."""
    from csc import build as builder

    engine = _engine()
    with _holding(home):
        if engine != "duckdb":
            builder.engine_build(home, engine, say=console.print)
        else:
            builder.dbt_build(home, full=full, say=console.print)


@main.command()
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A scenario file (TOML; docs/demand.md); repeat for several.",
)
@click.option("--window-years", default=3, show_default=True, type=click.IntRange(1, 6))
@click.option("--horizon-months", default=36, show_default=True, type=click.IntRange(1, 60))
@click.option("--runs", default=200, show_default=True, type=click.IntRange(20, 5000))
@click.option("--inflation", default=0.0, show_default=True, type=float, help="A year, e.g. 0.03.")
@click.pass_obj
def forecast(
    home: Home,
    scenarios: tuple[Path, ...],
    window_years: int,
    horizon_months: int,
    runs: int,
    inflation: float,
) -> None:
    """Project children looked after by placement group and age band, with intervals,
    costs and backtests, for every council and the region (docs/demand.md), into the
    warehouse's raw demand tables, and build the demand marts from them."""
    from csc import forecast as forecaster

    try:
        options = forecaster.Options(
            window_years=window_years,
            horizon_months=horizon_months,
            runs=runs,
            inflation=inflation,
            scenarios=[forecaster.read_scenario(path) for path in scenarios],
        )
    except forecaster.ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    with _holding(home):
        console.print(_project_demand(home, options))


def _project_demand(home: Home, options: ForecastOptions | None = None) -> str:
    """Project demand into the warehouse's raw demand tables and build the demand marts
    from them (csc.forecast); with no options (`csc run`), again with the options stored
    with the last projection, and only when what it reads has changed. Returns what was
    done, for the console. The caller holds the home folder."""
    import duckdb

    from csc import build as builder
    from csc import forecast as forecaster

    started = time.perf_counter()
    again = options is None
    passed = builder.last_good_build(home)
    if passed is None:
        if again:
            return "demand not projected: the last build did not pass"
        raise click.ClickException(
            "the warehouse is not as a passing `dbt build` left it: run `csc build` first"
        )
    con = duckdb.connect(str(home.warehouse))
    try:
        options = options or forecaster.stored_options(con) or forecaster.Options()
        try:
            digest = forecaster.inputs_digest(con, options)
        except ValueError as exc:
            if again:
                return f"demand not projected: {exc}"
            raise click.ClickException(f"nothing to project: {exc}") from exc
        if again and digest == forecaster.stored_digest(con):
            return (
                "demand projections as before: the care history up to the origin and the "
                "unit costs have not changed"
            )
        projections, backtests = forecaster.project(con, options)
        forecaster.write(con, projections, backtests, options, digest)
    finally:
        con.close()
    # Only the demand marts read what was written: they are built again, and when they
    # pass, the rest of the last passing build still holds.
    builder.dbt_demand(home, passed)
    areas = projections["area_code"].nunique()
    return (
        f"projected {areas} areas ({areas - 1} councils and the region) from "
        f"{projections['origin_date'].iloc[0]} for {options.horizon_months} months in "
        f"{len(options.scenarios) + 1} scenario(s), with {len(backtests)} backtest rows "
        f"({time.perf_counter() - started:.1f}s)"
    )


@main.command(name="parity")
@click.pass_obj
def parity_command(home: Home) -> None:
    """Build on the chosen engine (--target) and compare every public table (marts,
    regional, reference) with the DuckDB build: row counts and a digest of the rows,
    numbers to 10 significant digits. Any difference fails."""
    from csc import build as builder
    from csc import parity

    engine = _engine()
    if engine == "duckdb":
        raise click.UsageError("name the engine to compare with DuckDB: csc --target NAME parity")
    with _holding(home):
        if builder.last_good_build(home) is None:
            builder.dbt_build(home, say=console.print)
        builder.engine_build(home, engine, say=console.print)
        theirs = engines.mirror_built(home, engine, parity.PUBLIC_MARTS)
        compared, found = parity.against_file(home.warehouse, theirs, parity.PUBLIC_MARTS)
    for line in found:
        console.print(f"[red]differs[/red] {line}")
    if found or not compared:
        raise click.ClickException(
            f"{engine} and DuckDB differ in {len(found)} of {len(compared)} public table(s)"
        )
    console.print(f"{engine} and DuckDB hold the same {len(compared)} public tables")


def _publish(home: Home):  # noqa: ANN202 - a csc.publish.Published
    from csc import publish as publisher

    try:
        published = publisher.publish(home, _engine())
    except publisher.NotBuilt as exc:
        raise click.ClickException(str(exc)) from exc
    _print_published(home, published)
    return published


@main.command()
@click.pass_obj
def publish(home: Home) -> None:
    """Publish read-only copies for each audience: the hub, the region and beyond, each
    council, from the build on the chosen engine (--target)."""
    with _holding(home):
        published = _publish(home)
    if published.regional_held:
        raise click.ClickException(
            "the regional files were not refreshed: " + published.regional_held
        )


def _print_published(home: Home, published) -> None:
    console.print(f"for the hub's analysts: {published.hub}")
    if published.regional:
        console.print(f"for the region and beyond (disclosure-controlled): {published.regional}")
    if published.regional_held:
        console.print(
            "[bold red]the regional files and the pack were not refreshed[/bold red] (the "
            f"previous ones stay): {published.regional_held}"
        )
    if published.councils:
        console.print(
            f"for each council, its own rows: {home.published / 'councils'}/<ONS code>/"
            f" ({len(published.councils)} written this time)"
        )


@main.command()
@click.pass_obj
def report(home: Home) -> None:
    """Write the benchmark pack for council leads: static pages under published/report/."""
    started = time.perf_counter()
    with _holding(home):
        index = _write_report(home)
    console.print(
        f"benchmark pack for council leads: {index} ({time.perf_counter() - started:.1f}s)"
    )


def _write_report(home: Home) -> Path:
    from csc import report as pack

    if not pack.regional_file(home).exists():
        console.print(
            f"[yellow]no regional file at {pack.regional_file(home)}[/yellow]: "
            "the pack's pages say there are no figures yet"
        )
    from csc import gate

    try:
        return pack.write_report(home)
    except gate.GateClosed as exc:
        raise click.ClickException(
            f"the benchmark pack was not written (the previous one stays): {exc}"
        ) from exc


@main.command()
@click.pass_obj
def run(home: Home) -> None:
    """Load new drops, build the warehouse with dbt (on the chosen engine, --target),
    publish it, write the benchmark pack."""
    from csc import build as builder
    from csc import load as loader

    engine = _engine()
    started = time.perf_counter()
    stages: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        begun = time.perf_counter()
        yield
        stages[name] = time.perf_counter() - begun

    with _holding(home):
        with stage("load"), Stages() as progress:
            report = loader.load(home, progress=progress)
        _print_load(report)
        with stage("build"):
            if engine == engines.DEFAULT:
                builder.dbt_build(home, say=console.print)
            else:
                builder.engine_build(home, engine, say=console.print)
        if engine == engines.DEFAULT:
            with stage("forecast"):
                console.print(_project_demand(home))
        with stage("publish"):
            published = _publish(home)
        console.print(f"docs for analysts: {home.published / 'docs' / 'index.html'}")
        if not published.regional_held:
            with stage("pack"):
                index = _write_report(home)
            console.print(f"benchmark pack for council leads: {index}")
    split = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in stages.items())
    console.print(f"done in {time.perf_counter() - started:.1f}s ({split})")
    if published.regional_held:
        raise click.ClickException(
            "the regional files and the pack were not refreshed: " + published.regional_held
        )


if __name__ == "__main__":
    main()
