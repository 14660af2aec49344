"""The demand model (csc.demand) on hand-made histories whose answer is known, and on a
history simulated child by child with known rates, which it must recover."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csc import demand, forecast

FOSTER, HOME = "in_house_fostering", "childrens_home"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def cohorts(first: int, last: int, size, stay: int | None, age_months: int, group=FOSTER):  # noqa: ANN001, ANN201
    """Children entering care on the 15th of each month `first`..`last` (months after April
    2015), `size(month)` of them a month, each staying `stay` month ends (for good when
    None), `age_months` old at their first month end."""
    rows = []
    for month in range(first, last + 1):
        start = add_months(dt.date(2015, 4, 15), month)
        birth = add_months(start.replace(day=1), -age_months)
        for n in range(size(month)):
            end = None if stay is None else add_months(start, stay)
            rows.append((f"c{month}-{n}", start, end, group, birth))
    return pd.DataFrame(rows, columns=["child", "start", "end", "group", "birth"]).assign(
        start=lambda f: pd.to_datetime(f["start"]),
        end=lambda f: pd.to_datetime(f["end"]),
        birth=lambda f: pd.to_datetime(f["birth"]),
    )


ENDS = demand.month_ends(dt.date(2015, 4, 1), dt.date(2026, 3, 31))


def steady_history(size=lambda month: 10) -> demand.Panel:  # noqa: ANN001
    """Ten children aged five enter every month and each stays ten month ends: a hundred in
    care at every month end, ten entering and ten leaving each month."""
    return demand.panel(cohorts(0, len(ENDS), size, 10, 60), ENDS)


def test_a_month_end_counts_who_is_in_care_on_it() -> None:
    spells = cohorts(0, 0, lambda month: 1, 2, 60)  # 15 April 2015 to 15 June 2015
    states = demand.panel(spells, ENDS)
    assert list(states.group[0, :4]) == [0, 0, demand.OUT, demand.OUT]
    assert list(states.age[0, :2]) == [60, 61]
    assert list(states.stay[0, :2]) == [0, 1]  # months in care at each month end
    # Ending on a month end itself is out on it, as the DfE counts 31 March.
    spells.loc[0, "end"] = pd.Timestamp("2015-05-31")
    assert list(demand.panel(spells, ENDS).group[0, :2]) == [0, demand.OUT]


def test_the_window_counts_entries_exits_and_moves() -> None:
    states = steady_history()
    counts = demand.count(demand.window(states, 100, 36))
    band = 2  # 5 to 9
    assert counts.months == 36
    assert counts.entries[band] == 360 and counts.entries.sum() == 360
    # Each child is in care at ten month ends (0 to 9 months in care) and leaves after the
    # tenth: six months at risk under 6 months in care, four after, one exit.
    assert list(counts.exits[band, 0]) == [0, 360, 0, 0, 0, 0, 0] and counts.exits.sum() == 360
    assert list(counts.at_risk[band, 0]) == [36 * 60, 36 * 40, 0, 0, 0, 0, 0]
    assert counts.moves[band, 0, 0] == 36 * 90 and counts.moves.sum() == 36 * 90
    rates = demand.Rates.estimate(counts)
    assert rates.exit[band, 0, 0] == pytest.approx(0, abs=0.001)
    assert rates.exit[band, 0, 1] == pytest.approx(0.25, rel=0.01)
    assert rates.entries[band] == pytest.approx(10, rel=0.01)


def test_a_steady_state_stays_steady() -> None:
    states = steady_history()
    counts = demand.count(demand.window(states, 100, 36))
    stock = demand.stock_at(states, 100)
    assert stock.sum() == 100
    mean = demand.expected(stock, demand.Rates.estimate(counts), 36).sum(axis=(1, 2))
    assert mean == pytest.approx(np.full(37, 100.0), rel=0.01)
    low, middle, high = demand.interval(demand.simulate(stock, counts, 36).sum(axis=(2, 3)))
    assert np.all(np.abs(middle - 100) <= 10)
    assert np.all(low <= middle) and np.all(middle <= high) and np.all(high[1:] > low[1:])


def test_doubling_entries_doubles_the_stock_over_time() -> None:
    states = steady_history()
    counts = demand.count(demand.window(states, 100, 36))
    stock = demand.stock_at(states, 100)
    rates = demand.Rates.estimate(counts)
    doubled = demand.Scenario("twice the entries", entries=2.0)
    mean = demand.expected(stock, rates, 36, doubled).sum(axis=(1, 2))
    # The children in care now leave as before and twice as many arrive: the stock is
    # those of today still in care plus twice the entrants of the baseline still in care,
    # nearly twice as many three years on.
    base = demand.expected(stock, rates, 36).sum(axis=(1, 2))
    today = demand.expected(stock, rates, 36, demand.Scenario("none", entries=0.0))
    today = today.sum(axis=(1, 2))
    assert today[0] == 100 and today[-1] < 1
    assert mean == pytest.approx(today + 2 * (base - today), rel=1e-9)
    assert mean[-1] / mean[0] > 1.95


def test_children_new_to_care_leave_at_their_own_rate() -> None:
    """Half of the children coming into care each month go home after two month ends, half
    stay forty. A surge of 30 extra entrants just before the origin: six months on the
    short stayers among them have gone and the long stayers remain (the stock is 15 above
    the steady 210), which a model giving every child in care one exit rate would miss
    (at about 4.8% a month it keeps some 22 of the 30)."""
    origin = 100

    def size(month: int) -> int:
        return 20 if month == origin else 5

    short = cohorts(0, len(ENDS), size, 2, 60).assign(child=lambda f: "s" + f["child"])
    long = cohorts(0, len(ENDS), size, 40, 60).assign(child=lambda f: "l" + f["child"])
    states = demand.panel(pd.concat([short, long], ignore_index=True), ENDS)
    stock = demand.stock_at(states, origin)
    assert stock.sum() == 210 + 30
    counts = demand.count(demand.window(states, origin - 1, 60))
    mean = demand.expected(stock, demand.Rates.estimate(counts), 6).sum(axis=(1, 2))
    assert demand.stock_at(states, origin + 6).sum() == 210 + 15
    assert mean[6] == pytest.approx(225, abs=4)


def test_no_exits_means_only_growth() -> None:
    # Five children aged one enter every month and none leave.
    states = demand.panel(cohorts(0, len(ENDS), lambda month: 5, None, 12), ENDS)
    counts = demand.count(demand.window(states, 100, 36))
    assert counts.exits.sum() == 0
    stock = demand.stock_at(states, 100)
    mean = demand.expected(stock, demand.Rates.estimate(counts), 36).sum(axis=(1, 2))
    assert np.all(np.diff(mean) > 4.9)
    middle = demand.interval(demand.simulate(stock, counts, 36).sum(axis=(2, 3)))[1]
    assert np.all(np.diff(middle) >= 0) and middle[-1] > middle[0] + 150


def test_a_shift_towards_foster_care_moves_entrants_and_moves_not_stayers() -> None:
    states = steady_history()
    rates = demand.Rates.estimate(demand.count(demand.window(states, 100, 36)))
    rates.entry_group[:] = [0.5, 0, 0.5, 0, 0]
    shifted = demand.Scenario("fewer in homes", shifts=[(HOME, FOSTER, 0.4)]).apply(rates)
    assert shifted.entry_group[2] == pytest.approx([0.7, 0, 0.3, 0, 0])
    assert shifted.move[:, 2, 2] == pytest.approx(rates.move[:, 2, 2])  # stayers stay
    assert shifted.move.sum(axis=2) == pytest.approx(np.ones((5, 5)))
    with pytest.raises(ValueError, match="between 0 and 1"):
        demand.Scenario("wrong", shifts=[(HOME, FOSTER, 1.5)]).apply(rates)


def known_history(seed: int = 7) -> demand.Panel:
    """Children simulated one by one for ten years with known monthly rates: 30 entries a
    month aged 10 to 15 (two in three into foster care); from foster care 5% leave and 2%
    move to a children's home each month; from a home 8% leave and 3% move to foster care."""
    rng = np.random.default_rng(seed)
    leave = {FOSTER: 0.05, HOME: 0.08}
    move = {FOSTER: (HOME, 0.02), HOME: (FOSTER, 0.03)}
    rows, open_spells = [], []
    for month, end in enumerate(ENDS):
        still = []
        for child, group, birth, start in open_spells:
            draw = rng.random()
            if draw < leave[group]:
                rows.append((child, start, end - dt.timedelta(days=3), group, birth))
            elif draw < leave[group] + move[group][1]:
                rows.append((child, start, end - dt.timedelta(days=3), group, birth))
                still.append((child, move[group][0], birth, end - dt.timedelta(days=3)))
            else:
                still.append((child, group, birth, start))
        for n in range(rng.poisson(30)):
            start = end - dt.timedelta(days=10)
            birth = add_months(start.replace(day=1), -int(rng.integers(120, 192)))
            group = FOSTER if rng.random() < 2 / 3 else HOME
            still.append((f"k{month}-{n}", group, birth, start))
        open_spells = still
    rows += [(child, start, None, group, birth) for child, group, birth, start in open_spells]
    spells = pd.DataFrame(rows, columns=["child", "start", "end", "group", "birth"])
    for column in ("start", "end", "birth"):
        spells[column] = pd.to_datetime(spells[column])
    return demand.panel(spells, ENDS)


def test_a_region_simulated_with_known_rates_gives_them_back() -> None:
    """Tolerance: 20% of each rate, over three times the standard error of the scarcest
    (moves out of a children's home, some 150 in the three years)."""
    states = known_history()
    rates = demand.Rates.estimate(demand.count(demand.window(states, len(ENDS) - 1, 36)))
    band = 3  # 10 to 15: entrants are 10 to 15, and the rates do not depend on age
    f, h = 0, 2
    assert rates.entries[band] == pytest.approx(30, rel=0.2)
    assert rates.entry_group[band, f] == pytest.approx(2 / 3, rel=0.2)
    # The rates do not depend on time in care either: every band of it with a thousand
    # child-months or more gives them back.
    counts = demand.count(demand.window(states, len(ENDS) - 1, 36))
    checked = 0
    for stay in range(len(demand.STAY_BANDS)):
        for group, rate in ((f, 0.05), (h, 0.08)):
            if counts.at_risk[band, group, stay] >= 1000:
                assert rates.exit[band, group, stay] == pytest.approx(rate, rel=0.2)
                checked += 1
    assert checked >= 6
    # Of those who stay, the share who move: 2% / 95% and 3% / 92%.
    assert rates.move[band, f, h] == pytest.approx(0.02 / 0.95, rel=0.2)
    assert rates.move[band, h, f] == pytest.approx(0.03 / 0.92, rel=0.2)


def test_absolute_percentage_error_by_hand() -> None:
    errors = demand.absolute_percentage_error([110, 90, 50, 0], [100, 100, 0, 20])
    assert errors[:2] == pytest.approx([10, 10])
    assert np.isnan(errors[2]) and errors[3] == pytest.approx(100)
    assert np.nanmean(errors) == pytest.approx(40)


def test_a_backtest_sets_the_projection_beside_what_happened() -> None:
    """Steady until the origin, after which twice as many children enter: the projection
    from the steady window stays at 100, and a year on there are 200."""
    origin = 100
    states = steady_history(size=lambda month: 10 if month <= origin else 20)
    # The last of the three origins a year before column 112 is column 100.
    result = forecast.backtests({"E06000036": states}, origin + 12, 36, runs=100)
    result = result[(result.area_code == "E06000036") & (result.origin_date == ENDS[origin])]
    result = result.set_index("placement_group")
    row = result.loc["all"]
    assert row["horizon_months"] == 12
    assert row["actual"] == 200 and row["naive"] == 100
    assert row["projected_median"] == pytest.approx(100, abs=8)
    assert row["error_percent"] == pytest.approx(100 * abs(row["projected_median"] - 200) / 200)
    assert row["naive_error_percent"] == 50
    assert result.loc[HOME, "actual"] == 0 and np.isnan(result.loc[HOME, "error_percent"])


def test_the_regions_interval_is_that_of_its_councils_runs_added() -> None:
    states = steady_history()
    counts = demand.count(demand.window(states, 100, 36))
    stock = demand.stock_at(states, 100)
    councils = [demand.simulate(stock, counts, 24, seed=seed) for seed in range(4)]
    region = demand.region_runs(councils)
    assert region.shape == councils[0].shape
    assert region[:, 0].sum(axis=(1, 2)) == pytest.approx(np.full(200, 400))
    low, _, high = demand.interval(region[:, -1].sum(axis=(1, 2)))
    summed = [demand.interval(c[:, -1].sum(axis=(1, 2))) for c in councils]
    # Independent councils' chances partly cancel: the region's interval is narrower than
    # the sum of its councils'.
    assert high - low < sum(h - lo for lo, _, h in summed)
