"""Write a synthetic region: every return of each council, council after council.

For each council the SSDA903 history is simulated and its returns written with the
placement costs of the same placements; the CIN census and Annex A of the same children are
simulated from a summary of that history and written in another process while the next
council's SSDA903 history is simulated. What is written depends only on the seed, the
scale and the councils, never on the number of processes.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import gc
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from csc import reference
from csc.synthetic import annex_a, placement_costs, ssda903
from csc.synthetic.cin_census import (
    CIN_FILE,
    CareChild,
    CinInjector,
    Person,
    Referral,
    care_summary,
    census_xml,
    defect_plan,
    extract_details,
    people_by_year,
    shown_referrals,
    simulate_cin,
)
from csc.synthetic.cin_census.simulation import BURN_IN_YEARS
from csc.synthetic.draws import seeded
from csc.synthetic.views import (
    INJECTED_ERRORS_COLUMNS,
    INJECTED_ERRORS_FILE,
    InjectedError,
    View,
    views_for,
    write_csv,
)

SIM_START_YEARS_BEFORE = 19

Report = Callable[[str], None]


class Written(NamedTuple):
    """What writing some of a council's returns made, and lines saying so."""

    files: list[Path]
    defects: list[InjectedError]
    lines: list[str]


def generate_region(
    out_dir: Path,
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
    councils: Sequence[str] | None = None,
    first_year_ending: int = 2017,
    last_year_ending: int = 2026,
    in_year_reference: datetime.date | None = datetime.date(2026, 10, 31),
    workers: int | None = None,
    report: Report | None = None,
) -> list[Path]:
    """Write raw council extracts for the region's councils and return the files written.

    One folder per council and reference date: a full-year return at 31 March of each
    year ending `first_year_ending`..`last_year_ending`, plus an in-year extract at
    `in_year_reference`, each with the SSDA903 tables, the placement costs, the CIN census
    and the Annex A workbook. With `errors`, a small share of returns carry business-rule
    defects, each listed in `out_dir/injected_errors.csv`. The CIN census and Annex A of
    each council are written by up to `workers` other processes (default: one per CPU)
    while the 903 returns of the next council are simulated; the files do not depend on it.
    `report`, if given, is called with a line for each council and return once written.
    """
    out_dir = Path(out_dir)
    known = reference.councils()
    codes = list(known) if councils is None else list(councils)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(f"unknown council ONS codes: {', '.join(unknown)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    say = report or _quiet
    views = views_for(first_year_ending, last_year_ending, in_year_reference)
    sim_start = date(min(1998, first_year_ending - SIM_START_YEARS_BEFORE), 4, 1)
    written: list[Path] = []
    injected: list[InjectedError] = []
    pending: list[tuple[Written, Written | concurrent.futures.Future[Written]]] = []
    pool = process_pool(workers, len(codes)) if views else None
    try:
        for ons_code in codes if views else ():
            done, children = write_ssda903_and_costs(
                out_dir, ons_code, views, sim_start, seed=seed, scale=scale, errors=errors
            )
            for line in done.lines:
                say(line)
            job = (out_dir, ons_code, care_summary(children), views)
            options = {"seed": seed, "scale": scale, "errors": errors}
            if pool is None:
                cin: Written | concurrent.futures.Future[Written] = write_casework(*job, **options)
                for line in cin.lines:
                    say(line)
            else:
                cin = pool.submit(write_casework, *job, **options)
                cin.add_done_callback(lambda future: _say_done(future, say))
            pending.append((done, cin))
        for done, cin in pending:
            more = cin.result() if isinstance(cin, concurrent.futures.Future) else cin
            written += done.files + more.files
            injected += done.defects + more.defects
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if errors:
        path = out_dir / INJECTED_ERRORS_FILE
        out_dir.mkdir(parents=True, exist_ok=True)
        write_csv(path, INJECTED_ERRORS_COLUMNS, [d.row() for d in injected])
        written.append(path)
    return written


def _quiet(line: str) -> None:
    """Report nothing."""


def _say_done(future: concurrent.futures.Future[Written], say: Report) -> None:
    if not future.cancelled() and future.exception() is None:
        for line in future.result().lines:
            say(line)


def generate_council(
    out_dir: Path,
    ons_code: str,
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
    first_year_ending: int = 2017,
    last_year_ending: int = 2026,
    in_year_reference: datetime.date | None = datetime.date(2026, 10, 31),
) -> tuple[list[Path], list[InjectedError]]:
    """Write every return of one council; return the files and the defects injected."""
    views = views_for(first_year_ending, last_year_ending, in_year_reference)
    if not views:
        return [], []
    sim_start = date(min(1998, first_year_ending - SIM_START_YEARS_BEFORE), 4, 1)
    done, children = write_ssda903_and_costs(
        out_dir, ons_code, views, sim_start, seed=seed, scale=scale, errors=errors
    )
    cin = write_casework(
        out_dir, ons_code, care_summary(children), views, seed=seed, scale=scale, errors=errors
    )
    return done.files + cin.files, done.defects + cin.defects


def _named(ons_code: str) -> str:
    return f"{ons_code} {reference.councils()[ons_code].la_name}"


# --------------------------------------------------------------------------- SSDA903 and costs


def write_ssda903_and_costs(
    out_dir: Path,
    ons_code: str,
    views: list[View],
    sim_start: date,
    *,
    seed: int,
    scale: float,
    errors: bool,
) -> tuple[Written, list[ssda903.Child]]:
    """Simulate one council and write its SSDA903 tables and placement costs, every view."""
    began = time.perf_counter()
    horizon = max(v.reference_date for v in views)
    window = min(v.start for v in views)
    children = ssda903.simulate_council(
        ons_code, seed=seed, scale=scale, start=sim_start, horizon=horizon, window=window
    )
    started = time.perf_counter()
    costs = placement_costs.CostHistory(children, views, ons_code)
    plan = placement_costs.defect_plan(seed, ons_code, views) if errors else {}
    costing = time.perf_counter() - started
    written: list[Path] = []
    injected: list[InjectedError] = []
    episodes = lines = 0
    for view in views:
        tables = ssda903.render_view(children, view)
        started = time.perf_counter()
        cost_rows = costs.rows(view)
        costing += time.perf_counter() - started
        if errors:
            rng = seeded(f"{seed}:{ons_code}:errors:{view.reference_date.isoformat()}")
            defects = ssda903.inject_defects(rng, ons_code, tables, view)
            gone = [d.child for d in defects if d.rule == ssda903.RULE_CHILD_NOT_IN_HEADER]
            defects += placement_costs.inject_defects(
                seed, ons_code, cost_rows, view, plan[view.reference_date], gone
            )
            injected += defects
        folder = Path(out_dir) / ons_code / view.reference_date.isoformat()
        written += ssda903.write_view(folder, tables, view.year_ending)
        started = time.perf_counter()
        written.append(placement_costs.write(folder, cost_rows))
        costing += time.perf_counter() - started
        episodes += len(tables["episodes"])
        lines += len(cost_rows)
    spent = time.perf_counter() - began
    name = _named(ons_code)
    report = [
        f"{name}: SSDA903, {len(views)} returns, {len(children):,} children, "
        f"{episodes:,} episode rows ({spent - costing:.1f}s)",
        f"{name}: placement costs, {len(views)} returns, {lines:,} cost lines ({costing:.1f}s)",
    ]
    return Written(written, injected, report), children


# --------------------------------------------------------------------------- CIN and Annex A


def write_casework(
    out_dir: Path,
    ons_code: str,
    care: Sequence[CareChild],
    views: Sequence[View],
    *,
    seed: int = 903,
    scale: float = 1.0,
    errors: bool = False,
) -> Written:
    """Write `cin_census.xml` and `annex_a.xlsx` for every view of one council."""
    if not views:
        return Written([], [], [])
    # Millions of small, acyclic records: the cyclic collector would only slow things down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_casework(
            out_dir, ons_code, care, views, seed=seed, scale=scale, errors=errors
        )
    finally:
        if collecting:
            gc.enable()


def _write_casework(
    out_dir: Path,
    ons_code: str,
    care: Sequence[CareChild],
    views: Sequence[View],
    *,
    seed: int,
    scale: float,
    errors: bool,
) -> Written:
    began = time.perf_counter()
    window = min(v.start for v in views)
    horizon = max(v.reference_date for v in views)
    start = date(window.year - BURN_IN_YEARS, 4, 1)
    people = simulate_cin(
        ons_code, care, seed=seed, scale=scale, start=start, horizon=horizon, window=window
    )
    lea = reference.councils()[ons_code].la_number
    headers = annex_a.annex_a_headers(ons_code)
    by_year = people_by_year(people, horizon)
    events = annex_a.AnnexEvents(people)
    plan = defect_plan(seeded(f"{seed}:{ons_code}:cin:errors"), len(views))
    written: list[Path] = []
    injected: list[InjectedError] = []
    shown = workbooks = 0.0
    for view, rules in zip(views, plan, strict=True):
        folder = Path(out_dir) / ons_code / view.reference_date.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        in_year = by_year.get(view.year_ending, [])
        patches: dict[str, list[Referral]] = {}
        if errors and rules:
            patches = _inject(seed, ons_code, view, in_year, rules, injected)
        extract = extract_details(seed, ons_code, view)
        path = folder / CIN_FILE
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(census_xml(in_year, view, lea, extract, patches))
        written.append(path)
        shown += len(in_year)
        started = time.perf_counter()
        path = folder / annex_a.ANNEX_A_FILE
        annex_a.write_annex_a(path, events, view, headers, extract.written)
        written.append(path)
        workbooks += time.perf_counter() - started
    spent = time.perf_counter() - began
    name = _named(ons_code)
    report = [
        f"{name}: CIN census, {len(views)} returns, {len(people):,} children known, "
        f"{shown / len(views):,.0f} a census on average ({spent - workbooks:.1f}s)",
        f"{name}: Annex A, {len(views)} workbooks, {len(events.contacts):,} contacts and "
        f"{len(events.referrals):,} referrals in all ({workbooks:.1f}s)",
    ]
    return Written(written, injected, report)


def _inject(
    seed: int,
    ons_code: str,
    view: View,
    in_year: Iterable[Person],
    rules: list[str],
    injected: list[InjectedError],
) -> dict[str, list[Referral]]:
    """Break `rules` in one census, listing each breach in `injected`; the patched children."""
    rng = seeded(f"{seed}:{ons_code}:cin:errors:{view.reference_date.isoformat()}")
    shown = [p for p in in_year if shown_referrals(p.referrals, view)]
    injector = CinInjector(rng, view, shown)
    for rule in rules:
        child = injector.apply(rule)
        if child is not None:
            injected.append(InjectedError(ons_code, view.reference_date, CIN_FILE, rule, child))
    return injector.patches


def process_pool(workers: int | None, jobs: int) -> concurrent.futures.Executor | None:
    """A pool for councils' CIN extracts, or None when one process will do.

    On Linux the workers are forked, so a calling script needs no `__main__` guard;
    elsewhere they are spawned.
    """
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:
            workers = os.cpu_count() or 1
    workers = min(workers, jobs)
    if workers <= 1:
        return None
    method = "fork" if sys.platform == "linux" else "spawn"
    context = multiprocessing.get_context(method)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
