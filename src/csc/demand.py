"""Where demand for care is heading: a multi-state model of children looked after.

The model (docs/demand.md) follows every child looked after month by month. A child is in
one of the placement groups (seeds/placement_cost_groups.csv) at each month end, or out of
care. From one month end to the next a child in care leaves care with a probability that
depends on their age band, placement group and how long they have been in care (in bands
from under 6 months to 6 years or more), or else stays in their group or moves to another
with probabilities that depend on their age band and group; every child ages a month, and
a child reaching 18 leaves care. Children enter care each month in numbers drawn from
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
A ages in months (0 to 215), B age bands, G placement groups, M months in care (0 to 71,
and 72 for six years or more), K bands of time in care.
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
# Months in the current period of care at a month end (0 at the first month end in care),
# counted to 72, which stands for six years or more; exits depend on its band. Children
# leave care ever less often the longer they have been in it, so the bands widen.
STAYS = 73
STAY_BANDS = (("under 6 months", 0, 6), ("6 to 12 months", 6, 12), ("1 to 2 years", 12, 24))
STAY_BANDS += (("2 to 3 years", 24, 36), ("3 to 4 years", 36, 48), ("4 to 6 years", 48, 72))
STAY_BANDS += (("6 years or more", 72, STAYS),)
BAND_OF_STAY = np.array(
    [next(k for k, (_, low, high) in enumerate(STAY_BANDS) if low <= m < high)
     for m in range(STAYS)]
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
    OUT), `age` (children x T, age in months) and `stay` (children x T, months in the
    current period of care, to STAYS - 1); age and stay are meaningful where in care."""

    month_ends: list[dt.date]
    group: np.ndarray
    age: np.ndarray
    stay: np.ndarray


def panel(spells: pd.DataFrame, ends: list[dt.date]) -> Panel:
    """The month-end states of the children in `spells`: one row per spell of one child in
    one placement group, with columns `child`, `start`, `end` (the day care or the spell
    ended, NaT while open), `group` (one of GROUPS) and `birth` (the month of birth). A
    child is in care at a month end when a spell started on or before it and had not ended
    by it (ending on the month end itself counts as out, as in the DfE's count of children
    looked after at 31 March). A period of care runs on through spells that start on or
    before the latest end of the child's earlier spells; a later start begins a new one."""
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
    # Months since the period of care began: 0 at its first month end.
    began = _period_starts(child_index, start, end).astype("datetime64[M]")
    stay = np.zeros(group.shape, dtype=np.int16)
    since = (month_index[columns] - began[rows]).astype(int)
    stay[child_index[rows], columns] = np.clip(since, 0, STAYS - 1)
    return Panel(list(ends), group, age, stay)


def _period_starts(child: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The day each spell's period of care began (spells by child, starts and ends with
    open ends far in the future): a spell starting after every earlier spell of the child
    had ended begins a new period."""
    frame = pd.DataFrame({"child": child, "start": start, "end": end})
    frame = frame.sort_values(["child", "start"], kind="stable")
    ended = frame.groupby("child")["end"].cummax().groupby(frame["child"]).shift()
    new = ended.isna() | (frame["start"] > ended)
    began = frame["start"].where(new).groupby(frame["child"]).ffill()
    return began.sort_index().to_numpy(dtype="datetime64[D]")


@dataclass
class Counts:
    """What a reference window saw, from one month end to the next."""

    months: int  # how many month-to-month steps
    entries: np.ndarray  # B: children entering care (in care now, out at the last month end)
    entry_age: np.ndarray  # A: their ages in months
    entry_group: np.ndarray  # B x G: the group they entered into
    # B x G x K: children in care at a month end and under 18 at the next, by age band,
    # group and band of time in care at the first; and of them, those who left care
    at_risk: np.ndarray
    exits: np.ndarray
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
    in_care = (before != OUT) & (age_before >= 0) & (age_before < AGES) & (age_after < AGES)
    leaving = in_care & (after == OUT)
    stay_band = BAND_OF_STAY[states.stay[:, :-1]]
    at_risk = np.zeros((n_bands, n_groups, len(STAY_BANDS)))
    np.add.at(at_risk, (BAND_OF_AGE[age_before[in_care]], before[in_care], stay_band[in_care]), 1)
    exits = np.zeros(at_risk.shape)
    np.add.at(exits, (BAND_OF_AGE[age_before[leaving]], before[leaving], stay_band[leaving]), 1)
    staying = in_care & (after != OUT)
    moves = np.zeros((n_bands, n_groups, n_groups))
    np.add.at(moves, (BAND_OF_AGE[age_before[staying]], before[staying], after[staying]), 1)
    return Counts(g.shape[1] - 1, entries.astype(float), entry_age.astype(float),
                  entry_group, at_risk, exits, moves)  # fmt: skip


@dataclass
class Rates:
    """Monthly rates: entries per month by band (B), the share of entrants by age in months
    (A), by group within their band (B x G), the probability of leaving care (B x G x K)
    and of each group next month for those who stay (B x G x G)."""

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
        taking a prior's arbitrary one; every age's chance of leaving after a time in care
        is pulled in turn towards that after the time in care before it (the first towards
        the group's at any time in care)."""
        n_groups = len(GROUPS)
        # Every age band together: the centre each band's rates are pulled towards.
        group_exits, group_risk = counts.exits.sum(axis=(0, 2)), counts.at_risk.sum(axis=(0, 2))
        leave_group = (group_exits + PRIOR) / (group_risk + 2 * PRIOR)  # G
        all_exits, all_risk = counts.exits.sum(axis=0), counts.at_risk.sum(axis=0)  # G x K
        # Each band of time in care leans on the band before it (the first on the group's
        # rate at any time): a band no child reached keeps the last rate seen.
        leave_all = np.zeros(all_exits.shape)
        centre = leave_group
        for k in range(len(STAY_BANDS)):
            leave_all[:, k] = (all_exits[:, k] + POOLED * centre) / (all_risk[:, k] + POOLED)
            centre = leave_all[:, k]
        stays = counts.at_risk - counts.exits
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
    """The children in care at one month end of a panel, by age in months, group and
    months in care (A x G x M)."""
    g, age, stay = states.group[:, column], states.age[:, column], states.stay[:, column]
    present = (g != OUT) & (age >= 0) & (age < AGES)
    stock = np.zeros((AGES, len(GROUPS), STAYS))
    np.add.at(stock, (age[present], g[present], stay[present]), 1)
    return stock


def _step(stock: np.ndarray, rates: Rates) -> np.ndarray:
    """One month on, in expectation under one set of rates: A x G x M children in care to
    A x G x M. Those who stay move, then are a month older (those reaching 18 leave care)
    and a month longer in care (six years or more stays so); entrants arrive at their age,
    with no time in care."""
    leave = rates.exit[BAND_OF_AGE][..., BAND_OF_STAY]  # A x G x M
    moved = np.einsum("agm,agh->ahm", stock * (1 - leave), rates.move[BAND_OF_AGE])
    after = np.zeros(moved.shape)
    after[1:, :, 1:] = moved[:-1, :, :-1]
    after[1:, :, -1] += moved[:-1, :, -1]
    arriving = rates.entries[BAND_OF_AGE] * rates.entry_age  # A
    after[..., 0] += arriving[:, None] * rates.entry_group[BAND_OF_AGE]
    return after


_CELL_FIELDS = ("run", "age", "group", "stay", "children")


@dataclass
class _Cells:
    """Children in care in every run, as the cells that hold any: run, age in months,
    group, months in care and how many children (one array each, one entry a cell)."""

    run: np.ndarray
    age: np.ndarray
    group: np.ndarray
    stay: np.ndarray
    children: np.ndarray

    @classmethod
    def of(cls, stock: np.ndarray, runs: int) -> _Cells:
        """The same A x G x M stock in each of `runs` runs."""
        age, group, stay = np.nonzero(stock)
        cells = len(age)
        return cls(
            np.repeat(np.arange(runs), cells),
            np.tile(age, runs),
            np.tile(group, runs),
            np.tile(stay, runs),
            np.tile(stock[age, group, stay].astype(np.int64), runs),
        )

    def merged(self) -> _Cells:
        """Cells of one run, age, group and time in care added together."""
        key = ((self.run * AGES + self.age) * len(GROUPS) + self.group) * STAYS + self.stay
        unique, where = np.unique(key, return_inverse=True)
        children = np.bincount(where, weights=self.children).astype(np.int64)
        rest, stay = np.divmod(unique, STAYS)
        rest, group = np.divmod(rest, len(GROUPS))
        run, age = np.divmod(rest, AGES)
        return _Cells(run, age, group, stay, children)


def _draw(rng: np.random.Generator, cells: _Cells, rates: Rates) -> _Cells:
    """One month on, drawn: who leaves, who moves, a month older and longer in care (the
    oldest reach 18 and leave), and who arrives, in each run under its own rates (S first).
    Only the cells holding children are drawn: most of the age, group and time in care
    combinations hold none."""
    band = BAND_OF_AGE[cells.age]
    leave = rates.exit[cells.run, band, cells.group, BAND_OF_STAY[cells.stay]]
    staying = rng.binomial(cells.children, 1 - leave)
    moved = rng.multinomial(staying, rates.move[cells.run, band, cells.group])  # cells x G
    n_groups = len(GROUPS)
    older = cells.age + 1 < AGES
    parts = [
        _Cells(
            np.repeat(cells.run[older], n_groups),
            np.repeat(cells.age[older] + 1, n_groups),
            np.tile(np.arange(n_groups), int(older.sum())),
            np.repeat(np.minimum(cells.stay[older] + 1, STAYS - 1), n_groups),
            moved[older].ravel(),
        )
    ]
    arrivals = rng.poisson(rates.entries)  # S x B
    for band_index in range(len(AGE_BANDS)):
        ages = np.flatnonzero(band_index == BAND_OF_AGE)
        shares = rates.entry_age[ages]
        at_age = rng.multinomial(arrivals[:, band_index], shares / shares.sum())  # S x ages
        into = np.broadcast_to(rates.entry_group[:, band_index, None, :], (*at_age.shape, n_groups))
        arrived = rng.multinomial(at_age, into)  # S x ages x G
        run, age, group = np.nonzero(arrived)
        parts.append(
            _Cells(run, ages[age], group, np.zeros(len(run), int), arrived[run, age, group])
        )
    joined = _Cells(*(np.concatenate([getattr(p, f) for p in parts]) for f in _CELL_FIELDS))
    joined = joined.merged()
    keep = joined.children > 0
    return _Cells(*(getattr(joined, f)[keep] for f in _CELL_FIELDS))


def simulate(
    stock: np.ndarray,
    counts: Counts,
    months: int,
    runs: int = 200,
    scenario: Scenario | None = None,
    seed: int = 0,
) -> np.ndarray:
    """`runs` simulations of the children in care, month by month for `months` months from
    `stock` (A x G x M), each with its own draw of the rates from `counts`: S x (T + 1) x
    A x G (every time in care together), the first month the stock itself."""
    rng = np.random.default_rng(seed)
    rates = (scenario or Scenario()).apply(Rates.estimate(counts, rng, runs))
    out = np.zeros((runs, months + 1, *stock.shape[:2]))
    out[:, 0] = stock.sum(axis=-1)
    cells = _Cells.of(stock, runs)
    for month in range(1, months + 1):
        cells = _draw(rng, cells, rates)
        np.add.at(out[:, month], (cells.run, cells.age, cells.group), cells.children)
    return out


def expected(
    stock: np.ndarray, rates: Rates, months: int, scenario: Scenario | None = None
) -> np.ndarray:
    """The expected children in care month by month under fixed rates, without chance:
    (T + 1) x A x G, from `stock` (A x G x M)."""
    rates = (scenario or Scenario()).apply(rates)
    out = np.zeros((months + 1, *stock.shape[:2]))
    out[0] = stock.sum(axis=-1)
    current = stock.astype(float)
    for month in range(1, months + 1):
        current = _step(current, rates)
        out[month] = current.sum(axis=-1)
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
    return Panel(
        states.month_ends[keep], states.group[:, keep], states.age[:, keep], states.stay[:, keep]
    )


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
