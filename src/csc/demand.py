"""Where demand for care is heading: a multi-state model of children looked after.

The model (docs/demand.md) follows every child looked after month by month. A child is in
one of the placement groups (seeds/placement_cost_groups.csv) at each month end, or out of
care. From one month end to the next a child in care leaves care with a probability that
depends on their age band and placement group, or else stays in their group or moves to
another with probabilities that depend on the same two things; every child ages a month,
and a child reaching 18 leaves care. Children enter care each month in numbers drawn from
a Poisson distribution for each age band, at ages and into groups in the shares seen.

Everything is estimated from a reference window of month ends of the stitched history
(`estimate`): the counts of entries, exits and moves over the window give the rates, and
simulating the model forward from the children in care at the window's last month end
(`simulate`) gives the projection. The intervals come from simulation: each run draws its
own rates from the counts (a Gamma for each entry rate, a Beta for each exit probability, a
Dirichlet for each row of moves, each band's pulled towards every age's), so they carry the
uncertainty of the estimates as well as the chance of which children enter, move and
leave.

The arrays are numpy's; the shapes are named in the docstrings: S simulations, T months,
A ages in months (0 to 215), B age bands, G placement groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The placement groups of seeds/placement_cost_groups.csv, in its order.
GROUPS = (
    "in_house_fostering",
    "agency_fostering",
    "childrens_home",
    "supported_accommodation",
    "other",
)
# The DfE's age bands for children looked after (age at the month end, in whole years).
AGE_BANDS = (("under 1", 0, 1), ("1 to 4", 1, 5), ("5 to 9", 5, 10), ("10 to 15", 10, 16))
AGE_BANDS += (("16 and over", 16, 18),)
AGES = 18 * 12  # ages in months 0..215; care ends at the 18th birthday
BAND_OF_AGE = np.array(
    [next(b for b, (_, low, high) in enumerate(AGE_BANDS) if low * 12 <= a < high * 12)
     for a in range(AGES)]
)  # fmt: skip
OUT = -1  # not in care at a month end
PRIOR = 0.5  # Jeffreys prior on the counts of every age together
POOLED = 12  # how many child-months each band's rates borrow from every age's


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from the one on or after `first` to the one on or before `last`."""
    ends = pd.date_range(first, last, freq="ME")
    return [d.date() for d in ends]


@dataclass
class Panel:
    """Each child's state at each month end: `group` (children x T, a group's index or
    OUT) and `age` (children x T, age in months; meaningful where in care)."""

    month_ends: list[dt.date]
    group: np.ndarray
    age: np.ndarray


def panel(spells: pd.DataFrame, ends: list[dt.date]) -> Panel:
    """The month-end states of the children in `spells`: one row per spell of one child in
    one placement group, with columns `child`, `start`, `end` (the day care or the spell
    ended, NaT while open), `group` (one of GROUPS) and `birth` (the month of birth). A
    child is in care at a month end when a spell started on or before it and had not ended
    by it (ending on the month end itself counts as out, as in the DfE's count of children
    looked after at 31 March)."""
    children, child_index = np.unique(spells["child"].to_numpy(), return_inverse=True)
    months = np.array([np.datetime64(d, "D") for d in ends])
    start = spells["start"].to_numpy(dtype="datetime64[D]")
    end = spells["end"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(end), np.datetime64("9999-12-31", "D"), end)
    first = np.searchsorted(months, start, side="left")  # first month end >= start
    last = np.searchsorted(months, end, side="left")  # month ends < end
    counts = np.maximum(last - first, 0)
    rows = np.repeat(np.arange(len(spells)), counts)
    steps = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    columns = np.repeat(first, counts) + steps
    code = {name: i for i, name in enumerate(GROUPS)}
    groups = spells["group"].map(code).to_numpy(dtype=float)
    if np.isnan(groups).any():
        raise ValueError("a spell's group is not one of the placement groups")
    groups = groups.astype(np.int8)
    group = np.full((len(children), len(ends)), OUT, dtype=np.int8)
    group[child_index[rows], columns] = groups[rows]
    birth = spells.groupby(child_index)["birth"].first().to_numpy(dtype="datetime64[M]")
    month_index = months.astype("datetime64[M]")
    age = (month_index[None, :] - birth[:, None]).astype(int)
    return Panel(list(ends), group, age)


@dataclass
class Counts:
    """What a reference window saw, from one month end to the next."""

    months: int  # how many month-to-month steps
    entries: np.ndarray  # B: children entering care (in care now, out at the last month end)
    entry_age: np.ndarray  # A: their ages in months
    entry_group: np.ndarray  # B x G: the group they entered into
    exits: np.ndarray  # B x G: children leaving care before 18, by age band and group before
    moves: np.ndarray  # B x G x G: children in care at both, by group before and after


def count(states: Panel) -> Counts:
    """The entries, exits and moves between consecutive month ends of a panel. Leaving care
    at 18 is not an exit the model estimates: it follows from age."""
    g, age = states.group, states.age
    before, after = g[:, :-1], g[:, 1:]
    age_before, age_after = age[:, :-1], age[:, 1:]
    n_bands, n_groups = len(AGE_BANDS), len(GROUPS)
    entering = (before == OUT) & (after != OUT) & (age_after >= 0) & (age_after < AGES)
    entry_age = np.bincount(age_after[entering], minlength=AGES)[:AGES]
    entry_band = BAND_OF_AGE[age_after[entering]]
    entries = np.bincount(entry_band, minlength=n_bands)
    entry_group = np.zeros((n_bands, n_groups))
    np.add.at(entry_group, (entry_band, after[entering]), 1)
    in_care = (before != OUT) & (age_before >= 0) & (age_before < AGES)
    leaving = in_care & (after == OUT) & (age_after < AGES)
    exits = np.zeros((n_bands, n_groups))
    np.add.at(exits, (BAND_OF_AGE[age_before[leaving]], before[leaving]), 1)
    staying = in_care & (after != OUT) & (age_after < AGES)
    moves = np.zeros((n_bands, n_groups, n_groups))
    np.add.at(moves, (BAND_OF_AGE[age_before[staying]], before[staying], after[staying]), 1)
    return Counts(g.shape[1] - 1, entries.astype(float), entry_age.astype(float),
                  entry_group, exits, moves)  # fmt: skip


@dataclass
class Rates:
    """Monthly rates: entries per month by band (B), the share of entrants by age in months
    (A), by group within their band (B x G), the probability of leaving care (B x G) and of
    each group next month for those who stay (B x G x G)."""

    entries: np.ndarray
    entry_age: np.ndarray
    entry_group: np.ndarray
    exit: np.ndarray
    move: np.ndarray

    @classmethod
    def estimate(
        cls, counts: Counts, rng: np.random.Generator | None = None, runs: int = 1
    ) -> Rates:
        """The rates a window's counts give: their posterior means, or with `rng` a draw
        from their posterior for each of `runs` runs (every array then has the runs
        first). Each age band's and group's rates are pulled towards those
        of every age (a prior worth POOLED months of one child), so a cell seen rarely or
        never, such as babies in supported accommodation, borrows its rate rather than
        taking a prior's arbitrary one."""
        stays = counts.moves.sum(axis=2)
        n_groups = len(GROUPS)
        # Every age band together: the centre each band's rates are pulled towards.
        all_exits, all_stays = counts.exits.sum(axis=0), stays.sum(axis=0)  # G
        leave_all = (all_exits + PRIOR) / (all_exits + all_stays + 2 * PRIOR)
        move_all = counts.moves.sum(axis=0) + PRIOR * np.eye(n_groups)  # G x G
        move_all /= move_all.sum(axis=1, keepdims=True)
        into_all = counts.entry_group.sum(axis=0) + PRIOR
        into_all /= into_all.sum()
        exit_a, exit_b = counts.exits + POOLED * leave_all, stays + POOLED * (1 - leave_all)
        move_alpha = counts.moves + POOLED * move_all[None]
        into_alpha = counts.entry_group + POOLED * into_all[None]
        if rng is None:
            entries = (counts.entries + PRIOR) / counts.months
            leave = exit_a / (exit_a + exit_b)
            move = move_alpha / move_alpha.sum(axis=2, keepdims=True)
            entry_group = into_alpha / into_alpha.sum(axis=1, keepdims=True)
        else:
            entries = rng.gamma(counts.entries + PRIOR, 1 / counts.months, (runs, len(AGE_BANDS)))
            leave = rng.beta(exit_a, exit_b, (runs, *exit_a.shape))
            move = _dirichlet(rng, np.broadcast_to(move_alpha, (runs, *move_alpha.shape)))
            entry_group = _dirichlet(rng, np.broadcast_to(into_alpha, (runs, *into_alpha.shape)))
        return cls(entries, _age_shares(counts.entry_age), entry_group, leave, move)


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """One Dirichlet draw for each row of the last axis."""
    draws = rng.gamma(alpha)
    return draws / draws.sum(axis=-1, keepdims=True)


def _age_shares(entry_age: np.ndarray) -> np.ndarray:
    """Entrants' ages in months as shares within their band (evenly spread over a band
    with no entrants seen)."""
    shares = np.zeros(AGES)
    for band in range(len(AGE_BANDS)):
        ages = band == BAND_OF_AGE
        seen = entry_age[ages]
        shares[ages] = seen / seen.sum() if seen.sum() else 1 / ages.sum()
    return shares


@dataclass
class Scenario:
    """A named change to the rates: entries multiplied (for every band, or by band), and
    shifts of entering or moving into one group towards another (`shift`: (from, to,
    share) moves that share of the probability of going into `from` over to `to`; children
    already in a group stay as they would), and unit costs multiplied by group."""

    name: str = "baseline"
    entries: float = 1.0
    entries_by_band: dict[str, float] = field(default_factory=dict)
    shifts: list[tuple[str, str, float]] = field(default_factory=list)
    unit_costs: dict[str, float] = field(default_factory=dict)

    def apply(self, rates: Rates) -> Rates:
        entries = rates.entries * self.entries
        for band, factor in self.entries_by_band.items():
            entries[..., [b for b, (name, *_) in enumerate(AGE_BANDS) if name == band]] *= factor
        move, entry_group = rates.move.copy(), rates.entry_group.copy()
        for source, target, share in self.shifts:
            s, t = GROUPS.index(source), GROUPS.index(target)
            if not 0 <= share <= 1:
                raise ValueError(f"scenario {self.name}: a shift's share is between 0 and 1")
            entry_group[..., t] += share * entry_group[..., s]
            entry_group[..., s] *= 1 - share
            others = [g for g in range(len(GROUPS)) if g != s]
            moved = share * move[..., others, s]
            move[..., others, t] += moved
            move[..., others, s] -= moved
        return Rates(entries, rates.entry_age, entry_group, rates.exit, move)


def stock_at(states: Panel, column: int = -1) -> np.ndarray:
    """The children in care at one month end of a panel, by age in months and group
    (A x G)."""
    g, age = states.group[:, column], states.age[:, column]
    present = (g != OUT) & (age >= 0) & (age < AGES)
    stock = np.zeros((AGES, len(GROUPS)))
    np.add.at(stock, (age[present], g[present]), 1)
    return stock


def _step(rng: np.random.Generator | None, stock: np.ndarray, rates: Rates) -> np.ndarray:
    """One month on: S x A x G children in care to S x A x G, under rates with the runs
    first (or one set for every run); the expected numbers without `rng`, a draw of what
    happens with it."""
    first = (slice(None),) if rates.exit.ndim == 3 else (None,)
    leave = rates.exit[first][:, BAND_OF_AGE]  # S x A x G
    move = rates.move[first][:, BAND_OF_AGE]  # S x A x G x G
    entries, into = rates.entries[first], rates.entry_group[first]  # S x B, S x B x G
    if rng is None:
        staying = stock * (1 - leave)
        after = np.einsum("sag,sagh->sah", staying, move)
        arriving = entries[:, BAND_OF_AGE] * rates.entry_age  # S x A
        entering = arriving[..., None] * into[:, BAND_OF_AGE]
    else:
        staying = rng.binomial(stock.astype(np.int64), 1 - leave)
        # Only the ages and groups that hold children are drawn (most hold none).
        cells = np.nonzero(staying)
        moves = np.broadcast_to(move, (*staying.shape, move.shape[-1]))[cells]
        after = np.zeros(stock.shape)
        np.add.at(after, cells[:2], rng.multinomial(staying[cells], moves))
        arrivals = rng.poisson(np.broadcast_to(entries, (stock.shape[0], len(AGE_BANDS))))
        entering = np.zeros(stock.shape)
        for band in range(len(AGE_BANDS)):
            ages = np.flatnonzero(band == BAND_OF_AGE)
            where = rates.entry_age[ages]
            at_age = rng.multinomial(arrivals[:, band], where / where.sum())  # S x ages
            shares = np.broadcast_to(into[:, band, None, :], (*at_age.shape, len(GROUPS)))
            entering[:, ages, :] = rng.multinomial(at_age, shares)
    aged = np.zeros(stock.shape)
    aged[:, 1:, :] = after[:, :-1, :]  # the oldest reach 18 and leave care
    return aged + entering


def simulate(
    stock: np.ndarray,
    counts: Counts,
    months: int,
    runs: int = 200,
    scenario: Scenario | None = None,
    seed: int = 0,
) -> np.ndarray:
    """`runs` simulations of the children in care, month by month for `months` months from
    `stock` (A x G), each with its own draw of the rates from `counts`: S x (T + 1) x A x G,
    the first month the stock itself."""
    rng = np.random.default_rng(seed)
    rates = (scenario or Scenario()).apply(Rates.estimate(counts, rng, runs))
    out = np.zeros((runs, months + 1, *stock.shape))
    out[:, 0] = stock
    current = np.broadcast_to(stock, out[:, 0].shape)
    for month in range(1, months + 1):
        current = _step(rng, current, rates)
        out[:, month] = current
    return out


def expected(
    stock: np.ndarray, rates: Rates, months: int, scenario: Scenario | None = None
) -> np.ndarray:
    """The expected children in care month by month under fixed rates, without chance:
    (T + 1) x A x G."""
    rates = (scenario or Scenario()).apply(rates)
    out = np.zeros((months + 1, *stock.shape))
    out[0] = stock
    current = stock[None].astype(float)
    for month in range(1, months + 1):
        current = _step(None, current, rates)
        out[month] = current[0]
    return out


def region_runs(council_runs: list[np.ndarray]) -> np.ndarray:
    """The region's runs: its councils' runs (each simulated with its own seed) added run
    by run, so the region's percentiles are those of its total, never a sum of councils'
    percentiles."""
    return np.sum(council_runs, axis=0)


def by_band(projection: np.ndarray) -> np.ndarray:
    """... x A x G to ... x B x G."""
    out = np.zeros((*projection.shape[:-2], len(AGE_BANDS), projection.shape[-1]))
    for band in range(len(AGE_BANDS)):
        out[..., band, :] = projection[..., band == BAND_OF_AGE, :].sum(axis=-2)
    return out


def interval(simulations: np.ndarray, low: float = 10, high: float = 90) -> np.ndarray:
    """The `low`th percentile, the median and the `high`th percentile over the simulations
    (the first axis): 3 x the rest."""
    return np.percentile(simulations, [low, 50, high], axis=0)


def absolute_percentage_error(projected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """|projected - actual| / actual, in per cent; undefined (NaN) where actual is 0."""
    projected, actual = np.asarray(projected, float), np.asarray(actual, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual > 0, 100 * np.abs(projected - actual) / actual, np.nan)


def window(states: Panel, end: int, months: int) -> Panel:
    """The month ends of a panel from `months` before column `end` to `end` itself."""
    if end - months < 0:
        raise ValueError("the window starts before the history does")
    keep = slice(end - months, end + 1)
    return Panel(states.month_ends[keep], states.group[:, keep], states.age[:, keep])


def read_spells(con, la_code: str | None = None) -> pd.DataFrame:  # noqa: ANN001 - DuckDB
    """The care history of one council (or every council) from the built warehouse
    (int_demand__care_spells), in the columns `panel` takes, with `la_code`."""
    where, params = ("where la_code = ?", [la_code]) if la_code else ("", [])
    frame = con.execute(
        "select la_code, child_key as child, episode_start_date as start, "
        'episode_end_date as "end", placement_group as "group", birth_month as birth '
        f"from intermediate.int_demand__care_spells {where} "  # nosec B608 # fixed text
        "order by la_code, child_key, episode_start_date",
        params,
    ).df()
    for column in ("start", "end", "birth"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.dropna(subset=["birth"])
